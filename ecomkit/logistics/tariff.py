"""Geometry and the carrier's tariff: distance, zone, volumetric / chargeable / billed weight, the
price of a parcel under a rate card, and a rate card recovered from invoices.

- **chargeable weight** = max(actual kg, L x W x H cm³ / divisor); the carrier bills it rounded up
  to its weight step (usually 1 kg) and never below the first-weight bracket (首重).
- **rate card**: cost = first-weight price + per-kg price x (billed kg - first kg) by distance
  zone, + a flat surcharge to remote destinations (偏远地区). Prices are in the data's currency
  whatever the currency (the ``_cny`` column names are the data contract's).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

__all__ = ["ZONE_BANDS_KM", "EARTH_RADIUS_KM", "haversine_km", "zone_for_distance", "volumetric_weight",
           "chargeable_weight", "billable_weight", "rate_card_rows", "shipping_cost", "estimate_rate_card",
           "compare_rate_cards"]

#: zone k covers great-circle distances in [ZONE_BANDS_KM[k-1], ZONE_BANDS_KM[k]) km; the last
#: zone is open-ended. The bands of the demo carriers; pass your carrier's ``zone`` column instead.
ZONE_BANDS_KM = (0, 300, 800, 1500, 2500)
EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between points given in decimal degrees (vectorised).

    >>> round(float(haversine_km(31.23, 121.47, 39.90, 116.41)))   # Shanghai - Beijing
    1067
    """
    phi1, phi2 = np.radians(np.asarray(lat1, dtype=float)), np.radians(np.asarray(lat2, dtype=float))
    dlon = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin((phi2 - phi1) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def zone_for_distance(distance_km, bands_km: Sequence[float] = ZONE_BANDS_KM) -> np.ndarray:
    """Zone 1, 2, ... of each distance: zone k covers [bands[k-1], bands[k]) km.

    >>> zone_for_distance([0, 299.9, 300, 2600]).tolist()
    [1, 1, 2, 5]
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


def rate_card_rows(rate_card: pd.DataFrame, carrier, zone) -> pd.DataFrame:
    """The rate-card row of each parcel (its carrier x zone), in parcel order; ValueError for a pair
    the card lacks. ``carrier`` may be None when the card has one carrier."""
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
    """Cost of each parcel under a rate card, in the card's currency (vectorised, rounded to the cent).

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
    rows = rate_card_rows(rate_card, carrier, zone)
    billed = billable_weight(chargeable_weight_kg, rows["weight_step_kg"].to_numpy(dtype=float),
                             rows["first_weight_kg"].to_numpy(dtype=float))
    remote = np.broadcast_to(np.asarray(remote, dtype=bool), billed.shape)
    cost = (rows["first_weight_cny"].to_numpy(dtype=float)
            + rows["per_kg_cny"].to_numpy(dtype=float) * (billed - rows["first_weight_kg"].to_numpy(dtype=float))
            + rows["remote_surcharge_cny"].to_numpy(dtype=float) * remote)
    return np.round(cost, 2)



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
