"""The checks every uplift function makes on its 0/1 inputs: treatment flags, both groups present, 0/1 outcomes.

One place for them so that a bad treatment column gets the same message from the A/B tests, the
learners, the metrics and the profit curve.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["treatment_flags", "require_both_groups", "is_zero_one"]


def treatment_flags(treatment) -> np.ndarray:
    """``treatment`` (list, array, Series of 0/1 or bools) as an int64 array; anything else raises ValueError.

    >>> treatment_flags([True, False, 1.0])
    array([1, 0, 1])
    """
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


def require_both_groups(t: np.ndarray, what: str = "the data") -> None:
    """Raise ValueError unless the flags ``t`` hold at least one treated (1) and one control (0) customer.

    ``what`` names the data in the message (e.g. "the training data").
    """
    n = len(t)
    if n == 0:
        raise ValueError(f"{what} is empty")
    if t.all():
        raise ValueError(f"all {n:,} observations in {what} are treated (treatment = 1): uplift compares "
                         "treated with control, and there is no control group")
    if not t.any():
        raise ValueError(f"all {n:,} observations in {what} are control (treatment = 0): uplift compares "
                         "treated with control, and there is no treated group")


def is_zero_one(values: np.ndarray) -> bool:
    """True when every value is 0 or 1 (a converted-or-not outcome rather than an amount)."""
    return bool(np.isin(values, (0.0, 1.0)).all())
