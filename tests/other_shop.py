"""A shop that is not the demo: Brazilian regions and reals, January to May (no 618, no 11.11),
other simulator seeds and sizes — for the report-mode acceptance tests (issue 11).

``build_other_shop(folder)`` writes one folder per chapter's data and returns their paths.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# Brazilian states (UF) at their capitals (public coordinates, rounded); remote: the northern states
# couriers surcharge.
REGIONS = pd.DataFrame([
    ("SP", -23.55, -46.63, False), ("RJ", -22.91, -43.17, False), ("MG", -19.92, -43.94, False),
    ("BA", -12.97, -38.50, False), ("PR", -25.43, -49.27, False), ("RS", -30.03, -51.23, False),
    ("PE", -8.05, -34.88, False), ("CE", -3.73, -38.52, False), ("PA", -1.46, -48.50, True),
    ("SC", -27.60, -48.55, False), ("GO", -16.68, -49.25, False), ("AM", -3.12, -60.02, True),
    ("DF", -15.79, -47.88, False), ("AC", -9.97, -67.81, True), ("RR", 2.82, -60.67, True),
], columns=["region", "lat", "lon", "remote"])

WAREHOUSES = pd.DataFrame([
    ("BR-SP", "Sao Paulo", "SP", -23.55, -46.63, "current", "own", 9000.0, 8000, 2.5),
    ("BR-RJ", "Rio de Janeiro", "RJ", -22.91, -43.17, "regional", "3pl", 5000.0, 5000, 3.0),
    ("BR-RE", "Recife", "PE", -8.05, -34.88, "regional", "3pl", 4000.0, 4000, 3.0),
    ("BR-POA", "Porto Alegre", "RS", -30.03, -51.23, "regional", "3pl", 4000.0, 4000, 3.0),
    ("BR-MAO", "Manaus", "AM", -3.12, -60.02, "regional", "3pl", 6000.0, 3000, 3.5),
], columns=["site_id", "city", "province", "lat", "lon", "kind", "operator", "fixed_cost_cny_month",
            "capacity_orders_month", "handling_cny_per_order"])


def _to_regions(values: pd.Series) -> pd.Series:
    names = sorted(pd.unique(values.dropna()))
    table = {name: REGIONS["region"].iloc[i % len(REGIONS)] for i, name in enumerate(names)}
    return values.map(table)


def build_other_shop(folder: str | Path) -> dict[str, Path]:
    """Write the other shop's data for every chapter under ``folder``; returns chapter -> data path."""
    from ecomkit.simulate import simulate_shop
    from ecomkit.simulate.campaign import simulate_campaign
    from ecomkit.simulate.logistics import simulate_logistics
    from ecomkit.simulate.pricing import simulate_price_panel

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shop = simulate_shop(3_000, seed=7, start="2024-01-01", end="2024-05-31")
    orders = shop.orders.assign(province=_to_regions(shop.orders["province"]))
    paths = {}
    paths["orders"] = folder / "orders_brl.csv"
    orders.to_csv(paths["orders"], index=False)
    first = orders[orders["status"] != "cancelled"].sort_values("order_ts").drop_duplicates("customer_id")
    paths["one_time"] = folder / "orders_one_time.csv"
    first.to_csv(paths["one_time"], index=False)
    panel, _ = simulate_price_panel(n_skus=40, seed=12, start="2024-01-01", end="2024-05-31")
    paths["pricing"] = folder / "price_panel.csv"
    panel.to_csv(paths["pricing"], index=False)
    campaign, _ = simulate_campaign(shop.customers, shop.orders, shop.truth.customers, send_date="2024-06-01",
                                    seed=8)
    paths["uplift"] = folder / "campaign.csv"
    campaign.to_csv(paths["uplift"], index=False)
    logistics = simulate_logistics(shop, seed=7)
    ship_dir = folder / "logistics"
    ship_dir.mkdir(exist_ok=True)
    shipments = logistics.shipments.drop(columns=["distance_km", "zone", "origin_city"]).assign(
        destination_province=lambda f: _to_regions(f["destination_province"]), origin="BR-SP",
        destination_city=None)
    shipments.to_csv(ship_dir / "shipments.csv", index=False)
    REGIONS.to_csv(ship_dir / "regions.csv", index=False)
    WAREHOUSES.to_csv(ship_dir / "warehouses.csv", index=False)
    logistics.products.to_csv(ship_dir / "products.csv", index=False)
    paths["logistics"] = ship_dir
    return paths
