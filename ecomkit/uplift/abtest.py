"""A/B statistics of a coupon test: the difference with its interval, power and sample sizes, CUPED, and
why a before/after comparison misleads.

Every function takes the campaign frame (one row per customer, ``treatment`` 0/1 and the outcome
columns) and returns a Series or DataFrame with named fields; the tests are statsmodels'.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

from ecomkit.uplift.inputs import is_zero_one, treatment_flags

__all__ = ["ab_test", "ab_summary", "minimum_detectable_effect", "sample_size", "power_of_test",
           "minimum_detectable_effect_mean", "sample_size_mean", "cuped", "before_after", "before_after_estimates"]


def _outcomes_by_group(frame: pd.DataFrame, outcome: str, treatment: str) -> tuple[np.ndarray, np.ndarray]:
    t = treatment_flags(frame[treatment])
    y = frame[outcome].to_numpy(dtype=float)
    return y[t == 1], y[t == 0]


def ab_test(frame: pd.DataFrame, outcome: str = "converted", treatment: str = "treatment",
            alpha: float = 0.05) -> pd.Series:
    """Treated minus control for one outcome, with a (1 - alpha) confidence interval and the test.

    A 0/1 outcome is compared as two proportions (statsmodels ``test_proportions_2indep`` and
    ``confint_proportions_2indep``, Wald method, so the interval excludes 0 exactly when
    p < alpha); any other outcome (revenue per user, in the shop's currency) by Welch's t-test (statsmodels
    ``CompareMeans``, unequal variances). ``relative_lift`` is the difference over the control mean.

    >>> ab_test(campaign, "converted")["difference"]     # doctest: +SKIP
    """
    from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

    y1, y0 = _outcomes_by_group(frame, outcome, treatment)
    m1, m0 = float(y1.mean()), float(y0.mean())
    if is_zero_one(np.r_[y1, y0]):
        c1, c0 = int(y1.sum()), int(y0.sum())
        res = test_proportions_2indep(c1, len(y1), c0, len(y0), method="wald", compare="diff")
        low, high = confint_proportions_2indep(c1, len(y1), c0, len(y0), method="wald", compare="diff",
                                               alpha=alpha)
        se = math.sqrt(res.variance)
        statistic, p_value, test = res.statistic, res.pvalue, "two-proportion z-test (Wald)"
    else:
        cm = CompareMeans(DescrStatsW(y1), DescrStatsW(y0))
        statistic, p_value, _ = cm.ttest_ind(usevar="unequal")
        low, high = cm.tconfint_diff(alpha=alpha, usevar="unequal")
        se = float(cm.std_meandiff_separatevar)
        test = "Welch t-test"
    return pd.Series({
        "outcome": outcome, "n_treated": len(y1), "n_control": len(y0), "mean_treated": m1,
        "mean_control": m0, "difference": m1 - m0, "se": se, "ci_low": float(low), "ci_high": float(high),
        "relative_lift": (m1 - m0) / m0 if m0 else np.nan, "statistic": float(statistic),
        "p_value": float(p_value), "alpha": alpha, "test": test,
    }, name=outcome)


def ab_summary(frame: pd.DataFrame, outcomes: Sequence[str] = ("converted", "revenue"),
               treatment: str = "treatment", alpha: float = 0.05) -> pd.DataFrame:
    """:func:`ab_test` for each outcome present in ``frame``, one row per outcome."""
    rows = [ab_test(frame, o, treatment, alpha) for o in outcomes if o in frame.columns]
    return pd.DataFrame(rows).set_index("outcome")


def _normal_power():
    """statsmodels' power calculator of a two-sided z-test of two independent samples."""
    from statsmodels.stats.power import NormalIndPower

    return NormalIndPower()


def minimum_detectable_effect(baseline_rate: float, n_treated: int, n_control: int, alpha: float = 0.05,
                              power: float = 0.8) -> float:
    """Smallest rise in a conversion rate (a fraction, absolute) a test of this size detects.

    Two-sided test at level ``alpha`` with the given ``power``, via Cohen's effect size
    h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p0)) and statsmodels' ``NormalIndPower``.

    >>> round(minimum_detectable_effect(0.08, 9000, 9000), 4)
    0.0117
    """
    p0 = float(baseline_rate)
    if not 0 < p0 < 1:
        raise ValueError(f"baseline_rate must be between 0 and 1, got {baseline_rate!r}")
    h = _normal_power().solve_power(effect_size=None, nobs1=n_treated, alpha=alpha, power=power,
                                    ratio=n_control / n_treated)
    p1 = math.sin(min(math.asin(math.sqrt(p0)) + h / 2, math.pi / 2)) ** 2
    return p1 - p0


def sample_size(baseline_rate: float, effect: float, alpha: float = 0.05, power: float = 0.8,
                ratio: float = 1.0) -> int:
    """Customers needed in the treated group to detect a rise of ``effect`` (absolute) in a rate.

    The control group holds ``ratio`` times as many. Rounded up.

    >>> sample_size(0.08, 0.008)
    18863
    """
    from statsmodels.stats.proportion import proportion_effectsize

    p0 = float(baseline_rate)
    if not 0 < p0 < 1 or not 0 < p0 + effect < 1 or effect == 0:
        raise ValueError(f"need 0 < baseline_rate < 1 and a non-zero effect keeping the rate in (0, 1); "
                         f"got {baseline_rate!r} and {effect!r}")
    h = proportion_effectsize(p0 + effect, p0)
    n = _normal_power().solve_power(effect_size=abs(h), nobs1=None, alpha=alpha, power=power, ratio=ratio)
    return int(math.ceil(n))


def power_of_test(baseline_rate: float, effect: float, n_treated: int, n_control: int,
                  alpha: float = 0.05) -> float:
    """Probability that a two-sided test of this size detects a rise of ``effect`` in the rate."""
    from statsmodels.stats.proportion import proportion_effectsize

    h = proportion_effectsize(baseline_rate + effect, baseline_rate)
    return float(_normal_power().power(effect_size=abs(h), nobs1=n_treated, alpha=alpha, ratio=n_control / n_treated))


def minimum_detectable_effect_mean(sd: float, n_treated: int, n_control: int, alpha: float = 0.05,
                                   power: float = 0.8) -> float:
    """Smallest difference in a mean (e.g. revenue per user, an amount) detectable; ``sd`` per customer."""
    cohen_d = _normal_power().solve_power(effect_size=None, nobs1=n_treated, alpha=alpha, power=power,
                                          ratio=n_control / n_treated)
    return float(cohen_d * sd)


def sample_size_mean(sd: float, effect: float, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0) -> int:
    """Treated customers needed to detect a difference ``effect`` in a mean with spread ``sd``."""
    n = _normal_power().solve_power(effect_size=abs(effect) / sd, nobs1=None, alpha=alpha, power=power, ratio=ratio)
    return int(math.ceil(n))


def cuped(frame: pd.DataFrame, outcome: str = "revenue", covariate: str = "revenue_90d",
          treatment: str = "treatment", alpha: float = 0.05) -> pd.Series:
    """CUPED: the treated-minus-control difference after removing what a pre-period covariate predicts.

    theta = cov(covariate, outcome) / var(covariate) over all customers; the adjusted outcome is
    ``outcome - theta * (covariate - mean(covariate))``. The covariate is measured before the send,
    so randomisation keeps it independent of treatment and the adjusted difference estimates the
    same effect with variance smaller by the factor ``1 - corr^2``. Returns the adjusted test
    (as :func:`ab_test`) plus ``theta``, ``variance_reduction`` (1 - var(adjusted)/var(raw)),
    ``se_raw`` and ``ci_width_raw``.

    >>> cuped(campaign, "revenue", "revenue_90d")["variance_reduction"]   # doctest: +SKIP
    """
    y = frame[outcome].to_numpy(dtype=float)
    x = frame[covariate].to_numpy(dtype=float)
    if np.isnan(x).any() or np.isnan(y).any():
        raise ValueError(f"cuped needs complete {outcome!r} and {covariate!r} columns (found blanks)")
    var_x = float(np.var(x, ddof=1))
    if var_x == 0:
        raise ValueError(f"covariate {covariate!r} is constant; it cannot explain any variance")
    theta = float(np.cov(x, y, ddof=1)[0, 1] / var_x)
    adjusted = y - theta * (x - x.mean())
    raw = ab_test(frame, outcome, treatment, alpha)
    adj = ab_test(frame.assign(**{"__cuped__": adjusted}), "__cuped__", treatment, alpha)
    out = adj.rename(outcome)
    out["outcome"] = f"{outcome} (CUPED on {covariate})"
    out["test"] = "Welch t-test on the CUPED-adjusted outcome"
    out["theta"] = theta
    out["variance_reduction"] = 1.0 - float(np.var(adjusted, ddof=1) / np.var(y, ddof=1))
    out["se_raw"] = raw["se"]
    out["ci_width_raw"] = raw["ci_high"] - raw["ci_low"]
    out["ci_width"] = adj["ci_high"] - adj["ci_low"]
    return out


def before_after(frame: pd.DataFrame, before: str = "converted_before", after: str = "converted",
                 treatment: str = "treatment") -> pd.DataFrame:
    """Mean outcome before and after the send, per group (rows ``treated``, ``control``).

    Columns: customers, before, after, change (after - before).
    """
    t = treatment_flags(frame[treatment])
    rows = {}
    for name, mask in (("treated", t == 1), ("control", t == 0)):
        sub = frame.loc[mask]
        rows[name] = {"customers": int(mask.sum()), "before": float(sub[before].mean()),
                      "after": float(sub[after].mean())}
    table = pd.DataFrame(rows).T
    table["customers"] = table["customers"].astype("int64")
    table["change"] = table["after"] - table["before"]
    return table


def before_after_estimates(frame: pd.DataFrame, before: str = "converted_before", after: str = "converted",
                           treatment: str = "treatment") -> pd.Series:
    """Three answers to "what did the coupon do?" from :func:`before_after`.

    ``naive_before_after``: the treated group's change (what a before/after report shows);
    ``seasonal_change``: the control group's change over the same days (what happened anyway);
    ``randomised``: treated after minus control after (the experiment's estimate);
    ``difference_in_differences``: treated change minus control change.
    """
    table = before_after(frame, before, after, treatment)
    return pd.Series({
        "naive_before_after": table.loc["treated", "change"],
        "seasonal_change": table.loc["control", "change"],
        "randomised": table.loc["treated", "after"] - table.loc["control", "after"],
        "difference_in_differences": table.loc["treated", "change"] - table.loc["control", "change"],
    })
