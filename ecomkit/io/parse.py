"""Column parsers: text cells (or typed Parquet/Excel values) to typed columns, vectorised.

Each parser returns the parsed values and a mask of the non-blank values it could not read; the
engine turns that mask into a one-line :class:`~ecomkit.io.errors.DataError` or a counted drop.
Parsers work on the distinct values of a column where that is cheaper (dates, money).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["BLANK_WORDS", "as_text", "parse_ids", "scientific_ids", "parse_money", "parse_timestamps",
           "parse_counts", "parse_numbers", "parse_flags", "ParsedMoney", "ParsedTimes"]

#: whole-cell values that mean "no value" in exports (compared case-insensitively)
BLANK_WORDS = frozenset({"", "null", "none", "nan", "nat", "n/a", "na", "#n/a", "-", "--", "—", "（空）", "空"})
_INT_ID = re.compile(r"^(?:0|-?[1-9]\d{0,17})$")   # fits int64, no leading zeros
_EXCEL_SCI = r"^\d(?:\.\d+)?[eE]\+\d+$"           # 1.23457E+17: an id Excel turned into a float
_EXCEL_TEXT = r'^="(.*)"$'                          # ="0012345": Excel's keep-as-text wrapper


def as_text(s: pd.Series) -> pd.Series:
    """Object series of stripped strings, NaN for blanks (whatever the input dtype).

    Unwraps Excel's ``="..."`` text guard and a leading apostrophe or tab, which exports add to
    keep long ids intact; whole-cell blanks such as ``null`` or ``-`` become NaN.
    """
    if pd.api.types.is_integer_dtype(s.dtype) and not s.hasnans:
        return s.astype("int64").astype(str).astype(object)
    if pd.api.types.is_float_dtype(s.dtype):
        f = s.to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            integral = np.isfinite(f) & (np.abs(f) < 2**62) & (np.mod(f, 1) == 0)
        other = ~np.isnan(f) & ~integral
        out = pd.Series(np.nan, index=s.index, dtype=object)
        out[integral] = f[integral].astype("int64").astype(str)
        out[other] = f[other].astype(str)
        return out
    codes, uniques = pd.factorize(s.astype(object))
    if len(uniques) == 0:
        return pd.Series(np.nan, index=s.index, dtype=object)
    u = pd.Series(uniques, dtype=object)
    if pd.api.types.infer_dtype(u, skipna=True) != "string":
        def to_str(v):
            if isinstance(v, str):
                return v
            if isinstance(v, float) and v.is_integer():
                return str(int(v))
            return str(v)
        u = u.map(to_str)
    u = u.str.strip()
    wrapped = u.str.startswith(("=\"", "'", "\t"), na=False)
    if wrapped.any():
        fixed = u[wrapped].str.replace(_EXCEL_TEXT, r"\1", regex=True).str.lstrip("'\t").str.strip()
        u = u.where(~wrapped, fixed)
    u = u.where(~u.str.lower().isin(BLANK_WORDS), np.nan)
    table = np.append(u.to_numpy(dtype=object), np.nan)
    return pd.Series(table[codes], index=s.index, dtype=object)


def scientific_ids(text: pd.Series) -> pd.Series:
    """Mask of ids written in scientific notation (digits lost when Excel saved them as numbers)."""
    return text.str.match(_EXCEL_SCI, na=False)


def parse_ids(s: pd.Series, text: pd.Series | None = None) -> pd.Series:
    """int64 if every value is an integer id without leading zeros, else stripped str.

    Blanks must have been handled by the caller; ``text`` is ``as_text(s)`` if known."""
    if pd.api.types.is_integer_dtype(s.dtype) and not s.hasnans:
        return s.astype("int64")
    if text is None:
        text = as_text(s)
    if text.notna().all() and text.str.match(_INT_ID).all():
        return text.astype("int64")
    return text


# ----------------------------------------------------------------------------------------- money

_CURRENCY_MARKS = (  # longest first; ISO code of what the mark means
    ("US$", "USD"), ("HK$", "HKD"), ("NT$", "TWD"), ("R$", "BRL"), ("RMB", "CNY"), ("CNY", "CNY"),
    ("USD", "USD"), ("BRL", "BRL"), ("EUR", "EUR"), ("GBP", "GBP"), ("JPY", "JPY"), ("HKD", "HKD"),
    ("¥", "CNY"), ("￥", "CNY"), ("元", "CNY"), ("$", "USD"), ("€", "EUR"), ("£", "GBP"),
)
_MARK_RE = re.compile("|".join(re.escape(m) for m, _ in _CURRENCY_MARKS), re.IGNORECASE)
_MARK_CODE = {m.lower(): c for m, c in _CURRENCY_MARKS}


@dataclass
class ParsedMoney:
    values: pd.Series                    # float64
    bad: pd.Series                       # non-blank values that are not amounts
    cleaned: int = 0                     # values that needed symbols or separators removed
    example: tuple[str, float] | None = None
    currencies: dict[str, int] = field(default_factory=dict)   # ISO code -> values carrying it
    decimal: str = "."


def _decimal_of(u: pd.Series) -> tuple[str | None, str | None]:
    """Decide the decimal separator from distinct cleaned values: ('.' or ',' or None, conflict)."""
    both = u.str.contains(",", regex=False) & u.str.contains(".", regex=False)
    last_comma = u[both].str.rfind(",") > u[both].str.rfind(".")
    comma = bool(last_comma.any())
    point = bool((~last_comma).any())
    only_comma = u[u.str.contains(",", regex=False) & ~both]
    comma |= bool(only_comma.str.contains(r",\d{1,2}$|,\d{4,}$|^-?0,\d", regex=True).any())
    only_point = u[u.str.contains(".", regex=False) & ~both]
    point |= bool(only_point.str.contains(r"\.\d{1,2}$|\.\d{4,}$", regex=True).any())
    comma |= bool(only_point.str.contains(r"^-?\d{1,3}(?:\.\d{3}){2,}$", regex=True).any())
    if comma and point:
        return None, "mixes decimal commas (12,50) and decimal points (12.50)"
    return ("," if comma else "." if point else None), None


def parse_money(s: pd.Series, decimal: str = "auto") -> ParsedMoney:
    """Amounts such as 1234.5, '¥1,234.00', '88元', 'R$ 1.234,56', '12,50', '(12.50)'.

    ``decimal`` is '.', ',' or 'auto' (decided per column by the values)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return ParsedMoney(pd.Series(np.nan, index=s.index), s.notna())
    if pd.api.types.is_numeric_dtype(s.dtype):
        vals = pd.to_numeric(s, errors="coerce").astype("float64")
        return ParsedMoney(vals, vals.notna() & ~np.isfinite(vals))
    text = as_text(s)
    direct = pd.to_numeric(text, errors="coerce")
    if decimal in ("auto", ".") and not (text.notna() & direct.isna()).any():
        return ParsedMoney(direct.astype("float64"), pd.Series(False, index=s.index))
    codes, uniques = pd.factorize(text)
    u = pd.Series(uniques, dtype=object)
    marks = u.str.findall(_MARK_RE)
    t = u.str.replace(_MARK_RE, "", regex=True)
    t = t.str.replace(r"[\s\u00a0\u3000\u2009']", "", regex=True).str.replace("，", ",", regex=False)
    t = t.str.replace("−", "-", regex=False)
    negative = t.str.match(r"^\(.*\)$") | t.str.endswith("-")
    t = t.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.rstrip("-")
    t = t.where(~negative, "-" + t)
    if decimal == "auto":
        chosen, conflict = _decimal_of(t)
        if conflict:
            bad = text.notna()
            return ParsedMoney(pd.Series(np.nan, index=s.index), bad & False | _conflict_mask(text, t, codes),
                               decimal="mixed")
        decimal = chosen or "."
    if decimal == ",":
        t = t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        t = t.str.replace(r"(?<=\d),(?=\d{3}(?!\d))", "", regex=True)
    parsed = pd.to_numeric(t, errors="coerce").astype("float64").to_numpy()
    values = np.where(codes >= 0, parsed[np.maximum(codes, 0)], np.nan)
    values = pd.Series(values, index=s.index, dtype="float64")
    bad = text.notna() & ~np.isfinite(values)
    changed_u = (u != t).to_numpy() & ~np.isnan(parsed)
    changed = (codes >= 0) & changed_u[np.maximum(codes, 0)]
    found: dict[str, int] = {}
    counts = np.bincount(codes[codes >= 0], minlength=len(u))
    for i, ms in enumerate(marks):
        for m in set(ms):
            code = _MARK_CODE.get(m.lower())
            if code:
                found[code] = found.get(code, 0) + int(counts[i])
    example = None
    if changed.any():
        i = int(np.flatnonzero(changed)[0])
        example = (str(text.iloc[i]), float(values.iloc[i]))
    return ParsedMoney(values, bad, int(changed.sum()), example, found, decimal)


def _conflict_mask(text: pd.Series, cleaned_uniques: pd.Series, codes: np.ndarray) -> pd.Series:
    """Rows whose value uses the minority decimal style, to show in the error."""
    has_comma_dec = cleaned_uniques.str.contains(r",\d{1,2}$", regex=True).to_numpy()
    mask = (codes >= 0) & has_comma_dec[np.maximum(codes, 0)]
    return pd.Series(mask, index=text.index)


# ----------------------------------------------------------------------------------------- times

_TIME = (r"(?:[\sT]*(?P<ampm1>上午|下午|AM|PM|am|pm)?\s*(?P<H>\d{1,2})\s*[:时点]\s*(?P<M>\d{1,2})\s*分?"
         r"(?:\s*:?\s*(?P<S>\d{1,2})(?:[.,](?P<f>\d{1,9}))?\s*秒?)?\s*(?P<ampm2>AM|PM|am|pm|a\.m\.|p\.m\.)?)?"
         r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}:?\d{2})?$")
_YMD = re.compile(r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?" + _TIME)
_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?$")
_ABY = re.compile(r"^(?P<a>\d{1,2})\s*[-/.]\s*(?P<b>\d{1,2})\s*[-/.]\s*(?P<y>\d{4}|\d{2})" + _TIME)
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_TZ_SUFFIX = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


@dataclass
class ParsedTimes:
    values: pd.Series                   # naive datetime64[ns]
    bad: pd.Series                      # non-blank values that are not dates
    notes: list[str] = field(default_factory=list)
    ambiguous: list[str] | None = None  # examples when day-first vs month-first cannot be decided
    conflict: list[str] | None = None   # examples when the column mixes both orders


def _num(frame: pd.DataFrame, col: str, default: int = 0) -> np.ndarray:
    if col not in frame:
        return np.full(len(frame), default, dtype="int64")
    return pd.to_numeric(frame[col], errors="coerce").fillna(default).astype("int64").to_numpy()


def _assemble(parts: pd.DataFrame, y, m, d) -> tuple[pd.Series, np.ndarray]:
    """Timestamps from matched parts (+ tz offsets in minutes, NaN where none)."""
    hour = _num(parts, "H")
    none = pd.Series(None, index=parts.index, dtype=object)
    ampm = parts.get("ampm1", none).astype(object).combine_first(parts.get("ampm2", none).astype(object))
    pm = ampm.astype(str).str.lower().str.startswith(("pm", "p.", "下午")).to_numpy()
    am = ampm.astype(str).str.lower().str.startswith(("am", "a.", "上午")).to_numpy()
    hour = np.where(pm & (hour < 12), hour + 12, np.where(am & (hour == 12), 0, hour))
    frac = parts.get("f", pd.Series(index=parts.index, dtype=object)).fillna("").astype(str)
    micro = pd.to_numeric(frac.str.ljust(6, "0").str[:6].where(frac != "", "0"), errors="coerce").fillna(0)
    ts = pd.to_datetime(pd.DataFrame({"year": y, "month": m, "day": d, "hour": hour, "minute": _num(parts, "M"),
                                      "second": _num(parts, "S"), "microsecond": micro.astype("int64").to_numpy()},
                                     index=parts.index), errors="coerce")
    tz = parts.get("tz", pd.Series(index=parts.index, dtype=object))
    offset = np.full(len(parts), np.nan)
    has = tz.notna().to_numpy()
    if has.any():
        text = tz[has].astype(str).str.upper()
        sign = np.where(text.str.startswith("-"), -1, 1)
        digits = text.str.replace(r"[^\d]", "", regex=True)
        hh = pd.to_numeric(digits.str[:2], errors="coerce").fillna(0).to_numpy()
        mm = pd.to_numeric(digits.str[2:4], errors="coerce").fillna(0).to_numpy()
        offset[has] = sign * (hh * 60 + mm)
    return ts, offset


def _two_digit_years(y: np.ndarray, raw: pd.Series) -> np.ndarray:
    short = raw.str.len().to_numpy() == 2
    return np.where(short, np.where(y <= 68, 2000 + y, 1900 + y), y)


def parse_timestamps(s: pd.Series, *, date_format: str | None = None, dayfirst: bool | None = None,
                     timezone: str | None = None) -> ParsedTimes:
    """Read dates and times in the styles exports use; see docs/ingestion.md 'Dates and times'.

    Returns naive local timestamps. Offsets (``-0500``, ``Z``) keep the wall-clock time written,
    unless ``timezone`` (an IANA name) asks to convert them to that zone's local time.
    """
    notes: list[str] = []
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        if timezone:
            out = s.dt.tz_convert(timezone).dt.tz_localize(None)
            notes.append(f"{int(s.notna().sum()):,} time-zone-aware values converted to {timezone} local time")
        else:
            out = s.dt.tz_localize(None)
            notes.append(f"{int(s.notna().sum()):,} time-zone-aware values kept at their own local time")
        return ParsedTimes(out.astype("datetime64[ns]"), pd.Series(False, index=s.index), notes)
    if pd.api.types.is_datetime64_dtype(s.dtype):
        return ParsedTimes(s.astype("datetime64[ns]"), pd.Series(False, index=s.index), notes)
    text = as_text(s)
    codes, uniques = pd.factorize(text)
    u = pd.Series(uniques, dtype=object)
    result = pd.Series(pd.NaT, index=u.index, dtype="datetime64[ns]")
    offsets = np.full(len(u), np.nan)
    todo = np.ones(len(u), dtype=bool)
    ambiguous = conflict = None

    if date_format:
        parsed = pd.to_datetime(u, format=date_format, errors="coerce")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_convert(timezone).dt.tz_localize(None) if timezone else parsed.dt.tz_localize(None)
        result[:] = parsed.astype("datetime64[ns]")
        todo[:] = False
    if todo.any():  # fast path: ISO 8601 without an offset
        plain = todo & ~u.str.contains(_TZ_SUFFIX, na=False).to_numpy()
        if plain.any():
            iso = pd.to_datetime(u[plain], format="ISO8601", errors="coerce")
            ok = iso.notna().to_numpy()
            idx = np.flatnonzero(plain)[ok]
            result.iloc[idx] = iso[ok].astype("datetime64[ns]").to_numpy()
            todo[idx] = False
    if todo.any():
        rest = u[todo]
        for pattern in (_YMD, _COMPACT):
            if rest.empty:
                break
            parts = rest.str.extract(pattern)
            hit = parts["y"].notna().to_numpy()
            if hit.any():
                p = parts[hit]
                ts, off = _assemble(p, _num(p, "y"), _num(p, "m"), _num(p, "d"))
                result[p.index] = ts.to_numpy()
                offsets[p.index] = off
                todo[p.index] = False
                rest = rest[~hit]
        if not rest.empty:
            parts = rest.str.extract(_ABY)
            hit = parts["y"].notna().to_numpy()
            if hit.any():
                p = parts[hit]
                a, b = _num(p, "a"), _num(p, "b")
                first_over, second_over = a > 12, b > 12
                if dayfirst is None:
                    if first_over.any() and second_over.any():
                        conflict = [p.index.map(u.get)[i] for i in (int(np.flatnonzero(first_over)[0]),
                                                                     int(np.flatnonzero(second_over)[0]))]
                        use_dayfirst = None
                    elif first_over.any():
                        use_dayfirst = True
                    elif second_over.any() or (a == b).all():
                        use_dayfirst = False
                    else:
                        use_dayfirst = None
                        ambiguous = list(u[p.index[a != b]].iloc[:3])
                    if use_dayfirst is not None:
                        order = "day first (D/M/Y)" if use_dayfirst else "month first (M/D/Y)"
                        notes.append(f"dates written like {u[p.index[0]]!r} read {order}, as the values decide")
                else:
                    use_dayfirst = bool(dayfirst)
                if use_dayfirst is not None:
                    y = _two_digit_years(_num(p, "y"), p["y"].astype(str))
                    day, month = (a, b) if use_dayfirst else (b, a)
                    ts, off = _assemble(p, y, month, day)
                    result[p.index] = ts.to_numpy()
                    offsets[p.index] = off
                    todo[p.index] = False
                rest = rest[~hit]
        if not rest.empty:
            serial = rest.str.match(_SERIAL).to_numpy()
            if serial.any():
                days = pd.to_numeric(rest[serial], errors="coerce")
                inside = days.between(20000, 80000)
                days = days[inside]
                if len(days):
                    stamps = pd.Timestamp("1899-12-30") + pd.to_timedelta(days.to_numpy(), unit="D")
                    result[days.index] = stamps.round("s").to_numpy()
                    todo[days.index] = False
                    notes.append(f"{len(days):,} distinct values read as Excel serial day numbers")
                rest = rest.drop(days.index)
        if not rest.empty:
            worded = rest[rest.str.contains(r"[A-Za-z]{3}", na=False)]
            if len(worded):
                parsed = pd.to_datetime(worded, format="mixed", dayfirst=bool(dayfirst), errors="coerce")
                if isinstance(parsed.dtype, pd.DatetimeTZDtype) or parsed.dtype == object:
                    parsed = pd.to_datetime(worded, format="mixed", dayfirst=bool(dayfirst), errors="coerce", utc=True)
                    parsed = parsed.dt.tz_localize(None)
                ok = parsed.notna()
                result[worded.index[ok.to_numpy()]] = parsed[ok].astype("datetime64[ns]").to_numpy()
                todo[worded.index[ok.to_numpy()]] = False
    if todo.any():  # offsets written as ISO 8601 (2024-01-05T10:31:07+08:00, ...Z) and anything left
        rest = u[todo]
        aware = pd.to_datetime(rest.str.replace(r"\s+([+-]\d{2}:?\d{2})$", r"\1", regex=True), format="ISO8601",
                               errors="coerce", utc=True)
        ok = aware.notna().to_numpy()
        if ok.any():
            local = rest[ok].str.extract(_TZ_SUFFIX_GROUP)["tz"]
            stamps = aware[ok]
            minutes = _offset_minutes(local)
            wall = stamps.dt.tz_localize(None) + pd.to_timedelta(minutes, unit="m")
            result[rest.index[ok]] = wall.astype("datetime64[ns]").to_numpy()
            offsets[rest.index[ok]] = minutes
            todo[rest.index[ok]] = False
    has_offset = ~np.isnan(offsets) & result.notna().to_numpy()
    if has_offset.any():
        n = int(np.bincount(codes[codes >= 0], minlength=len(u))[has_offset].sum())
        if timezone:
            utc = result[has_offset] - pd.to_timedelta(offsets[has_offset], unit="m")
            result[has_offset] = utc.dt.tz_localize("UTC").dt.tz_convert(timezone).dt.tz_localize(None).to_numpy()
            notes.append(f"{n:,} values carried a time-zone offset and were converted to {timezone} local time")
        else:
            notes.append(f"{n:,} values carried a time-zone offset: the wall-clock time written was kept "
                         "(--timezone converts them)")
    values = pd.Series(np.where(codes >= 0, result.to_numpy()[np.maximum(codes, 0)], np.datetime64("NaT")),
                       index=s.index).astype("datetime64[ns]")
    bad = text.notna() & values.isna()
    if ambiguous is not None or conflict is not None:
        bad = bad & False
    return ParsedTimes(values, bad, notes, ambiguous, conflict)


_TZ_SUFFIX_GROUP = re.compile(r"(?P<tz>Z|[+-]\d{2}:?\d{2})\s*$")


def _offset_minutes(tz: pd.Series) -> np.ndarray:
    text = tz.fillna("Z").astype(str).str.upper()
    sign = np.where(text.str.startswith("-"), -1, 1)
    digits = text.str.replace(r"[^\d]", "", regex=True)
    hh = pd.to_numeric(digits.str[:2], errors="coerce").fillna(0).to_numpy()
    mm = pd.to_numeric(digits.str[2:4], errors="coerce").fillna(0).to_numpy()
    return sign * (hh * 60 + mm)


# -------------------------------------------------------------------------------- counts, flags


def parse_counts(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(float values, mask of non-blank values that are not whole numbers)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("float64"), s.notna()
    if pd.api.types.is_numeric_dtype(s.dtype):
        vals = pd.to_numeric(s, errors="coerce").astype("float64")
        return vals, s.notna() & (vals.isna() | (vals % 1 != 0))
    text = as_text(s)
    vals = pd.to_numeric(text, errors="coerce").astype("float64")
    retry = (text.notna() & vals.isna()).to_numpy()
    if retry.any():  # thousands separators: "1,200"
        fixed = text[retry].str.replace(r"(?<=\d)[,，](?=\d{3}(?!\d))", "", regex=True)
        vals[retry] = pd.to_numeric(fixed, errors="coerce").astype("float64").to_numpy()
    return vals, text.notna() & (vals.isna() | (vals % 1 != 0))


_UNITS = r"(?i)\s*(kg|g|公斤|千克|克|cm|mm|厘米|km|公里|days?|天|%)\s*$"


def parse_numbers(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(float values, mask of unreadable non-blank values); units such as 'kg', 'cm', 'km' are stripped."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        vals = pd.to_numeric(s, errors="coerce").astype("float64")
        return vals, vals.notna() & ~np.isfinite(vals)
    text = as_text(s)
    cleaned = text.str.replace(_UNITS, "", regex=True).str.replace(r"(?<=\d),(?=\d{3}(?!\d))", "", regex=True)
    vals = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    return vals, text.notna() & vals.isna()


def parse_flags(s: pd.Series, yes: frozenset, no: frozenset) -> tuple[pd.Series, pd.Series]:
    """(object series of True/False/NaN, mask of non-blank values that are neither a yes nor a no word)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype(object), pd.Series(False, index=s.index)
    text = as_text(s).str.lower()
    out = pd.Series(np.where(text.isin(yes), True, np.where(text.isin(no), False, None)), index=s.index, dtype=object)
    out = out.where(text.isin(yes) | text.isin(no), np.nan)
    return out, text.notna() & out.isna()
