"""Candidate warehouse sites for the network-design chapter.

Each row is a site the course's examples can open: the demo shop's own warehouse in Hangzhou
(``kind == "current"``), third-party regional warehouses in established logistics cities
(``"regional"``), and small front warehouses (前置仓) inside big cities (``"front"``, serving only
orders within ``reach_km`` and delivering them locally for ``local_delivery_cny_per_order``).

The cities and their coordinates (decimal degrees, rounded to 0.01°) are public facts. The
monthly fixed costs, capacities and fees are the course's assumptions, sized for the demo shop;
use your own quotes for real decisions.

Example
-------
>>> sites = candidate_sites()
>>> sites.set_index("site_id").loc["RG-KS", "city"]
'Kunshan'
"""
from __future__ import annotations

import pandas as pd

__all__ = ["SITE_COLUMNS", "SITE_ROWS", "candidate_sites"]

SITE_COLUMNS: tuple[str, ...] = (
    "site_id", "city", "province", "lat", "lon", "kind", "operator", "fixed_cost_cny_month",
    "capacity_orders_month", "handling_cny_per_order", "reach_km", "local_delivery_cny_per_order",
)

# fixed_cost_cny_month, capacity_orders_month and handling_cny_per_order are assumptions;
# reach_km None: serves any distance; local_delivery_cny_per_order None: priced by the rate card.
SITE_ROWS: tuple[tuple, ...] = (
    ("WH-HZ", "Hangzhou", "Zhejiang", 30.27, 120.16, "current", "own", 5000, 6000, 2.0, None, None),
    ("RG-KS", "Kunshan", "Jiangsu", 31.38, 120.98, "regional", "3pl", 2500, 4000, 3.0, None, None),
    ("RG-GZ", "Guangzhou", "Guangdong", 23.13, 113.26, "regional", "3pl", 2500, 3000, 3.0, None, None),
    ("RG-LF", "Langfang", "Hebei", 39.52, 116.68, "regional", "3pl", 2200, 3000, 3.0, None, None),
    ("RG-WH", "Wuhan", "Hubei", 30.59, 114.31, "regional", "3pl", 2000, 3000, 3.0, None, None),
    ("RG-CD", "Chengdu", "Sichuan", 30.57, 104.07, "regional", "3pl", 2000, 3000, 3.0, None, None),
    ("RG-XA", "Xi'an", "Shaanxi", 34.34, 108.94, "regional", "3pl", 1800, 3000, 3.0, None, None),
    ("RG-ZZ", "Zhengzhou", "Henan", 34.75, 113.63, "regional", "3pl", 1800, 3000, 3.0, None, None),
    ("RG-JN", "Jinan", "Shandong", 36.65, 117.12, "regional", "3pl", 1800, 3000, 3.0, None, None),
    ("RG-SY", "Shenyang", "Liaoning", 41.81, 123.43, "regional", "3pl", 1800, 3000, 3.0, None, None),
    ("RG-KM", "Kunming", "Yunnan", 25.04, 102.71, "regional", "3pl", 1600, 2000, 3.0, None, None),
    ("RG-UR", "Urumqi", "Xinjiang", 43.83, 87.62, "regional", "3pl", 1600, 1000, 3.0, None, None),
    ("FR-SH", "Shanghai", "Shanghai", 31.23, 121.47, "front", "3pl", 2500, 150, 4.5, 50.0, 3.0),
    ("FR-BJ", "Beijing", "Beijing", 39.90, 116.41, "front", "3pl", 2500, 150, 4.5, 50.0, 3.0),
    ("FR-GZ", "Guangzhou", "Guangdong", 23.13, 113.26, "front", "3pl", 2500, 150, 4.5, 50.0, 3.0),
    ("FR-HZ", "Hangzhou", "Zhejiang", 30.27, 120.16, "front", "3pl", 2500, 150, 4.5, 50.0, 3.0),
    ("FR-NJ", "Nanjing", "Jiangsu", 32.06, 118.80, "front", "3pl", 2500, 150, 4.5, 50.0, 3.0),
    ("FR-CD", "Chengdu", "Sichuan", 30.57, 104.07, "front", "3pl", 2500, 150, 4.5, 50.0, 3.0),
)


def candidate_sites() -> pd.DataFrame:
    """The sites as a new DataFrame (safe to modify), one row per site, columns :data:`SITE_COLUMNS`.

    Money and distances are float64 (NaN where a site has no reach limit or no local delivery
    price); ``capacity_orders_month`` is int64.
    """
    table = pd.DataFrame(list(SITE_ROWS), columns=list(SITE_COLUMNS))
    for col in ("fixed_cost_cny_month", "handling_cny_per_order", "reach_km",
                "local_delivery_cny_per_order"):
        table[col] = table[col].astype("float64")
    table["capacity_orders_month"] = table["capacity_orders_month"].astype("int64")
    return table
