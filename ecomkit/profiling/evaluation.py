"""Checking a ranking against known values (the demo shop's truth): a rank correlation with its
interval, and one segment's share of value against its share of customers.

Example:
    rank_correlation(scores["rfm_score"], future_value)["lower"] > 0
    segment_value_share(rfm_segments(rfm), future_value)["ratio"]
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def rank_correlation(score, value, z: float = 3.0) -> dict:
    """Spearman rank correlation between a score and a value, with a Fisher-z interval.

    The interval is ``tanh(atanh(rho) -/+ z * se)`` with ``se = sqrt((1 + rho**2 / 2) / (n - 3))``,
    the Bonett-Wright standard error of the Fisher-transformed Spearman coefficient (about
    ``1 / sqrt(n - 3)`` when rho is small). ``z = 3`` gives a two-sided 99.7% interval.

    Parameters
    ----------
    score : per-customer score (e.g. rfm_score); any order-able numbers.
    value : per-customer value (e.g. true expected future spend, in the orders' currency), same length and order.
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
    complete = np.isfinite(score) & np.isfinite(value)
    n = int(complete.sum())
    if n < 4:
        raise ValueError(f"rank_correlation needs at least 4 complete pairs, got {n}")
    rho = float(spearmanr(score[complete], value[complete]).statistic)
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
    value : Series of per-customer value (an amount) indexed by customer_id; customers missing from
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
