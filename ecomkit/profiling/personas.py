"""User profiling and segmentation (chapter 01): RFM, the eight classic segments, personas,
cohorts and churn.

Every function is pure: it takes DataFrames and an explicit date (`as_of`, `cutoff`), never
"today", and anything random takes a `seed`. Computations come first, plots last.

Counting rule shared by every function here (see docs/profiling.md):
- an order is *counted* when ``order_ts <= as_of`` and its status is ``completed`` (plus
  ``returned`` when ``include_returned=True``); ``cancelled`` orders are never counted;
- the rows left out are counted per reason and kept in ``DataFrame.attrs["excluded"]``;
- customers are keyed by ``customer_id``; result tables are indexed by it.

Example:
    rfm = rfm_table(orders, as_of="2026-01-01")
    seg = rfm_segments(rfm)
    segment_summary(seg)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score, silhouette_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from ecomkit.io.vocab import STATUSES

__all__ = [
    "ORDER_STATUSES",
    "LOG_COLUMNS",
    "SEGMENTS",
    "SEGMENT_ACTIONS",
    "rfm_table",
    "rfm_scores",
    "rfm_segments",
    "segment_summary",
    "customer_features",
    "ClusterResult",
    "cluster_customers",
    "persona_profile",
    "persona_table",
    "segment_cluster_crosstab",
    "pareto_share",
    "pareto_curve",
    "CohortRetention",
    "cohort_retention",
    "NextPeriodRetention",
    "next_period_retention",
    "churn_labels",
    "churn_dataset",
    "churn_time_split",
    "fit_churn_models",
    "churn_scores",
    "churn_report",
    "lift_table",
    "rank_correlation",
    "segment_value_share",
    "plot_segments",
    "plot_rfm_heatmap",
    "plot_personas",
    "plot_silhouette",
    "plot_pareto",
    "plot_cohort_heatmap",
    "plot_retention_curves",
    "plot_churn_lift",
]

ORDER_STATUSES = STATUSES  # the loader's status vocabulary

#: Skewed, non-negative columns that are log1p-transformed before standardising
#: (clustering, persona profiles, the logistic churn model).
LOG_COLUMNS = ("recency_days", "frequency", "monetary", "mean_order_value")

_ORDER_KEYS = ("customer_id", "order_id", "order_ts", "net_amount")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def _require_columns(frame: pd.DataFrame, columns, where: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{where}: missing column(s) {missing}; the table has {list(frame.columns)}"
        )


def _as_timestamp(value, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a date or timestamp, got {value!r}") from exc
    if pd.isna(ts):
        raise ValueError(f"{name} must be a date or timestamp, got {value!r}")
    return ts


def _counted_orders(orders: pd.DataFrame, as_of, include_returned: bool, where: str):
    """Apply the counting rule; return (counted rows, excluded-counts dict, as_of Timestamp)."""
    _require_columns(orders, _ORDER_KEYS, where)
    as_of = _as_timestamp(as_of, "as_of")
    ts = pd.to_datetime(orders["order_ts"])
    after = (ts > as_of).to_numpy()
    keep = ~after
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
        cancelled = keep & np.isin(status, ["cancelled", "unpaid"])  # never purchases
        excluded["cancelled"] = int(cancelled.sum())
        keep &= ~cancelled
        if not include_returned:
            returned = keep & (status == "returned")
            excluded["returned"] = int(returned.sum())
            keep &= ~returned
    counted = orders.loc[keep]
    if counted["order_ts"].dtype != ts.dtype:
        counted = counted.assign(order_ts=ts[keep])
    seen = orders.loc[~after, "customer_id"].nunique()
    excluded["rows_counted"] = int(len(counted))
    excluded["customers_without_counted_orders"] = int(seen - counted["customer_id"].nunique())
    return counted, excluded, as_of


def _rfm_from_counted(counted: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    g = counted.groupby("customer_id", sort=True)
    last = g["order_ts"].max()
    rfm = pd.DataFrame(
        {
            "recency_days": (as_of - last).dt.days.astype("int64"),
            "frequency": g["order_id"].nunique().astype("int64"),
            "monetary": g["net_amount"].sum().astype(float).round(2),
        }
    )
    rfm.index.name = "customer_id"
    return rfm


def _customer_keys(frame: pd.DataFrame) -> np.ndarray:
    """Customer ids of a per-customer table (index, or a `customer_id` column)."""
    if "customer_id" in frame.columns:
        return frame["customer_id"].to_numpy()
    return frame.index.to_numpy()


def _rank_bins(values: np.ndarray, tie_keys: np.ndarray, bins: int) -> np.ndarray:
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


def _slug(name) -> str:
    return re.sub(r"\W+", "_", str(name).strip().lower()).strip("_") or "unknown"


def _numeric_columns(frame: pd.DataFrame, exclude=("churned",)) -> list[str]:
    cols = frame.select_dtypes(include=["number", "bool"]).columns
    return [c for c in cols if c not in exclude]


def _model_matrix(features: pd.DataFrame, columns, log_columns) -> pd.DataFrame:
    """Features as floats with log1p on the skewed columns (negatives clipped to 0)."""
    X = features.loc[:, list(columns)].astype(float)
    for c in log_columns:
        if c in X.columns:
            X[c] = np.log1p(X[c].clip(lower=0))
    bad = [c for c in X.columns if not np.isfinite(X[c]).all()]
    if bad:
        raise ValueError(f"features have missing or infinite values in {bad}")
    return X


def _log1p_clipped(values):
    """log1p of non-negative values (a named function so fitted models can be pickled)."""
    return np.log1p(np.clip(values, 0, None))


def _aligned_labels(features: pd.DataFrame, labels) -> pd.Series:
    if isinstance(labels, pd.Series):
        lab = labels.reindex(features.index)
        if lab.isna().any():
            raise ValueError(
                f"labels are missing for {int(lab.isna().sum())} customers of the features table"
            )
        return lab.astype("int64").rename("cluster")
    lab = np.asarray(labels)
    if len(lab) != len(features):
        raise ValueError(f"{len(lab)} labels for {len(features)} customers")
    return pd.Series(lab.astype("int64"), index=features.index, name="cluster")


# --------------------------------------------------------------------------------------------
# RFM
# --------------------------------------------------------------------------------------------
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
    ``monetary`` (float, CNY, sum of net_amount of counted orders).
    Customers with no counted order are absent. ``attrs["excluded"]`` holds the row counts:
    rows_in, after_as_of, cancelled, returned, rows_counted, customers_without_counted_orders.

    Example:
        rfm = rfm_table(orders, as_of="2026-01-01")
        rfm.attrs["excluded"]["returned"]
    """
    counted, excluded, as_of = _counted_orders(orders, as_of, include_returned, "rfm_table")
    rfm = _rfm_from_counted(counted, as_of)
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
    rfm : output of `rfm_table` (recency_days in days, frequency in orders, monetary in CNY).
    bins : number of score levels (5 = quintiles).

    Returns
    -------
    A copy of `rfm` with int columns R, F, M, ``rfm_cell`` (e.g. "545") and ``rfm_score``
    (R + F + M).

    Example:
        scores = rfm_scores(rfm_table(orders, as_of="2026-01-01"))
        scores.groupby("R")["recency_days"].mean()
    """
    _require_columns(rfm, ("recency_days", "frequency", "monetary"), "rfm_scores")
    if int(bins) != bins or bins < 2:
        raise ValueError(f"bins must be an integer >= 2, got {bins!r}")
    bins = int(bins)
    if rfm[["recency_days", "frequency", "monetary"]].isna().any().any():
        raise ValueError("rfm_scores: recency_days, frequency and monetary must not be missing")
    keys = _customer_keys(rfm)
    out = rfm.copy()
    # low recency is good, so rank the negated value
    out["R"] = _rank_bins(-rfm["recency_days"].to_numpy(dtype=float), keys, bins)
    out["F"] = _rank_bins(rfm["frequency"].to_numpy(dtype=float), keys, bins)
    out["M"] = _rank_bins(rfm["monetary"].to_numpy(dtype=float), keys, bins)
    out["rfm_cell"] = out["R"].astype(str) + out["F"].astype(str) + out["M"].astype(str)
    out["rfm_score"] = out["R"] + out["F"] + out["M"]
    out.attrs = {**rfm.attrs, "bins": bins}
    return out


#: The eight classic RFM segments (R, F, M each high or low against a threshold).
SEGMENTS = pd.DataFrame(
    [
        ("important_value", "Important value", "重要价值客户", True, True, True),
        ("important_develop", "Important develop", "重要发展客户", True, False, True),
        ("important_retain", "Important retain", "重要保持客户", False, True, True),
        ("important_winback", "Important win-back", "重要挽留客户", False, False, True),
        ("general_value", "General value", "一般价值客户", True, True, False),
        ("general_develop", "General develop", "一般发展客户", True, False, False),
        ("general_retain", "General retain", "一般保持客户", False, True, False),
        ("general_winback", "General win-back", "一般挽留客户", False, False, False),
    ],
    columns=["segment", "label", "segment_cn", "r_high", "f_high", "m_high"],
)

#: What each segment gets, paraphrasing the handbooks (H1 §2.4/§5.3, H2 §7.3, H3 §1, H5 §5.1).
SEGMENT_ACTIONS = pd.DataFrame(
    [
        ("important_value", "Important value", "重要价值客户",
         "recent, frequent, high spend: the best customers",
         "keep them close: top membership tier, points multipliers, early access, "
         "dedicated service; no blanket discounts",
         "high", "H5 §5.1, H1 §5.3"),
        ("important_develop", "Important develop", "重要发展客户",
         "recent, high spend, few orders: often new big spenders",
         "turn one order into a habit: repurchase coupon timed to the category cycle, "
         "invitation to membership, personalised recommendations",
         "medium", "H5 §5.1, H3 §1"),
        ("important_retain", "Important retain", "重要保持客户",
         "frequent, high spend, not seen lately: valuable and drifting",
         "contact before they lapse: personal reminder, member-only benefit, ask why "
         "they buy less",
         "medium", "H2 §7.3, H3 §1"),
        ("important_winback", "Important win-back", "重要挽留客户",
         "high spend long ago, few orders: lost big spenders",
         "targeted win-back offer with a real incentive, tested against a hold-out group",
         "medium", "H2 §7.3, H3 §1"),
        ("general_value", "General value", "一般价值客户",
         "recent, frequent, low spend: loyal small baskets",
         "grow the basket: bundles, spend-threshold (满减) offers, cross-sell, points",
         "low", "H1 §3.2, H5 §5.1"),
        ("general_develop", "General develop", "一般发展客户",
         "recent, one or few low-value orders: mostly new customers",
         "second-order coupon and automated onboarding messages",
         "low", "H5 §5.1, H2 §6"),
        ("general_retain", "General retain", "一般保持客户",
         "used to buy often at low value, not recently",
         "low-cost automated reminders (push, SMS, private-domain groups) with small coupons",
         "low", "H2 §6, §7.3"),
        ("general_winback", "General win-back", "一般挽留客户",
         "one-off, low value, long ago: probably gone",
         "cheapest touch only: periodic automated campaigns; stop contacting if no response",
         "minimal", "H2 §7.3"),
    ],
    columns=["segment", "label", "segment_cn", "who", "action", "cost_per_contact", "handbooks"],
)

_SEGMENT_BY_CODE = {
    int(r.r_high) * 4 + int(r.f_high) * 2 + int(r.m_high): i for i, r in SEGMENTS.iterrows()
}


def rfm_segments(rfm: pd.DataFrame, method: str = "classic8", threshold: str = "mean") -> pd.DataFrame:
    """Assign the eight classic RFM segments (重要价值 ... 一般挽留) from raw R, F, M values.

    Each value is compared with its mean (``threshold="mean"``) or median (``"median"``)
    over the customers in `rfm`: R is *high* (recent) when ``recency_days <= threshold``,
    F high when ``frequency > threshold``, M high when ``monetary > threshold``. The
    (R, F, M) pattern maps to a segment as in `SEGMENTS`. If all customers are equal they are
    all recent (<=) and neither frequent nor high-spend (>): general develop.

    Parameters
    ----------
    rfm : output of `rfm_table` or `rfm_scores` (recency_days in days, monetary in CNY).
    method : only "classic8" for now.
    threshold : "mean" or "median".

    Returns
    -------
    A copy of `rfm` with bool columns r_high, f_high, m_high and str columns segment
    (e.g. "important_value"), segment_label ("Important value") and segment_cn
    ("重要价值客户"). ``attrs["thresholds"]`` holds the three thresholds used.

    Example:
        seg = rfm_segments(rfm_table(orders, as_of="2026-01-01"), threshold="median")
        seg["segment"].value_counts()
    """
    if method != "classic8":
        raise ValueError(f"unknown segmentation method {method!r}; available: 'classic8'")
    if threshold not in ("mean", "median"):
        raise ValueError(f"threshold must be 'mean' or 'median', got {threshold!r}")
    _require_columns(rfm, ("recency_days", "frequency", "monetary"), "rfm_segments")
    cols = ["recency_days", "frequency", "monetary"]
    cut = getattr(rfm[cols], threshold)()
    out = rfm.copy()
    out["r_high"] = rfm["recency_days"] <= cut["recency_days"]
    out["f_high"] = rfm["frequency"] > cut["frequency"]
    out["m_high"] = rfm["monetary"] > cut["monetary"]
    code = out["r_high"].astype(int) * 4 + out["f_high"].astype(int) * 2 + out["m_high"].astype(int)
    row = code.map(_SEGMENT_BY_CODE).to_numpy()
    out["segment"] = SEGMENTS["segment"].to_numpy()[row] if len(out) else []
    out["segment_label"] = SEGMENTS["label"].to_numpy()[row] if len(out) else []
    out["segment_cn"] = SEGMENTS["segment_cn"].to_numpy()[row] if len(out) else []
    out.attrs = {**rfm.attrs, "thresholds": {k: float(v) for k, v in cut.items()},
                 "threshold": threshold}
    return out


def segment_summary(segmented: pd.DataFrame) -> pd.DataFrame:
    """Size and value of each RFM segment, all eight listed in the canonical order.

    Parameters
    ----------
    segmented : output of `rfm_segments` (needs segment, recency_days, frequency, monetary).

    Returns
    -------
    DataFrame indexed by segment with label, segment_cn, customers, customer_share (0..1),
    revenue (CNY, sum of monetary), revenue_share (0..1), mean_recency_days, mean_frequency,
    mean_monetary (CNY). Empty segments have 0 customers and missing means.

    Example:
        segment_summary(rfm_segments(rfm))[["customers", "revenue_share"]]
    """
    _require_columns(segmented, ("segment", "recency_days", "frequency", "monetary"),
                     "segment_summary")
    g = segmented.groupby("segment")
    summary = pd.DataFrame(
        {
            "customers": g.size(),
            "revenue": g["monetary"].sum(),
            "mean_recency_days": g["recency_days"].mean(),
            "mean_frequency": g["frequency"].mean(),
            "mean_monetary": g["monetary"].mean(),
        }
    )
    summary = summary.reindex(SEGMENTS["segment"])
    summary["customers"] = summary["customers"].fillna(0).astype("int64")
    summary["revenue"] = summary["revenue"].fillna(0.0)
    n, total = summary["customers"].sum(), summary["revenue"].sum()
    summary["customer_share"] = summary["customers"] / n if n else np.nan
    summary["revenue_share"] = summary["revenue"] / total if total else np.nan
    meta = SEGMENTS.set_index("segment")[["label", "segment_cn"]]
    summary = meta.join(summary)
    return summary[["label", "segment_cn", "customers", "customer_share", "revenue",
                    "revenue_share", "mean_recency_days", "mean_frequency", "mean_monetary"]]


# --------------------------------------------------------------------------------------------
# features, clustering, personas
# --------------------------------------------------------------------------------------------
def _mix_shares(counted: pd.DataFrame, column: str, prefix: str) -> pd.DataFrame:
    counts = counted.groupby(["customer_id", column]).size().unstack(fill_value=0)
    shares = counts.div(counts.sum(axis=1), axis=0)
    shares.columns = [prefix + _slug(c) for c in shares.columns]
    return shares


def _to_flag(values: pd.Series) -> pd.Series:
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
    recency_days, frequency, monetary (CNY), tenure_days (days since the first counted
    order), mean_order_value (CNY per order), mean_items (items per order, if `items`),
    discount_share (discount_amount / gross_amount, if both), return_rate (returned share
    of non-cancelled orders up to as_of, if `status`), channel_share_<channel> and
    category_share_<category> (shares of counted orders, each group sums to 1).

    Example:
        feats = customer_features(orders, as_of="2026-01-01", customers=customers)
    """
    counted, excluded, as_of = _counted_orders(orders, as_of, include_returned,
                                               "customer_features")
    feats = _rfm_from_counted(counted, as_of)
    g = counted.groupby("customer_id", sort=True)
    feats["tenure_days"] = (as_of - g["order_ts"].min()).dt.days.astype("int64")
    feats["mean_order_value"] = feats["monetary"] / feats["frequency"]
    if "items" in counted.columns:
        feats["mean_items"] = g["items"].sum().astype(float) / feats["frequency"]
    if {"gross_amount", "discount_amount"} <= set(counted.columns):
        gross = g["gross_amount"].sum().astype(float)
        discount = g["discount_amount"].sum().astype(float)
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
        _require_columns(customers, ("customer_id",), "customer_features(customers)")
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


@dataclass
class ClusterResult:
    """Output of `cluster_customers`.

    labels: cluster per customer (0 = largest cluster), indexed like the features.
    k: number of clusters used. silhouette / inertia: per k tried (index k).
    columns / log_columns: the inputs and which were log1p-transformed.
    model, scaler: the fitted KMeans and StandardScaler (to place new customers).
    """

    labels: pd.Series
    k: int
    silhouette: pd.Series
    inertia: pd.Series
    columns: list
    log_columns: list
    model: KMeans
    scaler: StandardScaler


def cluster_customers(
    features: pd.DataFrame, k: int | None = None, k_range=range(2, 9), seed: int = 0,
    sample_size: int = 3000, columns=None, log_columns=LOG_COLUMNS, n_init: int = 4,
) -> ClusterResult:
    """k-means on standardised features, with k chosen by silhouette when not given.

    Skewed columns (`log_columns`, those present) are log1p-transformed, then every column
    is z-scored. With ``k=None`` each k in `k_range` is fitted and the k with the highest
    silhouette wins (silhouette on a random sample of `sample_size` customers for speed).
    Clusters are relabelled by size: 0 is the largest.

    Parameters
    ----------
    features : per-customer numeric table, e.g. `customer_features` (days, counts, CNY, shares).
    k : number of clusters, or None to choose from `k_range`.
    seed : random seed for k-means initialisation and the silhouette sample.
    sample_size : customers used for each silhouette score.
    columns : columns to cluster on (default: every numeric column).

    Example:
        result = cluster_customers(customer_features(orders, "2026-01-01"), seed=0)
        result.k, result.silhouette
    """
    columns = list(columns) if columns is not None else _numeric_columns(features)
    if not columns:
        raise ValueError("cluster_customers: no numeric feature columns")
    logged = [c for c in log_columns if c in columns]
    X_df = _model_matrix(features, columns, logged)
    scaler = StandardScaler().fit(X_df.to_numpy())
    X = scaler.transform(X_df.to_numpy())
    n = len(X)
    ks = [int(k)] if k is not None else [int(x) for x in k_range if 2 <= x < n]
    if not ks or (k is not None and not 1 <= k < n):
        raise ValueError(f"cannot form {k if k is not None else list(k_range)} clusters "
                         f"from {n} customers")
    sample = min(sample_size, n)
    sil, inertia, models = {}, {}, {}
    for kk in ks:
        km = KMeans(n_clusters=kk, n_init=n_init, random_state=seed).fit(X)
        models[kk], inertia[kk] = km, float(km.inertia_)
        if kk >= 2 and len(np.unique(km.labels_)) > 1:
            sil[kk] = float(silhouette_score(X, km.labels_, sample_size=sample,
                                             random_state=seed))
        else:
            sil[kk] = np.nan
    sil_s = pd.Series(sil, name="silhouette").rename_axis("k")
    best = ks[0] if k is not None else int(sil_s.idxmax())
    km = models[best]
    # relabel by size so label 0 is the largest cluster (stable across runs and machines)
    counts = np.bincount(km.labels_, minlength=best)
    order = np.argsort(-counts, kind="stable")
    relabel = np.empty(best, dtype=np.int64)
    relabel[order] = np.arange(best)
    labels = pd.Series(relabel[km.labels_], index=features.index, name="cluster")
    return ClusterResult(labels=labels, k=best, silhouette=sil_s,
                         inertia=pd.Series(inertia, name="inertia").rename_axis("k"),
                         columns=columns, log_columns=logged, model=km, scaler=scaler)


def persona_profile(features: pd.DataFrame, labels, columns=None,
                    log_columns=LOG_COLUMNS) -> pd.DataFrame:
    """Standardised mean difference of each feature per cluster (cluster x feature, in SD).

    Each column is log1p-transformed if skewed (`log_columns`), z-scored over all customers,
    and averaged within each cluster: +1 means the cluster sits one standard deviation above
    the average customer. Constant columns give 0.

    Example:
        persona_profile(feats, result.labels).round(1)
    """
    columns = list(columns) if columns is not None else _numeric_columns(features)
    lab = _aligned_labels(features, labels)
    X = _model_matrix(features, columns, [c for c in log_columns if c in columns])
    sd = X.std(ddof=0).replace(0, np.nan)
    Z = ((X - X.mean()) / sd).fillna(0.0)
    profile = Z.groupby(lab.to_numpy()).mean()
    profile.index.name = "cluster"
    return profile


_PERSONA_WORDS = {
    "recency_days": ("lapsed", "recent"),
    "frequency": ("frequent", "one-off"),
    "monetary": ("high-spend", "low-spend"),
    "mean_order_value": ("big-ticket", "small-ticket"),
    "mean_items": ("many-item", "few-item"),
    "tenure_days": ("long-standing", "new"),
    "discount_share": ("deal-seeking", "full-price"),
    "return_rate": ("often-returning", "rarely-returning"),
    "member": ("member", "non-member"),
    "city_tier": ("lower-tier-city", "top-tier-city"),
}


def _persona_word(column: str, diff: float) -> str:
    high = diff > 0
    if column in _PERSONA_WORDS:
        return _PERSONA_WORDS[column][0 if high else 1]
    for prefix, fmt_high in (("channel_share_", "{}-led"), ("category_share_", "{}-focused")):
        if column.startswith(prefix):
            name = column[len(prefix):].replace("_", "-")
            return fmt_high.format(name) if high else f"little-{name}"
    return f"{'high' if high else 'low'}-{column.replace('_', '-')}"


def persona_table(features: pd.DataFrame, labels, columns=None, top: int = 3,
                  min_difference: float = 0.3) -> pd.DataFrame:
    """One row per cluster: size, value share, the features that set it apart, a short name.

    Parameters
    ----------
    features : per-customer table (as passed to `cluster_customers`); monetary in CNY.
    labels : cluster per customer (Series indexed like features, or an array in row order).
    top : how many distinguishing features to list (largest |standardised difference|).
    min_difference : features closer than this to the average (in SD) do not name a persona;
        a cluster with none is called "typical". The name uses the two largest differences,
        skipping below-average channel/category shares (they restate another share).

    Returns
    -------
    DataFrame indexed by cluster with customers, customer_share (0..1), revenue (CNY),
    value_share (0..1), mean_recency_days, mean_frequency, mean_monetary (when present),
    top_features (e.g. "frequency +1.8 SD, monetary +1.2 SD") and name (e.g. "frequent
    high-spend"; clusters with the same name get " #<cluster>" appended).

    Example:
        persona_table(feats, cluster_customers(feats).labels)
    """
    lab = _aligned_labels(features, labels)
    profile = persona_profile(features, lab, columns)
    table = pd.DataFrame(index=profile.index)
    table["customers"] = lab.value_counts().reindex(profile.index).astype("int64")
    table["customer_share"] = table["customers"] / table["customers"].sum()
    if "monetary" in features.columns:
        revenue = features["monetary"].groupby(lab).sum().reindex(profile.index)
        table["revenue"] = revenue
        total = revenue.sum()
        table["value_share"] = revenue / total if total else np.nan
    for col in ("recency_days", "frequency", "monetary"):
        if col in features.columns:
            table[f"mean_{col}"] = features[col].groupby(lab).mean().reindex(profile.index)
    tops, names = [], []
    for cluster, row in profile.iterrows():
        ranked = row.reindex(row.abs().sort_values(ascending=False, kind="stable").index)
        chosen = ranked.iloc[:top]
        tops.append(", ".join(f"{c} {v:+.1f} SD" for c, v in chosen.items()))
        # a low share of one category mostly restates a high share of another: name the
        # persona by what its customers do, not by what they do less of
        named = [(c, v) for c, v in ranked.items() if abs(v) >= min_difference
                 and not (v < 0 and c.startswith(("channel_share_", "category_share_")))]
        words = [_persona_word(c, v) for c, v in named[:2]]
        names.append(" ".join(words) if words else "typical")
    table["top_features"] = tops
    names = pd.Series(names, index=profile.index)
    dup = names.duplicated(keep=False)
    names[dup] = names[dup] + " #" + names.index[dup].astype(str)
    table["name"] = names
    return table


def segment_cluster_crosstab(segments, labels, normalize=False) -> pd.DataFrame:
    """Customers per RFM segment (rows, canonical order) and cluster (columns).

    Parameters
    ----------
    segments : output of `rfm_segments` (or a Series of segment codes by customer_id).
    labels : cluster per customer, Series indexed by customer_id (or array in row order).
    normalize : passed to `pandas.crosstab` (False, "index", "columns" or "all").

    Example:
        segment_cluster_crosstab(rfm_segments(rfm), result.labels, normalize="index")
    """
    seg = segments["segment"] if isinstance(segments, pd.DataFrame) else segments
    lab = _aligned_labels(seg.to_frame(), labels)
    table = pd.crosstab(seg.rename("segment"), lab, normalize=normalize)
    present = [s for s in SEGMENTS["segment"] if s in table.index]
    return table.reindex(present)


# --------------------------------------------------------------------------------------------
# Pareto
# --------------------------------------------------------------------------------------------
def pareto_share(rfm: pd.DataFrame, top: float = 0.2, column: str = "monetary") -> float:
    """Share of total spend held by the top `top` fraction of customers (0..1).

    The top group is the ``ceil(top * n)`` customers with the highest `column` (CNY).

    Example:
        pareto_share(rfm_table(orders, "2026-01-01"), top=0.2)   # e.g. 0.55
    """
    if not 0 < top <= 1:
        raise ValueError(f"top must be in (0, 1], got {top!r}")
    _require_columns(rfm, (column,), "pareto_share")
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


# --------------------------------------------------------------------------------------------
# cohorts
# --------------------------------------------------------------------------------------------
@dataclass
class CohortRetention:
    """Output of `cohort_retention`.

    matrix: share of the cohort active (cohort x periods since first order, 0..1; NaN where
    the period is not complete by as_of). active: the same as counts. sizes: customers per
    cohort. curves: long form (cohort, periods_since_first, active, cohort_size, retention).
    """

    matrix: pd.DataFrame
    active: pd.DataFrame
    sizes: pd.Series
    curves: pd.DataFrame
    period: str
    as_of: pd.Timestamp
    excluded: dict


def cohort_retention(orders: pd.DataFrame, period: str = "M", as_of=None,
                     include_returned: bool = False) -> CohortRetention:
    """Acquisition-cohort retention: share of each cohort with a counted order k periods later.

    A customer's cohort is the calendar period (month "M", week "W", quarter "Q") of their
    first counted order in `orders`; they are active in a period if they have a counted order
    in it. Period 0 is 1 by construction. Only complete periods (ending on or before as_of)
    are shown; later cells are NaN and cohorts starting in an incomplete period are dropped.

    The matrix itself comes from `ecomkit.kpi.cohort_retention` (chapter 00), run on the
    counted orders of the complete periods; this function adds the counting rule, the
    `as_of` cut, the counts, the long-form curves and the period types.

    Parameters
    ----------
    orders : orders table (counting rule of `rfm_table`).
    period : pandas period alias, "M", "W" or "Q".
    as_of : end of the observation (timestamp); default: midnight after the last order's day,
        i.e. the data are taken to cover whole days.
    include_returned : count returned orders as activity.

    Example:
        cohorts = cohort_retention(orders, period="M")
        cohorts.matrix.iloc[:, :4]
    """
    from ecomkit import kpi

    _require_columns(orders, _ORDER_KEYS, "cohort_retention")
    if as_of is None:
        as_of = pd.to_datetime(orders["order_ts"]).max().normalize() + pd.Timedelta(days=1)
    counted, excluded, as_of = _counted_orders(orders, as_of, include_returned,
                                               "cohort_retention")
    last = pd.Period(as_of, freq=period)
    last_complete = last.ordinal if as_of >= last.end_time else last.ordinal - 1
    # rows of the incomplete period go, and with them the cohorts that start in it
    ordinal = pd.PeriodIndex(counted["order_ts"].dt.to_period(period)).asi8
    rows = counted.loc[ordinal <= last_complete, ["customer_id", "order_ts"]]
    if rows.empty:
        empty = pd.DataFrame(dtype=float)
        return CohortRetention(empty, empty, pd.Series(dtype="int64"), pd.DataFrame(
            columns=["cohort", "periods_since_first", "active", "cohort_size", "retention"]),
            period, as_of, excluded)
    shares = kpi.cohort_retention(rows, period=period)
    sizes = shares.pop("cohort_size").astype("int64")
    index = pd.PeriodIndex(shares.index, freq=period, name="cohort")
    cohorts = index.asi8
    # kpi treats the last period holding an order as the last one observed; as_of may say
    # that later periods are complete too, and there nobody bought: observed zeros, not NaN
    ks = np.arange(int(last_complete - cohorts.min()) + 1)
    observed = (cohorts[:, None] + ks[None, :]) <= last_complete
    matrix = shares.reindex(columns=ks).fillna(0.0).where(observed)
    active = matrix.mul(sizes, axis=0).round()
    for tab in (matrix, active):
        tab.index = index
        tab.columns = pd.Index(ks, name="periods_since_first")
    sizes.index = index
    sizes.name = "cohort_size"
    r, c = np.nonzero(observed)
    curves = pd.DataFrame({
        "cohort": index[r],
        "periods_since_first": ks[c],
        "active": active.to_numpy()[r, c].astype("int64"),
        "cohort_size": sizes.to_numpy()[r],
        "retention": matrix.to_numpy()[r, c],
    })
    return CohortRetention(matrix, active, sizes, curves, period, as_of, excluded)


class NextPeriodRetention(NamedTuple):
    """Per-cohort period-1 retention, its median over cohorts and the pooled rate."""

    per_cohort: pd.Series
    median: float
    pooled: float


def next_period_retention(cohorts) -> NextPeriodRetention:
    """Next-period (e.g. next-month, 次月) retention per cohort, the median, and pooled.

    Parameters
    ----------
    cohorts : a `CohortRetention`, or its ``matrix`` (then ``pooled`` is NaN).

    Returns
    -------
    NextPeriodRetention(per_cohort, median, pooled): per_cohort is column 1 of the matrix
    for the cohorts whose next period is complete; median is the unweighted median over
    cohorts; pooled = customers active in period 1 / customers in those cohorts.

    Example:
        nxt = next_period_retention(cohort_retention(orders))
        nxt.median < 0.40
    """
    matrix = cohorts.matrix if isinstance(cohorts, CohortRetention) else cohorts
    if 1 not in matrix.columns:
        per = pd.Series(dtype=float, name="next_period_retention")
    else:
        per = matrix[1].dropna().rename("next_period_retention")
    pooled = float("nan")
    if isinstance(cohorts, CohortRetention) and len(per):
        pooled = float(cohorts.active.loc[per.index, 1].sum() / cohorts.sizes[per.index].sum())
    median = float(per.median()) if len(per) else float("nan")
    return NextPeriodRetention(per, median, pooled)


# --------------------------------------------------------------------------------------------
# churn
# --------------------------------------------------------------------------------------------
def _data_end(orders: pd.DataFrame, data_end) -> pd.Timestamp:
    if data_end is not None:
        return _as_timestamp(data_end, "data_end")
    return pd.to_datetime(orders["order_ts"]).max().normalize() + pd.Timedelta(days=1)


def churn_labels(orders: pd.DataFrame, cutoff, window_days: int = 90,
                 include_returned: bool = False, data_end=None) -> pd.Series:
    """Churn label per customer: True when no counted order in (cutoff, cutoff + window].

    Only customers with a counted order at or before `cutoff` are labelled. The window must
    lie inside the data: ``cutoff + window_days <= data_end`` (default: midnight after the last
    order's day), else the label would be censored and a ValueError is raised.

    Parameters
    ----------
    cutoff : timestamp; the window is half-open on the left, closed on the right.
    window_days : length of the look-ahead window in days.

    Example:
        churn_labels(orders, cutoff="2025-06-30", window_days=90).mean()   # churn rate
    """
    _require_columns(orders, _ORDER_KEYS, "churn_labels")
    cutoff = _as_timestamp(cutoff, "cutoff")
    if window_days <= 0:
        raise ValueError(f"window_days must be positive, got {window_days!r}")
    horizon = cutoff + pd.Timedelta(days=window_days)
    end = _data_end(orders, data_end)
    if horizon > end:
        raise ValueError(
            f"churn window ({cutoff.date()}, {horizon.date()}] runs past the end of the data "
            f"({end}); move the cutoff back by at least {(horizon - end).days} days"
        )
    before, _, _ = _counted_orders(orders, cutoff, include_returned, "churn_labels")
    upto, _, _ = _counted_orders(orders, horizon, include_returned, "churn_labels")
    future = upto.loc[upto["order_ts"] > cutoff, "customer_id"].unique()
    known = pd.Index(np.sort(before["customer_id"].unique()), name="customer_id")
    return pd.Series(~known.isin(future), index=known, name="churned")


def churn_dataset(orders: pd.DataFrame, cutoff, window_days: int = 90,
                  customers: pd.DataFrame | None = None, include_returned: bool = False,
                  data_end=None) -> pd.DataFrame:
    """Features as of `cutoff` (from orders up to it) plus the churn label of the next window.

    Parameters
    ----------
    orders, customers : as for `customer_features`.
    cutoff : timestamp; features use orders with order_ts <= cutoff.
    window_days : churned = no counted order in (cutoff, cutoff + window_days].

    Returns
    -------
    `customer_features` as of cutoff with an int column ``churned`` (1 = churned), for the
    customers active up to cutoff. attrs: cutoff, window_days, churn_rate.

    Example:
        train = churn_dataset(orders, cutoff="2025-03-31", window_days=90)
    """
    labels = churn_labels(orders, cutoff, window_days, include_returned, data_end)
    feats = customer_features(orders, cutoff, customers, include_returned)
    data = feats.join(labels.astype("int64"))
    data.attrs = {**feats.attrs, "cutoff": _as_timestamp(cutoff, "cutoff").isoformat(),
                  "window_days": int(window_days),
                  "churn_rate": float(data["churned"].mean()) if len(data) else float("nan")}
    return data


def churn_time_split(orders: pd.DataFrame, test_cutoff, window_days: int = 90,
                     customers: pd.DataFrame | None = None, train_cutoff=None,
                     include_returned: bool = False, data_end=None):
    """Train and test churn datasets on a time split (no look-ahead).

    The training cutoff defaults to ``test_cutoff - window_days``, so the training labels end
    exactly where the test features begin; an earlier train_cutoff is allowed, a later one
    (labels overlapping the test period) raises.

    Returns
    -------
    (train, test) as from `churn_dataset`.

    Example:
        train, test = churn_time_split(orders, test_cutoff="2025-09-30", window_days=90)
    """
    test_cutoff = _as_timestamp(test_cutoff, "test_cutoff")
    window = pd.Timedelta(days=window_days)
    train_cutoff = (test_cutoff - window if train_cutoff is None
                    else _as_timestamp(train_cutoff, "train_cutoff"))
    if train_cutoff + window > test_cutoff:
        raise ValueError(
            f"training labels run to {(train_cutoff + window).date()}, after the test cutoff "
            f"{test_cutoff.date()}: use train_cutoff <= {(test_cutoff - window).date()}"
        )
    train = churn_dataset(orders, train_cutoff, window_days, customers, include_returned,
                          data_end)
    test = churn_dataset(orders, test_cutoff, window_days, customers, include_returned,
                         data_end)
    return train, test


def fit_churn_models(train: pd.DataFrame, seed: int = 0, features=None,
                     label: str = "churned") -> dict:
    """Fit a scaled logistic regression and a gradient-boosted tree ensemble for churn.

    Parameters
    ----------
    train : output of `churn_dataset` at the training cutoff.
    seed : random seed for the tree ensemble.
    features : columns to use (default: every numeric column except the label).

    Returns
    -------
    dict name -> fitted scikit-learn estimator: "logistic_regression" (log1p on skewed
    columns, standardised, LogisticRegression) and "gradient_boosting"
    (HistGradientBoostingClassifier). Each knows its columns as ``feature_names_in_``.

    Example:
        models = fit_churn_models(train, seed=0)
    """
    _require_columns(train, (label,), "fit_churn_models")
    features = list(features) if features is not None else _numeric_columns(train, (label,))
    y = train[label].astype(int).to_numpy()
    if len(np.unique(y)) < 2:
        raise ValueError("fit_churn_models: the training labels have a single class")
    X = train[features].astype(float)
    logged = [c for c in LOG_COLUMNS if c in features]
    rest = [c for c in features if c not in logged]
    log1p = FunctionTransformer(_log1p_clipped, feature_names_out="one-to-one")
    logistic = Pipeline([
        ("log", ColumnTransformer([("log1p", log1p, logged), ("keep", "passthrough", rest)])),
        ("scale", StandardScaler()),
        ("model", LogisticRegression(max_iter=2000)),
    ])
    boosting = HistGradientBoostingClassifier(random_state=seed)
    return {"logistic_regression": logistic.fit(X, y), "gradient_boosting": boosting.fit(X, y)}


def churn_scores(models: dict, data: pd.DataFrame) -> pd.DataFrame:
    """Predicted churn probability per model plus the recency baseline, per customer.

    Columns missing in `data` (e.g. a channel that did not exist at that cutoff) are filled
    with 0. The baseline ``recency_baseline`` is recency_days itself (longer silence = more
    likely gone): the honest yardstick a model has to beat.

    Example:
        churn_scores(models, test).head()
    """
    out = pd.DataFrame(index=data.index)
    for name, model in models.items():
        cols = list(model.feature_names_in_)
        X = data.reindex(columns=cols, fill_value=0.0).astype(float)
        out[name] = model.predict_proba(X)[:, 1]
    out["recency_baseline"] = data["recency_days"].astype(float)
    return out


def churn_report(models: dict, test: pd.DataFrame, label: str = "churned",
                 n_bins: int = 10) -> pd.DataFrame:
    """ROC AUC, average precision and top-decile lift per model and the recency baseline.

    Parameters
    ----------
    models : output of `fit_churn_models`.
    test : `churn_dataset` at a later cutoff than the training data.

    Returns
    -------
    DataFrame indexed by model (the models, then "recency_baseline") with roc_auc,
    average_precision, top_decile_lift (churn rate in the riskiest tenth / overall rate),
    customers and churn_rate.

    Example:
        churn_report(fit_churn_models(train), test)
    """
    _require_columns(test, (label, "recency_days"), "churn_report")
    y = test[label].astype(int).to_numpy()
    if len(np.unique(y)) < 2:
        raise ValueError("churn_report: the test labels have a single class; AUC is undefined")
    scores = churn_scores(models, test)
    rows = {}
    for name in scores.columns:
        s = scores[name].to_numpy()
        lift = lift_table(y, s, n_bins=n_bins)
        rows[name] = {
            "roc_auc": float(roc_auc_score(y, s)),
            "average_precision": float(average_precision_score(y, s)),
            "top_decile_lift": float(lift["lift"].iloc[0]),
            "customers": int(len(y)),
            "churn_rate": float(y.mean()),
        }
    report = pd.DataFrame.from_dict(rows, orient="index")
    report.index.name = "model"
    return report


def lift_table(y, score, n_bins: int = 10) -> pd.DataFrame:
    """Lift by score bin: bin 1 holds the highest scores.

    Customers are ranked by score (descending; ties broken by input order, earlier first)
    and cut into `n_bins` groups whose sizes differ by at most one.

    Parameters
    ----------
    y : 0/1 outcomes (1 = churned).
    score : higher = more likely 1.

    Returns
    -------
    DataFrame indexed by bin (1..n_bins) with customers, positives, rate, lift (rate /
    overall rate), cum_customers, cum_positives, cum_capture (share of all positives found
    so far, ends at 1) and cum_lift.

    Example:
        lift_table(test["churned"], scores["gradient_boosting"])
    """
    y = np.asarray(y, dtype=float)
    score = np.asarray(score, dtype=float)
    if len(y) != len(score):
        raise ValueError(f"{len(y)} outcomes for {len(score)} scores")
    if len(y) < n_bins:
        raise ValueError(f"lift_table: {len(y)} customers cannot fill {n_bins} bins")
    # rank bins on the negated score, input position as the tie key -> bin n_bins = riskiest
    rank_bin = _rank_bins(-score, np.arange(len(y)), n_bins)
    frame = pd.DataFrame({"bin": rank_bin, "y": y})
    g = frame.groupby("bin")["y"]
    table = pd.DataFrame({"customers": g.size(), "positives": g.sum()})
    table = table.reindex(range(1, n_bins + 1), fill_value=0)
    table.index.name = "bin"
    base = y.mean()
    table["rate"] = table["positives"] / table["customers"]
    table["lift"] = table["rate"] / base if base else np.nan
    table["cum_customers"] = table["customers"].cumsum()
    table["cum_positives"] = table["positives"].cumsum()
    total = table["positives"].sum()
    table["cum_capture"] = table["cum_positives"] / total if total else np.nan
    table["cum_lift"] = (table["cum_positives"] / table["cum_customers"]) / base if base else np.nan
    return table


# --------------------------------------------------------------------------------------------
# checking a ranking against known values (the demo shop's truth)
# --------------------------------------------------------------------------------------------
def rank_correlation(score, value, z: float = 3.0) -> dict:
    """Spearman rank correlation between a score and a value, with a Fisher-z interval.

    The interval is ``tanh(atanh(rho) -/+ z * se)`` with ``se = sqrt((1 + rho**2 / 2) / (n - 3))``,
    the Bonett-Wright standard error of the Fisher-transformed Spearman coefficient (about
    ``1 / sqrt(n - 3)`` when rho is small). ``z = 3`` gives a two-sided 99.7% interval.

    Parameters
    ----------
    score : per-customer score (e.g. rfm_score); any order-able numbers.
    value : per-customer value (e.g. true expected future spend, CNY), same length and order.
    z : half-width of the interval in standard errors.

    Returns
    -------
    dict with rho, n, se_z (standard error on the Fisher z scale), lower, upper.

    Example:
        rank_correlation(scores["rfm_score"], future_value)["lower"] > 0
    """
    from scipy.stats import spearmanr

    score = np.asarray(score, dtype=float)
    value = np.asarray(value, dtype=float)
    if score.shape != value.shape:
        raise ValueError(f"{len(score)} scores for {len(value)} values")
    keep = np.isfinite(score) & np.isfinite(value)
    n = int(keep.sum())
    if n < 4:
        raise ValueError(f"rank_correlation needs at least 4 complete pairs, got {n}")
    rho = float(spearmanr(score[keep], value[keep]).statistic)
    se_z = math.sqrt((1 + rho**2 / 2) / (n - 3))
    centre = math.atanh(max(min(rho, 1 - 1e-12), -1 + 1e-12))
    return {"rho": rho, "n": n, "se_z": se_z,
            "lower": math.tanh(centre - z * se_z), "upper": math.tanh(centre + z * se_z)}


def segment_value_share(segments, value, segment: str = "important_value",
                        n_boot: int = 500, seed: int = 0) -> dict:
    """Share of customers and share of `value` held by one segment, with bootstrap errors.

    Customers are resampled with replacement `n_boot` times (segment labels held fixed); the
    standard errors are the standard deviations of the resampled shares, ratio and difference.

    Parameters
    ----------
    segments : output of `rfm_segments` (or a Series of segment codes) indexed by customer_id.
    value : Series of per-customer value (CNY) indexed by customer_id; customers missing from
        it raise.
    segment : the segment code to measure (default the top segment, important_value).
    n_boot : bootstrap resamples. seed : random seed of the resampling.

    Returns
    -------
    dict with customers, customer_share, value_share, ratio (value_share / customer_share),
    difference (value_share - customer_share) and se_customer_share, se_value_share, se_ratio,
    se_difference.

    Example:
        segment_value_share(rfm_segments(rfm), future_value)["ratio"]   # e.g. 3.2
    """
    seg = segments["segment"] if isinstance(segments, pd.DataFrame) else pd.Series(segments)
    val = pd.Series(value).reindex(seg.index)
    if val.isna().any():
        raise ValueError(f"value is missing for {int(val.isna().sum())} customers of the segments")
    inside = (seg == segment).to_numpy()
    v = val.to_numpy(dtype=float)
    if not inside.any():
        raise ValueError(f"segment {segment!r} has no customers")
    if v.sum() <= 0:
        raise ValueError("the values sum to zero or less; shares are undefined")

    def shares(ins, vals):
        c = ins.mean()
        s = vals[ins].sum() / vals.sum()
        return c, s

    c, s = shares(inside, v)
    rng = np.random.default_rng(seed)
    boot = np.empty((int(n_boot), 2))
    n = len(v)
    for b in range(int(n_boot)):
        idx = rng.integers(0, n, size=n)
        boot[b] = shares(inside[idx], v[idx])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = boot[:, 1] / boot[:, 0]
    # a resample without any customer of a tiny segment has no ratio: leave it out
    ratios = ratios[np.isfinite(ratios)]
    return {
        "segment": segment, "customers": int(inside.sum()),
        "customer_share": float(c), "value_share": float(s),
        "ratio": float(s / c), "difference": float(s - c),
        "se_customer_share": float(boot[:, 0].std(ddof=1)),
        "se_value_share": float(boot[:, 1].std(ddof=1)),
        "se_ratio": float(ratios.std(ddof=1)) if len(ratios) > 1 else float("nan"),
        "se_difference": float((boot[:, 1] - boot[:, 0]).std(ddof=1)),
    }


# --------------------------------------------------------------------------------------------
# plots (English labels only; each takes an optional ax and returns it)
# --------------------------------------------------------------------------------------------
def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(8, 5))
    return ax


def _percent_axis(ax, axis="y"):
    from ecomkit.viz import format_percent

    format_percent(ax, axis)


_PERIOD_WORDS = {"M": "month", "W": "week", "Q": "quarter", "D": "day", "Y": "year"}


def plot_segments(summary: pd.DataFrame, ax=None):
    """Bar chart of each segment's share of customers beside its share of revenue.

    Parameters
    ----------
    summary : output of `segment_summary`.

    Example:
        plot_segments(segment_summary(rfm_segments(rfm)))
    """
    import seaborn as sns

    ax = _axes(ax)
    long = summary.melt(id_vars=["label"], value_vars=["customer_share", "revenue_share"],
                        var_name="measure", value_name="share")
    long["measure"] = long["measure"].map({"customer_share": "Customers",
                                           "revenue_share": "Revenue (net spend)"})
    sns.barplot(data=long, y="label", x="share", hue="measure", orient="h", ax=ax)
    _percent_axis(ax, "x")
    ax.set_xlabel("Share of total (%)")
    ax.set_ylabel("RFM segment")
    ax.set_title("Customers vs revenue by RFM segment")
    ax.legend(title="")
    return ax


def plot_rfm_heatmap(scores: pd.DataFrame, value: str = "monetary", ax=None):
    """Heatmap of the mean of `value` (default net spend, CNY) by R score x F score.

    Example:
        plot_rfm_heatmap(rfm_scores(rfm))
    """
    import seaborn as sns

    ax = _axes(ax)
    bins = int(scores.attrs.get("bins", max(scores["R"].max(), scores["F"].max())))
    grid = scores.pivot_table(index="R", columns="F", values=value, aggfunc="mean")
    grid = grid.reindex(index=range(bins, 0, -1), columns=range(1, bins + 1))
    unit = "Mean net spend (CNY)" if value == "monetary" else f"Mean {value}"
    sns.heatmap(grid, annot=True, fmt=".0f", cmap="Blues", ax=ax, cbar_kws={"label": unit})
    ax.set_xlabel(f"F score (1-{bins}, {bins} = most frequent)")
    ax.set_ylabel(f"R score (1-{bins}, {bins} = most recent)")
    ax.set_title(f"{unit} by recency and frequency score")
    return ax


def plot_personas(features: pd.DataFrame, labels, columns=None, ax=None, names=None):
    """Heatmap of each cluster's standardised feature profile (SD from the average customer).

    Parameters
    ----------
    features, labels, columns : as for `persona_profile`.
    names : optional mapping cluster -> persona name for the row labels
        (e.g. ``persona_table(...)["name"]``).

    Example:
        plot_personas(feats, result.labels, names=persona_table(feats, result.labels)["name"])
    """
    import seaborn as sns

    ax = _axes(ax)
    profile = persona_profile(features, labels, columns)
    if names is not None:
        profile.index = [f"{c}: {dict(names).get(c, '')}".rstrip(": ") for c in profile.index]
    lim = max(1.0, float(np.nanmax(np.abs(profile.to_numpy()))) if profile.size else 1.0)
    sns.heatmap(profile, center=0, vmin=-lim, vmax=lim, cmap="vlag",
                annot=profile.shape[1] <= 14, fmt=".1f", ax=ax,
                cbar_kws={"label": "Difference from average customer (SD)"})
    ax.set_xlabel("Feature (log scale for recency, frequency, spend)")
    ax.set_ylabel("Cluster (persona)")
    ax.set_title("Persona profiles")
    return ax


def plot_silhouette(result: ClusterResult, ax=None):
    """Silhouette score against the number of clusters k, the chosen k marked.

    Example:
        plot_silhouette(cluster_customers(feats, seed=0))
    """
    ax = _axes(ax)
    sil = result.silhouette.dropna()
    ax.plot(sil.index, sil.to_numpy(), marker="o", lw=1.5)
    if result.k in sil.index:
        ax.plot([result.k], [sil[result.k]], marker="o", ms=12, mfc="none", mec="C3", mew=2,
                ls="none", label=f"chosen k = {result.k}")
        ax.legend()
    ax.set_xticks(list(sil.index))
    ax.set_xlabel("Number of clusters k")
    ax.set_ylabel("Silhouette score (-1 to 1, higher = better separated)")
    ax.set_title("How well separated are the clusters?")
    return ax


def plot_pareto(rfm: pd.DataFrame, top: float = 0.2, column: str = "monetary", ax=None):
    """Cumulative share of spend against share of customers ranked by spend (Pareto curve).

    Example:
        plot_pareto(rfm, top=0.2)
    """
    ax = _axes(ax)
    curve = pareto_curve(rfm, column)
    share = pareto_share(rfm, top, column)
    ax.plot(curve["customer_share"], curve["revenue_share"], lw=2, label="This shop")
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="Everyone spends the same")
    ax.axvline(top, color="grey", lw=0.8)
    ax.annotate(f"top {top:.0%}: {share:.0%} of spend", (top, share),
                xytext=(8, -14), textcoords="offset points")
    _percent_axis(ax, "x")
    _percent_axis(ax, "y")
    ax.set_xlabel("Customers ranked by net spend (% of customers)")
    ax.set_ylabel("Cumulative net spend (% of total CNY)")
    ax.set_title("Pareto curve of customer spend")
    ax.legend(loc="lower right")
    return ax


def plot_cohort_heatmap(cohorts, ax=None, max_periods: int | None = None):
    """Heatmap of cohort retention (share of each acquisition cohort active k periods later).

    Parameters
    ----------
    cohorts : a `CohortRetention` (or its matrix).
    max_periods : show periods 0..max_periods only.

    Example:
        plot_cohort_heatmap(cohort_retention(orders), max_periods=12)
    """
    import seaborn as sns

    ax = _axes(ax)
    matrix = cohorts.matrix if isinstance(cohorts, CohortRetention) else cohorts
    freq = cohorts.period if isinstance(cohorts, CohortRetention) else "M"
    word = _PERIOD_WORDS.get(str(freq)[:1].upper(), "period")
    if max_periods is not None:
        matrix = matrix.loc[:, [c for c in matrix.columns if c <= max_periods]]
    from matplotlib.ticker import PercentFormatter

    shown = matrix.copy()
    shown.index = [str(p) for p in shown.index]
    # period 0 is 100% by definition; scale the colours to the later periods
    later = shown.iloc[:, 1:].to_numpy(dtype=float)
    vmax = float(np.nanmax(later)) if later.size and np.isfinite(later).any() else 1.0
    sns.heatmap(shown, cmap="YlGnBu", vmin=0, vmax=vmax or 1.0,
                annot=shown.shape[0] <= 12 and shown.shape[1] <= 13, fmt=".0%", ax=ax,
                cbar_kws={"label": "Customers active (% of cohort)",
                          "format": PercentFormatter(1.0)})
    ax.set_xlabel(f"{word.capitalize()}s since first order")
    ax.set_ylabel(f"Acquisition cohort (first-order {word})")
    ax.set_title("Cohort retention")
    return ax


def plot_retention_curves(cohorts: CohortRetention, ax=None, reference: float | None = None):
    """Retention curve of every cohort (thin) and of all cohorts pooled (thick).

    Parameters
    ----------
    cohorts : a `CohortRetention`.
    reference : optional horizontal reference line (e.g. 0.40 for the handbooks' claim).

    Example:
        plot_retention_curves(cohort_retention(orders), reference=0.40)
    """
    import seaborn as sns

    ax = _axes(ax)
    curves = cohorts.curves.assign(cohort=lambda d: d["cohort"].astype(str))
    word = _PERIOD_WORDS.get(str(cohorts.period)[:1].upper(), "period")
    sns.lineplot(data=curves, x="periods_since_first", y="retention", units="cohort",
                 estimator=None, color="grey", alpha=0.35, lw=0.8, ax=ax)
    pooled = curves.groupby("periods_since_first")[["active", "cohort_size"]].sum()
    ax.plot(pooled.index, pooled["active"] / pooled["cohort_size"], color="C0", lw=2.5,
            label="All cohorts pooled")
    if reference is not None:
        ax.axhline(reference, color="C3", ls="--", lw=1, label=f"Reference {reference:.0%}")
    _percent_axis(ax, "y")
    ax.set_xlabel(f"{word.capitalize()}s since first order")
    ax.set_ylabel("Customers active (% of cohort)")
    ax.set_title("Retention curves by acquisition cohort")
    ax.legend()
    return ax


def plot_churn_lift(lift, ax=None):
    """Bar chart of churn lift by risk bin for one or several scores.

    Parameters
    ----------
    lift : a `lift_table`, or a dict name -> lift_table (e.g. each model and the baseline).

    Example:
        plot_churn_lift({n: lift_table(test["churned"], s) for n, s in churn_scores(m, test).items()})
    """
    import seaborn as sns

    ax = _axes(ax)
    tables = lift if isinstance(lift, dict) else {"score": lift}
    long = pd.concat(
        [t[["lift"]].reset_index().assign(model=name) for name, t in tables.items()],
        ignore_index=True,
    )
    sns.barplot(data=long, x="bin", y="lift", hue="model", ax=ax)
    ax.axhline(1.0, color="grey", ls="--", lw=1)
    ax.set_xlabel("Risk bin (1 = highest predicted churn risk)")
    ax.set_ylabel("Lift (bin churn rate / overall churn rate, x)")
    ax.set_title("Churn lift by risk bin")
    if not isinstance(lift, dict):
        ax.get_legend().remove()
    return ax
