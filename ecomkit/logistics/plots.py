"""The chapter's pictures: cost waterfall and cost by zone, the demand map, slow and late deliveries
by distance, a warehouse network, the price of service, the ABC Pareto chart and the stock sawtooth.

Every ``plot_*(data, ..., *, ax=None, **kwargs)`` draws on ``ax`` (a new figure when None), forwards
``kwargs`` to the call that draws the main marks and returns the Axes (``ecomkit.viz``).
matplotlib and seaborn are imported inside the functions. Plots that show money take ``currency``
(an ISO code, default ``"CNY"``) for their labels. Maps frame mainland China when every point lies
there, else the points' own extent.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ecomkit.logistics.costs import cost_summary
from ecomkit.logistics.network import NetworkPlan
from ecomkit.viz import axes, format_money, format_percent, money_label

__all__ = ["plot_cost_waterfall", "plot_cost_by_zone", "plot_demand_map", "plot_late_share_by_distance",
           "plot_network", "plot_service_cost_tradeoff", "plot_abc_pareto", "plot_inventory_sawtooth"]


def plot_cost_waterfall(breakdown: pd.Series, *, ax=None, title: str = "Logistics cost per order",
                        currency: str = "CNY", **kwargs):
    """Waterfall of cost components per order (amounts in ``currency``, an ISO code), ending with the
    total bar; ``kwargs`` go to the component bars."""
    ax = axes(ax, figsize=(9, 4.5))
    values = breakdown.to_numpy(dtype=float)
    starts = np.concatenate([[0.0], np.cumsum(values)[:-1]])
    labels = list(breakdown.index) + ["total"]
    colors = ["#4c72b0" if v >= 0 else "#c44e52" for v in values] + ["#55a868"]
    ax.bar(range(len(values)), values, bottom=starts, **{"color": colors[:-1], "edgecolor": "white", **kwargs})
    ax.bar(len(values), values.sum(), color=colors[-1])
    for i, (v, b) in enumerate(zip(np.append(values, values.sum()), np.append(starts, 0.0))):
        ax.text(i, b + v + values.sum() * 0.01, f"{v:.2f}", ha="center", va="bottom", fontsize=9)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right")
    ax.set_ylabel(money_label("cost per order", currency))
    ax.set_title(title)
    return ax


def plot_cost_by_zone(shipments: pd.DataFrame, *, ax=None, currency: str = "CNY", **kwargs):
    """Transport cost per outbound order by zone (in ``currency``), one bar per carrier; ``kwargs``
    go to ``seaborn.barplot``."""
    import seaborn as sns

    ax = axes(ax, figsize=(8, 4.5))
    table = cost_summary(shipments, by=["zone", "carrier"]).reset_index()
    sns.barplot(data=table, x="zone", y="cost_per_order_cny", hue="carrier", ax=ax, **kwargs)
    ax.set_xlabel("zone (distance band from the warehouse)")
    ax.set_ylabel(money_label("transport per order, incl. returns", currency))
    ax.set_title("Transport cost per order by zone")
    return ax


#: the frame of a map of mainland China: longitudes, latitudes, and the latitude of its aspect
CHINA_FRAME = ((84.0, 128.0), (17.0, 48.0), 33.0)


def _map_frame(ax, lats=(), lons=()) -> None:
    """Longitude and latitude axes with the aspect of a map: framed on mainland China when every
    point lies in China's frame (the course's maps), else on the points' own extent (any country)."""
    lats = np.asarray(pd.Series(list(lats), dtype=float).dropna())
    lons = np.asarray(pd.Series(list(lons), dtype=float).dropna())
    (x0, x1), (y0, y1), mid = CHINA_FRAME
    inside = len(lats) == 0 or bool(((lons >= x0) & (lons <= x1) & (lats >= y0) & (lats <= y1)).all())
    if not inside:
        pad = max(1.0, 0.08 * max(lons.max() - lons.min(), lats.max() - lats.min()))
        x0, x1 = lons.min() - pad, lons.max() + pad
        y0, y1 = max(lats.min() - pad, -90.0), min(lats.max() + pad, 90.0)
        mid = float(np.clip((y0 + y1) / 2, -80, 80))
    ax.set_xlabel("longitude (degrees, east positive)")
    ax.set_ylabel("latitude (degrees, north positive)")
    ax.set_aspect(1 / math.cos(math.radians(mid)))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def plot_demand_map(demand: pd.DataFrame, sites: pd.DataFrame | None = None, value: str = "cost_per_order_cny",
                    *, ax=None, value_label: str | None = None, currency: str = "CNY", **kwargs):
    """Map-like scatter of destinations (provinces at their capitals, or a regions table's points):
    size = orders per month, colour = ``value`` (labelled ``value_label``, by default the transport
    per order in ``currency``); warehouses (``sites``: lat, lon, site_id) marked with black
    triangles. The frame is mainland China's for Chinese points, else the points' extent.
    ``kwargs`` go to the destinations' scatter."""
    ax = axes(ax, figsize=(9, 6.5))
    size = 20 + 600 * demand["orders_month"] / demand["orders_month"].max()
    points = ax.scatter(demand["lon"], demand["lat"], **{"s": size, "c": demand[value], "cmap": "viridis_r",
                                                         "edgecolor": "grey", "linewidth": 0.5, "alpha": 0.9,
                                                         **kwargs})
    label = value_label if value_label is not None else money_label("transport per order", currency)
    ax.figure.colorbar(points, ax=ax, label=label, shrink=0.8)
    for _, row in demand.nlargest(8, "orders_month").iterrows():
        ax.annotate(row["province"], (row["lon"], row["lat"]), xytext=(5, 5), textcoords="offset points", fontsize=8)
    if sites is not None and len(sites):
        ax.scatter(sites["lon"], sites["lat"], marker="^", s=160, c="black", label="warehouse", zorder=3)
        for _, row in sites.iterrows():
            ax.annotate(row["site_id"], (row["lon"], row["lat"]), xytext=(6, -12), textcoords="offset points",
                        fontsize=8, weight="bold")
        ax.legend(loc="lower right")
    lats = list(demand["lat"]) + (list(sites["lat"]) if sites is not None else [])
    lons = list(demand["lon"]) + (list(sites["lon"]) if sites is not None else [])
    _map_frame(ax, lats, lons)
    ax.set_title("Orders per month (size) and cost per order (colour) by destination")
    return ax


def plot_late_share_by_distance(table: pd.DataFrame, *, ax=None, slow_days: float = 5.0, **kwargs):
    """Share of parcels over ``slow_days`` and share late vs distance (:func:`late_share_by_distance`);
    ``kwargs`` go to every line."""
    ax = axes(ax, figsize=(8, 4.5))
    for remote, grp in table.groupby("remote"):
        label = "remote destinations" if remote else "other destinations"
        ax.plot(grp["distance_bin_km"], grp["share_over_days"],
                **{"marker": "o", "label": f"over {slow_days:g} days, {label}", **kwargs})
        if "late_share" in grp:
            ax.plot(grp["distance_bin_km"], grp["late_share"],
                    **{"marker": "x", "linestyle": "--", "label": f"late vs promise, {label}", **kwargs})
    ax.set_xlabel("distance from the warehouse (km)")
    ax.set_ylabel("share of parcels")
    format_percent(ax)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    ax.set_title("Slow and late deliveries by distance")
    return ax


def plot_network(plan: NetworkPlan, demand: pd.DataFrame, *, ax=None, title: str | None = None,
                 currency: str = "CNY", **kwargs):
    """Open sites (triangles), destinations sized by orders and coloured by whether they ship from
    within the service radius, and a line from each site to the destinations it serves (monthly
    cost in ``currency`` in the default title). ``kwargs`` go to the destinations' scatter."""
    ax = axes(ax, figsize=(8, 6))
    lats = list(demand["lat"]) + list(plan.sites.get("lat", []))
    lons = list(demand["lon"]) + list(plan.sites.get("lon", []))
    if not plan.feasible:
        ax.text(0.5, 0.5, plan.status, ha="center", va="center", transform=ax.transAxes)
        _map_frame(ax, lats, lons)
        return ax
    sites = plan.sites.set_index("site_id")
    dem = demand.set_index("province" if "province" in demand else "demand_id")
    for _, row in plan.assignment.iterrows():
        s, d = sites.loc[row["site_id"]], dem.loc[row["demand_id"]]
        ax.plot([s["lon"], d["lon"]], [s["lat"], d["lat"]], color="grey", alpha=0.25 + 0.5 * row["share"], lw=0.8)
    inside = plan.assignment.groupby("demand_id").apply(
        lambda g: (g["share"] * g["within_service"]).sum(), include_groups=False)
    covered = inside.reindex(dem.index).fillna(0.0).to_numpy()
    size = 15 + 500 * dem["orders_month"] / dem["orders_month"].max()
    ax.scatter(dem["lon"], dem["lat"], **{"s": size, "c": np.where(covered > 0.5, "#55a868", "#c44e52"),
                                          "alpha": 0.8, "edgecolor": "white", **kwargs})
    opened = sites[sites["open"]]
    ax.scatter(opened["lon"], opened["lat"], marker="^", s=170, c="black")
    for sid, row in opened.iterrows():
        ax.annotate(sid, (row["lon"], row["lat"]), xytext=(6, 6), textcoords="offset points", fontsize=8, weight="bold")
    _map_frame(ax, lats, lons)
    ax.set_title(title or f"{len(opened)} site(s): {plan.service_share:.0%} of orders within {plan.service_km:g} km "
                          f"(green), {currency} {plan.total_cost_cny:,.0f}/month")
    return ax


def plot_service_cost_tradeoff(frontier: pd.DataFrame, *, ax=None, current: tuple[float, float] | None = None,
                               currency: str = "CNY", **kwargs):
    """Monthly cost (in ``currency``) of the optimal network against the required service share
    (``frontier``: min_service_share, total_cost_cny or total_cost, n_sites); ``current`` =
    (service share, cost) marks today. ``kwargs`` go to the frontier's line."""
    ax = axes(ax, figsize=(8, 4.5))
    cost = "total_cost_cny" if "total_cost_cny" in frontier else "total_cost"
    ok = frontier.dropna(subset=[cost])
    ax.plot(ok["min_service_share"], ok[cost], **{"marker": "o", "label": "optimal network", **kwargs})
    for _, row in ok.iterrows():
        ax.annotate(f"{int(row['n_sites'])} sites", (row["min_service_share"], row[cost]),
                    xytext=(0, 8), textcoords="offset points", ha="center", fontsize=8)
    if current is not None:
        ax.scatter([current[0]], [current[1]], color="#c44e52", zorder=3, s=60, label="current network")
    format_percent(ax, "x")
    format_money(ax, "y", currency)
    ax.set_xlabel("required share of orders shipped from within the service radius")
    ax.set_ylabel("logistics cost per month")
    ax.set_title("The price of service")
    ax.legend()
    return ax


def plot_abc_pareto(abc: pd.DataFrame, *, ax=None, **kwargs):
    """Pareto chart: SKU sales shares (bars, coloured by class) and the cumulative share (line);
    ``kwargs`` go to the bars."""
    from matplotlib.patches import Patch

    ax = axes(ax, figsize=(10, 4.5))
    colors = {"A": "#4c72b0", "B": "#dd8452", "C": "#8c8c8c"}
    x = np.arange(len(abc))
    ax.bar(x, abc["share"], **{"color": [colors[c] for c in abc["abc_class"]], **kwargs})
    ax.set_ylabel("share of sales value")
    format_percent(ax)
    ax.set_xlabel("SKUs ranked by sales value")
    ax.set_xticks([])
    twin = ax.twinx()
    twin.plot(x, abc["cumulative_share"], color="black", lw=1.5)
    twin.set_ylim(0, 1.05)
    twin.set_ylabel("cumulative share")
    format_percent(twin)
    twin.grid(False)
    ax.legend(handles=[Patch(color=v, label=f"class {k}: {int((abc['abc_class'] == k).sum())} SKUs")
                       for k, v in colors.items()], loc="center right")
    ax.set_title("ABC analysis: few SKUs carry most of the sales")
    return ax


def plot_inventory_sawtooth(net_stock, reorder_point: float, safety_stock: float | None = None, dates=None, *,
                            ax=None, title: str = "Stock of one SKU under the (s, Q) policy", **kwargs):
    """The sawtooth: end-of-day stock (units) over time with the reorder point and safety stock;
    ``kwargs`` go to the stock's step line."""
    ax = axes(ax, figsize=(10, 4))
    x = np.arange(len(net_stock)) if dates is None else dates
    ax.step(x, net_stock, **{"where": "post", "lw": 1, "label": "stock at day end (negative = backorders)", **kwargs})
    ax.axhline(reorder_point, color="#dd8452", linestyle="--", label=f"reorder point s = {reorder_point:.0f}")
    if safety_stock is not None:
        ax.axhline(safety_stock, color="#55a868", linestyle=":", label=f"safety stock = {safety_stock:.0f}")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel("units")
    ax.set_xlabel("date" if dates is not None else "day")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title(title)
    return ax
