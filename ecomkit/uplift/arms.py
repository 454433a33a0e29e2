"""Several arms: each arm against the control, which arm to send to whom, and what that policy earns.

- :func:`arm_effects`: per arm and outcome, the difference with the control (the plain difference of
  group means), its interval and test as :func:`~ecomkit.uplift.ab_test`, and the multiple-comparison
  correction over the arms (statsmodels ``multipletests``, Holm; Bonferroni intervals).
- :class:`MultiArmUplift`: one two-group uplift learner per arm against the control (any learner of
  :mod:`ecomkit.uplift.models`), plus a model of the chance to buy without a coupon.
- :func:`best_arm`: each customer's most profitable arm (or none) from predicted uplift.
- :func:`policy_profit`: the expected incremental profit of a policy that names an arm (or none) per
  customer, estimated from randomised customers.
- :func:`arm_qini_scores`: the Qini AUC of each arm's ranking on that arm's and the control's customers.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone

from ecomkit.uplift.abtest import ab_test
from ecomkit.uplift.models import _predicted_outcome

__all__ = ["arm_effects", "MultiArmUplift", "best_arm", "arm_profit", "policy_profit", "arm_qini_scores"]


def _arm_frame(frame: pd.DataFrame, arm_value: str, arm: str, control: str) -> pd.DataFrame:
    groups = frame[arm].astype(str)
    sub = frame.loc[groups.isin([str(arm_value), str(control)])]
    return sub.assign(__arm_treated__=(sub[arm].astype(str) == str(arm_value)).astype("int64"))


def arm_effects(frame: pd.DataFrame, outcomes: Sequence[str] = ("converted", "revenue"), arm: str = "arm",
                control: str = "0", alpha: float = 0.05, method: str = "holm") -> pd.DataFrame:
    """Every arm against the control on every outcome present, corrected for the number of arms.

    One row per (arm, outcome): the columns of :func:`~ecomkit.uplift.ab_test` (``difference`` = mean in
    the arm - mean in the control, ``ci_low``/``ci_high`` at 1 - alpha, ``p_value``), plus ``p_adjusted``
    (statsmodels ``multipletests`` with ``method`` over the arms, for each outcome), ``ci_low_adjusted``/
    ``ci_high_adjusted`` (Bonferroni: level 1 - alpha / number of arms) and ``significant`` (p_adjusted <
    alpha). With one arm the adjusted values equal the raw ones.

    >>> arm_effects(campaign, control="No E-Mail")["difference"]      # doctest: +SKIP
    """
    from statsmodels.stats.multitest import multipletests

    arms = [a for a in sorted(pd.unique(frame[arm].astype(str))) if a != str(control)]
    rows = []
    for outcome in [o for o in outcomes if o in frame.columns]:
        block = []
        for a in arms:
            sub = _arm_frame(frame, a, arm, control)
            row = ab_test(sub, outcome, "__arm_treated__", alpha)
            wide = ab_test(sub, outcome, "__arm_treated__", alpha / len(arms))
            block.append({"arm": a, **row.to_dict(), "ci_low_adjusted": wide["ci_low"],
                          "ci_high_adjusted": wide["ci_high"]})
        p = np.array([r["p_value"] for r in block], dtype=float)
        finite = np.isfinite(p)
        adjusted = np.full(len(p), np.nan)
        if finite.any():
            adjusted[finite] = multipletests(p[finite], alpha=alpha, method=method)[1]
        for r, q in zip(block, adjusted):
            r["p_adjusted"] = float(q)
            r["significant"] = bool(q < alpha) if np.isfinite(q) else False
            r["correction"] = method
        rows += block
    out = pd.DataFrame(rows)
    return out.rename(columns={"n_treated": "n_arm", "mean_treated": "mean_arm"}).set_index(["arm", "outcome"])


class MultiArmUplift:
    """One uplift learner per arm against the control, and the chance to buy without a coupon.

    Parameters
    ----------
    learner : a two-group learner of :mod:`ecomkit.uplift.models` (e.g. ``TLearner(clf)``), cloned per arm
        and fitted on that arm's and the control's customers.
    baseline : a scikit-learn classifier (0/1 outcome) or regressor fitted on the control's customers:
        P(buy | x, no coupon). Default: none (``predict_baseline`` then raises).
    value : a scikit-learn regressor of the order value, fitted on the buyers of every group when ``fit``
        gets ``revenue`` (a coupon is assumed to change who buys, not how much a buyer spends). Default:
        none (``predict_value`` then raises).

    Attributes: ``arms_`` (labels), ``learners_`` (arm -> fitted learner), ``baseline_``, ``value_``.

    >>> model = MultiArmUplift(TLearner(clf), clf).fit(X, y, arm, control="control")   # doctest: +SKIP
    >>> model.predict(X_new)         # one column of predicted uplift per arm          # doctest: +SKIP
    """

    def __init__(self, learner, baseline=None, value=None):
        self.learner = learner
        self.baseline = baseline
        self.value = value

    def fit(self, X, y, arm, control: str = "0", revenue=None):
        labels = np.asarray(pd.Series(np.asarray(arm)).astype(str))
        y = np.asarray(y, dtype=float)
        if not len(labels) == len(y) == len(X):
            raise ValueError(f"X, y and arm have different lengths: {len(X)}, {len(y)}, {len(labels)}")
        self.control_ = str(control)
        self.arms_ = [a for a in sorted(pd.unique(labels)) if a != self.control_]
        if not self.arms_ or not (labels == self.control_).any():
            raise ValueError(f"the training data needs the control ({self.control_!r}) and at least one arm; "
                             f"groups present: {sorted(pd.unique(labels))}")
        rows = np.arange(len(labels))
        self.learners_ = {}
        for a in self.arms_:
            mask = (labels == a) | (labels == self.control_)
            idx = rows[mask]
            X_a = X.iloc[idx] if isinstance(X, pd.DataFrame) else np.asarray(X)[idx]
            self.learners_[a] = clone(self.learner).fit(X_a, y[idx], (labels[idx] == a).astype(int))
        if self.baseline is not None:
            idx = rows[labels == self.control_]
            X_0 = X.iloc[idx] if isinstance(X, pd.DataFrame) else np.asarray(X)[idx]
            self.baseline_ = clone(self.baseline).fit(X_0, y[idx])
        if self.value is not None and revenue is not None:
            idx = rows[y == 1]
            if len(idx) < 2:
                raise ValueError(f"{len(idx)} buyer(s) in the training data: too few to model the order value")
            X_b = X.iloc[idx] if isinstance(X, pd.DataFrame) else np.asarray(X)[idx]
            self.value_ = clone(self.value).fit(X_b, np.asarray(revenue, dtype=float)[idx])
        return self

    def predict(self, X) -> pd.DataFrame:
        """Predicted uplift of each arm (columns, in ``arms_`` order) for each row of ``X``."""
        if not hasattr(self, "learners_"):
            raise RuntimeError("MultiArmUplift is not fitted yet: call fit(X, y, arm, control) first")
        return pd.DataFrame({a: np.asarray(m.predict(X), dtype=float) for a, m in self.learners_.items()})

    def predict_baseline(self, X) -> np.ndarray:
        """P(buy | x) without a coupon (or E[y | x] for a regressor)."""
        if not hasattr(self, "baseline_"):
            raise RuntimeError("MultiArmUplift has no baseline model: pass baseline= and fit again")
        return _predicted_outcome(self.baseline_, X)

    def predict_value(self, X) -> np.ndarray:
        """Expected order value of a buyer (the unit of ``revenue``), never below 0."""
        if not hasattr(self, "value_"):
            raise RuntimeError("MultiArmUplift has no value model: pass value= and fit with revenue=")
        return np.clip(np.asarray(self.value_.predict(X), dtype=float), 0.0, None)


def arm_profit(uplift: pd.DataFrame, baseline, margin: float, value_per_conversion,
               coupon_costs: Mapping[str, float]) -> pd.DataFrame:
    """Expected incremental profit of sending each arm to each customer, against sending nothing.

    Per customer and arm a: ``margin * value_per_conversion * uplift_a - coupon_costs[a] * P(buy | a)``
    (``value_per_conversion`` one amount, or one per customer, e.g. :meth:`MultiArmUplift.predict_value`),
    with ``P(buy | a) = baseline + uplift_a`` clipped to [0, 1] (every buyer with a coupon redeems it).
    ``uplift``: one column per arm (:meth:`MultiArmUplift.predict`); ``baseline``: P(buy | no coupon).
    """
    base = np.asarray(baseline, dtype=float)
    value_per_conversion = np.asarray(value_per_conversion, dtype=float)
    out = {}
    for a in uplift.columns:
        u = uplift[a].to_numpy(dtype=float)
        out[a] = margin * value_per_conversion * u - float(coupon_costs[a]) * np.clip(base + u, 0.0, 1.0)
    return pd.DataFrame(out, index=uplift.index)


def best_arm(profit: pd.DataFrame, control: str = "0", arms: Sequence[str] | None = None) -> np.ndarray:
    """Each customer's arm of highest expected profit (:func:`arm_profit`), or ``control`` (send nothing)
    when no arm's profit is above 0. ``arms`` restricts the choice (e.g. one arm: that arm or nothing)."""
    cols = list(arms) if arms is not None else list(profit.columns)
    values = profit[cols].to_numpy(dtype=float)
    pick = np.asarray(cols, dtype=object)[np.argmax(values, axis=1)]
    return np.where(values.max(axis=1) > 0, pick, str(control)).astype(object)


def policy_profit(frame: pd.DataFrame, policy, margin: float, coupon_costs: Mapping[str, float], *,
                  value_per_conversion: float | None = None, arm: str = "arm", control: str = "0",
                  converted: str = "converted", revenue: str = "revenue",
                  population: int | None = None) -> pd.Series:
    """Expected incremental profit of a policy (an arm or ``control`` per customer), from randomised customers.

    For each arm a the policy picks, among the customers it sends a to (``n_a``): conv_a and conv_0 are
    the conversion rates of those who were in arm a and in the control in the experiment, rev_a and rev_0
    their revenue per customer (or the conversions times ``value_per_conversion``)::

        profit_a = n_a * (margin * (rev_a - rev_0) - coupon_costs[a] * conv_a)

    — the experiment's estimate inside the group the policy chose, as in
    :func:`~ecomkit.uplift.targeting_profit_curve`. Totals for ``population`` customers (default
    ``len(frame)``). ``se`` is the standard error of the total (the groups' per-customer profit variances
    over their sizes, the arms' parts independent), for judging two policies' difference against noise.
    A group the policy sends an arm to that holds no customer of that arm or of the control in the
    experiment gives NaN. Returns the total (``incremental_profit``), ``se``, ``customers_sent``,
    ``incremental_conversions``, ``coupons_redeemed`` and ``sent_<arm>`` per arm.
    """
    chosen = np.asarray(policy, dtype=object).astype(str)
    groups = frame[arm].astype(str).to_numpy()
    y = frame[converted].to_numpy(dtype=float)
    r = frame[revenue].to_numpy(dtype=float) if value_per_conversion is None else y * float(value_per_conversion)
    scale = (population if population is not None else len(frame)) / len(frame)
    total = {"incremental_profit": 0.0, "se": 0.0, "customers_sent": 0.0, "incremental_conversions": 0.0,
             "coupons_redeemed": 0.0}
    variance = 0.0
    for a, cost in coupon_costs.items():
        sent = chosen == str(a)
        total[f"sent_{a}"] = float(sent.sum() * scale)
        if not sent.any():
            continue
        in_arm, in_control = sent & (groups == str(a)), sent & (groups == str(control))
        if not in_arm.any() or not in_control.any():
            for key in ("incremental_profit", "incremental_conversions", "coupons_redeemed"):
                total[key] = np.nan
            variance = np.nan
            continue
        n = sent.sum() * scale
        conv_a, conv_0 = y[in_arm].mean(), y[in_control].mean()
        rev_a, rev_0 = r[in_arm].mean(), r[in_control].mean()
        total["incremental_profit"] += n * (margin * (rev_a - rev_0) - float(cost) * conv_a)
        total["incremental_conversions"] += n * (conv_a - conv_0)
        total["coupons_redeemed"] += n * conv_a
        total["customers_sent"] += n
        profit_a = margin * r[in_arm] - float(cost) * y[in_arm]
        var_a = np.var(profit_a, ddof=1) / in_arm.sum() if in_arm.sum() > 1 else np.nan
        var_0 = np.var(margin * r[in_control], ddof=1) / in_control.sum() if in_control.sum() > 1 else np.nan
        variance += n ** 2 * (var_a + var_0)
    total["se"] = float(np.sqrt(variance)) if np.isfinite(variance) else np.nan
    return pd.Series(total)


def arm_qini_scores(y_true, uplift: pd.DataFrame, arm, control: str = "0") -> pd.Series:
    """Qini AUC of each arm's predicted uplift, on that arm's and the control's customers only."""
    from ecomkit.uplift.metrics import qini_auc_score

    labels = np.asarray(pd.Series(np.asarray(arm)).astype(str))
    y = np.asarray(y_true, dtype=float)
    scores = {}
    for a in uplift.columns:
        mask = (labels == str(a)) | (labels == str(control))
        scores[a] = qini_auc_score(y[mask], uplift[a].to_numpy()[mask], (labels[mask] == str(a)).astype(int))
    return pd.Series(scores, name="qini_auc")
