"""Acquisition cohorts: customers active k periods after their first order (chapters 00 and 01).

:func:`cohort_counts` is the query: one small row per (cohort, periods since the first order).
:func:`cohort_retention` runs it and builds :class:`ecomkit.cohorts.CohortRetention`, the object
the chapters use, with the same numbers as :func:`ecomkit.cohorts.cohort_retention` on the orders.
For chapter 01's counting rule pass ``counted_orders(orders, as_of, include_returned)`` as orders.
"""

from __future__ import annotations

import ibis.expr.types as ir
import pandas as pd

from ecomkit.cohorts import CURVE_COLUMNS, CohortRetention, retention_from_active_counts
from ecomkit.engine.execute import to_pandas
from ecomkit.engine.orders import purchase_day, purchases, require_columns

__all__ = ["COHORT_PERIODS", "period_number", "customer_periods", "cohort_counts", "retention_from_counts", "cohort_retention"]

COHORT_PERIODS = ("M", "W", "Q")
_MONDAY_1970 = 4  # 1970-01-05, the first Monday, is day 4 since the epoch


def period_number(ts: ir.TimestampValue, period: str = "M") -> ir.IntegerValue:
    """Consecutive integer of the calendar month, ISO week (from Monday) or quarter of ``ts``."""
    if period == "M":
        return ts.year() * 12 + ts.month() - 1
    if period == "Q":
        return ts.year() * 4 + ts.quarter() - 1
    if period == "W":
        return (purchase_day(ts.truncate("W")) - _MONDAY_1970) // 7
    raise ValueError(f"period must be one of {', '.join(COHORT_PERIODS)}, got {period!r}")


def customer_periods(orders: ir.Table, period: str = "M") -> ir.Table:
    """One row per customer and period with a purchase: ``customer_id``, ``number``
    (:func:`period_number`) and ``start`` (the period's first instant)."""
    bought = purchases(orders)
    bought = bought.mutate(number=period_number(bought.order_ts, period), start=bought.order_ts.truncate(period))
    return bought.select("customer_id", "number", "start").distinct()


def cohort_counts(orders: ir.Table, period: str = "M") -> ir.Table:
    """``cohort`` (start of the first order's period), ``periods_since_first`` (int64) and
    ``active`` (int64: customers of the cohort with an order in that period), for every pair seen."""
    require_columns(orders, ("customer_id",), "cohort_counts")
    active = customer_periods(orders, period)
    cohorts = active.group_by("customer_id").aggregate(cohort_number=active.number.min(),
                                                       cohort=active.start.min())
    active = active.join(cohorts, "customer_id")
    active = active.mutate(periods_since_first=(active.number - active.cohort_number).cast("int64"))
    return active.group_by(["cohort", "periods_since_first"]).aggregate(
        active=active.count().cast("int64"))


def _empty(period: str, as_of) -> CohortRetention:
    empty = pd.DataFrame(dtype=float)
    return CohortRetention(empty, empty, pd.Series(dtype="int64"), pd.DataFrame(columns=CURVE_COLUMNS), period, as_of)


def retention_from_counts(counts: pd.DataFrame, period: str, as_of: pd.Timestamp,
                          last_observed: int | None = None) -> CohortRetention:
    """Build the chapters' :class:`~ecomkit.cohorts.CohortRetention` from :func:`cohort_counts`.

    ``last_observed`` is the ordinal of the last observed period (pandas ``Period.ordinal``);
    None: the last period with an order. Later cells are dropped, earlier unseen ones are zeros.
    """
    frame = counts.reset_index() if "cohort" not in counts.columns else counts
    cohort = pd.DatetimeIndex(frame["cohort"]).to_period(period).asi8
    age = frame["periods_since_first"].to_numpy(dtype="int64")
    if last_observed is None:
        last_observed = int((cohort + age).max()) if len(frame) else 0
    seen = cohort + age <= last_observed
    if not seen.any():
        return _empty(period, as_of)
    active = pd.Series(frame["active"].to_numpy(dtype="int64")[seen],
                       index=pd.MultiIndex.from_arrays([cohort[seen], age[seen]], names=["cohort", "age"]))
    return retention_from_active_counts(active.sort_index().unstack(fill_value=0), period, as_of, last_observed)


def cohort_retention(orders: ir.Table, period: str = "M", as_of=None) -> CohortRetention:
    """Run :func:`cohort_counts` and return what :func:`ecomkit.cohorts.cohort_retention` returns.

    ``as_of`` None: observed through the period of the last order; given: only periods ending on
    or before ``as_of`` are observed (executes two small queries).
    """
    counts = to_pandas(cohort_counts(orders, period), index=None)
    if as_of is None:
        last_order_ts = purchases(orders).order_ts.max().execute()
        if pd.isna(last_order_ts):
            return _empty(period, last_order_ts)
        return retention_from_counts(counts, period, pd.Timestamp(last_order_ts).tz_localize(None))
    as_of = pd.Timestamp(as_of)
    last = pd.Period(as_of, freq=period)
    last_observed = last.ordinal if as_of >= last.end_time else last.ordinal - 1
    return retention_from_counts(counts, period, as_of, last_observed)
