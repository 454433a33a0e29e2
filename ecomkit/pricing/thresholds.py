"""满减 (spend-threshold) offers: what "spend 199, get 20 off" did to baskets, and where to set it.

:func:`basket_histogram` counts basket values around the threshold, offer period against the
period before; :func:`threshold_effect` measures the baskets pushed over and the revenue and
margin effect per basket; :func:`bunching_estimate` does without a before period;
:func:`topup_response` fits how the chance of topping up falls with the gap to the threshold;
:func:`threshold_design` uses that response to compare candidate thresholds. Amounts are in the
baskets' own currency (column and key names carry no currency).

>>> threshold_effect(load_panel("demo").baskets, 199)               # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _infer_discount(baskets: pd.DataFrame, discount: float | None) -> float:
    """The offer's discount (amount off): ``discount`` if given, else the most common threshold_discount paid."""
    if discount is not None:
        return float(discount)
    if "threshold_discount" in baskets and (baskets["threshold_discount"] > 0).any():
        return float(baskets.loc[baskets["threshold_discount"] > 0, "threshold_discount"].mode().iloc[0])
    raise ValueError("give the offer's discount (amount off): the baskets have no threshold_discount amounts")


def _offer_and_before(baskets: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The offer-period baskets and the before-period ones (None without both kinds of promo rows)."""
    if "promo" not in baskets or baskets["promo"].all() or not baskets["promo"].any():
        return baskets, None
    return baskets[baskets["promo"]], baskets[~baskets["promo"]]


def basket_histogram(baskets: pd.DataFrame, threshold: float, bin_width: float = 5.0,
                     span: float = 100.0) -> pd.DataFrame:
    """Basket counts per value bin around the threshold, before and during the offer.

    Bins of ``bin_width`` (currency units) over [threshold - span, threshold + span), aligned on the threshold.
    Columns: bin_left, bin_right, promo (count), before (count, if a before period exists),
    before_scaled (before counts x promo baskets / before baskets: the counterfactual).
    """
    promo, before = _offer_and_before(baskets)
    edges = threshold + np.arange(-span, span + bin_width / 2, bin_width)
    table = pd.DataFrame({"bin_left": edges[:-1], "bin_right": edges[1:],
                          "promo": np.histogram(promo["gross_value"], edges)[0]})
    if before is not None:
        table["before"] = np.histogram(before["gross_value"], edges)[0]
        table["before_scaled"] = table["before"] * len(promo) / len(before)
    return table


def threshold_effect(baskets: pd.DataFrame, threshold: float, discount: float | None = None,
                     below: float | None = None, above: float | None = None) -> pd.Series:
    """What a 满减 offer did, by comparing the offer period with the period before it.

    The before period's basket values, scaled to the offer period's count, are the counterfactual.
    Baskets *pushed over* the threshold are the ones missing from the ``below`` (currency units) under it
    (default 2.5 x the discount); their standard error treats bin counts as Poisson.

    Returns a Series: discount, baskets_promo, baskets_before, pushed_over (count), pushed_over_se,
    pushed_share (of offer baskets), excess_above (count in the ``above`` amount over the threshold,
    default 1.5 x discount), qualifying_share (offer baskets at or over the threshold),
    qualifying_naturally_share (before baskets that would have qualified), mean_gross_before,
    mean_gross_promo, gross_lift_per_basket (amount), discount_per_basket, revenue_effect_per_basket,
    margin_rate (1 - cost / gross, before period), margin_effect_per_basket (amount), and their
    standard errors (``*_se``) and totals over the offer period (``*_total``).
    """
    discount = _infer_discount(baskets, discount)
    promo, before = _offer_and_before(baskets)
    if before is None:
        raise ValueError("the baskets need a promo column with both offer (True) and before (False) rows")
    below = 2.5 * discount if below is None else float(below)
    above = 1.5 * discount if above is None else float(above)
    scale = len(promo) / len(before)
    g_p, g_b = promo["gross_value"].to_numpy(), before["gross_value"].to_numpy()
    in_below = lambda g: (g >= threshold - below) & (g < threshold)  # noqa: E731
    in_above = lambda g: (g >= threshold) & (g < threshold + above)  # noqa: E731
    n_below_p, n_below_b = in_below(g_p).sum(), in_below(g_b).sum()
    pushed = n_below_b * scale - n_below_p
    pushed_se = np.sqrt(n_below_p + n_below_b * scale ** 2)
    excess = in_above(g_p).sum() - in_above(g_b).sum() * scale
    if "threshold_discount" in promo:
        off = promo["threshold_discount"].to_numpy()
    else:
        off = np.where(g_p >= threshold, discount, 0.0)
    gross_lift = g_p.mean() - g_b.mean()
    gross_lift_se = np.sqrt(g_p.var(ddof=1) / g_p.size + g_b.var(ddof=1) / g_b.size)
    out = {"discount": discount, "baskets_promo": len(promo), "baskets_before": len(before),
           "pushed_over": float(pushed), "pushed_over_se": float(pushed_se),
           "pushed_share": float(pushed / len(promo)), "excess_above": float(excess),
           "qualifying_share": float((g_p >= threshold).mean()),
           "qualifying_naturally_share": float((g_b >= threshold).mean()),
           "mean_gross_before": float(g_b.mean()), "mean_gross_promo": float(g_p.mean()),
           "gross_lift_per_basket": float(gross_lift), "gross_lift_per_basket_se": float(gross_lift_se),
           "discount_per_basket": float(off.mean()),
           "revenue_effect_per_basket": float(gross_lift - off.mean()),
           "revenue_effect_per_basket_se": float(gross_lift_se)}
    if "cost_of_goods" in baskets:
        m_p = g_p - promo["cost_of_goods"].to_numpy()
        m_b = g_b - before["cost_of_goods"].to_numpy()
        out["margin_rate"] = float(m_b.sum() / g_b.sum())
        out["margin_effect_per_basket"] = float(m_p.mean() - m_b.mean() - off.mean())
        out["margin_effect_per_basket_se"] = float(np.sqrt(m_p.var(ddof=1) / m_p.size + m_b.var(ddof=1) / m_b.size))
    for name in ("revenue_effect", "margin_effect"):
        if f"{name}_per_basket" in out:
            out[f"{name}_total"] = out[f"{name}_per_basket"] * len(promo)
    return pd.Series(out)


def bunching_estimate(values, threshold: float, below: float, above: float, bin_width: float = 5.0,
                      span: float | None = None, degree: int = 4) -> pd.Series:
    """Baskets pushed over a threshold, from the offer period alone (a bunching estimator).

    Counts per bin over [threshold - span, threshold + span) (default span 2.4 x ``below``) are
    fitted by a polynomial of ``degree`` in the bin centre, leaving out the window
    [threshold - below, threshold + above) where the offer moves baskets; the fit inside the
    window is the counterfactual. Baskets only move inside the window, so the fit is constrained
    to keep the window's total (least squares with one equality constraint); then the mass
    missing below equals the excess above. Returns missing_below, excess_above and pushed_over
    (their mean). Use it when no before period exists: it relies on a smooth basket-value density
    across the window, and its answer moves with ``degree`` and ``span`` -- try a few.
    """
    values = np.asarray(values, dtype=float)
    span = 2.4 * below if span is None else float(span)
    edges = threshold + np.arange(-span, span + bin_width / 2, bin_width)
    counts = np.histogram(values, edges)[0].astype(float)
    centre = (edges[:-1] + edges[1:]) / 2
    window = (edges[:-1] >= threshold - below) & (edges[:-1] < threshold + above)
    design = np.vander((centre - threshold) / span, degree + 1)
    outside, target = design[~window], counts[~window]
    # minimise |outside @ coef - target|^2 subject to sum(design[window] @ coef) = sum(counts[window])
    row = design[window].sum(axis=0)
    kkt = np.block([[2 * outside.T @ outside, row[:, None]], [row[None, :], np.zeros((1, 1))]])
    rhs = np.concatenate([2 * outside.T @ target, [counts[window].sum()]])
    fitted = design @ np.linalg.solve(kkt, rhs)[:-1]
    low = window & (edges[:-1] < threshold)
    high = window & (edges[:-1] >= threshold)
    missing = float((fitted[low] - counts[low]).sum())
    excess = float((counts[high] - fitted[high]).sum())
    return pd.Series({"missing_below": missing, "excess_above": excess, "pushed_over": (missing + excess) / 2})


def topup_response(baskets: pd.DataFrame, threshold: float, discount: float | None = None,
                   below: float | None = None, bin_width: float = 5.0) -> dict:
    """Estimate how the chance of topping a basket up falls with its gap to the threshold.

    Per bin under the threshold the share of counterfactual (before-period) baskets missing in
    the offer period estimates P(top-up | gap). A curve ``p_max * exp(-gap / scale)`` is fitted
    by weighted least squares (scipy ``curve_fit``, Poisson weights). Also returns the mean
    overshoot over the threshold of the baskets that bunch above it.

    Returns a dict: p_max, scale, max_gap (the window used), overshoot (amounts in the baskets'
    currency), bins (a
    DataFrame: gap, share_missing, counterfactual).
    """
    from scipy.optimize import curve_fit

    discount = _infer_discount(baskets, discount)
    below = 2.5 * discount if below is None else float(below)
    hist = basket_histogram(baskets, threshold, bin_width, span=max(below, 2 * discount))
    if "before_scaled" not in hist:
        raise ValueError("estimating the response needs a before period (promo False rows)")
    under = hist[(hist["bin_left"] >= threshold - below) & (hist["bin_right"] <= threshold)].copy()
    under["gap"] = threshold - (under["bin_left"] + under["bin_right"]) / 2
    under["share_missing"] = 1 - under["promo"] / under["before_scaled"].where(under["before_scaled"] > 0)
    use = under.dropna(subset=["share_missing"])
    sigma = np.sqrt((use["promo"] + use["before_scaled"]).clip(lower=1)) / use["before_scaled"]

    def curve(gap, p_max, scale):
        return p_max * np.exp(-gap / scale)

    (p_max, scale), _ = curve_fit(curve, use["gap"], use["share_missing"], p0=(0.5, discount),
                                  sigma=sigma, bounds=([0, 1e-3], [1, 10 * below]))
    over = hist[(hist["bin_left"] >= threshold) & (hist["bin_left"] < threshold + 1.5 * discount)]
    extra = (over["promo"] - over["before_scaled"]).clip(lower=0)
    mid = (over["bin_left"] + over["bin_right"]) / 2 - threshold
    overshoot = float((extra * mid).sum() / extra.sum()) if extra.sum() > 0 else bin_width / 2
    return {"p_max": float(p_max), "scale": float(scale), "max_gap": float(below),
            "overshoot": overshoot, "bins": under[["gap", "share_missing", "before_scaled"]]
            .rename(columns={"before_scaled": "counterfactual"}).reset_index(drop=True)}


def threshold_design(natural_values, thresholds, discount: float, response: dict, margin_rate: float) -> pd.DataFrame:
    """Expected effect per basket of a 满减 offer at each candidate threshold.

    ``natural_values``: basket values without an offer (e.g. the before period); ``response``:
    :func:`topup_response`, assumed to hold at every threshold (the same discount). For each
    threshold X: qualify_naturally (share already at X or more), pushed_over (mean top-up
    probability of the baskets below X), topup (mean extra goods per basket), discount_cost
    (discount x share that qualifies), revenue_effect, margin_effect (top-up x
    margin_rate - discount cost), and break_even_extra_baskets: how many more baskets (fraction)
    the offer must bring for the margin to break even.
    """
    v = np.asarray(natural_values, dtype=float)
    base_margin = v.mean() * margin_rate
    rows = []
    for x in np.atleast_1d(np.asarray(thresholds, dtype=float)):
        gap = x - v
        p = np.where((gap > 0) & (gap <= response["max_gap"]),
                     response["p_max"] * np.exp(-gap / response["scale"]), 0.0)
        pushed = float(p.mean())
        topup = float((p * (gap + response["overshoot"])).mean())
        natural = float((v >= x).mean())
        cost = discount * (natural + pushed)
        margin_effect = topup * margin_rate - cost
        rows.append({"threshold": x, "qualify_naturally": natural, "pushed_over": pushed, "topup": topup,
                     "discount_cost": cost, "revenue_effect": topup - cost,
                     "margin_effect": margin_effect,
                     "break_even_extra_baskets": max(0.0, -margin_effect) / (base_margin + margin_effect)})
    return pd.DataFrame(rows)
