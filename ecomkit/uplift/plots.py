"""Plots of chapter 04: before/after, Qini and uplift curves, uplift by decile, targeting profit, kinds of customer,
covariate balance and the effects of several arms.

Every ``plot_*(data, ..., *, ax=None, **kwargs)`` draws on ``ax`` (a new figure of the theme's size when
None), forwards ``kwargs`` to the call that draws the main marks, and returns the Axes
(the convention of :mod:`ecomkit.viz`). matplotlib is imported only when a plot is drawn.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ecomkit.uplift.metrics import (perfect_qini_curve, perfect_uplift_curve, qini_auc_score, qini_curve,
                                    uplift_auc_score, uplift_curve)
from ecomkit.uplift.targeting import optimal_targeting
from ecomkit.viz import axes, format_money, format_percent, money_label

__all__ = ["plot_before_after", "plot_qini_curves", "plot_uplift_curves", "plot_uplift_by_decile",
           "plot_targeting_profit_curves", "plot_kinds_by_decile", "plot_balance", "plot_arm_effects"]


def plot_before_after(table: pd.DataFrame, *, ax=None, ylabel: str = "conversion rate",
                      periods: Sequence[str] = ("before the send", "after the send"), **kwargs):
    """Before and after the send, treated and control (the table of :func:`~ecomkit.uplift.before_after`).

    ``periods`` labels the two windows on the x-axis (e.g. ``("14 days before", "14 days after")``);
    ``kwargs`` go to ``ax.plot`` of each group's line (default ``linewidth=2``).
    """
    ax = axes(ax)
    x = [0, 1]
    for name, style in (("treated", "-o"), ("control", "--s")):
        ax.plot(x, [table.loc[name, "before"], table.loc[name, "after"]], style,
                **{"label": name, "linewidth": 2, **kwargs})
    ax.set_xticks(x, list(periods))
    ax.set_ylabel(ylabel)
    ax.set_xlim(-0.3, 1.3)
    format_percent(ax, decimals=1)
    ax.legend(title="group")
    ax.set_title("Before and after the send, by group")
    return ax


def _plot_ranking_curves(kind: str, y_true, uplifts, treatment, ax, perfect: bool, line_options: dict):
    """The Qini (``kind="qini"``) or uplift curves of :func:`plot_qini_curves` / :func:`plot_uplift_curves`."""
    ax = axes(ax)
    if not isinstance(uplifts, Mapping):
        uplifts = {"model": uplifts}
    curve = qini_curve if kind == "qini" else uplift_curve
    score = qini_auc_score if kind == "qini" else uplift_auc_score
    n = len(np.asarray(y_true))
    end = None
    for name, u in uplifts.items():
        x, y = curve(y_true, u, treatment)
        end = y[-1]
        ax.plot(x / n, y, **{"label": f"{name} (AUC {score(y_true, u, treatment):.3f})", "linewidth": 1.8,
                             **line_options})
    if perfect:
        xp, yp = (perfect_qini_curve if kind == "qini" else perfect_uplift_curve)(y_true, treatment)
        ax.plot(xp / n, yp, color="grey", linewidth=1, alpha=0.7, label="perfect")
    ax.plot([0, 1], [0, end], color="black", linestyle="--", linewidth=1.2, label="random targeting")
    ax.set_xlabel("share of customers targeted, highest predicted uplift first")
    ax.set_ylabel("incremental buyers" if kind == "qini" else "(rate treated - rate control) x customers")
    format_percent(ax, axis="x")
    ax.legend(fontsize=9)
    ax.set_title("Qini curves" if kind == "qini" else "Uplift curves")
    return ax


def plot_qini_curves(y_true, uplifts, treatment, *, ax=None, perfect: bool = False, **kwargs):
    """Qini curves of one or more models (``uplifts``: array or {name: array}) with the random line.

    The x-axis is the share of customers targeted; the y-axis the incremental buyers (Qini).
    ``perfect=True`` adds the best curve the outcomes allow; ``kwargs`` go to ``ax.plot`` of each
    model's curve.
    """
    return _plot_ranking_curves("qini", y_true, uplifts, treatment, ax, perfect, kwargs)


def plot_uplift_curves(y_true, uplifts, treatment, *, ax=None, perfect: bool = False, **kwargs):
    """Uplift curves of one or more models with the random line (see :func:`~ecomkit.uplift.uplift_curve`).

    ``kwargs`` go to ``ax.plot`` of each model's curve.
    """
    return _plot_ranking_curves("uplift", y_true, uplifts, treatment, ax, perfect, kwargs)


def plot_uplift_by_decile(table: pd.DataFrame, *, ax=None, **kwargs):
    """Observed uplift per decile of predicted uplift (bars, +-1.96 se), predicted (and true) as points.

    ``table`` is :func:`~ecomkit.uplift.uplift_by_decile`'s; ``kwargs`` go to ``ax.bar``.
    """
    ax = axes(ax)
    x = table.index.to_numpy()
    ax.bar(x, table["observed_uplift"], **{"yerr": 1.96 * table["se"], "color": "#4c72b0", "alpha": 0.8,
                                            "capsize": 3, "label": "observed (treated - control), 95% CI",
                                            **kwargs})
    ax.plot(x, table["predicted_uplift"], "o", color="#dd8452", label="predicted (mean)")
    if "true_uplift" in table:
        ax.plot(x, table["true_uplift"], "D", color="#55a868", label="true (simulator)")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x)
    ax.set_xlabel("decile of predicted uplift (1 = highest)")
    ax.set_ylabel("uplift in conversion rate")
    format_percent(ax, decimals=0)
    ax.legend(fontsize=9)
    ax.set_title("Uplift by decile")
    return ax


def plot_targeting_profit_curves(curves: Mapping[str, pd.DataFrame], *, ax=None, mark_best: bool = True,
                                 currency: str = "CNY", **kwargs):
    """Incremental profit against the share of customers sent the coupon, one line per policy.

    ``curves`` maps a policy's name to its :func:`~ecomkit.uplift.targeting_profit_curve`; a star marks
    each policy's best k when ``mark_best``. ``currency`` (ISO code) labels the profit axis.
    ``kwargs`` go to ``ax.plot`` of each policy's line.
    """
    ax = axes(ax)
    for name, curve in curves.items():
        line, = ax.plot(curve["k"], curve["incremental_profit"], **{"marker": ".", "label": name, **kwargs})
        if mark_best:
            best = optimal_targeting(curve)
            ax.plot([best["k"]], [best["incremental_profit"]], "*", markersize=14, color=line.get_color())
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel("share of customers sent the coupon")
    ax.set_ylabel(money_label("incremental profit", currency))
    format_percent(ax, axis="x")
    format_money(ax, currency=currency)
    ax.legend(fontsize=9)
    ax.set_title("Profit of sending to the top k%")
    return ax


def plot_kinds_by_decile(uplift, kind, *, ax=None, bins: int = 10, order: Sequence[str] | None = None, **kwargs):
    """Share of each kind of customer (from the simulator's truth) per decile of predicted uplift.

    ``kind`` holds each customer's kind (persuadable, sure_thing, lost_cause, sleeping_dog), ``order``
    the stacking order; ``kwargs`` go to ``ax.bar`` of each kind.
    """
    ax = axes(ax)
    u = np.asarray(uplift, dtype=float)
    ranks = np.empty(len(u), dtype=int)
    ranks[np.argsort(-u, kind="stable")] = np.arange(len(u)) * bins // len(u) + 1
    table = pd.crosstab(ranks, np.asarray(kind), normalize="index")
    order = list(order) if order is not None else ["persuadable", "sure_thing", "lost_cause", "sleeping_dog"]
    table = table.reindex(columns=[c for c in order if c in table.columns])
    bottom = np.zeros(len(table))
    for name in table.columns:
        ax.bar(table.index, table[name], bottom=bottom, **{"label": name.replace("_", " "), **kwargs})
        bottom += table[name].to_numpy()
    ax.set_xticks(table.index)
    ax.set_xlabel("decile of predicted uplift (1 = highest)")
    ax.set_ylabel("share of customers")
    format_percent(ax)
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1, 1))
    ax.set_title("Who is in each decile")
    return ax


def plot_balance(balance: pd.DataFrame, *, ax=None, **kwargs):
    """Standardised mean difference of each candidate feature, arm against control, with the chance limit.

    ``balance`` is :func:`~ecomkit.uplift.balance_table`; one dot per (feature, arm), red when the
    feature is imbalanced beyond chance; the shaded band is +/- the chance limit. ``kwargs`` go to
    ``ax.scatter``.
    """
    ax = axes(ax, figsize=(8, max(3.0, 0.35 * balance["feature"].nunique() + 1.2)))
    features = list(dict.fromkeys(balance["feature"]))
    position = {f: i for i, f in enumerate(features)}
    arms = list(dict.fromkeys(balance["arm"]))
    offsets = {a: (i - (len(arms) - 1) / 2) * 0.25 for i, a in enumerate(arms)}
    limit = float(balance["chance_limit"].max()) if len(balance) else 0.0
    ax.axvspan(-limit, limit, color="0.9", zorder=0, label=f"chance limit (|SMD| {limit:.3f})")
    markers = "osD^v"
    for i, a in enumerate(arms):
        rows = balance.loc[balance["arm"] == a]
        smd = rows["smd"].clip(-5, 5)
        colors = np.where(rows["imbalanced"], "tab:red", "tab:blue")
        ax.scatter(smd, [position[f] + offsets[a] for f in rows["feature"]], c=list(colors), marker=markers[i % 5],
                   **{"label": f"{a} vs control", "s": 30, **kwargs})
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set_yticks(range(len(features)), features)
    ax.invert_yaxis()
    ax.set_xlabel("standardised mean difference, arm minus control (SD units; clipped at ±5)")
    ax.set_title("Covariate balance: red = differs beyond chance (excluded)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return ax


def plot_arm_effects(effects: pd.DataFrame, outcome: str = "converted", *, ax=None, scale: float = 1.0,
                     unit: str = "pp", label: str | None = None, **kwargs):
    """Each arm's difference with the control on one outcome, with raw and multiplicity-adjusted intervals.

    ``effects`` is :func:`~ecomkit.uplift.arm_effects`; ``scale`` multiplies the values (100 for
    percentage points) and ``unit`` labels the axis (``"pp"``, or a currency code for revenue per
    customer); ``label`` names the outcome in the title (default: the column name). ``kwargs`` go to
    ``ax.errorbar`` of the adjusted intervals.
    """
    ax = axes(ax, figsize=(7, 1.0 + 0.7 * len(effects.xs(outcome, level="outcome"))))
    rows = effects.xs(outcome, level="outcome")
    y = np.arange(len(rows))
    d = rows["difference"].to_numpy(dtype=float) * scale
    lo_adj, hi_adj = rows["ci_low_adjusted"].to_numpy(dtype=float) * scale, rows["ci_high_adjusted"].to_numpy(dtype=float) * scale
    lo, hi = rows["ci_low"].to_numpy(dtype=float) * scale, rows["ci_high"].to_numpy(dtype=float) * scale
    ax.errorbar(d, y, xerr=[d - lo_adj, hi_adj - d], fmt="o", capsize=4,
                **{"label": "adjusted for the number of arms", "color": "tab:blue", **kwargs})
    ax.errorbar(d, y, xerr=[d - lo, hi - d], fmt="none", color="tab:orange", linewidth=3, alpha=0.6,
                label="one comparison alone")
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set_yticks(y, [str(a) for a in rows.index])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(f"difference with the control ({unit})")
    ax.set_title(f"Effect of each arm on {label or outcome}")
    ax.legend(fontsize="small")
    return ax
