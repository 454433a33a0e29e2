"""Open a table: a file (CSV/TSV/TXT, optionally gzipped; Parquet; Excel) or a DataFrame.

The result is a frame whose text columns hold the cells as written (stripped of nothing yet),
plus where each row came from. Typed sources (Parquet, DataFrames, Excel numbers and dates) keep
their types; the parsers in :mod:`ecomkit.io.parse` accept both.

Decisions taken here, each written to the ledger's notes: the encoding (UTF-8, UTF-8 with BOM,
then GB18030, which covers GBK and GB2312), the separator (comma, semicolon, tab, pipe, or runs
of spaces), title lines above the header (skipped), and a header that is really data (columns
named ``column_1``, ``column_2`` ...).
"""

from __future__ import annotations

import csv
import gzip
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ecomkit.io.errors import SOURCE_ROW, DataError, SourceInfo, list_columns

__all__ = ["SUPPORTED_EXTENSIONS", "file_extension", "read_source", "read_bundled"]

SUPPORTED_EXTENSIONS = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz", ".parquet", ".pq",
                        ".xlsx", ".xlsm", ".xls")
_EXCEL = (".xlsx", ".xlsm", ".xls")
_SEPARATORS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
_HEAD_BYTES = 1 << 16
_HEAD_LINES = 40
_DATA_LIKE = re.compile(r"^[\s\d.,:/\-+年月日]*$")


def file_extension(path: Path) -> str:
    name = path.name.lower()
    for ext in sorted(SUPPORTED_EXTENSIONS, key=len, reverse=True):
        if name.endswith(ext):
            return ext
    return "".join(path.suffixes[-2:]).lower() or "(none)"


def _header_row(rows: list[list[str]]) -> int:
    """Index of the header among the first rows: the first row that fills most of the table's
    width (title lines above a header fill one or two cells)."""
    filled = [sum(1 for cell in row if str(cell).strip()) for row in rows]
    if not filled:
        return 0
    widest = max(filled)
    if widest < 2:
        return 0
    need = max(2, math.ceil(0.6 * widest))
    return next(i for i, n in enumerate(filled) if n >= need)


def _looks_like_data(header: list) -> bool:
    cells = [str(c).strip() for c in header if str(c).strip()]
    return bool(cells) and all(_DATA_LIKE.match(c) for c in cells)


def _sniff(lines: list[str], ext: str) -> str:
    """The separator that splits the head into the most columns, consistently."""
    if ext.startswith(".tsv"):
        return "\t"
    best, best_score = ",", (0, 0)
    sample = [ln for ln in lines if ln.strip()]
    for sep in _SEPARATORS:
        widths = [len(r) for r in csv.reader(sample, delimiter=sep)]
        if not widths:
            continue
        modal = max(set(widths), key=widths.count)
        score = (modal if modal > 1 else 0, widths.count(modal))
        if score > best_score:
            best, best_score = sep, score
    if best_score[0] == 0:
        widths = [len(ln.split()) for ln in sample]
        if widths and min(widths) > 1 and len(set(widths)) == 1:
            return r"\s+"
    return best


def _read_head(path: Path, compressed: bool) -> bytes:
    opener = gzip.open if compressed else open
    with opener(path, "rb") as fh:
        return fh.read(_HEAD_BYTES)


@dataclass(frozen=True)
class _TextLayout:
    """How a text table is written: encoding, separator, title lines to skip, header or not."""

    encoding: str
    sep: str
    skip: int
    no_header: bool

    def read_csv_args(self, compressed: bool) -> dict:
        return dict(sep=self.sep, dtype=str, encoding=self.encoding, compression="gzip" if compressed else None,
                    skiprows=self.skip, header=None if self.no_header else 0, skip_blank_lines=False,
                    keep_default_na=False, na_values=[""], engine="python" if self.sep == r"\s+" else "c")

    def notes(self, path: Path, head_bytes: bytes) -> list[str]:
        shown = {"utf-8-sig": "UTF-8"}.get(self.encoding, self.encoding.upper() if self.encoding.islower() else self.encoding)
        bom = " with BOM" if self.encoding == "utf-8-sig" and head_bytes.startswith(b"\xef\xbb\xbf") else ""
        notes = [f"read {path.name} as {shown}{bom} text, {_SEPARATORS.get(self.sep, 'space')}-separated"]
        if self.skip:
            notes.append(f"skipped {self.skip} title line{'s' if self.skip > 1 else ''} above the header")
        if self.no_header:
            notes.append("the first line holds data, not column names: columns named column_1, column_2, ...")
        return notes


def _head(path: Path, ext: str) -> bytes:
    try:
        head_bytes = _read_head(path, ext.endswith(".gz"))
    except (OSError, EOFError) as err:  # e.g. a corrupt .gz
        raise DataError(f"{path.name}: could not read the file: {err}")
    if not head_bytes.strip():
        raise DataError(f"{path.name}: the file is empty (no header, no rows)")
    return head_bytes


def _layout(head_bytes: bytes, ext: str, enc: str, path: Path) -> _TextLayout:
    """The layout of a text table whose first bytes decode with ``enc`` (UnicodeDecodeError if not)."""
    try:
        head = head_bytes.decode(enc, errors="strict" if len(head_bytes) < _HEAD_BYTES else "ignore")
    except LookupError:
        raise DataError(f"{path.name}: unknown encoding {enc!r}; try --encoding utf-8 or --encoding gb18030")
    lines = head.lstrip("\ufeff").splitlines()
    if len(head_bytes) >= _HEAD_BYTES:
        lines = lines[:-1]  # the last line of a cut-off head may be partial
    lines = lines[:_HEAD_LINES]
    sep = _sniff(lines, ext)
    rows = [ln.split() for ln in lines] if sep == r"\s+" else list(csv.reader(lines, delimiter=sep))
    skip = _header_row(rows)
    no_header = bool(rows) and _looks_like_data(rows[skip])
    return _TextLayout(enc, sep, skip, no_header)


def _decode_error(path: Path, encoding: str | None, err) -> DataError:
    if encoding:
        return DataError(f"{path.name}: cannot be decoded as {encoding} ({err}); "
                         "try --encoding utf-8 or --encoding gb18030")
    return DataError(f"{path.name}: cannot be decoded as UTF-8 or GB18030/GBK ({err}); "
                     "pass --encoding with the file's encoding")


def _read_text(path: Path, ext: str, encoding: str | None, notes: list[str]) -> pd.DataFrame:
    head_bytes = _head(path, ext)
    last_err: Exception | None = None
    for enc in [encoding] if encoding else ["utf-8-sig", "gb18030"]:
        try:
            layout = _layout(head_bytes, ext, enc, path)
            df = pd.read_csv(path, **layout.read_csv_args(ext.endswith(".gz")))
        except (UnicodeDecodeError, UnicodeError) as err:
            last_err = err
            continue
        except pd.errors.EmptyDataError:
            raise DataError(f"{path.name}: the file is empty (no header, no rows)")
        except pd.errors.ParserError as err:
            raise DataError(f"{path.name}: not a readable {ext} table: {str(err).strip()}")
        except (OSError, EOFError) as err:
            raise DataError(f"{path.name}: could not read the file: {err}")
        notes.extend(layout.notes(path, head_bytes))
        if layout.no_header:
            df.columns = [f"column_{i + 1}" for i in range(df.shape[1])]
        return df
    raise _decode_error(path, encoding, last_err)


def text_chunks(path, *, encoding: str | None = None, chunk_rows: int = 500_000):
    """A large text table read ``chunk_rows`` rows at a time, laid out as :func:`read_source` reads the
    whole file (encoding and separator decided from its first lines). Each chunk is a frame of text
    indexed by its 1-based row numbers below the header."""
    path = Path(path)
    ext = file_extension(path)
    head_bytes = _head(path, ext)
    layout = None
    for enc in [encoding] if encoding else ["utf-8-sig", "gb18030"]:
        try:
            layout = _layout(head_bytes, ext, enc, path)
            head_bytes.decode(enc, errors="strict" if len(head_bytes) < _HEAD_BYTES else "ignore")
            break
        except (UnicodeDecodeError, UnicodeError) as err:
            last_err = err
    if layout is None:
        raise _decode_error(path, encoding, last_err)
    offset = 0
    try:
        for chunk in pd.read_csv(path, chunksize=chunk_rows, **layout.read_csv_args(ext.endswith(".gz"))):
            if layout.no_header:
                chunk.columns = [f"column_{i + 1}" for i in range(chunk.shape[1])]
            chunk.columns = [str(c).strip().lstrip("\ufeff").strip() for c in chunk.columns]
            chunk.index = pd.RangeIndex(offset + 1, offset + len(chunk) + 1)
            offset += len(chunk)
            yield chunk
    except (UnicodeDecodeError, UnicodeError) as err:
        raise _decode_error(path, encoding, err) from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path.name}: the file is empty (no header, no rows)") from None
    except pd.errors.ParserError as err:
        raise DataError(f"{path.name}: not a readable {ext} table: {str(err).strip()}") from None


def _excel_cell(value):
    """Excel cells as the reader wants them: integral numbers as ints (ids), dates as Timestamps."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, str):
        return value if value.strip() else np.nan
    return value


def _read_excel(path: Path, ext: str, sheet, notes: list[str]) -> pd.DataFrame:
    engine = "calamine" if ext == ".xls" else "openpyxl"
    try:
        raw = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, header=None, dtype=object,
                            engine=engine)
    except ValueError as err:
        if "Worksheet" in str(err) or "sheet" in str(err).lower():
            raise DataError(f"{path.name}: no sheet {sheet!r} ({err}); pass --sheet with a sheet's name or number")
        raise DataError(f"{path.name}: not a readable Excel file ({err})")
    except Exception as err:  # readers raise many types; report in one line
        raise DataError(f"{path.name}: not a readable Excel file ({type(err).__name__}: {err})")
    raw = raw.map(_excel_cell) if hasattr(raw, "map") else raw.applymap(_excel_cell)
    while raw.shape[0] and raw.iloc[-1].isna().all() and raw.shape[0] > 1:
        raw = raw.iloc[:-1]  # Excel often reports formatted but empty rows at the end of a sheet
    if raw.empty:
        raise DataError(f"{path.name}: the sheet is empty")
    rows = [["" if pd.isna(v) else str(v) for v in row] for row in raw.head(_HEAD_LINES).itertuples(index=False)]
    skip = _header_row(rows)
    header = rows[skip]
    no_header = _looks_like_data(header)
    if no_header:
        df = raw.iloc[skip:].reset_index(drop=True)
        df.columns = [f"column_{i + 1}" for i in range(df.shape[1])]
    else:
        df = raw.iloc[skip + 1:].reset_index(drop=True)
        names = [h.strip() if h.strip() else f"column_{i + 1}" for i, h in enumerate(header)]
        df.columns = names
        empty = [n for n, h in zip(names, header) if not h.strip() and df[n].isna().all()]
        df = df.drop(columns=empty)
    sheet_name = "first sheet" if sheet is None else f"sheet {sheet!r}"
    notes.append(f"read {path.name} (Excel, {sheet_name})")
    if skip:
        notes.append(f"skipped {skip} title row{'s' if skip > 1 else ''} above the header")
    return df


#: ``DataFrame.attrs`` key of a chunk read from a file: the file's name (rows are then its row numbers)
CHUNK_OF = "ecomkit_chunk_of"


def read_source(source, *, what: str, encoding: str | None = None, sheet=None) -> tuple[pd.DataFrame, SourceInfo, list[str]]:
    """Read a path or DataFrame into ``(frame, source_info, notes)``; raises DataError on unreadable input.

    The frame gains the internal column ``SOURCE_ROW`` (1-based data row, or the DataFrame's index
    label) that error messages quote.
    """
    notes: list[str] = []
    if isinstance(source, pd.DataFrame):
        df = source.copy()
        # a chunk of a large file (ecomkit.engine.prepare) names its file and is indexed by its row numbers
        chunk_of = source.attrs.get(CHUNK_OF)
        ctx = SourceInfo(chunk_of, by_index=False) if chunk_of else SourceInfo("DataFrame", by_index=True)
        labels = df.index.tolist()
        df = df.reset_index(drop=True)
        df.columns = [str(c).strip() for c in df.columns]
        if SOURCE_ROW in df.columns:
            df = df.drop(columns=SOURCE_ROW)
        _check_unique_columns(df, ctx)
        if df.shape[1] == 0:
            raise DataError(f"{what} DataFrame has no columns")
        if len(df) == 0:
            raise DataError(f"{what} DataFrame has no rows (columns: {list_columns(df.columns)})")
        df[SOURCE_ROW] = labels
        if not chunk_of:
            notes.append(f"read {what} from a DataFrame")
        return df, ctx, notes

    if not isinstance(source, (str, Path)):
        raise DataError(f"cannot read {what} from a {type(source).__name__}: pass a file path or a pandas DataFrame")
    path = Path(source).expanduser()
    if not path.exists():
        raise DataError(f"{what} file not found: {str(path)!r} (working directory: {Path.cwd()})")
    if path.is_dir():
        raise DataError(f"{str(path)!r} is a directory, not a {what} file")
    ext = file_extension(path)
    if ext not in SUPPORTED_EXTENSIONS:
        raise DataError(f"{path.name}: unsupported file type {ext!r}; supported: {', '.join(SUPPORTED_EXTENSIONS)}")
    if path.stat().st_size == 0:
        raise DataError(f"{path.name}: the file is empty (0 bytes)")
    ctx = SourceInfo(path.name, by_index=False)
    if ext in (".parquet", ".pq"):
        try:
            df = pd.read_parquet(path)
        except Exception as err:  # pyarrow raises many types; report, never a traceback
            raise DataError(f"{path.name}: not a readable Parquet file ({type(err).__name__}: {err})")
        notes.append(f"read {path.name} (Parquet)")
        df = df.reset_index(drop=True)
    elif ext in _EXCEL:
        df = _read_excel(path, ext, sheet, notes)
    else:
        df = _read_text(path, ext, encoding, notes)
    df.columns = [str(c).strip().lstrip("\ufeff").strip() for c in df.columns]
    if len(df.columns) == 0:
        raise DataError(f"{path.name}: no columns found")
    if len(df) == 0:
        raise DataError(f"{path.name}: has a header but no data rows (columns: {list_columns(df.columns)})")
    if SOURCE_ROW in df.columns:
        df = df.drop(columns=SOURCE_ROW)
    _check_unique_columns(df, ctx)
    df[SOURCE_ROW] = np.arange(1, len(df) + 1)
    return df, ctx, notes


def _check_unique_columns(df: pd.DataFrame, ctx: SourceInfo) -> None:
    cols = pd.Index(df.columns)
    if cols.has_duplicates:
        dups = sorted(set(cols[cols.duplicated()]))
        raise DataError(f"{ctx.name}: column names appear more than once: {list_columns(dups)}")


def read_bundled(path: Path, dtypes: dict | None = None) -> pd.DataFrame:
    """A table ecomkit wrote itself (the simulator's truth files): read as written, no cleaning."""
    path = Path(path)
    if file_extension(path) in (".parquet", ".pq"):
        frame = pd.read_parquet(path)
        return frame.astype(dtypes) if dtypes else frame
    return pd.read_csv(path, dtype=dtypes, encoding="utf-8")
