"""Orders tables in pandas or on an engine: the few questions every chapter asks of either.

A chapter's ``orders`` is a pandas DataFrame (small data, the course) or an Ibis table on DuckDB
or Spark (``ENGINE``; see ``ecomkit.engine``). The functions here answer the same question for
both and return pandas, so the chapter's code reads the same on either:

>>> import pandas as pd
>>> orders = pd.DataFrame({"customer_id": [1, 1, 2], "net_amount": [30.0, 20.0, 99.0],
...     "order_ts": pd.to_datetime(["2024-01-01 09:00", "2024-01-05 20:00", "2024-01-03 10:00"])})
>>> span(orders)["customers"]
2
>>> len(through(orders, "2024-01-03"))
2
"""

from __future__ import annotations

import pandas as pd

__all__ = ["is_engine_table", "span", "through", "first_order_values", "acquired_by"]


def is_engine_table(orders) -> bool:
    """True for an Ibis table (the engine's), False for a pandas DataFrame; nothing is imported."""
    return type(orders).__module__.startswith("ibis.")


def span(orders) -> dict:
    """``rows``, ``customers`` (None without buyer ids), ``first_ts`` and ``last_ts`` of the orders."""
    if is_engine_table(orders):
        from ecomkit.engine.customers import order_span

        return order_span(orders)
    return {"rows": len(orders),
            "customers": int(orders["customer_id"].nunique()) if "customer_id" in orders else None,
            "first_ts": orders["order_ts"].min(), "last_ts": orders["order_ts"].max()}


def through(orders, last_day):
    """The orders placed on or before ``last_day`` (the whole day), same kind of table as given."""
    if is_engine_table(orders):
        from ecomkit.engine.customers import orders_through

        return orders_through(orders, last_day)
    return orders[orders["order_ts"] < pd.Timestamp(last_day).normalize() + pd.Timedelta(days=1)]


def first_order_values(orders, column: str) -> pd.Series:
    """``column`` on each customer's earliest order (a Series indexed by customer_id), e.g. the
    channel that acquired the customer. Blank values are skipped in pandas."""
    if is_engine_table(orders):
        from ecomkit.engine import to_pandas
        from ecomkit.engine.customers import first_order_values as query

        return to_pandas(query(orders, column))[column]
    return orders.sort_values("order_ts", kind="mergesort").groupby("customer_id")[column].first()


def acquired_by(orders, last_day):
    """The orders of the customers whose first order falls on or before ``last_day`` (the whole day):
    the customers a calibration period knows. Same kind of table as given."""
    cutoff = pd.Timestamp(last_day).normalize() + pd.Timedelta(days=1)
    if is_engine_table(orders):
        import ibis

        firsts = orders.group_by("customer_id").aggregate(first_ts=orders.order_ts.min())
        known = firsts.filter(firsts.first_ts < ibis.literal(cutoff.to_pydatetime())).select("customer_id")
        return orders.semi_join(known, "customer_id")
    first = orders.groupby("customer_id")["order_ts"].transform("min")
    return orders[first < cutoff]
