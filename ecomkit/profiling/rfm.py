"""RFM: recency, frequency and monetary value per customer, their 1-5 scores, and how concentrated spend is.

Example:
    rfm = rfm_table(orders, as_of="2026-01-01")
    scores = rfm_scores(rfm)
    pareto_share(rfm, top=0.2)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ecomkit.order_tables import is_engine_table
from ecomkit.profiling.counting import counted_orders, require_columns


def rfm_from_counted(counted: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """recency_days, frequency and monetary per customer from orders that already passed the counting rule."""
    by_customer = counted.groupby("customer_id", sort=True)
    last = by_customer["order_ts"].max()
    rfm = pd.DataFrame(
        {
            "recency_days": (as_of - last).dt.days.astype("int64"),
            "frequency": by_customer["order_id"].nunique().astype("int64"),
            "monetary": by_customer["net_amount"].sum().astype(float).round(2),
        }
    )
    rfm.index.name = "customer_id"
    return rfm


def _customer_keys(frame: pd.DataFrame) -> np.ndarray:
    """Customer ids of a per-customer table (index, or a `customer_id` column)."""
    if "customer_id" in frame.columns:
        return frame["customer_id"].to_numpy()
    return frame.index.to_numpy()


def rank_bins(values: np.ndarray, tie_keys: np.ndarray, bins: int) -> np.ndarray:
    """Score 1..bins by rank of `values` (ascending), ties broken by `tie_keys` ascending.

    Rank r (1..n) goes to bin floor((2r - 1) * bins / (2n)) + 1: the bin that holds the
    rank's midpoint. With n >= bins every bin is filled and bin sizes differ by at most one;
    a single value lands in the middle bin.
    """
    n = len(values)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    # integer codes for the tie keys so lexsort works for string ids as well
    key_codes = np.empty(n, dtype=np.int64)
    key_codes[np.argsort(tie_keys, kind="stable")] = np.arange(n)
    order = np.lexsort((key_codes, values))
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.arange(1, n + 1)
    return ((2 * ranks - 1) * bins) // (2 * n) + 1


def rfm_table(orders: pd.DataFrame, as_of, include_returned: bool = False) -> pd.DataFrame:
    """Recency, frequency and monetary value per customer as of a date.

    Parameters
    ----------
    orders : orders table (customer_id, order_id, order_ts, net_amount, optional status).
    as_of : timestamp; orders with ``order_ts <= as_of`` count, later ones are ignored.
    include_returned : count ``returned`` orders as purchases (default False: excluded).
        ``cancelled`` orders are always excluded.

    Returns
    -------
    DataFrame indexed by customer_id with
    ``recency_days`` (int, whole days from the last counted order to as_of),
    ``frequency`` (int, number of distinct counted orders) and
    ``monetary`` (float, the orders' currency, sum of net_amount of counted orders).
    Customers with no counted order are absent. ``attrs["excluded"]`` holds the row counts:
    rows_in, after_as_of, cancelled, returned, rows_counted, customers_without_counted_orders.

    Example:
        rfm = rfm_table(orders, as_of="2026-01-01")
        rfm.attrs["excluded"]["returned"]
    """
    if is_engine_table(orders):   # DuckDB or Spark (ecomkit.engine): same numbers, computed there
        from ecomkit import engine

        as_of = pd.Timestamp(as_of)
        rfm = engine.to_pandas(engine.rfm_table(orders, as_of, include_returned))
        rfm.attrs = {"as_of": as_of.isoformat(), "include_returned": bool(include_returned), "excluded": None}
        return rfm
    counted, excluded, as_of = counted_orders(orders, as_of, include_returned, "rfm_table")
    rfm = rfm_from_counted(counted, as_of)
    rfm.attrs = {"as_of": as_of.isoformat(), "include_returned": bool(include_returned),
                 "excluded": excluded}
    return rfm


def rfm_scores(rfm: pd.DataFrame, bins: int = 5) -> pd.DataFrame:
    """R, F and M scores 1..bins (bins = most recent / most frequent / highest spend).

    Scores are quantiles of ranks, not of values, so every bin is filled even when values
    tie (most customers have frequency 1): customers are ranked by the raw value with ties
    broken by customer_id (the smaller id gets the lower rank), and rank r of n goes to bin
    ``floor((2r - 1) * bins / (2n)) + 1``. Consequences, all pinned by tests:
    scores never decrease as the raw value improves; tied customers may get neighbouring
    scores; with n >= bins bin sizes differ by at most one; a single customer gets the
    middle score ``bins // 2 + 1`` for each letter (3 of 5; the upper middle for even
    bins); all-equal customers are spread over the bins by customer_id.

    Parameters
    ----------
    rfm : output of `rfm_table` (recency_days in days, frequency in orders, monetary in the orders' currency).
    bins : number of score levels (5 = quintiles).

    Returns
    -------
    A copy of `rfm` with int columns R, F, M, ``rfm_cell`` (e.g. "545") and ``rfm_score``
    (R + F + M).

    Example:
        scores = rfm_scores(rfm_table(orders, as_of="2026-01-01"))
        scores.groupby("R")["recency_days"].mean()
    """
    require_columns(rfm, ("recency_days", "frequency", "monetary"), "rfm_scores")
    if int(bins) != bins or bins < 2:
        raise ValueError(f"bins must be an integer >= 2, got {bins!r}")
    bins = int(bins)
    if rfm[["recency_days", "frequency", "monetary"]].isna().any().any():
        raise ValueError("rfm_scores: recency_days, frequency and monetary must not be missing")
    keys = _customer_keys(rfm)
    out = rfm.copy()
    # low recency is good, so rank the negated value
    out["R"] = rank_bins(-rfm["recency_days"].to_numpy(dtype=float), keys, bins)
    out["F"] = rank_bins(rfm["frequency"].to_numpy(dtype=float), keys, bins)
    out["M"] = rank_bins(rfm["monetary"].to_numpy(dtype=float), keys, bins)
    out["rfm_cell"] = out["R"].astype(str) + out["F"].astype(str) + out["M"].astype(str)
    out["rfm_score"] = out["R"] + out["F"] + out["M"]
    out.attrs = {**rfm.attrs, "bins": bins}
    return out


def pareto_share(rfm: pd.DataFrame, top: float = 0.2, column: str = "monetary") -> float:
    """Share of total spend held by the top `top` fraction of customers (0..1).

    The top group is the ``ceil(top * n)`` customers with the highest `column` (an amount).

    Example:
        pareto_share(rfm_table(orders, "2026-01-01"), top=0.2)   # e.g. 0.55
    """
    if not 0 < top <= 1:
        raise ValueError(f"top must be in (0, 1], got {top!r}")
    require_columns(rfm, (column,), "pareto_share")
    values = np.sort(rfm[column].to_numpy(dtype=float))[::-1]
    total = values.sum()
    if len(values) == 0 or total == 0:
        return float("nan")
    n_top = max(1, math.ceil(top * len(values) - 1e-9))
    return float(values[:n_top].sum() / total)


def pareto_curve(rfm: pd.DataFrame, column: str = "monetary") -> pd.DataFrame:
    """Cumulative spend share against customer share, customers ranked by spend (descending).

    Returns a DataFrame with customer_share and revenue_share (0..1), starting at (0, 0).

    Example:
        curve = pareto_curve(rfm)
    """
    values = np.sort(rfm[column].to_numpy(dtype=float))[::-1]
    n, total = len(values), values.sum()
    return pd.DataFrame(
        {
            "customer_share": np.arange(n + 1) / max(n, 1),
            "revenue_share": np.concatenate([[0.0], np.cumsum(values)]) / (total or np.nan),
        }
    )
