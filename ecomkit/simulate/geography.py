"""Provinces of mainland China as the simulator sees them: the public facts plus shopper weights.

The public part (names, capitals, capital coordinates, remote flag) lives in
:mod:`ecomkit.reference.provinces`, which analysis code uses without importing the simulator.
This module adds the simulator's own assumptions, one value per province:

- ``shopper_weight``: a relative weight of online shoppers (roughly population times
  online-shopping penetration), not an official statistic;
- ``tier_profile``: which city-tier mix the simulator draws for customers from that province.

:data:`PROVINCES` keeps the columns the demo data were generated with: ``province``,
``province_zh``, ``capital``, ``capital_zh``, ``lat``, ``lon``, ``remote``, ``shopper_weight``,
``tier_profile``, in the reference table's row order.

Example
-------
>>> from ecomkit.simulate.geography import PROVINCES
>>> PROVINCES.set_index("province").loc["Zhejiang", "capital"]
'Hangzhou'
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ecomkit.reference import provinces as _reference

__all__ = ["PROVINCES", "REMOTE_PROVINCES", "CITY_TIERS", "TIER_PROFILES", "province_table"]

_PUBLIC_COLUMNS = ["province", "province_zh", "capital", "capital_zh", "lat", "lon", "remote"]

# province -> (shopper_weight, tier_profile): assumptions of the simulator
_SIMULATOR_COLUMNS = {
    "Guangdong": (12.0, "rich"),
    "Zhejiang": (8.5, "rich"),
    "Jiangsu": (8.0, "rich"),
    "Shandong": (6.5, "mid"),
    "Shanghai": (5.0, "metro"),
    "Beijing": (4.5, "metro"),
    "Henan": (5.0, "mid"),
    "Sichuan": (5.0, "mid"),
    "Hubei": (4.0, "mid"),
    "Fujian": (3.8, "mid"),
    "Hebei": (3.8, "mid"),
    "Hunan": (3.5, "mid"),
    "Anhui": (3.3, "mid"),
    "Liaoning": (2.5, "mid"),
    "Shaanxi": (2.3, "mid"),
    "Jiangxi": (2.2, "inland"),
    "Chongqing": (2.2, "municipality"),
    "Guangxi": (2.2, "inland"),
    "Yunnan": (1.8, "inland"),
    "Shanxi": (1.6, "inland"),
    "Tianjin": (1.5, "municipality"),
    "Heilongjiang": (1.5, "inland"),
    "Guizhou": (1.3, "inland"),
    "Jilin": (1.1, "inland"),
    "Inner Mongolia": (1.0, "inland"),
    "Xinjiang": (1.0, "inland"),
    "Gansu": (0.8, "inland"),
    "Hainan": (0.6, "inland"),
    "Ningxia": (0.3, "inland"),
    "Qinghai": (0.25, "inland"),
    "Xizang": (0.15, "inland"),
}


def _merge_simulator_columns() -> pd.DataFrame:
    extra = pd.DataFrame(
        [(name, weight, profile) for name, (weight, profile) in _SIMULATOR_COLUMNS.items()],
        columns=["province", "shopper_weight", "tier_profile"],
    )
    table = _reference.PROVINCES[_PUBLIC_COLUMNS].merge(extra, on="province", how="left",
                                                        validate="one_to_one")
    if table["shopper_weight"].isna().any() or len(extra) != len(table):
        raise RuntimeError("simulator columns and ecomkit.reference.PROVINCES disagree on provinces")
    return table


PROVINCES: pd.DataFrame = _merge_simulator_columns()

REMOTE_PROVINCES: tuple[str, ...] = _reference.REMOTE_PROVINCES

CITY_TIERS = (1, 2, 3, 4, 5)

# Probability of city tier 1..5 for a customer from a province with this profile. Beijing and
# Shanghai are almost all tier 1; the rich coastal provinces hold Guangzhou/Shenzhen/Hangzhou
# style tier-1/new-tier-1 cities plus many small ones; inland provinces are mostly tier 3-5.
TIER_PROFILES: dict[str, tuple[float, float, float, float, float]] = {
    "metro": (0.85, 0.15, 0.0, 0.0, 0.0),
    "municipality": (0.0, 0.70, 0.20, 0.10, 0.0),
    "rich": (0.22, 0.30, 0.22, 0.15, 0.11),
    "mid": (0.0, 0.28, 0.30, 0.24, 0.18),
    "inland": (0.0, 0.18, 0.30, 0.28, 0.24),
}


def province_table() -> pd.DataFrame:
    """A copy of :data:`PROVINCES` (safe to modify)."""
    return PROVINCES.copy()


def _province_probabilities() -> np.ndarray:
    w = PROVINCES["shopper_weight"].to_numpy(dtype=float)
    return w / w.sum()


def _tier_cumulative_by_province() -> np.ndarray:
    """(n_provinces, 5) cumulative tier probabilities, one row per PROVINCES row."""
    probs = np.array([TIER_PROFILES[t] for t in PROVINCES["tier_profile"]], dtype=float)
    probs /= probs.sum(axis=1, keepdims=True)
    return np.cumsum(probs, axis=1)
