"""Promotion uplift (促销效果与增量) — chapter 04: A/B tests done right, uplift models, Qini curves and
profit-optimal targeting of a coupon.

Contents, in order (compute first, plots last):

- **loading**: :func:`load_campaign` reads and validates a campaign table (one row per customer:
  pre-period features, ``treatment`` 0/1, ``converted`` 0/1, optionally ``revenue`` and
  ``coupon_cost``) with a :class:`~ecomkit.io.RowLedger`; :func:`design_matrix` turns the features
  into model input.
- **A/B statistics**: :func:`ab_test`, :func:`ab_summary` (differences with confidence intervals and
  the statsmodels test), :func:`minimum_detectable_effect`, :func:`sample_size` and their
  ``_mean`` versions for revenue per user, :func:`cuped` variance reduction,
  :func:`before_after` and :func:`before_after_estimates` (why before/after misleads).
- **learners** on any scikit-learn estimator, one shape ``fit(X, y, treatment)`` /
  ``predict(X)`` → uplift: :class:`SLearner`, :class:`TLearner`, :class:`ClassTransformation`,
  :class:`XLearner`.
- **metrics**, plain functions of ``(y_true, uplift, treatment)`` with scikit-uplift's definitions:
  :func:`qini_curve`, :func:`qini_auc_score`, :func:`uplift_curve`, :func:`uplift_auc_score`,
  :func:`uplift_at_k`, plus :func:`perfect_qini_curve`, :func:`perfect_uplift_curve`,
  :func:`qini_auc_null` (the score of random targeting, for significance) and
  :func:`uplift_by_decile`.
- **targeting**: :func:`profit_curve` (expected incremental profit of sending to the top k%) and
  :func:`optimal_targeting`.
- **plots**: :func:`plot_before_after`, :func:`plot_qini_curves`, :func:`plot_uplift_curves`,
  :func:`plot_uplift_by_decile`, :func:`plot_profit_curves`, :func:`plot_kinds_by_decile`.

The rules (tie handling, normalisation, the profit formula, the loader's cleaning rules) are written
out in ``docs/uplift.md``.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone, is_classifier

from ecomkit.io import CampaignData, load_campaign
from ecomkit.io.tables.campaign import RESERVED_COLUMNS
from ecomkit.viz import format_percent, format_yuan

__all__ = [
    "CampaignData", "load_campaign", "design_matrix", "RESERVED_COLUMNS",
    "ab_test", "ab_summary", "minimum_detectable_effect", "minimum_detectable_effect_mean",
    "sample_size", "sample_size_mean", "power_of_test", "cuped", "before_after",
    "before_after_estimates",
    "SLearner", "TLearner", "ClassTransformation", "XLearner",
    "qini_curve", "qini_auc_score", "uplift_curve", "uplift_auc_score", "uplift_at_k",
    "perfect_qini_curve", "perfect_uplift_curve", "qini_auc_null", "uplift_by_decile",
    "profit_curve", "optimal_targeting",
    "plot_before_after", "plot_qini_curves", "plot_uplift_curves", "plot_uplift_by_decile",
    "plot_profit_curves", "plot_kinds_by_decile",
]


# =========================================================================================== loading


def design_matrix(campaign: pd.DataFrame, features: Sequence[str] | None = None,
                  columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Model input from a campaign's feature columns: numbers as float, bools as 0/1, text one-hot.

    ``features`` defaults to every non-reserved column. Pass ``columns`` (a previous matrix's
    columns) to get the same layout for new data: missing dummies are filled with 0. Missing numbers
    stay NaN (histogram gradient boosting handles them; other estimators need an imputer).

    >>> X = design_matrix(data.campaign)          # doctest: +SKIP
    """
    names = list(features) if features is not None else [c for c in campaign.columns if c not in RESERVED_COLUMNS]
    parts = []
    for name in names:
        col = campaign[name]
        if pd.api.types.is_bool_dtype(col.dtype) or pd.api.types.is_numeric_dtype(col.dtype):
            parts.append(col.astype("float64").rename(name))
        else:
            parts.append(pd.get_dummies(col.astype(str).where(col.notna(), "missing"), prefix=name, dtype="float64"))
    X = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=campaign.index)
    if columns is not None:
        X = X.reindex(columns=list(columns), fill_value=0.0)
    return X


# =========================================================================================== A/B statistics


def _groups(frame: pd.DataFrame, outcome: str, treatment: str) -> tuple[np.ndarray, np.ndarray]:
    t = _as_treatment(frame[treatment])
    y = frame[outcome].to_numpy(dtype=float)
    return y[t == 1], y[t == 0]


def _is_binary(values: np.ndarray) -> bool:
    return bool(np.isin(values, (0.0, 1.0)).all())


def ab_test(frame: pd.DataFrame, outcome: str = "converted", treatment: str = "treatment",
            alpha: float = 0.05) -> pd.Series:
    """Treated minus control for one outcome, with a (1 - alpha) confidence interval and the test.

    A 0/1 outcome is compared as two proportions (statsmodels ``test_proportions_2indep`` and
    ``confint_proportions_2indep``, Wald method, so the interval excludes 0 exactly when
    p < alpha); any other outcome (revenue per user, CNY) by Welch's t-test (statsmodels
    ``CompareMeans``, unequal variances). ``relative_lift`` is the difference over the control mean.

    >>> ab_test(campaign, "converted")["difference"]     # doctest: +SKIP
    """
    from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

    y1, y0 = _groups(frame, outcome, treatment)
    m1, m0 = float(y1.mean()), float(y0.mean())
    if _is_binary(np.r_[y1, y0]):
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


def _power():
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
    h = _power().solve_power(effect_size=None, nobs1=n_treated, alpha=alpha, power=power,
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
    n = _power().solve_power(effect_size=abs(h), nobs1=None, alpha=alpha, power=power, ratio=ratio)
    return int(math.ceil(n))


def power_of_test(baseline_rate: float, effect: float, n_treated: int, n_control: int,
                  alpha: float = 0.05) -> float:
    """Probability that a two-sided test of this size detects a rise of ``effect`` in the rate."""
    from statsmodels.stats.proportion import proportion_effectsize

    h = proportion_effectsize(baseline_rate + effect, baseline_rate)
    return float(_power().power(effect_size=abs(h), nobs1=n_treated, alpha=alpha, ratio=n_control / n_treated))


def minimum_detectable_effect_mean(sd: float, n_treated: int, n_control: int, alpha: float = 0.05,
                                   power: float = 0.8) -> float:
    """Smallest difference in a mean (e.g. revenue per user, CNY) detectable; ``sd`` per customer."""
    d = _power().solve_power(effect_size=None, nobs1=n_treated, alpha=alpha, power=power,
                             ratio=n_control / n_treated)
    return float(d * sd)


def sample_size_mean(sd: float, effect: float, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0) -> int:
    """Treated customers needed to detect a difference ``effect`` in a mean with spread ``sd``."""
    n = _power().solve_power(effect_size=abs(effect) / sd, nobs1=None, alpha=alpha, power=power, ratio=ratio)
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
    t = _as_treatment(frame[treatment])
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


# =========================================================================================== learners


def _as_treatment(treatment) -> np.ndarray:
    t = np.asarray(treatment)
    if t.ndim != 1:
        raise ValueError(f"treatment must be one-dimensional, got shape {t.shape}")
    if t.dtype == bool:
        t = t.astype(int)
    try:
        tf = t.astype(float)
    except (TypeError, ValueError):
        raise ValueError("treatment must be 0 (control) or 1 (treated); found non-numeric values") from None
    bad = ~np.isin(tf, (0.0, 1.0))
    if bad.any():
        examples = ", ".join(repr(v) for v in pd.unique(t[bad])[:3])
        raise ValueError(f"treatment must be 0 (control) or 1 (treated); found {int(bad.sum())} other values "
                         f"(e.g. {examples})")
    return tf.astype(np.int64)


def _check_groups(t: np.ndarray, what: str = "the data") -> None:
    n = len(t)
    if n == 0:
        raise ValueError(f"{what} is empty")
    if t.all():
        raise ValueError(f"all {n:,} observations in {what} are treated (treatment = 1): uplift compares "
                         "treated with control, and there is no control group")
    if not t.any():
        raise ValueError(f"all {n:,} observations in {what} are control (treatment = 0): uplift compares "
                         "treated with control, and there is no treated group")


def _fit_xy(X, y, treatment):
    t = _as_treatment(treatment)
    y = np.asarray(y, dtype=float)
    if len(y) != len(t) or len(X) != len(t):
        raise ValueError(f"X, y and treatment have different lengths: {len(X)}, {len(y)}, {len(t)}")
    if np.isnan(y).any():
        raise ValueError("y has missing values")
    _check_groups(t, "the training data")
    return X, y, t


def _rows(X, mask):
    return X[mask] if not isinstance(X, pd.DataFrame) else X.loc[np.asarray(mask, dtype=bool)]


def _score(model, X) -> np.ndarray:
    """P(y = 1 | x) for a classifier, E[y | x] for a regressor."""
    if is_classifier(model) and hasattr(model, "predict_proba"):
        classes = list(model.classes_)
        proba = model.predict_proba(X)
        return proba[:, classes.index(1)] if 1 in classes else np.zeros(len(proba))
    return np.asarray(model.predict(X), dtype=float)


def _with_treatment(X, value):
    if isinstance(X, pd.DataFrame):
        return X.assign(**{"__treatment__": float(value)}) if np.isscalar(value) else X.assign(__treatment__=value)
    col = np.full((len(X), 1), float(value)) if np.isscalar(value) else np.asarray(value, float).reshape(-1, 1)
    return np.hstack([np.asarray(X, dtype=float), col])


class _UpliftLearner(BaseEstimator):
    """Shared shape: ``fit(X, y, treatment)`` returns self, ``predict(X)`` returns uplift per row."""

    def _remember_features(self, X) -> None:
        self.n_features_in_ = X.shape[1]
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)

    def _check_fitted(self, attribute: str) -> None:
        if not hasattr(self, attribute):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call fit(X, y, treatment) first")

    def fit_predict(self, X, y, treatment) -> np.ndarray:
        return self.fit(X, y, treatment).predict(X)


class SLearner(_UpliftLearner):
    """One model on the features plus the treatment flag; uplift = f(x, 1) - f(x, 0).

    Parameters
    ----------
    estimator : a scikit-learn classifier (0/1 outcome) or regressor (e.g. revenue).

    Attributes: ``estimator_`` (the fitted model), ``n_features_in_``.

    >>> SLearner(HistGradientBoostingClassifier()).fit(X, y, t).predict(X_new)   # doctest: +SKIP
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y, treatment):
        X, y, t = _fit_xy(X, y, treatment)
        self._remember_features(X)
        self.estimator_ = clone(self.estimator).fit(_with_treatment(X, t), y)
        return self

    def predict(self, X) -> np.ndarray:
        self._check_fitted("estimator_")
        return _score(self.estimator_, _with_treatment(X, 1)) - _score(self.estimator_, _with_treatment(X, 0))


class TLearner(_UpliftLearner):
    """Two models, one per group; uplift = f_treated(x) - f_control(x).

    Parameters
    ----------
    estimator : scikit-learn model for the treated group.
    control_estimator : model for the control group (default: a clone of ``estimator``).

    Attributes: ``estimator_treated_``, ``estimator_control_``, ``n_features_in_``.
    """

    def __init__(self, estimator, control_estimator=None):
        self.estimator = estimator
        self.control_estimator = control_estimator

    def fit(self, X, y, treatment):
        X, y, t = _fit_xy(X, y, treatment)
        self._remember_features(X)
        self.estimator_treated_ = clone(self.estimator).fit(_rows(X, t == 1), y[t == 1])
        control = self.control_estimator if self.control_estimator is not None else self.estimator
        self.estimator_control_ = clone(control).fit(_rows(X, t == 0), y[t == 0])
        return self

    def predict(self, X) -> np.ndarray:
        self._check_fitted("estimator_treated_")
        return _score(self.estimator_treated_, X) - _score(self.estimator_control_, X)


class ClassTransformation(_UpliftLearner):
    """Class transformation (Jaskowski & Jaroszewicz 2012): one classifier of z = 1 when
    (treated and converted) or (control and not converted); uplift = 2 P(z = 1 | x) - 1.

    The identity needs equal treated and control weight; with another treatment share each group is
    reweighted to half the total weight (``sample_weight`` passed to the classifier's ``fit``).

    Parameters
    ----------
    estimator : a scikit-learn classifier whose ``fit`` accepts ``sample_weight``.

    Attributes: ``estimator_``, ``treatment_share_``, ``n_features_in_``.
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y, treatment):
        X, y, t = _fit_xy(X, y, treatment)
        if not _is_binary(y):
            raise ValueError("ClassTransformation needs a 0/1 outcome; use SLearner, TLearner or XLearner for "
                             "amounts")
        self._remember_features(X)
        z = (y.astype(int) == t).astype(int)
        self.treatment_share_ = float(t.mean())
        weight = np.where(t == 1, 0.5 / self.treatment_share_, 0.5 / (1 - self.treatment_share_))
        self.estimator_ = clone(self.estimator).fit(X, z, sample_weight=weight)
        return self

    def predict(self, X) -> np.ndarray:
        self._check_fitted("estimator_")
        return 2.0 * _score(self.estimator_, X) - 1.0


class XLearner(_UpliftLearner):
    """X-learner (Künzel et al. 2019): T-learner outcome models, then models of the imputed effects.

    Stage 1 fits mu_1 on the treated and mu_0 on the controls. Stage 2 regresses the imputed effects
    D_1 = y - mu_0(x) (treated) and D_0 = mu_1(x) - y (controls) on x, giving tau_1 and tau_0.
    uplift = g tau_0(x) + (1 - g) tau_1(x) with g the treatment share (the propensity of a
    randomised experiment).

    Parameters
    ----------
    estimator : outcome model (classifier for 0/1 outcomes, regressor for amounts).
    effect_estimator : a scikit-learn regressor for the effects (default: a
        ``HistGradientBoostingRegressor`` with scikit-learn's defaults).

    Attributes: ``outcome_treated_``, ``outcome_control_``, ``effect_treated_``, ``effect_control_``,
    ``treatment_share_``, ``n_features_in_``.
    """

    def __init__(self, estimator, effect_estimator=None):
        self.estimator = estimator
        self.effect_estimator = effect_estimator

    def fit(self, X, y, treatment):
        X, y, t = _fit_xy(X, y, treatment)
        self._remember_features(X)
        X1, X0 = _rows(X, t == 1), _rows(X, t == 0)
        self.outcome_treated_ = clone(self.estimator).fit(X1, y[t == 1])
        self.outcome_control_ = clone(self.estimator).fit(X0, y[t == 0])
        if self.effect_estimator is None:
            from sklearn.ensemble import HistGradientBoostingRegressor

            effect = HistGradientBoostingRegressor()
        else:
            effect = self.effect_estimator
        self.effect_treated_ = clone(effect).fit(X1, y[t == 1] - _score(self.outcome_control_, X1))
        self.effect_control_ = clone(effect).fit(X0, _score(self.outcome_treated_, X0) - y[t == 0])
        self.treatment_share_ = float(t.mean())
        return self

    def predict(self, X) -> np.ndarray:
        self._check_fitted("effect_treated_")
        g = self.treatment_share_
        return g * np.asarray(self.effect_control_.predict(X)) + (1 - g) * np.asarray(self.effect_treated_.predict(X))


# =========================================================================================== metrics


def _metric_inputs(y_true, uplift, treatment):
    y = np.asarray(y_true)
    u = np.asarray(uplift, dtype=float)
    t = _as_treatment(treatment)
    if y.ndim != 1 or u.ndim != 1:
        raise ValueError("y_true and uplift must be one-dimensional")
    if not len(y) == len(u) == len(t):
        raise ValueError(f"y_true, uplift and treatment have different lengths: {len(y)}, {len(u)}, {len(t)}")
    try:
        y = y.astype(float)
    except (TypeError, ValueError):
        raise ValueError("y_true must be 0/1 outcomes") from None
    if not _is_binary(y):
        raise ValueError("y_true must be 0/1 outcomes (converted or not); found other values")
    if np.isnan(u).any():
        raise ValueError(f"uplift has {int(np.isnan(u).sum())} missing values")
    _check_groups(t, "y_true/treatment")
    return y, u, t


def _cumulative_at_thresholds(y, u, t):
    """Counts after each distinct uplift value, highest first: n, n_t, n_c, y_t, y_c (numpy arrays).

    Customers with equal uplift are targeted together, so the curves only have points at the end of
    each run of ties (as scikit-learn's roc_curve does).
    """
    order = np.argsort(-u, kind="stable")
    y, t, u = y[order], t[order], u[order]
    ends = np.r_[np.flatnonzero(np.diff(u) != 0), len(u) - 1]
    n = (ends + 1).astype(float)
    n_t = np.cumsum(t)[ends].astype(float)
    y_t = np.cumsum(y * t)[ends]
    y_c = np.cumsum(y * (1 - t))[ends]
    return n, n_t, n - n_t, y_t, y_c


def _ratio(a, b):
    return np.divide(a, b, out=np.zeros_like(a, dtype=float), where=b != 0)


def qini_curve(y_true, uplift, treatment) -> tuple[np.ndarray, np.ndarray]:
    """Radcliffe's Qini curve: incremental responders among the top-n customers ranked by ``uplift``.

    At each cut (the end of a run of equal uplift values), with N_T, N_C treated and control
    customers above it and Y_T, Y_C their responders::

        Q(n) = Y_T - Y_C * N_T / N_C          (0 while N_C = 0)

    Returns ``(n, Q)``, both starting at 0 and ending at ``n = len(y_true)``.

    >>> qini_curve([1, 0, 1, 0], [0.4, 0.3, 0.2, 0.1], [1, 1, 0, 0])
    (array([0., 1., 2., 3., 4.]), array([ 0.,  1.,  1., -1.,  0.]))
    """
    y, u, t = _metric_inputs(y_true, uplift, treatment)
    n, n_t, n_c, y_t, y_c = _cumulative_at_thresholds(y, u, t)
    q = y_t - _ratio(y_c * n_t, n_c)
    return np.r_[0.0, n], np.r_[0.0, q]


def uplift_curve(y_true, uplift, treatment) -> tuple[np.ndarray, np.ndarray]:
    """The uplift curve: (response rate treated - response rate control) among the top n, times n.

    ``U(n) = (Y_T / N_T - Y_C / N_C) * n`` at each cut, a rate counted as 0 while its group is empty.
    Returns ``(n, U)`` starting at 0.
    """
    y, u, t = _metric_inputs(y_true, uplift, treatment)
    n, n_t, n_c, y_t, y_c = _cumulative_at_thresholds(y, u, t)
    return np.r_[0.0, n], np.r_[0.0, (_ratio(y_t, n_t) - _ratio(y_c, n_c)) * n]


def perfect_qini_curve(y_true, treatment) -> tuple[np.ndarray, np.ndarray]:
    """The best Qini curve these outcomes allow (negative effects included): treated responders
    first, control responders last, everybody else in between."""
    y = np.asarray(y_true, dtype=float)
    t = _as_treatment(treatment)
    return qini_curve(y, y * t - y * (1 - t), t)


def perfect_uplift_curve(y_true, treatment) -> tuple[np.ndarray, np.ndarray]:
    """The best uplift curve these outcomes allow: treated responders and control non-responders
    first, in the order that keeps both response rates defined longest (as scikit-uplift)."""
    y = np.asarray(y_true, dtype=float)
    t = _as_treatment(treatment)
    control_responders = np.sum((y == 1) & (t == 0))
    treated_nonresponders = np.sum((y == 0) & (t == 1))
    second = y if control_responders > treated_nonresponders else t
    return uplift_curve(y, 2.0 * (y == t) + second, t)


def _area(x, y) -> float:
    return float(np.trapezoid(y, x))


def _normalised_area(curve, perfect) -> float:
    x, y = curve
    xp, yp = perfect
    random_area = float(xp[-1] * yp[-1]) / 2.0          # the straight line from (0, 0) to the end point
    best = _area(xp, yp) - random_area
    if best == 0:
        raise ValueError("the perfect and the random curve coincide (no outcome difference to rank); the "
                         "normalised area is undefined")
    return float((_area(x, y) - random_area) / best)


def qini_auc_score(y_true, uplift, treatment) -> float:
    """Area between the Qini curve and the random line, over the same area for the perfect curve.

    1 is the perfect ranking, 0 is no better than random, below 0 worse than random. This is
    scikit-uplift's ``qini_auc_score`` with ``negative_effect=True``.

    >>> round(qini_auc_score([1, 0, 1, 0], [0.4, 0.3, 0.2, 0.1], [1, 1, 0, 0]), 3)
    0.333
    """
    y, u, t = _metric_inputs(y_true, uplift, treatment)
    return _normalised_area(qini_curve(y, u, t), perfect_qini_curve(y, t))


def uplift_auc_score(y_true, uplift, treatment) -> float:
    """Area between the uplift curve and the random line, over the same area for the perfect curve
    (scikit-uplift's ``uplift_auc_score``)."""
    y, u, t = _metric_inputs(y_true, uplift, treatment)
    return _normalised_area(uplift_curve(y, u, t), perfect_uplift_curve(y, t))


def uplift_at_k(y_true, uplift, treatment, k: float | int = 0.3, strategy: str = "overall") -> float:
    """Response rate treated minus control among the customers with the top-k predicted uplift.

    ``k``: a share in (0, 1] (the top ``floor(k * n)`` customers) or a count (int >= 1).
    ``strategy="overall"`` takes the top k of everyone, then compares the two groups inside it;
    ``"by_group"`` takes the top k share (or count) of each group separately. Ties at the cut are
    broken by row order (earlier rows first).
    """
    y, u, t = _metric_inputs(y_true, uplift, treatment)
    if strategy not in ("overall", "by_group"):
        raise ValueError(f"strategy={strategy!r} is not one of 'overall', 'by_group'")
    is_share = isinstance(k, (float, np.floating))
    if is_share and not 0 < k <= 1:
        raise ValueError(f"k={k} as a share must be in (0, 1]")
    if not is_share and not (isinstance(k, (int, np.integer)) and 1 <= k <= len(y)):
        raise ValueError(f"k={k!r} must be a share in (0, 1] or a whole count between 1 and {len(y)}")
    order = np.argsort(-u, kind="stable")
    y, t = y[order], t[order]
    if strategy == "overall":
        size = int(math.floor(k * len(y))) if is_share else int(k)
        top_y, top_t = y[:size], t[:size]
        if size == 0 or top_t.all() or not top_t.any():
            group = "treated" if size and not top_t.any() else "control"
            raise ValueError(f"the top k={k} ({size} customers) holds no {group} customers; choose a larger k")
        return float(top_y[top_t == 1].mean() - top_y[top_t == 0].mean())
    rates = []
    for g in (1, 0):
        yg = y[t == g]
        size = int(math.floor(k * len(yg))) if is_share else int(k)
        if not 1 <= size <= len(yg):
            raise ValueError(f"k={k} selects {size} of the {len(yg)} {'treated' if g else 'control'} customers")
        rates.append(yg[:size].mean())
    return float(rates[0] - rates[1])


def qini_auc_null(y_true, treatment, n_permutations: int = 200, seed: int = 0) -> np.ndarray:
    """Qini AUC scores of random rankings of the same customers: what luck alone scores.

    Each draw ranks the customers by a uniform random number. A model whose score sits above, say,
    the 99th percentile of these beats random targeting beyond this split's sampling error.
    """
    y, _, t = _metric_inputs(y_true, np.zeros(len(np.asarray(y_true))), treatment)
    rng = np.random.default_rng(seed)
    perfect = perfect_qini_curve(y, t)
    return np.array([_normalised_area(qini_curve(y, rng.random(len(y)), t), perfect)
                     for _ in range(int(n_permutations))])


def uplift_by_decile(y_true, uplift, treatment, bins: int = 10, true_uplift=None) -> pd.DataFrame:
    """Observed uplift in each bin of predicted uplift (bin 1 = highest predictions).

    Customers are ranked by ``uplift`` (ties by row order) and split into ``bins`` groups as equal as
    possible. Columns: customers, n_treated, n_control, rate_treated, rate_control, observed_uplift,
    se (binomial, the two groups independent), predicted_uplift (mean), and true_uplift when given.
    """
    y, u, t = _metric_inputs(y_true, uplift, treatment)
    order = np.argsort(-u, kind="stable")
    bin_of = np.empty(len(y), dtype=int)
    bin_of[order] = np.arange(len(y)) * bins // len(y) + 1
    frame = pd.DataFrame({"bin": bin_of, "y": y, "t": t, "u": u})
    if true_uplift is not None:
        frame["true"] = np.asarray(true_uplift, dtype=float)
    rows = []
    for b, g in frame.groupby("bin"):
        yt, yc = g.loc[g["t"] == 1, "y"], g.loc[g["t"] == 0, "y"]
        rt = yt.mean() if len(yt) else np.nan
        rc = yc.mean() if len(yc) else np.nan
        row = {"bin": b, "customers": len(g), "n_treated": len(yt), "n_control": len(yc), "rate_treated": rt,
               "rate_control": rc, "observed_uplift": rt - rc,
               "se": math.sqrt(rt * (1 - rt) / max(len(yt), 1) + rc * (1 - rc) / max(len(yc), 1)),
               "predicted_uplift": g["u"].mean()}
        if true_uplift is not None:
            row["true_uplift"] = g["true"].mean()
        rows.append(row)
    return pd.DataFrame(rows).set_index("bin")


# =========================================================================================== targeting


def profit_curve(frame: pd.DataFrame, score, margin: float, coupon_cost: float, *,
                 value_per_conversion: float | None = None, steps: int = 20, treatment: str = "treatment",
                 converted: str = "converted", revenue: str = "revenue",
                 population: int | None = None) -> pd.DataFrame:
    """Expected incremental profit (CNY) of sending the coupon to the top k% by ``score``.

    ``frame`` holds randomised customers (usually the held-out split) with treatment, converted and
    revenue; ``score`` is a column name or an array (higher = send first). For each k on a grid of
    ``steps`` equal steps from 0 to 100%, among the top k% (ties at the cut by row order)::

        incremental conversions = (conv rate treated - conv rate control) * n_k
        incremental revenue     = (revenue per treated - revenue per control) * n_k      [CNY]
        coupons redeemed        = conv rate treated * n_k
        incremental profit      = margin * incremental revenue - coupon_cost * coupons redeemed

    ``margin`` is the gross margin as a share of revenue (0-1), ``coupon_cost`` the CNY the shop pays
    per redeemed coupon. With ``value_per_conversion`` (CNY, e.g. the average order value of buyers)
    the incremental revenue is ``incremental conversions * value_per_conversion`` instead of the
    revenue difference: order values are spread widely, so the revenue difference of a small group
    is much noisier than its conversion difference (``revenue`` is then not needed). Totals are for
    ``population`` customers (default: ``len(frame)``), i.e. scaled by population / len(frame). A cut
    without a treated or control customer gives NaN.
    Columns: k, customers, incremental_conversions, incremental_revenue_cny, coupons_redeemed,
    coupon_cost_cny, incremental_profit_cny.
    """
    if not 0 <= margin <= 1:
        raise ValueError(f"margin is a share of revenue between 0 and 1, got {margin!r}")
    s = frame[score].to_numpy(dtype=float) if isinstance(score, str) else np.asarray(score, dtype=float)
    t = _as_treatment(frame[treatment])
    _check_groups(t, "the profit data")
    y = frame[converted].to_numpy(dtype=float)
    r = frame[revenue].to_numpy(dtype=float) if value_per_conversion is None else y * float(value_per_conversion)
    n = len(frame)
    order = np.argsort(-s, kind="stable")
    t, y, r = t[order], y[order], r[order]
    cum = lambda v: np.r_[0.0, np.cumsum(v)]  # noqa: E731
    n_t, y_t, y_c, r_t, r_c = cum(t), cum(y * t), cum(y * (1 - t)), cum(r * t), cum(r * (1 - t))
    ks = np.linspace(0.0, 1.0, int(steps) + 1)
    cut = np.round(ks * n).astype(int)
    nt, nc = n_t[cut], cut - n_t[cut]
    with np.errstate(invalid="ignore", divide="ignore"):
        conv_t, conv_c = y_t[cut] / nt, y_c[cut] / nc
        rev_t, rev_c = r_t[cut] / nt, r_c[cut] / nc
    scale = (population if population is not None else n) / n
    size = cut * scale
    inc_conv = (conv_t - conv_c) * size
    inc_rev = (rev_t - rev_c) * size
    redeemed = conv_t * size
    out = pd.DataFrame({"k": ks, "customers": size, "incremental_conversions": inc_conv,
                        "incremental_revenue_cny": inc_rev, "coupons_redeemed": redeemed,
                        "coupon_cost_cny": coupon_cost * redeemed,
                        "incremental_profit_cny": margin * inc_rev - coupon_cost * redeemed})
    out.loc[cut == 0, ["incremental_conversions", "incremental_revenue_cny", "coupons_redeemed",
                       "coupon_cost_cny", "incremental_profit_cny"]] = 0.0
    return out


def optimal_targeting(curve: pd.DataFrame) -> pd.Series:
    """The row of a :func:`profit_curve` with the highest incremental profit (smallest k on ties).

    k = 0 (send to nobody, profit 0) is on the grid, so a campaign that loses money everywhere
    returns k = 0.
    """
    best = curve["incremental_profit_cny"].fillna(-np.inf).to_numpy()
    return curve.iloc[int(np.argmax(best))]


# =========================================================================================== plots


def _ax(ax):
    import matplotlib.pyplot as plt

    return ax if ax is not None else plt.subplots()[1]


def plot_before_after(table: pd.DataFrame, ax=None, ylabel: str = "14-day conversion rate"):
    """Before and after the send, treated and control (the table of :func:`before_after`)."""
    ax = _ax(ax)
    x = [0, 1]
    for name, style in (("treated", "-o"), ("control", "--s")):
        ax.plot(x, [table.loc[name, "before"], table.loc[name, "after"]], style, label=name, linewidth=2)
    ax.set_xticks(x, ["14 days before the send", "14 days after the send"])
    ax.set_ylabel(ylabel)
    ax.set_xlim(-0.3, 1.3)
    format_percent(ax, decimals=1)
    ax.legend(title="group")
    ax.set_title("Before/after: both groups rise")
    return ax


def _plot_curves(kind: str, y_true, uplifts, treatment, ax, perfect: bool):
    ax = _ax(ax)
    if not isinstance(uplifts, Mapping):
        uplifts = {"model": uplifts}
    curve = qini_curve if kind == "qini" else uplift_curve
    score = qini_auc_score if kind == "qini" else uplift_auc_score
    n = len(np.asarray(y_true))
    end = None
    for name, u in uplifts.items():
        x, y = curve(y_true, u, treatment)
        end = y[-1]
        ax.plot(x / n, y, label=f"{name} (AUC {score(y_true, u, treatment):.3f})", linewidth=1.8)
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


def plot_qini_curves(y_true, uplifts, treatment, ax=None, perfect: bool = False):
    """Qini curves of one or more models (``uplifts``: array or {name: array}) with the random line.

    The x-axis is the share of customers targeted; the y-axis the incremental buyers (Qini).
    """
    return _plot_curves("qini", y_true, uplifts, treatment, ax, perfect)


def plot_uplift_curves(y_true, uplifts, treatment, ax=None, perfect: bool = False):
    """Uplift curves of one or more models with the random line (see :func:`uplift_curve`)."""
    return _plot_curves("uplift", y_true, uplifts, treatment, ax, perfect)


def plot_uplift_by_decile(table: pd.DataFrame, ax=None):
    """Observed uplift per decile of predicted uplift (bars, +-1.96 se), predicted (and true) as points."""
    ax = _ax(ax)
    x = table.index.to_numpy()
    ax.bar(x, table["observed_uplift"], yerr=1.96 * table["se"], color="#4c72b0", alpha=0.8, capsize=3,
           label="observed (treated - control), 95% CI")
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


def plot_profit_curves(curves: Mapping[str, pd.DataFrame], ax=None, mark_best: bool = True):
    """Incremental profit (CNY) against the share of customers sent the coupon, one line per policy."""
    ax = _ax(ax)
    for name, curve in curves.items():
        line, = ax.plot(curve["k"], curve["incremental_profit_cny"], marker=".", label=name)
        if mark_best:
            best = optimal_targeting(curve)
            ax.plot([best["k"]], [best["incremental_profit_cny"]], "*", markersize=14, color=line.get_color())
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel("share of customers sent the coupon")
    ax.set_ylabel("incremental profit")
    format_percent(ax, axis="x")
    format_yuan(ax)
    ax.legend(fontsize=9)
    ax.set_title("Profit of sending to the top k%")
    return ax


def plot_kinds_by_decile(uplift, kind, ax=None, bins: int = 10, order: Sequence[str] | None = None):
    """Share of each kind of customer (from the simulator's truth) per decile of predicted uplift."""
    ax = _ax(ax)
    u = np.asarray(uplift, dtype=float)
    ranks = np.empty(len(u), dtype=int)
    ranks[np.argsort(-u, kind="stable")] = np.arange(len(u)) * bins // len(u) + 1
    table = pd.crosstab(ranks, np.asarray(kind), normalize="index")
    order = list(order) if order is not None else ["persuadable", "sure_thing", "lost_cause", "sleeping_dog"]
    table = table.reindex(columns=[c for c in order if c in table.columns])
    bottom = np.zeros(len(table))
    for name in table.columns:
        ax.bar(table.index, table[name], bottom=bottom, label=name.replace("_", " "))
        bottom += table[name].to_numpy()
    ax.set_xticks(table.index)
    ax.set_xlabel("decile of predicted uplift (1 = highest)")
    ax.set_ylabel("share of customers")
    format_percent(ax)
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1, 1))
    ax.set_title("Who is in each decile")
    return ax
