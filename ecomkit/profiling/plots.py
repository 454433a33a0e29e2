"""Chapter 01's pictures: segments, the R x F heatmap, the Pareto curve, personas, silhouette, churn lift.

Every function follows the plotting convention of :mod:`ecomkit.viz`: ``plot_*(data, ..., *, ax=None,
**kwargs)`` draws on ``ax`` (a new 8 x 5 inch figure when None), passes ``kwargs`` to the call that
draws the main marks and returns the Axes. Labels are in English (Chinese segment names appear in
tables only). The cohort pictures are in :mod:`ecomkit.cohorts`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecomkit.profiling.personas import ClusterResult, persona_profile
from ecomkit.profiling.rfm import pareto_curve, pareto_share
from ecomkit.viz import axes, format_percent, money_label

FIGSIZE = (8, 5)  # inches


def plot_segments(summary: pd.DataFrame, *, ax=None, **kwargs):
    """Bar chart of each segment's share of customers beside its share of revenue.

    Parameters
    ----------
    summary : output of `segment_summary`.
    kwargs : passed to ``seaborn.barplot``.

    Example:
        plot_segments(segment_summary(rfm_segments(rfm)))
    """
    import seaborn as sns

    ax = axes(ax, figsize=FIGSIZE)
    long = summary.melt(id_vars=["label"], value_vars=["customer_share", "revenue_share"],
                        var_name="measure", value_name="share")
    long["measure"] = long["measure"].map({"customer_share": "Customers",
                                           "revenue_share": "Revenue (net spend)"})
    sns.barplot(data=long, y="label", x="share", hue="measure", orient="h", ax=ax, **kwargs)
    format_percent(ax, "x")
    ax.set_xlabel("Share of total (%)")
    ax.set_ylabel("RFM segment")
    ax.set_title("Customers vs revenue by RFM segment")
    ax.legend(title="")
    return ax


def plot_rfm_heatmap(scores: pd.DataFrame, value: str = "monetary", *, ax=None, currency: str = "CNY",
                     **kwargs):
    """Heatmap of the mean of `value` (default net spend, in `currency`) by R score x F score.

    currency : ISO code of the amounts, used in the colour-bar label and title when `value` is monetary.
    kwargs are passed to ``seaborn.heatmap`` (e.g. ``cmap="Greens"``).

    Example:
        plot_rfm_heatmap(rfm_scores(rfm), currency="BRL")
    """
    import seaborn as sns

    ax = axes(ax, figsize=FIGSIZE)
    bins = int(scores.attrs.get("bins", max(scores["R"].max(), scores["F"].max())))
    grid = scores.pivot_table(index="R", columns="F", values=value, aggfunc="mean")
    grid = grid.reindex(index=range(bins, 0, -1), columns=range(1, bins + 1))
    unit = money_label("Mean net spend", currency) if value == "monetary" else f"Mean {value}"
    sns.heatmap(grid, ax=ax, **{"annot": True, "fmt": ".0f", "cmap": "Blues", "cbar_kws": {"label": unit},
                                **kwargs})
    ax.set_xlabel(f"F score (1-{bins}, {bins} = most frequent)")
    ax.set_ylabel(f"R score (1-{bins}, {bins} = most recent)")
    ax.set_title(f"{unit} by recency and frequency score")
    return ax


def plot_pareto(rfm: pd.DataFrame, top: float = 0.2, column: str = "monetary", *, ax=None, currency: str = "CNY",
                **kwargs):
    """Cumulative share of spend against share of customers ranked by spend (Pareto curve).

    currency : ISO code of the amounts, used in the y-axis label.
    kwargs are passed to the ``ax.plot`` call of the shop's curve.

    Example:
        plot_pareto(rfm, top=0.2, currency="BRL")
    """
    ax = axes(ax, figsize=FIGSIZE)
    curve = pareto_curve(rfm, column)
    share = pareto_share(rfm, top, column)
    ax.plot(curve["customer_share"], curve["revenue_share"], **{"lw": 2, "label": "This shop", **kwargs})
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="Everyone spends the same")
    ax.axvline(top, color="grey", lw=0.8)
    ax.annotate(f"top {top:.0%}: {share:.0%} of spend", (top, share),
                xytext=(8, -14), textcoords="offset points")
    for axis in ("x", "y"):
        format_percent(ax, axis)
    ax.set(xlabel="Customers ranked by net spend (% of customers)", ylabel=f"Cumulative net spend (% of total {currency})",
           title="Pareto curve of customer spend")
    ax.legend(loc="lower right")
    return ax


def plot_personas(features: pd.DataFrame, labels, columns=None, names=None, *, ax=None, **kwargs):
    """Heatmap of each cluster's standardised feature profile (SD from the average customer).

    Parameters
    ----------
    features, labels, columns : as for `persona_profile`.
    names : optional mapping cluster -> persona name for the row labels
        (e.g. ``persona_table(...)["name"]``).
    kwargs : passed to ``seaborn.heatmap``.

    Example:
        plot_personas(feats, result.labels, names=persona_table(feats, result.labels)["name"])
    """
    import seaborn as sns

    ax = axes(ax, figsize=FIGSIZE)
    profile = persona_profile(features, labels, columns)
    if names is not None:
        profile.index = [f"{c}: {dict(names).get(c, '')}".rstrip(": ") for c in profile.index]
    lim = max(1.0, float(np.nanmax(np.abs(profile.to_numpy()))) if profile.size else 1.0)
    sns.heatmap(profile, ax=ax, **{"center": 0, "vmin": -lim, "vmax": lim, "cmap": "vlag",
                                   "annot": profile.shape[1] <= 14, "fmt": ".1f",
                                   "cbar_kws": {"label": "Difference from average customer (SD)"}, **kwargs})
    ax.set_xlabel("Feature (log scale for recency, frequency, spend)")
    ax.set_ylabel("Cluster (persona)")
    ax.set_title("Persona profiles")
    return ax


def plot_silhouette(result: ClusterResult, *, ax=None, **kwargs):
    """Silhouette score against the number of clusters k, the chosen k marked.

    kwargs are passed to the ``ax.plot`` call of the silhouette line.

    Example:
        plot_silhouette(cluster_customers(feats, seed=0))
    """
    ax = axes(ax, figsize=FIGSIZE)
    sil = result.silhouette.dropna()
    ax.plot(sil.index, sil.to_numpy(), **{"marker": "o", "lw": 1.5, **kwargs})
    if result.k in sil.index:
        ax.plot([result.k], [sil[result.k]], marker="o", ms=12, mfc="none", mec="C3", mew=2,
                ls="none", label=f"chosen k = {result.k}")
        ax.legend()
    ax.set_xticks(list(sil.index))
    ax.set_xlabel("Number of clusters k")
    ax.set_ylabel("Silhouette score (-1 to 1, higher = better separated)")
    ax.set_title("How well separated are the clusters?")
    return ax


def plot_churn_lift(lift, *, ax=None, **kwargs):
    """Bar chart of churn lift by risk bin for one or several scores.

    Parameters
    ----------
    lift : a `lift_table`, or a dict name -> lift_table (e.g. each model and the baseline).
    kwargs : passed to ``seaborn.barplot``.

    Example:
        plot_churn_lift({n: lift_table(test["churned"], s) for n, s in churn_scores(m, test).items()})
    """
    import seaborn as sns

    ax = axes(ax, figsize=FIGSIZE)
    tables = lift if isinstance(lift, dict) else {"score": lift}
    long = pd.concat(
        [t[["lift"]].reset_index().assign(model=name) for name, t in tables.items()],
        ignore_index=True,
    )
    sns.barplot(data=long, x="bin", y="lift", hue="model", ax=ax, **kwargs)
    ax.axhline(1.0, color="grey", ls="--", lw=1)
    ax.set_xlabel("Risk bin (1 = highest predicted churn risk)")
    ax.set_ylabel("Lift (bin churn rate / overall churn rate, x)")
    ax.set_title("Churn lift by risk bin")
    if not isinstance(lift, dict):
        ax.get_legend().remove()
    return ax
