"""How sure the predictions are: each customer's purchase-count interval, and CLV intervals from the fit's uncertainty.

Two different questions, two methods (docs/clv.md, "Intervals"):

* **How many purchases will this customer make in the next t weeks?** ``predict_interval`` reads the
  interval off the model's *predictive distribution* P(X(t) = k | x, t_x, T), computed exactly (no
  simulation). Given the history, the customer is either gone (probability 1 - P(alive): no purchase) or
  alive with a posterior for her own rates that is again of the model's family: for BG/NBD her purchase
  rate is Gamma(r + x, alpha + T) and her drop-out probability Beta(a, b + x) (MBG/NBD: Beta(a, b + x + 1));
  for Pareto/NBD the rate is Gamma(r + x, alpha + T) and the drop-out rate Gamma(s, beta + T); for BG/BB the
  transaction probability is Beta(alpha + x, beta + n - x) and the drop-out probability Beta(gamma, delta + n).
  Future purchases follow from these in closed form (BG/NBD, MBG/NBD, BG/BB) or a one-dimensional
  Gauss-Legendre integral over the remaining lifetime (Pareto/NBD). The parameters are taken as known: with
  thousands of customers their uncertainty is small next to a single customer's own randomness.
* **How sure are we of a customer's expected CLV?** ``clv_interval`` adds the uncertainty of the fitted
  parameters: it draws parameter sets from the fits' asymptotic normal distribution *in the log
  parameters* (the covariance lifetimes' standard errors come from), recomputes every customer's CLV for
  each draw and reports percentiles. Simulation rather than the delta method because CLV is far from linear
  in the parameters (hypergeometric functions, ratios such as p gamma / (q - 1)): the delta method's
  symmetric normal interval can go below zero and misses the skew, while draws on the log scale stay
  positive and carry the skew through; the cost is ``n_draws`` CLV evaluations, a second or two.

Counts are whole numbers, so an interval [low, high] of counts usually holds *more* than the requested
probability. ``predict_interval`` says how much (``level``: the model's probability of the interval). With
``randomize=True`` it returns intervals whose coverage is exactly the requested level under the model:
each boundary count is dropped with the probability that removes the excess (a standard randomised
interval). Use those to check calibration (``interval_coverage``): over many customers the share covered
should then be the level itself.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import special

from lifetimes import GammaGammaFitter

from ecomkit.clv.gamma_gamma import GammaGammaFit
from ecomkit.clv.models import bgbb_columns, model_kind, params_of, with_params
from ecomkit.clv.predict import customer_lifetime_value, probability_alive
from ecomkit.clv.summary import frequency_recency_T

__all__ = ["purchase_probabilities", "predict_interval", "interval_coverage", "clv_interval"]

_GAUSS_NODES, _GAUSS_WEIGHTS = np.polynomial.legendre.leggauss(64)
_MAX_COUNT = 5_000
_CHUNK_CELLS = 20_000_000  # customers x counts held at once by predict_interval (160 MB of float64)


def _alive_pmf(kind: str, params: dict, x, T, t: float, K: int) -> np.ndarray:
    """P(k purchases in the next t | history, alive now), k = 0..K, one row per (x, T) history.

    ``T`` is the age (continuous models) or the number of opportunities n (BG/BB).
    """
    x, T = np.asarray(x, dtype=float)[:, None], np.asarray(T, dtype=float)[:, None]
    k = np.arange(K + 1, dtype=float)[None, :]
    if kind == "bgbb":
        return _bgbb_alive_pmf(params, x, T, int(t), K)
    r, alpha = params["r"], params["alpha"]
    rp, ap = r + x, alpha + T

    def negative_binomial(u):  # P(N(u) = k) for a Gamma(rp, ap) rate over a span u
        with np.errstate(divide="ignore", invalid="ignore"):
            log_nb = (special.gammaln(rp + k) - special.gammaln(rp) - special.gammaln(k + 1)
                      + rp * np.log(ap / (ap + u)) + special.xlogy(k, u / (ap + u)))
        return np.exp(log_nb)

    if kind in ("bgnbd", "mbgnbd"):
        a = params["a"]
        bp = params["b"] + x + (1.0 if kind == "mbgnbd" else 0.0)
        nb = negative_binomial(t)
        beyond = special.betainc(k + 1, rp, t / (ap + t))  # P(N(t) > k)
        km1 = np.maximum(k - 1, 0)
        # purchases = min(N(t), G), G the purchase after which she drops out (P(G >= k) = (1-p)^(k-1))
        still = np.exp(special.betaln(a, bp + km1) - special.betaln(a, bp))  # E[(1-p)^(k-1)]
        drop = np.exp(special.betaln(a + 1, bp + km1) - special.betaln(a, bp))  # E[p (1-p)^(k-1)]
        pmf = nb * still + beyond * drop
        pmf[:, 0] = nb[:, 0]
        return pmf
    # Pareto/NBD: remaining lifetime tau with P(tau > u) = (bp / (bp + u))**s; purchases over min(tau, t)
    s, bp = params["s"], params["beta"] + T
    survive_t = (bp / (bp + t)) ** s
    V = 1.0 - survive_t  # P(tau < t); integrate over v = P(tau <= u) on [0, V]
    v = V * (_GAUSS_NODES[None, :] + 1.0) / 2.0
    u = bp * ((1.0 - v) ** (-1.0 / s) - 1.0)  # (rows, nodes)
    pmf = survive_t * negative_binomial(t)
    for j in range(len(_GAUSS_NODES)):
        pmf = pmf + (V / 2.0 * _GAUSS_WEIGHTS[j]) * negative_binomial(u[:, j:j + 1])
    return pmf


def _bgbb_alive_pmf(params: dict, x, n, m: int, K: int) -> np.ndarray:
    """BG/BB: alive periods L among the next m, then a beta-binomial number of transactions."""
    al, be, ga, de = (params[k] for k in ("alpha", "beta", "gamma", "delta"))
    ap, bp, dp = al + x, be + n - x, de + n
    k = np.arange(K + 1, dtype=float)[None, :]
    pmf = np.zeros((len(x), K + 1))
    base = special.betaln(ga, dp)
    for j in range(m + 1):
        if j < m:
            p_L = np.exp(special.betaln(ga + 1, dp + j) - base)  # alive for exactly j more periods
        else:
            p_L = np.exp(special.betaln(ga, dp + m) - base)
        valid = k <= j
        with np.errstate(invalid="ignore"):
            log_bb = (special.gammaln(j + 1) - special.gammaln(k + 1) - special.gammaln(np.maximum(j - k, 0) + 1)
                      + special.betaln(ap + k, bp + np.maximum(j - k, 0)) - special.betaln(ap, bp))
        pmf += p_L * np.where(valid, np.exp(log_bb), 0.0)
    return pmf


def purchase_probabilities(model, summary: pd.DataFrame, horizon: float, max_purchases: int | None = None) -> pd.DataFrame:
    """Each customer's predictive distribution of repeat purchases in the next ``horizon`` time units.

    Parameters
    ----------
    model : any purchase-model fit (BG/NBD, Pareto/NBD, MBG/NBD, BG/BB).
    horizon : in the model's time unit (weeks by default; whole periods for BG/BB).
    max_purchases : last count shown; by default the smallest count that leaves less than 1e-9 of any
        customer's probability beyond it.

    Returns
    -------
    DataFrame indexed like ``summary``, one column per count 0, 1, ..., each row summing to 1 (to 1e-9).
    The mean of a row is ``expected_purchases`` for that customer.

    Example
    -------
    >>> s = customer_summary(cdnow_sample_orders(), "1997-09-30")
    >>> probs = purchase_probabilities(fit_bgnbd(s), s, 39)
    >>> round(float((probs.to_numpy() @ probs.columns.to_numpy()).sum()), 1)  # as expected_purchases(...).sum()
    1653.4
    """
    pmf, inverse, p_alive = _predictive(model, summary, horizon, max_purchases)
    return pd.DataFrame(_mix(pmf, inverse, p_alive), index=summary.index,
                        columns=pd.RangeIndex(pmf.shape[1], name="purchases"))


def _mix(pmf, inverse, p_alive) -> np.ndarray:
    """Customers' distributions: gone (no purchase) with 1 - P(alive), else their history's distribution."""
    probs = p_alive[:, None] * pmf[inverse]
    probs[:, 0] += 1.0 - p_alive
    return probs


def _predictive(model, summary: pd.DataFrame, horizon: float, max_purchases: int | None = None):
    """(distribution given alive per distinct history (rows, counts), history of each customer, P(alive))."""
    kind = model_kind(model)
    params = params_of(model)
    if not np.isfinite(horizon) or horizon < 0:
        raise ValueError("horizon must be a non-negative number of time units")
    if kind == "bgbb":
        if float(horizon) != np.floor(horizon):
            raise ValueError(f"a BG/BB horizon is a whole number of periods, got {horizon:g}")
        x, _, age = (c.astype(float) for c in bgbb_columns(summary))
    else:
        x, _, age = frequency_recency_T(summary)
    p_alive = probability_alive(model, summary).to_numpy()
    histories = pd.DataFrame({"x": x, "age": age})
    inverse, uniques = pd.factorize(pd.MultiIndex.from_frame(histories))
    ux = np.asarray(uniques.get_level_values(0), dtype=float)
    uage = np.asarray(uniques.get_level_values(1), dtype=float)
    if max_purchases is not None:
        K = int(max_purchases)
        pmf = _alive_pmf(kind, params, ux, uage, float(horizon), K)
    elif kind == "bgbb":
        K = int(horizon)
        pmf = _alive_pmf(kind, params, ux, uage, float(horizon), K)
    else:
        K = 16
        while True:
            pmf = _alive_pmf(kind, params, ux, uage, float(horizon), K)
            if 1.0 - pmf.sum(axis=1).min() < 1e-9 or K >= _MAX_COUNT:
                break
            K *= 2
        covered = np.cumsum(pmf, axis=1)
        K = int(np.argmax(covered.min(axis=0) >= 1.0 - 1e-9)) if (covered.min(axis=0) >= 1.0 - 1e-9).any() else K
        pmf = pmf[:, :K + 1]
    return pmf, inverse, p_alive



def predict_interval(model, summary: pd.DataFrame, horizon: float, level: float = 0.9, randomize: bool = False,
                     seed=None) -> pd.DataFrame:
    """Each customer's interval of repeat purchases in the next ``horizon`` time units, from the model.

    The equal-tailed interval of the predictive distribution (see :func:`purchase_probabilities`): ``low``
    is the smallest count with at most (1 - level) / 2 of the probability below it, ``high`` the largest
    with at most (1 - level) / 2 above it. Because counts are whole numbers the interval usually holds more
    than ``level``; the column ``level`` gives the model's probability of the interval, the coverage to
    expect of it. Parameter uncertainty is not included (see the module docstring).

    Parameters
    ----------
    model : any purchase-model fit. horizon : model time units (weeks by default; periods for BG/BB).
    level : the least probability each interval must hold, e.g. 0.9.
    randomize : drop each boundary count with the probability that brings the interval's probability down
        to exactly ``level`` (a randomised interval; ``seed`` makes it reproducible). An interval can then be
        empty, shown as ``low = high + 1``. Use it to check calibration: the share of customers covered
        should be ``level`` itself.

    Returns
    -------
    DataFrame indexed like ``summary``: ``low``, ``high`` (purchases, int), ``level`` (model probability of
    [low, high]; exactly the requested level when ``randomize``), ``expected`` (expected purchases).

    Example
    -------
    >>> s = customer_summary(cdnow_sample_orders(), "1997-09-30")
    >>> band = predict_interval(fit_bgnbd(s), s, 39)
    >>> int(band.loc[111, "low"]), int(band.loc[111, "high"])  # 7 repeat purchases in 39 weeks so far
    (0, 10)
    """
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1, e.g. 0.9")
    pmf, inverse, p_alive = _predictive(model, summary, horizon)
    n = len(inverse)
    u_low, u_high = np.random.default_rng(seed).random((2, n)) if randomize else (None, None)
    columns = {name: np.empty(n) for name in ("low", "high", "level", "expected")}
    step = max(1, _CHUNK_CELLS // pmf.shape[1])  # customers x counts stays below _CHUNK_CELLS at a time
    for start in range(0, n, step):
        rows = slice(start, min(start + step, n))
        part = _interval_rows(_mix(pmf, inverse[rows], p_alive[rows]), level,
                              None if u_low is None else (u_low[rows], u_high[rows]))
        for name, values in zip(columns, part):
            columns[name][rows] = values
    return pd.DataFrame({"low": columns["low"].astype(np.int64), "high": columns["high"].astype(np.int64),
                         "level": columns["level"], "expected": columns["expected"]}, index=summary.index)


def _interval_rows(probs: np.ndarray, level: float, coins=None):
    """(low, high, level held, expected) for rows of probabilities; ``coins`` = two uniforms per row to randomise."""
    cdf = np.cumsum(probs, axis=1)
    tail = (1.0 - level) / 2.0
    eps = 1e-12  # cumulative sums carry rounding; a tail exactly at the boundary counts as within it
    low = np.argmax(cdf > tail + eps, axis=1)
    high = np.argmax(cdf >= 1.0 - tail - eps, axis=1)
    rows = np.arange(len(probs))
    below = np.where(low > 0, cdf[rows, np.maximum(low - 1, 0)], 0.0)
    above = np.clip(1.0 - cdf[rows, high], 0.0, None)
    achieved = cdf[rows, high] - below
    expected = probs @ np.arange(probs.shape[1])
    if coins is None:
        return low, high, achieved, expected
    u_low, u_high = coins
    drop_low = np.clip((tail - below) / probs[rows, low], 0.0, 1.0)
    drop_high = np.clip((tail - above) / probs[rows, high], 0.0, 1.0)
    single = low == high
    low_out = low + (u_low < drop_low)
    high_out = high - (u_high < drop_high)
    # one count only: drop it with the whole excess probability, else keep it
    gone = u_low < np.clip(drop_low + drop_high, 0.0, 1.0)
    low_out = np.where(single, np.where(gone, low + 1, low), low_out)
    high_out = np.where(single, high, high_out)
    return low_out, high_out, np.full(len(probs), float(level)), expected


def interval_coverage(intervals: pd.DataFrame, actual) -> pd.Series:
    """How many customers' actual purchases fell inside their intervals, against what the model expects.

    Parameters
    ----------
    intervals : from :func:`predict_interval` (calibration period), indexed by customer.
    actual : purchases each customer really made over the same horizon (e.g. ``frequency_holdout``),
        aligned with ``intervals``.

    Returns
    -------
    Series: ``customers``, ``covered`` (share inside), ``expected`` (mean model probability of the
    intervals: the level for randomised intervals), ``standard_error`` (binomial, of the share covered
    when the model is right: sqrt(sum c (1 - c)) / n), ``z`` ((covered - expected) / standard_error).

    Example
    -------
    >>> ch = calibration_holdout(cdnow_sample_orders(), "1997-09-30", "1998-06-30")
    >>> bands = predict_interval(fit_bgnbd(ch), ch, 39, randomize=True, seed=1)
    >>> round(float(interval_coverage(bands, ch["frequency_holdout"])["covered"]), 2)
    0.89
    """
    actual = np.asarray(actual, dtype=float)
    if len(actual) != len(intervals):
        raise ValueError(f"actual has {len(actual)} values for {len(intervals)} intervals")
    inside = (actual >= intervals["low"].to_numpy()) & (actual <= intervals["high"].to_numpy())
    c = intervals["level"].to_numpy(dtype=float)
    n = len(actual)
    se = float(np.sqrt(np.sum(c * (1 - c))) / n)
    covered, expected = float(inside.mean()), float(c.mean())
    return pd.Series({"customers": n, "covered": covered, "expected": expected, "standard_error": se,
                      "z": (covered - expected) / se if se > 0 else float("nan")})


def _draw_log_params(center: np.ndarray, cov: np.ndarray, n_draws: int, rng) -> np.ndarray:
    if not np.all(np.isfinite(cov)):
        raise ValueError("the fit has no finite covariance (parameters given, or a flat likelihood): "
                         "no parameter uncertainty to draw from")
    return rng.multivariate_normal(center, cov, size=n_draws, method="eigh")


def _gamma_gamma_log_covariance(gg: GammaGammaFit) -> pd.DataFrame:
    fitter = GammaGammaFit.lifetimes_fitter(gg)
    cov = np.linalg.inv(np.asarray(fitter._hessian_, dtype=float)) / gg.n_customers_
    return pd.DataFrame(cov, index=["p", "q", "gamma"], columns=["p", "q", "gamma"])


def clv_interval(model, gg: GammaGammaFit, summary: pd.DataFrame, level: float = 0.9, n_draws: int = 500, seed=0,
                 **clv_options) -> pd.DataFrame:
    """Each customer's CLV with an interval for its uncertainty from the fitted parameters (simulation).

    Draws ``n_draws`` parameter sets from the asymptotic normal distribution of the log parameters of both
    fits (purchase model: ``model.log_covariance_``; Gamma-Gamma: its Hessian), computes every customer's
    CLV with each set (``customer_lifetime_value`` with ``clv_options``: horizon_weeks, margin,
    annual_discount_rate, step_weeks) and returns the equal-tailed percentiles. Draws with Gamma-Gamma
    q <= 1 (infinite mean spend) are replaced. This is the uncertainty of the *expected* CLV; what one
    customer actually brings varies much more (see ``predict_interval`` for purchase counts).

    Returns
    -------
    DataFrame indexed like ``summary``: ``clv`` (at the estimate), ``low``, ``high`` (in the orders' currency).

    Example
    -------
    >>> s = customer_summary(cdnow_sample_orders(), "1997-09-30")
    >>> band = clv_interval(fit_bgnbd(s), fit_gamma_gamma(s), s, n_draws=200)
    >>> bool(((band["low"] <= band["clv"]) & (band["clv"] <= band["high"])).all())
    True
    """
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1, e.g. 0.9")
    if n_draws < 20:
        raise ValueError("n_draws must be at least 20 for percentiles to mean anything")
    rng = np.random.default_rng(seed)
    model_kind(model)  # a purchase-model fit, or TypeError
    if not hasattr(model, "log_covariance_"):
        raise TypeError(f"clv_interval needs a fit (from fit_model, fit_bgnbd or fit_bgbb), got {type(model).__name__}")
    names = list(model.params_.index)
    center = np.log(model.params_.to_numpy(dtype=float))
    draws = np.exp(_draw_log_params(center, model.log_covariance_.loc[names, names].to_numpy(), n_draws, rng))
    gg_center = np.log(gg.params_[["p", "q", "gamma"]].to_numpy(dtype=float))
    gg_cov = _gamma_gamma_log_covariance(gg).to_numpy()
    gg_draws = np.exp(_draw_log_params(gg_center, gg_cov, n_draws, rng))
    for _ in range(100):  # q <= 1: the mean spend per purchase would be infinite; draw again
        bad = gg_draws[:, 1] <= 1.0
        if not bad.any():
            break
        gg_draws[bad] = np.exp(_draw_log_params(gg_center, gg_cov, int(bad.sum()), rng))
    point = customer_lifetime_value(model, gg, summary, **clv_options)
    values = np.empty((n_draws, len(summary)))
    for i in range(n_draws):
        drawn = dict(zip(names, draws[i]))
        purchase = dataclasses.replace(model, params_=pd.Series(drawn), model_=with_params(model, drawn))
        spend_fitter = GammaGammaFitter()
        spend_fitter.params_ = pd.Series(dict(zip(["p", "q", "v"], gg_draws[i])))
        spend = dataclasses.replace(gg, params_=pd.Series(dict(zip(["p", "q", "gamma"], gg_draws[i]))),
                                    model_=spend_fitter)
        values[i] = customer_lifetime_value(purchase, spend, summary, **clv_options).to_numpy()
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail], axis=0)
    return pd.DataFrame({"clv": point.to_numpy(), "low": low, "high": high}, index=summary.index)
