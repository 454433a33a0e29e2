"""More purchase models: Pareto/NBD, MBG/NBD and (for discrete opportunities) BG/BB; one door, ``fit_model``.

The BG/NBD fit stays in :mod:`ecomkit.clv.bgnbd` (``fit_model(summary, "bgnbd")`` is ``fit_bgnbd``). Every fit
here is a :class:`~ecomkit.clv.bgnbd.ModelFit` holding the lifetimes fitter that predicts, so
``expected_purchases``, ``probability_alive``, ``customer_lifetime_value`` and ``predict_interval`` accept any
of them. What each model assumes, in plain words:

* **BG/NBD** (Fader, Hardie & Lee 2005): while active a customer buys at her own Poisson rate; right after
  each *repeat* purchase she may drop out (probability p, her own). One-time buyers cannot have dropped out.
* **MBG/NBD** (Batislam, Denizel & Filiztekin 2007): as BG/NBD, but she may also drop out right after her
  first purchase, so a one-time buyer who went quiet long ago is probably gone.
* **Pareto/NBD** (Schmittlein, Morrison & Colombo 1987): she drops out at a random moment (an exponential
  lifetime, rate mu her own), not only just after a purchase.
* **BG/BB** (Fader, Hardie & Shang 2010): discrete opportunities (a yearly donation drive, a monthly
  renewal, a daily check-in): in each period an active customer transacts with probability p and may drop
  out before the next period with probability theta.

All fits share lifetimes' conventions: the negative log-likelihood is the mean over customers, time is
scaled by 1 / max(T) while fitting, and ``penalizer`` adds ``penalizer * sum(params**2)`` on the scaled
parameters (lifetimes' own Pareto/NBD fitter puts it against the *total* log-likelihood instead; ecomkit
uses the mean for every model so a penalizer means the same everywhere). Standard errors come from the
Hessian of that objective in the log parameters (``log_covariance_``), as lifetimes computes them.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

from lifetimes import BetaGeoBetaBinomFitter, BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter
from lifetimes.utils import ConvergenceError

from ecomkit.clv.bgnbd import _PARAM_HINT, BGNBDFit, ModelFit, _check_summary_values, _unique_rows, fit_bgnbd
from ecomkit.clv.summary import frequency_recency_T

__all__ = [
    "MODELS",
    "ParetoNBDFit",
    "MBGNBDFit",
    "BGBBFit",
    "fit_model",
    "fit_bgbb",
    "expected_purchases_population",
    "model_kind",
]

#: The purchase models ``fit_model`` knows, by the name it takes.
MODELS = ("bgnbd", "pareto_nbd", "mbgnbd")


@dataclass(repr=False)
class _ContinuousFit(ModelFit):
    """What the continuous-time fits (Pareto/NBD, MBG/NBD) hold; the same attributes as BGNBDFit."""

    params_: pd.Series
    standard_errors_: pd.Series
    n_customers_: int
    n_rows_: int
    converged_: bool
    penalizer: float
    time_unit_: str
    method_: str
    neg_log_likelihood_: float
    model_: object
    message_: str = ""

    def _fitted_on(self) -> str:
        return f"{self.n_customers_:,} customers, time unit {self.time_unit_}"


@dataclass(repr=False)
class ParetoNBDFit(_ContinuousFit):
    """A fitted Pareto/NBD model: ``params_`` r, alpha, s, beta (alpha and beta in ``time_unit_``).

    ``model_`` is a ``lifetimes.ParetoNBDFitter`` carrying the estimate; ``neg_log_likelihood_`` is the
    mean negative log-likelihood (lifetimes' BG/NBD convention) at the estimate.
    """

    model_name = "Pareto/NBD"
    fitted_by = "fit_model(summary, 'pareto_nbd')"
    lifetimes_class = ParetoNBDFitter
    refit_hint = "refit with a penalizer"
    shape_params = ("r", "alpha", "s", "beta")


@dataclass(repr=False)
class MBGNBDFit(_ContinuousFit):
    """A fitted MBG/NBD model: ``params_`` r, alpha (in ``time_unit_``), a, b; ``model_`` a ``ModifiedBetaGeoFitter``."""

    model_name = "MBG/NBD"
    fitted_by = "fit_model(summary, 'mbgnbd')"
    lifetimes_class = ModifiedBetaGeoFitter
    refit_hint = "refit with a penalizer"
    shape_params = ("r", "alpha", "a", "b")


@dataclass(repr=False)
class BGBBFit(ModelFit):
    """A fitted BG/BB model for discrete opportunities: ``params_`` alpha, beta (transaction), gamma, delta (drop-out).

    Time is counted in periods (opportunities); ``period_weeks_`` says how long one period is when the
    caller said so (``fit_bgbb(..., period_weeks=...)``), which ``customer_lifetime_value`` needs.
    """

    params_: pd.Series
    standard_errors_: pd.Series
    n_customers_: int
    n_rows_: int
    converged_: bool
    penalizer: float
    period_weeks_: float | None
    neg_log_likelihood_: float
    model_: BetaGeoBetaBinomFitter | None
    message_: str = ""
    time_unit_: str = "period"
    method_: str = "lifetimes"

    model_name = "BG/BB"
    fitted_by = "fit_bgbb"
    lifetimes_class = BetaGeoBetaBinomFitter
    refit_hint = "refit with a penalizer"
    shape_params = ("alpha", "beta", "gamma", "delta")

    def _fitted_on(self) -> str:
        return f"{self.n_customers_:,} customers, time unit period"


def _log_likelihood(self) -> float:
    """Total log-likelihood of the data the model was fitted on (in its time unit; NaN for given parameters).

    It is the sum over customers, without the penalty; compare models on the same summary only (changing
    the time unit shifts it by a constant per purchase).
    """
    model = self.model_
    if model is None or getattr(self, "method_", "") == "given" or getattr(model, "data", None) is None:
        return float("nan")
    data = model.data
    w = data["weights"].to_numpy(dtype=float)
    kind = model_kind(self)
    names = _PARAMS[kind]
    params = np.array([float(self.params_[k]) for k in names])
    if kind == "bgbb":
        ll = BetaGeoBetaBinomFitter._loglikelihood(params, data["frequency"].to_numpy(),
                                                   data["recency"].to_numpy(), data["n_periods"].to_numpy())
        return float(np.sum(w * ll))
    x, rec, T = (data[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    if kind == "pareto_nbd":
        return float(np.sum(w * ParetoNBDFitter._conditional_log_likelihood(params, x, rec, T)))
    cls = BetaGeoFitter if kind == "bgnbd" else ModifiedBetaGeoFitter
    return float(-cls._negative_log_likelihood(np.log(params), x, rec, T, w, 0.0) * w.sum())


def _log_covariance(self) -> pd.DataFrame:
    """Asymptotic covariance of the log parameters: inverse Hessian of the mean objective / customers.

    Rows and columns are named after ``params_``. NaN when the fit has no Hessian (parameters given).
    """
    model, names = self.model_, list(self.params_.index)
    hess = getattr(model, "_hessian_", None) if model is not None else None
    if hess is None or getattr(self, "method_", "") == "given":
        return pd.DataFrame(np.nan, index=names, columns=names)
    n = float(model.data["weights"].sum())
    with np.errstate(all="ignore"):
        try:
            cov = np.linalg.inv(np.asarray(hess, dtype=float)) / n
        except np.linalg.LinAlgError:
            cov = np.full((len(names), len(names)), np.nan)
    return pd.DataFrame(cov, index=names, columns=names)


# every purchase-model fit (BG/NBD included) gets the two properties; Gamma-Gamma has its own data layout
for _cls in (BGNBDFit, _ContinuousFit, BGBBFit):
    _cls.log_likelihood_ = property(_log_likelihood)
    _cls.log_covariance_ = property(_log_covariance)

_PARAMS = {
    "bgnbd": ("r", "alpha", "a", "b"),
    "mbgnbd": ("r", "alpha", "a", "b"),
    "pareto_nbd": ("r", "alpha", "s", "beta"),
    "bgbb": ("alpha", "beta", "gamma", "delta"),
}
_KINDS = {BGNBDFit: "bgnbd", BetaGeoFitter: "bgnbd", MBGNBDFit: "mbgnbd", ModifiedBetaGeoFitter: "mbgnbd",
          ParetoNBDFit: "pareto_nbd", ParetoNBDFitter: "pareto_nbd", BGBBFit: "bgbb", BetaGeoBetaBinomFitter: "bgbb"}
_FIT_CLASSES = {"bgnbd": BGNBDFit, "mbgnbd": MBGNBDFit, "pareto_nbd": ParetoNBDFit, "bgbb": BGBBFit}


def model_kind(model) -> str:
    """"bgnbd", "mbgnbd", "pareto_nbd" or "bgbb" for a fit (or the lifetimes fitter behind one)."""
    for cls in type(model).__mro__:  # exact classes first: ModifiedBetaGeoFitter is a BetaGeoFitter
        if cls in _KINDS:
            return _KINDS[cls]
    raise TypeError(
        f"expected a purchase-model fit (from fit_model, fit_bgnbd or fit_bgbb), got {type(model).__name__}"
    )


def lifetimes_fitter(model):
    """The lifetimes fitter that predicts for ``model`` (any purchase-model fit, or such a fitter)."""
    return _FIT_CLASSES[model_kind(model)].lifetimes_fitter(model)


def _numerical_hessian(f, theta, step=1e-4):
    """Central-difference Hessian of a smooth scalar function (4 parameters: 33 evaluations)."""
    k = len(theta)
    H = np.zeros((k, k))
    f0 = f(theta)
    E = np.eye(k) * step
    for i in range(k):
        H[i, i] = (f(theta + E[i]) - 2 * f0 + f(theta - E[i])) / step**2
        for j in range(i):
            H[i, j] = H[j, i] = (
                f(theta + E[i] + E[j]) - f(theta + E[i] - E[j]) - f(theta - E[i] + E[j]) + f(theta - E[i] - E[j])
            ) / (4 * step**2)
    return H


def _numerical_gradient(f, theta, step=1e-6):
    return np.array([(f(theta + step * e) - f(theta - step * e)) / (2 * step) for e in np.eye(len(theta))])


def _fit_pareto_rows(rows, scale, penalizer):
    """Maximise the Pareto/NBD likelihood (lifetimes' formula) in the log parameters, deterministically.

    lifetimes' own fitter runs Nelder-Mead from a random start in the raw parameters with tol 1e-4; on
    CDNOW three runs give beta 11.667 to 11.669. Here: BFGS with central-difference gradients from
    (1, 1, 1, 1) (Nelder-Mead if that fails), then Newton steps with central-difference Hessians (on their
    absolute eigenvalues where the surface is not convex, at most a factor e per parameter per step, with a
    backtracking line search) until every gradient component is below 1e-8; converged below 1e-7, lifetimes'
    tolerance for the other models. 0.5 s on CDNOW, 6 s on the 20,000 demo customers (13,000 distinct rows).
    """
    x, rec, T, w = rows.x.astype(float), rows.rec * scale, rows.T * scale, rows.w
    W = w.sum()

    def objective(theta):
        params = np.exp(theta)
        with np.errstate(all="ignore"):
            ll = ParetoNBDFitter._conditional_log_likelihood(params, x, rec, T)
        value = -float(np.sum(w * ll)) / W + penalizer * float(np.sum(params**2))
        return value if np.isfinite(value) else np.inf

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        start = optimize.minimize(objective, np.zeros(4), method="BFGS", options={"gtol": 1e-8})
        if not np.isfinite(start.fun):
            start = optimize.minimize(objective, np.zeros(4), method="Nelder-Mead",
                                      options={"xatol": 1e-6, "fatol": 1e-12, "maxiter": 20_000, "maxfev": 40_000})
    theta, value = start.x, start.fun
    g = _numerical_gradient(objective, theta)
    H = _numerical_hessian(objective, theta)
    for _ in range(50):
        if not np.isfinite(value) or np.max(np.abs(g)) < 1e-8:
            break
        eigval, eigvec = np.linalg.eigh(H)
        step = -eigvec @ ((eigvec.T @ g) / np.maximum(np.abs(eigval), 1e-8))
        step *= min(1.0, 1.0 / np.max(np.abs(step)))
        t = 1.0
        while t > 1e-8 and not objective(theta + t * step) <= value:
            t /= 2
        if t <= 1e-8:
            break
        theta = theta + t * step
        value = objective(theta)
        g, H = _numerical_gradient(objective, theta), _numerical_hessian(objective, theta)
    converged = bool(np.isfinite(value) and np.max(np.abs(g)) < 1e-7)
    message = "converged" if converged else f"the gradient stayed at {np.max(np.abs(g)):.2g} (tolerance 1e-7)"
    return theta, value, H, converged, message


def _continuous_fit(summary, kind, penalizer):
    if penalizer < 0:
        raise ValueError("penalizer must be >= 0")
    x, rec, T = frequency_recency_T(summary)
    _check_summary_values(x, rec, T)
    time_unit = summary.attrs.get("time_unit", "W")
    rows = _unique_rows(x, rec, T)
    names = list(_PARAMS[kind])
    scale = 1.0 / T.max()
    fitter, converged, message, nll = None, False, "", float("nan")
    if kind == "pareto_nbd":
        theta, nll, H, converged, message = _fit_pareto_rows(rows, scale, penalizer)
        fitter = ParetoNBDFitter(penalizer_coef=penalizer)
        fitter._scale = scale
        params = np.exp(theta)
        fitter.params_ = pd.Series(params, index=names)
        fitter.params_[["alpha", "beta"]] /= scale
        fitter._negative_log_likelihood_ = nll
        fitter._hessian_ = H
        fitter.data = pd.DataFrame({"frequency": rows.x, "recency": rows.rec, "T": rows.T, "weights": rows.w})
        fitter.predict = fitter.conditional_expected_number_of_purchases_up_to_time
        with np.errstate(invalid="ignore"):
            fitter.variance_matrix_ = fitter._compute_variance_matrix()
            fitter.standard_errors_ = fitter._compute_standard_errors()
        method = "ecomkit"
    else:
        fitter = ModifiedBetaGeoFitter(penalizer_coef=penalizer)
        try:
            with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
                fitter.fit(rows.x, rows.rec, rows.T, weights=rows.w.astype(np.int64))
            converged, message, nll = True, "converged", float(fitter._negative_log_likelihood_)
        except ConvergenceError:
            fitter, message = None, "lifetimes' optimiser stopped without converging"
        method = "lifetimes"
    if fitter is not None:
        params, se = fitter.params_.copy(), fitter.standard_errors_.copy()
    else:
        params = pd.Series(np.nan, index=names)
        se = params.copy()
    fit = _FIT_CLASSES[kind](
        params_=params, standard_errors_=se, n_customers_=int(len(x)), n_rows_=int(len(rows.x)),
        converged_=bool(converged), penalizer=float(penalizer), time_unit_=time_unit, method_=method,
        neg_log_likelihood_=float(nll), model_=fitter if converged else None, message_=message,
    )
    _warn_if_unusable(fit)
    return fit


def _warn_if_unusable(fit):
    problem = fit.problem()
    if problem is not None:
        warnings.warn(f"{problem[0].upper()}{problem[1:]}. {_PARAM_HINT}", UserWarning, stacklevel=4)


def fit_model(summary: pd.DataFrame, model: str = "bgnbd", penalizer: float = 0.0) -> ModelFit:
    """Fit a purchase model to a customer summary: "bgnbd", "pareto_nbd" or "mbgnbd".

    Parameters
    ----------
    summary : from ``customer_summary`` (or ``calibration_holdout``: the ``_cal`` columns), time in weeks
        or days.
    model : "bgnbd" (``fit_bgnbd``, unchanged), "pareto_nbd" (drop-out at any moment) or "mbgnbd" (drop-out
        possible right after the first purchase too); see the module docstring.
    penalizer : L2 penalty on the scaled parameters (0 = plain maximum likelihood).

    Returns
    -------
    A fit (``BGNBDFit``, ``ParetoNBDFit`` or ``MBGNBDFit``) with ``params_``, ``standard_errors_``,
    ``log_likelihood_`` (total, on the data fitted), ``log_covariance_``, ``converged_``, ``problem()`` and
    ``model_`` (the lifetimes fitter). Warns (UserWarning) when the fit is unusable, saying what to try.

    Example
    -------
    >>> s = customer_summary(cdnow_sample_orders(), "1997-09-30")
    >>> fit_model(s, "pareto_nbd").params_.round(3).tolist()
    [0.553, 10.578, 0.606, 11.669]
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(repr(m) for m in MODELS)}; got {model!r} "
                         "(BG/BB, for discrete opportunities, is fit_bgbb)")
    if model == "bgnbd":
        return fit_bgnbd(summary, penalizer=penalizer)
    return _continuous_fit(summary, model, penalizer)


def bgbb_columns(summary: pd.DataFrame):
    """(frequency, recency, periods) as int arrays from a BG/BB summary (``n_periods`` is accepted for periods)."""
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(f"summary must be a DataFrame, got {type(summary).__name__}")
    periods_col = "periods" if "periods" in summary.columns else "n_periods"
    missing = [c for c in ("frequency", "recency", periods_col) if c not in summary.columns]
    if missing:
        raise ValueError(f"a BG/BB summary needs columns frequency, recency and periods; missing {missing}")
    cols = [summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", periods_col)]
    for name, v in zip(("frequency", "recency", "periods"), cols):
        if not (np.all(np.isfinite(v)) and np.all(v == np.round(v)) and np.all(v >= 0)):
            raise ValueError(f"BG/BB column {name!r} must hold non-negative whole numbers of periods")
    x, tx, n = cols
    if np.any(x > tx) or np.any(tx > n) or np.any((x == 0) != (tx == 0)):
        raise ValueError("a BG/BB summary needs frequency <= recency <= periods, and recency 0 exactly when frequency is 0")
    return x.astype(np.int64), tx.astype(np.int64), n.astype(np.int64)


def fit_bgbb(summary: pd.DataFrame, penalizer: float = 0.0, period_weeks: float | None = None) -> BGBBFit:
    """Fit the BG/BB model (Fader, Hardie & Shang 2010) for discrete transaction opportunities.

    Parameters
    ----------
    summary : one row per customer (or per pattern, with a ``weights`` column counting customers):
        ``frequency`` = periods with a transaction after the first, ``recency`` = the last such period
        (0 without one), ``periods`` (or ``n_periods``) = opportunities observed after the first.
    penalizer : L2 penalty on the parameters (lifetimes' meaning).
    period_weeks : length of one period in weeks (52.18 for yearly, 4.35 for monthly, 1/7 for daily);
        only ``customer_lifetime_value`` needs it.

    Returns
    -------
    BGBBFit with ``params_`` (alpha, beta, gamma, delta), ``standard_errors_``, ``log_likelihood_``,
    ``model_`` (a ``lifetimes.BetaGeoBetaBinomFitter``).

    Example
    -------
    >>> from lifetimes.datasets import load_donations
    >>> fit_bgbb(load_donations()).params_.round(3).tolist()
    [1.204, 0.75, 0.657, 2.783]
    """
    if penalizer < 0:
        raise ValueError("penalizer must be >= 0")
    if period_weeks is not None and not period_weeks > 0:
        raise ValueError("period_weeks must be a positive number of weeks")
    x, tx, n = bgbb_columns(summary)
    w = summary["weights"].to_numpy(dtype=float) if "weights" in summary.columns else np.ones(len(x))
    if not (np.all(np.isfinite(w)) and np.all(w >= 0) and w.sum() > 0):
        raise ValueError("weights must be non-negative counts of customers")
    # collapse identical patterns (the likelihood depends on a customer only through x, t_x, n)
    grouped = pd.DataFrame({"x": x, "tx": tx, "n": n, "w": w}).groupby(["x", "tx", "n"], sort=True)["w"].sum()
    gx, gtx, gn = (grouped.index.get_level_values(i).to_numpy() for i in range(3))
    fitter = BetaGeoBetaBinomFitter(penalizer_coef=penalizer)
    try:
        with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
            fitter.fit(gx, gtx, gn, weights=grouped.to_numpy())
        converged, message, nll = True, "converged", float(fitter._negative_log_likelihood_)
    except ConvergenceError:
        fitter, converged, message, nll = None, False, "lifetimes' optimiser stopped without converging", float("nan")
    names = list(_PARAMS["bgbb"])
    params = fitter.params_.copy() if fitter is not None else pd.Series(np.nan, index=names)
    se = fitter.standard_errors_.copy() if fitter is not None else params.copy()
    fit = BGBBFit(params_=params, standard_errors_=se, n_customers_=int(round(w.sum())), n_rows_=len(grouped),
                  converged_=converged, penalizer=float(penalizer), period_weeks_=period_weeks,
                  neg_log_likelihood_=nll, model_=fitter, message_=message)
    _warn_if_unusable(fit)
    return fit


def expected_purchases_population(model, t) -> np.ndarray | float:
    """A new customer's expected repeat purchases in her first ``t`` time units, E[X(t)].

    ``t`` (a number or an array) is in the model's time unit (weeks by default; periods for BG/BB). This
    is what a freshly acquired customer is worth in purchases before anything is known about her.

    Example
    -------
    >>> model = bgnbd_from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> round(float(expected_purchases_population(model, 52)), 3)
    1.446
    """
    kind = model_kind(model)
    fitter = lifetimes_fitter(model)
    t_arr = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(t_arr)) or np.any(t_arr < 0):
        raise ValueError("t must be non-negative numbers of time units")
    if kind == "bgbb":
        alpha, beta, gamma, delta = (float(fitter.params_[k]) for k in _PARAMS["bgbb"])
        # Fader, Hardie & Shang (2010), eq. (8)
        ratio = np.exp(special.gammaln(gamma + delta) - special.gammaln(1 + delta)
                       + special.gammaln(1 + delta + t_arr) - special.gammaln(gamma + delta + t_arr))
        value = alpha / (alpha + beta) * delta / (gamma - 1) * (1 - ratio)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.asarray(fitter.expected_number_of_purchases_up_to_time(t_arr), dtype=float)
        value = np.where(t_arr == 0, 0.0, value)
    return float(value) if np.ndim(t) == 0 else value


def params_of(model) -> dict:
    """The fitted parameters of any purchase model as a plain dict (in the model's own time unit)."""
    fitter = lifetimes_fitter(model)
    names = _PARAMS[model_kind(model)]
    return {k: float(fitter.params_[k]) for k in names}


def with_params(model, params: dict):
    """A lifetimes fitter of ``model``'s kind carrying ``params`` (for what-if predictions and simulation)."""
    kind = model_kind(model)
    fitter = {"bgnbd": BetaGeoFitter, "mbgnbd": ModifiedBetaGeoFitter, "pareto_nbd": ParetoNBDFitter,
              "bgbb": BetaGeoBetaBinomFitter}[kind]()
    fitter.params_ = pd.Series({k: float(params[k]) for k in _PARAMS[kind]})
    return fitter


def period_weeks_of(model) -> float | None:
    """Weeks per BG/BB period (None when unknown), or None for the continuous-time models."""
    return getattr(model, "period_weeks_", None)
