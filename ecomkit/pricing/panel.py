"""From a daily price panel to SKU-weeks: festival weeks, each SKU's regular situation, price tiers.

The first step of chapter 02: :func:`weekly_panel` sums the days into Monday-to-Sunday SKU-weeks
and marks the weeks that touch a shopping festival (by default the windows of
:data:`ecomkit.reference.FESTIVALS`, the Chinese platforms' festivals; :func:`festival_windows`
takes other names or the shop's own sales events); :func:`sku_baseline` finds each SKU's regular
price, units and margin in its ordinary weeks; :func:`price_tiers` splits SKUs into value and
premium; :func:`weekly_index` shows the festival confounder in one shop-wide table. Amounts are in
the panel's own currency.

>>> weekly = weekly_panel(load_panel("demo").panel)                 # doctest: +SKIP
>>> sku_baseline(weekly).head()                                     # doctest: +SKIP
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ecomkit.io.tables.pricing import PRICE_PANEL
from ecomkit.reference import FESTIVALS

#: the panel's optional columns (see docs/ingestion.md for the whole data dictionary)
PANEL_OPTIONAL = tuple(c.name for c in PRICE_PANEL.columns if not c.required)

#: festival selling windows (month, day) first .. last day, presales included; a week touching
#: one is a festival week. 618 and 11.11 campaigns open weeks ahead of the day itself. Derived
#: from :data:`ecomkit.reference.FESTIVALS`, the one place the dates are kept.
FESTIVAL_WINDOWS = {name: (festival.window_start, festival.window_end) for name, festival in FESTIVALS.items()}


def _month_day(value, name) -> tuple[int, int]:
    if isinstance(value, str):
        parts = value.strip().replace("/", "-").split("-")
    else:
        parts = list(value)
    try:
        month, day = (int(part) for part in parts)
        pd.Timestamp(2024, month, day)          # a leap year, so 02-29 is accepted
    except (TypeError, ValueError) as err:
        raise ValueError(f"festival {name!r}: {value!r} is not a month and day such as 11-20 or (11, 20)") from err
    return month, day


def festival_windows(festivals=None) -> dict[str, tuple[tuple[int, int], tuple[int, int]]]:
    """The festival windows to mark, as ``{name: ((month, day), (month, day))}`` (first and last day).

    ``festivals`` is None (every festival of :data:`ecomkit.reference.FESTIVALS`: 618, 11.11,
    12.12), a list of those names ("1111" is accepted; an empty list marks no week) and of the
    shop's own events written ``"Name MM-DD:MM-DD"`` or ``"Name=MM-DD:MM-DD"`` (first and last
    day; ``..`` also separates them; a form that passes through ``ecomkit run -p``), or a dict
    ``{name: (first, last)}`` with days as ``"MM-DD"`` or ``(month, day)``. A window whose last day
    comes before its first runs over the new year.

    >>> festival_windows(["11.11", "Carnaval 02-10:02-14", "Black Friday=11-22..12-02"])
    {'11.11': ((10, 20), (11, 13)), 'Carnaval': ((2, 10), (2, 14)), 'Black Friday': ((11, 22), (12, 2))}
    >>> festival_windows({"Black Friday": ("11-22", "12-02")})
    {'Black Friday': ((11, 22), (12, 2))}
    """
    from ecomkit.reference.calendar import _festival_key

    if festivals is None:
        return dict(FESTIVAL_WINDOWS)
    if isinstance(festivals, str):
        festivals = [festivals]
    if isinstance(festivals, dict):
        return {str(name): (_month_day(first, name), _month_day(last, name))
                for name, (first, last) in festivals.items()}
    windows = {}
    for item in festivals:
        own = re.fullmatch(r"\s*(.+?)\s*[= ]\s*([\d/-]+)\s*(?::|\.\.)\s*([\d/-]+)\s*", str(item))
        if own:
            name = own.group(1)
            windows[name] = (_month_day(own.group(2), name), _month_day(own.group(3), name))
        elif isinstance(item, str) and ("=" in item or ":" in item):
            raise ValueError(f"festival {item!r}: write an own event as its name and first:last day, "
                             "e.g. Carnaval 02-10:02-14")
        else:
            key = _festival_key(item)
            windows[key] = FESTIVAL_WINDOWS[key]
    return windows


def _week_start(dates: pd.Series) -> pd.Series:
    dates = pd.to_datetime(dates).dt.normalize()
    return dates - pd.to_timedelta(dates.dt.dayofweek, unit="D")


def festival_of_week(weeks: pd.Series, festivals=None) -> pd.Series:
    """Name of the festival window a Monday-to-Sunday week touches, else "".

    ``weeks`` holds the Mondays; a week is a festival week when any of its seven days lies in a
    window of ``festivals`` (see :func:`festival_windows`; None: :data:`ecomkit.reference.FESTIVALS`).
    """
    weeks = pd.to_datetime(weeks)
    label = pd.Series("", index=weeks.index, dtype=object)
    if weeks.empty:
        return label
    week_end = weeks + pd.Timedelta(days=6)
    for year in range(int(weeks.dt.year.min()) - 1, int(week_end.dt.year.max()) + 1):
        for name, (start, end) in festival_windows(festivals).items():
            first = _day(year, start)
            last = _day(year + (1 if end < start else 0), end)
            if first is None or last is None:
                continue
            label = label.mask((weeks <= last) & (week_end >= first), name)
    return label


def _day(year: int, month_day: tuple[int, int]):
    try:
        return pd.Timestamp(year, *month_day)
    except ValueError:                            # 02-29 in a common year
        return None


def weekly_panel(panel: pd.DataFrame, festivals=None) -> pd.DataFrame:
    """Sum a daily panel into SKU-weeks (Monday to Sunday); a weekly panel passes through unchanged.

    ``festivals`` chooses the windows that mark festival weeks (:func:`festival_windows`; None: the
    Chinese platforms' 618, 11.11 and 12.12; ``[]``: none).

    Columns: sku, category, week (the Monday), price (mean shelf price over the week's rows, in the
    panel's currency), list_price and unit_cost (means, if present), units (sum), revenue (sum of price x units),
    promo_share (share of the week's rows on promotion, if present), price_test (True when every
    row of the week is in the test programme, if present), days (rows summed), festival (the
    festival window the week touches, or ""), partial_week (the week runs past the panel's first
    or last date, so it holds fewer days; week effects absorb this in the regressions).

    >>> weekly_panel(panel).head()                                     # doctest: +SKIP
    """
    frame = panel.assign(week=_week_start(panel["date"]), revenue=panel["price"] * panel["units"])
    spec = {"category": ("category", "first"), "price": ("price", "mean"), "units": ("units", "sum"),
            "revenue": ("revenue", "sum"), "days": ("date", "size")}
    for col in ("list_price", "unit_cost"):
        if col in frame:
            spec[col] = (col, "mean")
    if "promo" in frame:
        spec["promo_share"] = ("promo", "mean")
    if "price_test" in frame:
        spec["price_test"] = ("price_test", "all")
    if "category" not in frame:
        frame = frame.assign(category="all")
    weekly = frame.groupby(["sku", "week"], sort=True).agg(**spec).reset_index()
    weekly["festival"] = festival_of_week(weekly["week"], festivals)
    first_day, last_day = frame["date"].min(), frame["date"].max()
    weekly["partial_week"] = (weekly["week"] < first_day) | (weekly["week"] + pd.Timedelta(days=6) > last_day)
    first = ["sku", "category", "week", "price", "units"]
    return weekly[first + [c for c in weekly.columns if c not in first]]


def sku_baseline(weekly: pd.DataFrame) -> pd.DataFrame:
    """Each SKU's regular situation: the price, units and margin of its ordinary weeks.

    Ordinary weeks are full weeks outside festival windows, without promotion
    (``promo_share == 0``) and outside the price-test programme. ``regular_price`` is the SKU's
    list price if known, else the median price of its ordinary weeks; ``regular_units`` is the mean weekly units of the
    ordinary weeks at that price (or of all ordinary weeks if none match to the cent).
    Columns: sku, category, regular_price, unit_cost (NaN if unknown), regular_units,
    revenue (all weeks), min_price, max_price (observed), margin (of the regular price).
    """
    ordinary = weekly["festival"].eq("")
    if "partial_week" in weekly:
        ordinary &= ~weekly["partial_week"]
    if "promo_share" in weekly:
        ordinary &= weekly["promo_share"].eq(0)
    if "price_test" in weekly:
        ordinary &= ~weekly["price_test"]
    rows = []
    for sku, grp in weekly.groupby("sku", sort=True):
        calm = grp[ordinary.loc[grp.index]]
        if calm.empty:
            calm = grp
        regular = float(grp["list_price"].median()) if "list_price" in grp else float(calm["price"].median())
        at_regular = calm[np.isclose(calm["price"], regular, atol=0.005)]
        units = float((at_regular if len(at_regular) else calm)["units"].mean())
        cost = float(grp["unit_cost"].mean()) if "unit_cost" in grp else np.nan
        rows.append({"sku": sku, "category": grp["category"].iloc[0], "regular_price": regular,
                     "unit_cost": cost, "regular_units": units, "revenue": float(grp["revenue"].sum()),
                     "min_price": float(grp["price"].min()), "max_price": float(grp["price"].max())})
    table = pd.DataFrame(rows)
    table["margin"] = (table["regular_price"] - table["unit_cost"]) / table["regular_price"]
    return table


def price_tiers(baseline: pd.DataFrame) -> pd.Series:
    """"value" or "premium" per SKU: its regular price below / at-or-above its category's median.

    A proxy for who buys it: premium SKUs draw quality-seeking shoppers, value SKUs
    price-sensitive ones. Returns a Series indexed by sku.
    """
    median = baseline.groupby("category")["regular_price"].transform("median")
    tier = np.where(baseline["regular_price"] >= median, "premium", "value")
    return pd.Series(tier, index=baseline["sku"].to_numpy(), name="price_tier")


def weekly_index(weekly: pd.DataFrame) -> pd.DataFrame:
    """Shop-wide units and price level per week: the festival confounder in one table.

    Columns (indexed by full week): units (sum over SKUs), price_index (mean over SKUs of price /
    the SKU's median price over the whole panel; 0.9 = prices 10% below usual), festival.
    """
    if "partial_week" in weekly:
        weekly = weekly[~weekly["partial_week"]]
    usual = weekly.groupby("sku")["price"].transform("median")
    frame = weekly.assign(price_index=weekly["price"] / usual)
    table = frame.groupby("week").agg(units=("units", "sum"), price_index=("price_index", "mean"),
                                      festival=("festival", "first"))
    return table
