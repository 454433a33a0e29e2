"""The eight classic RFM segments (重要价值客户 ... 一般挽留客户): what each is offered, and their sizes.

Example:
    seg = rfm_segments(rfm_table(orders, as_of="2026-01-01"))
    segment_summary(seg)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecomkit.profiling.counting import require_columns

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
    rfm : output of `rfm_table` or `rfm_scores` (recency_days in days, monetary in the orders' currency).
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
    require_columns(rfm, ("recency_days", "frequency", "monetary"), "rfm_segments")
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
    revenue (sum of monetary, in the orders' currency), revenue_share (0..1), mean_recency_days, mean_frequency,
    mean_monetary (orders' currency). Empty segments have 0 customers and missing means.

    Example:
        segment_summary(rfm_segments(rfm))[["customers", "revenue_share"]]
    """
    require_columns(segmented, ("segment", "recency_days", "frequency", "monetary"),
                    "segment_summary")
    by_segment = segmented.groupby("segment")
    summary = pd.DataFrame(
        {
            "customers": by_segment.size(),
            "revenue": by_segment["monetary"].sum(),
            "mean_recency_days": by_segment["recency_days"].mean(),
            "mean_frequency": by_segment["frequency"].mean(),
            "mean_monetary": by_segment["monetary"].mean(),
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



def segment_actions(summary: pd.DataFrame, min_share: float = 0.01) -> pd.DataFrame:
    """The action table for this data: each segment's size and value beside its action, and whether to run it.

    Parameters
    ----------
    summary : output of `segment_summary` (customers, customer_share, revenue_share, mean_monetary).
    min_share : smallest share of customers (0..1) for which a segment gets a campaign of its own;
        a smaller segment's response could not be measured apart from chance.

    Returns
    -------
    DataFrame indexed by segment (canonical order) with label, segment_cn, customers, customer_share,
    revenue_share, value_index (revenue_share / customer_share: 2 means the segment spends twice its
    head-count share), mean_monetary (orders' currency), who, action, cost_per_contact, handbooks and
    ``decision``: "run" (at least `min_share` of customers), "too few customers" (fewer, but some) or
    "empty" (none).

    Example:
        segment_actions(segment_summary(rfm_segments(rfm)), min_share=0.01)
    """
    require_columns(summary, ("customers", "customer_share", "revenue_share", "mean_monetary"), "segment_actions")
    if not 0 <= min_share < 1:
        raise ValueError(f"min_share must be in [0, 1), got {min_share!r}")
    table = SEGMENT_ACTIONS.set_index("segment")
    sizes = summary.reindex(table.index)
    out = table[["label", "segment_cn"]].copy()
    out["customers"] = sizes["customers"].fillna(0).astype("int64")
    out["customer_share"] = sizes["customer_share"].fillna(0.0)
    out["revenue_share"] = sizes["revenue_share"].fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value_index"] = (out["revenue_share"] / out["customer_share"]).where(out["customers"] > 0)
    out["mean_monetary"] = sizes["mean_monetary"]
    out = out.join(table[["who", "action", "cost_per_contact", "handbooks"]])
    out["decision"] = np.select([out["customers"] == 0, out["customer_share"] < min_share],
                                ["empty", "too few customers"], "run")
    return out
