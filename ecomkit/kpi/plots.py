"""Chapter 00's pictures: the daily trend with the festivals, the funnel, the channel mix.

Every function follows the plotting convention of :mod:`ecomkit.viz`: ``plot_*(data, ..., *, ax=None,
**kwargs)`` draws on ``ax`` (a new figure of the theme's size when None), passes ``kwargs`` to the call
that draws the main marks and returns the Axes. The cohort pictures are in :mod:`ecomkit.cohorts`.
"""

from __future__ import annotations

import pandas as pd

from ecomkit.kpi.funnel import FUNNEL_STAGES
from ecomkit.kpi.indicators import SHOPPING_FESTIVALS
from ecomkit.viz import axes, format_percent, format_yuan


def plot_daily_trend(daily: pd.DataFrame, column: str = "gmv_cny", rolling_days: int = 7, *, ax=None, **kwargs):
    """Daily values with a rolling mean and the 618 / 11.11 festival days marked; returns the Axes.

    kwargs are passed to the ``ax.plot`` call of the daily values.
    """
    ax = axes(ax)
    ax.plot(daily.index, daily[column], **{"lw": 0.6, "alpha": 0.5, "label": "daily", **kwargs})
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


def plot_channel_mix(mix: pd.DataFrame, *, ax=None, **kwargs):
    """Share of orders and of GMV per channel, side by side; returns the Axes.

    kwargs are passed to ``seaborn.barplot``.
    """
    import seaborn as sns

    ax = axes(ax)
    shares = mix[["order_share", "gmv_share"]].rename(columns={"order_share": "orders", "gmv_share": "GMV"})
    long = shares.reset_index().melt(id_vars="channel", var_name="measure", value_name="share")
    sns.barplot(data=long, x="share", y="channel", hue="measure", ax=ax, **kwargs)
    ax.set(xlabel="share of the shop's total", ylabel="channel", title="Channel mix")
    format_percent(ax, axis="x")
    return ax
