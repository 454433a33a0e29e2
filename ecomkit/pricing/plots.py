"""Chapter 02's pictures: festival confounding, price and units, elasticity forests, profit by price,
break-even lifts, basket bunching and threshold design.

Every ``plot_*(data, ..., *, ax=None, **kwargs)`` draws on ``ax`` (a new figure of the theme's
size when None), forwards ``kwargs`` to the call that draws its main marks and returns the Axes
(see :mod:`ecomkit.viz`). Plots of amounts take ``currency=`` (an ISO code, default "CNY") for their
labels and axes. Titles describe what is drawn, never what the data are expected to show.
matplotlib is imported only when a picture is drawn.

>>> plot_price_profit_curve(price_profit_curve(60, -3.0, 100, 50, elasticity_se=0.2),
...                         current_price=100, recommended_price=90)   # doctest: +SKIP
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from ecomkit.pricing.discounts import break_even_lift
from ecomkit.viz import axes, format_money, format_percent, money_label


def plot_festival_confounding(index: pd.DataFrame, *, ax=None, **kwargs):
    """Weekly units (left axis) and the price index (right axis), festival weeks shaded.

    ``index`` is :func:`~ecomkit.pricing.weekly_index`; ``kwargs`` go to the units line.
    Returns the left Axes.
    """
    ax = axes(ax)
    ax.plot(index.index, index["units"], **{"lw": 1.4, "label": "units per week (all SKUs)", **kwargs})
    festival = index["festival"].ne("")
    for week in index.index[festival]:
        ax.axvspan(week, week + pd.Timedelta(days=7), color="orange", alpha=0.2, lw=0)
    ax.set(xlabel="week", ylabel="units per week", title="Weekly units and price level, festival weeks shaded")
    right = ax.twinx()
    right.plot(index.index, index["price_index"], color="crimson", lw=1.2, label="price index (right axis)")
    right.set_ylabel("price index (price / usual price)")
    right.grid(False)
    format_percent(right, decimals=1)
    lines = ax.get_lines() + right.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc="upper left", fontsize=8)
    return ax


def plot_price_units(weekly: pd.DataFrame, sku, elasticities: Mapping[str, float] | None = None, *, ax=None,
                     currency: str = "CNY", **kwargs):
    """Weekly units against price for one SKU (log-log, full weeks), festival weeks marked, fitted curves.

    Each curve ``units = A * price ** e`` is anchored on the SKU's non-festival weeks
    (``log A`` = their mean of ``log units - e log price``). ``kwargs`` go to the scatter calls
    that draw the weeks (ordinary and festival); ``currency`` labels the price axis. Returns the Axes.
    """
    ax = axes(ax)
    rows = weekly[(weekly["sku"] == sku) & (weekly["units"] > 0)]
    if "partial_week" in rows:
        rows = rows[~rows["partial_week"]]
    if rows.empty:
        raise ValueError(f"no weeks with sales for SKU {sku!r}")
    festival = rows["festival"].ne("")
    ax.scatter(rows.loc[~festival, "price"], rows.loc[~festival, "units"],
               **{"s": 14, "alpha": 0.6, "label": "ordinary weeks", **kwargs})
    if festival.any():
        ax.scatter(rows.loc[festival, "price"], rows.loc[festival, "units"],
                   **{"s": 22, "alpha": 0.9, "color": "crimson", "marker": "^", "label": "festival weeks", **kwargs})
    grid = np.linspace(rows["price"].min() * 0.97, rows["price"].max() * 1.03, 50)
    calm = rows[~festival] if (~festival).any() else rows
    for (label, e), style in zip((elasticities or {}).items(), ("-", "--", ":", "-.")):
        log_a = float(np.mean(np.log(calm["units"]) - e * np.log(calm["price"])))
        ax.plot(grid, np.exp(log_a) * grid ** e, ls=style, lw=1.8, label=f"{label}: e = {e:.2f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set(xlabel=money_label("price, log scale", currency), ylabel="units per week (log scale)",
           title=f"Price and weekly units of {sku}")
    format_money(ax, axis="x", currency=currency)
    ax.xaxis.set_minor_formatter(ax.xaxis.get_major_formatter())
    ax.legend(fontsize=8)
    return ax


def plot_elasticity_forest(table: pd.DataFrame, truth: Mapping[str, float] | None = None, group: str | None = None,
                           *, ax=None, title: str = "Price elasticity: naive vs controlled vs experimental",
                           **kwargs):
    """Estimates with confidence intervals per group and method, the truth marked if known.

    ``table`` is :func:`~ecomkit.pricing.elasticity_table`; ``truth`` maps group -> true
    elasticity. A dotted line marks e = -1 (unit elastic: left of it a price cut raises revenue).
    ``kwargs`` go to the error bars of every method. Returns the Axes.
    """
    ax = axes(ax)
    group = group or table.columns[0]
    groups = list(dict.fromkeys(table[group]))
    methods = list(dict.fromkeys(table["method"]))
    offsets = np.linspace(-0.25, 0.25, len(methods)) if len(methods) > 1 else [0.0]
    for method, offset in zip(methods, offsets):
        rows = table[table["method"] == method].set_index(group).reindex(groups)
        y = np.arange(len(groups)) + offset
        err = np.vstack([rows["elasticity"] - rows["ci_low"], rows["ci_high"] - rows["elasticity"]])
        ax.errorbar(rows["elasticity"], y, xerr=err, **{"fmt": "o", "ms": 5, "capsize": 3, "label": method, **kwargs})
    if truth:
        values = [truth.get(g, np.nan) for g in groups]
        ax.scatter(values, np.arange(len(groups)), marker="|", s=400, color="black", lw=2, label="truth", zorder=5)
    ax.axvline(-1, color="grey", ls=":", lw=1)
    ax.set_yticks(np.arange(len(groups)), [str(g) for g in groups])
    ax.invert_yaxis()
    ax.set(xlabel="price elasticity (% change in units per 1% change in price)", ylabel=group, title=title)
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_price_profit_curve(curve: pd.DataFrame, current_price: float | None = None,
                            recommended_price: float | None = None, *, ax=None,
                            title: str = "Expected weekly profit by price", currency: str = "CNY", **kwargs):
    """Profit against price with its uncertainty band; current and recommended prices marked.

    ``curve`` is :func:`~ecomkit.pricing.price_profit_curve`; ``kwargs`` go to the expected-profit
    line; ``currency`` labels both axes. Returns the Axes.
    """
    ax = axes(ax)
    ax.fill_between(curve["price"], curve["profit_low"], curve["profit_high"], alpha=0.25,
                    label="95% band from the elasticity's standard error")
    ax.plot(curve["price"], curve["profit"], **{"lw": 2, "label": "expected profit", **kwargs})
    if current_price is not None:
        ax.axvline(current_price, color="black", ls="--", lw=1, label=f"current price {currency} {current_price:,.0f}")
    if recommended_price is not None and np.isfinite(recommended_price):
        ax.axvline(recommended_price, color="crimson", lw=1.5,
                   label=f"recommended {currency} {recommended_price:,.0f}")
    ax.set(xlabel=money_label("price", currency), ylabel=money_label("gross profit per week", currency), title=title)
    format_money(ax, currency=currency)
    format_money(ax, axis="x", currency=currency)
    ax.legend(fontsize=8)
    return ax


def plot_break_even(margins: pd.Series, claim=(0.20, 0.30), max_discount: float = 0.5, *, ax=None, **kwargs):
    """Break-even volume lift against discount depth, one curve per category margin.

    The shaded band is the handbooks' claimed promotion lift (20-30%): where a curve rises above
    it, the claimed lift does not pay for the discount. ``kwargs`` go to every category's curve.
    Returns the Axes.
    """
    ax = axes(ax)
    for category, margin in margins.sort_values().items():
        discounts = np.linspace(0, min(max_discount, margin * 0.95), 100)
        ax.plot(discounts, break_even_lift(discounts, margin),
                **{"lw": 1.8, "label": f"{category} (margin {margin:.0%})", **kwargs})
    ax.axhspan(claim[0], claim[1], color="orange", alpha=0.25,
               label=f"handbook claim +{claim[0]:.0%} to +{claim[1]:.0%}")
    ax.set_ylim(0, 2.0)
    ax.set_xlim(0, max_discount)
    ax.set(xlabel="discount depth (% off the regular price)", ylabel="volume lift needed to break even",
           title="How much extra volume a discount must bring")
    format_percent(ax)
    format_percent(ax, axis="x")
    ax.legend(fontsize=8)
    return ax


def plot_basket_histogram(hist: pd.DataFrame, threshold: float, *, ax=None, currency: str = "CNY", **kwargs):
    """Basket values around the 满减 threshold: offer period vs the (scaled) period before.

    ``hist`` is :func:`~ecomkit.pricing.basket_histogram`; ``kwargs`` go to the offer-period bars;
    ``currency`` labels the basket values. Returns the Axes.
    """
    ax = axes(ax)
    centre = (hist["bin_left"] + hist["bin_right"]) / 2
    width = float((hist["bin_right"] - hist["bin_left"]).iloc[0])
    ax.bar(centre, hist["promo"], **{"width": width, "alpha": 0.6, "label": "offer period", **kwargs})
    if "before_scaled" in hist:
        ax.step(hist["bin_right"], hist["before_scaled"], where="pre", color="black", lw=1.5,
                label="before the offer (scaled to the same number of baskets)")
    ax.axvline(threshold, color="crimson", ls="--", lw=1.5, label=f"threshold {currency} {threshold:,.0f}")
    ax.set(xlabel=money_label("basket value before the threshold discount", currency),
           ylabel=f"baskets per {currency} {width:g} bin", title="Basket values around the spend threshold")
    format_money(ax, axis="x", currency=currency)
    ax.legend(fontsize=8)
    return ax


def plot_threshold_design(design: pd.DataFrame, current: float | None = None, truth: pd.DataFrame | None = None,
                          *, ax=None, currency: str = "CNY", **kwargs):
    """Revenue and margin effect per basket of each candidate threshold, and the share pushed over.

    ``design`` (and ``truth``, if known) is :func:`~ecomkit.pricing.threshold_design` (a truth table
    whose columns end in ``_cny``, as the simulator writes them, is read too); ``kwargs`` go to the
    two estimated-effect lines; ``currency`` labels the amounts. Returns the left Axes.
    """
    ax = axes(ax)
    ax.plot(design["threshold"], design["revenue_effect"],
            **{"marker": "o", "label": "revenue effect (estimated)", **kwargs})
    ax.plot(design["threshold"], design["margin_effect"],
            **{"marker": "s", "label": "margin effect (estimated)", **kwargs})
    if truth is not None:
        truth = truth.rename(columns=lambda c: c[:-len("_cny")] if c.endswith("_cny") else c)
        ax.plot(truth["threshold"], truth["margin_effect"], color="black", ls=":", label="margin effect (truth)")
    if current is not None:
        ax.axvline(current, color="grey", ls="--", lw=1, label=f"current threshold {currency} {current:,.0f}")
    ax.axhline(0, color="black", lw=0.8)
    ax.set(xlabel=money_label("spend threshold", currency), ylabel=money_label("effect per basket", currency),
           title="Threshold design: what the offer returns per basket")
    format_money(ax, currency=currency)
    format_money(ax, axis="x", currency=currency)
    right = ax.twinx()
    right.plot(design["threshold"], design["pushed_over"], color="seagreen", ls="--", marker="^",
               label="baskets pushed over (right axis)")
    right.set_ylabel("share of baskets pushed over")
    right.set_ylim(0, max(0.01, float(design["pushed_over"].max()) * 1.3))
    right.grid(False)
    format_percent(right, decimals=1)
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")] + right.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], fontsize=8, loc="lower right")
    return ax
