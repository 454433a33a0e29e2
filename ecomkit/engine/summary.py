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


#: DuckDB keeps a table's purchase days once computed (per connection), as every per-customer
#: query starts from them; above this many order rows (below it recomputing is cheaper than storing)
MATERIALISE_FROM_ROWS = 200_000
_MATERIALISED: dict = {}


def _all_purchase_days(orders: ir.Table) -> ir.Table:
    bought = purchases(orders)
    bought = bought.mutate(day=purchase_day(bought.order_ts))
    days = bought.group_by(["customer_id", "day"]).aggregate(value=bought.net_amount.sum())
    backend = _duckdb_backend(orders)
    if backend is None:
        return days
    key = (id(backend), days.op())
    if key not in _MATERIALISED:
        small = orders.count().execute() < MATERIALISE_FROM_ROWS
        _MATERIALISED[key] = days if small else backend.create_table(
            ibis.util.gen_name("ecomkit_purchase_days"), days, temp=True)
    return _MATERIALISED[key]


def _duckdb_backend(orders: ir.Table):
    try:
        backend = orders._find_backend()
    except Exception:  # a table not bound to one backend
        return None
    return backend if getattr(backend, "name", "") == "duckdb" else None


def purchase_days(orders: ir.Table, observation_end=None) -> ir.Table:
    """One row per customer and purchase day up to the observation end: ``customer_id``,
    ``day`` (days since 1970-01-01) and ``value`` (the day's orders summed).

    On DuckDB the purchase days of a large table are computed once and kept in a temporary table
    of the connection (:data:`MATERIALISE_FROM_ROWS`); later queries filter it by day."""
    require_columns(orders, ("customer_id",), "purchase_days")
    days = _all_purchase_days(orders)
    if observation_end is not None:  # the whole last day counts
        days = days.filter(days.day <= ibis.literal(int((_end_date(observation_end) - pd.Timestamp("1970-01-01")).days)))
    return days


def purchase_history(orders: ir.Table, observation_end=None) -> ir.Table:
    """Per customer: ``first_day``, ``last_day``, ``n_days`` (purchase days), ``first_value`` (the
    first purchase day's value), ``total_value`` and ``repeat_value`` (total less first; null
    without repeats), in one pass over the purchase days."""
    days = purchase_days(orders, observation_end)
    h = days.group_by("customer_id").aggregate(
        first_day=days.day.min(),
        last_day=days.day.max(),
        n_days=days.day.count(),
        first_value=days.value.argmin(days.day),
        total_value=days.value.sum(),
    )
    return h.mutate(repeat_value=ibis.ifelse(h.n_days > 1, h.total_value - h.first_value, ibis.null("float64")))


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
