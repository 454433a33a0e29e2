"""The 31 province-level divisions of mainland China, and a resolver for the ways people write them.

:data:`PROVINCES` is one row per division (22 provinces, 5 autonomous regions, 4 municipalities),
built from public facts:

- ``province``: the name ecomkit uses everywhere (pinyin; "Inner Mongolia" in English);
- ``province_zh``: the short Chinese name (浙江, 内蒙古);
- ``capital`` / ``capital_zh``: the capital city (for a municipality, the municipality itself);
- ``lat`` / ``lon``: the capital's coordinates in decimal degrees (WGS-84, rounded to 0.01°);
- ``remote``: the divisions parcel carriers usually surcharge as remote (偏远地区): Xinjiang,
  Xizang, Qinghai, Gansu, Ningxia, Inner Mongolia and Hainan;
- ``province_zh_full``: the official Chinese name with its suffix (浙江省, 广西壮族自治区, 北京市);
- ``province_en``: the usual English name (Tibet for Xizang, otherwise as ``province``);
- ``level``: ``"province"``, ``"autonomous region"`` or ``"municipality"``.

Hong Kong, Macau and Taiwan are not in the table, and :func:`resolve_provinces` leaves them
unresolved.

Example
-------
>>> resolve_provinces(["浙江省 杭州市 西湖区", "inner mongolia", "Tibet", "香港"]).tolist()
['Zhejiang', 'Inner Mongolia', 'Xizang', nan]
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

__all__ = ["PROVINCES", "REMOTE_PROVINCES", "resolve_provinces"]

_P, _A, _M = "province", "autonomous region", "municipality"

# province, province_zh, capital, capital_zh, lat, lon, remote, province_zh_full, province_en, level
_ROWS = [
    ("Guangdong", "广东", "Guangzhou", "广州", 23.13, 113.26, False, "广东省", "Guangdong", _P),
    ("Zhejiang", "浙江", "Hangzhou", "杭州", 30.27, 120.16, False, "浙江省", "Zhejiang", _P),
    ("Jiangsu", "江苏", "Nanjing", "南京", 32.06, 118.80, False, "江苏省", "Jiangsu", _P),
    ("Shandong", "山东", "Jinan", "济南", 36.65, 117.12, False, "山东省", "Shandong", _P),
    ("Shanghai", "上海", "Shanghai", "上海", 31.23, 121.47, False, "上海市", "Shanghai", _M),
    ("Beijing", "北京", "Beijing", "北京", 39.90, 116.41, False, "北京市", "Beijing", _M),
    ("Henan", "河南", "Zhengzhou", "郑州", 34.75, 113.63, False, "河南省", "Henan", _P),
    ("Sichuan", "四川", "Chengdu", "成都", 30.57, 104.07, False, "四川省", "Sichuan", _P),
    ("Hubei", "湖北", "Wuhan", "武汉", 30.59, 114.31, False, "湖北省", "Hubei", _P),
    ("Fujian", "福建", "Fuzhou", "福州", 26.07, 119.30, False, "福建省", "Fujian", _P),
    ("Hebei", "河北", "Shijiazhuang", "石家庄", 38.04, 114.51, False, "河北省", "Hebei", _P),
    ("Hunan", "湖南", "Changsha", "长沙", 28.23, 112.94, False, "湖南省", "Hunan", _P),
    ("Anhui", "安徽", "Hefei", "合肥", 31.82, 117.23, False, "安徽省", "Anhui", _P),
    ("Liaoning", "辽宁", "Shenyang", "沈阳", 41.81, 123.43, False, "辽宁省", "Liaoning", _P),
    ("Shaanxi", "陕西", "Xi'an", "西安", 34.34, 108.94, False, "陕西省", "Shaanxi", _P),
    ("Jiangxi", "江西", "Nanchang", "南昌", 28.68, 115.86, False, "江西省", "Jiangxi", _P),
    ("Chongqing", "重庆", "Chongqing", "重庆", 29.56, 106.55, False, "重庆市", "Chongqing", _M),
    ("Guangxi", "广西", "Nanning", "南宁", 22.82, 108.37, False, "广西壮族自治区", "Guangxi", _A),
    ("Yunnan", "云南", "Kunming", "昆明", 25.04, 102.71, False, "云南省", "Yunnan", _P),
    ("Shanxi", "山西", "Taiyuan", "太原", 37.87, 112.55, False, "山西省", "Shanxi", _P),
    ("Tianjin", "天津", "Tianjin", "天津", 39.08, 117.20, False, "天津市", "Tianjin", _M),
    ("Heilongjiang", "黑龙江", "Harbin", "哈尔滨", 45.80, 126.53, False, "黑龙江省", "Heilongjiang", _P),
    ("Guizhou", "贵州", "Guiyang", "贵阳", 26.65, 106.63, False, "贵州省", "Guizhou", _P),
    ("Jilin", "吉林", "Changchun", "长春", 43.82, 125.32, False, "吉林省", "Jilin", _P),
    ("Inner Mongolia", "内蒙古", "Hohhot", "呼和浩特", 40.84, 111.75, True, "内蒙古自治区",
     "Inner Mongolia", _A),
    ("Xinjiang", "新疆", "Urumqi", "乌鲁木齐", 43.83, 87.62, True, "新疆维吾尔自治区", "Xinjiang", _A),
    ("Gansu", "甘肃", "Lanzhou", "兰州", 36.06, 103.83, True, "甘肃省", "Gansu", _P),
    ("Hainan", "海南", "Haikou", "海口", 20.04, 110.20, True, "海南省", "Hainan", _P),
    ("Ningxia", "宁夏", "Yinchuan", "银川", 38.49, 106.23, True, "宁夏回族自治区", "Ningxia", _A),
    ("Qinghai", "青海", "Xining", "西宁", 36.62, 101.78, True, "青海省", "Qinghai", _P),
    ("Xizang", "西藏", "Lhasa", "拉萨", 29.65, 91.13, True, "西藏自治区", "Tibet", _A),
]

PROVINCES: pd.DataFrame = pd.DataFrame(
    _ROWS,
    columns=["province", "province_zh", "capital", "capital_zh", "lat", "lon", "remote",
             "province_zh_full", "province_en", "level"],
)

REMOTE_PROVINCES: tuple[str, ...] = tuple(PROVINCES.loc[PROVINCES["remote"], "province"])

# ----------------------------------------------------------------------------- name keys
# Other spellings in Latin script: older postal / Wade-Giles romanisations still seen in
# addresses and trade data, the Mongolian and pinyin forms of Inner Mongolia, and pinyin or
# older spellings of a few capitals.
_LATIN_ALIASES: dict[str, tuple[str, ...]] = {
    "Guangdong": ("Canton", "Kwangtung"),
    "Zhejiang": ("Chekiang",),
    "Jiangsu": ("Kiangsu", "Nanking"),
    "Shandong": ("Shantung",),
    "Beijing": ("Peking",),
    "Henan": ("Honan",),
    "Sichuan": ("Szechuan", "Szechwan"),
    "Hubei": ("Hupeh", "Hupei"),
    "Fujian": ("Fukien",),
    "Hebei": ("Hopeh", "Hopei"),
    "Anhui": ("Anhwei",),
    "Shaanxi": ("Shensi",),
    "Jiangxi": ("Kiangsi",),
    "Chongqing": ("Chungking",),
    "Guangxi": ("Kwangsi",),
    "Shanxi": ("Shansi",),
    "Tianjin": ("Tientsin",),
    "Heilongjiang": ("Heilungkiang", "Haerbin"),
    "Guizhou": ("Kweichow",),
    "Inner Mongolia": ("Nei Mongol", "Nei Menggu", "Neimenggu", "Huhehaote", "Huhhot"),
    "Xinjiang": ("Sinkiang", "Wulumuqi", "Urumchi", "Ürümqi"),
    "Gansu": ("Kansu",),
    "Ningxia": ("Ninghsia",),
    "Qinghai": ("Tsinghai", "Chinghai"),
    "Xizang": ("Tibet", "Lasa"),
}
# Chinese names that start like one division but belong to another, so that the longest-prefix
# rule below gets them right (海南藏族自治州 and 河南蒙古族自治县 are in Qinghai).
_CHINESE_ALIASES: dict[str, tuple[str, ...]] = {
    "Inner Mongolia": ("内蒙",),
    "Qinghai": ("海南藏族自治州", "海南州", "河南蒙古族自治县", "河南县"),
}
# Words that may follow a name in Latin script (compared without spaces, in lower case).
_LATIN_SUFFIXES = ("specialadministrativeregion", "autonomousregion", "municipality", "province",
                   "zizhiqu", "region", "sheng", "city", "shi", "weiwuer", "uyghur", "uygur",
                   "uighur", "zhuangzu", "zhuang", "huizu", "hui")
_LATIN_PREFIXES = ("china", "prc", "peoplesrepublicofchina", "mainlandchina")
_CHINESE_PREFIXES = ("中华人民共和国", "中国大陆", "中国")
_MAX_TOKENS = 6


def _latin_key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _build_keys() -> tuple[dict[str, str], dict[str, str]]:
    latin: dict[str, str] = {}
    chinese: dict[str, str] = {}
    for row in PROVINCES.itertuples(index=False):
        for name in (row.province, row.capital, row.province_en, *_LATIN_ALIASES.get(row.province, ())):
            latin[_latin_key(name.replace("'", ""))] = row.province
        for name in (row.province_zh, row.capital_zh, row.province_zh_full,
                     *_CHINESE_ALIASES.get(row.province, ())):
            chinese[name] = row.province
    return latin, chinese


_LATIN_KEYS, _CHINESE_KEYS = _build_keys()
_CHINESE_MAX = max(map(len, _CHINESE_KEYS))


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _lookup_latin(key: str) -> str | None:
    """Exact match, else strip one trailing suffix word at a time and try again."""
    while key:
        if key in _LATIN_KEYS:
            return _LATIN_KEYS[key]
        for suffix in _LATIN_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)]
                break
        else:
            return None
    return None


def _resolve_one(value) -> str | None:
    """The pinyin name of the division ``value`` names or starts with; None if none."""
    if not isinstance(value, str):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        value = str(value)
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        return None
    if _is_cjk(text[0]):
        # Chinese: the longest known name the text starts with (spaces and punctuation ignored).
        compact = re.sub(r"[\s\W_]+", "", text)
        for prefix in _CHINESE_PREFIXES:
            if compact.startswith(prefix) and len(compact) > len(prefix):
                compact = compact[len(prefix):]
                break
        for n in range(min(_CHINESE_MAX, len(compact)), 0, -1):
            hit = _CHINESE_KEYS.get(compact[:n])
            if hit is not None:
                return hit
        return None
    # Latin script: words split on spaces, punctuation and camelCase; the longest run of leading
    # words that names a division (after dropping suffix words such as "Province").
    text = re.sub(r"['’`ʼ]", "", text)
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    tokens = [t for t in re.split(r"[\W_]+", text.lower()) if t]
    while tokens and tokens[0] in _LATIN_PREFIXES and len(tokens) > 1:
        tokens = tokens[1:]
    if tokens and _is_cjk(tokens[0][0]):
        return _resolve_one("".join(tokens))
    for n in range(min(_MAX_TOKENS, len(tokens)), 0, -1):
        hit = _lookup_latin("".join(tokens[:n]))
        if hit is not None:
            return hit
    return None


def resolve_provinces(values) -> pd.Series:
    """Map province names, spellings and addresses to the pinyin names of :data:`PROVINCES`.

    Each value becomes the ``province`` of the mainland division it names or starts with, or NaN.
    Recognised: Chinese with or without the suffix (浙江省, 浙江, 内蒙古自治区, 广西壮族自治区,
    北京市); pinyin or English in any case and spacing, with or without "Province", "Sheng",
    "Autonomous Region", "Municipality", "Shi" or the ethnic designation ("Xinjiang Uygur",
    "inner mongolia", "InnerMongolia", "Nei Mongol", "Tibet"); the capital city's name
    (广州 → Guangdong); and full addresses that begin with one of these (浙江省 杭州市 西湖区,
    "Zhejiang Hangzhou Xihu"; a leading 中国 / "China" is skipped). Only the start of an address is
    read, so a city named later cannot override it. Hong Kong, Macau, Taiwan, other countries'
    regions, blanks and missing values give NaN.

    Each distinct value is resolved once, so a long column with few distinct values is cheap.

    Parameters
    ----------
    values : Series, list or array of names (any dtype).

    Returns
    -------
    Series of object dtype with the input's index (and name, if it had one).

    >>> resolve_provinces(pd.Series(["广东省", "inner mongolia", "Xinjiang Uygur"])).tolist()
    ['Guangdong', 'Inner Mongolia', 'Xinjiang']
    """
    if isinstance(values, pd.Series):
        s = values
    else:
        if isinstance(values, str) or not hasattr(values, "__len__"):
            values = [values] if isinstance(values, str) else list(values)
        s = pd.Series(np.asarray(values, dtype=object), dtype=object)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    table = np.array([_resolve_one(u) for u in uniques] + [None], dtype=object)
    table[pd.isna(table)] = np.nan
    # code -1 (missing) picks the trailing NaN slot
    out = table[np.where(codes < 0, len(table) - 1, codes)]
    return pd.Series(out, index=s.index, name=s.name, dtype=object)
