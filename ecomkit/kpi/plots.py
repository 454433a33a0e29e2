"""Chapter 00's pictures: the trend with the festivals, the funnel, the channel mix, the province mix and
the orders by hour of day.

Every function follows the plotting convention of :mod:`ecomkit.viz`: ``plot_*(data, ..., *, ax=None,
**kwargs)`` draws on ``ax`` (a new figure of the theme's size when None), passes ``kwargs`` to the call
that draws the main marks and returns the Axes. Money axes say their currency (``currency=``, an ISO
code). The cohort pictures are in :mod:`ecomkit.cohorts`.
"""

from __future__ import annotations

import pandas as pd

from ecomkit.kpi.funnel import FUNNEL_STAGES
from ecomkit.kpi.indicators import festivals_in_window
from ecomkit.viz import axes, format_money, format_percent, money_label

MONEY_COLUMNS = {"gmv_cny": "GMV", "gmv": "GMV", "aov_cny": "AOV", "aov": "AOV"}


def _period_word(index: pd.Index) -> str:
    """"day", "week" or "month" from the spacing of a date index (its median step)."""
    if len(index) < 2:
        return "day"
    step = pd.Series(index).diff().median()
    return "day" if step <= pd.Timedelta(days=1) else "week" if step <= pd.Timedelta(days=7) else "month"


def plot_daily_trend(daily: pd.DataFrame, column: str = "gmv_cny", rolling_days: int = 7, *, festivals=None,
                     currency: str = "CNY", ax=None, **kwargs):
    """Values per period with a rolling mean and the festival days in the window marked; returns the Axes.

    ``daily`` is :func:`ecomkit.kpi.kpis_by_period` (day, week or month: the labels follow the index);
    ``festivals`` as in :func:`ecomkit.kpi.festival_days` (None: 618 and 11.11, an empty list: none);
    ``currency`` labels money columns (GMV, AOV). kwargs are passed to the ``ax.plot`` call of the values.
    """
    ax = axes(ax)
    word = _period_word(daily.index)
    ax.plot(daily.index, daily[column], **{"lw": 0.6, "alpha": 0.5, "label": f"per {word}", **kwargs})
    ax.plot(daily.index, daily[column].rolling(rolling_days, center=True).mean(), lw=1.6,
            label=f"{rolling_days}-{word} mean")
    marked = []
    if len(daily):
        days = festivals_in_window(daily.index.min(), daily.index.max(), festivals)
        for name, when in days.itertuples(index=False):
            ax.axvline(when, color="crimson", lw=0.8, ls="--")
            ax.annotate(name, (when, 1), xycoords=("data", "axes fraction"), ha="right", va="top",
                        fontsize=8, color="crimson", rotation=90)
        marked = list(dict.fromkeys(days["festival"]))
    if column in MONEY_COLUMNS:
        label = money_label(f"{MONEY_COLUMNS[column]} per {word}", currency)
    else:
        label = {"orders": f"orders per {word}", "buyers": f"buyers per {word}",
                 "new_buyers": f"new buyers per {word}"}.get(column, column)
    title = label + (f" with the {' and '.join(marked)} festivals" if marked else "")
    ax.set(xlabel="date", ylabel=label, title=title)
    if column in MONEY_COLUMNS:
        format_money(ax, currency=currency)
    ax.legend(loc="upper left")
    return ax


def plot_funnel(summary: pd.DataFrame, *, ax=None, **kwargs):
    """Conversion from visitors through each stage, one line per channel (log scale); returns the Axes.

    kwargs are passed to each channel's ``ax.plot`` call.
    """
    ax = axes(ax)
    stages = summary[FUNNEL_STAGES].div(summary["visitors"], axis=0)
    for channel, row in stages.iterrows():
        ax.plot(FUNNEL_STAGES, row.values, **{"marker": "o", "label": str(channel), **kwargs})
    ax.set_yscale("log")
    ax.set(xlabel="funnel stage", ylabel="share of visitors (log scale)", title="Funnel by channel")
    format_percent(ax, decimals=1)
    ax.legend(title="channel", fontsize=8)
    return ax


def _plot_shares(mix: pd.DataFrame, name: str, ax, kwargs):
    import seaborn as sns

    shares = mix[["order_share", "gmv_share"]].rename(columns={"order_share": "orders", "gmv_share": "GMV"})
    shares.index = shares.index.astype(str)
    long = shares.rename_axis(name).reset_index().melt(id_vars=name, var_name="measure", value_name="share")
    sns.barplot(data=long, x="share", y=name, hue="measure", ax=ax, **kwargs)
    format_percent(ax, axis="x")
    return ax


def plot_channel_mix(mix: pd.DataFrame, *, ax=None, **kwargs):
    """Share of orders and of GMV per channel, side by side; returns the Axes.

    kwargs are passed to ``seaborn.barplot``.
    """
    ax = _plot_shares(mix, "channel", axes(ax), kwargs)
    ax.set(xlabel="share of the shop's total", ylabel="channel", title="Channel mix")
    return ax


def plot_province_mix(mix: pd.DataFrame, top: int = 15, *, ax=None, **kwargs):
    """Share of orders and of GMV of the ``top`` provinces or regions by GMV; returns the Axes.

    ``mix`` is :func:`ecomkit.kpi.province_mix`. kwargs are passed to ``seaborn.barplot``.
    """
    shown = mix.head(top)
    ax = _plot_shares(shown, "region", axes(ax, figsize=(8, max(3.0, 0.35 * len(shown) + 1.5))), kwargs)
    more = f" (top {top} of {len(mix)})" if len(mix) > top else ""
    ax.set(xlabel="share of the shop's total", ylabel="delivery province or region",
           title=f"Orders and GMV by province or region{more}")
    return ax


def plot_orders_by_hour(hours: pd.DataFrame, *, ax=None, **kwargs):
    """Share of orders placed in each hour of the day (0-23); returns the Axes.

    ``hours`` is :func:`ecomkit.kpi.orders_by_hour`. kwargs are passed to ``ax.bar``.
    """
    ax = axes(ax)
    ax.bar(hours.index, hours["order_share"], **{"color": "steelblue", **kwargs})
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlim(-0.6, 23.6)
    ax.set(xlabel="hour of day the order was placed (0 = midnight to 1 am)", ylabel="share of orders",
           title="Orders by hour of day")
    format_percent(ax, decimals=0)
    return ax
