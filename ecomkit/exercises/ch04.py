"""Checks for notebooks/exercises/04_promotion_uplift.ipynb (the demo shop's coupon campaign: the 20 CNY arm
against the control)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ecomkit import uplift
from ecomkit.exercises.grading import Verdict, close_enough, exercise

MARGIN = 0.30
COUPON_COST = 20.0


@lru_cache(maxsize=1)
def demo_campaign():
    """The bundled demo campaign's 20 CNY coupon arm and its control, loaded once per kernel for all checks."""
    return uplift.load_campaign("demo").versus("coupon_20").campaign


def _rates(campaign, column="converted"):
    treated = campaign["treatment"] == 1
    return campaign.loc[treated, column].mean(), campaign.loc[~treated, column].mean()


@exercise("04.1", "the coupon's effect on 14-day conversion: treated rate minus control rate (a fraction)")
def conversion_effect(answer) -> Verdict:
    c = demo_campaign()
    treated, control = _rates(c)
    verdict = close_enough(answer, treated - control, rel=1e-3)
    if verdict.correct:
        return Verdict(True, f"{float(answer):+.4f}: the coupon raised conversion by {100 * (treated - control):.2f} "
                             "percentage points.")
    if close_enough(answer, (treated - control) / control, rel=1e-3).correct:
        return Verdict(False, "that is the relative lift (difference / control rate); the exercise asks for the "
                              "difference in rates.")
    naive = uplift.before_after_estimates(c)["naive_before_after"]
    if close_enough(answer, naive, rel=1e-3).correct:
        return Verdict(False, "that is the treated group's before/after change, which includes the season; compare "
                              "treated with control over the same 14 days.")
    return verdict


@exercise("04.2", "treated customers needed to detect +1 percentage point on the control conversion rate "
                  "(80% power, alpha 0.05 two-sided, equal groups)")
def customers_needed(answer) -> Verdict:
    _, control = _rates(demo_campaign())
    expected = uplift.sample_size(control, 0.01, alpha=0.05, power=0.8)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Verdict(False, f"expected a number of customers, got {type(answer).__name__}")
    if abs(value - expected) <= 0.03 * expected:
        return Verdict(True, f"about {expected:,} treated customers (and as many controls); textbook formulas differ "
                             "by a percent or two, all fine.")
    if abs(value - 2 * expected) <= 0.03 * 2 * expected:
        return Verdict(False, "that looks like both groups together; the exercise asks for the treated group only.")
    if abs(value - uplift.sample_size(control, 0.01 * control)) <= 0.03 * uplift.sample_size(control, 0.01 * control):
        return Verdict(False, "that is for a 1% *relative* lift; +1 percentage point means the rate rises by 0.01.")
    return Verdict(False, f"{value:,.0f} is far from the {expected:,} that a two-proportion power calculation gives; "
                          "use the control rate as the baseline and an absolute effect of 0.01.")


@exercise("04.3", "the Qini AUC (uplift.qini_auc_score) of ranking the whole demo campaign by past discount share, "
                  "highest first")
def qini_of_discount_share(answer) -> Verdict:
    c = demo_campaign()
    expected = uplift.qini_auc_score(c["converted"], c["discount_share"], c["treatment"])
    verdict = close_enough(answer, expected, rel=1e-6, abs_=1e-9)
    if verdict.correct:
        return Verdict(True, f"{expected:.4f}: price-sensitive customers respond more, so even this one column ranks "
                             "better than random (0).")
    if close_enough(answer, uplift.qini_auc_score(c["converted"], -c["discount_share"], c["treatment"]),
                    rel=1e-6).correct:
        return Verdict(False, "that ranks the lowest discount share first; the score should be higher for the "
                              "customers you would target first.")
    return verdict


@exercise("04.4", "the share by which CUPED with revenue_90d reduces the variance of revenue per customer")
def cuped_reduction(answer) -> Verdict:
    c = demo_campaign()
    expected = uplift.cuped(c, "revenue", "revenue_90d")["variance_reduction"]
    verdict = close_enough(answer, expected, rel=1e-3)
    if verdict.correct:
        return Verdict(True, f"{expected:.2%}: exactly the squared correlation between revenue and revenue_90d.")
    rho = np.corrcoef(c["revenue"], c["revenue_90d"])[0, 1]
    if close_enough(answer, rho, rel=1e-3).correct:
        return Verdict(False, "that is the correlation itself; the variance falls by its square.")
    return verdict


@exercise("04.5", "incremental profit (CNY) of sending the coupon to every demo customer, from the experiment: "
                  "margin 30% of revenue, 20 CNY per redeemed coupon")
def send_to_all_profit(answer) -> Verdict:
    c = demo_campaign()
    conv_t, _ = _rates(c)
    rev_t, rev_c = _rates(c, "revenue")
    n = len(c)
    expected = n * (MARGIN * (rev_t - rev_c) - COUPON_COST * conv_t)
    verdict = close_enough(answer, expected, rel=1e-3, unit=" CNY")
    if verdict.correct:
        return Verdict(True, f"{expected:,.0f} CNY: the coupon raises sales but pays a discount to every buyer, "
                             "most of whom would have bought anyway.")
    if close_enough(answer, n * MARGIN * (rev_t - rev_c), rel=1e-3).correct:
        return Verdict(False, "you left out the coupons: every treated buyer redeems one (20 CNY x treated "
                              "conversion rate x customers).")
    if close_enough(answer, n * (MARGIN * (rev_t - rev_c)) - COUPON_COST * n * (conv_t - _rates(c)[1]),
                    rel=1e-3).correct:
        return Verdict(False, "coupons are paid on every treated purchase, not only on the extra ones.")
    return verdict
