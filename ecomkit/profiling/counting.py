"""Which orders count: the one rule every part of chapter 01 applies (docs/profiling.md).

An order is *counted* when ``order_ts <= as_of`` and its status is ``completed`` (plus ``returned``
when ``include_returned=True``); ``cancelled`` and ``unpaid`` orders are never counted. The rows left
out are counted per reason, so a notebook can show what the rule removed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecomkit.io.vocab import STATUSES

ORDER_STATUSES = STATUSES  # the loader's status vocabulary

#: Columns every order-level function of the chapter needs.
ORDER_KEYS = ("customer_id", "order_id", "order_ts", "net_amount")


def require_columns(frame: pd.DataFrame, columns, where: str) -> None:
    """Raise a ValueError naming the columns of ``columns`` that ``frame`` lacks (``where``: the caller)."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{where}: missing column(s) {missing}; the table has {list(frame.columns)}"
        )


def as_timestamp(value, name: str) -> pd.Timestamp:
    """``value`` as a Timestamp, or a ValueError naming the parameter ``name``."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a date or timestamp, got {value!r}") from exc
    if pd.isna(ts):
        raise ValueError(f"{name} must be a date or timestamp, got {value!r}")
    return ts


def counted_orders(orders: pd.DataFrame, as_of, include_returned: bool, where: str):
    """Apply the counting rule to an orders table.

    Parameters
    ----------
    orders : orders table (customer_id, order_id, order_ts, net_amount, optional status).
    as_of : timestamp; later orders are not counted.
    include_returned : count ``returned`` orders as purchases.
    where : the calling function's name, for error messages.

    Returns
    -------
    (counted rows, excluded, as_of): ``excluded`` is a dict of row counts (rows_in, after_as_of,
    cancelled, returned, rows_counted, customers_without_counted_orders); each row is counted under
    one reason only, the date first. ``as_of`` comes back as a Timestamp.

    Example:
        counted, excluded, as_of = counted_orders(orders, "2026-01-01", False, "my_function")
    """
    require_columns(orders, ORDER_KEYS, where)
    as_of = as_timestamp(as_of, "as_of")
    ts = pd.to_datetime(orders["order_ts"])
    after = (ts > as_of).to_numpy()
    is_counted = ~after
    excluded = {
        "rows_in": int(len(orders)),
        "after_as_of": int(after.sum()),
        "cancelled": 0,
        "returned": 0,
    }
    if "status" in orders.columns:
        status = orders["status"].astype(str).str.strip().str.lower().to_numpy()
        unknown = sorted(set(np.unique(status)) - set(ORDER_STATUSES))
        if unknown:
            raise ValueError(
                f"{where}: column 'status' has values {unknown} outside {list(ORDER_STATUSES)}"
            )
        cancelled = is_counted & np.isin(status, ["cancelled", "unpaid"])  # never purchases
        excluded["cancelled"] = int(cancelled.sum())
        is_counted &= ~cancelled
        if not include_returned:
            returned = is_counted & (status == "returned")
            excluded["returned"] = int(returned.sum())
            is_counted &= ~returned
    counted = orders.loc[is_counted]
    if counted["order_ts"].dtype != ts.dtype:
        counted = counted.assign(order_ts=ts[is_counted])
    seen = orders.loc[~after, "customer_id"].nunique()
    excluded["rows_counted"] = int(len(counted))
    excluded["customers_without_counted_orders"] = int(seen - counted["customer_id"].nunique())
    return counted, excluded, as_of
