"""DataError and the one-line messages every reader uses.

A message's first line stands alone: the column, the problem, the count, the first rows and
values, and the fix written as the command-line option an analyst types (``--map``, ``--clean``,
``--dayfirst`` ...). Rows are data rows counted from 1 below the header for files, and index
labels for DataFrames.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

__all__ = ["DataError", "SourceInfo", "SOURCE_ROW", "row_error", "describe_value", "suggest_column",
           "list_columns", "MAX_EXAMPLES"]

SOURCE_ROW = "__ecomkit_row__"  # internal column: where each row came from (dropped before returning)
MAX_EXAMPLES = 5


class DataError(ValueError):
    """Bad input data. ``str(err)``'s first line stands alone; later lines (if any) say more.

    Attributes (``None`` where they do not apply): ``column``, ``count``, ``rows`` (row labels as
    described in the message), ``values`` (the offending values, same order as ``rows``).
    """

    def __init__(self, message: str, *, column: str | None = None, count: int | None = None,
                 rows: list | None = None, values: list | None = None, hint: str | None = None):
        message = " ".join(str(message).splitlines())  # the first line must carry everything
        self.summary = message
        self.column = column
        self.count = count
        self.rows = rows
        self.values = values
        self.hint = hint
        super().__init__(message if not hint else f"{message}\n{hint}")


@dataclass
class SourceInfo:
    """Where the data came from, for messages."""

    name: str        # file name or "DataFrame"
    by_index: bool   # True: rows are DataFrame index labels; False: 1-based data rows

    @property
    def row_word(self) -> str:
        return "index" if self.by_index else "row"

    @property
    def rows_word(self) -> str:
        return "index labels" if self.by_index else "rows"

    @property
    def row_note(self) -> str:
        return "(rows given by DataFrame index label)" if self.by_index else "(rows counted from 1 below the header)"


def describe_value(value: Any, width: int = 40) -> str:
    """A value as it appears in an error message ('<blank>' for missing ones)."""
    if value is None or (not isinstance(value, (list, tuple, dict, np.ndarray)) and pd.isna(value)):
        return "<blank>"
    if isinstance(value, pd.Timestamp):
        return str(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return repr(float(value))
    text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= width else text[: width - 4] + "...'"


def row_error(df: pd.DataFrame, mask, column: str, problem: str, ctx: SourceInfo, *,
              values: pd.Series | None = None, fix: str | None = None, hint: str | None = None) -> DataError:
    """The standard one-line error: column, count + problem, first rows and values, the fix."""
    mask = np.asarray(mask, dtype=bool)
    count = int(mask.sum())
    if values is None:
        values = df[column]
    rows = df.loc[mask, SOURCE_ROW].iloc[:MAX_EXAMPLES].tolist()
    vals = pd.Series(values).reset_index(drop=True)[mask].iloc[:MAX_EXAMPLES].tolist()
    text = ", ".join(f"{ctx.row_word} {r}: {describe_value(v)}" for r, v in zip(rows, vals))
    more = "" if count <= MAX_EXAMPLES else ", ..."
    message = (f"column '{column}': {problem} in {count:,} row{'' if count == 1 else 's'} — "
               f"{text}{more} {ctx.row_note}")
    if fix:
        message += f"; {fix}"
    return DataError(message, column=column, count=count, rows=rows, values=vals, hint=hint)


def _squash(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", str(name)).lower()


def suggest_column(wanted: str, available: Iterable[str], aliases: dict[str, list[str]] | None = None) -> str | None:
    """The column of ``available`` most likely meant as ``wanted`` (same name squashed, a known
    alias, or a close spelling), else None. Only used to suggest a ``--map`` in messages."""
    available = [str(c) for c in available]
    squashed = {_squash(c): c for c in available}
    if _squash(wanted) in squashed:
        return squashed[_squash(wanted)]
    for alias in (aliases or {}).get(wanted, []):
        if _squash(alias) in squashed:
            return squashed[_squash(alias)]
    close = difflib.get_close_matches(wanted, available, n=1, cutoff=0.75)
    return close[0] if close else None


def list_columns(cols: Iterable) -> str:
    cols = [str(c) for c in cols if c != SOURCE_ROW]
    shown = ", ".join(repr(c) for c in cols[:30])
    return shown + (f", ... ({len(cols)} in all)" if len(cols) > 30 else "")
