"""The shop's headline indicators (核心指标): GMV, orders, AOV, payment, returns, repeat purchases, the series
per period, the festival lift, and the order-level mixes (channel, province, hour of day).
Definitions: :mod:`ecomkit.kpi`.

Amounts are in the data's currency (the report's ``CURRENCY``); no name says which.

Example:
    core_kpis(orders)["aov"]
    festival_lift(kpis_by_period(orders, "D"), festivals=["618", "11.11"])
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: The default festival days of chapter 00: (month, day) of 618 and 11.11 (see :mod:`ecomkit.reference`).
SHOPPING_FESTIVALS = {"618": (6, 18), "11.11": (11, 11)}


def core_kpis(orders: pd.DataFrame, funnel: pd.DataFrame | None = None) -> pd.Series:
    """The shop's headline indicators over the whole table (a Series; amounts in the data's currency).

    Keys: ``orders``, ``gmv``, ``net_sales``, ``aov``, ``return_rate``; with a ``refund_amount`` column
    also ``refunds`` and ``refund_share`` (of GMV); with ``customer_id`` also ``buyers``,
    ``spend_per_buyer``, ``repeat_purchase_rate`` and ``orders_per_buyer``; with ``discount_amount``
    and ``gross_amount`` the ``discount_share``; with a funnel ``visitors`` and ``conversion_rate``.

    >>> core_kpis(orders)["aov"]          # doctest: +SKIP
    """
    n_orders = len(orders)
    gmv = float(orders["net_amount"].sum())
    refunded = refunded_value(orders)
    returned = orders["status"].eq("returned") if "status" in orders else pd.Series(False, index=orders.index)
    kpis = {
        "orders": n_orders,
        "gmv": gmv,
        "net_sales": gmv - float(refunded.sum()),
        "aov": gmv / n_orders if n_orders else np.nan,
        "return_rate": float(returned.mean()) if n_orders else np.nan,
    }
    if "refund_amount" in orders:
        kpis["refunds"] = float(refunded.sum())
        kpis["refund_share"] = float(refunded.sum() / gmv) if gmv else np.nan
    if "customer_id" in orders:  # buyer-level indicators need buyer ids
        buyers = orders["customer_id"].nunique()
        orders_per_buyer = orders.groupby("customer_id").size()
        kpis.update({
            "buyers": buyers,
            "spend_per_buyer": gmv / buyers if buyers else np.nan,
            "repeat_purchase_rate": float((orders_per_buyer >= 2).mean()) if buyers else np.nan,
            "orders_per_buyer": n_orders / buyers if buyers else np.nan,
        })
    if "discount_amount" in orders and "gross_amount" in orders and orders["gross_amount"].sum():
        kpis["discount_share"] = float(orders["discount_amount"].sum() / orders["gross_amount"].sum())
    if funnel is not None and funnel["visitors"].sum():
        kpis["visitors"] = int(funnel["visitors"].sum())
        kpis["conversion_rate"] = float(funnel["orders"].sum() / funnel["visitors"].sum())
    return pd.Series(kpis, name="value")


def refunded_value(orders: pd.DataFrame) -> pd.Series:
    """Value given back per order: the whole ``net_amount`` of a returned order, else its ``refund_amount``
    (capped at ``net_amount``) when the table has one, else 0."""
    net = orders["net_amount"].astype(float)
    value = pd.Series(0.0, index=orders.index)
    if "refund_amount" in orders:
        value = orders["refund_amount"].astype(float).fillna(0.0).clip(lower=0.0).clip(upper=net.clip(lower=0.0))
    if "status" in orders:
        value = value.mask(orders["status"].eq("returned"), net)
    return value


def paid_rate(orders: pd.DataFrame, ledger=None) -> pd.Series:
    """Share of the orders placed that were paid, from the kept orders and the loader's ledger.

    ``placed_orders`` = the orders in ``orders`` + the unpaid and cancelled orders the ledger dropped;
    ``unpaid_orders`` = the ledger's dropped ``unpaid`` + orders kept with status ``unpaid``;
    ``paid_rate`` = 1 - unpaid / placed. ``ledger`` is a :class:`ecomkit.io.RowLedger` or its dict.
    Whether unpaid orders are *visible* at all (a payment time or a status) is the caller's question.

    >>> paid_rate(shop.orders, shop.ledger)["paid_rate"]      # doctest: +SKIP
    """
    if ledger is None:
        dropped = {}
    elif isinstance(ledger, dict):
        dropped = dict(ledger.get("dropped", {}))
    else:
        dropped = ledger.dropped()
    kept_unpaid = int(orders["status"].eq("unpaid").sum()) if "status" in orders else 0
    unpaid = int(dropped.get("unpaid", 0)) + kept_unpaid
    placed = len(orders) + int(dropped.get("unpaid", 0)) + int(dropped.get("cancelled", 0))
    return pd.Series({"placed_orders": placed, "unpaid_orders": unpaid, "paid_orders": placed - unpaid,
                      "paid_rate": (placed - unpaid) / placed if placed else np.nan}, name="value")


def kpis_by_period(orders: pd.DataFrame, freq: str = "D") -> pd.DataFrame:
    """Orders, buyers, GMV, AOV and new buyers per period (``freq``: "D" day, "W" week, "M" month).

    Columns ``orders``, ``buyers``, ``gmv_cny``, ``new_buyers``, ``aov_cny`` (the names
    :mod:`ecomkit.engine` mirrors; the amounts are in the data's currency whatever the suffix says).
    Without a ``customer_id`` column the buyer columns are left out."""
    period = orders["order_ts"].dt.to_period(freq).dt.start_time
    if "customer_id" in orders:
        first_order = orders.groupby("customer_id")["order_ts"].transform("min")
        frame = orders.assign(period=period, is_first=orders["order_ts"].eq(first_order))
        table = frame.groupby("period").agg(
            orders=("net_amount", "size"),
            buyers=("customer_id", "nunique"),
            gmv_cny=("net_amount", "sum"),
            new_buyers=("is_first", "sum"),
        )
    else:
        table = orders.assign(period=period).groupby("period").agg(orders=("net_amount", "size"),
                                                                   gmv_cny=("net_amount", "sum"))
    table["aov_cny"] = table["gmv_cny"] / table["orders"]
    full = pd.date_range(table.index.min(), table.index.max(), freq={"D": "D", "W": "W-MON", "M": "MS"}.get(freq, freq))
    table = table.reindex(full.union(table.index), fill_value=0)
    table.index.name = "period"
    return table


# --------------------------------------------------------------------------- festivals


def festival_days(festivals=None) -> dict[str, tuple[int, int]]:
    """The festival days to use, as ``{name: (month, day)}``.

    ``festivals`` is None (618 and 11.11, :data:`SHOPPING_FESTIVALS`), a list of built-in names from
    :data:`ecomkit.reference.FESTIVALS` ("618", "11.11", "12.12"; "1111" is accepted) and of the
    shop's own days written ``"Name MM-DD"`` or ``"Name=MM-DD"`` (e.g. ``"Black Friday 11-29"``), or a
    dict ``{name: (month, day)}``. An empty list gives no festival.

    >>> festival_days(["11.11", "Dia do Consumidor 03-15"])
    {'11.11': (11, 11), 'Dia do Consumidor': (3, 15)}
    """
    from ecomkit.reference import FESTIVALS
    from ecomkit.reference.calendar import _festival_key

    if festivals is None:
        return dict(SHOPPING_FESTIVALS)
    if isinstance(festivals, dict):
        return {str(name): (int(month), int(day)) for name, (month, day) in festivals.items()}
    if isinstance(festivals, str):
        festivals = [festivals]
    days = {}
    for item in festivals:
        own = re.fullmatch(r"\s*(.+?)\s*[= ]\s*(\d{1,2})[-/](\d{1,2})\s*", str(item))
        if own:
            name, month, day = own.group(1), int(own.group(2)), int(own.group(3))
            try:
                pd.Timestamp(2024, month, day)          # a leap year: 02-29 is accepted
            except ValueError as err:
                raise ValueError(f"festival {item!r}: {month:02d}-{day:02d} is not a month and day") from err
            days[name] = (month, day)
        else:
            try:
                key = _festival_key(item)
            except ValueError as err:
                raise ValueError(f"festival {item!r}: use a built-in name ({', '.join(FESTIVALS)}) or the shop's "
                                 "own day as its name and MM-DD, e.g. Black Friday 11-29") from err
            days[key] = (FESTIVALS[key].month, FESTIVALS[key].day)
    return days


def festivals_in_window(start, end, festivals=None) -> pd.DataFrame:
    """Every festival day between ``start`` and ``end`` (both inclusive): columns ``festival``, ``date``."""
    first, last = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    rows = []
    for year in range(first.year, last.year + 1):
        for name, (month, day) in festival_days(festivals).items():
            try:
                when = pd.Timestamp(year=year, month=month, day=day)
            except ValueError:      # 02-29 outside a leap year
                continue
            if first <= when <= last:
                rows.append((name, when))
    return pd.DataFrame(rows, columns=["festival", "date"]).sort_values("date", kind="stable").reset_index(drop=True)


def festival_lift(daily: pd.DataFrame, column: str = "orders", window_days: int = 7, festivals=None) -> pd.DataFrame:
    """How much busier the days up to each festival (default 618, 11.11) are than the year's average day.

    ``daily`` is :func:`kpis_by_period` with ``freq="D"``; ``festivals`` as in :func:`festival_days`.
    For each year and festival, the mean of ``column`` over the ``window_days`` ending on the festival
    day is divided by that year's daily mean (over the days of that year in ``daily``). A lift of 3
    means three times the ordinary volume. A festival whose window is not wholly in ``daily`` is left
    out; the result is empty when none is.
    """
    rows = []
    for year in sorted(set(daily.index.year)):
        year_mean = daily.loc[daily.index.year == year, column].mean()
        for name, (month, day) in festival_days(festivals).items():
            try:
                end = pd.Timestamp(year=year, month=month, day=day)
            except ValueError:
                continue
            window = daily.loc[end - pd.Timedelta(days=window_days - 1): end, column]
            if len(window) == window_days and year_mean > 0:
                rows.append({"year": year, "festival": name, "window_mean": window.mean(),
                             "year_daily_mean": year_mean, "lift": window.mean() / year_mean})
    return pd.DataFrame(rows, columns=["year", "festival", "window_mean", "year_daily_mean", "lift"])


# --------------------------------------------------------------------------- order-level mixes


def _mix(orders: pd.DataFrame, by: str) -> pd.DataFrame:
    keys = orders[by].astype(object).where(orders[by].notna(), "(blank)")
    grouped = orders.assign(**{by: keys}).groupby(by)
    table = grouped.agg(orders=("net_amount", "size"), gmv=("net_amount", "sum"))
    if "customer_id" in orders:
        table.insert(1, "buyers", grouped["customer_id"].nunique())
    table["aov"] = table["gmv"] / table["orders"]
    table["order_share"] = table["orders"] / table["orders"].sum()
    total = table["gmv"].sum()
    table["gmv_share"] = table["gmv"] / total if total else np.nan
    return table.sort_values(["gmv", "orders"], ascending=False)


def channel_mix(orders: pd.DataFrame) -> pd.DataFrame:
    """Orders, (buyers,) GMV, AOV and shares per sales channel, largest GMV first.

    Columns ``orders``, ``buyers`` (only with ``customer_id``), ``gmv``, ``aov``, ``order_share``,
    ``gmv_share``."""
    return _mix(orders, "channel")


def province_mix(orders: pd.DataFrame, column: str = "province") -> pd.DataFrame:
    """Orders, (buyers,) GMV, AOV and shares per delivery province or region, largest GMV first.

    Same columns as :func:`channel_mix`; blank regions are grouped as "(blank)".

    >>> province_mix(orders).head(10)      # doctest: +SKIP
    """
    return _mix(orders, column).rename_axis(column)


def has_time_of_day(order_ts: pd.Series) -> bool:
    """True when some order time is not midnight (the file carries times, not only dates)."""
    ts = pd.to_datetime(order_ts).dropna()
    return bool(len(ts) and ts.ne(ts.dt.normalize()).any())


def orders_by_hour(orders: pd.DataFrame) -> pd.DataFrame:
    """Orders, GMV and the share of orders per hour of the day (0-23, all hours present).

    Hours are read from ``order_ts`` as written (the shop's local time unless the loader converted it).
    """
    hour = orders["order_ts"].dt.hour
    table = orders.assign(hour=hour).groupby("hour").agg(orders=("net_amount", "size"), gmv=("net_amount", "sum"))
    table = table.reindex(range(24), fill_value=0)
    table.index.name = "hour"
    total = table["orders"].sum()
    table["order_share"] = table["orders"] / total if total else np.nan
    return table


# --------------------------------------------------------------------------- display

KPI_LABELS = {  # key -> (label, unit: "money", "share", "count" or "number")
    "orders": ("Orders", "count"),
    "gmv": ("GMV (成交额)", "money"),
    "net_sales": ("Net sales (GMV less refunds and returns)", "money"),
    "aov": ("Average order value (客单价)", "money"),
    "return_rate": ("Return rate (退货率)", "share"),
    "refunds": ("Refunds", "money"),
    "refund_share": ("Refunds, share of GMV", "share"),
    "buyers": ("Buyers", "count"),
    "spend_per_buyer": ("Spend per buyer", "money"),
    "repeat_purchase_rate": ("Repeat-purchase rate (复购率)", "share"),
    "orders_per_buyer": ("Orders per buyer", "number"),
    "discount_share": ("Discounts, share of gross value", "share"),
    "visitors": ("Visitors", "count"),
    "conversion_rate": ("Conversion rate (转化率)", "share"),
    "placed_orders": ("Orders placed", "count"),
    "unpaid_orders": ("Orders never paid", "count"),
    "paid_orders": ("Orders paid", "count"),
    "paid_rate": ("Paid rate (orders paid / placed)", "share"),
}


def format_kpis(kpis: pd.Series, currency: str = "CNY") -> pd.DataFrame:
    """The indicators as a small table for a report: a readable label and the value with its unit.

    >>> format_kpis(core_kpis(orders), currency="BRL")      # doctest: +SKIP
    """
    rows = []
    for key, value in kpis.items():
        label, unit = KPI_LABELS.get(key, (str(key), "number"))
        if value is None or (isinstance(value, float) and not np.isfinite(value)):
            text = "n/a"
        elif unit == "money":
            text = f"{currency} {value:,.2f}"
        elif unit == "share":
            text = f"{value:.1%}"
        elif unit == "count":
            text = f"{value:,.0f}"
        else:
            text = f"{value:,.2f}"
        rows.append((label, text))
    return pd.DataFrame(rows, columns=["indicator", "value"]).set_index("indicator")
