"""The exercise machinery: a registry of checks, the verdict they return, and numeric comparison.

Chapter check modules (``ecomkit/exercises/chNN.py``) import from here; :func:`ecomkit.course.check`
looks checks up. Nothing here imports a chapter or the course module, so the import graph is a tree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["Verdict", "exercise", "registered", "close_enough"]


@dataclass(frozen=True)
class Verdict:
    """What :func:`ecomkit.course.check` says about an answer."""

    correct: bool
    message: str


_EXERCISES: dict[str, tuple[str, Callable[[Any], Verdict]]] = {}


def exercise(key: str, task: str) -> Callable:
    """Register ``fn(answer) -> Verdict`` as the check for exercise ``key`` (e.g. ``"00.1"``)."""

    def register(fn: Callable[[Any], Verdict]) -> Callable[[Any], Verdict]:
        _EXERCISES[key] = (task, fn)
        return fn

    return register


def registered() -> dict[str, tuple[str, Callable[[Any], Verdict]]]:
    """The registered checks by key: (task, check function)."""
    return _EXERCISES


def close_enough(answer: Any, expected: float, rel: float = 1e-3, abs_: float = 1e-9, unit: str = "") -> Verdict:
    """Compare a numeric answer with the expected value and explain the gap."""
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Verdict(False, f"expected a number, got {type(answer).__name__}")
    if math.isclose(value, expected, rel_tol=rel, abs_tol=abs_):
        return Verdict(True, f"{value:,.4g}{unit} matches.")
    gap = value / expected if expected else float("nan")
    hint = ""
    if expected and 90 < gap < 110:
        hint = " It is about 100x too large: a share should be a fraction, not a percent."
    elif expected and 0.009 < gap < 0.011:
        hint = " It is about 100x too small: check percent vs fraction."
    return Verdict(False, f"{value:,.4g}{unit} differs from the expected {expected:,.4g}{unit}.{hint}")
