"""Provinces of mainland China: capitals, capital coordinates, remote flag, shopper weights.

The table is reused outside the simulator (the logistics chapter measures distances from the
capital coordinates), so it is a plain module-level DataFrame built from public facts:

- ``province`` / ``province_zh``: the province-level division (22 provinces, 5 autonomous
  regions, 4 municipalities) in pinyin and in Chinese;
- ``capital`` / ``capital_zh``: its capital city; ``lat`` / ``lon``: the capital's coordinates
  in decimal degrees (WGS-84, rounded to 0.01°);
- ``remote``: the provinces couriers surcharge as remote (偏远地区: Xinjiang, Xizang, Qinghai,
  Gansu, Ningxia, Inner Mongolia, Hainan);
- ``shopper_weight``: a relative weight of online shoppers, an assumption of the simulator
  (roughly population times online-shopping penetration), not an official statistic;
- ``tier_profile``: which city-tier mix the simulator draws for customers from that province.

Example
-------
>>> from ecomkit.simulate.geography import PROVINCES
>>> PROVINCES.set_index("province").loc["Zhejiang", "capital"]
'Hangzhou'
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["PROVINCES", "REMOTE_PROVINCES", "CITY_TIERS", "TIER_PROFILES", "province_table"]

# province, province_zh, capital, capital_zh, lat, lon, remote, shopper_weight, tier_profile
_ROWS = [
    ("Guangdong", "广东", "Guangzhou", "广州", 23.13, 113.26, False, 12.0, "rich"),
    ("Zhejiang", "浙江", "Hangzhou", "杭州", 30.27, 120.16, False, 8.5, "rich"),
    ("Jiangsu", "江苏", "Nanjing", "南京", 32.06, 118.80, False, 8.0, "rich"),
    ("Shandong", "山东", "Jinan", "济南", 36.65, 117.12, False, 6.5, "mid"),
    ("Shanghai", "上海", "Shanghai", "上海", 31.23, 121.47, False, 5.0, "metro"),
    ("Beijing", "北京", "Beijing", "北京", 39.90, 116.41, False, 4.5, "metro"),
    ("Henan", "河南", "Zhengzhou", "郑州", 34.75, 113.63, False, 5.0, "mid"),
    ("Sichuan", "四川", "Chengdu", "成都", 30.57, 104.07, False, 5.0, "mid"),
    ("Hubei", "湖北", "Wuhan", "武汉", 30.59, 114.31, False, 4.0, "mid"),
    ("Fujian", "福建", "Fuzhou", "福州", 26.07, 119.30, False, 3.8, "mid"),
    ("Hebei", "河北", "Shijiazhuang", "石家庄", 38.04, 114.51, False, 3.8, "mid"),
    ("Hunan", "湖南", "Changsha", "长沙", 28.23, 112.94, False, 3.5, "mid"),
    ("Anhui", "安徽", "Hefei", "合肥", 31.82, 117.23, False, 3.3, "mid"),
    ("Liaoning", "辽宁", "Shenyang", "沈阳", 41.81, 123.43, False, 2.5, "mid"),
    ("Shaanxi", "陕西", "Xi'an", "西安", 34.34, 108.94, False, 2.3, "mid"),
    ("Jiangxi", "江西", "Nanchang", "南昌", 28.68, 115.86, False, 2.2, "inland"),
    ("Chongqing", "重庆", "Chongqing", "重庆", 29.56, 106.55, False, 2.2, "municipality"),
    ("Guangxi", "广西", "Nanning", "南宁", 22.82, 108.37, False, 2.2, "inland"),
    ("Yunnan", "云南", "Kunming", "昆明", 25.04, 102.71, False, 1.8, "inland"),
    ("Shanxi", "山西", "Taiyuan", "太原", 37.87, 112.55, False, 1.6, "inland"),
    ("Tianjin", "天津", "Tianjin", "天津", 39.08, 117.20, False, 1.5, "municipality"),
    ("Heilongjiang", "黑龙江", "Harbin", "哈尔滨", 45.80, 126.53, False, 1.5, "inland"),
    ("Guizhou", "贵州", "Guiyang", "贵阳", 26.65, 106.63, False, 1.3, "inland"),
    ("Jilin", "吉林", "Changchun", "长春", 43.82, 125.32, False, 1.1, "inland"),
    ("Inner Mongolia", "内蒙古", "Hohhot", "呼和浩特", 40.84, 111.75, True, 1.0, "inland"),
    ("Xinjiang", "新疆", "Urumqi", "乌鲁木齐", 43.83, 87.62, True, 1.0, "inland"),
    ("Gansu", "甘肃", "Lanzhou", "兰州", 36.06, 103.83, True, 0.8, "inland"),
    ("Hainan", "海南", "Haikou", "海口", 20.04, 110.20, True, 0.6, "inland"),
    ("Ningxia", "宁夏", "Yinchuan", "银川", 38.49, 106.23, True, 0.3, "inland"),
    ("Qinghai", "青海", "Xining", "西宁", 36.62, 101.78, True, 0.25, "inland"),
    ("Xizang", "西藏", "Lhasa", "拉萨", 29.65, 91.13, True, 0.15, "inland"),
]

PROVINCES: pd.DataFrame = pd.DataFrame(
    _ROWS,
    columns=["province", "province_zh", "capital", "capital_zh", "lat", "lon", "remote",
             "shopper_weight", "tier_profile"],
)

REMOTE_PROVINCES: tuple[str, ...] = tuple(PROVINCES.loc[PROVINCES["remote"], "province"])

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
