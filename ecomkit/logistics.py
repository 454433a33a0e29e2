"""Logistics cost (物流成本) — chapter 05: parcels, rate cards, delivery times, network, stock.

Compute functions come first, plot functions after. The rules behind every number are written
out in ``docs/logistics.md``; the short version:

- **chargeable weight** = max(actual kg, L x W x H cm³ / divisor); the carrier bills it rounded up
  to its weight step (usually 1 kg) and never below the first-weight bracket (首重).
- **rate card**: cost = first-weight price + per-kg price x (billed kg - first kg) by distance
  zone, + a flat surcharge to remote provinces (偏远地区).
- **cost per order** counts outbound and return parcels, warehouse handling and the monthly
  fixed cost of the warehouses, divided by outbound orders; **share of GMV** divides by the
  goods value of those orders (``order_value_cny``, after discount, before shipping).
- **network design** is a mixed-integer program solved by HiGHS (``scipy.optimize.milp``).
- **inventory**: ABC by sales value, EOQ, reorder points for a cycle service level under daily
  review (the stock is checked once a day, so it has already fallen below the reorder point by
  the time an order is placed), and a vectorised (s, Q) simulation that measures the service
  actually achieved.

Every function takes validated tables from :func:`load_shipments`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ecomkit.io import LogisticsData, load_shipments, read_shipments
from ecomkit.reference import PROVINCES

__all__ = [
    "LogisticsData",
    "load_shipments",
    "read_shipments",
    "ZONE_BANDS_KM",
    # geometry and tariff
    "haversine_km",
    "zone_for_distance",
    "volumetric_weight",
    "chargeable_weight",
    "billable_weight",
    "shipping_cost",
    # cost summaries
    "cost_summary",
    "cost_breakdown_per_order",
    "volumetric_by_sku",
    "estimate_rate_card",
    "compare_rate_cards",
    # delivery
    "delivery_summary",
    "late_share_by_distance",
    "fit_transit_model",
    # network
    "default_candidate_sites",
    "province_demand",
    "zone_costs",
    "NetworkPlan",
    "design_network",
    "network_scenarios",
    # inventory
    "demand_matrix",
    "demand_stats",
    "abc_classes",
    "eoq",
    "safety_stock",
    "reorder_point",
    "expected_undershoot",
    "inventory_policy",
    "gamma_demand",
    "SQResult",
    "simulate_sq",
    "turnover_days",
    "stock_summary",
    # plots
    "plot_cost_waterfall",
    "plot_cost_by_zone",
    "plot_demand_map",
    "plot_late_share_by_distance",
    "plot_network",
    "plot_service_cost_tradeoff",
    "plot_abc_pareto",
    "plot_inventory_sawtooth",
]

#: zone k covers great-circle distances in [ZONE_BANDS_KM[k-1], ZONE_BANDS_KM[k]) km; the last
#: zone is open-ended. The bands of the demo carriers; pass your carrier's ``zone`` column instead.
ZONE_BANDS_KM = (0, 300, 800, 1500, 2500)
EARTH_RADIUS_KM = 6371.0088

DAYS_PER_MONTH = 365.25 / 12


# ============================================================================ loading


# ============================================================================ geometry, tariff


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between points given in decimal degrees (vectorised).

    >>> round(float(haversine_km(31.23, 121.47, 39.90, 116.41)))   # Shanghai - Beijing
    1068
    """
    phi1, phi2 = np.radians(np.asarray(lat1, dtype=float)), np.radians(np.asarray(lat2, dtype=float))
    dlon = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin((phi2 - phi1) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def zone_for_distance(distance_km, bands_km: Sequence[float] = ZONE_BANDS_KM) -> np.ndarray:
    """Zone 1, 2, ... of each distance: zone k covers [bands[k-1], bands[k]) km.

    >>> zone_for_distance([0, 299.9, 300, 2600]).tolist()
    [1, 2, 2, 5]
    """
    return np.searchsorted(np.asarray(bands_km, dtype=float), np.asarray(distance_km, dtype=float),
                           side="right").astype(np.int64)


def volumetric_weight(length_cm, width_cm, height_cm, divisor: float = 6000.0) -> np.ndarray:
    """Volumetric (dimensional) weight in kg: L x W x H in cm divided by ``divisor`` (cm³/kg).

    >>> float(volumetric_weight(50, 40, 30, 6000))
    10.0
    """
    return (np.asarray(length_cm, dtype=float) * np.asarray(width_cm, dtype=float)
            * np.asarray(height_cm, dtype=float) / float(divisor))


def chargeable_weight(actual_weight_kg, length_cm=None, width_cm=None, height_cm=None,
                      divisor: float = 6000.0) -> np.ndarray:
    """Chargeable weight in kg: the larger of the actual and the volumetric weight.

    Without dimensions the actual weight is returned. A light, bulky parcel "pays for air":
    a 0.9 kg pillow in a 50 x 32 x 17 cm box weighs 4.5 kg volumetrically at divisor 6000.

    >>> float(chargeable_weight(0.9, 50, 32, 17, divisor=6000))
    4.533333333333333
    """
    actual = np.asarray(actual_weight_kg, dtype=float)
    if length_cm is None or width_cm is None or height_cm is None:
        return actual.copy()
    return np.fmax(actual, volumetric_weight(length_cm, width_cm, height_cm, divisor))


def billable_weight(chargeable_weight_kg, weight_step_kg: float = 1.0,
                    first_weight_kg: float = 1.0) -> np.ndarray:
    """The weight the carrier bills: chargeable kg rounded up to the step, at least the first
    weight. ``1.2 kg -> 2 kg``, ``0.3 kg -> 1 kg`` with 1 kg steps.

    >>> billable_weight([0.3, 1.0, 1.2, 2.01]).tolist()
    [1.0, 1.0, 2.0, 3.0]
    """
    w = np.asarray(chargeable_weight_kg, dtype=float)
    step = np.asarray(weight_step_kg, dtype=float)
    # round(.., 9) keeps 2.0000000001 (float noise) from jumping a whole step
    return np.fmax(np.ceil(np.round(w / step, 9)) * step, np.asarray(first_weight_kg, dtype=float))


def _rate_rows(rate_card: pd.DataFrame, carrier, zone) -> pd.DataFrame:
    """Rate-card rows aligned with each parcel (carrier x zone); ValueError for unknown pairs."""
    zone = np.asarray(zone).astype(np.int64)
    n = zone.size
    if carrier is None:
        carriers = rate_card["carrier"].unique()
        if len(carriers) != 1:
            raise ValueError(f"the rate card has carriers {list(carriers)}: pass carrier=")
        carrier = np.full(n, carriers[0], dtype=object)
    carrier = np.broadcast_to(np.asarray(carrier, dtype=object), zone.shape)
    keys = pd.MultiIndex.from_arrays([rate_card["carrier"].astype(str), rate_card["zone"].astype(np.int64)])
    if keys.has_duplicates:
        raise ValueError("the rate card has more than one row for a carrier and zone")
    idx = keys.get_indexer(pd.MultiIndex.from_arrays([pd.Index(carrier.astype(str)), pd.Index(zone)]))
    if (idx < 0).any():
        bad = sorted({(str(c), int(z)) for c, z, i in zip(carrier, zone, idx) if i < 0})[:5]
        raise ValueError(f"no rate-card row for carrier/zone {bad}")
    return rate_card.iloc[idx].reset_index(drop=True)


def shipping_cost(rate_card: pd.DataFrame, chargeable_weight_kg, zone, carrier=None,
                  remote=False) -> np.ndarray:
    """Cost in CNY of each parcel under a rate card (vectorised, rounded to the cent).

    cost = first_weight_cny + per_kg_cny x (billed kg - first_weight_kg)
           + remote_surcharge_cny if the destination is remote,

    billed kg = :func:`billable_weight` of the chargeable weight.

    Parameters
    ----------
    rate_card : one row per carrier x zone with first_weight_kg, first_weight_cny, per_kg_cny,
        weight_step_kg, remote_surcharge_cny.
    chargeable_weight_kg, zone : arrays of the parcels.
    carrier : carrier of each parcel (None if the card has one carrier).
    remote : bool array or scalar.

    >>> card = pd.DataFrame({"carrier": ["x"], "zone": [1], "first_weight_kg": [1.0],
    ...                      "first_weight_cny": [5.0], "per_kg_cny": [2.0], "weight_step_kg": [1.0],
    ...                      "remote_surcharge_cny": [8.0]})
    >>> shipping_cost(card, [0.5, 2.3], [1, 1], remote=[False, True]).tolist()
    [5.0, 17.0]
    """
    rows = _rate_rows(rate_card, carrier, zone)
    billed = billable_weight(chargeable_weight_kg, rows["weight_step_kg"].to_numpy(dtype=float),
                             rows["first_weight_kg"].to_numpy(dtype=float))
    remote = np.broadcast_to(np.asarray(remote, dtype=bool), billed.shape)
    cost = (rows["first_weight_cny"].to_numpy(dtype=float)
            + rows["per_kg_cny"].to_numpy(dtype=float) * (billed - rows["first_weight_kg"].to_numpy(dtype=float))
            + rows["remote_surcharge_cny"].to_numpy(dtype=float) * remote)
    return np.round(cost, 2)


# ============================================================================ cost summaries


def _months_covered(shipments: pd.DataFrame) -> float:
    when = "shipped_ts" if "shipped_ts" in shipments else ("order_ts" if "order_ts" in shipments else None)
    if when is None:
        return float("nan")
    span = (shipments[when].max().normalize() - shipments[when].min().normalize()).days + 1
    return span / DAYS_PER_MONTH


def cost_summary(shipments: pd.DataFrame, by: str | list[str] | None = None) -> pd.DataFrame:
    """Parcels, orders, kg, cost per order, per kg and share of GMV, overall or per group.

    ``orders`` counts outbound parcels; cost includes the group's return parcels;
    ``cost_share_of_gmv`` divides by ``order_value_cny`` (NaN when the column is absent).

    >>> cost_summary(shipments, by="zone")          # doctest: +SKIP
    """
    frame = shipments.assign(
        _out=shipments["direction"].eq("outbound"),
        _ret=shipments["direction"].eq("return"),
        _gmv=shipments["order_value_cny"].where(shipments["direction"].eq("outbound"), 0.0)
        if "order_value_cny" in shipments else np.nan,
        _all="all")
    keys = by if by is not None else "_all"
    table = frame.groupby(keys, observed=True).agg(
        parcels=("shipping_cost_cny", "size"), orders=("_out", "sum"), return_parcels=("_ret", "sum"),
        chargeable_kg=("chargeable_weight_kg", "sum"), cost_cny=("shipping_cost_cny", "sum"),
        gmv_cny=("_gmv", "sum"))
    if by is None:
        table.index.name = None
    table["cost_per_order_cny"] = table["cost_cny"] / table["orders"].replace(0, np.nan)
    table["cost_per_kg_cny"] = table["cost_cny"] / table["chargeable_kg"]
    table["cost_share_of_gmv"] = (table["cost_cny"] / table["gmv_cny"].replace(0, np.nan)
                                  if "order_value_cny" in shipments else np.nan)
    table["order_share"] = table["orders"] / table["orders"].sum()
    return table


def cost_breakdown_per_order(shipments: pd.DataFrame, rate_card: pd.DataFrame | None = None,
                             warehouses: pd.DataFrame | None = None,
                             months: float | None = None) -> pd.Series:
    """Where the money goes: logistics cost per outbound order, by component, in CNY.

    Components (in this order, each CNY per outbound order):
    ``first weight`` (the first-kg price of every outbound parcel), ``extra weight`` (the
    per-kg price on the actual weight above the first kg), ``volumetric (paying for air)`` (the
    extra the carrier bills because the box is bulky), ``remote surcharge``, ``invoice vs rate
    card`` (what the invoices add beyond the rate card; shown only when not zero), ``returns``
    (return parcels), ``handling`` and ``warehouse fixed`` (from ``warehouses`` for the origin
    sites: per-order handling and the monthly fixed cost over ``months``, by default the months
    the shipments cover). Without a rate card the transport is one line, ``outbound transport``.

    >>> cost_breakdown_per_order(data.shipments, data.rate_card, data.warehouses)   # doctest: +SKIP
    """
    out = shipments[shipments["direction"].eq("outbound")]
    ret = shipments[shipments["direction"].eq("return")]
    n = max(len(out), 1)
    parts: dict[str, float] = {}
    if rate_card is not None and "zone" in out:
        rows = _rate_rows(rate_card, out["carrier"].to_numpy(), out["zone"].to_numpy())
        first = rows["first_weight_cny"].to_numpy(dtype=float)
        actual = out["actual_weight_kg"].to_numpy(dtype=float) if "actual_weight_kg" in out else \
            out["chargeable_weight_kg"].to_numpy(dtype=float)
        at_actual = shipping_cost(rate_card, actual, out["zone"], out["carrier"].to_numpy(), False)
        at_charge = shipping_cost(rate_card, out["chargeable_weight_kg"], out["zone"],
                                  out["carrier"].to_numpy(), False)
        surcharge = rows["remote_surcharge_cny"].to_numpy(dtype=float) * out["remote"].to_numpy(dtype=bool)
        invoice = out["shipping_cost_cny"].to_numpy(dtype=float)
        parts["first weight"] = first.sum() / n
        parts["extra weight"] = (at_actual - first).sum() / n
        parts["volumetric (paying for air)"] = (at_charge - at_actual).sum() / n
        parts["remote surcharge"] = surcharge.sum() / n
        gap = (invoice - at_charge - surcharge).sum() / n
        if abs(gap) >= 0.005:
            parts["invoice vs rate card"] = gap
    else:
        parts["outbound transport"] = out["shipping_cost_cny"].sum() / n
    parts["returns"] = ret["shipping_cost_cny"].sum() / n
    if warehouses is not None and "origin" in shipments:
        sites = warehouses.set_index("site_id")
        origin_counts = out["origin"].value_counts()
        known = origin_counts.index.intersection(sites.index)
        if len(known):
            handling = (origin_counts[known] * sites.loc[known, "handling_cny_per_order"]).sum()
            months = _months_covered(shipments) if months is None else float(months)
            fixed = sites.loc[known, "fixed_cost_cny_month"].sum() * months
            parts["handling"] = handling / n
            parts["warehouse fixed"] = fixed / n
    return pd.Series(parts, name="cny_per_order")


def volumetric_by_sku(shipments: pd.DataFrame, rate_card: pd.DataFrame) -> pd.DataFrame:
    """Which SKUs pay for air: per SKU, outbound parcels, the share billed on volume, the mean
    actual and chargeable kg, and the extra CNY the volume adds (per parcel and in total),
    largest total first.
    """
    out = shipments[shipments["direction"].eq("outbound")]
    at_actual = shipping_cost(rate_card, out["actual_weight_kg"], out["zone"], out["carrier"].to_numpy())
    at_charge = shipping_cost(rate_card, out["chargeable_weight_kg"], out["zone"], out["carrier"].to_numpy())
    frame = pd.DataFrame({"sku": out["sku"].to_numpy(),
                          "billed_on_volume": (out["chargeable_weight_kg"] > out["actual_weight_kg"]).to_numpy(),
                          "actual_kg": out["actual_weight_kg"].to_numpy(),
                          "chargeable_kg": out["chargeable_weight_kg"].to_numpy(),
                          "air_cny": at_charge - at_actual})
    table = frame.groupby("sku").agg(parcels=("air_cny", "size"), share_billed_on_volume=("billed_on_volume", "mean"),
                                     mean_actual_kg=("actual_kg", "mean"), mean_chargeable_kg=("chargeable_kg", "mean"),
                                     air_cny_per_parcel=("air_cny", "mean"), air_cny_total=("air_cny", "sum"))
    return table.sort_values("air_cny_total", ascending=False)


def estimate_rate_card(shipments: pd.DataFrame, first_weight_kg: float = 1.0,
                       weight_step_kg: float = 1.0) -> pd.DataFrame:
    """Recover a rate card from invoiced parcels by least squares, per carrier.

    For each carrier: cost = sum over zones [zone = z] (first_z + per_kg_z x extra kg) + surcharge x
    remote, extra kg = billed kg - ``first_weight_kg``. The remote surcharge is shared by the
    carrier's zones (it is identified by zones that have both remote and other destinations).
    Returns one row per carrier x zone with first_weight_cny, per_kg_cny, remote_surcharge_cny,
    n_parcels and rmse_cny (0 when the invoices follow a tariff exactly), plus the volumetric
    divisor implied by parcels billed on volume (median of L*W*H / chargeable kg; NaN without
    dimensions).
    """
    rows = []
    for carrier, grp in shipments.groupby("carrier", sort=True):
        zones = np.sort(grp["zone"].unique())
        extra = billable_weight(grp["chargeable_weight_kg"], weight_step_kg, first_weight_kg) - first_weight_kg
        zcode = np.searchsorted(zones, grp["zone"].to_numpy())
        onehot = np.zeros((len(grp), len(zones)))
        onehot[np.arange(len(grp)), zcode] = 1.0
        design = [onehot, onehot * extra[:, None]]
        remote = grp["remote"].to_numpy(dtype=float)
        with_remote = remote.any() and not remote.all()
        if with_remote:
            design.append(remote[:, None])
        x = np.hstack(design)
        y = grp["shipping_cost_cny"].to_numpy(dtype=float)
        rank = np.linalg.matrix_rank(x)
        if with_remote and rank < x.shape[1]:      # remote only in zones of its own: not separable
            x, with_remote = x[:, :-1], False
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        resid = y - x @ coef
        k = len(zones)
        divisor = np.nan
        if {"length_cm", "width_cm", "height_cm", "actual_weight_kg"} <= set(grp.columns):
            on_volume = grp["chargeable_weight_kg"] > grp["actual_weight_kg"] + 1e-9
            if on_volume.any():
                vol = volumetric_weight(grp["length_cm"], grp["width_cm"], grp["height_cm"], 1.0)[on_volume.to_numpy()]
                divisor = float(np.median(vol / grp.loc[on_volume, "chargeable_weight_kg"].to_numpy()))
        for i, zone in enumerate(zones):
            in_zone = zcode == i
            rows.append({"carrier": carrier, "zone": int(zone), "first_weight_kg": first_weight_kg,
                         "first_weight_cny": coef[i], "per_kg_cny": coef[k + i],
                         "weight_step_kg": weight_step_kg,
                         "remote_surcharge_cny": coef[-1] if with_remote else 0.0,
                         "volumetric_divisor": divisor, "n_parcels": int(in_zone.sum()),
                         "rmse_cny": float(np.sqrt(np.mean(resid[in_zone] ** 2)))})
    table = pd.DataFrame(rows)
    for col in ("first_weight_cny", "per_kg_cny", "remote_surcharge_cny"):
        table[col] = table[col].round(4)
    return table


def compare_rate_cards(estimated: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Estimated vs published prices side by side, with the largest absolute gap per row."""
    cols = ["first_weight_cny", "per_kg_cny", "remote_surcharge_cny"]
    merged = estimated.merge(published[["carrier", "zone"] + cols], on=["carrier", "zone"],
                             suffixes=("_estimated", "_published"), how="outer")
    gaps = [np.abs(merged[f"{c}_estimated"] - merged[f"{c}_published"]) for c in cols]
    merged["max_abs_gap_cny"] = np.nanmax(np.vstack(gaps), axis=0)
    return merged


# ============================================================================ delivery


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


def fit_transit_model(shipments: pd.DataFrame) -> pd.DataFrame:
    """OLS of delivery days on distance, remoteness and city tier, per carrier (statsmodels).

    actual_days = intercept + per_1000km x distance/1000 + remote x remote
                  + tier_k x [city_tier = k] (k = 2..5, tier 1 the baseline) + error

    Returns one row per carrier x term with coef, se (classical), and n_parcels. Terms whose
    column is absent or constant are left out.
    """
    import statsmodels.api as sm

    rows = []
    for carrier, grp in shipments.groupby("carrier", sort=True):
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
    return pd.DataFrame(rows)


# ============================================================================ network design


def default_candidate_sites() -> pd.DataFrame:
    """The course's candidate sites (the demo shop's ``warehouses`` table).

    Real cities with public coordinates; the fixed costs, capacities and fees are the course's
    assumptions, sized for the demo shop. Use your own quotes (a ``warehouses`` table in your
    data folder) for real decisions.
    """
    from ecomkit.reference import candidate_sites

    return candidate_sites()


def province_demand(shipments: pd.DataFrame, months: int = 12, as_of=None) -> pd.DataFrame:
    """Outbound orders per month by destination province over the last ``months`` months.

    Columns: province, lat, lon, remote, orders_month, cost_per_order_cny (invoiced transport of
    the window's outbound and return parcels per outbound order), and gmv_month when
    ``order_value_cny`` is present. ``as_of`` defaults to the last shipping date.
    """
    when = "shipped_ts" if "shipped_ts" in shipments else ("order_ts" if "order_ts" in shipments else None)
    frame = shipments
    n_months = float(months)
    if when is not None:
        end = pd.Timestamp(as_of) if as_of is not None else shipments[when].max()
        begin = end - pd.DateOffset(months=months)
        frame = shipments[(shipments[when] > begin) & (shipments[when] <= end)]
        n_months = min(float(months), max(_months_covered(frame), 1e-9))
    out = frame["direction"].eq("outbound")
    grouped = frame.assign(_out=out).groupby("destination_province")
    table = grouped.agg(orders=("_out", "sum"), cost=("shipping_cost_cny", "sum"))
    if "order_value_cny" in frame:
        table["gmv"] = frame[out].groupby("destination_province")["order_value_cny"].sum()
    geo = PROVINCES.set_index("province")[["lat", "lon", "remote"]]
    table = geo.join(table, how="inner")
    table = table[table["orders"] > 0]
    result = pd.DataFrame({"province": table.index, "lat": table["lat"].to_numpy(),
                           "lon": table["lon"].to_numpy(), "remote": table["remote"].to_numpy(dtype=bool),
                           "orders_month": table["orders"].to_numpy() / n_months,
                           "cost_per_order_cny": (table["cost"] / table["orders"]).to_numpy()})
    if "gmv" in table:
        result["gmv_month"] = table["gmv"].fillna(0).to_numpy() / n_months
    return result.sort_values("orders_month", ascending=False).reset_index(drop=True)


def zone_costs(shipments: pd.DataFrame, rate_card: pd.DataFrame, zones: Sequence[int] | None = None) -> pd.DataFrame:
    """Expected transport cost per outbound order if the shop's parcel mix shipped in each zone.

    For each zone and remote flag: mean rate-card cost of the outbound parcels (their own
    chargeable weight and carrier) + (return parcels per outbound order) x mean cost of the
    return parcels. Index: zone; columns ``False`` / ``True`` (remote destination).
    """
    zones = sorted(rate_card["zone"].unique()) if zones is None else list(zones)
    out = shipments[shipments["direction"].eq("outbound")]
    ret = shipments[shipments["direction"].eq("return")]
    ret_per_order = len(ret) / max(len(out), 1)
    known = set(rate_card["carrier"])
    table = {}
    for remote in (False, True):
        values = []
        for zone in zones:
            cost = 0.0
            for part, weight in ((out, 1.0), (ret, ret_per_order)):
                part = part[part["carrier"].isin(known)]
                if len(part) == 0 or weight == 0:
                    continue
                cost += weight * shipping_cost(rate_card, part["chargeable_weight_kg"], np.full(len(part), zone),
                                               part["carrier"].to_numpy(), remote).mean()
            values.append(cost)
        table[remote] = values
    return pd.DataFrame(table, index=pd.Index(zones, name="zone"))


@dataclass
class NetworkPlan:
    """The result of :func:`design_network`.

    ``status`` is ``"optimal"``, ``"infeasible"``, ``"time_limit"`` or ``"error"``; ``message``
    says why in plain words. Costs are CNY per month; shares are fractions of orders.
    """

    status: str
    message: str
    open_sites: list[str]
    sites: pd.DataFrame
    assignment: pd.DataFrame
    fixed_cost_cny: float
    variable_cost_cny: float
    total_cost_cny: float
    service_share: float
    service_km: float
    min_service_share: float
    max_reachable_service_share: float
    handling_cost_cny: float = float("nan")
    transport_cost_cny: float = float("nan")
    same_day_share: float = float("nan")
    extra: dict = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        return self.status in ("optimal", "time_limit") and bool(self.open_sites)

    def summary(self) -> dict:
        """JSON-able headline numbers."""
        return {"status": self.status, "open_sites": list(self.open_sites),
                "fixed_cost_cny_month": _num(self.fixed_cost_cny),
                "variable_cost_cny_month": _num(self.variable_cost_cny),
                "handling_cost_cny_month": _num(self.handling_cost_cny),
                "transport_cost_cny_month": _num(self.transport_cost_cny),
                "same_day_share": _num(self.same_day_share),
                "total_cost_cny_month": _num(self.total_cost_cny),
                "service_share": _num(self.service_share), "service_km": float(self.service_km),
                "min_service_share": float(self.min_service_share), "message": self.message}


def _num(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _column(frame: pd.DataFrame, name: str, default) -> np.ndarray:
    if name in frame:
        return frame[name].to_numpy(dtype=float)
    return np.full(len(frame), default, dtype=float)


def design_network(demand: pd.DataFrame, candidates: pd.DataFrame, rate_card: pd.DataFrame | None = None,
                   service_km: float = 300.0, min_service_share: float = 0.0, *,
                   parcels: pd.DataFrame | None = None, zone_cost: pd.DataFrame | None = None,
                   fixed_cost_scale: float = 1.0, force_open: Sequence[str] = (),
                   allowed: Sequence[str] | None = None, zone_bands_km: Sequence[float] = ZONE_BANDS_KM,
                   time_limit_s: float = 60.0) -> NetworkPlan:
    """Choose warehouses to open and assign demand to them at least monthly cost (MILP, HiGHS).

    minimise   sum_i fixed_i * scale * y_i + sum_ij orders_j * c_ij * x_ij
    subject to sum_i x_ij = 1 (every province served), x_ij <= y_i (only from open sites),
               sum_j orders_j x_ij <= capacity_i y_i, x_ij = 0 beyond a site's reach,
               sum_ij orders_j [d_ij <= service_km] x_ij >= min_service_share * sum_j orders_j,
               y binary, 0 <= x <= 1 (a province may be split between sites).

    c_ij = handling_i + transport per order: the site's flat local delivery price when it has
    one (front warehouses), else the zone cost of the distance d_ij (:func:`zone_costs`, remote
    destinations with the surcharge).

    Parameters
    ----------
    demand : province (or demand_id), lat, lon, orders_month, optional remote.
    candidates : site_id, lat, lon, fixed_cost_cny_month; optional capacity_orders_month
        (default unlimited), handling_cny_per_order (0), reach_km (unlimited),
        local_delivery_cny_per_order (none).
    rate_card, parcels : used to build ``zone_cost`` when it is not given: ``parcels`` are the
        shop's shipments (their weights and carriers); without them one 1-kg parcel per order on
        the rate card's first carrier.
    service_km, min_service_share : the service constraint (share of orders shipped from a site
        within ``service_km``).
    fixed_cost_scale : multiplies every fixed cost (sensitivity to rents and minimum fees).
    force_open : site ids that must open; ``allowed``: the only site ids considered.

    Returns a :class:`NetworkPlan`; an infeasible problem is reported in ``status`` and
    ``message`` (never raised).

    >>> plan = design_network(demand, sites, rate_card, parcels=shipments, min_service_share=0.5)  # doctest: +SKIP
    >>> plan.status, plan.open_sites, plan.total_cost_cny                                        # doctest: +SKIP
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    if not 0.0 <= float(min_service_share) <= 1.0:
        raise ValueError(f"min_service_share must be between 0 and 1, got {min_service_share!r}")
    dem = demand[demand["orders_month"] > 0].reset_index(drop=True)
    ids = dem["province"] if "province" in dem else dem["demand_id"]
    sites = candidates.reset_index(drop=True)
    if allowed is not None:
        unknown = set(allowed) - set(sites["site_id"])
        if unknown:
            raise ValueError(f"allowed names unknown site ids: {sorted(unknown)}")
        sites = sites[sites["site_id"].isin(list(allowed))].reset_index(drop=True)
    unknown = set(force_open) - set(sites["site_id"])
    if unknown:
        raise ValueError(f"force_open names site ids that are not candidates: {sorted(unknown)}")
    n, m = len(sites), len(dem)
    orders = dem["orders_month"].to_numpy(dtype=float)
    total_orders = orders.sum()
    remote = dem["remote"].to_numpy(dtype=bool) if "remote" in dem else np.zeros(m, dtype=bool)

    if zone_cost is None:
        if rate_card is None:
            raise ValueError("design_network needs rate_card (and parcels) or zone_cost")
        if parcels is None:
            first = rate_card["carrier"].iloc[0]
            parcels = pd.DataFrame({"direction": "outbound", "carrier": first, "chargeable_weight_kg": [1.0]})
        zone_cost = zone_costs(parcels, rate_card)
    dist = haversine_km(sites["lat"].to_numpy()[:, None], sites["lon"].to_numpy()[:, None],
                        dem["lat"].to_numpy()[None, :], dem["lon"].to_numpy()[None, :])
    zones = zone_for_distance(dist, zone_bands_km)
    max_zone = int(zone_cost.index.max())
    zc = zone_cost.reindex(range(1, max_zone + 1)).ffill()
    lane = np.where(remote[None, :], zc[True].to_numpy()[np.minimum(zones, max_zone) - 1],
                    zc[False].to_numpy()[np.minimum(zones, max_zone) - 1])
    local = _column(sites, "local_delivery_cny_per_order", np.nan)
    lane = np.where(np.isfinite(local)[:, None], local[:, None], lane)
    handling = _column(sites, "handling_cny_per_order", 0.0)
    per_order = handling[:, None] + lane                                  # (n, m) CNY per order
    reach = _column(sites, "reach_km", np.inf)
    reach = np.where(np.isfinite(reach), reach, np.inf)
    reachable = dist <= reach[:, None]
    capacity = _column(sites, "capacity_orders_month", np.inf)
    capacity = np.where(np.isfinite(capacity), capacity, total_orders + 1.0)
    fixed = sites["fixed_cost_cny_month"].to_numpy(dtype=float) * float(fixed_cost_scale)
    within = (dist <= float(service_km)) & reachable
    max_service = float(orders[within.any(axis=0)].sum() / total_orders) if total_orders else 0.0

    def _empty(status: str, message: str) -> NetworkPlan:
        return NetworkPlan(status, message, [], sites.assign(open=False), pd.DataFrame(), np.nan, np.nan, np.nan,
                           np.nan, float(service_km), float(min_service_share), max_service)

    if m == 0:
        return _empty("infeasible", "infeasible: there is no demand to serve")
    orphan = ~reachable.any(axis=0)
    if orphan.any():
        names = ", ".join(map(str, ids[orphan][:5]))
        return _empty("infeasible", f"infeasible: no candidate site can reach {int(orphan.sum())} demand point(s) ({names})")
    if capacity.sum() < total_orders - 1e-9:
        return _empty("infeasible", f"infeasible: the candidates' total capacity {capacity.sum():,.0f} orders/month is "
                                    f"below the demand of {total_orders:,.0f}")
    if max_service < float(min_service_share) - 1e-12:
        return _empty("infeasible", f"infeasible: min_service_share={min_service_share:.0%} but only {max_service:.1%} "
                                    f"of orders lie within {service_km:g} km of any candidate site")

    # variables: y (n), then x (n*m) in row-major order (site i, demand j) -> n + i*m + j
    nx = n * m
    xi = np.repeat(np.arange(n), m)
    xj = np.tile(np.arange(m), n)
    xcol = n + np.arange(nx)
    c = np.concatenate([fixed, (per_order * orders[None, :]).ravel()])
    a_assign = coo_matrix((np.ones(nx), (xj, xcol)), shape=(m, n + nx))
    a_link = coo_matrix((np.concatenate([np.ones(nx), -np.ones(nx)]),
                         (np.concatenate([np.arange(nx), np.arange(nx)]), np.concatenate([xcol, xi]))),
                        shape=(nx, n + nx))
    a_cap = coo_matrix((np.concatenate([orders[xj], -capacity]),
                        (np.concatenate([xi, np.arange(n)]), np.concatenate([xcol, np.arange(n)]))),
                       shape=(n, n + nx))
    a_serv = coo_matrix(((orders[None, :] * within).ravel(), (np.zeros(nx, dtype=int), xcol)), shape=(1, n + nx))
    constraints = [LinearConstraint(a_assign.tocsr(), 1.0, 1.0),
                   LinearConstraint(a_link.tocsr(), -np.inf, 0.0),
                   LinearConstraint(a_cap.tocsr(), -np.inf, 0.0)]
    if min_service_share > 0:
        constraints.append(LinearConstraint(a_serv.tocsr(), float(min_service_share) * total_orders, np.inf))
    lower = np.zeros(n + nx)
    upper = np.ones(n + nx)
    lower[:n][sites["site_id"].isin(list(force_open)).to_numpy()] = 1.0
    upper[n:][~reachable.ravel()] = 0.0
    integrality = np.concatenate([np.ones(n), np.zeros(nx)])
    res = milp(c, constraints=constraints, integrality=integrality, bounds=Bounds(lower, upper),
               options={"time_limit": float(time_limit_s), "mip_rel_gap": 1e-9})
    if res.x is None:
        if res.status == 2:
            return _empty("infeasible", f"infeasible: no set of sites serves every province within capacity while "
                                        f"shipping {min_service_share:.0%} of orders from within {service_km:g} km "
                                        f"(ignoring capacity {max_service:.1%} would be reachable; the sites near "
                                        f"demand lack capacity)")
        status = "time_limit" if res.status == 1 else "error"
        return _empty(status, f"{status}: HiGHS stopped without a solution ({res.message})")
    y = np.round(res.x[:n]).astype(bool)
    x = res.x[n:].reshape(n, m)
    x[x < 1e-9] = 0.0
    fixed_cost = float(fixed[y].sum())
    variable = float((x * per_order * orders[None, :]).sum())
    service = float((x * orders[None, :] * within).sum() / total_orders)
    ii, jj = np.nonzero(x)
    assignment = pd.DataFrame({
        "site_id": sites["site_id"].to_numpy()[ii], "demand_id": ids.to_numpy()[jj], "share": x[ii, jj],
        "orders_month": x[ii, jj] * orders[jj], "distance_km": dist[ii, jj], "zone": zones[ii, jj],
        "within_service": within[ii, jj], "cost_per_order_cny": per_order[ii, jj],
        "cost_cny_month": x[ii, jj] * orders[jj] * per_order[ii, jj]})
    served = (x * orders[None, :]).sum(axis=1)
    site_table = sites.assign(open=y, orders_month=served, utilisation=served / capacity,
                              fixed_cost_cny_month_scaled=np.where(y, fixed, 0.0),
                              variable_cost_cny_month=(x * per_order * orders[None, :]).sum(axis=1))
    status = "optimal" if res.status == 0 else "time_limit"
    open_sites = list(sites["site_id"].to_numpy()[y])
    handling_cost = float((x * handling[:, None] * orders[None, :]).sum())
    same_day = float((x * orders[None, :])[np.isfinite(local)].sum() / total_orders)
    message = (f"{status}: open {', '.join(open_sites)}; {service:.1%} of orders shipped from within "
               f"{service_km:g} km; CNY {fixed_cost + variable:,.0f} per month")
    return NetworkPlan(status, message, open_sites, site_table, assignment, fixed_cost, variable,
                       fixed_cost + variable, service, float(service_km), float(min_service_share), max_service,
                       handling_cost_cny=handling_cost, transport_cost_cny=variable - handling_cost,
                       same_day_share=same_day,
                       extra={"objective": float(res.fun), "mip_gap": getattr(res, "mip_gap", None)})


def network_scenarios(demand: pd.DataFrame, sites: pd.DataFrame, zone_cost: pd.DataFrame,
                      current: Sequence[str], service_km: float = 300.0, min_service_share: float = 0.5,
                      fixed_cost_scale: float = 1.0, n_front: int = 3) -> tuple[pd.DataFrame, dict]:
    """The chapter's four networks, each solved by :func:`design_network`:

    - ``current``: only the current site(s), no service requirement (today's network);
    - ``optimal``: any current or regional site (``kind`` not ``front``) under the service
      requirement;
    - ``optimal, keep current``: the same, with the current site(s) forced open;
    - ``optimal + front``: the regional choice redone with the ``n_front`` front warehouses of
      the provinces with most orders forced open (the handbooks' 1-hour delivery sites).

    Returns ``(table, plans)``: one table row per scenario (status, sites, monthly fixed,
    handling, transport and total cost in CNY, savings vs current, service and same-day shares)
    and the :class:`NetworkPlan` objects by name.
    """
    kind = sites["kind"] if "kind" in sites else pd.Series("regional", index=sites.index)
    regional = sites.loc[kind.ne("front").to_numpy(), "site_id"].tolist()
    common = {"zone_cost": zone_cost, "service_km": service_km, "fixed_cost_scale": fixed_cost_scale}
    plans = {"current": design_network(demand, sites, allowed=list(current), force_open=list(current), **common),
             "optimal": design_network(demand, sites, allowed=regional, min_service_share=min_service_share,
                                       **common),
             "optimal, keep current": design_network(demand, sites, allowed=regional, force_open=list(current),
                                                     min_service_share=min_service_share, **common)}
    fronts = sites[kind.eq("front").to_numpy()]
    if len(fronts) and n_front > 0:
        rank = demand.set_index("province")["orders_month"] if "province" in demand else None
        order = fronts.assign(_demand=fronts["province"].map(rank).fillna(0) if rank is not None and
                              "province" in fronts else 0.0).sort_values("_demand", ascending=False)
        chosen = order["site_id"].head(n_front).tolist()
        plans["optimal + front"] = design_network(demand, sites, allowed=regional + chosen, force_open=chosen,
                                                  min_service_share=min_service_share, **common)
    base = plans["current"]
    rows = []
    for name, plan in plans.items():
        row = {"scenario": name, "status": plan.status, "open_sites": ", ".join(plan.open_sites),
               "n_sites": len(plan.open_sites), "fixed_cny_month": plan.fixed_cost_cny,
               "handling_cny_month": plan.handling_cost_cny, "transport_cny_month": plan.transport_cost_cny,
               "total_cny_month": plan.total_cost_cny, "service_share": plan.service_share,
               "same_day_share": plan.same_day_share}
        row["savings_vs_current"] = 1 - plan.total_cost_cny / base.total_cost_cny if base.feasible else np.nan
        row["transport_savings_vs_current"] = (1 - plan.transport_cost_cny / base.transport_cost_cny
                                               if base.feasible else np.nan)
        rows.append(row)
    return pd.DataFrame(rows).set_index("scenario"), plans


# ============================================================================ inventory


def demand_matrix(table: pd.DataFrame, start=None, end=None) -> pd.DataFrame:
    """Daily units per SKU as a wide frame (a row per calendar day, a column per SKU, zeros filled).

    ``table`` is an ``inventory_demand`` table (date, sku, units) or shipments (outbound parcels
    with ``sku``; the day is ``order_ts`` else ``shipped_ts``; units 1 when absent).
    """
    if "date" in table:
        frame = pd.DataFrame({"date": pd.to_datetime(table["date"]).dt.normalize(), "sku": table["sku"],
                              "units": table["units"]})
    else:
        if "sku" not in table:
            raise ValueError("the shipments have no sku column: no demand per SKU")
        out = table[table["direction"].eq("outbound")]
        when = "order_ts" if "order_ts" in out else "shipped_ts"
        frame = pd.DataFrame({"date": out[when].dt.normalize(), "sku": out["sku"],
                              "units": out["units"] if "units" in out else 1})
    wide = frame.pivot_table(index="date", columns="sku", values="units", aggfunc="sum", fill_value=0)
    first = pd.Timestamp(start) if start is not None else wide.index.min()
    last = pd.Timestamp(end) if end is not None else wide.index.max()
    wide = wide.reindex(pd.date_range(first, last, freq="D"), fill_value=0)
    wide.index.name = "date"
    return wide.astype("float64")


def demand_stats(wide: pd.DataFrame, last_days: int | None = 365) -> pd.DataFrame:
    """Per SKU: mean and standard deviation of daily units over the last ``last_days`` days,
    total units, and the number of days used."""
    window = wide.iloc[-last_days:] if last_days else wide
    return pd.DataFrame({"mean_daily": window.mean(), "sd_daily": window.std(ddof=1),
                         "total_units": window.sum(), "days": len(window)})


def abc_classes(values: pd.Series, a_share: float = 0.8, b_share: float = 0.95) -> pd.DataFrame:
    """ABC classes by value (e.g. sales CNY): A = the top items that make up ``a_share`` of the
    total, B up to ``b_share``, C the rest.

    An item is A when the cumulative share of the items ranked above it is below ``a_share``
    (so the item that crosses 80% is still A); ties keep the input order.

    >>> abc_classes(pd.Series({"x": 70, "y": 20, "z": 6, "w": 4}))["abc_class"].tolist()
    ['A', 'A', 'B', 'C']
    """
    if not 0 < a_share < b_share <= 1:
        raise ValueError("need 0 < a_share < b_share <= 1")
    ordered = values.astype(float).sort_values(ascending=False, kind="mergesort")
    total = ordered.sum()
    share = ordered / total if total > 0 else ordered * 0.0
    before = share.cumsum() - share
    klass = np.where(before < a_share - 1e-12, "A", np.where(before < b_share - 1e-12, "B", "C"))
    return pd.DataFrame({"value": ordered, "share": share, "cumulative_share": share.cumsum(),
                         "rank": np.arange(1, len(ordered) + 1), "abc_class": klass}, index=ordered.index)


def eoq(annual_demand_units, order_cost_cny, holding_cost_cny_per_unit_year):
    """Economic order quantity sqrt(2 D K / h) in units (Wilson's formula).

    >>> float(eoq(1200, 100, 6))
    200.0
    """
    d = np.asarray(annual_demand_units, dtype=float)
    h = np.asarray(holding_cost_cny_per_unit_year, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.sqrt(2.0 * d * np.asarray(order_cost_cny, dtype=float) / h)
    return np.where(d > 0, q, 0.0)


def safety_stock(sd_daily, lead_time_days, service_level: float, mean_daily=0.0, sd_lead_time_days=0.0):
    """Textbook safety stock z * sqrt(L sigma_d^2 + mu_d^2 sigma_L^2) (continuous review).

    z is the standard-normal quantile of the cycle service level. Under *daily* review this
    under-protects; see :func:`reorder_point`.

    >>> round(float(safety_stock(10, 9, 0.95)), 2)
    49.35
    """
    from scipy.stats import norm

    z = norm.ppf(service_level)
    var = (np.asarray(lead_time_days, dtype=float) * np.asarray(sd_daily, dtype=float) ** 2
           + np.asarray(mean_daily, dtype=float) ** 2 * np.asarray(sd_lead_time_days, dtype=float) ** 2)
    return z * np.sqrt(var)


def expected_undershoot(mean_daily: float, sd_daily: float) -> float:
    """Mean amount by which the stock position is already below the reorder point when a daily
    review triggers an order: E[D^2] / (2 E[D]) = (sigma^2 + mu^2) / (2 mu) for daily demand D."""
    mean_daily = float(mean_daily)
    return (float(sd_daily) ** 2 + mean_daily ** 2) / (2 * mean_daily) if mean_daily > 0 else 0.0


def _lead_time_pmf(lead_time_days) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(lead_time_days, dtype=float).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise ValueError("no lead times given")
    if np.any(values < 0) or np.any(values != np.round(values)):
        raise ValueError("lead times must be whole days >= 0")
    lt, counts = np.unique(values.astype(np.int64), return_counts=True)
    return lt, counts / counts.sum()


def reorder_point(mean_daily: float, sd_daily: float, lead_time_days, service_level: float,
                  review: str = "daily") -> float:
    """Reorder point s (units of stock position) for a cycle service level.

    The cycle service level is the probability that the stock does not run out before a
    replenishment order arrives. Daily demand is modelled as Gamma with the given mean and
    standard deviation; ``lead_time_days`` is a whole number of days or a sample of observed
    lead times (their empirical distribution is used).

    - ``review="continuous"``: the textbook s = mu E[L] + z sqrt(E[L] sigma^2 + mu^2 Var L).
    - ``review="daily"`` (default): the stock is checked once a day, so when it is found at or
      below s it is already lower by an undershoot U. s solves
      P(D_L + U <= s) = service level, with D_L the Gamma demand over the lead time and U the
      stationary undershoot of a daily-demand process (density P(D > u) / E[D]).

    >>> round(reorder_point(10, 5, 7, 0.95), 1)
    100.8
    """
    from scipy import optimize, special, stats

    if not 0 < service_level < 1:
        raise ValueError("service_level must be strictly between 0 and 1")
    mu, sd = float(mean_daily), float(sd_daily)
    lt, p = _lead_time_pmf(lead_time_days)
    if mu <= 0:
        return 0.0
    if review == "continuous":
        mean_l = float((lt * p).sum())
        var_l = float(((lt - mean_l) ** 2 * p).sum())
        return float(mu * mean_l + stats.norm.ppf(service_level) * math.sqrt(mean_l * sd ** 2 + mu ** 2 * var_l))
    if review != "daily":
        raise ValueError("review must be 'daily' or 'continuous'")
    if sd <= 0:                         # constant demand: no risk beyond the longest lead time
        return float(mu * lt.max() + mu)
    shape, scale = (mu / sd) ** 2, sd ** 2 / mu
    top = stats.gamma.ppf(1 - 1e-10, shape, scale=scale)
    u = np.linspace(0.0, top, 1201)
    weight = stats.gamma.sf(u, shape, scale=scale) / mu
    weight = weight * np.gradient(u)
    weight /= weight.sum()

    positive = lt > 0
    shapes = (lt[positive] * shape)[:, None]

    def service(s: float) -> float:
        # P(D_L + U <= s), mixing over the lead-time distribution (one vectorised cdf call)
        total = float(p[~positive].sum() * (weight * (s - u >= 0)).sum())
        if positive.any():
            cdf = special.gammainc(shapes, np.maximum(s - u[None, :], 0.0) / scale)
            total += float(p[positive] @ (cdf @ weight))
        return total - service_level

    high = mu * lt.max() + top + 10 * sd * math.sqrt(lt.max() + 1) + 10
    while service(high) < 0:
        high *= 2
    return float(optimize.brentq(service, 0.0, high, xtol=1e-6))


def inventory_policy(stats: pd.DataFrame, lead_times: Mapping[str, Any] | float, service_levels: Mapping[str, float],
                     abc: pd.Series, order_cost_cny: float, holding_cost_rate: float,
                     unit_value_cny: pd.Series, moq_units: pd.Series | None = None,
                     review: str = "daily") -> pd.DataFrame:
    """An (s, Q) policy per SKU: order Q when the stock position falls to s or below.

    Parameters
    ----------
    stats : :func:`demand_stats` (mean_daily, sd_daily per SKU).
    lead_times : per SKU a sample of observed lead times in days (or one number for all).
    service_levels : target cycle service level per ABC class, e.g. {"A": 0.98, "B": 0.95, "C": 0.9}.
    abc : the class of each SKU (:func:`abc_classes`' ``abc_class``).
    order_cost_cny : cost of placing one purchase order. holding_cost_rate : per year, as a
        share of the unit value. unit_value_cny : per SKU (unit cost, or price when unknown).
    moq_units : supplier minimum order quantity; Q is the EOQ rounded up to a multiple of it.

    Returns per SKU: abc_class, mean_daily, sd_daily, lead_time_mean_days, service_level,
    eoq_units, order_quantity, reorder_point, safety_stock (expected stock left when an order
    arrives: s - expected undershoot - mean lead-time demand), expected_average_stock (safety
    stock + Q/2), turnover_days (expected average stock / mean daily demand).
    """
    rows = []
    for sku, row in stats.iterrows():
        klass = abc.get(sku, "C")
        target = float(service_levels[klass])
        sample = lead_times.get(sku) if isinstance(lead_times, Mapping) else lead_times
        sample = np.atleast_1d(np.asarray(sample, dtype=float))
        mu, sd = float(row["mean_daily"]), float(row["sd_daily"])
        value = float(unit_value_cny.get(sku, np.nan))
        q = float(eoq(mu * 365.0, order_cost_cny, holding_cost_rate * value))
        q = max(math.ceil(q), 1) if mu > 0 else 0
        if moq_units is not None and sku in moq_units.index and mu > 0:
            moq = int(moq_units[sku])
            q = int(math.ceil(q / moq) * moq)
        s = reorder_point(mu, sd, sample, target, review=review) if mu > 0 else 0.0
        undershoot = expected_undershoot(mu, sd) if review == "daily" else 0.0
        lt_mean = float(sample.mean())
        ss = s - undershoot - mu * lt_mean
        avg = ss + q / 2
        rows.append({"sku": sku, "abc_class": klass, "mean_daily": mu, "sd_daily": sd,
                     "lead_time_mean_days": lt_mean, "service_level": target, "unit_value_cny": value,
                     "eoq_units": q, "order_quantity": q, "reorder_point": s, "safety_stock": ss,
                     "expected_average_stock": avg, "turnover_days": avg / mu if mu > 0 else np.nan})
    return pd.DataFrame(rows).set_index("sku")


def gamma_demand(mean_daily, sd_daily, n_days: int, seed: int = 0) -> np.ndarray:
    """Daily demand draws, shape (n_days, n_items): Gamma with the given mean and sd per item
    (constant when sd is 0, zero when the mean is 0)."""
    rng = np.random.default_rng(seed)
    mu = np.atleast_1d(np.asarray(mean_daily, dtype=float))
    sd = np.broadcast_to(np.asarray(sd_daily, dtype=float), mu.shape)
    out = np.tile(mu, (int(n_days), 1))
    random = (mu > 0) & (sd > 0)
    if random.any():
        shape = (mu[random] / sd[random]) ** 2
        scale = sd[random] ** 2 / mu[random]
        out[:, random] = rng.gamma(shape, scale, size=(int(n_days), int(random.sum())))
    return out


@dataclass
class SQResult:
    """Output of :func:`simulate_sq`.

    net_stock : (n_days, n_items) stock at each day's end (negative = backordered units).
    orders : one row per replenishment order: item, order_day, arrival_day, quantity,
        complete (it arrived inside the horizon), stockout (the stock was negative just before
        it arrived: the cycle failed).
    """

    net_stock: np.ndarray
    orders: pd.DataFrame
    demand: np.ndarray
    items: list
    initial_stock: np.ndarray

    def service(self) -> pd.DataFrame:
        """Per item: complete cycles, failed cycles, achieved cycle service level and its
        binomial standard error, fill rate (share of units served from stock on the day), mean
        on-hand stock, mean daily demand, turnover days."""
        done = self.orders[self.orders["complete"]]
        n_items = self.net_stock.shape[1]
        cycles = np.bincount(done["item"], minlength=n_items)
        fails = np.bincount(done["item"], weights=done["stockout"].astype(float), minlength=n_items)
        with np.errstate(divide="ignore", invalid="ignore"):
            achieved = 1 - fails / cycles
            se = np.sqrt(achieved * (1 - achieved) / cycles)
        # stock usable on day t = the stock at the end of day t-1 (receipts already booked)
        start = np.vstack([self.initial_stock[None, :], self.net_stock[:-1]])
        served = np.minimum(self.demand, np.maximum(start, 0.0))
        on_hand = np.maximum(self.net_stock, 0.0).mean(axis=0)
        mean_d = self.demand.mean(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            fill = served.sum(axis=0) / self.demand.sum(axis=0)
            turnover = on_hand / mean_d
        return pd.DataFrame({"cycles": cycles, "stockout_cycles": fails.astype(int), "achieved_service": achieved,
                             "service_se": se, "fill_rate": fill, "mean_on_hand": on_hand,
                             "mean_daily_demand": mean_d, "turnover_days": turnover}, index=self.items)


def simulate_sq(demand, reorder_point, order_quantity, lead_time_days, *, initial_stock=None,
                warmup_days: int = 0, seed: int = 0, items: Sequence | None = None) -> SQResult:
    """Simulate (s, Q) replenishment with daily review, vectorised over items (one loop over days).

    Each day t: the day's demand leaves the stock (backorders allowed), receipts due that day
    are booked at its end, then the stock position (stock + on order) is reviewed: at or below
    s an order of the smallest multiple of Q lifting it above s is placed; it arrives at the end
    of day t + L, so L days of demand are at risk. A cycle fails when the stock is negative just
    before its order arrives.

    Parameters
    ----------
    demand : (n_days, n_items) daily units (a DataFrame's columns name the items).
    reorder_point, order_quantity : per item (or scalars).
    lead_time_days : whole days: a scalar, one per item, or per item a sample of observed lead
        times to draw from (a list of arrays).
    initial_stock : per item; default s + Q. warmup_days : orders placed before this day are
        not counted as cycles. seed : for the lead-time draws.

    >>> res = simulate_sq(gamma_demand([10], [5], 2000, seed=1), [100.8], [100], 7)
    >>> round(float(res.service()["achieved_service"].iloc[0]), 2)     # target 0.95
    0.95
    """
    if isinstance(demand, pd.DataFrame):
        items = list(demand.columns) if items is None else list(items)
        demand = demand.to_numpy(dtype=float)
    demand = np.asarray(demand, dtype=float)
    if demand.ndim == 1:
        demand = demand[:, None]
    n_days, n_items = demand.shape
    items = list(range(n_items)) if items is None else list(items)
    s = np.broadcast_to(np.asarray(reorder_point, dtype=float), (n_items,)).copy()
    q = np.broadcast_to(np.asarray(order_quantity, dtype=float), (n_items,)).copy()
    if np.any(q <= 0):
        raise ValueError("order quantities must be positive")
    rng = np.random.default_rng(seed)
    if isinstance(lead_time_days, (list, tuple)) and len(lead_time_days) == n_items and \
            np.ndim(lead_time_days[0]) > 0:
        pools = [np.asarray(p, dtype=np.int64) for p in lead_time_days]
        fixed_lt = None
    else:
        fixed_lt = np.broadcast_to(np.asarray(lead_time_days, dtype=np.int64), (n_items,)).copy()
        pools = None
    max_lt = int(max(p.max() for p in pools)) if pools is not None else int(fixed_lt.max())
    arrivals = np.zeros((n_days + max_lt + 1, n_items))
    stock = (s + q) if initial_stock is None else np.broadcast_to(np.asarray(initial_stock, dtype=float),
                                                                  (n_items,)).copy()
    initial = stock.copy()
    position = stock.copy()
    net = np.empty((n_days, n_items))
    before_receipt = np.empty((n_days, n_items))
    log_item, log_day, log_arrival, log_qty = [], [], [], []
    for t in range(n_days):
        stock = stock - demand[t]
        before_receipt[t] = stock
        stock = stock + arrivals[t]
        net[t] = stock
        position = position - demand[t]
        low = position <= s
        if low.any():
            idx = np.flatnonzero(low)
            batches = np.maximum(np.floor((s[idx] - position[idx]) / q[idx]) + 1, 1)
            qty = batches * q[idx]
            if pools is None:
                lt = fixed_lt[idx]
            else:
                lt = np.array([pools[i][rng.integers(pools[i].size)] for i in idx], dtype=np.int64)
            arrivals[t + lt, idx] += qty
            position[idx] += qty
            log_item.append(idx)
            log_day.append(np.full(idx.size, t))
            log_arrival.append(t + lt)
            log_qty.append(qty)
    cat = (lambda parts, dtype: np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype))
    orders = pd.DataFrame({"item": cat(log_item, np.int64), "order_day": cat(log_day, np.int64),
                           "arrival_day": cat(log_arrival, np.int64), "quantity": cat(log_qty, float)})
    orders["complete"] = (orders["arrival_day"] < n_days) & (orders["order_day"] >= warmup_days)
    arrival = np.minimum(orders["arrival_day"].to_numpy(), n_days - 1)
    orders["stockout"] = before_receipt[arrival, orders["item"].to_numpy()] < 0
    orders.loc[~orders["complete"], "stockout"] = False
    return SQResult(net_stock=net, orders=orders, demand=demand, items=items, initial_stock=initial)


def turnover_days(average_stock_units, mean_daily_units):
    """Days of sales the average stock covers (库存周转天数): average stock / daily demand.

    >>> float(turnover_days(300, 10))
    30.0
    """
    stock = np.asarray(average_stock_units, dtype=float)
    daily = np.asarray(mean_daily_units, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(daily > 0, stock / daily, np.nan)


def stock_summary(inventory_demand: pd.DataFrame, last_days: int | None = 365,
                  slow_days: float = 90.0) -> pd.DataFrame:
    """Today's stock performance per SKU from a daily table (date, sku, units, on_hand_units):
    mean on-hand stock (negative stock counts as zero), mean daily demand, turnover days, the
    share of days ending with backorders (stockout days) and whether the SKU is a slow mover
    (turnover above ``slow_days``), over the last ``last_days`` days."""
    table = inventory_demand
    if last_days:
        table = table[table["date"] > table["date"].max() - pd.Timedelta(days=int(last_days))]
    frame = table.assign(_on_hand=np.maximum(table["on_hand_units"], 0), _out=table["on_hand_units"] < 0)
    out = frame.groupby("sku").agg(mean_on_hand=("_on_hand", "mean"), mean_daily_demand=("units", "mean"),
                                   stockout_day_share=("_out", "mean"))
    out["turnover_days"] = turnover_days(out["mean_on_hand"], out["mean_daily_demand"])
    out["slow_mover"] = out["turnover_days"] > slow_days
    return out


# ============================================================================ plots


def _ax(ax, figsize=(8, 4.5)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_cost_waterfall(breakdown: pd.Series, ax=None, title: str = "Logistics cost per order"):
    """Waterfall of cost components per order (CNY), ending with the total bar."""
    ax = _ax(ax, (9, 4.5))
    values = breakdown.to_numpy(dtype=float)
    starts = np.concatenate([[0.0], np.cumsum(values)[:-1]])
    labels = list(breakdown.index) + ["total"]
    colors = ["#4c72b0" if v >= 0 else "#c44e52" for v in values] + ["#55a868"]
    ax.bar(range(len(values)), values, bottom=starts, color=colors[:-1], edgecolor="white")
    ax.bar(len(values), values.sum(), color=colors[-1])
    for i, (v, b) in enumerate(zip(np.append(values, values.sum()), np.append(starts, 0.0))):
        ax.text(i, b + v + values.sum() * 0.01, f"{v:.2f}", ha="center", va="bottom", fontsize=9)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right")
    ax.set_ylabel("CNY per order")
    ax.set_title(title)
    return ax


def plot_cost_by_zone(shipments: pd.DataFrame, ax=None):
    """Transport cost per outbound order by zone, one bar per carrier, with parcel counts."""
    import seaborn as sns

    ax = _ax(ax)
    table = cost_summary(shipments, by=["zone", "carrier"]).reset_index()
    sns.barplot(data=table, x="zone", y="cost_per_order_cny", hue="carrier", ax=ax)
    ax.set_xlabel("zone (distance band from the warehouse)")
    ax.set_ylabel("transport CNY per order (incl. returns)")
    ax.set_title("Transport cost per order by zone")
    return ax


def _map_axes(ax):
    ax.set_xlabel("longitude (degrees E)")
    ax.set_ylabel("latitude (degrees N)")
    ax.set_aspect(1 / math.cos(math.radians(33)))
    ax.set_xlim(84, 128)
    ax.set_ylim(17, 48)


def plot_demand_map(demand: pd.DataFrame, sites: pd.DataFrame | None = None, value: str = "cost_per_order_cny",
                    ax=None, value_label: str = "transport CNY per order"):
    """Map-like scatter of provinces at their capitals: size = orders per month, colour = ``value``;
    warehouses (``sites``: lat, lon, site_id) marked with black triangles."""
    import matplotlib.pyplot as plt

    ax = _ax(ax, (9, 6.5))
    size = 20 + 600 * demand["orders_month"] / demand["orders_month"].max()
    points = ax.scatter(demand["lon"], demand["lat"], s=size, c=demand[value], cmap="viridis_r",
                        edgecolor="grey", linewidth=0.5, alpha=0.9)
    plt.colorbar(points, ax=ax, label=value_label, shrink=0.8)
    for _, row in demand.nlargest(8, "orders_month").iterrows():
        ax.annotate(row["province"], (row["lon"], row["lat"]), xytext=(5, 5), textcoords="offset points", fontsize=8)
    if sites is not None and len(sites):
        ax.scatter(sites["lon"], sites["lat"], marker="^", s=160, c="black", label="warehouse", zorder=3)
        for _, row in sites.iterrows():
            ax.annotate(row["site_id"], (row["lon"], row["lat"]), xytext=(6, -12), textcoords="offset points",
                        fontsize=8, weight="bold")
        ax.legend(loc="lower right")
    _map_axes(ax)
    ax.set_title("Orders per month (size) and cost per order (colour) by province")
    return ax


def plot_late_share_by_distance(table: pd.DataFrame, ax=None, slow_days: float = 5.0):
    """Share of parcels over ``slow_days`` and share late vs distance (:func:`late_share_by_distance`)."""
    from ecomkit.viz import format_percent

    ax = _ax(ax)
    for remote, grp in table.groupby("remote"):
        label = "remote provinces" if remote else "other provinces"
        ax.plot(grp["distance_bin_km"], grp["share_over_days"], marker="o", label=f"over {slow_days:g} days, {label}")
        if "late_share" in grp:
            ax.plot(grp["distance_bin_km"], grp["late_share"], marker="x", linestyle="--",
                    label=f"late vs promise, {label}")
    ax.set_xlabel("distance from the warehouse (km)")
    ax.set_ylabel("share of parcels")
    format_percent(ax)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    ax.set_title("Slow and late deliveries by distance")
    return ax


def plot_network(plan: NetworkPlan, demand: pd.DataFrame, ax=None, title: str | None = None):
    """Open sites (triangles), provinces sized by orders and coloured by whether they ship from
    within the service radius, and a line from each site to the provinces it serves."""
    ax = _ax(ax, (8, 6))
    if not plan.feasible:
        ax.text(0.5, 0.5, plan.status, ha="center", va="center", transform=ax.transAxes)
        _map_axes(ax)
        return ax
    sites = plan.sites.set_index("site_id")
    dem = demand.set_index("province" if "province" in demand else "demand_id")
    for _, row in plan.assignment.iterrows():
        s, d = sites.loc[row["site_id"]], dem.loc[row["demand_id"]]
        ax.plot([s["lon"], d["lon"]], [s["lat"], d["lat"]], color="grey", alpha=0.25 + 0.5 * row["share"], lw=0.8)
    inside = plan.assignment.groupby("demand_id").apply(
        lambda g: (g["share"] * g["within_service"]).sum(), include_groups=False)
    covered = inside.reindex(dem.index).fillna(0.0).to_numpy()
    size = 15 + 500 * dem["orders_month"] / dem["orders_month"].max()
    ax.scatter(dem["lon"], dem["lat"], s=size, c=np.where(covered > 0.5, "#55a868", "#c44e52"), alpha=0.8,
               edgecolor="white")
    opened = sites[sites["open"]]
    ax.scatter(opened["lon"], opened["lat"], marker="^", s=170, c="black")
    for sid, row in opened.iterrows():
        ax.annotate(sid, (row["lon"], row["lat"]), xytext=(6, 6), textcoords="offset points", fontsize=8, weight="bold")
    _map_axes(ax)
    ax.set_title(title or f"{len(opened)} site(s): {plan.service_share:.0%} of orders within {plan.service_km:g} km "
                          f"(green), CNY {plan.total_cost_cny:,.0f}/month")
    return ax


def plot_service_cost_tradeoff(frontier: pd.DataFrame, ax=None, current: tuple[float, float] | None = None):
    """Monthly cost of the optimal network against the required service share (``frontier``:
    min_service_share, total_cost_cny, n_sites); ``current`` = (service share, cost) marks today."""
    from ecomkit.viz import format_percent, format_yuan

    ax = _ax(ax)
    ok = frontier.dropna(subset=["total_cost_cny"])
    ax.plot(ok["min_service_share"], ok["total_cost_cny"], marker="o", label="optimal network")
    for _, row in ok.iterrows():
        ax.annotate(f"{int(row['n_sites'])} sites", (row["min_service_share"], row["total_cost_cny"]),
                    xytext=(0, 8), textcoords="offset points", ha="center", fontsize=8)
    if current is not None:
        ax.scatter([current[0]], [current[1]], color="#c44e52", zorder=3, s=60, label="current network")
    format_percent(ax, "x")
    format_yuan(ax, "y")
    ax.set_xlabel("required share of orders shipped from within the service radius")
    ax.set_ylabel("logistics cost per month")
    ax.set_title("The price of service")
    ax.legend()
    return ax


def plot_abc_pareto(abc: pd.DataFrame, ax=None):
    """Pareto chart: SKU sales shares (bars, coloured by class) and the cumulative share (line)."""
    from ecomkit.viz import format_percent

    ax = _ax(ax, (10, 4.5))
    colors = {"A": "#4c72b0", "B": "#dd8452", "C": "#8c8c8c"}
    x = np.arange(len(abc))
    ax.bar(x, abc["share"], color=[colors[c] for c in abc["abc_class"]])
    ax.set_ylabel("share of sales value")
    format_percent(ax)
    ax.set_xlabel("SKUs ranked by sales value")
    ax.set_xticks([])
    twin = ax.twinx()
    twin.plot(x, abc["cumulative_share"], color="black", lw=1.5)
    twin.set_ylim(0, 1.05)
    twin.set_ylabel("cumulative share")
    format_percent(twin)
    twin.grid(False)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=v, label=f"class {k}: {int((abc['abc_class'] == k).sum())} SKUs")
                       for k, v in colors.items()], loc="center right")
    ax.set_title("ABC analysis: few SKUs carry most of the sales")
    return ax


def plot_inventory_sawtooth(net_stock, reorder_point: float, safety_stock: float | None = None, dates=None,
                            ax=None, title: str = "Stock of one SKU under the (s, Q) policy"):
    """The sawtooth: end-of-day stock (units) over time with the reorder point and safety stock."""
    ax = _ax(ax, (10, 4))
    x = np.arange(len(net_stock)) if dates is None else dates
    ax.step(x, net_stock, where="post", lw=1, label="stock at day end (negative = backorders)")
    ax.axhline(reorder_point, color="#dd8452", linestyle="--", label=f"reorder point s = {reorder_point:.0f}")
    if safety_stock is not None:
        ax.axhline(safety_stock, color="#55a868", linestyle=":", label=f"safety stock = {safety_stock:.0f}")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel("units")
    ax.set_xlabel("date" if dates is not None else "day")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title(title)
    return ax
