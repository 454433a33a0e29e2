"""Core indicators (核心指标), the traffic funnel and acquisition cohorts — chapter 00.

Compute functions come first, plot functions after. Every function takes validated tables
(see :mod:`ecomkit.io`): orders with ``customer_id, order_ts, net_amount, status`` and, where
named, ``channel``; the funnel with ``date, channel, visitors, product_views, add_to_cart, orders``.

Definitions used throughout (the handbooks use the terms loosely, so we pin them):

- **GMV** (成交额): sum of ``net_amount`` (CNY paid after discounts, before shipping) of the
  orders kept by the loader, returned ones included (returns are refunded later).
- **net sales**: GMV minus the ``net_amount`` of returned orders.
- **AOV** (客单价): GMV / orders. Some shops divide by buyers instead; :func:`core_kpis` gives both.
- **return rate** (退货率): returned orders / orders.
- **repeat-purchase rate** (复购率): share of buyers with two or more orders in the period.
- **conversion rate** (转化率): orders / visitors, from the funnel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matplotlib.ticker import PercentFormatter

from ecomkit.viz import format_percent, format_yuan

FUNNEL_STAGES = ["visitors", "product_views", "add_to_cart", "orders"]
SHOPPING_FESTIVALS = {"618": (6, 18), "11.11": (11, 11)}


# --------------------------------------------------------------------------- compute


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


def funnel_summary(funnel: pd.DataFrame, by: str | None = "channel") -> pd.DataFrame:
    """Totals per funnel stage and the step and overall conversion rates (optionally per ``by``).

    Columns: the four stages, ``view_rate`` (views/visitors), ``cart_rate`` (add-to-cart/views),
    ``order_rate`` (orders/add-to-cart) and ``conversion_rate`` (orders/visitors).
    """
    totals = funnel.groupby(by)[FUNNEL_STAGES].sum() if by else funnel[FUNNEL_STAGES].sum().to_frame("all").T
    totals["view_rate"] = totals["product_views"] / totals["visitors"]
    totals["cart_rate"] = totals["add_to_cart"] / totals["product_views"]
    totals["order_rate"] = totals["orders"] / totals["add_to_cart"]
    totals["conversion_rate"] = totals["orders"] / totals["visitors"]
    return totals.sort_values("conversion_rate", ascending=False)


def funnel_matches_orders(funnel: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """Rows where the funnel's ``orders`` differ from the order table's count per date and channel.

    An empty result means the two tables agree. Compare with the orders *before* cancelled ones
    are dropped: the funnel counts every placed order.
    """
    counted = (orders.assign(date=orders["order_ts"].dt.normalize())
               .groupby(["date", "channel"]).size().rename("orders_in_table"))
    merged = funnel.set_index(["date", "channel"])[["orders"]].join(counted, how="outer").fillna(0)
    return merged[merged["orders"] != merged["orders_in_table"]]


def cohort_retention(orders: pd.DataFrame, period: str = "M") -> pd.DataFrame:
    """Acquisition-cohort retention matrix: share of each cohort buying k periods after acquisition.

    A customer's cohort is the period of their first order; they count as retained in period k
    if they order at least once in cohort + k. Column 0 is 1.0 by construction; cells after the
    last observed period are NaN (not zero), so right-censoring never reads as churn.
    Every row counts: filter the orders first. :func:`ecomkit.profiling.cohort_retention` builds on this
    function, adding its order-counting rule and an explicit ``as_of`` (complete periods only).
    """
    periods = pd.PeriodIndex(orders["order_ts"].dt.to_period(period))
    ordinal = pd.Series(periods.asi8, index=orders.index)  # consecutive integers per period
    cohort = ordinal.groupby(orders["customer_id"]).transform("min")
    active = pd.DataFrame({"customer_id": orders["customer_id"], "cohort": cohort,
                           "age": ordinal - cohort}).drop_duplicates()
    counts = active.groupby(["cohort", "age"])["customer_id"].nunique().unstack(fill_value=0)
    counts = counts.reindex(columns=range(int(ordinal.max() - ordinal.min()) + 1), fill_value=0)
    sizes = counts[0]
    matrix = counts.div(sizes, axis=0)
    observable = ordinal.max() - matrix.index.to_numpy()
    matrix = matrix.where(matrix.columns.to_numpy()[None, :] <= observable[:, None])
    # concat rather than insert: insert fragments the frame on weekly cohorts (hundreds of columns)
    matrix = pd.concat([sizes.rename("cohort_size"), matrix], axis=1)
    matrix.index = pd.PeriodIndex.from_ordinals(matrix.index, freq=periods.freq).astype(str)
    matrix.columns = ["cohort_size"] + [int(c) for c in matrix.columns[1:]]
    return matrix


def next_period_retention(matrix: pd.DataFrame) -> pd.DataFrame:
    """Per cohort: size and next-period retention (column 1 of :func:`cohort_retention`)."""
    table = matrix[["cohort_size", 1]].rename(columns={1: "next_period_retention"})
    return table.dropna()


def retention_claim(next_retention: pd.DataFrame, claim: float = 0.40) -> pd.Series:
    """Test the handbooks' "next-month retention is below 40%" against per-cohort figures."""
    rates = next_retention["next_period_retention"]
    pooled = float((rates * next_retention["cohort_size"]).sum() / next_retention["cohort_size"].sum())
    return pd.Series({
        "claim": claim,
        "cohorts": int(len(rates)),
        "median_next_month_retention": float(rates.median()),
        "pooled_next_month_retention": pooled,
        "share_of_cohorts_below_claim": float((rates < claim).mean()),
        "claim_holds_for_median_cohort": bool(rates.median() < claim),
    })


# --------------------------------------------------------------------------- plots


def _axes(ax):
    import matplotlib.pyplot as plt

    return ax if ax is not None else plt.subplots()[1]


def plot_daily_trend(daily: pd.DataFrame, column: str = "gmv_cny", rolling_days: int = 7, ax=None):
    """Daily values with a rolling mean and the 618 / 11.11 festival days marked; returns the Axes."""
    ax = _axes(ax)
    ax.plot(daily.index, daily[column], lw=0.6, alpha=0.5, label="daily")
    ax.plot(daily.index, daily[column].rolling(rolling_days, center=True).mean(), lw=1.6,
            label=f"{rolling_days}-day mean")
    for year in sorted(set(daily.index.year)):
        for name, (month, day) in SHOPPING_FESTIVALS.items():
            when = pd.Timestamp(year=year, month=month, day=day)
            if daily.index.min() <= when <= daily.index.max():
                ax.axvline(when, color="crimson", lw=0.8, ls="--")
                ax.annotate(name, (when, 1), xycoords=("data", "axes fraction"), ha="right", va="top",
                            fontsize=8, color="crimson", rotation=90)
    label = {"gmv_cny": "GMV per day (CNY)", "orders": "orders per day"}.get(column, column)
    ax.set(xlabel="date", ylabel=label, title=f"{label} with the 618 and 11.11 festivals")
    if column.endswith("_cny"):
        format_yuan(ax)
    ax.legend(loc="upper left")
    return ax


def plot_funnel(summary: pd.DataFrame, ax=None):
    """Conversion from visitors through each stage, one line per channel (log scale); returns the Axes."""
    ax = _axes(ax)
    stages = summary[FUNNEL_STAGES].div(summary["visitors"], axis=0)
    for channel, row in stages.iterrows():
        ax.plot(FUNNEL_STAGES, row.values, marker="o", label=str(channel))
    ax.set_yscale("log")
    ax.set(xlabel="funnel stage", ylabel="share of visitors (log scale)", title="Funnel by channel")
    format_percent(ax, decimals=1)
    ax.legend(title="channel", fontsize=8)
    return ax


def plot_channel_mix(mix: pd.DataFrame, ax=None):
    """Share of orders and of GMV per channel, side by side; returns the Axes."""
    ax = _axes(ax)
    shares = mix[["order_share", "gmv_share"]].rename(columns={"order_share": "orders", "gmv_share": "GMV"})
    long = shares.reset_index().melt(id_vars="channel", var_name="measure", value_name="share")
    import seaborn as sns

    sns.barplot(data=long, x="share", y="channel", hue="measure", ax=ax)
    ax.set(xlabel="share of the shop's total", ylabel="channel", title="Channel mix")
    format_percent(ax, axis="x")
    return ax


def plot_cohort_heatmap(matrix: pd.DataFrame, max_periods: int = 12, ax=None):
    """Heatmap of cohort retention for the first ``max_periods`` periods; returns the Axes."""
    import seaborn as sns

    ax = _axes(ax)
    shares = matrix[[c for c in matrix.columns if c != "cohort_size" and 1 <= c <= max_periods]]
    sns.heatmap(shares, ax=ax, cmap="Blues", vmin=0, vmax=max(0.05, float(np.nanmax(shares.values))),
                cbar_kws={"label": "share of cohort buying", "format": PercentFormatter(1.0)})
    ax.set(xlabel="months since first order", ylabel="acquisition cohort (month)",
           title="Cohort retention: share of each cohort buying again")
    return ax


def plot_next_month_retention(next_retention: pd.DataFrame, claim: float = 0.40, ax=None):
    """Next-month retention per cohort against the handbooks' claimed ceiling; returns the Axes."""
    ax = _axes(ax)
    rates = next_retention["next_period_retention"]
    ax.bar(range(len(rates)), rates.values, color="steelblue")
    ax.axhline(claim, color="crimson", ls="--", label=f"handbook claim: below {claim:.0%}")
    ax.axhline(rates.median(), color="black", lw=1, label=f"median cohort: {rates.median():.1%}")
    step = max(1, len(rates) // 12)
    ax.set_xticks(range(0, len(rates), step), rates.index[::step], rotation=45, ha="right")
    ax.set(xlabel="acquisition cohort (month)", ylabel="next-month retention", title="Next-month retention by cohort")
    format_percent(ax)
    ax.legend()
    return ax
