"""ecomkit.reference: public facts (provinces, candidate sites, festival and New Year dates)."""
from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import ecomkit.reference as reference
from ecomkit.reference import (
    CHINESE_NEW_YEAR,
    FESTIVALS,
    PROVINCES,
    REMOTE_PROVINCES,
    candidate_sites,
    festival_dates,
    resolve_provinces,
)
from ecomkit.reference import provinces as provinces_module


def _one(value):
    return resolve_provinces([value]).iloc[0]


# --------------------------------------------------------------------------- resolver: forms

@pytest.mark.parametrize("value, expected", [
    # Chinese, with and without the official suffix
    ("浙江省", "Zhejiang"), ("浙江", "Zhejiang"),
    ("内蒙古自治区", "Inner Mongolia"), ("内蒙古", "Inner Mongolia"), ("内蒙", "Inner Mongolia"),
    ("广西壮族自治区", "Guangxi"), ("广西", "Guangxi"),
    ("新疆维吾尔自治区", "Xinjiang"), ("宁夏回族自治区", "Ningxia"), ("西藏自治区", "Xizang"),
    ("北京市", "Beijing"), ("上海", "Shanghai"), ("重庆市", "Chongqing"), ("黑龙江省", "Heilongjiang"),
    # pinyin / English, with or without a suffix word, any case and spacing
    ("Zhejiang", "Zhejiang"), ("zhejiang province", "Zhejiang"), ("ZHEJIANG SHENG", "Zhejiang"),
    ("Beijing Shi", "Beijing"), ("Shanghai Municipality", "Shanghai"),
    ("inner mongolia", "Inner Mongolia"), ("InnerMongolia", "Inner Mongolia"),
    ("Inner Mongolia Autonomous Region", "Inner Mongolia"), ("Nei Mongol", "Inner Mongolia"),
    ("  inner   MONGOLIA ", "Inner Mongolia"), ("Inner-Mongolia", "Inner Mongolia"),
    ("Tibet", "Xizang"), ("Xizang Autonomous Region", "Xizang"), ("Tibet Autonomous Region", "Xizang"),
    ("Xinjiang Uygur", "Xinjiang"), ("Xinjiang Uyghur Autonomous Region", "Xinjiang"),
    ("Xinjiang Uygur Autonomous Region", "Xinjiang"),
    ("Guangxi Zhuang Autonomous Region", "Guangxi"), ("Ningxia Hui Autonomous Region", "Ningxia"),
    ("Anhui", "Anhui"), ("Anhui Province", "Anhui"),      # "hui" is also a suffix word
    ("Peking", "Beijing"), ("Canton", "Guangdong"),
    ("ＺＨＥＪＩＡＮＧ", "Zhejiang"),                      # full-width letters
    # the capital city's name
    ("广州", "Guangdong"), ("广州市", "Guangdong"), ("Guangzhou", "Guangdong"),
    ("Xi'an", "Shaanxi"), ("呼和浩特", "Inner Mongolia"), ("Urumqi", "Xinjiang"), ("拉萨", "Xizang"),
    # full addresses that start with the province
    ("浙江省 杭州市 西湖区 文三路", "Zhejiang"), ("浙江杭州市西湖区文三路", "Zhejiang"),
    ("上海上海市浦东新区世纪大道", "Shanghai"), ("内蒙古自治区呼和浩特市新城区", "Inner Mongolia"),
    ("Zhejiang Hangzhou Xihu", "Zhejiang"), ("Guangdong Sheng, Guangzhou Shi", "Guangdong"),
    ("中国浙江省杭州市", "Zhejiang"), ("China, Zhejiang, Hangzhou", "Zhejiang"),
    ("浙江　杭州", "Zhejiang"),                           # ideographic space
])
def test_resolves_every_documented_form(value, expected):
    assert _one(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("广东", "Guangdong"), ("广西", "Guangxi"), ("广东省", "Guangdong"), ("广西南宁", "Guangxi"),
    ("河北", "Hebei"), ("河南", "Henan"), ("湖北", "Hubei"), ("湖南", "Hunan"),
    ("山西", "Shanxi"), ("陕西", "Shaanxi"), ("Shanxi", "Shanxi"), ("Shaanxi", "Shaanxi"),
    ("江西", "Jiangxi"), ("江苏", "Jiangsu"), ("海南省海口市", "Hainan"), ("青海", "Qinghai"),
    ("He Bei", "Hebei"), ("He Nan", "Henan"),
])
def test_neighbouring_names_do_not_collide(value, expected):
    assert _one(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("河北省郑州路88号", "Hebei"),                 # Zhengzhou is Henan's capital
    ("湖南省长沙市武汉路", "Hunan"),               # Wuhan is Hubei's capital
    ("广西南宁市广州路", "Guangxi"),
    ("上海市南京东路", "Shanghai"),
    ("Shanxi Xi'an Road", "Shanxi"),              # Xi'an is Shaanxi's capital
    ("海南藏族自治州共和县", "Qinghai"),          # a Qinghai prefecture, not Hainan
])
def test_the_start_of_an_address_wins_over_a_city_inside_it(value, expected):
    assert _one(value) == expected


@pytest.mark.parametrize("value", [
    "香港", "香港特别行政区", "Hong Kong", "HongKong SAR", "澳门", "Macau", "Macao",
    "台湾", "台湾省台北市", "Taiwan", "Bavaria", "California", "Shenzhen", "12345",
])
def test_non_mainland_and_unknown_values_stay_unresolved(value):
    assert pd.isna(_one(value))


def test_missing_and_blank_values_stay_nan():
    out = resolve_provinces(pd.Series(["", "   ", None, np.nan, pd.NA, "浙江"], dtype=object))
    assert out.iloc[:5].isna().all()
    assert out.iloc[5] == "Zhejiang"


def test_index_name_and_dtype_are_kept():
    s = pd.Series(["浙江省", "xyz", "Tibet"], index=[30, 10, 20], name="destination")
    out = resolve_provinces(s)
    assert out.dtype == object
    assert list(out.index) == [30, 10, 20]
    assert out.name == "destination"
    assert out.loc[20] == "Xizang" and pd.isna(out.loc[10])


def test_accepts_lists_arrays_and_categoricals():
    assert resolve_provinces(["北京"]).tolist() == ["Beijing"]
    assert resolve_provinces(np.array(["北京", "Hubei"])).tolist() == ["Beijing", "Hubei"]
    cat = pd.Series(["湖北省", "Hunan", "湖北省"], dtype="category")
    assert resolve_provinces(cat).tolist() == ["Hubei", "Hunan", "Hubei"]


def test_every_table_name_resolves_to_its_own_row():
    for row in PROVINCES.itertuples(index=False):
        names = [row.province, row.province_zh, row.province_zh_full, row.province_en,
                 row.capital, row.capital_zh, row.province.upper(), row.province_zh_full + "某市"]
        assert resolve_provinces(names).tolist() == [row.province] * len(names), row.province


def test_same_answers_as_the_logistics_normaliser_doctest():
    out = resolve_provinces(pd.Series(["广东省", "inner mongolia", "Xinjiang Uygur"]))
    assert out.tolist() == ["Guangdong", "Inner Mongolia", "Xinjiang"]


def test_each_distinct_value_is_resolved_once(monkeypatch):
    calls = []
    original = provinces_module._resolve_one

    def counting(value):
        calls.append(value)
        return original(value)

    monkeypatch.setattr(provinces_module, "_resolve_one", counting)
    distinct = [f"{zh}省" for zh in PROVINCES["province_zh"]] + [f"place {i}" for i in range(19)]
    values = pd.Series(np.random.default_rng(0).choice(np.array(distinct, dtype=object), 200_000))
    values.iloc[::1000] = None
    out = resolve_provinces(values)
    assert len(calls) == len(set(calls)) <= 50
    assert out.notna().sum() == values.str.endswith("省").sum()


# --------------------------------------------------------------------------- province table

def test_province_table_covers_the_31_mainland_divisions():
    assert len(PROVINCES) == 31 and PROVINCES["province"].is_unique
    assert PROVINCES["level"].value_counts().to_dict() == {
        "province": 22, "autonomous region": 5, "municipality": 4}
    assert set(REMOTE_PROVINCES) == {"Xinjiang", "Xizang", "Qinghai", "Gansu", "Ningxia",
                                     "Inner Mongolia", "Hainan"}
    assert PROVINCES["lat"].between(18, 54).all() and PROVINCES["lon"].between(73, 136).all()


def test_reference_does_not_import_the_simulator():
    code = ("import sys, ecomkit.reference; "
            "bad = [m for m in sys.modules if m.startswith('ecomkit.simulate')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


# Fingerprints of the tables as they were before ecomkit.reference existed (sha256 of
# ``to_csv(index=False)``): the demo data are generated from the simulator's province table and
# the logistics chapter reads the candidate sites, so neither may drift.
_SIM_PROVINCES_SHA = "d69daa50a5c3c5db387aee21d19c785ed21e9ca2b2f685523cb502de47dc4e9a"
_SITES_SHA = "4b2c2fb722efd578073d8d00796dc56efd181ad1ec30042fe8a866deed94fe01"


def _sha(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def test_simulator_province_table_is_unchanged():
    from ecomkit.simulate.geography import PROVINCES as SIM, REMOTE_PROVINCES as SIM_REMOTE

    assert list(SIM.columns) == ["province", "province_zh", "capital", "capital_zh", "lat", "lon",
                                 "remote", "shopper_weight", "tier_profile"]
    assert list(SIM.dtypes.astype(str)) == ["object"] * 4 + ["float64", "float64", "bool",
                                                               "float64", "object"]
    assert SIM.iloc[0].tolist() == ["Guangdong", "广东", "Guangzhou", "广州", 23.13, 113.26, False,
                                    12.0, "rich"]
    assert SIM.iloc[-1].tolist() == ["Xizang", "西藏", "Lhasa", "拉萨", 29.65, 91.13, True, 0.15,
                                     "inland"]
    assert _sha(SIM) == _SIM_PROVINCES_SHA
    assert SIM_REMOTE == REMOTE_PROVINCES
    pd.testing.assert_frame_equal(SIM[list(SIM.columns[:7])], PROVINCES[list(SIM.columns[:7])])


def test_candidate_sites_are_unchanged_and_shared_with_the_simulator():
    from ecomkit.logistics import default_candidate_sites
    from ecomkit.simulate.logistics import warehouse_table

    sites = candidate_sites()
    assert sites.shape == (18, 12)
    assert sites.iloc[0].tolist()[:10] == ["WH-HZ", "Hangzhou", "Zhejiang", 30.27, 120.16, "current",
                                           "own", 5000.0, 6000, 2.0]
    assert sites["capacity_orders_month"].dtype == "int64"
    assert _sha(sites) == _SITES_SHA
    pd.testing.assert_frame_equal(sites, warehouse_table())
    pd.testing.assert_frame_equal(sites, default_candidate_sites())
    sites.loc[0, "city"] = "changed"                      # a fresh copy every call
    assert candidate_sites().loc[0, "city"] == "Hangzhou"


# --------------------------------------------------------------------------- calendar

@pytest.mark.parametrize("year, day", [
    (2000, "2000-02-05"), (2007, "2007-02-18"), (2012, "2012-01-23"), (2015, "2015-02-19"),
    (2020, "2020-01-25"), (2023, "2023-01-22"), (2024, "2024-02-10"), (2025, "2025-01-29"),
    (2026, "2026-02-17"), (2030, "2030-02-03"), (2034, "2034-02-19"), (2035, "2035-02-08"),
])
def test_chinese_new_year_spot_checks(year, day):
    assert CHINESE_NEW_YEAR[year] == dt.date.fromisoformat(day)


def test_chinese_new_year_covers_2000_2035_between_jan_21_and_feb_20():
    assert sorted(CHINESE_NEW_YEAR) == list(range(2000, 2036))
    for year, day in CHINESE_NEW_YEAR.items():
        assert isinstance(day, dt.date) and day.year == year
        assert dt.date(year, 1, 21) <= day <= dt.date(year, 2, 20), year
    # consecutive new years are 12 or 13 lunar months apart (354-355 or 383-385 days)
    days = [CHINESE_NEW_YEAR[y] for y in range(2000, 2036)]
    gaps = {(b - a).days for a, b in zip(days, days[1:])}
    assert gaps <= {353, 354, 355, 383, 384, 385}


def test_simulator_spring_festival_dates_come_from_reference():
    from ecomkit.simulate.calendar import SPRING_FESTIVAL

    assert sorted(SPRING_FESTIVAL) == list(range(2015, 2031))
    assert all(SPRING_FESTIVAL[y] == CHINESE_NEW_YEAR[y].isoformat() for y in SPRING_FESTIVAL)


def test_festivals_match_the_windows_used_elsewhere():
    from ecomkit.kpi import SHOPPING_FESTIVALS
    from ecomkit.pricing import FESTIVAL_WINDOWS

    assert {k: (f.month, f.day) for k, f in FESTIVALS.items()} == {
        "618": (6, 18), "11.11": (11, 11), "12.12": (12, 12)}
    assert {k: (f.window_start, f.window_end) for k, f in FESTIVALS.items()} == FESTIVAL_WINDOWS
    assert all(FESTIVALS[k].date(2024) == dt.date(2024, *md) for k, md in SHOPPING_FESTIVALS.items())
    assert FESTIVALS["11.11"].window(2024) == (dt.date(2024, 10, 20), dt.date(2024, 11, 13))


def test_festival_dates_lists_each_day_in_range_in_order():
    out = festival_dates("2023-06-18", "2025-06-17")
    assert list(out.columns) == ["festival", "date"]
    assert out["date"].dtype == "datetime64[ns]"
    assert out["festival"].tolist() == ["618", "11.11", "618", "11.11"]
    assert out["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2023-06-18", "2023-11-11", "2024-06-18", "2024-11-11"]


def test_festival_dates_options():
    all_three = festival_dates("2024-01-01", "2024-12-31", festivals=("12.12", "618", "1111"))
    assert all_three["festival"].tolist() == ["618", "11.11", "12.12"]
    assert festival_dates("2024-06-19", "2024-11-10").empty
    assert list(festival_dates("2024-06-19", "2024-11-10").columns) == ["festival", "date"]
    assert festival_dates("2024-11-11 15:00", "2024-11-11", festivals="11.11")["festival"].tolist() \
        == ["11.11"]
    with pytest.raises(ValueError, match="unknown festival"):
        festival_dates("2024-01-01", "2024-12-31", festivals=("Black Friday",))


def test_public_names():
    assert set(reference.__all__) >= {"PROVINCES", "REMOTE_PROVINCES", "resolve_provinces",
                                      "candidate_sites", "FESTIVALS", "CHINESE_NEW_YEAR",
                                      "festival_dates"}
