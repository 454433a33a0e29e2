"""Personas: k-means clusters of customers, their standardised profiles and short names, and how they
line up with the RFM segments.

Example:
    feats = customer_features(orders, as_of="2026-01-01")
    result = cluster_customers(feats, seed=0)
    persona_table(feats, result.labels)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.preprocessing import StandardScaler

from ecomkit.profiling.counting import require_columns
from ecomkit.profiling.features import LOG_COLUMNS, _to_flag, model_matrix, numeric_columns
from ecomkit.profiling.segments import SEGMENTS

#: Customers above which k-means and the churn models are fitted on a seeded random sample of this size.
FIT_SAMPLE = 200_000

#: Customers-table columns that describe who a persona's customers are (not used for clustering by default).
ATTRIBUTE_COLUMNS = ("member", "age_band", "city_tier")


def _aligned_labels(features: pd.DataFrame, labels) -> pd.Series:
    """Cluster labels as an int Series indexed like ``features`` (from a Series or an array in row order)."""
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


@dataclass
class ClusterResult:
    """Output of `cluster_customers`.

    labels: cluster per customer (0 = largest cluster), indexed like the features.
    k: number of clusters used. silhouette / inertia: per k tried (index k).
    columns / log_columns: the inputs and which were log1p-transformed.
    model, scaler: the fitted KMeans and StandardScaler (to place new customers).
    fit_rows: customers k-means was fitted on; sampled: True when that was a seeded random sample
    (every customer is then labelled with ``model.predict``).
    sample_agreement: with a sampled fit, the adjusted Rand index between these labels and those of
    the same k fitted on a second, independent sample (1 = the sample does not change who is in
    which persona); None without sampling.
    """

    labels: pd.Series
    k: int
    silhouette: pd.Series
    inertia: pd.Series
    columns: list
    log_columns: list
    model: KMeans
    scaler: StandardScaler
    fit_rows: int = 0
    sampled: bool = False
    sample_agreement: float | None = None


def cluster_customers(
    features: pd.DataFrame, k: int | None = None, k_range=range(2, 9), seed: int = 0,
    sample_size: int = 3000, columns=None, log_columns=LOG_COLUMNS, n_init: int = 4,
    fit_sample: int | None = FIT_SAMPLE,
) -> ClusterResult:
    """k-means on standardised features, with k chosen by silhouette when not given.

    Skewed columns (`log_columns`, those present) are log1p-transformed, then every column
    is z-scored. With ``k=None`` each k in `k_range` is fitted and the k with the highest
    silhouette wins (silhouette on a random sample of `sample_size` customers for speed).
    Clusters are relabelled by size: 0 is the largest.

    Parameters
    ----------
    features : per-customer numeric table, e.g. `customer_features` (days, counts, amounts, shares).
    k : number of clusters, or None to choose from `k_range`.
    seed : random seed for k-means initialisation and the silhouette sample.
    sample_size : customers used for each silhouette score.
    columns : columns to cluster on (default: every numeric column).
    fit_sample : above this many customers, k-means (every k tried) is fitted on a random sample
        of this size drawn with `seed`, every customer is then labelled with ``model.predict``,
        and the best k is refitted on a second sample to measure how much the sample matters
        (``sample_agreement``). None fits on every customer whatever their number.

    Example:
        result = cluster_customers(customer_features(orders, "2026-01-01"), seed=0)
        result.k, result.silhouette
    """
    columns = list(columns) if columns is not None else numeric_columns(features)
    if not columns:
        raise ValueError("cluster_customers: no numeric feature columns")
    logged = [c for c in log_columns if c in columns]
    X_df = model_matrix(features, columns, logged)
    scaler = StandardScaler().fit(X_df.to_numpy())
    X = scaler.transform(X_df.to_numpy())
    n = len(X)
    ks = [int(k)] if k is not None else [int(x) for x in k_range if 2 <= x < n]
    if not ks or (k is not None and not 1 <= k < n):
        raise ValueError(f"cannot form {k if k is not None else list(k_range)} clusters "
                         f"from {n} customers")
    sampled = fit_sample is not None and n > int(fit_sample)
    if sampled and int(fit_sample) <= max(ks):
        raise ValueError(f"fit_sample={fit_sample} customers cannot form {max(ks)} clusters")
    rng = np.random.default_rng(seed)
    # a seeded sample, kept in the customers' order; below the threshold every customer is used
    X_fit = X[np.sort(rng.choice(n, size=int(fit_sample), replace=False))] if sampled else X
    sample = min(sample_size, len(X_fit))
    sil, inertia, models = {}, {}, {}
    for kk in ks:
        km = KMeans(n_clusters=kk, n_init=n_init, random_state=seed).fit(X_fit)
        models[kk], inertia[kk] = km, float(km.inertia_)   # inertia of the fitted rows
        if kk >= 2 and len(np.unique(km.labels_)) > 1:
            sil[kk] = float(silhouette_score(X_fit, km.labels_, sample_size=sample,
                                             random_state=seed))
        else:
            sil[kk] = np.nan
    sil_s = pd.Series(sil, name="silhouette").rename_axis("k")
    if k is None and sil_s.isna().all():
        raise ValueError(f"cluster_customers: no k in {ks} splits the {n} customers into distinct groups "
                         "(their features are all alike)")
    best = ks[0] if k is not None else int(sil_s.idxmax())
    km = models[best]
    raw = km.predict(X) if sampled else km.labels_
    agreement = None
    if sampled:
        # the sampling error of the personas: the same k on a second, independent sample
        other = np.sort(rng.choice(n, size=int(fit_sample), replace=False))
        again = KMeans(n_clusters=best, n_init=n_init, random_state=seed).fit(X[other])
        agreement = float(adjusted_rand_score(raw, again.predict(X)))
    # relabel by size so label 0 is the largest cluster (stable across runs and machines)
    counts = np.bincount(raw, minlength=best)
    order = np.argsort(-counts, kind="stable")
    relabel = np.empty(best, dtype=np.int64)
    relabel[order] = np.arange(best)
    labels = pd.Series(relabel[raw], index=features.index, name="cluster")
    return ClusterResult(labels=labels, k=best, silhouette=sil_s,
                         inertia=pd.Series(inertia, name="inertia").rename_axis("k"),
                         columns=columns, log_columns=logged, model=km, scaler=scaler,
                         fit_rows=len(X_fit), sampled=sampled, sample_agreement=agreement)


def persona_profile(features: pd.DataFrame, labels, columns=None,
                    log_columns=LOG_COLUMNS) -> pd.DataFrame:
    """Standardised mean difference of each feature per cluster (cluster x feature, in SD).

    Each column is log1p-transformed if skewed (`log_columns`), z-scored over all customers,
    and averaged within each cluster: +1 means the cluster sits one standard deviation above
    the average customer. Constant columns give 0.

    Example:
        persona_profile(feats, result.labels).round(1)
    """
    columns = list(columns) if columns is not None else numeric_columns(features)
    lab = _aligned_labels(features, labels)
    X = model_matrix(features, columns, [c for c in log_columns if c in columns])
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
    features : per-customer table (as passed to `cluster_customers`); monetary in the orders' currency.
    labels : cluster per customer (Series indexed like features, or an array in row order).
    top : how many distinguishing features to list (largest |standardised difference|).
    min_difference : features closer than this to the average (in SD) do not name a persona;
        a cluster with none is called "typical". The name uses the two largest differences,
        skipping below-average channel/category shares (they restate another share).

    Returns
    -------
    DataFrame indexed by cluster with customers, customer_share (0..1), revenue (orders' currency),
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



def persona_attributes(labels: pd.Series, customers: pd.DataFrame, columns=ATTRIBUTE_COLUMNS) -> pd.DataFrame:
    """Who each persona's customers are, from the customers table: membership, age band, city tier.

    Parameters
    ----------
    labels : cluster per customer, a Series indexed by customer_id (e.g. ``ClusterResult.labels``).
    customers : customers table with ``customer_id`` and any of `columns` (``member`` yes/no,
        ``age_band`` text, ``city_tier`` 1 = largest cities ... 5).
    columns : the attribute columns to describe, those present are used.

    Returns
    -------
    DataFrame indexed by cluster with customers (in the cluster), matched (found in the customers
    table), and per attribute present: member_share (0..1 of matched customers with a member value),
    top_age_band with top_age_band_share (0..1), mean_city_tier. ``attrs["columns"]`` lists the
    attributes used; none present gives the two count columns only.

    Example:
        persona_attributes(cluster_customers(feats).labels, customers)
    """
    require_columns(customers, ("customer_id",), "persona_attributes(customers)")
    lab = pd.Series(labels).astype("int64").rename("cluster")
    used = [c for c in columns if c in customers.columns]
    cust = customers.drop_duplicates("customer_id").set_index("customer_id").reindex(lab.index)
    matched = cust.index.isin(customers["customer_id"])
    table = pd.DataFrame({"customers": lab.value_counts().sort_index(),
                          "matched": pd.Series(matched, index=lab.index).groupby(lab).sum()})
    table.index.name = "cluster"
    if "member" in used:
        member = _to_flag(cust["member"]).where(cust["member"].notna())
        table["member_share"] = member.groupby(lab).mean()
    if "age_band" in used:
        band = cust["age_band"].where(cust["age_band"].notna()).astype("string")
        counts = band.groupby(lab).value_counts()
        if len(counts):
            top = counts.groupby(level=0).idxmax().map(lambda pair: pair[1])
            table["top_age_band"] = top
            table["top_age_band_share"] = counts.groupby(level=0).max() / counts.groupby(level=0).sum()
        else:
            table["top_age_band"], table["top_age_band_share"] = pd.NA, np.nan
    if "city_tier" in used:
        table["mean_city_tier"] = pd.to_numeric(cust["city_tier"], errors="coerce").groupby(lab).mean()
    table.attrs = {"columns": used}
    return table
