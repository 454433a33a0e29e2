"""Chapter 03's other per-customer tables as queries: the customer base, the calibration/holdout
split, first-order attributes, purchase-day counts for the tracking plot, and the orders' span.

Each reproduces the pandas function named in its docstring (``ecomkit.clv``), on purchase days
(a customer's orders on one calendar day are one purchase worth their sum), so the chapter can
hand the engine's table to the same code. Only per-customer or per-day rows leave the backend.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from ecomkit.engine.orders import purchases, require_columns
from ecomkit.engine.summary import DAYS_PER_UNIT, _end_date, purchase_days, purchase_history

__all__ = ["order_span", "customer_base", "calibration_holdout", "first_order_values", "purchase_day_counts",
           "orders_through"]


def _day(value) -> int:
    return int((_end_date(value) - pd.Timestamp("1970-01-01")).days)


def orders_through(orders: ir.Table, last_day) -> ir.Table:
    """Orders placed on or before ``last_day`` (the whole day: before the next midnight)."""
    next_midnight = (_end_date(last_day) + pd.Timedelta(days=1)).to_pydatetime()
    return orders.filter(orders.order_ts < ibis.literal(next_midnight))


def order_span(orders: ir.Table) -> dict:
    """``rows``, ``customers``, ``first_ts`` and ``last_ts`` of a table, in one pass."""
    span = orders.aggregate(rows=orders.count(), first_ts=orders.order_ts.min(), last_ts=orders.order_ts.max(),
                            **({"customers": orders.customer_id.nunique()} if "customer_id" in orders.columns else {}))
    row = span.to_pandas().iloc[0]
    return {"rows": int(row["rows"]), "customers": int(row["customers"]) if "customers" in row else None,
            "first_ts": pd.Timestamp(row["first_ts"]).tz_localize(None) if pd.notna(row["first_ts"]) else pd.NaT,
            "last_ts": pd.Timestamp(row["last_ts"]).tz_localize(None) if pd.notna(row["last_ts"]) else pd.NaT}


def customer_base(orders: ir.Table, observation_end) -> ir.Table:
    """``ecomkit.clv.customer_base``: per customer ``purchases``, ``first_purchase_value``,
    ``first_day``, ``last_day`` (days since 1970-01-01), ``days_since_last_purchase`` and
    ``total_spend`` over the purchase days up to ``observation_end``."""
    h = purchase_history(orders, observation_end)
    return h.select("customer_id", purchases=h.n_days.cast("float64"), first_purchase_value=h.first_value,
                    first_day=h.first_day, last_day=h.last_day, total_spend=h.total_value,
                    days_since_last_purchase=(ibis.literal(_day(observation_end)) - h.last_day).cast("float64"))


def calibration_holdout(orders: ir.Table, calibration_end, observation_end, time_unit: str = "W") -> ir.Table:
    """``ecomkit.clv.calibration_holdout`` (holdout spend per purchase day): for customers who bought
    by ``calibration_end``, ``frequency_cal``, ``recency_cal``, ``T_cal``, ``monetary_value_cal``,
    ``frequency_holdout``, ``monetary_value_holdout`` and ``duration_holdout``."""
    unit = DAYS_PER_UNIT[time_unit]
    cal_day, end_day = _day(calibration_end), _day(observation_end)
    days = purchase_days(orders, observation_end)
    in_cal, holdout = days.day <= cal_day, days.day > cal_day
    per = days.group_by("customer_id").aggregate(
        first_day=days.day.min(),
        last_cal_day=days.day.max(where=in_cal),
        n_cal=days.day.count(where=in_cal),
        first_value=days.value.argmin(days.day),
        cal_value=days.value.sum(where=in_cal),
        n_holdout=days.day.count(where=holdout),
        holdout_value=days.value.sum(where=holdout),
    )
    per = per.filter(per.n_cal > 0)   # customers the calibration period knows
    return per.select(
        "customer_id",
        frequency_cal=(per.n_cal - 1).cast("float64"),
        recency_cal=(per.last_cal_day - per.first_day).cast("float64") / unit,
        T_cal=(cal_day - per.first_day).cast("float64") / unit,
        monetary_value_cal=ibis.ifelse(per.n_cal > 1, (per.cal_value - per.first_value) / (per.n_cal - 1).cast("float64"),
                                       0.0),
        frequency_holdout=per.n_holdout.cast("float64"),
        monetary_value_holdout=ibis.ifelse(per.n_holdout > 0, per.holdout_value / per.n_holdout.cast("float64"), 0.0),
        duration_holdout=ibis.literal((end_day - cal_day) / unit),
    )


def first_order_values(orders: ir.Table, column: str) -> ir.Table:
    """The value of ``column`` on each customer's first purchase (its earliest order)."""
    require_columns(orders, ("customer_id", column), "first_order_values")
    bought = purchases(orders)
    return bought.group_by("customer_id").aggregate(**{column: bought[column].argmin(bought.order_ts)})


def purchase_day_counts(orders: ir.Table, observation_end, acquired_by=None) -> ir.Table:
    """Per calendar ``day`` (days since 1970-01-01): ``first_purchases`` (customers whose first
    purchase day it is) and ``repeat_purchases`` (later purchase days) — the tracking plot's counts.
    ``acquired_by`` keeps the customers whose first purchase day is on or before it."""
    days = purchase_days(orders, observation_end)
    firsts = days.group_by("customer_id").aggregate(day=days.day.min())
    if acquired_by is not None:
        firsts = firsts.filter(firsts.day <= _day(acquired_by))
        days = days.semi_join(firsts, "customer_id")
    all_days = days.group_by("day").aggregate(purchases=days.count())
    births = firsts.group_by("day").aggregate(first_purchases=firsts.count())
    joined = all_days.left_join(births, "day")
    counts = joined.select(day=all_days.day, first_purchases=joined.first_purchases.fill_null(0).cast("int64"),
                           purchases=all_days.purchases)
    return counts.select("day", "first_purchases",
                         repeat_purchases=(counts.purchases - counts.first_purchases).cast("int64"))
