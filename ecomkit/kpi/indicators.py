"""The shop's headline indicators (核心指标): GMV, orders, AOV, returns, repeat purchases, the series per
period, the 618 / 11.11 festival lift and the channel mix. Definitions: :mod:`ecomkit.kpi`.

Example:
    core_kpis(orders)["aov_cny"]
    festival_lift(kpis_by_period(orders, "D"))
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SHOPPING_FESTIVALS = {"618": (6, 18), "11.11": (11, 11)}


def core_kpis(orders: pd.DataFrame, funnel: pd.DataFrame | None = None) -> pd.Series:
    """The shop's headline indicators over the whole table (a Series; amounts in CNY).

    >>> core_kpis(orders)["aov_cny"]          # doctest: +SKIP
    """
    n_orders = len(orders)
    gmv = float(orders["net_amount"].sum())
    returned = orders["status"].eq("returned") if "status" in orders else pd.Series(False, index=orders.index)
    kpis = {
        "orders": n_orders,
        "gmv_cny": gmv,
        "net_sales_cny": gmv - float(orders.loc[returned, "net_amount"].sum()),
        "aov_cny": gmv / n_orders if n_orders else np.nan,
        "return_rate": float(returned.mean()) if n_orders else np.nan,
    }
    if "customer_id" in orders:  # buyer-level indicators need buyer ids
        buyers = orders["customer_id"].nunique()
        orders_per_buyer = orders.groupby("customer_id").size()
        kpis.update({
            "buyers": buyers,
            "spend_per_buyer_cny": gmv / buyers if buyers else np.nan,
            "repeat_purchase_rate": float((orders_per_buyer >= 2).mean()) if buyers else np.nan,
            "orders_per_buyer": n_orders / buyers if buyers else np.nan,
        })
    if "discount_amount" in orders and "gross_amount" in orders:
        kpis["discount_share"] = float(orders["discount_amount"].sum() / orders["gross_amount"].sum())
    if funnel is not None:
        kpis["visitors"] = int(funnel["visitors"].sum())
        kpis["conversion_rate"] = float(funnel["orders"].sum() / funnel["visitors"].sum())
    return pd.Series(kpis, name="value")


def kpis_by_period(orders: pd.DataFrame, freq: str = "D") -> pd.DataFrame:
    """Orders, buyers, GMV, AOV and new buyers per period (``freq``: "D" day, "W" week, "M" month).

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


def festival_lift(daily: pd.DataFrame, column: str = "orders", window_days: int = 7) -> pd.DataFrame:
    """How much busier the days up to each festival (618, 11.11) are than the year's average day.

    ``daily`` is :func:`kpis_by_period` with ``freq="D"``. For each year and festival, the mean of
    ``column`` over the ``window_days`` ending on the festival day is divided by that year's
    daily mean. A lift of 3 means three times the ordinary volume.
    """
    rows = []
    for year in sorted(set(daily.index.year)):
        year_mean = daily.loc[daily.index.year == year, column].mean()
        for name, (month, day) in SHOPPING_FESTIVALS.items():
            end = pd.Timestamp(year=year, month=month, day=day)
            window = daily.loc[end - pd.Timedelta(days=window_days - 1): end, column]
            if len(window) == window_days and year_mean > 0:
                rows.append({"year": year, "festival": name, "window_mean": window.mean(),
                             "year_daily_mean": year_mean, "lift": window.mean() / year_mean})
    return pd.DataFrame(rows)


def channel_mix(orders: pd.DataFrame) -> pd.DataFrame:
    """Orders, buyers, GMV, AOV and shares per sales channel, largest GMV first."""
    table = orders.groupby("channel").agg(orders=("customer_id", "size"), buyers=("customer_id", "nunique"),
                                          gmv_cny=("net_amount", "sum"))
    table["aov_cny"] = table["gmv_cny"] / table["orders"]
    table["order_share"] = table["orders"] / table["orders"].sum()
    table["gmv_share"] = table["gmv_cny"] / table["gmv_cny"].sum()
    return table.sort_values("gmv_cny", ascending=False)
