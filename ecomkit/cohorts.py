"""Acquisition cohorts and retention: the one definition used by chapter 00 (`ecomkit.kpi`) and
chapter 01 (`ecomkit.profiling`).

A customer's *cohort* is the calendar period (month "M", week "W", quarter "Q") of their first order
in the table; they are *active* in period k if they order at least once in cohort + k. Period 0 is 1
by construction. Cells not yet observed are NaN, never 0, so right-censoring never reads as churn.

Every row of the orders table counts: choose the rows first. Chapter 00 passes the loader's orders;
chapter 01's :func:`ecomkit.profiling.counted_cohort_retention` applies its counting rule, then calls
:func:`cohort_retention`.

Example:
    cohorts = cohort_retention(orders, period="M")
    cohorts.matrix.loc["2024-06", 1]                 # next-month retention of the June 2024 cohort
    retention_claim(next_period_retention(cohorts))  # the handbooks' "below 40%"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from ecomkit.viz import axes, format_percent

__all__ = ["CohortRetention", "cohort_retention", "retention_from_active_counts", "NextPeriodRetention",
           "next_period_retention", "retention_claim", "plot_cohort_heatmap", "plot_retention_curves",
           "plot_next_period_retention"]

CURVE_COLUMNS = ["cohort", "periods_since_first", "active", "cohort_size", "retention"]
PERIOD_WORDS = {"M": "month", "W": "week", "Q": "quarter", "D": "day", "Y": "year"}


@dataclass
class CohortRetention:
    """Output of `cohort_retention`.

    matrix: share of the cohort active (cohort x periods since first order, 0..1; NaN where the
    period is not observed). active: the same as customer counts. sizes: customers per cohort.
    curves: long form (cohort, periods_since_first, active, cohort_size, retention), observed
    cells only. period: the period alias. as_of: the end of the observation. excluded: rows left
    out before the cohorts were formed, per reason (chapter 01's counting rule; empty when every
    row counted).
    """

    matrix: pd.DataFrame
    active: pd.DataFrame
    sizes: pd.Series
    curves: pd.DataFrame
    period: str
    as_of: pd.Timestamp
    excluded: dict = field(default_factory=dict)

    @classmethod
    def empty(cls, period: str, as_of) -> CohortRetention:
        """No cohorts: nothing observed yet (or no orders)."""
        no_cells = pd.DataFrame(dtype=float)
        return cls(no_cells, no_cells, pd.Series(dtype="int64"), pd.DataFrame(columns=CURVE_COLUMNS), period, as_of)


def cohort_retention(orders: pd.DataFrame, period: str = "M", as_of=None) -> CohortRetention:
    """Acquisition-cohort retention: the share of each cohort with an order k periods after its first.

    Parameters
    ----------
    orders : orders with ``customer_id`` and ``order_ts``; every row counts.
    period : pandas period alias, "M", "W" or "Q".
    as_of : end of the observation (timestamp). None: the data are observed through the period of
        the last order, even when they stop part-way through it. Given: only periods that end on or
        before ``as_of`` are observed; rows of later periods are dropped (and with them the cohorts
        that start there), and complete periods after the last order are observed zeros.

    Returns
    -------
    CohortRetention; ``matrix`` is indexed by cohort (pandas Period) with columns 0, 1, 2, ...
    (periods since the first order).

    Example:
        cohorts = cohort_retention(orders, period="M")
        cohorts.matrix.iloc[:, :4]
    """
    order_ts = pd.to_datetime(orders["order_ts"])
    ordinal = pd.PeriodIndex(order_ts.dt.to_period(period)).asi8   # consecutive integers per period
    if as_of is None:
        as_of = order_ts.max()
        last_observed = ordinal.max() if len(ordinal) else 0
    else:
        as_of = pd.Timestamp(as_of)
        last = pd.Period(as_of, freq=period)
        last_observed = last.ordinal if as_of >= last.end_time else last.ordinal - 1
    in_window = ordinal <= last_observed
    if not in_window.any():
        return CohortRetention.empty(period, as_of)
    customer = orders["customer_id"].to_numpy()[in_window]
    ordinal = pd.Series(ordinal[in_window], index=customer)
    cohort = ordinal.groupby(level=0).transform("min")
    activity = pd.DataFrame({"customer_id": customer, "cohort": cohort.to_numpy(),
                             "age": (ordinal - cohort).to_numpy()}).drop_duplicates()
    active_counts = activity.groupby(["cohort", "age"])["customer_id"].nunique().unstack(fill_value=0)
    return retention_from_active_counts(active_counts, period, as_of, last_observed)


def retention_from_active_counts(active_counts: pd.DataFrame, period: str, as_of,
                                 last_observed: int) -> CohortRetention:
    """Build a `CohortRetention` from customer counts (the step after counting, for any engine).

    Parameters
    ----------
    active_counts : customers active, one row per cohort (the period's ordinal, ``pandas.Period.ordinal``),
        one column per number of periods since the first order (0, 1, ...); column 0 holds the
        cohort sizes. Missing cells are zeros.
    period : pandas period alias of the ordinals.
    as_of : the end of the observation, kept on the result.
    last_observed : ordinal of the last observed period; later cells become NaN.
    """
    cohorts = active_counts.index.to_numpy()
    ks = np.arange(int(last_observed - cohorts.min()) + 1)
    counts = active_counts.reindex(columns=ks, fill_value=0)
    sizes = counts[0].astype("int64")
    observed = (cohorts[:, None] + ks[None, :]) <= last_observed
    matrix = counts.div(sizes, axis=0).where(observed)
    active = counts.astype(float).where(observed)
    index = pd.PeriodIndex.from_ordinals(cohorts, freq=period, name="cohort")
    for table in (matrix, active):
        table.index = index
        table.columns = pd.Index(ks, name="periods_since_first")
    sizes.index = index
    sizes.name = "cohort_size"
    rows, cols = np.nonzero(observed)
    curves = pd.DataFrame({
        "cohort": index[rows],
        "periods_since_first": ks[cols],
        "active": active.to_numpy()[rows, cols].astype("int64"),
        "cohort_size": sizes.to_numpy()[rows],
        "retention": matrix.to_numpy()[rows, cols],
    })
    return CohortRetention(matrix, active, sizes, curves, period, as_of)


class NextPeriodRetention(NamedTuple):
    """Per-cohort period-1 retention, its median over cohorts and the pooled rate."""

    per_cohort: pd.Series
    median: float
    pooled: float


def next_period_retention(cohorts) -> NextPeriodRetention:
    """Next-period (e.g. next-month, 次月) retention per cohort, the median, and pooled.

    Parameters
    ----------
    cohorts : a `CohortRetention`, or its ``matrix`` (then ``pooled`` is NaN).

    Returns
    -------
    NextPeriodRetention(per_cohort, median, pooled): per_cohort is column 1 of the matrix
    for the cohorts whose next period is observed; median is the unweighted median over
    cohorts; pooled = customers active in period 1 / customers in those cohorts.

    Example:
        nxt = next_period_retention(cohort_retention(orders))
        nxt.median < 0.40
    """
    matrix = cohorts.matrix if isinstance(cohorts, CohortRetention) else cohorts
    if 1 not in matrix.columns:
        per = pd.Series(dtype=float, name="next_period_retention")
    else:
        per = matrix[1].dropna().rename("next_period_retention")
    pooled = float("nan")
    if isinstance(cohorts, CohortRetention) and len(per):
        pooled = float(cohorts.active.loc[per.index, 1].sum() / cohorts.sizes[per.index].sum())
    median = float(per.median()) if len(per) else float("nan")
    return NextPeriodRetention(per, median, pooled)


def retention_claim(next_retention: NextPeriodRetention, claim: float = 0.40) -> pd.Series:
    """Test the handbooks' "next-month retention is below 40%" against per-cohort figures.

    Returns a Series: claim, cohorts, median_next_month_retention, pooled_next_month_retention,
    share_of_cohorts_below_claim (0..1), claim_holds_for_median_cohort (bool).

    Example:
        retention_claim(next_period_retention(cohort_retention(orders)), claim=0.40)
    """
    rates = next_retention.per_cohort
    return pd.Series({
        "claim": claim,
        "cohorts": int(len(rates)),
        "median_next_month_retention": float(rates.median()),
        "pooled_next_month_retention": next_retention.pooled,
        "share_of_cohorts_below_claim": float((rates < claim).mean()),
        "claim_holds_for_median_cohort": bool(rates.median() < claim),
    })


# --------------------------------------------------------------------------- plots


def period_word(freq) -> str:
    """"month" for "M" (or a monthly PeriodIndex frequency), "week" for "W", ...; "period" otherwise."""
    return PERIOD_WORDS.get(str(freq)[:1].upper(), "period")


def plot_cohort_heatmap(cohorts, max_periods: int | None = None, *, ax=None, **kwargs):
    """Heatmap of cohort retention (share of each acquisition cohort active k periods later).

    Parameters
    ----------
    cohorts : a `CohortRetention` (or its matrix).
    max_periods : show periods 0..max_periods only (None: all).
    ax : Axes to draw on; a new 8 x 5 inch figure when None.
    kwargs : passed to ``seaborn.heatmap`` (e.g. ``cmap="Blues"``).

    Example:
        plot_cohort_heatmap(cohort_retention(orders), max_periods=12)
    """
    import seaborn as sns
    from matplotlib.ticker import PercentFormatter

    ax = axes(ax, figsize=(8, 5))
    matrix = cohorts.matrix if isinstance(cohorts, CohortRetention) else cohorts
    freq = cohorts.period if isinstance(cohorts, CohortRetention) else getattr(matrix.index, "freqstr", "M")
    word = period_word(freq)
    if max_periods is not None:
        matrix = matrix.loc[:, [c for c in matrix.columns if c <= max_periods]]
    shown = matrix.copy()
    shown.index = [str(p) for p in shown.index]
    # period 0 is 100% by definition; scale the colours to the later periods
    later = shown.iloc[:, 1:].to_numpy(dtype=float)
    vmax = float(np.nanmax(later)) if later.size and np.isfinite(later).any() else 1.0
    options = {"cmap": "YlGnBu", "vmin": 0, "vmax": vmax or 1.0,
               "annot": shown.shape[0] <= 12 and shown.shape[1] <= 13, "fmt": ".0%",
               "cbar_kws": {"label": "Customers active (% of cohort)", "format": PercentFormatter(1.0)}}
    sns.heatmap(shown, ax=ax, **{**options, **kwargs})
    ax.set_xlabel(f"{word.capitalize()}s since first order")
    ax.set_ylabel(f"Acquisition cohort (first-order {word})")
    ax.set_title("Cohort retention")
    return ax


def plot_retention_curves(cohorts: CohortRetention, reference: float | None = None, *, ax=None, **kwargs):
    """Retention curve of every cohort (thin) and of all cohorts pooled (thick).

    Parameters
    ----------
    cohorts : a `CohortRetention`.
    reference : optional horizontal reference line (e.g. 0.40 for the handbooks' claim).
    ax : Axes to draw on; a new 8 x 5 inch figure when None.
    kwargs : passed to the ``ax.plot`` call of the pooled curve.

    Example:
        plot_retention_curves(cohort_retention(orders), reference=0.40)
    """
    import seaborn as sns

    ax = axes(ax, figsize=(8, 5))
    curves = cohorts.curves.assign(cohort=lambda frame: frame["cohort"].astype(str))
    word = period_word(cohorts.period)
    sns.lineplot(data=curves, x="periods_since_first", y="retention", units="cohort",
                 estimator=None, color="grey", alpha=0.35, lw=0.8, ax=ax)
    pooled = curves.groupby("periods_since_first")[["active", "cohort_size"]].sum()
    ax.plot(pooled.index, pooled["active"] / pooled["cohort_size"],
            **{"color": "C0", "lw": 2.5, "label": "All cohorts pooled", **kwargs})
    if reference is not None:
        ax.axhline(reference, color="C3", ls="--", lw=1, label=f"Reference {reference:.0%}")
    format_percent(ax, "y")
    ax.set_xlabel(f"{word.capitalize()}s since first order")
    ax.set_ylabel("Customers active (% of cohort)")
    ax.set_title("Retention curves by acquisition cohort")
    ax.legend()
    return ax


def plot_next_period_retention(next_retention: NextPeriodRetention, claim: float = 0.40, *,
                               claim_label: str = "handbook claim", ax=None, **kwargs):
    """Next-period retention per cohort against the handbooks' claimed ceiling, with the median cohort.

    Parameters
    ----------
    next_retention : output of `next_period_retention`.
    claim : the ceiling to draw (0.40: "next-month retention is below 40%").
    claim_label : legend text of the ceiling, followed by ": below 40%" (e.g. "your target").
    ax : Axes to draw on; a new figure of the theme's size when None.
    kwargs : passed to ``ax.bar``.

    Example:
        plot_next_period_retention(next_period_retention(cohort_retention(orders)), claim=0.40)
    """
    ax = axes(ax)
    rates = next_retention.per_cohort
    word = period_word(getattr(rates.index, "freqstr", "M"))
    ax.bar(range(len(rates)), rates.values, **{"color": "steelblue", **kwargs})
    ax.axhline(claim, color="crimson", ls="--", label=f"{claim_label}: below {claim:.0%}")
    ax.axhline(rates.median(), color="black", lw=1, label=f"median cohort: {rates.median():.1%}")
    step = max(1, len(rates) // 12)
    ax.set_xticks(range(0, len(rates), step), rates.index[::step].astype(str), rotation=45, ha="right")
    ax.set(xlabel=f"acquisition cohort ({word})", ylabel=f"next-{word} retention",
           title=f"Next-{word} retention by cohort")
    format_percent(ax)
    ax.legend()
    return ax
