"""Recorded results for reports, and checked exercises for trainees.

A chapter notebook calls :func:`start_run` once (right after its parameters cell), then
:func:`record` for each headline number. Everything is written to ``OUTPUT_DIR/results.json``
as it goes, so a report exists even when a later cell fails. ``ecomkit run`` completes the file
with the notebook path, elapsed time and version.

Exercise notebooks call :func:`check`, which recomputes the expected answer from the data and
says right or wrong, and why. Checks are registered per chapter with :func:`exercise`.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecomkit import __version__

RESULTS_FILE = "results.json"


# --------------------------------------------------------------------------- results.json


def to_jsonable(value: Any) -> Any:
    """Convert numpy / pandas values (scalars, Series, DataFrames) into plain JSON types."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return [to_jsonable(r) for r in value.reset_index().to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return to_jsonable(value.to_dict())
    return value


@dataclass
class Run:
    """The results of one chapter run, mirrored to ``output_dir/results.json``."""

    chapter: str
    output_dir: Path
    data: str
    parameters: dict
    results: dict = field(default_factory=dict)
    ledger: dict | None = None
    truth_check: dict | None = None
    currency: str = "CNY"
    skipped: list = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.output_dir / RESULTS_FILE

    def as_dict(self) -> dict:
        return {
            "chapter": self.chapter,
            "notebook": None,
            "data": self.data,
            "parameters": to_jsonable(self.parameters),
            "currency": self.currency,
            "results": to_jsonable(self.results),
            "ledger": to_jsonable(self.ledger),
            "skipped": to_jsonable(self.skipped),
            "truth_check": to_jsonable(self.truth_check),
            "ecomkit_version": __version__,
            "elapsed_s": None,
        }

    def save(self) -> None:
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.as_dict(), indent=2, ensure_ascii=False), encoding="utf-8")


_current: Run | None = None


def _default_reports() -> Path:
    """``reports/`` in a checkout of the repository; else ``reports/`` in the working folder (a
    pip-installed course run from a trainee's own folder must not write into site-packages)."""
    root = Path(__file__).resolve().parent.parent
    return root / "reports" if (root / "pyproject.toml").exists() else Path.cwd() / "reports"


DEFAULT_REPORTS = _default_reports()


def start_run(chapter: str, output_dir: str | Path | None = None, data: Any = "demo",
              parameters: dict | None = None, currency: str = "CNY") -> Run:
    """Begin recording a chapter's results into ``output_dir/results.json``.

    Parameters
    ----------
    chapter : the chapter key (``start``, ``profiling``, ``pricing``, ``clv``, ``uplift``, ``logistics``).
    output_dir : folder for results.json (created if missing); None means ``reports/<chapter>/`` in
        the repository, where a trainee's interactive runs go.
    data : what the chapter ran on ("demo" or a path); recorded as text.
    parameters : the notebook's parameters, recorded as given.
    currency : ISO code of the amounts (the notebook's ``CURRENCY``), recorded in results.json.
    """
    global _current
    folder = Path(output_dir) if output_dir is not None else DEFAULT_REPORTS / chapter
    _current = Run(chapter=chapter, output_dir=folder, data=str(data), parameters=dict(parameters or {}),
                   currency=str(currency))
    _current.save()
    return _current


def _run() -> Run:
    if _current is None:
        raise RuntimeError("call ecomkit.course.start_run(chapter, output_dir) before recording results")
    return _current


def record(name: str, value: Any) -> Any:
    """Record a headline result under ``name`` and return the value unchanged."""
    run = _run()
    run.results[name] = value
    run.save()
    return value


def skip(section: str, reason: str) -> None:
    """Say in one line that a section does not apply to this data, and why; listed in results.json.

    >>> course.skip("Funnel", "no funnel_daily table: add one to the data folder")   # doctest: +SKIP
    """
    run = _current
    if run is not None:
        run.skipped.append({"section": str(section), "reason": str(reason)})
        run.save()
    print(f"{section}: skipped — {reason}")


def finding(text: str) -> None:
    """Show a finding written from this run's numbers (Markdown), so a report says only what its data says."""
    from IPython.display import Markdown, display

    display(Markdown(text))


def record_ledger(ledger: Any) -> None:
    """Record the row ledger (a RowLedger or its dict) of the data the chapter used."""
    run = _run()
    run.ledger = ledger.to_dict() if hasattr(ledger, "to_dict") else dict(ledger)
    run.save()


def record_truth_check(check: dict | None) -> None:
    """Record the ground-truth comparison (``None`` when the data has no truth)."""
    run = _run()
    run.truth_check = check
    run.save()


def truth_check_row(name: str, estimate: float, truth: float, tolerance: float, rule: str) -> dict:
    """One ground-truth comparison: passes when ``|estimate - truth| <= tolerance``."""
    passed = bool(abs(float(estimate) - float(truth)) <= float(tolerance))
    return {"name": name, "estimate": float(estimate), "truth": float(truth),
            "tolerance": float(tolerance), "rule": rule, "passed": passed}


# --------------------------------------------------------------------------- exercises


def check(key: str, answer: Any) -> bool:
    """Check a trainee's answer to exercise ``key``; print right/wrong with the reason.

    Returns True when right, False when wrong or not answered yet (``answer`` is None or ...).
    """
    from ecomkit.exercises import register_all
    from ecomkit.exercises.grading import Verdict, registered

    register_all()
    checks = registered()
    if key not in checks:
        known = ", ".join(sorted(checks))
        raise KeyError(f"no exercise {key!r}; known exercises: {known}")
    task, fn = checks[key]
    if answer is None or answer is Ellipsis:
        print(f"[{key}] not answered yet: {task}")
        return False
    try:
        verdict = fn(answer)
    except Exception as exc:  # a malformed answer is feedback, not a crash
        verdict = Verdict(False, f"could not check this answer ({type(exc).__name__}: {exc})")
    mark = "right" if verdict.correct else "not yet"
    print(f"[{key}] {mark}: {verdict.message}")
    return verdict.correct
