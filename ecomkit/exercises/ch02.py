"""Checks for notebooks/exercises/02_pricing.ipynb (pricing and promotion pricing)."""

from __future__ import annotations

from functools import lru_cache

from ecomkit import pricing
from ecomkit.exercises.grading import Verdict, close_enough, exercise


@lru_cache(maxsize=1)
def demo_pricing():
    """The demo price panel as (PanelData, weekly panel, SKU baseline), loaded once per kernel."""
    data = pricing.load_panel("demo")
    weekly = pricing.weekly_panel(data.panel)
    return data, weekly, pricing.sku_baseline(weekly)


def _answer_matches(answer, value, rel=1e-3) -> bool:
    """Whether ``answer`` equals ``value`` within ``rel``: used to recognise a known mistake."""
    return close_enough(answer, value, rel=rel).correct


@exercise("02.1", "the volume lift (a fraction) a 20% discount needs to break even in beauty, "
                  "at beauty's median margin")
def break_even_beauty(answer) -> Verdict:
    _, _, baseline = demo_pricing()
    margin = float(pricing.category_margins(baseline)["beauty"])
    expected = pricing.break_even_lift(0.20, margin)
    verdict = close_enough(answer, expected, rel=1e-3)
    if verdict.correct:
        return Verdict(True, f"{float(answer):.4f}: at a {margin:.1%} margin a 20% discount needs "
                             f"{expected:.1%} more units.")
    if _answer_matches(answer, 0.20 / margin):
        return Verdict(False, "that is the discount as a share of the margin (d / m); the extra units also "
                              "earn only the reduced margin, so the lift is d / (m - d).")
    if _answer_matches(answer, margin / (margin - 0.20)):
        return Verdict(False, "that is the volume *factor* m / (m - d); the lift is that factor minus 1.")
    return verdict


@exercise("02.2", "the naive price elasticity of apparel: SKU effects only, no week effects (weekly panel)")
def naive_apparel(answer) -> Verdict:
    _, weekly, _ = demo_pricing()
    expected = float(pricing.naive_elasticity(weekly).loc["apparel", "elasticity"])
    verdict = close_enough(answer, expected, rel=1e-3)
    if verdict.correct:
        return Verdict(True, f"{float(answer):.3f}: the festival crowd makes apparel look very price-sensitive.")
    controlled = float(pricing.estimate_elasticity(weekly).loc["apparel", "elasticity"])
    if _answer_matches(answer, controlled):
        return Verdict(False, "that estimate has week effects already; the naive one uses controls=('sku',) only.")
    if _answer_matches(answer, -expected):
        return Verdict(False, "check the sign: demand falls when the price rises, so the elasticity is negative.")
    return verdict


@exercise("02.3", "the controlled price elasticity of apparel: SKU and week effects (weekly panel)")
def controlled_apparel(answer) -> Verdict:
    _, weekly, _ = demo_pricing()
    expected = float(pricing.estimate_elasticity(weekly).loc["apparel", "elasticity"])
    verdict = close_enough(answer, expected, rel=1e-3)
    if verdict.correct:
        return Verdict(True, f"{float(answer):.3f}: the week effects absorb the festival demand peaks.")
    naive = float(pricing.naive_elasticity(weekly).loc["apparel", "elasticity"])
    if _answer_matches(answer, naive):
        return Verdict(False, "that is the naive estimate: the festival demand is still inside. Add the week effects, "
                              "controls=('sku', 'period').")
    experimental = float(pricing.experimental_elasticity(weekly).loc["apparel", "elasticity"])
    if _answer_matches(answer, experimental):
        return Verdict(False, "that is the price-test estimate; the exercise asks for the fit on every SKU-week.")
    return verdict


@exercise("02.4", "the Lerner (profit-maximising) price in CNY of SKU0013, from its unit cost and "
                  "apparel's controlled elasticity")
def lerner_sku0013(answer) -> Verdict:
    _, weekly, baseline = demo_pricing()
    row = baseline.set_index("sku").loc["SKU0013"]
    e = float(pricing.estimate_elasticity(weekly).loc["apparel", "elasticity"])
    expected = pricing.optimal_price(float(row["unit_cost"]), e)
    verdict = close_enough(answer, expected, rel=1e-3, unit=" CNY")
    if verdict.correct:
        return Verdict(True, f"CNY {float(answer):,.2f}: a markup of e / (1 + e) = {e / (1 + e):.2f} "
                             "times the unit cost.")
    if _answer_matches(answer, pricing.optimal_price(float(row["regular_price"]), e)):
        return Verdict(False, "the Lerner rule marks up the unit cost, not the current price.")
    if _answer_matches(answer, float(row["unit_cost"]) * (1 + e) / e):
        return Verdict(False, "the factor is upside down: p* = c * e / (1 + e), which is above the cost when e < -1.")
    return verdict


@exercise("02.5", "the extra share of baskets at or above CNY 199 during the offer, compared with the period before it")
def extra_qualifying_share(answer) -> Verdict:
    data, _, _ = demo_pricing()
    baskets = data.baskets
    offer = baskets.loc[baskets["promo"], "gross_value"]
    before = baskets.loc[~baskets["promo"], "gross_value"]
    expected = float((offer >= 199).mean() - (before >= 199).mean())
    verdict = close_enough(answer, expected, rel=1e-3)
    if verdict.correct:
        return Verdict(True, f"{float(answer):.4f}: only this small share moved; the other "
                             f"{(before >= 199).mean():.1%} would have qualified anyway.")
    if _answer_matches(answer, float((offer >= 199).mean())):
        return Verdict(False, "that is every qualifying basket in the offer period; subtract the share that qualified "
                              "before the offer (they would have qualified anyway).")
    return verdict
