"""The row ledger: every row of a file is either kept or dropped by a named rule, and counted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["RowLedger"]


@dataclass
class RowLedger:
    """Rows in, every dropping step (rule, description, rows) in order, flags on kept rows, notes.

    ``rows_in - rows_dropped == rows_kept`` holds by construction; :meth:`check` asserts that it
    matches a frame's length. ``flag`` counts kept rows with a property a reader should know
    about (a zero-value order, a returned order); ``note`` records value fixes that drop nothing.
    """

    rows_in: int
    steps: list[tuple[str, str, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    flags: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def rows_dropped(self) -> int:
        return sum(n for _, _, n in self.steps)

    @property
    def rows_kept(self) -> int:
        return self.rows_in - self.rows_dropped

    def drop(self, reason: str, description: str, mask_or_count: Any) -> int:
        """Record a step that drops rows: a boolean mask (True = dropped) or a count. Returns the count."""
        if isinstance(mask_or_count, (bool, np.bool_)):
            raise TypeError("drop() takes a boolean mask or an integer count, not a single bool")
        if isinstance(mask_or_count, (int, np.integer)):
            n = int(mask_or_count)
        else:
            n = int(np.asarray(mask_or_count, dtype=bool).sum())
        if n < 0:
            raise ValueError(f"cannot drop a negative number of rows ({n})")
        if n > self.rows_kept:
            raise ValueError(f"step {reason!r} drops {n} rows but only {self.rows_kept} are left")
        self.steps.append((str(reason), str(description), n))
        return n

    def flag(self, reason: str, description: str, count: int) -> None:
        """Count kept rows that carry a property worth reporting (nothing is dropped)."""
        if count:
            self.flags.append((str(reason), str(description), int(count)))

    def note(self, text: str) -> None:
        """Record a fix that changed values but dropped nothing."""
        self.notes.append(str(text))

    def check(self, n_rows: int) -> None:
        """Assert the ledger's arithmetic and that it accounts for a frame of ``n_rows`` rows."""
        assert self.rows_in - self.rows_dropped == self.rows_kept
        assert self.rows_kept == n_rows, (
            f"row ledger out of step: {self.rows_in} in - {self.rows_dropped} dropped "
            f"= {self.rows_kept}, but the frame has {n_rows} rows"
        )

    def dropped(self) -> dict[str, int]:
        """Rows dropped per reason (reasons repeated across steps are summed), in step order."""
        out: dict[str, int] = {}
        for reason, _, n in self.steps:
            out[reason] = out.get(reason, 0) + n
        return out

    def flagged(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for reason, _, n in self.flags:
            out[reason] = out.get(reason, 0) + n
        return out

    def to_dict(self) -> dict:
        return {
            "rows_in": int(self.rows_in),
            "rows_kept": int(self.rows_kept),
            "dropped": self.dropped(),
            "flagged": self.flagged(),
            "notes": list(self.notes),
        }

    def to_frame(self) -> pd.DataFrame:
        """A small table for notebooks: one line per step with rows dropped and rows left."""
        rows = [("rows in", "", 0, self.rows_in)]
        left = self.rows_in
        for reason, description, n in self.steps:
            left -= n
            rows.append((description, reason, n, left))
        for reason, description, n in self.flags:
            rows.append((f"{description} (kept)", reason, 0, left))
        return pd.DataFrame(rows, columns=["step", "reason", "rows_dropped", "rows_left"])

    def summary(self) -> str:
        """One line for a report: '69,125 rows in, 67,153 kept: 1,972 cancelled, ...'."""
        parts = [f"{n:,} {reason.replace('_', ' ')}" for reason, n in self.dropped().items() if n]
        text = f"{self.rows_in:,} rows in, {self.rows_kept:,} kept"
        return text + (f"; dropped: {', '.join(parts)}" if parts else "; nothing dropped")

    def __str__(self) -> str:
        parts = [f"{self.rows_in:,} rows in"]
        parts += [f"-{n:,} {reason}" for reason, _, n in self.steps if n]
        parts.append(f"= {self.rows_kept:,} kept")
        return " ".join(parts)
