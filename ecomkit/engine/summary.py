"""Per-customer frequency / recency / T / monetary value for BG/NBD and Gamma-Gamma (chapter 03).

The same numbers as :func:`ecomkit.clv.customer_summary` (lifetimes' definitions), as a query:

* purchase days: a customer's orders on one calendar day are one purchase worth their sum;
* ``frequency`` = purchase days after the first; ``recency`` = last purchase day minus the first;
  ``T`` = observation end minus the first purchase day (both in weeks or days);
* ``monetary_value`` = mean value of the repeat purchase days (0 without repeats).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from ecomkit.engine.orders import purchase_day, purchases, require_columns

__all__ = ["DAYS_PER_UNIT", "observation_end_day", "purchase_days", "purchase_history", "customer_summary"]

DAYS_PER_UNIT = {"D": 1.0, "W": 7.0}


def observation_end_day(orders: ir.Table, observation_end=None):
    """Day number of the observation end: the given date (time dropped) or the last purchase's day."""
    if observation_end is None:
        return purchase_day(purchases(orders).order_ts.max())
    return ibis.literal(int((_end_date(observation_end) - pd.Timestamp("1970-01-01")).days))


def _end_date(observation_end) -> pd.Timestamp:
    ts = pd.Timestamp(observation_end)
    return (ts.tz_localize(None) if ts.tzinfo is not None else ts).normalize()


def purchase_days(orders: ir.Table, observation_end=None) -> ir.Table:
    """One row per customer and purchase day up to the observation end: ``customer_id``,
    ``day`` (days since 1970-01-01) and ``value`` (the day's orders summed)."""
    require_columns(orders, ("customer_id",), "purchase_days")
    bought = purchases(orders)
    if observation_end is not None:  # the whole last day counts: before the next midnight
        next_midnight = (_end_date(observation_end) + pd.Timedelta(days=1)).to_pydatetime()
        bought = bought.filter(bought.order_ts < ibis.literal(next_midnight))
    bought = bought.mutate(day=purchase_day(bought.order_ts))
    return bought.group_by(["customer_id", "day"]).aggregate(value=bought.net_amount.sum())


def purchase_history(orders: ir.Table, observation_end=None) -> ir.Table:
    """Per customer: ``first_day``, ``last_day``, ``n_days`` (purchase days) and ``repeat_value``
    (the value of the purchase days after the first; null without any)."""
    days = purchase_days(orders, observation_end)
    firsts = days.group_by("customer_id").aggregate(first_day=days.day.min())
    days = days.join(firsts, "customer_id")
    return days.group_by("customer_id").aggregate(
        first_day=days.first_day.min(),
        last_day=days.day.max(),
        n_days=days.day.count(),
        repeat_value=days.value.sum(where=days.day > days.first_day),
    )


def customer_summary(orders: ir.Table, observation_end=None, time_unit: str = "W") -> ir.Table:
    """Frequency, recency, T and monetary value per customer (``ecomkit.clv.customer_summary``).

    ``observation_end`` is the last day observed (inclusive; default: the last order's day);
    ``time_unit`` is ``"W"`` (days / 7) or ``"D"``. Columns: ``customer_id``, then float64
    ``frequency``, ``recency``, ``T``, ``monetary_value``. Cancelled and unpaid rows are not
    purchases (:func:`~ecomkit.engine.orders.purchases`); returned and in-progress ones are.
    """
    if time_unit not in DAYS_PER_UNIT:
        raise ValueError(f"time_unit must be 'W' (weeks) or 'D' (days), got {time_unit!r}")
    unit = DAYS_PER_UNIT[time_unit]
    h = purchase_history(orders, observation_end)
    end_day = observation_end_day(orders, observation_end)
    return h.select(
        "customer_id",
        frequency=(h.n_days - 1).cast("float64"),
        recency=(h.last_day - h.first_day).cast("float64") / unit,
        T=(end_day - h.first_day).cast("float64") / unit,
        monetary_value=ibis.ifelse(h.n_days > 1, h.repeat_value / (h.n_days - 1).cast("float64"), 0.0),
    )
