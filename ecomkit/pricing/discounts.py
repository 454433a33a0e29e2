"""Discount economics: how much extra volume a discount needs, and whether the demand model delivers it.

:func:`break_even_lift` is the volume lift that keeps gross profit unchanged (``d / (m - d)``);
:func:`predicted_lift` the lift a lasting discount gets under constant elasticity;
:func:`discount_profit` the change in gross profit (an amount); :func:`break_even_table` tests the
handbooks' "promotions lift volume 20-30%" claim against each category's margin. Discounts and
margins are fractions of the price.

>>> round(break_even_lift(0.10, 0.40), 4)
0.3333
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def break_even_lift(discount, margin):
    """Extra units a discount needs to keep gross profit unchanged: ``d / (m - d)``.

    With price p, margin m = (p - c) / p and a discount d (fraction of p) the unit margin falls
    from m p to (m - d) p, so volume must grow by the factor m / (m - d). Infinite when d >= m (every
    unit sold at a loss).

    >>> round(break_even_lift(0.10, 0.40), 4)
    0.3333
    """
    d = np.asarray(discount, dtype=float)
    m = np.asarray(margin, dtype=float)
    if ((d < 0) | (d >= 1)).any():
        raise ValueError("discount is a fraction of the price in [0, 1), e.g. 0.1 for 10% off")
    if ((m <= 0) | (m > 1)).any():
        raise ValueError("margin is a fraction of the price in (0, 1], e.g. 0.4 for a 40% gross margin")
    with np.errstate(divide="ignore"):
        lift = np.where(d < m, d / np.where(d < m, m - d, 1.0), np.inf)
    return float(lift) if lift.ndim == 0 else lift


def predicted_lift(discount, elasticity):
    """Extra units the demand model predicts for a lasting discount: ``(1 - d) ** e - 1``.

    >>> round(predicted_lift(0.10, -2.0), 4)
    0.2346
    """
    d = np.asarray(discount, dtype=float)
    lift = (1 - d) ** np.asarray(elasticity, dtype=float) - 1
    return float(lift) if lift.ndim == 0 else lift


def discount_profit(price, unit_cost, units, elasticity, discount):
    """Change in gross profit per period from a discount of depth ``discount`` (in the prices' currency).

    ``units * ((1 - d) ** e * (p (1 - d) - c) - (p - c))``: the discounted margin on the lifted
    volume minus the margin earned without the discount.
    """
    d = np.asarray(discount, dtype=float)
    p = np.asarray(price, dtype=float)
    c = np.asarray(unit_cost, dtype=float)
    lift = (1 - d) ** np.asarray(elasticity, dtype=float)
    change = np.asarray(units, dtype=float) * (lift * (p * (1 - d) - c) - (p - c))
    return float(change) if change.ndim == 0 else change


def category_margins(baseline: pd.DataFrame) -> pd.Series:
    """Median gross margin of each category's SKUs at their regular price (fraction)."""
    return baseline.groupby("category")["margin"].median().rename("margin")


def break_even_table(margins: pd.Series, depths, elasticities=None, claim=(0.20, 0.30),
                     margin_floor: float = 0.0, baseline: pd.DataFrame | None = None) -> pd.DataFrame:
    """Test the "promotions lift volume 20-30%" claim against each category's margin.

    One row per category and discount depth: margin, margin_after (the discounted price's gross
    margin), required_lift (:func:`break_even_lift`), claim_covers (the claim's upper end reaches
    the required lift), below_margin_floor; with ``elasticities`` (Series per category) also
    predicted_lift and pays (predicted >= required); with ``baseline`` (:func:`sku_baseline`) also
    incremental_profit (amount per week summed over the category's SKUs at their regular prices).
    """
    rows = []
    e_map = pd.Series(elasticities) if elasticities is not None else None
    for category, m in margins.items():
        for d in depths:
            d = float(d)
            required = break_even_lift(d, m) if d < 1 else np.inf
            row = {"category": category, "discount": d, "margin": float(m),
                   "margin_after": (m - d) / (1 - d), "required_lift": required,
                   "claim_covers": bool(claim[1] >= required),
                   "below_margin_floor": bool((m - d) / (1 - d) < margin_floor)}
            if e_map is not None and category in e_map and not np.isnan(e_map[category]):
                e = float(e_map[category])
                row["predicted_lift"] = predicted_lift(d, e)
                row["pays"] = bool(row["predicted_lift"] >= required)
                if baseline is not None:
                    skus = baseline[baseline["category"] == category]
                    row["incremental_profit"] = float(np.sum(discount_profit(
                        skus["regular_price"], skus["unit_cost"], skus["regular_units"], e, d)))
            rows.append(row)
    return pd.DataFrame(rows)
