"""The one reader: open → map → blank and totals rows → duplicates → parse → the table's rules → guard.

:func:`read_table` applies a :class:`~ecomkit.io.spec.TableSpec` to a file or DataFrame and returns
``(frame, ledger)``. Every rule is named, has a default, and every row it removes is counted in the
:class:`~ecomkit.io.ledger.RowLedger`. A rule left at its default that would remove more than
``max_drop_share`` of the rows stops with one line instead (that is almost always a wrong ``--map``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ecomkit.io import parse
from ecomkit.io.errors import SOURCE_ROW, DataError, SourceInfo, list_columns, row_error, suggest_column
from ecomkit.io.ledger import RowLedger
from ecomkit.io.open import read_source
from ecomkit.io.spec import TableSpec, translate_legacy

__all__ = ["ReadOptions", "Reading", "read_table", "OPTION_NAMES"]

#: reading options every table takes (the rest of ``CLEANING`` are rule actions)
OPTION_NAMES = ("preset", "start", "end", "date_format", "dayfirst", "timezone", "status_map", "decimal",
                "encoding", "sheet", "clean", "max_drop_share", "require", "regions")


@dataclass
class ReadOptions:
    """How to read one table; the command line fills these (see docs/ingestion.md)."""

    columns: dict[str, str] = field(default_factory=dict)
    preset: str | None = None
    start: Any = None
    end: Any = None
    date_format: str | None = None
    dayfirst: bool | None = None
    timezone: str | None = None
    status_map: dict[str, str] = field(default_factory=dict)
    decimal: str = "auto"
    encoding: str | None = None
    sheet: Any = None
    clean: dict[str, str] = field(default_factory=dict)
    max_drop_share: float = 0.5
    require: tuple[str, ...] = ()
    regions: Any = None   # a regions table (region, lat, lon, remote): the places shipments may go to


def _yes_no():
    from ecomkit.io import vocab

    return frozenset(vocab.YES_WORDS), frozenset(vocab.NO_WORDS)


class Reading:
    """A table being read: the frame, where it came from, its ledger and its options.

    The table's own cleaning step works through :meth:`drop`, :meth:`flag`, :meth:`action` and
    :meth:`error`, so every rule is counted and guarded the same way.
    """

    def __init__(self, spec: TableSpec, df: pd.DataFrame, ctx: SourceInfo, ledger: RowLedger, options: ReadOptions):
        self.spec, self.df, self.ctx, self.ledger, self.options = spec, df, ctx, ledger, options
        self.rules = spec.all_rules()
        self.currency: str | None = None
        self.required = tuple(dict.fromkeys(spec.required + tuple(options.require)))
        for name, action in options.clean.items():
            if name not in self.rules:
                near = difflib.get_close_matches(name, list(self.rules), n=1, cutoff=0.6)
                maybe = f" (did you mean {near[0]!r}?)" if near else ""
                raise DataError(f"unknown cleaning rule {name!r} for the {spec.label}{maybe}; its rules are: "
                                f"{', '.join(sorted(self.rules))}")
            if action not in self.rules[name].actions:
                raise DataError(f"--clean {name}={action}: the action must be one of "
                                f"{', '.join(self.rules[name].actions)}")

    # -- rules --------------------------------------------------------------------------------
    def action(self, rule: str) -> str:
        """The action chosen for ``rule`` (the user's, else the default)."""
        return self.options.clean.get(rule, self.rules[rule].default)

    def explicit(self, rule: str) -> bool:
        return rule in self.options.clean

    def has(self, column: str) -> bool:
        return column in self.df.columns

    def drop(self, mask, rule: str, description: str, *, guard: bool = True) -> int:
        """Remove the rows in ``mask`` under ``rule``: counted, and guarded when at its default."""
        mask = np.asarray(mask, dtype=bool)
        n = int(mask.sum())
        if n == 0 and rule not in ("before_start", "after_end"):
            return 0
        if guard and not self.explicit(rule) and n and self.ledger.rows_in:
            share = n / self.ledger.rows_in
            if share > self.options.max_drop_share:
                first = self.df.loc[mask, SOURCE_ROW].iloc[:3].tolist()
                raise DataError(
                    f"rule '{rule}' would drop {n:,} of {self.ledger.rows_in:,} rows ({share:.0%}: {description}; "
                    f"{self.ctx.rows_word} {', '.join(map(str, first))}, ...) — that is usually a wrong --map; check "
                    f"it, or keep going with --clean {rule}=drop (or raise --max-drop-share)",
                    column=None, count=n, rows=first)
        self.ledger.drop(rule, description, mask)
        if n:
            self.df = self.df.loc[~mask].reset_index(drop=True)
        return n

    def flag(self, mask_or_count, rule: str, description: str) -> None:
        n = int(mask_or_count) if np.isscalar(mask_or_count) else int(np.asarray(mask_or_count, dtype=bool).sum())
        self.ledger.flag(rule, description, n)

    def error(self, mask, column: str, problem: str, *, fix: str | None = None, values=None, hint=None) -> DataError:
        return row_error(self.df, mask, column, problem, self.ctx, fix=fix, values=values, hint=hint)

    def apply(self, mask, rule: str, column: str, problem: str, description: str) -> int:
        """Drop, keep or refuse the rows in ``mask`` as ``rule``'s action says; returns rows dropped."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return 0
        act = self.action(rule)
        if act == "error":
            other = next(a for a in self.rules[rule].actions if a != "error")
            raise self.error(mask, column, problem, fix=f"pass --clean {rule}={other} to {other} those rows")
        if act == "drop":
            return self.drop(mask, rule, description)
        self.flag(mask, rule, description)
        return 0

    def drop_blanks(self, columns=None) -> None:
        """Rule ``blank_<column>`` for each required column (default: drop, counted)."""
        for col in columns if columns is not None else self.required:
            if col in self.df.columns:
                blank = self.df[col].isna().to_numpy()
                if blank.any():
                    self.apply(blank, f"blank_{col}", col, "blank", f"rows with a blank {col}")


def _preset_map(present: list[str], name: str | None, table: str) -> dict[str, str]:
    if not name:
        return {}
    from ecomkit.io import presets

    return presets.apply_preset(present, name)


def _column_map(df: pd.DataFrame, spec: TableSpec, options: ReadOptions, ctx: SourceInfo) -> dict[str, str]:
    present = [c for c in df.columns if c != SOURCE_ROW]
    mapping = dict(_preset_map(present, options.preset, spec.name))
    user = options.columns or {}
    if not isinstance(user, Mapping):
        raise DataError(f"the column map must be THEIR=OURS pairs, got {type(user).__name__}")
    targets_by_user = {str(v).strip() for v in user.values()}
    mapping = {k: v for k, v in mapping.items() if v not in targets_by_user and k not in user}
    for theirs, ours in user.items():
        key = str(theirs).strip()
        if key not in present:
            near = difflib.get_close_matches(key, present, n=1, cutoff=0.6)
            maybe = f" (did you mean {near[0]!r}?)" if near else ""
            raise DataError(f"--map names {key!r}, which is not a column of {ctx.name}{maybe}; its columns are: "
                            f"{list_columns(present)}", column=key)
        mapping[key] = str(ours).strip()
    targets = list(mapping.values())
    for t in set(targets):
        if targets.count(t) > 1:
            sources = [k for k, v in mapping.items() if v == t]
            raise DataError(f"--map sends {len(sources)} columns to {t!r}: {', '.join(map(repr, sources))}; keep one",
                            column=t)
    for theirs, ours in mapping.items():
        if ours != theirs and ours in present and ours not in mapping:
            raise DataError(f"--map renames {theirs!r} to {ours!r}, but {ctx.name} already has a column {ours!r}; "
                            f"map that one to another name too, e.g. --map {ours}={ours}_original", column=ours)
    return mapping


def _check_required(r: Reading) -> None:
    present = [c for c in r.df.columns if c != SOURCE_ROW]
    for col in r.required:
        if col in r.df.columns:
            continue
        sources = r.spec.derivable.get(col)
        if sources and all(s in r.df.columns for s in sources):
            continue
        near = suggest_column(col, present, r.spec.aliases)
        maybe = f"; if it is {near!r}, pass --map {near}={col}" if near else f"; map yours with --map THEIRS={col}"
        raise DataError(f"required column {col!r} is missing from the {r.spec.label} in {r.ctx.name}{maybe}; "
                        f"columns present: {list_columns(present)}", column=col)
    for group in r.spec.one_of:
        if not any(c in r.df.columns for c in group):
            raise DataError(f"the {r.spec.label} in {r.ctx.name} need one of {', '.join(map(repr, group))}: map a "
                            f"column to it with --map THEIRS={group[0]}; columns present: {list_columns(present)}",
                            column=group[0])


def _totals_mask(df: pd.DataFrame, columns: list[str]) -> np.ndarray:
    from ecomkit.io import vocab

    words = frozenset(vocab.TOTALS_WORDS)
    mask = np.zeros(len(df), dtype=bool)
    for col in dict.fromkeys(columns):
        if col in df.columns and not pd.api.types.is_numeric_dtype(df[col].dtype):
            codes, uniques = pd.factorize(parse.as_text(df[col]))
            u = pd.Series(uniques, dtype=object)
            worded = (~u.str.match(r"^[\d\s.,\-+:/]*$") & (u.str.len() <= 24)).to_numpy()
            hit = np.zeros(len(u) + 1, dtype=bool)
            hit[np.flatnonzero(worded)] = [vocab.normalise_word(w) in words for w in u[worded]]
            mask |= hit[codes]
    return mask


def _parse_columns(r: Reading) -> None:
    """Type every spec column present; unreadable values follow ``unreadable_<column>``."""
    o = r.options
    money_currencies: dict[str, int] = {}
    for col in r.spec.columns:
        if col.name not in r.df.columns:
            continue
        s = r.df[col.name]
        rule = f"unreadable_{col.name}"
        if col.kind == "id":
            if pd.api.types.is_integer_dtype(s.dtype) and not s.hasnans:
                r.df[col.name] = s.astype("int64")   # already whole numbers: nothing to unwrap or strip
                continue
            text = parse.as_text(s)
            sci = parse.scientific_ids(text) if text.dtype == object else pd.Series(False, index=text.index)
            if sci.any():
                raise r.error(sci, col.name, "looks like Excel scientific notation (digits were lost)",
                              hint="Re-export the file with the id column formatted as text.")
            r.df[col.name] = text
            continue
        if col.kind in ("timestamp", "date"):
            res = parse.parse_timestamps(s, date_format=o.date_format, dayfirst=o.dayfirst, timezone=o.timezone)
            if res.conflict:
                raise DataError(f"column '{col.name}': dates are written both day first ({res.conflict[0]!r}) and "
                                f"month first ({res.conflict[1]!r}); pass --date-format with the one pattern, "
                                f"e.g. --date-format \"%d/%m/%Y %H:%M\"", column=col.name)
            if res.ambiguous:
                ex = res.ambiguous[0]
                raise DataError(f"column '{col.name}': dates like {', '.join(map(repr, res.ambiguous))} could be day "
                                f"first or month first (no value has a number above 12 to decide); pass --dayfirst if "
                                f"{ex!r} means day/month/year, or --date-format \"%m/%d/%Y\" if it means "
                                f"month/day/year", column=col.name, values=list(res.ambiguous))
            values, bad = res.values, res.bad
            for note in res.notes:
                r.ledger.note(f"{col.name}: {note}")
            if col.kind == "date":
                timed = values.notna() & (values != values.dt.normalize())
                if timed.any():
                    raise r.error(timed, col.name, "has a time of day (expected dates)",
                                  fix="sum the rows of each day into one first")
            problem = "not a readable date"
            hint = ("Dates may be written 2024-01-05, 2024/1/5 20:15, 20240105, 2024年1月5日, 1/5/2024 or "
                    "5/1/2024 (the values decide the order), Excel serial numbers, or as --date-format says.")
        elif col.kind == "money":
            res = parse.parse_money(s, o.decimal)
            if res.decimal == "mixed":
                raise r.error(res.bad, col.name, "mixes decimal commas (12,50) and decimal points (12.50)",
                              fix="pass --decimal , or --decimal . to say which the file uses")
            values, bad = res.values, res.bad
            if res.cleaned:
                ex = res.example
                r.ledger.note(f"{col.name}: {res.cleaned:,} values had currency symbols or separators removed "
                              f"(e.g. {ex[0]!r} -> {ex[1]:g})")
            for code, n in res.currencies.items():
                money_currencies[code] = money_currencies.get(code, 0) + n
            problem, hint = "not an amount", "Amounts may be numbers or text such as '¥1,234.00', 'R$ 1.234,56', '$12.50'."
        elif col.kind == "count":
            values, bad = parse.parse_counts(s)
            problem, hint = "not a whole number", None
        elif col.kind == "number":
            values, bad = parse.parse_numbers(s)
            problem, hint = "not a number", None
        elif col.kind == "flag":
            yes, no = _yes_no()
            values, bad = parse.parse_flags(s, yes, no)
            problem, hint = "not yes/no (1/0, true/false, yes/no, 是/否)", None
        elif col.kind == "status":
            values, bad = _parse_status(r, s)
            problem, hint = "", None
        elif col.kind == "region":
            r.df[col.name] = _parse_region(r, s, col.name)
            continue
        else:  # text
            r.df[col.name] = parse.as_text(s)
            continue
        if bad.any():
            if r.action(rule) == "error":
                raise r.error(bad, col.name, problem, fix=f"pass --clean {rule}=drop to drop those rows", hint=hint)
            r.df[col.name] = values
            r.drop(bad, rule, f"rows whose {col.name} is not readable")
            continue
        r.df[col.name] = values
        if col.kind in ("count", "number", "money") and (col.positive or col.minimum is not None or col.maximum is not None):
            v = r.df[col.name]
            low = (v <= 0) if col.positive else (v < col.minimum) if col.minimum is not None else v.isna() & False
            high = v > col.maximum if col.maximum is not None else v.isna() & False
            out = (low | high).fillna(False).to_numpy(dtype=bool)
            if out.any():
                what = ("zero or negative" if col.positive else
                        f"outside {col.minimum:g}–{col.maximum:g}" if col.maximum is not None else f"below {col.minimum:g}")
                raise r.error(out, col.name, what)
        if col.kind == "count" and r.df[col.name].notna().all():
            r.df[col.name] = r.df[col.name].astype("int64")
        if col.kind == "flag" and r.df[col.name].notna().all():
            r.df[col.name] = r.df[col.name].astype(bool)
    if money_currencies:
        codes = sorted(money_currencies, key=money_currencies.get, reverse=True)
        r.currency = codes[0]
        r.ledger.note(f"currency read from the amounts: {', '.join(f'{c} ({money_currencies[c]:,} values)' for c in codes)}")


def _parse_status(r: Reading, s: pd.Series) -> tuple[pd.Series, pd.Series]:
    from ecomkit.io import vocab

    text = parse.as_text(s)
    user = {vocab.normalise_word(k): v for k, v in (r.options.status_map or {}).items()}
    for word, status in user.items():
        if status not in vocab.STATUSES:
            raise DataError(f"--status-map {word}={status}: the status must be one of {', '.join(vocab.STATUSES)}")
    codes, uniques = pd.factorize(text)
    normal = [vocab.normalise_word(u) for u in uniques]
    mapped = [user.get(n) or vocab.status_of(n) for n in normal]
    unknown = [i for i, m in enumerate(mapped) if m is None]
    if unknown:
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        listed = sorted(unknown, key=lambda i: -counts[i])
        shown = ", ".join(f"{uniques[i]!r} ({counts[i]:,})" for i in listed[:8])
        more = f" and {len(listed) - 8} more" if len(listed) > 8 else ""
        example = ",".join(f"{uniques[i]}=completed" for i in listed[:2])
        raise DataError(f"column 'status': {len(listed)} status word{'s' if len(listed) > 1 else ''} ecomkit does not "
                        f"know: {shown}{more}; say what each means with --status-map \"{example}\" (statuses: "
                        f"{', '.join(vocab.STATUSES)})", column="status", count=int(counts[listed].sum()),
                        values=[uniques[i] for i in listed[:8]])
    table = np.array(mapped + [np.nan], dtype=object)
    values = pd.Series(table[codes], index=s.index, dtype=object)
    return values, pd.Series(False, index=s.index)


def _parse_region(r: Reading, s: pd.Series, name: str) -> pd.Series:
    from ecomkit.reference import resolve_provinces

    text = parse.as_text(s)
    resolved = resolve_provinces(text)
    changed = resolved.notna() & (resolved != text)
    if changed.any():
        r.ledger.note(f"{name}: {int(changed.sum()):,} values read as Chinese province names "
                      f"(e.g. {text[changed].iloc[0]!r} -> {resolved[changed].iloc[0]!r})")
    return resolved.where(resolved.notna(), text).astype(object)


def _window(r: Reading) -> None:
    o = r.options
    if o.start is None and o.end is None:
        return
    col = r.spec.time_column
    if callable(col):
        col = col(r)
    if col is None or col not in r.df.columns:
        raise DataError(f"START/END need a date column in the {r.spec.label}")
    t0, t1, start_txt, end_txt = window_bounds(o.start, o.end)
    if t0 is not None:
        r.drop((r.df[col] < t0).to_numpy(), "before_start", f"rows before {start_txt}", guard=False)
    if t1 is not None:
        r.drop((r.df[col] >= t1).to_numpy(), "after_end", f"rows after {end_txt}", guard=False)


def window_bounds(start, end):
    """(start inclusive, end exclusive, start text, end text); ``end`` includes its whole day."""
    import datetime as dt

    def conv(v, name):
        if v is None:
            return None
        try:
            ts = pd.Timestamp(v)
        except (ValueError, TypeError) as err:
            raise DataError(f"{name.upper()}={v!r} is not a date ({err})") from None
        if ts is pd.NaT:
            raise DataError(f"{name.upper()}={v!r} is not a date")
        return ts.tz_localize(None) if ts.tzinfo is not None else ts

    s, e = conv(start, "start"), conv(end, "end")
    e_excl = None
    if e is not None:
        whole_day = (isinstance(end, dt.date) and not isinstance(end, dt.datetime)) or e == e.normalize()
        e_excl = e.normalize() + pd.Timedelta(days=1) if whole_day else e + pd.Timedelta(1, "ns")
    if s is not None and e_excl is not None and s >= e_excl:
        raise DataError(f"START ({start}) is after END ({end})")
    s_txt = "" if s is None else (str(s.date()) if s == s.normalize() else str(s))
    e_txt = "" if e is None else (str(e.date()) if e == e.normalize() else str(e))
    return s, e_excl, s_txt, e_txt


def _blank_rows(df: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is missing or only white space."""
    blank = np.ones(len(df), dtype=bool)
    for col in df.columns:
        if col == SOURCE_ROW:
            continue
        s = df[col]
        cell = s.isna().to_numpy()
        if s.dtype == object and not cell.all():
            codes, uniques = pd.factorize(s)
            empty = np.append(pd.Series(uniques, dtype=object).map(
                lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool), True)
            cell |= empty[codes]
        blank &= cell
        if not blank.any():
            break
    return blank


def _hashable(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame
    for col in frame.columns:
        if frame[col].dtype == object and pd.api.types.infer_dtype(frame[col], skipna=True) == "mixed":
            s = frame[col]
            unhashable = s.map(lambda v: isinstance(v, (list, dict, set, np.ndarray)))
            if unhashable.any():
                out = out.copy() if out is frame else out
                out[col] = s.map(lambda v: repr(v) if isinstance(v, (list, dict, set, np.ndarray)) else v)
    return out


def make_options(columns=None, **kwargs) -> ReadOptions:
    """ReadOptions from keyword options; rule actions may be given directly (``zero_amounts="drop"``)."""
    clean = dict(kwargs.pop("clean", None) or {})
    known = {k: kwargs.pop(k) for k in list(kwargs) if k in OPTION_NAMES}
    clean.update({k: v for k, v in kwargs.items()})
    status_map = known.get("status_map") or {}
    if isinstance(status_map, str):
        status_map = dict(pair.split("=", 1) for pair in status_map.split(",") if "=" in pair)
    opts = ReadOptions(columns=dict(columns or {}), clean=clean, status_map=dict(status_map),
                       **{k: v for k, v in known.items() if k != "status_map"})
    if opts.decimal not in ("auto", ".", ","):
        raise DataError(f"--decimal {opts.decimal!r}: use , or .")
    if not 0 < float(opts.max_drop_share) <= 1:
        raise DataError(f"--max-drop-share {opts.max_drop_share}: give a share between 0 and 1")
    opts.require = tuple(opts.require or ())
    return opts


def read_table(spec: TableSpec | str, source, columns: Mapping[str, str] | None = None, **options) -> tuple[pd.DataFrame, RowLedger]:
    """Read one table with its spec; returns ``(frame, ledger)``. See docs/ingestion.md.

    ``options``: ``preset``, ``start``, ``end``, ``date_format``, ``dayfirst``, ``timezone``,
    ``status_map``, ``decimal``, ``encoding``, ``sheet``, ``clean`` (rule -> action),
    ``max_drop_share``, ``require`` (extra required columns), or a rule's action by its name.
    The frame's ``attrs["currency"]`` holds the currency read from the amounts, if any.
    """
    if isinstance(spec, str):
        from ecomkit.io.tables import SPECS

        if spec not in SPECS:
            raise ValueError(f"unknown table {spec!r}; tables: {', '.join(SPECS)}")
        spec = SPECS[spec]
    if spec.legacy:
        options = translate_legacy(dict(options), spec.legacy)
    opts = make_options(columns, **options)
    window_bounds(opts.start, opts.end)  # a bad START/END stops before any work
    df, ctx, notes = read_source(source, what=spec.label, encoding=opts.encoding, sheet=opts.sheet)
    ledger = RowLedger(rows_in=len(df), notes=list(notes))
    r = Reading(spec, df, ctx, ledger, opts)

    r.drop(_blank_rows(r.df), "blank_rows", "rows with no value in any column", guard=False)

    mapping = _column_map(r.df, spec, opts, ctx)
    if mapping:
        r.df = r.df.rename(columns=mapping)
        shown = ", ".join(f"{k} -> {v}" for k, v in mapping.items() if k != v)
        if shown:
            r.ledger.note(f"columns renamed: {shown}")
    _check_required(r)

    first_col = [c for c in r.df.columns if c != SOURCE_ROW][:1]
    key_cols = [c.name for c in spec.columns if c.kind == "id" and c.name in r.df.columns][:1]
    totals = _totals_mask(r.df, first_col + key_cols)
    if totals.any():
        if r.action("totals_rows") == "error":
            raise r.error(totals, (first_col + key_cols)[0], "a totals row", fix="remove it, or --clean totals_rows=drop")
        if r.action("totals_rows") == "drop":
            r.drop(totals, "totals_rows", "totals rows (合计 / Total)", guard=False)

    content = [c for c in r.df.columns if c != SOURCE_ROW]
    dup = _hashable(r.df[content]).duplicated(keep="first").to_numpy()
    keyless = bool(spec.key) and not any(k in r.df.columns for k in spec.key)
    if dup.any() and keyless and not r.explicit("duplicate_rows"):
        # without an id nothing says two identical rows are one event: a transaction log repeats them
        r.flag(dup, "identical_rows", f"rows identical to an earlier one, kept (no {spec.key[0]} to tell them apart)")
    elif dup.any():
        r.apply(dup, "duplicate_rows", content[0], "an exact repeat of an earlier row",
                "exact duplicate rows: kept the first")
    if not spec.keep_other_columns:
        keep = [c for c in r.df.columns if c in spec.column_names or c == SOURCE_ROW]
        r.df = r.df[keep]

    _parse_columns(r)
    if spec.clean is not None:
        spec.clean(r)
    else:
        r.drop_blanks()
    _window(r)
    if len(r.df) == 0:
        raise DataError(f"no rows left in the {spec.label} of {ctx.name} after cleaning: {r.ledger}; check START/END, "
                        "--map and the --clean options")
    sort = [c for c in spec.sort_by if c in r.df.columns]
    frame = r.df
    if sort:
        frame = frame.sort_values(sort + [SOURCE_ROW], kind="mergesort")
    frame = frame.drop(columns=SOURCE_ROW).reset_index(drop=True)
    for col in spec.columns:
        if col.kind == "id" and col.name in frame.columns and frame[col.name].dtype == object \
                and frame[col.name].notna().all():
            frame[col.name] = parse.parse_ids(frame[col.name])
    r.ledger.check(len(frame))
    if "currency" in frame.columns:  # a currency column with one ISO code says it outright
        codes = frame["currency"].dropna().astype(str).str.strip().str.upper().unique()
        if len(codes) == 1 and len(codes[0]) == 3 and codes[0].isalpha():
            if r.currency and r.currency != codes[0]:
                r.ledger.note(f"the currency column says {codes[0]}, the amounts' symbols {r.currency}: "
                              f"{codes[0]} is used")
            r.currency = codes[0]
        elif len(codes) > 1:
            r.ledger.note(f"the currency column holds {len(codes)} currencies ({', '.join(codes[:5])}): amounts are "
                          "added as they are; split the file by currency for per-currency figures")
    if r.currency:
        frame.attrs["currency"] = r.currency
    return frame, r.ledger
