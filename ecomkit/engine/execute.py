"""Run a query and hand the chapters a small pandas table shaped like the pandas functions'."""

from __future__ import annotations

import ibis.expr.types as ir
import pandas as pd

__all__ = ["KEY_COLUMNS", "to_pandas"]

#: columns that identify a row of a query's result; ``to_pandas`` makes them the index
KEY_COLUMNS = ("customer_id", "period", "cohort", "periods_since_first")


def to_pandas(expr: ir.Table, index="auto") -> pd.DataFrame:
    """Execute ``expr`` on its backend and return a DataFrame sorted by its key columns.

    ``index="auto"`` makes the key columns present (``customer_id``; ``period``; ``cohort`` and
    ``periods_since_first``) the index, as the pandas functions return them; ``index=None``
    sorts by them but keeps them as columns; a column name or list chooses the index.
    Timestamps come back as ``datetime64[ns]`` without a time zone (wall-clock times, as in
    ecomkit's tables).
    """
    keys = [c for c in KEY_COLUMNS if c in expr.columns]
    if index not in ("auto", None):
        keys = [index] if isinstance(index, str) else list(index)
    # sorted by the backend and carried as Arrow: much faster than sorting a large frame in pandas
    frame = (expr.order_by(keys) if keys else expr).to_pyarrow().to_pandas()
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            frame[name] = column.dt.tz_localize(None)
        if pd.api.types.is_datetime64_dtype(frame[name]) and frame[name].dtype != "datetime64[ns]":
            frame[name] = frame[name].astype("datetime64[ns]")
    if keys and index is not None:
        frame = frame.set_index(keys)
    return frame
