"""Shipments (one row per parcel) and the other logistics tables: products, warehouses, rate card,
daily inventory demand and purchase-order lead times."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecomkit.io.parse import parse_ids
from ecomkit.io.spec import Column, LegacyOption, Rule, TableSpec

__all__ = ["SHIPMENTS", "PRODUCTS", "WAREHOUSES", "RATE_CARD", "INVENTORY_DEMAND", "LEAD_TIMES", "REGIONS",
           "derive_geography", "region_keys"]


def _words():
    from ecomkit.io import vocab

    return vocab


_MEASURES = ("distance_km", "actual_weight_kg", "length_cm", "width_cm", "height_cm", "volumetric_weight_kg",
             "chargeable_weight_kg", "actual_days", "origin_lat", "origin_lon")
_POSITIVE = ("actual_weight_kg", "chargeable_weight_kg", "length_cm", "width_cm", "height_cm")

SHIPMENT_COLUMNS = (
    Column("shipment_id", "id", meaning="the parcel's id"),
    Column("order_id", "id", required=True, meaning="the order shipped"),
    Column("customer_id", "id", meaning="the buyer"),
    Column("direction", "text", meaning="outbound (to the buyer) or return; default outbound"),
    Column("carrier", "text", meaning="courier; default 'all'"),
    Column("origin", "text", meaning="warehouse site id or city shipped from"),
    Column("origin_city", "text", meaning="city shipped from"),
    Column("origin_lat", "number", meaning="latitude of the origin", unit="degrees"),
    Column("origin_lon", "number", meaning="longitude of the origin", unit="degrees"),
    Column("destination_province", "region", required=True, meaning="province delivered to"),
    Column("destination_city", "text", meaning="city delivered to"),
    Column("city_tier", "count", meaning="city tier 1-5 of the destination", minimum=1, maximum=5),
    Column("distance_km", "number", meaning="distance shipped", unit="km", minimum=0),
    Column("zone", "count", meaning="the carrier's tariff zone", minimum=0),
    Column("sku", "text", meaning="the product shipped (single-SKU parcels)"),
    Column("units", "count", meaning="units in the parcel", minimum=1),
    Column("actual_weight_kg", "number", meaning="scale weight", unit="kg", positive=True),
    Column("length_cm", "number", meaning="box length", unit="cm", positive=True),
    Column("width_cm", "number", meaning="box width", unit="cm", positive=True),
    Column("height_cm", "number", meaning="box height", unit="cm", positive=True),
    Column("volumetric_weight_kg", "number", meaning="volume weight", unit="kg"),
    Column("chargeable_weight_kg", "number", meaning="billed weight: max(actual, volumetric)", unit="kg", positive=True),
    Column("shipping_cost_cny", "money", required=True, meaning="what the shop paid the carrier", unit="currency"),
    Column("order_value_cny", "money", meaning="value of the goods", unit="currency"),
    Column("shipping_fee_paid_cny", "money", meaning="shipping the buyer paid", unit="currency"),
    Column("order_ts", "timestamp", meaning="when the order was placed"),
    Column("shipped_ts", "timestamp", meaning="when the parcel left"),
    Column("promised_days", "count", meaning="delivery days promised", minimum=0),
    Column("actual_days", "number", meaning="delivery days taken", unit="days", minimum=0),
    Column("late", "flag", meaning="delivered later than promised"),
)


def clean_shipments(r) -> None:
    from ecomkit.reference import PROVINCES

    v = _words()
    r.drop_blanks(["order_id", "destination_province"])
    for col in ("order_id", "shipment_id", "customer_id"):
        if col in r.df.columns:
            blank = r.df[col].isna().to_numpy()
            if blank.any():
                raise r.error(blank, col, "blank")
            r.df[col] = parse_ids(r.df[col])
    if "carrier" in r.df.columns:
        r.df["carrier"] = r.df["carrier"].fillna("unknown")
    else:
        r.df["carrier"] = "all"
        r.ledger.note("no carrier column: every parcel counted under carrier 'all'")
    if "direction" in r.df.columns:
        mapped = r.df["direction"].map(lambda x: v.DIRECTION_WORDS.get(v.normalise_word(x)) if isinstance(x, str) else None)
        bad = mapped.isna().to_numpy()
        if bad.any():
            raise r.error(bad, "direction", "not outbound/return",
                          hint="Accepted: outbound, forward, 发货, 正向 / return, reverse, 退货, 逆向.")
        r.df["direction"] = mapped.astype(object)
    else:
        r.df["direction"] = "outbound"
        r.ledger.note("no direction column: every parcel treated as outbound")
    if "shipment_id" in r.df.columns:
        rep = r.df["shipment_id"].duplicated(keep=False).to_numpy()
        if rep.any():
            raise r.error(rep, "shipment_id", "shipment id repeated with different content")
    regions = r.options.regions
    if regions is not None:
        known = set(region_keys(regions["region"]))
        unknown = ~region_keys(r.df["destination_province"]).isin(known).to_numpy()
        problem, where = "not a region of the regions table", "parcels to a region missing from the regions table"
        hint = "Add the region to the regions table (region, lat, lon, remote)."
    else:
        unknown = ~r.df["destination_province"].isin(set(PROVINCES["province"])).to_numpy()
        problem, where = "not a mainland province", "parcels to a province outside the 31 mainland ones"
        hint = ("Use pinyin (Guangdong) or Chinese (广东 / 广东省) province names; for another country put a "
                "regions table (region, lat, lon, remote) in the data folder.")
    if unknown.any():
        if r.action("unknown_provinces") == "error":
            raise r.error(unknown, "destination_province", problem,
                          fix="pass --clean unknown_provinces=drop to drop those parcels", hint=hint)
        r.drop(unknown, "unknown_provinces", where)
    blank_cost = r.df["shipping_cost_cny"].isna().to_numpy()
    if blank_cost.any():
        r.apply(blank_cost, "blank_shipping_cost_cny", "shipping_cost_cny", "blank",
                "parcels whose shipping_cost_cny is blank")
    nonpositive = (r.df["shipping_cost_cny"] <= 0).to_numpy()
    if nonpositive.any():
        r.apply(nonpositive, "nonpositive_costs", "shipping_cost_cny", "zero or negative",
                "parcels whose shipping_cost_cny is zero or negative")
    weights = [c for c in ("chargeable_weight_kg", "actual_weight_kg") if c in r.df.columns]
    no_weight = r.df[weights].isna().all(axis=1).to_numpy()
    if no_weight.any():
        r.apply(no_weight, "missing_weights", weights[0], "blank (no weight at all)", "parcels without any weight")
    if "late" in r.df.columns and r.df["late"].isna().any():
        raise r.error(r.df["late"].isna().to_numpy(), "late", "blank")


def _shipment_time(r):
    return "shipped_ts" if "shipped_ts" in r.df.columns else ("order_ts" if "order_ts" in r.df.columns else None)


_LEGACY_SHIPMENTS = (
    LegacyOption("nonpositive_costs", {a: {"nonpositive_costs": a, "blank_shipping_cost_cny": a} for a in ("error", "drop")}),
    LegacyOption("unknown_provinces", {a: {"unknown_provinces": a} for a in ("error", "drop")}),
    LegacyOption("missing_weights", {a: {"missing_weights": a} for a in ("error", "drop")}),
    LegacyOption("duplicates", {"drop_exact": {"duplicate_rows": "drop"}, "error": {"duplicate_rows": "error"}}),
)


SHIPMENTS = TableSpec(
    name="shipments", label="shipments", columns=SHIPMENT_COLUMNS,
    rules=(Rule("nonpositive_costs", "error", ("error", "drop"), "parcels whose cost is zero or negative"),
           Rule("unknown_provinces", "error", ("error", "drop"), "parcels to a province that is not a mainland one"),
           Rule("missing_weights", "drop", ("drop", "error"), "parcels with no weight at all")),
    one_of=(("chargeable_weight_kg", "actual_weight_kg"),), time_column=_shipment_time,
    sort_by=("shipped_ts", "shipment_id"), clean=clean_shipments, legacy=_LEGACY_SHIPMENTS,
    aliases={"destination_province": ["省份", "收货省份", "目的省份", "province"],
             "shipping_cost_cny": ["运费", "快递费", "物流成本", "shipping_cost", "freight"]})


def _known_sites(warehouses: pd.DataFrame | None) -> dict[str, tuple[float, float]]:
    """city or site id (lower case) -> (lat, lon): the data's warehouses, the course's candidate
    sites, then the province capitals."""
    from ecomkit.reference import PROVINCES, candidate_sites

    sites: dict[str, tuple[float, float]] = {}
    for row in PROVINCES.itertuples(index=False):
        for name in (row.capital, row.capital_zh):
            sites[str(name).strip().lower()] = (float(row.lat), float(row.lon))
    for table in [candidate_sites()] + ([warehouses] if warehouses is not None else []):
        for _, row in table.iterrows():
            for key in ("site_id", "city"):
                if key in table.columns and pd.notna(row[key]):
                    sites[str(row[key]).strip().lower()] = (float(row["lat"]), float(row["lon"]))
    return sites


def region_keys(values) -> pd.Series:
    """Region names compared case- and space-insensitively (``"São Paulo "`` matches ``"são paulo"``)."""
    return pd.Series(values).astype(str).str.strip().str.casefold()


def derive_geography(df: pd.DataFrame, ledger, warehouses: pd.DataFrame | None = None,
                     volumetric_divisor: float | None = None, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add what the chapter measures with: chargeable weight, destination coordinates and remote
    flag, distance from the origin, tariff zone, and lateness. Each derivation is noted.

    Destinations are placed at the province capital (China) or, with a ``regions`` table, at the
    region's own coordinates (any country)."""
    from ecomkit.logistics import ZONE_BANDS_KM, haversine_km, volumetric_weight, zone_for_distance
    from ecomkit.reference import PROVINCES

    df = df.copy()
    dims = all(c in df.columns for c in ("length_cm", "width_cm", "height_cm"))
    if "chargeable_weight_kg" not in df.columns:
        if dims and volumetric_divisor and "actual_weight_kg" in df.columns:
            vol = volumetric_weight(df["length_cm"], df["width_cm"], df["height_cm"], volumetric_divisor)
            df["volumetric_weight_kg"] = np.round(vol, 3)
            df["chargeable_weight_kg"] = np.fmax(df["actual_weight_kg"].to_numpy(), vol)
            ledger.note(f"chargeable weight computed as max(actual, L*W*H/{volumetric_divisor:g})")
        else:
            df["chargeable_weight_kg"] = df["actual_weight_kg"]
            ledger.note("no chargeable weight column: the actual weight is taken as billed")
    elif "actual_weight_kg" in df.columns:
        df["chargeable_weight_kg"] = df["chargeable_weight_kg"].fillna(df["actual_weight_kg"])
    if regions is not None:
        geo = regions.assign(key=region_keys(regions["region"]).to_numpy()).drop_duplicates("key").set_index("key")
        keys = region_keys(df["destination_province"]).to_numpy()
        remote = geo["remote"] if "remote" in geo.columns else pd.Series(False, index=geo.index)
        ledger.note(f"destinations placed with the regions table ({len(geo):,} regions)")
    else:
        geo, keys = PROVINCES.set_index("province"), df["destination_province"].to_numpy()
        remote = geo["remote"]
    df["dest_lat"] = geo["lat"].reindex(keys).to_numpy(dtype=float)
    df["dest_lon"] = geo["lon"].reindex(keys).to_numpy(dtype=float)
    df["remote"] = remote.reindex(keys).fillna(False).to_numpy(dtype=bool)
    if "origin_lat" not in df.columns or "origin_lon" not in df.columns:
        sites = _known_sites(warehouses)
        key = None
        for col in ("origin", "origin_city"):
            if col in df.columns:
                key = df[col].str.lower() if key is None else key.fillna(df[col].str.lower())
        if key is not None:
            found = key.map(sites)
            if found.notna().all():
                df["origin_lat"] = found.map(lambda v: v[0]).astype("float64")
                df["origin_lon"] = found.map(lambda v: v[1]).astype("float64")
            else:
                missing = sorted(set(key[found.isna()].dropna()))[:5]
                ledger.note(f"origin location unknown for {int(found.isna().sum()):,} parcels "
                            f"({', '.join(missing) or 'blank origin'}): no distances derived")
    if "origin_lat" in df.columns and "origin_lon" in df.columns:
        dist = np.round(haversine_km(df["origin_lat"], df["origin_lon"], df["dest_lat"], df["dest_lon"]), 1)
        if "distance_km" not in df.columns:
            df["distance_km"] = dist
            ledger.note("distance_km = great-circle km from the origin to the destination capital")
        else:
            df["distance_km"] = df["distance_km"].fillna(pd.Series(dist, index=df.index))
    if "zone" not in df.columns and "distance_km" in df.columns and df["distance_km"].notna().all():
        df["zone"] = zone_for_distance(df["distance_km"])
        ledger.note(f"zone derived from distance bands {ZONE_BANDS_KM} km")
    if "late" not in df.columns and {"promised_days", "actual_days"} <= set(df.columns):
        df["late"] = (df["actual_days"] > df["promised_days"]).to_numpy()
    return df


def _aux(name, label, columns, **kw) -> TableSpec:
    return TableSpec(name=name, label=label, columns=columns, **kw)


PRODUCTS = _aux("products", "products table",
                (Column("sku", "text", required=True, meaning="the product"),
                 Column("category", "text", required=True, meaning="its category"),
                 Column("unit_weight_kg", "number", meaning="weight of one unit", unit="kg"),
                 Column("length_cm", "count", unit="cm"), Column("width_cm", "count", unit="cm"),
                 Column("height_cm", "count", unit="cm"),
                 Column("unit_cost_cny", "money", meaning="cost of one unit", unit="currency"),
                 Column("moq_units", "count", meaning="minimum order quantity")))
WAREHOUSES = _aux("warehouses", "warehouses table",
                  (Column("site_id", "text", required=True, meaning="the site's id"),
                   Column("city", "text", required=True), Column("province", "region"),
                   Column("lat", "number", required=True, unit="degrees"),
                   Column("lon", "number", required=True, unit="degrees"),
                   Column("fixed_cost_cny_month", "money", required=True, meaning="monthly fixed cost", unit="currency"),
                   Column("capacity_orders_month", "count", meaning="orders a month it can ship"),
                   Column("handling_cny_per_order", "money", unit="currency"),
                   Column("reach_km", "number", unit="km"),
                   Column("local_delivery_cny_per_order", "money", unit="currency")))
RATE_CARD = _aux("rate_card", "rate card",
                 (Column("carrier", "text", required=True), Column("zone", "count", required=True),
                  Column("min_km", "number", unit="km"), Column("max_km", "number", unit="km"),
                  Column("first_weight_kg", "number", required=True, unit="kg"),
                  Column("first_weight_cny", "money", required=True, unit="currency"),
                  Column("per_kg_cny", "money", required=True, unit="currency"),
                  Column("weight_step_kg", "number", required=True, unit="kg"),
                  Column("volumetric_divisor", "number", meaning="cm³ per kg"),
                  Column("remote_surcharge_cny", "money", required=True, unit="currency")))
INVENTORY_DEMAND = _aux("inventory_demand", "inventory demand table",
                        (Column("date", "date", required=True), Column("sku", "text", required=True),
                         Column("units", "count", required=True, meaning="units demanded that day"),
                         Column("received_units", "count"), Column("on_hand_units", "count")))
LEAD_TIMES = _aux("inventory_demand_lead_times", "lead-time table",
                  (Column("po_id", "id"), Column("sku", "text", required=True),
                   Column("order_date", "date"), Column("receipt_date", "date"),
                   Column("lead_time_days", "count", required=True, unit="days"), Column("units", "count")))


def clean_regions(r) -> None:
    r.drop_blanks()
    if "remote" not in r.df.columns:
        r.df["remote"] = False
        r.ledger.note("no remote column: no region is treated as remote")
    r.df["remote"] = r.df["remote"].fillna(False).astype(bool)
    keys = region_keys(r.df["region"])
    dup = keys.duplicated(keep=False).to_numpy()
    if dup.any():
        raise r.error(dup, "region", "region named twice")


REGIONS = _aux("regions", "regions table",
               (Column("region", "text", required=True, meaning="a destination region as the shipments name it"),
                Column("lat", "number", required=True, meaning="latitude of the region's main city", unit="degrees",
                       minimum=-90, maximum=90),
                Column("lon", "number", required=True, meaning="longitude", unit="degrees", minimum=-180, maximum=180),
                Column("remote", "flag", meaning="couriers surcharge it as remote")),
               clean=clean_regions)
