"""The demo shop's logistics: products, warehouses, a carrier rate card, shipments and stock.

Generative story (vectorised NumPy; one random stream per part, spawned from ``seed``):

1. Products. A fixed catalogue of 60 SKUs, ten per order category, with a unit weight (kg),
   carton dimensions L x W x H (cm), a unit cost (CNY) and the supplier's minimum order quantity.
   Within a category each SKU has a popularity weight (Zipf, exponent 1.1, ranks shuffled by the
   seed): the truth behind the ABC analysis.
2. Warehouses. The shop ships everything from its own warehouse in Hangzhou. The candidate
   sites are third-party regional warehouses in real logistics cities and small front
   warehouses (前置仓) in big cities; coordinates are public facts (rounded to 0.01 degrees),
   the monthly fixed costs, capacities and per-order handling fees are assumptions.
3. Rate card. Two carriers: ``economy`` (a franchise network) and ``premium`` (an air-capable
   direct network). Price = first-weight price + per-kg price x whole kilograms above the
   first kilogram, by distance zone, + a flat surcharge to remote provinces. The billed weight
   is the chargeable weight max(actual, L x W x H / divisor) rounded up to a whole kilogram.
4. Shipments. One outbound parcel per real (non-cancelled) order of the shop, from Hangzhou to
   the capital of the order's province: the order's ``items`` units of one SKU drawn from the
   order's category by popularity, stacked on their thinnest side, plus packaging. Electronics
   and orders of 500 CNY or more go ``premium``, the rest ``economy``. A returned order adds
   a return parcel (economy) back to Hangzhou. Transit days follow a linear model in distance,
   remoteness and city tier with Gamma noise; the carrier promises days by zone.
5. Stock. Daily demand per SKU = units ordered that day. The shop's current replenishment
   practice is the handbooks' rule of thumb: every Monday, order up to (7 + nominal lead time +
   7) days of the average of the last 3 days' sales, rounded up to the supplier's minimum
   order quantity. Supplier lead times are 2 + Poisson(mean - 2) days with a mean per category.
   Stock may go negative (backorders: the customer waits).

The truth returned (:attr:`Logistics.truth`, JSON-able) holds the rate card, the transit model,
the promise table, the SKU popularity weights, the lead-time means, and the replenishment rule.

Example
-------
>>> from ecomkit.simulate import simulate_shop
>>> from ecomkit.simulate.logistics import simulate_logistics
>>> shop = simulate_shop(2_000, seed=1)
>>> logi = simulate_logistics(shop, seed=1)
>>> sorted(logi.shipments["direction"].unique())
['outbound', 'return']
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ecomkit.reference.sites import SITE_ROWS, candidate_sites
from ecomkit.simulate.geography import PROVINCES

__all__ = [
    "Logistics",
    "simulate_logistics",
    "write_logistics",
    "build_logistics",
    "LOGISTICS_FILES",
    "PRODUCT_CATALOGUE",
    "WAREHOUSE_SITES",
    "RATE_CARD",
    "ZONE_BANDS_KM",
    "TRANSIT_MODEL",
    "PROMISED_DAYS",
    "LEAD_TIME_MEAN_DAYS",
    "CURRENT_SITE",
    "product_table",
    "warehouse_table",
    "rate_card_table",
]

LOGISTICS_FILES = ("products.csv", "warehouses.csv", "rate_card.csv", "shipments.parquet",
                   "inventory_demand.parquet", "inventory_demand_lead_times.csv",
                   "logistics_truth.json")
SHIPMENT_ID_START = 900_000_001     # clear of customer, order and basket ids
PO_ID_START = 400_000_001         # purchase orders to suppliers
DAY_NS = 86_400 * 10 ** 9

# sku, category, product, unit_weight_kg, length_cm, width_cm, height_cm, unit_cost_cny, moq_units
PRODUCT_CATALOGUE = [
    ("APP-01", "apparel", "t-shirt", 0.20, 28, 22, 3, 25, 100),
    ("APP-02", "apparel", "jeans", 0.65, 35, 28, 5, 70, 50),
    ("APP-03", "apparel", "down jacket", 0.95, 45, 35, 18, 220, 30),
    ("APP-04", "apparel", "knit sweater", 0.55, 35, 28, 8, 90, 50),
    ("APP-05", "apparel", "summer dress", 0.30, 30, 25, 4, 60, 50),
    ("APP-06", "apparel", "sneakers", 0.90, 33, 22, 12, 150, 30),
    ("APP-07", "apparel", "socks 5-pack", 0.15, 20, 14, 4, 15, 200),
    ("APP-08", "apparel", "hoodie", 0.60, 38, 30, 9, 80, 50),
    ("APP-09", "apparel", "wool coat", 1.40, 55, 40, 12, 320, 20),
    ("APP-10", "apparel", "sun hat", 0.12, 35, 35, 12, 20, 100),
    ("BEA-01", "beauty", "lipstick", 0.05, 10, 4, 4, 30, 200),
    ("BEA-02", "beauty", "face cream", 0.25, 10, 10, 8, 60, 100),
    ("BEA-03", "beauty", "serum", 0.15, 12, 6, 6, 80, 100),
    ("BEA-04", "beauty", "shampoo", 0.85, 24, 9, 7, 25, 100),
    ("BEA-05", "beauty", "sheet masks 10-pack", 0.30, 20, 15, 3, 35, 200),
    ("BEA-06", "beauty", "perfume", 0.35, 12, 10, 7, 150, 50),
    ("BEA-07", "beauty", "sunscreen", 0.12, 15, 6, 4, 40, 100),
    ("BEA-08", "beauty", "cotton pads", 0.20, 22, 16, 12, 10, 200),
    ("BEA-09", "beauty", "hair dryer", 0.70, 28, 22, 10, 120, 50),
    ("BEA-10", "beauty", "makeup brush set", 0.25, 25, 12, 5, 45, 100),
    ("FOO-01", "food", "mixed nuts", 1.00, 25, 18, 8, 45, 100),
    ("FOO-02", "food", "green tea", 0.30, 20, 10, 10, 60, 100),
    ("FOO-03", "food", "instant noodles case", 2.00, 36, 24, 18, 30, 50),
    ("FOO-04", "food", "rice 2.5 kg", 2.55, 30, 20, 8, 20, 50),
    ("FOO-05", "food", "snack gift box", 1.50, 38, 28, 14, 55, 50),
    ("FOO-06", "food", "coffee beans", 0.55, 22, 12, 8, 50, 100),
    ("FOO-07", "food", "honey jar", 1.20, 12, 12, 15, 40, 100),
    ("FOO-08", "food", "dried fruit", 0.50, 20, 14, 6, 25, 100),
    ("FOO-09", "food", "puffed snacks box", 0.60, 36, 26, 18, 30, 50),
    ("FOO-10", "food", "chocolate", 0.40, 18, 12, 5, 35, 100),
    ("HOM-01", "home", "pillow", 0.90, 48, 30, 15, 40, 50),
    ("HOM-02", "home", "duvet", 2.20, 50, 40, 18, 160, 20),
    ("HOM-03", "home", "bath towels", 0.70, 30, 25, 8, 35, 100),
    ("HOM-04", "home", "storage box", 1.00, 40, 30, 12, 30, 50),
    ("HOM-05", "home", "desk lamp", 1.20, 40, 18, 15, 70, 50),
    ("HOM-06", "home", "frying pan", 1.80, 50, 30, 8, 90, 50),
    ("HOM-07", "home", "bed sheet set", 1.30, 35, 28, 10, 90, 50),
    ("HOM-08", "home", "kitchen knife set", 1.50, 38, 18, 8, 110, 30),
    ("HOM-09", "home", "laundry basket", 0.80, 45, 35, 10, 25, 50),
    ("HOM-10", "home", "candle set", 0.60, 20, 15, 10, 30, 100),
    ("ELE-01", "electronics", "earbuds", 0.15, 12, 10, 5, 150, 50),
    ("ELE-02", "electronics", "phone charger", 0.12, 10, 8, 4, 30, 100),
    ("ELE-03", "electronics", "power bank", 0.35, 16, 9, 3, 70, 100),
    ("ELE-04", "electronics", "keyboard", 0.90, 46, 16, 5, 150, 30),
    ("ELE-05", "electronics", "webcam", 0.40, 18, 12, 10, 180, 50),
    ("ELE-06", "electronics", "bluetooth speaker", 0.80, 20, 12, 12, 120, 50),
    ("ELE-07", "electronics", "wifi router", 0.60, 25, 20, 8, 110, 50),
    ("ELE-08", "electronics", "smartwatch", 0.20, 12, 10, 8, 400, 30),
    ("ELE-09", "electronics", "mouse", 0.15, 14, 9, 5, 40, 100),
    ("ELE-10", "electronics", "tablet", 0.70, 28, 20, 5, 1200, 10),
    ("MOB-01", "mother_baby", "diapers pack", 1.80, 38, 26, 20, 80, 50),
    ("MOB-02", "mother_baby", "formula tin", 1.00, 14, 14, 18, 150, 50),
    ("MOB-03", "mother_baby", "baby wipes 5-pack", 1.00, 22, 15, 12, 25, 100),
    ("MOB-04", "mother_baby", "feeding bottle", 0.20, 18, 9, 9, 50, 100),
    ("MOB-05", "mother_baby", "plush toy", 0.40, 35, 25, 20, 40, 50),
    ("MOB-06", "mother_baby", "baby clothes set", 0.30, 26, 20, 5, 60, 100),
    ("MOB-07", "mother_baby", "baby carrier", 0.80, 40, 30, 12, 150, 30),
    ("MOB-08", "mother_baby", "teether", 0.08, 12, 8, 4, 20, 200),
    ("MOB-09", "mother_baby", "baby bath tub", 1.20, 55, 35, 12, 70, 20),
    ("MOB-10", "mother_baby", "building blocks", 1.10, 35, 28, 15, 90, 50),
]
POPULARITY_EXPONENT = 1.6
PACKAGING = {"padding_cm": 2, "base_kg": 0.08, "per_unit_kg": 0.02}

# The current site and the candidate sites are shared with the chapter's analysis code, so the
# rows live in ecomkit.reference.sites (see SITE_COLUMNS there for the fields).
WAREHOUSE_SITES = list(SITE_ROWS)
CURRENT_SITE = "WH-HZ"

# Zone k covers great-circle distances in [ZONE_BANDS_KM[k-1], ZONE_BANDS_KM[k]) km; the last
# zone is open-ended.
ZONE_BANDS_KM = (0, 300, 800, 1500, 2500)
CARRIERS = ("economy", "premium")
# carrier -> per zone 1..5: (first_weight_cny, per_kg_cny); plus the carrier-wide terms
RATE_CARD = {
    "economy": {"prices": [(4.0, 0.8), (5.0, 1.5), (6.0, 2.5), (7.5, 3.5), (10.0, 6.0)],
                "first_weight_kg": 1.0, "weight_step_kg": 1.0, "volumetric_divisor": 12000,
                "remote_surcharge_cny": 10.0},
    "premium": {"prices": [(12.0, 2.0), (14.0, 3.0), (17.0, 5.0), (20.0, 7.0), (24.0, 10.0)],
                "first_weight_kg": 1.0, "weight_step_kg": 1.0, "volumetric_divisor": 6000,
                "remote_surcharge_cny": 15.0},
}
PREMIUM_RULE = {"categories": ["electronics"], "min_order_value_cny": 500.0}
# actual_days = base + distance_km / speed + remote_extra * remote + tier_extra[tier] + noise,
# noise ~ Gamma(shape, scale) (mean shape * scale)
TRANSIT_MODEL = {
    "economy": {"base_days": 0.8, "speed_km_per_day": 550.0, "remote_extra_days": 1.6,
                "noise_shape": 2.0, "noise_scale_days": 0.35},
    "premium": {"base_days": 0.4, "speed_km_per_day": 1100.0, "remote_extra_days": 0.9,
                "noise_shape": 2.0, "noise_scale_days": 0.15},
    "tier_extra_days": {"1": 0.0, "2": 0.15, "3": 0.35, "4": 0.6, "5": 0.9},
}
PROMISED_DAYS = {"economy": {"by_zone": [3, 4, 5, 7, 8], "remote_extra": 2},
                 "premium": {"by_zone": [2, 3, 3, 4, 5], "remote_extra": 1}}
PROCESSING_HOURS = {"shape": 2.0, "scale_hours": 8.0}       # order -> handed to the carrier
RETURN_DECISION_DAYS = {"shape": 2.0, "scale_days": 2.5}    # delivered -> return parcel sent
LEAD_TIME_MEAN_DAYS = {"apparel": 12.0, "beauty": 8.0, "food": 5.0, "home": 10.0,
                       "electronics": 14.0, "mother_baby": 7.0}
LEAD_TIME_MIN_DAYS = 2
REPLENISHMENT_RULE = {"review_weekday": 0, "sales_window_days": 3, "review_days": 7,
                      "safety_days": 7, "initial_cover_days": 30}


@dataclass(frozen=True, eq=False)
class Logistics:
    """The logistics tables of a simulated shop and the truth that generated them.

    Attributes
    ----------
    products : one row per SKU (sku, category, product, unit_weight_kg, length_cm, width_cm,
        height_cm, unit_cost_cny, moq_units).
    warehouses : the current site and the candidate sites (see :data:`WAREHOUSE_SITES`).
    rate_card : one row per carrier x zone.
    shipments : one row per parcel (outbound and return), sorted by shipped_ts.
    inventory_demand : one row per day x SKU: units ordered, units received, stock at day end.
    lead_times : one row per purchase order of the current replenishment practice.
    truth : JSON-able dict of the generating parameters.
    """

    products: pd.DataFrame
    warehouses: pd.DataFrame
    rate_card: pd.DataFrame
    shipments: pd.DataFrame
    inventory_demand: pd.DataFrame
    lead_times: pd.DataFrame
    truth: dict


def product_table() -> pd.DataFrame:
    """The product catalogue as a DataFrame (no random part)."""
    cols = ["sku", "category", "product", "unit_weight_kg", "length_cm", "width_cm", "height_cm",
            "unit_cost_cny", "moq_units"]
    table = pd.DataFrame(PRODUCT_CATALOGUE, columns=cols)
    for col in ("length_cm", "width_cm", "height_cm", "moq_units"):
        table[col] = table[col].astype("int64")
    table["unit_cost_cny"] = table["unit_cost_cny"].astype("float64")
    return table


def warehouse_table() -> pd.DataFrame:
    """The current warehouse and the candidate sites as a DataFrame (no random part).

    The same table as :func:`ecomkit.reference.candidate_sites`.
    """
    return candidate_sites()


def rate_card_table() -> pd.DataFrame:
    """The carriers' published tariff: one row per carrier x zone."""
    rows = []
    bands = list(ZONE_BANDS_KM) + [np.inf]
    for carrier in CARRIERS:
        card = RATE_CARD[carrier]
        for zone, (first, per_kg) in enumerate(card["prices"], start=1):
            rows.append({"carrier": carrier, "zone": zone, "min_km": float(bands[zone - 1]),
                         "max_km": float(bands[zone]), "first_weight_kg": card["first_weight_kg"],
                         "first_weight_cny": first, "per_kg_cny": per_kg,
                         "weight_step_kg": card["weight_step_kg"],
                         "volumetric_divisor": float(card["volumetric_divisor"]),
                         "remote_surcharge_cny": card["remote_surcharge_cny"]})
    table = pd.DataFrame(rows)
    table["zone"] = table["zone"].astype("int64")
    return table


def _great_circle_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    # the simulator keeps its own arithmetic so the chapter's functions are checked, not reused
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _tariff(carrier_code: np.ndarray, zone: np.ndarray, chargeable: np.ndarray,
            remote: np.ndarray) -> np.ndarray:
    first = np.array([[p[0] for p in RATE_CARD[c]["prices"]] for c in CARRIERS])
    per_kg = np.array([[p[1] for p in RATE_CARD[c]["prices"]] for c in CARRIERS])
    first_kg = np.array([RATE_CARD[c]["first_weight_kg"] for c in CARRIERS])[carrier_code]
    step = np.array([RATE_CARD[c]["weight_step_kg"] for c in CARRIERS])[carrier_code]
    surcharge = np.array([RATE_CARD[c]["remote_surcharge_cny"] for c in CARRIERS])[carrier_code]
    billed = np.maximum(np.ceil(np.round(chargeable / step, 9)) * step, first_kg)
    cents = np.rint((first[carrier_code, zone - 1] + per_kg[carrier_code, zone - 1]
                     * (billed - first_kg) + surcharge * remote) * 100)
    return cents / 100


def _transit(rng: np.random.Generator, carrier_code: np.ndarray, distance: np.ndarray,
             remote: np.ndarray, tier: np.ndarray) -> np.ndarray:
    par = [TRANSIT_MODEL[c] for c in CARRIERS]
    base = np.array([p["base_days"] for p in par])[carrier_code]
    speed = np.array([p["speed_km_per_day"] for p in par])[carrier_code]
    rem = np.array([p["remote_extra_days"] for p in par])[carrier_code]
    shape = np.array([p["noise_shape"] for p in par])[carrier_code]
    scale = np.array([p["noise_scale_days"] for p in par])[carrier_code]
    tier_extra = np.array([TRANSIT_MODEL["tier_extra_days"][str(t)] for t in range(1, 6)])
    days = (base + distance / speed + rem * remote + tier_extra[tier - 1]
            + rng.gamma(shape, 1.0) * scale)
    return np.round(days, 2)


def _promised(carrier_code: np.ndarray, zone: np.ndarray, remote: np.ndarray) -> np.ndarray:
    by_zone = np.array([PROMISED_DAYS[c]["by_zone"] for c in CARRIERS])
    extra = np.array([PROMISED_DAYS[c]["remote_extra"] for c in CARRIERS])
    return (by_zone[carrier_code, zone - 1] + extra[carrier_code] * remote).astype(np.int64)


def simulate_logistics(shop, seed: int | None = None) -> Logistics:
    """Simulate the logistics tables of a simulated shop (see the module docstring).

    Parameters
    ----------
    shop : :class:`ecomkit.simulate.Shop` (customers and orders are used).
    seed : random seed; ``None`` uses the shop's own seed. The streams are independent of the
        shop's, so the shop's tables are unchanged.

    Returns
    -------
    :class:`Logistics`

    Example
    -------
    >>> logi = simulate_logistics(simulate_shop(2_000, seed=3))      # doctest: +SKIP
    >>> logi.shipments["shipping_cost_cny"].mean()                   # doctest: +SKIP
    """
    if seed is None:
        seed = int(shop.truth.params.get("seed", 0))
    (rng_product, rng_ship, rng_transit, rng_stock) = [
        np.random.default_rng(s) for s in np.random.SeedSequence([int(seed), 5]).spawn(4)]

    products = product_table()
    warehouses = warehouse_table()
    rate_card = rate_card_table()
    categories = sorted(products["category"].unique())
    n_per_cat = products.groupby("category").size()
    if n_per_cat.nunique() != 1:
        raise ValueError("the catalogue needs the same number of SKUs in every category")
    k = int(n_per_cat.iloc[0])

    # 1. popularity: Zipf weights over shuffled ranks, per category
    zipf = 1.0 / np.arange(1, k + 1) ** POPULARITY_EXPONENT
    zipf /= zipf.sum()
    weights = np.vstack([zipf[rng_product.permutation(k)] for _ in categories])   # (cat, k)
    sku_by_cat = np.vstack([products.loc[products["category"] == c, "sku"].to_numpy()
                            for c in categories])
    popularity = {sku_by_cat[i, j]: float(weights[i, j]) for i in range(len(categories))
                  for j in range(k)}

    # 2. outbound parcels: one per real order
    orders = shop.orders
    real = orders[orders["status"] != "cancelled"].reset_index(drop=True)
    n = len(real)
    cat_code = pd.Categorical(real["category"], categories=categories).codes.astype(np.int64)
    if (cat_code < 0).any():
        raise ValueError("orders carry a category missing from the product catalogue")
    cum = np.cumsum(weights, axis=1)
    cum[:, -1] = 1.0
    pick = (rng_ship.random(n)[:, None] >= cum[cat_code]).sum(axis=1)
    sku = sku_by_cat[cat_code, pick]
    prod = products.set_index("sku").loc[sku]
    units = real["items"].to_numpy(dtype=np.int64)
    pad = PACKAGING["padding_cm"]
    length = prod["length_cm"].to_numpy() + pad
    width = prod["width_cm"].to_numpy() + pad
    height = prod["height_cm"].to_numpy() * units + pad
    actual = np.round(prod["unit_weight_kg"].to_numpy() * units + PACKAGING["base_kg"]
                      + PACKAGING["per_unit_kg"] * units, 3)
    premium = (np.isin(real["category"].to_numpy(), PREMIUM_RULE["categories"])
               | (real["net_amount"].to_numpy() >= PREMIUM_RULE["min_order_value_cny"]))
    carrier_code = premium.astype(np.int64)
    divisor = np.array([RATE_CARD[c]["volumetric_divisor"] for c in CARRIERS])[carrier_code]
    volumetric = np.round(length * width * height / divisor, 3)
    chargeable = np.maximum(actual, volumetric)

    provinces = PROVINCES.set_index("province")
    dest = provinces.loc[real["province"].to_numpy()]
    site = warehouses.set_index("site_id").loc[CURRENT_SITE]
    distance = np.round(_great_circle_km(site["lat"], site["lon"], dest["lat"].to_numpy(),
                                         dest["lon"].to_numpy()), 1)
    zone = np.searchsorted(np.asarray(ZONE_BANDS_KM, dtype=float), distance, side="right")
    remote = dest["remote"].to_numpy(dtype=bool)
    tier = (shop.customers.set_index("customer_id")["city_tier"]
            .reindex(real["customer_id"].to_numpy()).to_numpy(dtype=np.int64))
    cost = _tariff(carrier_code, zone, chargeable, remote)
    processing_s = np.rint(rng_ship.gamma(PROCESSING_HOURS["shape"],
                                          PROCESSING_HOURS["scale_hours"], n) * 3600)
    shipped = real["order_ts"].to_numpy() + processing_s.astype("timedelta64[s]")
    actual_days = _transit(rng_transit, carrier_code, distance, remote, tier)
    promised = _promised(carrier_code, zone, remote)

    outbound = pd.DataFrame({
        "order_id": real["order_id"].to_numpy(),
        "customer_id": real["customer_id"].to_numpy(),
        "direction": "outbound",
        "carrier": np.asarray(CARRIERS, dtype=object)[carrier_code],
        "origin": CURRENT_SITE,
        "origin_city": site["city"],
        "destination_province": real["province"].to_numpy(),
        "destination_city": dest["capital"].to_numpy(),
        "city_tier": tier,
        "distance_km": distance,
        "zone": zone.astype(np.int64),
        "sku": sku,
        "units": units,
        "actual_weight_kg": actual,
        "length_cm": length.astype(np.int64),
        "width_cm": width.astype(np.int64),
        "height_cm": height.astype(np.int64),
        "volumetric_weight_kg": volumetric,
        "chargeable_weight_kg": chargeable,
        "shipping_cost_cny": cost,
        "order_value_cny": real["net_amount"].to_numpy(),
        "shipping_fee_paid_cny": real["shipping_fee"].to_numpy(),
        "order_ts": real["order_ts"].to_numpy(),
        "shipped_ts": shipped.astype("datetime64[ns]"),
        "promised_days": promised,
        "actual_days": actual_days,
    })

    # 3. return parcels (economy, back to the origin)
    is_ret = (real["status"] == "returned").to_numpy()
    r = outbound.loc[is_ret].copy()
    m = len(r)
    r_code = np.zeros(m, dtype=np.int64)
    r_divisor = RATE_CARD["economy"]["volumetric_divisor"]
    r["direction"] = "return"
    r["carrier"] = "economy"
    r["volumetric_weight_kg"] = np.round(
        r["length_cm"].to_numpy() * r["width_cm"].to_numpy() * r["height_cm"].to_numpy()
        / r_divisor, 3)
    r["chargeable_weight_kg"] = np.maximum(r["actual_weight_kg"].to_numpy(),
                                           r["volumetric_weight_kg"].to_numpy())
    r_remote = remote[is_ret]
    r_zone = r["zone"].to_numpy()
    r["shipping_cost_cny"] = _tariff(r_code, r_zone, r["chargeable_weight_kg"].to_numpy(), r_remote)
    delivered = (r["shipped_ts"].to_numpy()
                 + (r["actual_days"].to_numpy() * DAY_NS).astype("timedelta64[ns]"))
    decide = rng_ship.gamma(RETURN_DECISION_DAYS["shape"], RETURN_DECISION_DAYS["scale_days"], m)
    r["shipped_ts"] = (delivered + np.rint(decide * 86_400).astype("timedelta64[s]")
                       ).astype("datetime64[s]").astype("datetime64[ns]")
    r["actual_days"] = _transit(rng_transit, r_code, r["distance_km"].to_numpy(), r_remote,
                                r["city_tier"].to_numpy())
    r["promised_days"] = _promised(r_code, r_zone, r_remote)
    r["order_value_cny"] = np.nan
    r["shipping_fee_paid_cny"] = np.nan

    shipments = pd.concat([outbound, r], ignore_index=True)
    shipments["shipped_ts"] = shipments["shipped_ts"].dt.floor("s")
    shipments = shipments.sort_values(["shipped_ts", "order_id", "direction"],
                                      kind="mergesort").reset_index(drop=True)
    shipments["late"] = shipments["actual_days"] > shipments["promised_days"]
    shipments.insert(0, "shipment_id", SHIPMENT_ID_START + np.arange(len(shipments),
                                                                      dtype=np.int64))

    # 4. daily demand and the current replenishment practice
    start = pd.Timestamp(shop.truth.params["start"])
    end = pd.Timestamp(shop.truth.params["end"])
    days = pd.date_range(start, end, freq="D")
    sku_list = products["sku"].to_numpy()
    day_idx = ((outbound["order_ts"].dt.normalize() - start).dt.days).to_numpy()
    sku_idx = pd.Index(sku_list).get_indexer(outbound["sku"].to_numpy())
    demand = np.zeros((len(days), len(sku_list)), dtype=np.int64)
    np.add.at(demand, (day_idx, sku_idx), units)
    lead_mean = products["category"].map(LEAD_TIME_MEAN_DAYS).to_numpy(dtype=float)
    on_hand, received, pos = _replenish(rng_stock, demand, days, lead_mean,
                                        products["moq_units"].to_numpy(dtype=np.int64))
    inventory = pd.DataFrame({
        "date": np.repeat(days.to_numpy(dtype="datetime64[ns]"), len(sku_list)),
        "sku": np.tile(sku_list, len(days)),
        "units": demand.ravel(),
        "received_units": received.ravel(),
        "on_hand_units": on_hand.ravel(),
    })
    lead_times = pd.DataFrame({
        "po_id": PO_ID_START + np.arange(len(pos["sku"]), dtype=np.int64),
        "sku": sku_list[pos["sku"]],
        "order_date": days.to_numpy(dtype="datetime64[ns]")[pos["day"]],
        "receipt_date": (days[0] + pd.to_timedelta(pos["day"] + pos["lead"], unit="D")).to_numpy(),
        "lead_time_days": pos["lead"].astype(np.int64),
        "units": pos["units"].astype(np.int64),
    })
    lead_times = lead_times.sort_values(["order_date", "sku"], kind="mergesort").reset_index(drop=True)
    lead_times["po_id"] = PO_ID_START + np.arange(len(lead_times), dtype=np.int64)

    truth = _truth(seed, popularity, len(shipments))
    return Logistics(products=products, warehouses=warehouses, rate_card=rate_card,
                     shipments=shipments, inventory_demand=inventory, lead_times=lead_times,
                     truth=truth)


def _replenish(rng: np.random.Generator, demand: np.ndarray, days: pd.DatetimeIndex,
               lead_mean: np.ndarray, moq: np.ndarray):
    """The handbooks' weekly rule, vectorised over SKUs (one loop over days)."""
    rule = REPLENISHMENT_RULE
    n_days, n_sku = demand.shape
    max_lead = int(np.max(lead_mean) * 4 + 30)
    arrivals = np.zeros((n_days + max_lead + 2, n_sku), dtype=np.int64)
    cover0 = np.ceil(demand[:28].mean(axis=0) * rule["initial_cover_days"]).astype(np.int64)
    on_hand = np.empty((n_days, n_sku), dtype=np.int64)
    received = np.empty((n_days, n_sku), dtype=np.int64)
    stock = cover0.copy()
    position = cover0.copy()
    cover_days = rule["review_days"] + lead_mean + rule["safety_days"]
    weekday = days.dayofweek.to_numpy()
    po_day, po_sku, po_lead, po_units = [], [], [], []
    for t in range(n_days):
        # receipts are booked at the end of their receipt day, after that day's sales
        stock = stock - demand[t] + arrivals[t]
        position = position - demand[t]
        on_hand[t] = stock
        received[t] = arrivals[t]
        if weekday[t] == rule["review_weekday"] and t >= rule["sales_window_days"] - 1:
            recent = demand[t - rule["sales_window_days"] + 1: t + 1].mean(axis=0)
            target = recent * cover_days
            gap = target - position
            need = gap > 0
            if need.any():
                idx = np.flatnonzero(need)
                qty = np.ceil(gap[idx] / moq[idx]).astype(np.int64) * moq[idx]
                lead = LEAD_TIME_MIN_DAYS + rng.poisson(lead_mean[idx] - LEAD_TIME_MIN_DAYS)
                lead = np.minimum(lead, max_lead)
                arrivals[t + lead, idx] += qty
                position[idx] += qty
                po_day.append(np.full(idx.size, t))
                po_sku.append(idx)
                po_lead.append(lead)
                po_units.append(qty)
    cat = (lambda parts: np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64))
    pos = {"day": cat(po_day), "sku": cat(po_sku), "lead": cat(po_lead), "units": cat(po_units)}
    return on_hand, received, pos


def _truth(seed: int, popularity: dict, n_shipments: int) -> dict:
    truth = {
        "seed": int(seed),
        "current_site": CURRENT_SITE,
        "zone_bands_km": list(ZONE_BANDS_KM),
        "rate_card": RATE_CARD,
        "premium_rule": PREMIUM_RULE,
        "transit_model": TRANSIT_MODEL,
        "promised_days": PROMISED_DAYS,
        "processing_hours": PROCESSING_HOURS,
        "return_decision_days": RETURN_DECISION_DAYS,
        "packaging": PACKAGING,
        "sku_popularity": popularity,
        "popularity_exponent": POPULARITY_EXPONENT,
        "lead_time_mean_days": LEAD_TIME_MEAN_DAYS,
        "lead_time_min_days": LEAD_TIME_MIN_DAYS,
        "replenishment_rule": REPLENISHMENT_RULE,
        "counts": {"shipments": int(n_shipments)},
        "description": _DESCRIPTION,
    }
    return json.loads(json.dumps(truth))


_DESCRIPTION = {
    "rate_card": "Per carrier and zone: cost = first_weight_cny + per_kg_cny * (billed_kg - "
                 "first_weight_kg) + remote_surcharge_cny if the destination is remote; billed_kg "
                 "= chargeable weight rounded up to weight_step_kg, at least first_weight_kg; "
                 "chargeable = max(actual, L*W*H/volumetric_divisor) with cm and kg. prices lists "
                 "(first_weight_cny, per_kg_cny) for zones 1..5.",
    "zone_bands_km": "Zone k covers great-circle distances from the origin warehouse to the "
                     "destination province capital in [band[k-1], band[k]) km; zone 5 is open-ended.",
    "premium_rule": "Electronics orders and orders of min_order_value_cny or more ship premium; "
                    "return parcels always ship economy.",
    "transit_model": "actual_days = base_days + distance_km / speed_km_per_day + remote_extra_days "
                     "* remote + tier_extra_days[city_tier] + Gamma(noise_shape, noise_scale_days) "
                     "noise (mean noise_shape * noise_scale_days), rounded to 0.01 day.",
    "promised_days": "The carrier's promise: by_zone[zone-1] days, plus remote_extra for remote "
                     "destinations. late = actual_days > promised_days.",
    "sku_popularity": "Probability that an order of the SKU's category is for that SKU (the "
                      "weights of a category sum to 1). An order holds items units of one SKU.",
    "lead_time_mean_days": "Supplier lead time of a purchase order = lead_time_min_days + "
                           "Poisson(mean - lead_time_min_days) days, by category; an order placed "
                           "on day t is received at the end of day t + lead time.",
    "replenishment_rule": "The shop's current practice: every review weekday (0 = Monday), order "
                          "up to mean(last sales_window_days of units) * (review_days + lead-time "
                          "mean + safety_days), rounded up to a multiple of the SKU's moq_units. "
                          "Initial stock covers initial_cover_days of the first 28 days' mean demand. "
                          "Stock may go negative: backordered units.",
    "packaging": "Parcel = units stacked on their height plus padding_cm on each dimension; weight "
                 "= units * unit weight + base_kg + per_unit_kg * units.",
}


def write_logistics(logistics: Logistics, directory: str | Path) -> list[Path]:
    """Write the logistics tables and truth into ``directory``; return the paths.

    Small tables are CSV (UTF-8, dates ``YYYY-MM-DD``); shipments and the daily stock table are
    Parquet (they are large). The truth goes to ``logistics_truth.json``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    common = {"index": False, "encoding": "utf-8", "lineterminator": "\n"}
    logistics.products.to_csv(directory / "products.csv", **common)
    logistics.warehouses.to_csv(directory / "warehouses.csv", **common)
    logistics.rate_card.to_csv(directory / "rate_card.csv", **common)
    logistics.lead_times.to_csv(directory / "inventory_demand_lead_times.csv",
                                date_format="%Y-%m-%d", **common)
    parquet = {"index": False, "compression": "zstd", "engine": "pyarrow"}
    logistics.shipments.to_parquet(directory / "shipments.parquet", **parquet)
    logistics.inventory_demand.to_parquet(directory / "inventory_demand.parquet", **parquet)
    with open(directory / "logistics_truth.json", "w", encoding="utf-8") as fh:
        json.dump(logistics.truth, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    return [directory / name for name in LOGISTICS_FILES]


def build_logistics(shop, directory: str | Path) -> list[Path]:
    """Simulate the logistics tables of ``shop`` (its own seed) and write them: ``make demo``."""
    return write_logistics(simulate_logistics(shop), directory)
