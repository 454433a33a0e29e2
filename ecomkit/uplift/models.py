"""Uplift models: the design matrix and four learners on any scikit-learn estimator.

Every learner has one shape, ``fit(X, y, treatment)`` returning self and ``predict(X)`` returning the
predicted uplift per row (P(buy | coupon) - P(buy | no coupon) for a classifier, the difference in
the expected amount for a regressor): :class:`SLearner`, :class:`TLearner`,
:class:`ClassTransformation`, :class:`XLearner`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone, is_classifier

from ecomkit.io.tables.campaign import RESERVED_COLUMNS
from ecomkit.uplift.inputs import is_zero_one, require_both_groups, treatment_flags

__all__ = ["design_matrix", "SLearner", "TLearner", "ClassTransformation", "XLearner"]


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


def _training_inputs(X, y, treatment):
    t = treatment_flags(treatment)
    y = np.asarray(y, dtype=float)
    if len(y) != len(t) or len(X) != len(t):
        raise ValueError(f"X, y and treatment have different lengths: {len(X)}, {len(y)}, {len(t)}")
    if np.isnan(y).any():
        raise ValueError("y has missing values")
    require_both_groups(t, "the training data")
    return X, y, t


def _rows_where(X, mask):
    return X[mask] if not isinstance(X, pd.DataFrame) else X.loc[np.asarray(mask, dtype=bool)]


def _predicted_outcome(model, X) -> np.ndarray:
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
        X, y, t = _training_inputs(X, y, treatment)
        self._remember_features(X)
        self.estimator_ = clone(self.estimator).fit(_with_treatment(X, t), y)
        return self

    def predict(self, X) -> np.ndarray:
        self._check_fitted("estimator_")
        treated = _predicted_outcome(self.estimator_, _with_treatment(X, 1))
        return treated - _predicted_outcome(self.estimator_, _with_treatment(X, 0))


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
        X, y, t = _training_inputs(X, y, treatment)
        self._remember_features(X)
        self.estimator_treated_ = clone(self.estimator).fit(_rows_where(X, t == 1), y[t == 1])
        control = self.control_estimator if self.control_estimator is not None else self.estimator
        self.estimator_control_ = clone(control).fit(_rows_where(X, t == 0), y[t == 0])
        return self

    def predict(self, X) -> np.ndarray:
        self._check_fitted("estimator_treated_")
        return _predicted_outcome(self.estimator_treated_, X) - _predicted_outcome(self.estimator_control_, X)


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
        X, y, t = _training_inputs(X, y, treatment)
        if not is_zero_one(y):
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
        return 2.0 * _predicted_outcome(self.estimator_, X) - 1.0


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
        X, y, t = _training_inputs(X, y, treatment)
        self._remember_features(X)
        X1, X0 = _rows_where(X, t == 1), _rows_where(X, t == 0)
        self.outcome_treated_ = clone(self.estimator).fit(X1, y[t == 1])
        self.outcome_control_ = clone(self.estimator).fit(X0, y[t == 0])
        if self.effect_estimator is None:
            from sklearn.ensemble import HistGradientBoostingRegressor

            effect = HistGradientBoostingRegressor()
        else:
            effect = self.effect_estimator
        self.effect_treated_ = clone(effect).fit(X1, y[t == 1] - _predicted_outcome(self.outcome_control_, X1))
        self.effect_control_ = clone(effect).fit(X0, _predicted_outcome(self.outcome_treated_, X0) - y[t == 0])
        self.treatment_share_ = float(t.mean())
        return self

    def predict(self, X) -> np.ndarray:
        self._check_fitted("effect_treated_")
        g = self.treatment_share_
        return g * np.asarray(self.effect_control_.predict(X)) + (1 - g) * np.asarray(self.effect_treated_.predict(X))
