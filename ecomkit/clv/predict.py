"""Predictions from the fitted models: expected purchases, P(alive), spend per purchase, CLV, the CAC cap.

Money is in the orders' currency (whatever it is). ``customer_lifetime_value`` discounts the margin of the expected future repeat
purchases; ``max_acquisition_cost`` turns CLVs into the most worth paying for a new customer.

Every function that takes a purchase model accepts a BG/NBD fit (``fit_bgnbd``, ``bgnbd_from_params``), a
Pareto/NBD or MBG/NBD fit (``fit_model``) or a BG/BB fit (``fit_bgbb``; its summary holds frequency,
recency and periods, and its horizons are counted in periods). BG/NBD keeps its own fast path below.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special

from lifetimes import BetaGeoFitter

from ecomkit.clv.bgnbd import BGNBDFit, model_time_unit
from ecomkit.clv.gamma_gamma import GammaGammaFit
from ecomkit.clv.models import bgbb_columns, lifetimes_fitter, model_kind, period_weeks_of
from ecomkit.clv.summary import days_per_unit, frequency_recency_T, summary_columns

__all__ = [
    "WEEKS_PER_YEAR",
    "expected_purchases",
    "probability_alive",
    "expected_spend",
    "customer_lifetime_value",
    "max_acquisition_cost",
]

#: Average number of weeks in a year (365.25 days / 7); used to turn an annual discount rate
#: into a per-week factor.
WEEKS_PER_YEAR = 365.25 / 7


class _ConditionalPurchases:
    """E[repeat purchases in (T, T+t] | x, t_x, T] for many customers and horizons, fast.

    lifetimes' formula is numerator(x, T, t) / denominator(x, t_x, T) and the denominator is
    1 / P(alive). So E(t | x, t_x, T) = P(alive | x, t_x, T) * E(t | x, T, T) / P(alive | x, T, T):
    the hypergeometric part is evaluated once per distinct (x, T), not once per customer.
    """

    def __init__(self, model: BetaGeoFitter, x, rec, T):
        self.model = model
        T_code, T_values = pd.factorize(T)
        x_int = x.astype(np.int64)
        key = x_int * len(T_values) + T_code
        self.inverse, pairs = pd.factorize(key)
        pairs = np.asarray(pairs)
        self.px = (pairs // len(T_values)).astype(float)
        self.pT = np.asarray(T_values, dtype=float)[pairs % len(T_values)]
        self.p_alive = np.asarray(model.conditional_probability_alive(x, rec, T), dtype=float)
        self.p_alive_pair = np.asarray(model.conditional_probability_alive(self.px, self.pT, self.pT), dtype=float)

    def per_pair(self, t: float) -> np.ndarray:
        with np.errstate(invalid="ignore"):  # lifetimes' NaN case is handled below
            e = self.model.conditional_expected_number_of_purchases_up_to_time(t, self.px, self.pT, self.pT)
        e = np.asarray(e, dtype=float) / self.p_alive_pair
        lost = ~np.isfinite(e)
        if lost.any():  # lifetimes takes the log of a hypergeometric term that can be negative
            e[lost] = _numerator_without_logs(self.model, t, self.px[lost], self.pT[lost])
        return e

    def per_customer(self, pair_values: np.ndarray) -> np.ndarray:
        return self.p_alive * pair_values[self.inverse]


def _numerator_without_logs(model: BetaGeoFitter, t: float, x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """E[repeat purchases in (T, T+t] | x, T, alive at T]: lifetimes' numerator, sign-safe.

    lifetimes 0.11.3 computes ``log(hyp2f1(r+x, b+x, a+b+x-1, z))``. When a + b < 1 the third argument
    is negative for x = 0 and the hypergeometric value can be negative, so lifetimes returns NaN for
    every customer without repeat purchases. The same formula without the logarithm:
    (a+b+x-1)/(a-1) * [1 - 2F1(r+x, b+x; a+b+x-1; z) * ((alpha+T)/(alpha+T+t))**(r+x)], z = t/(alpha+T+t),
    with Euler's transformation 2F1(A, B; C; z) = (1-z)**(C-A-B) 2F1(C-A, C-B; C; z) where 2F1 overflows.
    """
    r, alpha, a, b = (float(model.params_[k]) for k in ("r", "alpha", "a", "b"))
    A, B, C = r + x, b + x, a + b + x - 1
    z = t / (alpha + T + t)
    log_ratio = A * np.log((alpha + T) / (alpha + T + t))
    with np.errstate(all="ignore"):
        hyp = special.hyp2f1(A, B, C, z)
        term = hyp * np.exp(log_ratio)
        overflow = ~np.isfinite(term)
        if overflow.any():
            alt = special.hyp2f1(C - A, C - B, C, z)
            log_term = np.log(np.abs(alt)) + (C - A - B) * np.log1p(-z) + log_ratio
            term = np.where(overflow, np.sign(alt) * np.exp(log_term), term)
    return (a + b + x - 1) / (a - 1) * (1.0 - term)


class _OtherModelPurchases:
    """E[repeat purchases in the next t time units | history] for Pareto/NBD, MBG/NBD and BG/BB (lifetimes' formulas).

    Evaluated once per distinct history row, then spread back to the customers.
    """

    def __init__(self, model, summary: pd.DataFrame):
        self.kind = model_kind(model)
        self.fitter = lifetimes_fitter(model)
        self.summary = summary
        cols = bgbb_columns(summary) if self.kind == "bgbb" else frequency_recency_T(summary)
        frame = pd.DataFrame(np.column_stack(cols).astype(float), columns=["x", "rec", "T"])
        self.inverse, uniques = pd.factorize(pd.MultiIndex.from_frame(frame))
        self.rows = [np.asarray(uniques.get_level_values(i), dtype=float) for i in range(3)]

    def at(self, t: float) -> np.ndarray:
        x, rec, T = self.rows
        if t == 0:
            return np.zeros(len(self.inverse))
        with np.errstate(all="ignore"):
            if self.kind == "bgbb":
                if t != np.floor(t):
                    raise ValueError(f"a BG/BB horizon is a whole number of periods, got {t:g}")
                values = self.fitter.conditional_expected_number_of_purchases_up_to_time(
                    t, x.astype(np.int64), rec.astype(np.int64), T.astype(np.int64))
            else:
                values = self.fitter.conditional_expected_number_of_purchases_up_to_time(t, x, rec, T)
        return np.asarray(values, dtype=float)[self.inverse]

    def p_alive(self) -> np.ndarray:
        return probability_alive(self.fitter, self.summary).to_numpy()


def expected_purchases(model, summary: pd.DataFrame, horizon: float) -> pd.Series:
    """Expected number of repeat purchases per customer in the next ``horizon`` time units.

    ``horizon`` is in the model's time unit (weeks by default; whole periods for BG/BB). Any purchase
    model is accepted; for BG/NBD the value is equal to lifetimes'
    ``conditional_expected_number_of_purchases_up_to_time(horizon, frequency, recency, T)`` wherever
    that is finite. When a + b < 1, lifetimes 0.11.3 returns NaN for every customer without repeat
    purchases (it takes the logarithm of a negative hypergeometric value); this function evaluates the
    same formula without the logarithm there (docs/clv.md).

    Example
    -------
    >>> s = customer_summary(cdnow_sample_orders(), "1997-09-30")
    >>> round(expected_purchases(fit_bgnbd(s), s, 39).sum())  # next 39 weeks, all customers
    1653
    """
    if not np.isfinite(horizon) or horizon < 0:
        raise ValueError("horizon must be a non-negative number of time units")
    if model_kind(model) != "bgnbd":
        values = _OtherModelPurchases(model, summary).at(float(horizon))
        return pd.Series(values, index=summary.index, name=f"expected_purchases_{horizon:g}")
    bg = BGNBDFit.lifetimes_fitter(model)
    x, rec, T = frequency_recency_T(summary)
    cond = _ConditionalPurchases(bg, x, rec, T)
    values = cond.per_customer(cond.per_pair(float(horizon)))
    return pd.Series(values, index=summary.index, name=f"expected_purchases_{horizon:g}")


def probability_alive(model, summary: pd.DataFrame) -> pd.Series:
    """P(the customer has not dropped out) at the end of observation, per customer (0..1).

    For BG/BB: alive at the last observed opportunity (still able to transact in the next one, bar a
    drop-out before it).

    Example
    -------
    >>> s = customer_summary(cdnow_sample_orders(), "1997-09-30")
    >>> round(float(probability_alive(fit_bgnbd(s), s).loc[4]), 3)
    0.727
    """
    kind = model_kind(model)
    if kind == "bgbb":  # alive at the last observed opportunity (m = 0 in lifetimes' formula)
        x, tx, n = bgbb_columns(summary)
        values = lifetimes_fitter(model).conditional_probability_alive(0, x, tx, n)
    else:
        fitter = BGNBDFit.lifetimes_fitter(model) if kind == "bgnbd" else lifetimes_fitter(model)
        x, rec, T = frequency_recency_T(summary)
        with np.errstate(all="ignore"):
            values = fitter.conditional_probability_alive(x, rec, T)
    return pd.Series(np.asarray(values, dtype=float), index=summary.index, name="p_alive")


def expected_spend(gg_model, summary: pd.DataFrame) -> pd.Series:
    """Expected spend per future purchase (in the orders' currency) per customer, from the Gamma-Gamma model.

    A weighted average of the customer's own mean repeat spend and the population mean
    p * gamma / (q - 1), the weight on the own mean growing with the number of repeat purchases.
    Customers without repeat purchases get the population mean.

    Example
    -------
    >>> s = customer_summary(cdnow_sample_orders(), "1997-09-30")
    >>> round(float(expected_spend(fit_gamma_gamma(s), s).max()), 1)
    294.2
    """
    gg = GammaGammaFit.lifetimes_fitter(gg_model)
    x, m = summary_columns(summary, ["frequency", "monetary_value"])
    m = np.where(x > 0, m, 0.0)
    values = np.asarray(gg.conditional_expected_average_profit(x, m), dtype=float)
    return pd.Series(values, index=summary.index, name="expected_spend")


def customer_lifetime_value(
    bgnbd,
    gg,
    summary: pd.DataFrame,
    horizon_weeks: float = 52,
    margin: float = 0.3,
    annual_discount_rate: float = 0.1,
    step_weeks: float = WEEKS_PER_YEAR / 12,
    detail: bool = False,
):
    """Discounted margin each customer is expected to bring over the next ``horizon_weeks``.

    CLV_i = margin * spend_i * sum_k [E_i(t_k) - E_i(t_(k-1))] * (1 + d) ** (-t_k / 52.18)

    where E_i(t) is the purchase model's expected number of repeat purchases in the next t weeks (any
    model: BG/NBD, Pareto/NBD, MBG/NBD, BG/BB), spend_i the Gamma-Gamma expected spend per purchase, d
    the annual discount rate, and t_k = k * step_weeks (the last step ends at the horizon): purchases
    expected during a step are discounted from the end of that step. For BG/BB the steps are its
    periods (``fit_bgbb(..., period_weeks=...)``), whole periods up to the horizon. The default step is a month (4.35 weeks); with
    step_weeks=4.345 and d = (1 + monthly rate) ** (52.18 / 4.345) - 1 this is lifetimes'
    ``customer_lifetime_value`` (times the margin). Only future repeat purchases count (past
    orders are already earned).

    Parameters
    ----------
    horizon_weeks : weeks ahead (whatever the model's time unit).
    margin : gross margin as a share of spend (0.3 = 30%); 1 gives discounted revenue.
    annual_discount_rate : e.g. 0.1 for 10% a year; 0 for no discounting.
    detail : also return the parts (DataFrame with expected_purchases, expected_spend, p_alive).

    Returns
    -------
    Series ``clv`` (in the orders' currency) indexed by customer (or a DataFrame when ``detail``).

    Example
    -------
    >>> s = customer_summary(cdnow_sample_orders(), "1997-09-30")
    >>> clv = customer_lifetime_value(fit_bgnbd(s), fit_gamma_gamma(s), s)
    >>> bool((clv >= 0).all())
    True
    """
    kind = model_kind(bgnbd)
    if not (horizon_weeks > 0 and step_weeks > 0):
        raise ValueError("horizon_weeks and step_weeks must be positive")
    if annual_discount_rate <= -1:
        raise ValueError("annual_discount_rate must be > -1")
    if kind == "bgbb":  # purchases happen at the opportunities: one step per period, at its end
        period_weeks = period_weeks_of(bgnbd)
        if period_weeks is None:
            raise ValueError("a BG/BB fit needs the length of a period for CLV: fit_bgbb(..., period_weeks=...)")
        n_periods = int(math.floor(horizon_weeks / period_weeks + 1e-9))
        if n_periods < 1:
            raise ValueError(f"horizon_weeks={horizon_weeks:g} is shorter than one period ({period_weeks:g} weeks)")
        edges = period_weeks * np.arange(1, n_periods + 1)
        units_per_week = 1.0 / period_weeks
    else:
        units_per_week = 7.0 / days_per_unit(model_time_unit(bgnbd, summary))
        n_full = int(math.floor(horizon_weeks / step_weeks + 1e-9))
        edges = step_weeks * np.arange(1, n_full + 1)
        if horizon_weeks - (edges[-1] if n_full else 0.0) > 1e-9 * horizon_weeks:
            edges = np.append(edges, horizon_weeks)
    discount = (1.0 + annual_discount_rate) ** (-edges / WEEKS_PER_YEAR)
    if kind == "bgnbd":
        x, rec, T = frequency_recency_T(summary)
        cond = _ConditionalPurchases(BGNBDFit.lifetimes_fitter(bgnbd), x, rec, T)
        p_alive, per_customer = cond.p_alive, cond.per_customer
        at = cond.per_pair
    else:
        other = _OtherModelPurchases(bgnbd, summary)
        p_alive, per_customer, at = other.p_alive(), (lambda values: values), other.at
    previous = 0.0
    discounted = 0.0
    for t_k, factor in zip(edges, discount):
        current = at(float(np.round(t_k * units_per_week, 9)) if kind == "bgbb" else t_k * units_per_week)
        discounted = discounted + (current - previous) * factor
        previous = current
    spend = expected_spend(gg, summary).to_numpy()
    clv = pd.Series(margin * spend * per_customer(discounted), index=summary.index, name="clv")
    if not detail:
        return clv
    return pd.DataFrame(
        {
            "p_alive": p_alive,
            "expected_purchases": per_customer(previous),
            "expected_spend": spend,
            "clv": clv.to_numpy(),
        },
        index=summary.index,
    )


def max_acquisition_cost(clv, share: float = 1 / 3, groups=None):
    """The most you should pay to acquire a customer: ``share`` x the mean CLV (in the orders' currency).

    CLV here is the discounted margin (see :func:`customer_lifetime_value`) of customers like
    the ones you will acquire, e.g. the CLVs of a recent cohort or of one channel. ``share`` is
    the payback/safety share: 1/3 is the common "CLV at least 3x CAC" rule, 1.0 is break-even.

    Parameters
    ----------
    groups : optional labels (e.g. acquisition channel) aligned with ``clv``: returns one
        maximum per group.

    Example
    -------
    >>> max_acquisition_cost(pd.Series([90.0, 150.0, 60.0]), share=1/3)
    33.33333333333333
    """
    if not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    s = pd.Series(clv, dtype=float)
    if groups is None:
        return float(share * s.mean())
    return (share * s.groupby(groups).mean()).rename("max_acquisition_cost")
