"""How long parcels take: delivery days per group, slow and late shares by distance, and a transit
model per carrier (days on distance, remoteness and city tier)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["delivery_summary", "late_share_by_distance", "fit_transit_model"]


def delivery_summary(shipments: pd.DataFrame, by: str | list[str] = "remote",
                     slow_days: float = 5.0) -> pd.DataFrame:
    """Parcels, mean and 90th-percentile days, share over ``slow_days`` and share late, per group."""
    if "actual_days" not in shipments:
        raise ValueError("delivery_summary needs an actual_days column")
    frame = shipments.assign(_slow=shipments["actual_days"] > slow_days)
    agg = {"parcels": ("actual_days", "size"), "mean_days": ("actual_days", "mean"),
           "p90_days": ("actual_days", lambda s: s.quantile(0.9)), "share_over_days": ("_slow", "mean")}
    if "late" in shipments:
        agg["late_share"] = ("late", "mean")
    table = frame.groupby(by, observed=True).agg(**agg)
    return table.rename(columns={"share_over_days": f"share_over_{slow_days:g}_days"})


def late_share_by_distance(shipments: pd.DataFrame, bin_km: float = 250.0,
                           slow_days: float = 5.0, min_parcels: int = 30) -> pd.DataFrame:
    """Share late and share over ``slow_days`` per distance bin (and remote or not).

    Bins with fewer than ``min_parcels`` parcels are left out (too noisy to read).
    """
    frame = shipments.assign(
        distance_bin_km=(np.floor(shipments["distance_km"] / bin_km) * bin_km + bin_km / 2),
        _slow=shipments["actual_days"] > slow_days)
    agg = {"parcels": ("actual_days", "size"), "mean_days": ("actual_days", "mean"),
           "share_over_days": ("_slow", "mean")}
    if "late" in shipments:
        agg["late_share"] = ("late", "mean")
    table = frame.groupby(["remote", "distance_bin_km"]).agg(**agg).reset_index()
    return table[table["parcels"] >= min_parcels].reset_index(drop=True)


def fit_transit_model(shipments: pd.DataFrame, min_parcels: int = 30) -> pd.DataFrame:
    """OLS of delivery days on distance, remoteness and city tier, per carrier (statsmodels).

    actual_days = intercept + per_1000km x distance/1000 + remote x remote
                  + tier_k x [city_tier = k] (k = 2..5, tier 1 the baseline) + error

    Returns one row per carrier x term with coef, se (classical), and n_parcels. Terms whose
    column is absent or constant are left out; carriers with fewer than ``min_parcels`` parcels
    with a delivery time and a distance are left out (too few to fit); no carrier left gives an
    empty table with those columns.
    """
    import statsmodels.api as sm

    rows = []
    usable = shipments.dropna(subset=["actual_days", "distance_km"])
    for carrier, grp in usable.groupby("carrier", sort=True):
        if len(grp) < max(int(min_parcels), 2):
            continue
        x = pd.DataFrame({"intercept": 1.0, "per_1000km": grp["distance_km"].to_numpy() / 1000.0},
                         index=grp.index)
        if grp["remote"].nunique() > 1:
            x["remote"] = grp["remote"].astype(float)
        if "city_tier" in grp and grp["city_tier"].nunique() > 1:
            for tier in sorted(grp["city_tier"].unique())[1:]:
                x[f"tier_{tier}"] = (grp["city_tier"] == tier).astype(float)
        fit = sm.OLS(grp["actual_days"].to_numpy(dtype=float), x).fit()
        for term in x.columns:
            rows.append({"carrier": carrier, "term": term, "coef": float(fit.params[term]),
                         "se": float(fit.bse[term]), "n_parcels": int(len(grp))})
    return pd.DataFrame(rows, columns=["carrier", "term", "coef", "se", "n_parcels"])
