"""Uplift metrics, plain functions of ``(y_true, uplift, treatment)`` with scikit-uplift's definitions.

Curves: :func:`qini_curve`, :func:`uplift_curve` and the best curves the outcomes allow,
:func:`perfect_qini_curve`, :func:`perfect_uplift_curve`. Scores: :func:`qini_auc_score`,
:func:`uplift_auc_score` (normalised areas, 1 perfect, 0 random), :func:`uplift_at_k`, and
:func:`qini_auc_null` (what random targeting scores, for significance). Table: :func:`uplift_by_decile`.
``y_true`` is a 0/1 outcome; customers with equal uplift are targeted together.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ecomkit.uplift.inputs import is_zero_one, require_both_groups, treatment_flags

__all__ = ["qini_curve", "uplift_curve", "perfect_qini_curve", "perfect_uplift_curve", "qini_auc_score",
           "uplift_auc_score", "uplift_at_k", "qini_auc_null", "uplift_by_decile"]


def _metric_inputs(y_true, uplift, treatment):
    y = np.asarray(y_true)
    u = np.asarray(uplift, dtype=float)
    t = treatment_flags(treatment)
    if y.ndim != 1 or u.ndim != 1:
        raise ValueError("y_true and uplift must be one-dimensional")
    if not len(y) == len(u) == len(t):
        raise ValueError(f"y_true, uplift and treatment have different lengths: {len(y)}, {len(u)}, {len(t)}")
    try:
        y = y.astype(float)
    except (TypeError, ValueError):
        raise ValueError("y_true must be 0/1 outcomes") from None
    if not is_zero_one(y):
        raise ValueError("y_true must be 0/1 outcomes (converted or not); found other values")
    if np.isnan(u).any():
        raise ValueError(f"uplift has {int(np.isnan(u).sum())} missing values")
    require_both_groups(t, "y_true/treatment")
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


def _ratio_or_zero(a, b):
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
    q = y_t - _ratio_or_zero(y_c * n_t, n_c)
    return np.r_[0.0, n], np.r_[0.0, q]


def uplift_curve(y_true, uplift, treatment) -> tuple[np.ndarray, np.ndarray]:
    """The uplift curve: (response rate treated - response rate control) among the top n, times n.

    ``U(n) = (Y_T / N_T - Y_C / N_C) * n`` at each cut, a rate counted as 0 while its group is empty.
    Returns ``(n, U)`` starting at 0.
    """
    y, u, t = _metric_inputs(y_true, uplift, treatment)
    n, n_t, n_c, y_t, y_c = _cumulative_at_thresholds(y, u, t)
    return np.r_[0.0, n], np.r_[0.0, (_ratio_or_zero(y_t, n_t) - _ratio_or_zero(y_c, n_c)) * n]


def perfect_qini_curve(y_true, treatment) -> tuple[np.ndarray, np.ndarray]:
    """The best Qini curve these outcomes allow (negative effects included): treated responders
    first, control responders last, everybody else in between."""
    y = np.asarray(y_true, dtype=float)
    t = treatment_flags(treatment)
    return qini_curve(y, y * t - y * (1 - t), t)


def perfect_uplift_curve(y_true, treatment) -> tuple[np.ndarray, np.ndarray]:
    """The best uplift curve these outcomes allow: treated responders and control non-responders
    first, in the order that keeps both response rates defined longest (as scikit-uplift)."""
    y = np.asarray(y_true, dtype=float)
    t = treatment_flags(treatment)
    control_responders = np.sum((y == 1) & (t == 0))
    treated_nonresponders = np.sum((y == 0) & (t == 1))
    second = y if control_responders > treated_nonresponders else t
    return uplift_curve(y, 2.0 * (y == t) + second, t)


def _area_under(x, y) -> float:
    return float(np.trapezoid(y, x))


def _normalised_area(curve, perfect) -> float:
    x, y = curve
    xp, yp = perfect
    random_area = float(xp[-1] * yp[-1]) / 2.0          # the straight line from (0, 0) to the end point
    best = _area_under(xp, yp) - random_area
    if best == 0:
        raise ValueError("the perfect and the random curve coincide (no outcome difference to rank); the "
                         "normalised area is undefined")
    return float((_area_under(x, y) - random_area) / best)


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
