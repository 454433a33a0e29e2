"""Promotion uplift (促销效果与增量) — chapter 04: A/B tests done right, uplift models, Qini curves and
profit-optimal targeting of a coupon.

``import ecomkit.uplift as uplift`` gives every name below; the modules, in the order the chapter
meets them (compute first, plots last):

- **loading** (re-exported from :mod:`ecomkit.io`): :func:`load_campaign` reads and validates a
  campaign table (one row per customer: pre-period features, ``arm`` (the group's label: the control or
  one of several arms) and ``treatment`` (1 in any arm), ``converted`` 0/1,
  optionally ``revenue`` and ``coupon_cost``) into a :class:`CampaignData` with a
  :class:`~ecomkit.io.RowLedger`; :data:`RESERVED_COLUMNS` are the columns that are not features.
- ``abtest.py``: :func:`ab_test`, :func:`ab_summary` (differences with confidence intervals and the
  statsmodels test), :func:`minimum_detectable_effect`, :func:`sample_size`, :func:`power_of_test` and
  the ``_mean`` versions for revenue per user, :func:`cuped` variance reduction, :func:`before_after`
  and :func:`before_after_estimates` (why before/after misleads).
- ``models.py``: :func:`design_matrix` (features → model input) and the learners on any scikit-learn
  estimator, one shape ``fit(X, y, treatment)`` / ``predict(X)`` → uplift: :class:`SLearner`,
  :class:`TLearner`, :class:`ClassTransformation`, :class:`XLearner`.
- ``metrics.py``: plain functions of ``(y_true, uplift, treatment)`` with scikit-uplift's definitions:
  :func:`qini_curve`, :func:`qini_auc_score`, :func:`uplift_curve`, :func:`uplift_auc_score`,
  :func:`uplift_at_k`, :func:`perfect_qini_curve`, :func:`perfect_uplift_curve`, :func:`qini_auc_null`
  (the score of random targeting, for significance) and :func:`uplift_by_decile`.
- ``targeting.py``: :func:`targeting_profit_curve` (expected incremental profit of sending to the
  top k%) and :func:`optimal_targeting`.
- ``plots.py``: :func:`plot_before_after`, :func:`plot_qini_curves`, :func:`plot_uplift_curves`,
  :func:`plot_uplift_by_decile`, :func:`plot_targeting_profit_curves`, :func:`plot_kinds_by_decile`.
- ``guards.py`` (before any effect): :func:`sample_ratio_test` (SRM, chi-square), :func:`balance_table`
  (standardised mean differences with a sample-size-based chance limit, Holm-corrected) and
  :func:`screen_features` (the model's features; outcome-named columns, functions of the group label and
  columns imbalanced beyond chance are excluded with their reason, :class:`FeatureScreen`).
- ``arms.py`` (several arms): :func:`arm_effects` (each arm against the control, multiple-comparison
  corrected), :class:`MultiArmUplift` (one learner per arm), :func:`arm_profit`, :func:`best_arm`,
  :func:`policy_profit` and :func:`arm_qini_scores`.
- ``inputs.py``: the checks of treatment flags and 0/1 outcomes the modules above share.

The rules (tie handling, normalisation, the profit formula, the loader's cleaning rules) are written
out in ``docs/uplift.md``.
"""

from __future__ import annotations

from ecomkit.io import CampaignData, load_campaign
from ecomkit.io.tables.campaign import RESERVED_COLUMNS
from ecomkit.uplift.arms import MultiArmUplift, arm_effects, arm_profit, arm_qini_scores, best_arm, policy_profit
from ecomkit.uplift.guards import BALANCE_ALPHA, FeatureScreen, balance_table, sample_ratio_test, screen_features
from ecomkit.uplift.abtest import (ab_summary, ab_test, before_after, before_after_estimates, cuped,
                                   minimum_detectable_effect, minimum_detectable_effect_mean, power_of_test,
                                   sample_size, sample_size_mean)
from ecomkit.uplift.metrics import (perfect_qini_curve, perfect_uplift_curve, qini_auc_null, qini_auc_score,
                                    qini_curve, uplift_at_k, uplift_auc_score, uplift_by_decile, uplift_curve)
from ecomkit.uplift.models import ClassTransformation, SLearner, TLearner, XLearner, design_matrix
from ecomkit.uplift.plots import (plot_arm_effects, plot_balance, plot_before_after, plot_kinds_by_decile,
                                  plot_qini_curves,
                                  plot_targeting_profit_curves, plot_uplift_by_decile, plot_uplift_curves)
from ecomkit.uplift.targeting import optimal_targeting, targeting_profit_curve

__all__ = [
    "CampaignData", "load_campaign", "design_matrix", "RESERVED_COLUMNS",
    "ab_test", "ab_summary", "minimum_detectable_effect", "minimum_detectable_effect_mean",
    "sample_size", "sample_size_mean", "power_of_test", "cuped", "before_after",
    "before_after_estimates",
    "SLearner", "TLearner", "ClassTransformation", "XLearner",
    "qini_curve", "qini_auc_score", "uplift_curve", "uplift_auc_score", "uplift_at_k",
    "perfect_qini_curve", "perfect_uplift_curve", "qini_auc_null", "uplift_by_decile",
    "targeting_profit_curve", "optimal_targeting",
    "plot_before_after", "plot_qini_curves", "plot_uplift_curves", "plot_uplift_by_decile",
    "plot_targeting_profit_curves", "plot_kinds_by_decile", "plot_balance", "plot_arm_effects",
    "sample_ratio_test", "balance_table", "screen_features", "FeatureScreen", "BALANCE_ALPHA",
    "arm_effects", "MultiArmUplift", "arm_profit", "best_arm", "policy_profit", "arm_qini_scores",
]
