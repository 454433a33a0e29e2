"""Per-customer behaviour features as of a date: RFM plus tenure, basket, discount, returns, channel and
category mix, and the model matrix the clustering and churn models read.

Example:
    feats = customer_features(orders, as_of="2026-01-01", customers=customers)
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ecomkit.profiling.counting import counted_orders, require_columns
from ecomkit.profiling.rfm import rfm_from_counted

#: Skewed, non-negative columns that are log1p-transformed before standardising
#: (clustering, persona profiles, the logistic churn model).
LOG_COLUMNS = ("recency_days", "frequency", "monetary", "mean_order_value")


def _slug(name) -> str:
    return re.sub(r"\W+", "_", str(name).strip().lower()).strip("_") or "unknown"


def numeric_columns(frame: pd.DataFrame, exclude=("churned",)) -> list[str]:
    """The number and bool columns of ``frame`` except ``exclude`` (the default model inputs)."""
    cols = frame.select_dtypes(include=["number", "bool"]).columns
    return [c for c in cols if c not in exclude]


def model_matrix(features: pd.DataFrame, columns, log_columns) -> pd.DataFrame:
    """Features as floats with log1p on the skewed columns (negatives clipped to 0)."""
    X = features.loc[:, list(columns)].astype(float)
    for c in log_columns:
        if c in X.columns:
            X[c] = np.log1p(X[c].clip(lower=0))
    bad = [c for c in X.columns if not np.isfinite(X[c]).all()]
    if bad:
        raise ValueError(f"features have missing or infinite values in {bad}")
    return X


def log1p_clipped(values):
    """log1p of non-negative values (a named function so fitted models can be pickled)."""
    return np.log1p(np.clip(values, 0, None))


def _mix_shares(counted: pd.DataFrame, column: str, prefix: str) -> pd.DataFrame:
    """Each customer's share of counted orders per value of ``column`` (columns ``prefix + value``)."""
    counts = counted.groupby(["customer_id", column]).size().unstack(fill_value=0)
    shares = counts.div(counts.sum(axis=1), axis=0)
    shares.columns = [prefix + _slug(c) for c in shares.columns]
    return shares


def _to_flag(values: pd.Series) -> pd.Series:
    """Yes/no values (bools, 0/1, "yes", "member", "是") as 0.0/1.0."""
    if values.dtype == bool or pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    text = values.astype(str).str.strip().str.lower()
    return text.isin(["1", "true", "yes", "y", "member", "是"]).astype(float)


def customer_features(
    orders: pd.DataFrame, as_of, customers: pd.DataFrame | None = None,
    include_returned: bool = False,
) -> pd.DataFrame:
    """Per-customer behaviour features as of a date: RFM plus mix, discount, tenure, basket.

    Parameters
    ----------
    orders : orders table; the counting rule of `rfm_table` applies (order_ts <= as_of,
        no cancelled, returned only with include_returned).
    as_of : timestamp the features describe.
    customers : optional customers table; adds ``member`` (0/1) and ``city_tier`` (1-5).
    include_returned : count returned orders as purchases.

    Returns
    -------
    DataFrame indexed by customer_id (customers with a counted order only):
    recency_days, frequency, monetary (the orders' currency), tenure_days (days since the first counted
    order), mean_order_value (per order), mean_items (items per order, if `items`),
    discount_share (discount_amount / gross_amount, if both), return_rate (returned share
    of non-cancelled orders up to as_of, if `status`), channel_share_<channel> and
    category_share_<category> (shares of counted orders, each group sums to 1).

    Example:
        feats = customer_features(orders, as_of="2026-01-01", customers=customers)
    """
    counted, excluded, as_of = counted_orders(orders, as_of, include_returned,
                                              "customer_features")
    feats = rfm_from_counted(counted, as_of)
    by_customer = counted.groupby("customer_id", sort=True)
    feats["tenure_days"] = (as_of - by_customer["order_ts"].min()).dt.days.astype("int64")
    feats["mean_order_value"] = feats["monetary"] / feats["frequency"]
    if "items" in counted.columns:
        feats["mean_items"] = by_customer["items"].sum().astype(float) / feats["frequency"]
    if {"gross_amount", "discount_amount"} <= set(counted.columns):
        gross = by_customer["gross_amount"].sum().astype(float)
        discount = by_customer["discount_amount"].sum().astype(float)
        feats["discount_share"] = (discount / gross.where(gross > 0)).fillna(0.0)
    if "status" in orders.columns:
        ts = pd.to_datetime(orders["order_ts"])
        status = orders["status"].astype(str).str.strip().str.lower()
        placed = orders.loc[(ts <= as_of) & (status != "cancelled"), ["customer_id"]]
        placed = placed.assign(returned=(status[placed.index] == "returned").astype(float))
        feats["return_rate"] = placed.groupby("customer_id")["returned"].mean().reindex(
            feats.index).fillna(0.0)
    parts = [feats]
    if "channel" in counted.columns:
        parts.append(_mix_shares(counted, "channel", "channel_share_"))
    if "category" in counted.columns:
        parts.append(_mix_shares(counted, "category", "category_share_"))
    feats = pd.concat(parts, axis=1)
    if customers is not None:
        require_columns(customers, ("customer_id",), "customer_features(customers)")
        cust = customers.drop_duplicates("customer_id").set_index("customer_id")
        if "member" in cust.columns:
            feats["member"] = _to_flag(cust["member"]).reindex(feats.index)
        if "city_tier" in cust.columns:
            feats["city_tier"] = pd.to_numeric(cust["city_tier"], errors="coerce").reindex(
                feats.index)
    feats.index.name = "customer_id"
    feats.attrs = {"as_of": as_of.isoformat(), "include_returned": bool(include_returned),
                   "excluded": excluded}
    return feats

