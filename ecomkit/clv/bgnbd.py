"""The BG/NBD purchase model (Fader, Hardie & Lee 2005): its likelihood, the exact Newton path and the fit.

``fit_bgnbd`` collapses a customer summary to its unique (frequency, recency, T) rows and fits them
with lifetimes' ``BetaGeoFitter`` (weighted) or, on large data, with a damped Newton method on the same
objective with exact derivatives; either way the result is a :class:`BGNBDFit` holding a
``BetaGeoFitter`` that predicts. ``bgnbd_from_params`` makes one from given parameters.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from lifetimes import BetaGeoFitter
from lifetimes.utils import ConvergenceError

from ecomkit.clv.summary import days_per_unit, frequency_recency_T

__all__ = ["BGNBDFit", "fit_bgnbd", "bgnbd_from_params", "EDGE_LOW", "EDGE_HIGH"]

#: A shape parameter below EDGE_LOW or above EDGE_HIGH sits at the edge of the parameter space: the
#: likelihood is flat towards 0 or infinity there and the data do not identify that parameter.
EDGE_LOW, EDGE_HIGH = 1e-5, 1e5

_PARAM_HINT = (
    "Try a small penalizer, e.g. penalizer=0.001, raising it towards 0.1 (it shrinks the parameters "
    "and stops them running off to infinity); check that recency and T are in weeks (rescaling time "
    "only rescales alpha); and check the data: with very few repeat buyers, or a window too short to "
    "show any drop-out, the data cannot pin the parameters down."
)


def _check_summary_values(x, rec, T):
    if len(x) == 0:
        raise ValueError("the summary is empty: no customers to fit")
    for name, v in (("frequency", x), ("recency", rec), ("T", T)):
        if not np.all(np.isfinite(v)):
            raise ValueError(f"summary column {name!r} has missing or infinite values")
    if np.any(x != np.round(x)) or np.any(x < 0):
        raise ValueError("summary column 'frequency' must hold non-negative whole numbers")
    if np.any(rec < 0) or np.any(rec > T):
        raise ValueError("summary needs 0 <= recency <= T for every customer")
    if np.any(rec[x == 0] != 0):
        raise ValueError("summary has customers with frequency 0 but recency > 0")
    if T.max() <= 0:
        raise ValueError("summary has T = 0 for every customer: observe for at least one day")


@dataclass
class _UniqueRows:
    """Unique (frequency, recency, T) rows with their customer counts as weights."""

    x: np.ndarray  # int64 frequency
    rec: np.ndarray  # recency per row
    T: np.ndarray  # T per row
    w: np.ndarray  # number of customers per row (float)
    rec_code: np.ndarray  # index into rec_values
    T_code: np.ndarray  # index into T_values
    rec_values: np.ndarray
    T_values: np.ndarray


def _unique_rows(x, rec, T, weights=None) -> _UniqueRows:
    x = np.asarray(x).astype(np.int64)
    rec_code, rec_values = pd.factorize(np.asarray(rec, dtype=float))
    T_code, T_values = pd.factorize(np.asarray(T, dtype=float))
    rec_values, T_values = np.asarray(rec_values, dtype=float), np.asarray(T_values, dtype=float)
    n_rec, n_T = len(rec_values), len(T_values)
    key = (x * n_rec + rec_code) * n_T + T_code
    if weights is None:
        key.sort()
        start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        uniq = key[start]
        w = np.diff(np.append(start, len(key))).astype(float)
    else:
        uniq, inverse = np.unique(key, return_inverse=True)
        w = np.bincount(inverse, weights=np.asarray(weights, dtype=float), minlength=len(uniq))
    T_code_u = uniq % n_T
    rest = uniq // n_T
    rec_code_u = rest % n_rec
    x_u = rest // n_rec
    return _UniqueRows(x_u, rec_values[rec_code_u], T_values[T_code_u], w, rec_code_u, T_code_u, rec_values, T_values)


def _weighted_sum(u, v) -> float:
    """Sum of ``v`` weighted by ``u`` (their inner product), without BLAS.

    Threaded BLAS stalls on a busy 2-core machine.
    """
    return float(np.einsum("i,i->", u, v))


class _BGNBDLikelihood:
    """The BG/NBD log-likelihood of lifetimes' BetaGeoFitter, grouped so it is cheap.

    Same objective as lifetimes (mean negative log-likelihood over customers in the log
    parameters, time scaled by 1 / max(T), penalty ``penalizer * sum(params**2)`` on the scaled
    parameters), with an exact gradient and Hessian. Terms that depend on the frequency alone are
    computed once per distinct frequency and terms in ``log(alpha + T)`` once per distinct T, so
    only a softplus per repeat-buyer row is left.
    """

    def __init__(self, rows: _UniqueRows, scale: float):
        self.scale = scale
        self.W = rows.w.sum()
        self.nx = np.bincount(rows.x, weights=rows.w)
        self.xs = np.arange(len(self.nx), dtype=float)
        self.T_s = rows.T_values * scale
        self.S0 = np.bincount(rows.T_code, weights=rows.w, minlength=len(self.T_s))
        self.S1 = np.bincount(rows.T_code, weights=rows.w * rows.x, minlength=len(self.T_s))
        rep = rows.x > 0
        self.rec_s = rows.rec_values * scale
        self.r_x = rows.x[rep].astype(float)
        self.r_xi = rows.x[rep] - 1
        self.r_w = rows.w[rep]
        self.r_T = rows.T_code[rep]
        self.r_rec = rows.rec_code[rep]

    def __call__(self, theta, penalizer=0.0, hessian=True):
        r, al, a, b = params = np.exp(theta)
        xs, nx, W = self.xs, self.nx, self.W
        g = np.zeros(4)
        H = np.zeros((4, 4))
        # terms in the frequency alone: lnG(r+x) - lnG(r) + lnB(a, b+x) - lnB(a, b)
        ll = _weighted_sum(nx, (
            special.gammaln(r + xs) - special.gammaln(r) + special.gammaln(a + b) + special.gammaln(b + xs)
            - special.gammaln(b) - special.gammaln(a + b + xs)
        ))
        d_ab = special.digamma(a + b) - special.digamma(a + b + xs)
        g[0] += _weighted_sum(nx, (special.digamma(r + xs) - special.digamma(r)))
        g[2] += _weighted_sum(nx, d_ab)
        g[3] += _weighted_sum(nx, (d_ab + special.digamma(b + xs) - special.digamma(b)))
        if hessian:
            t_ab = special.polygamma(1, a + b) - special.polygamma(1, a + b + xs)
            H[0, 0] += _weighted_sum(nx, (special.polygamma(1, r + xs) - special.polygamma(1, r)))
            H[2, 2] += _weighted_sum(nx, t_ab)
            H[2, 3] += _weighted_sum(nx, t_ab)
            H[3, 3] += _weighted_sum(nx, (t_ab + special.polygamma(1, b + xs) - special.polygamma(1, b)))
        # r log(alpha) for every customer
        log_al = math.log(al)
        ll += W * r * log_al
        g[0] += W * log_al
        g[1] += W * r / al
        if hessian:
            H[0, 1] += W / al
            H[1, 1] -= W * r / al**2
        # -(r + x) log(alpha + T), grouped by T
        LT = np.log(al + self.T_s)
        IT = 1.0 / (al + self.T_s)
        rS = r * self.S0 + self.S1
        ll -= _weighted_sum(rS, LT)
        g[0] -= _weighted_sum(self.S0, LT)
        g[1] -= _weighted_sum(rS, IT)
        if hessian:
            H[0, 1] -= _weighted_sum(self.S0, IT)
            H[1, 1] += _weighted_sum(rS, (IT * IT))
        # repeat buyers: softplus(D), D = log(a / (b + x - 1)) + (r + x)(log(alpha+T) - log(alpha+t_x))
        Lt = np.log(al + self.rec_s)
        It = 1.0 / (al + self.rec_s)
        delta = LT[self.r_T] - Lt[self.r_rec]
        IT_row = IT[self.r_T]
        It_row = It[self.r_rec]
        gdiff = IT_row - It_row
        inv_b = 1.0 / (b + xs[1:] - 1.0)
        ib = inv_b[self.r_xi]
        rx = r + self.r_x
        D = np.log(a * inv_b)[self.r_xi] + rx * delta
        w = self.r_w
        ll += _weighted_sum(w, np.logaddexp(0.0, D))
        s = special.expit(D)
        ws = w * s
        rxg = rx * gdiff
        ws_sum = ws.sum()
        g[0] += _weighted_sum(ws, delta)
        g[1] += _weighted_sum(ws, rxg)
        g[2] += ws_sum / a
        g[3] -= _weighted_sum(ws, ib)
        value = -ll / W + penalizer * np.sum(params**2)
        grad = -g * params / W + 2.0 * penalizer * params**2
        if not hessian:
            return value, grad
        sp = ws * (1.0 - s)
        spx = np.bincount(self.r_xi, weights=sp, minlength=len(inv_b))  # per frequency
        # outer products of dD/dparams, weighted by softplus''
        H[0, 0] += _weighted_sum(sp, (delta * delta))
        H[0, 1] += _weighted_sum(sp, (delta * rxg)) + _weighted_sum(ws, gdiff)
        H[0, 2] += (_weighted_sum(sp, delta)) / a
        H[0, 3] -= _weighted_sum(sp, (delta * ib))
        H[1, 1] += _weighted_sum(sp, (rxg * rxg)) + _weighted_sum(ws * rx, gdiff * (-(IT_row + It_row)))
        H[1, 2] += (_weighted_sum(sp, rxg)) / a
        H[1, 3] -= _weighted_sum(sp, (rxg * ib))
        H[2, 2] += sp.sum() / a**2 - ws_sum / a**2
        H[2, 3] -= (_weighted_sum(spx, inv_b)) / a
        H[3, 3] += _weighted_sum(spx, (inv_b * inv_b)) + _weighted_sum(np.bincount(self.r_xi, weights=ws, minlength=len(inv_b)), inv_b * inv_b)
        H = np.triu(H) + np.triu(H, 1).T
        hess = -(H * np.outer(params, params) + np.diag(g * params)) / W + np.diag(4.0 * penalizer * params**2)
        return value, grad, hess


def _newton(lik, theta, penalizer, gtol=1e-10, max_iter=100):
    """Damped Newton on the log parameters. Returns (theta, value, hessian, converged, message)."""
    f, g, H = lik(theta, penalizer)
    if not np.isfinite(f):
        return theta, f, H, False, "the log-likelihood is not finite at the starting point"
    for _ in range(max_iter):
        if np.max(np.abs(g)) < gtol:
            return theta, f, H, True, "converged"
        eigval, eigvec = np.linalg.eigh(H)
        if np.all(np.isfinite(eigval)) and eigval.min() > 1e-12 * max(1.0, eigval.max()):
            step = -eigvec @ ((eigvec.T @ g) / eigval)
        else:  # not positive definite: Newton on |eigenvalues| (a saddle-free step)
            safe = np.maximum(np.abs(eigval), 1e-8 * max(1.0, np.abs(eigval).max()))
            step = -eigvec @ ((eigvec.T @ g) / safe)
        longest = np.max(np.abs(step))
        if longest > 3.0:  # at most a factor e**3 per parameter per step
            step *= 3.0 / longest
        t = 1.0
        while t > 1e-10:
            cand = theta + t * step
            f2, g2, H2 = lik(cand, penalizer)
            if np.isfinite(f2) and (
                f2 <= f + 1e-4 * t * (g @ step)
                or (f2 - f <= 1e-13 * abs(f) and np.max(np.abs(g2)) < np.max(np.abs(g)))
            ):
                break
            t *= 0.5
        else:
            converged = np.max(np.abs(g)) < 1e-7  # lifetimes' own tolerance
            return theta, f, H, converged, "the line search could not improve the likelihood"
        if np.max(np.abs(cand - theta)) < 1e-14:
            return cand, f2, H2, np.max(np.abs(g2)) < 1e-7, "the parameters stopped moving"
        theta, f, g, H = cand, f2, g2, H2
    return theta, f, H, False, f"no convergence after {max_iter} Newton steps"


class ModelFit:
    """What the BG/NBD and Gamma-Gamma fits share: ``summary()``, a one-line repr, the fitter that predicts.

    Subclasses are dataclasses holding ``params_``, ``standard_errors_``, ``converged_`` and ``model_``
    (the lifetimes fitter, None when the fit did not converge); their ``_fitted_on()`` says what the
    estimate rests on, and their class attributes name the model, the lifetimes class and the advice.
    """

    model_name = ""  # "BG/NBD"
    fitted_by = ""  # the function that makes one
    lifetimes_class: type = object
    refit_hint = ""  # what to try when the fit did not converge
    shape_params: tuple[str, ...] = ()  # parameters checked against EDGE_LOW / EDGE_HIGH by problem()

    @classmethod
    def lifetimes_fitter(cls, model):
        """The lifetimes fitter behind ``model`` (a fit of this class, or such a fitter itself), to predict with."""
        if isinstance(model, cls):
            if model.model_ is None:
                raise ValueError(f"this {cls.model_name} fit did not converge, so it cannot predict; {cls.refit_hint}")
            return model.model_
        if isinstance(model, cls.lifetimes_class):
            return model
        raise TypeError(f"expected a {cls.__name__} (from {cls.fitted_by}), got {type(model).__name__}")

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and normal 95% intervals, one row per parameter."""
        params, se = self.params_, self.standard_errors_
        return pd.DataFrame(
            {"estimate": params, "std_error": se, "lower_95": params - 1.96 * se, "upper_95": params + 1.96 * se}
        )

    def problem(self) -> str | None:
        """Why the numbers of this fit should not be reported, in one phrase; None when they can.

        A fit is unusable when it did not converge, when a shape parameter sits at the edge of the
        parameter space (below ``EDGE_LOW`` or above ``EDGE_HIGH``: the likelihood runs off towards 0 or
        infinity, so the data do not identify it) or when a standard error is not finite (the likelihood
        is flat in some direction). Fits made from given parameters (no standard errors) are not
        checked for their standard errors.

        Example
        -------
        >>> fit_bgnbd(customer_summary(cdnow_sample_orders(), "1997-09-30")).problem() is None
        True
        """
        name = self.model_name
        if not self.converged_ or self.model_ is None:
            return f"the {name} fit did not converge ({self.message_ or 'no estimate'})"
        params = self.params_
        shown = ", ".join(f"{k}={v:.3g}" for k, v in params.items())
        if not np.all(np.isfinite(params.to_numpy(dtype=float))) or np.any(params.to_numpy(dtype=float) <= 0):
            return f"the {name} fit gave parameters that are not positive numbers ({shown})"
        edge = [k for k in self.shape_params if not EDGE_LOW <= float(params[k]) <= EDGE_HIGH]
        if edge:
            return (f"the {name} fit lands at the edge of its parameter space ({shown}): the data do not "
                    f"identify {', '.join(edge)}")
        if getattr(self, "method_", "") != "given":
            se = self.standard_errors_.to_numpy(dtype=float)
            if not np.all(np.isfinite(se)):
                bad = [k for k, v in self.standard_errors_.items() if not np.isfinite(v)]
                return (f"the {name} fit has no finite standard error for {', '.join(bad)} ({shown}): the "
                        "likelihood is flat there, so the data do not pin the parameters down")
        return None

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        state = "" if self.converged_ else ", NOT CONVERGED"
        return f"{type(self).__name__}({shown}; {self._fitted_on()}{state})"


@dataclass(repr=False)
class BGNBDFit(ModelFit):
    """A fitted BG/NBD model (sklearn-style attributes end in an underscore).

    ``params_`` holds r, alpha (in ``time_unit_``), a, b; ``model_`` is the fitted
    ``lifetimes.BetaGeoFitter`` (its ``data`` holds the unique rows and their ``weights``).
    """

    params_: pd.Series
    standard_errors_: pd.Series
    n_customers_: int
    n_rows_: int
    converged_: bool
    penalizer: float
    time_unit_: str
    method_: str
    neg_log_likelihood_: float
    model_: BetaGeoFitter | None
    message_: str = ""

    model_name = "BG/NBD"
    fitted_by = "fit_bgnbd"
    lifetimes_class = BetaGeoFitter
    refit_hint = "refit with a penalizer"
    shape_params = ("r", "alpha", "a", "b")

    def _fitted_on(self) -> str:
        return f"{self.n_customers_:,} customers, time unit {self.time_unit_}"


def _bgnbd_model_from_estimate(rows: _UniqueRows, scale, theta, value, hessian, penalizer) -> BetaGeoFitter:
    """A lifetimes BetaGeoFitter carrying our estimate, set up as its own ``fit`` would."""
    model = BetaGeoFitter(penalizer_coef=penalizer)
    model._scale = scale
    params = np.exp(theta)
    model.params_ = pd.Series(params, index=["r", "alpha", "a", "b"])
    model.params_["alpha"] /= scale
    model._negative_log_likelihood_ = value
    model._hessian_ = hessian
    model.data = pd.DataFrame({"frequency": rows.x, "recency": rows.rec, "T": rows.T, "weights": rows.w})
    model.predict = model.conditional_expected_number_of_purchases_up_to_time
    with np.errstate(invalid="ignore"):
        try:
            model.variance_matrix_ = model._compute_variance_matrix()
        except np.linalg.LinAlgError:
            model.variance_matrix_ = pd.DataFrame(np.nan, index=model.params_.index, columns=model.params_.index)
        model.standard_errors_ = model._compute_standard_errors()
        model.confidence_intervals_ = model._compute_confidence_intervals()
    return model


def fit_bgnbd(summary: pd.DataFrame, penalizer: float = 0.0, method: str = "auto") -> BGNBDFit:
    """Fit the BG/NBD purchase model (Fader, Hardie & Lee 2005) to a customer summary.

    The likelihood depends on a customer only through (frequency, recency, T), so the summary is
    collapsed to its unique rows with the number of customers as ``weights``; the estimate is the
    same as fitting every customer.

    Parameters
    ----------
    summary : from ``customer_summary`` (or ``calibration_holdout``: the ``_cal`` columns).
    penalizer : lifetimes' L2 penalty on the parameters (0 = plain maximum likelihood).
    method : "lifetimes" runs ``lifetimes.BetaGeoFitter.fit`` on the weighted unique rows;
        "newton" maximises the same objective with exact derivatives (fast on large data, where
        most rows are unique and lifetimes' autograd Hessian alone takes seconds) and puts the
        estimate into a ``BetaGeoFitter``; "auto" uses "lifetimes" up to 20,000 unique rows.

    Returns
    -------
    BGNBDFit with ``params_`` (r, alpha in the summary's time unit, a, b), ``standard_errors_``,
    ``n_customers_``, ``converged_`` and ``model_``. Warns (UserWarning) when the fit does not
    converge, saying what to try.

    Example
    -------
    >>> fit = fit_bgnbd(customer_summary(cdnow_sample_orders(), "1997-09-30"))
    >>> fit.params_.round(3).tolist()
    [0.243, 4.414, 0.793, 2.426]
    """
    if method not in ("auto", "lifetimes", "newton"):
        raise ValueError(f"method must be 'auto', 'lifetimes' or 'newton', got {method!r}")
    if penalizer < 0:
        raise ValueError("penalizer must be >= 0")
    x, rec, T = frequency_recency_T(summary)
    _check_summary_values(x, rec, T)
    time_unit = summary.attrs.get("time_unit", "W")
    rows = _unique_rows(x, rec, T)
    requested = method
    if method == "auto":
        method = "lifetimes" if len(rows.x) <= 20_000 else "newton"
    names = ["r", "alpha", "a", "b"]
    model, message = None, ""
    if method == "lifetimes":
        model = BetaGeoFitter(penalizer_coef=penalizer)
        try:
            with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
                model.fit(rows.x, rows.rec, rows.T, weights=rows.w.astype(np.int64))
            converged, message = True, "converged"
            nll = float(model._negative_log_likelihood_)
        except ConvergenceError:
            model, converged, message = None, False, "lifetimes' optimiser stopped without converging"
            if requested == "auto":  # lifetimes' BFGS often stops on precision loss at the optimum
                method = "newton"
    if method == "newton":
        scale = 1.0 / T.max()
        lik = _BGNBDLikelihood(rows, scale)
        theta0 = np.full(4, 0.1)  # lifetimes' starting point
        if len(x) > 200_000:  # warm start from a systematic sample of the customers
            step = len(x) // 50_000
            sample = _unique_rows(x[::step], rec[::step], T[::step])
            with np.errstate(all="ignore"):
                theta0, *_ = _newton(_BGNBDLikelihood(sample, scale), theta0, penalizer, gtol=1e-6)
        with np.errstate(all="ignore"):
            theta, nll, H, converged, newton_message = _newton(lik, theta0, penalizer)
        message = f"{message}; exact Newton: {newton_message}" if message else newton_message
        model = _bgnbd_model_from_estimate(rows, scale, theta, nll, H, penalizer)
        nll = float(nll)
    if model is not None:
        params = model.params_.copy()
        se = model.standard_errors_.copy()
    else:
        params = pd.Series(np.nan, index=names)
        se = params.copy()
        nll = float("nan")
    fit = BGNBDFit(
        params_=params, standard_errors_=se, n_customers_=int(len(x)), n_rows_=int(len(rows.x)),
        converged_=bool(converged), penalizer=float(penalizer), time_unit_=time_unit, method_=method,
        neg_log_likelihood_=nll, model_=model, message_=message,
    )
    if not converged:
        warnings.warn(f"The BG/NBD fit did not converge ({message}). {_PARAM_HINT}", UserWarning, stacklevel=2)
    elif fit.problem() is not None:
        shown = ", ".join(f"{k}={v:.3g}" for k, v in params.items())
        warnings.warn(
            f"The BG/NBD fit converged to the edge of the parameter space ({shown}; standard errors "
            f"{', '.join(f'{v:.3g}' for v in se)}): the data do not identify some parameters. {_PARAM_HINT}",
            UserWarning,
            stacklevel=2,
        )
    return fit


def bgnbd_from_params(params, time_unit: str = "W") -> BGNBDFit:
    """A BG/NBD model with given parameters (no fitting): for what-if questions and truth checks.

    Parameters
    ----------
    params : mapping with r, alpha (in ``time_unit``), a, b.
    time_unit : "W" or "D", the unit alpha is expressed in.

    Returns a :class:`BGNBDFit` whose predictions (``expected_purchases``, ``probability_alive``,
    ``customer_lifetime_value``) use these parameters; ``standard_errors_`` are NaN,
    ``n_customers_`` is 0 and ``method_`` is "given".

    Example
    -------
    >>> model = bgnbd_from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> s = customer_summary(cdnow_sample_orders(), "1997-09-30")
    >>> round(float(probability_alive(model, s).loc[4]), 3)
    0.727
    """
    days_per_unit(time_unit)
    names = ["r", "alpha", "a", "b"]
    values = pd.Series({name: float(params[name]) for name in names})
    if not (np.all(np.isfinite(values)) and np.all(values > 0)):
        raise ValueError(f"BG/NBD parameters must be positive numbers, got {values.to_dict()}")
    model = BetaGeoFitter()
    model.params_ = values.copy()
    model.predict = model.conditional_expected_number_of_purchases_up_to_time
    se = pd.Series(np.nan, index=names)
    return BGNBDFit(
        params_=values, standard_errors_=se, n_customers_=0, n_rows_=0, converged_=True, penalizer=0.0,
        time_unit_=time_unit, method_="given", neg_log_likelihood_=float("nan"), model_=model, message_="parameters given",
    )


def model_time_unit(model, summary: pd.DataFrame | None = None) -> str:
    """Time unit ("W" or "D") of a fit; for a bare lifetimes fitter, the summary's (default weeks)."""
    if isinstance(model, ModelFit) and getattr(model, "time_unit_", None) in ("W", "D"):
        return model.time_unit_
    return "W" if summary is None else summary.attrs.get("time_unit", "W")
