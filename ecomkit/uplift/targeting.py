"""Targeting: the expected incremental profit of sending the coupon to the top k% of a ranking, and the
best k.

The profit formula and the choice of the value of an extra buyer are written out in docs/uplift.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecomkit.uplift.inputs import require_both_groups, treatment_flags

__all__ = ["targeting_profit_curve", "optimal_targeting"]


def _totals_of_first_rows(values: np.ndarray) -> np.ndarray:
    """The sums of the first 0, 1, ..., n values (so index ``m`` is the total of the top ``m`` rows)."""
    return np.r_[0.0, np.cumsum(values)]


def targeting_profit_curve(frame: pd.DataFrame, score, margin: float, coupon_cost: float, *,
                           value_per_conversion: float | None = None, steps: int = 20, treatment: str = "treatment",
                           converted: str = "converted", revenue: str = "revenue",
                           population: int | None = None) -> pd.DataFrame:
    """Expected incremental profit (in the shop's currency) of sending the coupon to the top k% by ``score``.

    The x-axis is the share of customers sent the coupon (the pricing chapter's curves vary a price).

    ``frame`` holds randomised customers (usually the held-out split) with treatment, converted and
    revenue; ``score`` is a column name or an array (higher = send first). For each k on a grid of
    ``steps`` equal steps from 0 to 100%, among the top k% (ties at the cut by row order)::

        incremental conversions = (conv rate treated - conv rate control) * n_k
        incremental revenue     = (revenue per treated - revenue per control) * n_k      [currency]
        coupons redeemed        = conv rate treated * n_k
        incremental profit      = margin * incremental revenue - coupon_cost * coupons redeemed

    ``margin`` is the gross margin as a share of revenue (0-1), ``coupon_cost`` what the shop pays
    per redeemed coupon. With ``value_per_conversion`` (an amount, e.g. the average order value of buyers)
    the incremental revenue is ``incremental conversions * value_per_conversion`` instead of the
    revenue difference: order values are spread widely, so the revenue difference of a small group
    is much noisier than its conversion difference (``revenue`` is then not needed). Totals are for
    ``population`` customers (default: ``len(frame)``), i.e. scaled by population / len(frame). A cut
    without a treated or control customer gives NaN.
    Amounts are in the currency of ``revenue``, ``coupon_cost`` and ``value_per_conversion`` (one
    currency for all three). Columns: k, customers, incremental_conversions, incremental_revenue,
    coupons_redeemed, coupon_spend, incremental_profit.
    """
    if not 0 <= margin <= 1:
        raise ValueError(f"margin is a share of revenue between 0 and 1, got {margin!r}")
    s = frame[score].to_numpy(dtype=float) if isinstance(score, str) else np.asarray(score, dtype=float)
    t = treatment_flags(frame[treatment])
    require_both_groups(t, "the profit data")
    y = frame[converted].to_numpy(dtype=float)
    r = frame[revenue].to_numpy(dtype=float) if value_per_conversion is None else y * float(value_per_conversion)
    n = len(frame)
    order = np.argsort(-s, kind="stable")
    t, y, r = t[order], y[order], r[order]
    n_t, y_t, y_c, r_t, r_c = (_totals_of_first_rows(v) for v in (t, y * t, y * (1 - t), r * t, r * (1 - t)))
    ks = np.linspace(0.0, 1.0, int(steps) + 1)
    cut = np.round(ks * n).astype(int)
    nt, nc = n_t[cut], cut - n_t[cut]
    with np.errstate(invalid="ignore", divide="ignore"):
        conv_t, conv_c = y_t[cut] / nt, y_c[cut] / nc
        rev_t, rev_c = r_t[cut] / nt, r_c[cut] / nc
    scale = (population if population is not None else n) / n
    size = cut * scale
    inc_conv = (conv_t - conv_c) * size
    inc_rev = (rev_t - rev_c) * size
    redeemed = conv_t * size
    out = pd.DataFrame({"k": ks, "customers": size, "incremental_conversions": inc_conv,
                        "incremental_revenue": inc_rev, "coupons_redeemed": redeemed,
                        "coupon_spend": coupon_cost * redeemed,
                        "incremental_profit": margin * inc_rev - coupon_cost * redeemed})
    out.loc[cut == 0, ["incremental_conversions", "incremental_revenue", "coupons_redeemed",
                       "coupon_spend", "incremental_profit"]] = 0.0
    return out


def optimal_targeting(curve: pd.DataFrame) -> pd.Series:
    """The row of a :func:`targeting_profit_curve` with the highest incremental profit (smallest k on ties).

    k = 0 (send to nobody, profit 0) is on the grid, so a campaign that loses money everywhere
    returns k = 0.
    """
    best = curve["incremental_profit"].fillna(-np.inf).to_numpy()
    return curve.iloc[int(np.argmax(best))]
