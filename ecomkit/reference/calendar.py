"""Calendar facts for Chinese e-commerce: the shopping festivals and Chinese New Year.

:data:`FESTIVALS` holds the three platform-wide sales festivals, each with its day and the
selling window around it that ecomkit's analyses use (pre-sales open well before the day; the
last discounts and delayed payments spill over for a day or two after it):

- ``"618"`` (年中大促, JD's anniversary sale): June 18, window June 1 - June 20;
- ``"11.11"`` (双十一, Singles' Day): November 11, window October 20 - November 13;
- ``"12.12"`` (双十二): December 12, window December 8 - December 13.

:data:`CHINESE_NEW_YEAR` maps each year 2000-2035 to the Gregorian date of the first day of the
lunar year (春节): the day of the new moon, in China Standard Time, that begins the first lunar
month. It always falls between January 21 and February 20.

Example
-------
>>> CHINESE_NEW_YEAR[2024]
datetime.date(2024, 2, 10)
>>> festival_dates("2024-01-01", "2024-12-31")["date"].dt.strftime("%m-%d").tolist()
['06-18', '11-11']
"""
from __future__ import annotations

import datetime as _dt
from typing import NamedTuple

import pandas as pd

__all__ = ["Festival", "FESTIVALS", "CHINESE_NEW_YEAR", "festival_dates"]


class Festival(NamedTuple):
    """A yearly shopping festival: its day and its selling window, as (month, day) pairs."""

    name: str
    name_zh: str
    month: int
    day: int
    window_start: tuple[int, int]
    window_end: tuple[int, int]

    def date(self, year: int) -> _dt.date:
        """The festival day in ``year``."""
        return _dt.date(year, self.month, self.day)

    def window(self, year: int) -> tuple[_dt.date, _dt.date]:
        """First and last day of the selling window in ``year`` (both inclusive)."""
        return _dt.date(year, *self.window_start), _dt.date(year, *self.window_end)


FESTIVALS: dict[str, Festival] = {
    "618": Festival("618", "618年中大促", 6, 18, (6, 1), (6, 20)),
    "11.11": Festival("11.11", "双十一", 11, 11, (10, 20), (11, 13)),
    "12.12": Festival("12.12", "双十二", 12, 12, (12, 8), (12, 13)),
}

# First day of the lunar year (Beijing time), 2000-2035.
CHINESE_NEW_YEAR: dict[int, _dt.date] = {
    year: _dt.date.fromisoformat(day)
    for year, day in (
        (2000, "2000-02-05"), (2001, "2001-01-24"), (2002, "2002-02-12"), (2003, "2003-02-01"),
        (2004, "2004-01-22"), (2005, "2005-02-09"), (2006, "2006-01-29"), (2007, "2007-02-18"),
        (2008, "2008-02-07"), (2009, "2009-01-26"), (2010, "2010-02-14"), (2011, "2011-02-03"),
        (2012, "2012-01-23"), (2013, "2013-02-10"), (2014, "2014-01-31"), (2015, "2015-02-19"),
        (2016, "2016-02-08"), (2017, "2017-01-28"), (2018, "2018-02-16"), (2019, "2019-02-05"),
        (2020, "2020-01-25"), (2021, "2021-02-12"), (2022, "2022-02-01"), (2023, "2023-01-22"),
        (2024, "2024-02-10"), (2025, "2025-01-29"), (2026, "2026-02-17"), (2027, "2027-02-06"),
        (2028, "2028-01-26"), (2029, "2029-02-13"), (2030, "2030-02-03"), (2031, "2031-01-23"),
        (2032, "2032-02-11"), (2033, "2033-01-31"), (2034, "2034-02-19"), (2035, "2035-02-08"),
    )
}


def _festival_key(name) -> str:
    key = str(name).strip().replace(".", "").replace(" ", "")
    for canonical in FESTIVALS:
        if key == canonical.replace(".", ""):
            return canonical
    raise ValueError(f"unknown festival {name!r}; known: {', '.join(FESTIVALS)}")


def festival_dates(start, end, festivals=("618", "11.11")) -> pd.DataFrame:
    """Every festival day between ``start`` and ``end`` (both inclusive), in date order.

    Parameters
    ----------
    start, end : anything ``pandas.Timestamp`` accepts (times of day are ignored).
    festivals : names from :data:`FESTIVALS` ("1111" and "1212" are accepted too).

    Returns
    -------
    DataFrame with columns ``festival`` (the :data:`FESTIVALS` key) and ``date``
    (datetime64, midnight), one row per festival day in the range.
    """
    if isinstance(festivals, str):
        festivals = (festivals,)
    keys = [_festival_key(f) for f in festivals]
    first, last = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    rows = []
    for year in range(first.year, last.year + 1):
        for key in keys:
            day = pd.Timestamp(FESTIVALS[key].date(year))
            if first <= day <= last:
                rows.append((key, day))
    table = pd.DataFrame(rows, columns=["festival", "date"])
    table["date"] = pd.to_datetime(table["date"]).astype("datetime64[ns]")
    table["festival"] = table["festival"].astype(object)
    return table.sort_values(["date", "festival"], kind="stable").reset_index(drop=True)
