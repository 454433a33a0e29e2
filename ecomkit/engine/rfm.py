"""Recency, frequency and monetary value per customer as of an instant (chapter 01).

The same numbers as :func:`ecomkit.profiling.rfm_table`: counted orders only (see
:func:`ecomkit.engine.orders.counted_orders`), ``recency_days`` = whole days from the last counted
order to ``as_of``, ``frequency`` = distinct orders, ``monetary`` = their amounts summed (2 decimals).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from ecomkit.engine.orders import counted_orders, purchase_day, require_columns

__all__ = ["whole_days_until", "rfm_table"]


def whole_days_until(ts: ir.TimestampValue, as_of) -> ir.IntegerValue:
    """``floor((as_of - ts) / 1 day)`` exactly, to the microsecond, on every backend.

    Shifting ``ts`` back by ``as_of``'s time of day puts ``as_of`` at midnight; the answer is then
    the calendar days between, less one when the shifted ``ts`` is past its own midnight.
    """
    as_of = pd.Timestamp(as_of)
    midnight = as_of.normalize()
    time_of_day = as_of - midnight
    shifted = ts - ibis.interval(microseconds=time_of_day // pd.Timedelta(microseconds=1)) if time_of_day else ts
    calendar_days = int((midnight - pd.Timestamp("1970-01-01")).days) - purchase_day(shifted)
    return calendar_days - ibis.ifelse(shifted > shifted.truncate("D"), 1, 0)


def rfm_table(orders: ir.Table, as_of, include_returned: bool = False) -> ir.Table:
    """``customer_id``, ``recency_days`` (int64), ``frequency`` (int64), ``monetary`` (float64,
    rounded to cents) per customer with a counted order (``ecomkit.profiling.rfm_table``).

    Without an ``order_id`` column every row is one order (as the loader numbers them).
    """
    require_columns(orders, ("customer_id",), "rfm_table")
    counted = counted_orders(orders, as_of, include_returned)
    n_orders = counted.order_id.nunique() if "order_id" in counted.columns else counted.count()
    per_customer = counted.group_by("customer_id").aggregate(
        last_order_ts=counted.order_ts.max(),
        frequency=n_orders.cast("int64"),
        monetary=counted.net_amount.sum(),
    )
    c = per_customer
    return c.select(
        "customer_id",
        recency_days=whole_days_until(c.last_order_ts, as_of).cast("int64"),
        frequency=c.frequency,
        monetary=c.monetary.round(2).cast("float64"),
    )
