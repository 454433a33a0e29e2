"""Loading, column mapping and validation of shop data, with a ledger of every dropped row.

Everything a notebook analyses enters through this module, once:

* :func:`read_orders` reads an orders file (CSV, CSV.gz, TSV/TXT, Parquet) or a DataFrame, maps the
  user's column names, types every column, applies the cleaning rules in a fixed order and
  validates the result with a pandera schema (:data:`ORDERS_SCHEMA`).
* :func:`read_table` does the same for the optional ``customers`` and ``funnel_daily`` tables.
* :func:`load_shop` / :func:`load_demo` bundle the tables (and the simulator's truth for the demo).

Bad input raises :class:`DataError` whose *first line* names the column, the problem, the count and
the first offending rows and values (later lines, if any, say how to fix it). Rows are numbered as
data rows counted from 1 below the header for files, and by index label for DataFrames.

Nothing is dropped silently: each cleaning rule records its count in a :class:`RowLedger`.

Cleaning rules for orders, in order (defaults in brackets):

1. rows whose ``customer_id`` is blank [error] and rows whose ``order_ts`` cannot be read [error]
   (both may be dropped instead, counted);
2. duplicates [``"drop_exact"``: identical rows dropped; one order_id on rows with different
   content is an error];
3. cancelled orders [dropped]; 4. returned orders [kept];
5. zero or negative ``net_amount`` [error; or dropped, or kept];
6. orders before ``start`` / after ``end`` [dropped; ``end`` includes its whole day].
"""

from __future__ import annotations

import datetime as _dt
import difflib
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = [
    # building blocks the chapter loaders (pricing, uplift, logistics) share with read_orders
    "SOURCE_ROW", "SourceInfo", "read_source", "apply_column_map", "require_columns", "row_error",
    "suggest_column", "list_columns", "as_text", "parse_ids", "parse_money", "parse_timestamps",
    "parse_counts", "parse_bool", "window_bounds", "check_option", "validate_schema", "hashable_frame",
    "find_table", "resolve_data", "DataSource", "open_table",
    "DataError",
    "RowLedger",
    "ShopData",
    "ORDERS_SCHEMA",
    "CUSTOMERS_SCHEMA",
    "FUNNEL_DAILY_SCHEMA",
    "REQUIRED_ORDER_COLUMNS",
    "OPTIONAL_ORDER_COLUMNS",
    "STATUSES",
    "SUPPORTED_EXTENSIONS",
    "DEFAULT_DEMO_WINDOW",
    "read_orders",
    "read_table",
    "load_shop",
    "load_demo",
    "load_demo_truth",
    "demo_dir",
    "orders_schema",
    "pseudonymise_ids",
]

# --------------------------------------------------------------------------------------------
# constants
# --------------------------------------------------------------------------------------------

REQUIRED_ORDER_COLUMNS = ("order_id", "customer_id", "order_ts", "net_amount")
OPTIONAL_ORDER_COLUMNS = (
    "channel",
    "province",
    "category",
    "items",
    "gross_amount",
    "discount_amount",
    "shipping_fee",
    "status",
)
ORDER_TEXT_COLUMNS = ("channel", "province", "category")
ORDER_AMOUNT_COLUMNS = ("net_amount", "gross_amount", "discount_amount", "shipping_fee")
STATUSES = ("completed", "returned", "cancelled")

#: labels seen in exports, normalised (lower-cased, stripped) -> our status
STATUS_LABELS = {
    "completed": "completed",
    "complete": "completed",
    "已完成": "completed",
    "交易成功": "completed",
    "交易完成": "completed",
    "returned": "returned",
    "refunded": "returned",
    "已退货": "returned",
    "退款成功": "returned",
    "已退款": "returned",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "已取消": "cancelled",
    "交易关闭": "cancelled",
}

SUPPORTED_EXTENSIONS = (
    ".csv",
    ".csv.gz",
    ".tsv",
    ".tsv.gz",
    ".txt",
    ".txt.gz",
    ".parquet",
    ".pq",
)

DEFAULT_DEMO_WINDOW = ("2023-01-01", "2025-12-31")
LOCAL_TZ = "Asia/Shanghai"

#: column names often found in exports, used only to *suggest* a mapping in error messages
_COMMON_ALIASES = {
    "order_id": ["订单号", "订单编号", "订单id", "订单ID", "order id", "orderid", "order_no", "order number"],
    "customer_id": ["买家id", "买家ID", "客户id", "客户ID", "用户id", "用户ID", "会员id", "会员ID",
                    "买家会员名", "买家昵称", "user_id", "buyer_id", "customer", "member_id"],
    "order_ts": ["下单时间", "订单创建时间", "创建时间", "付款时间", "支付时间", "order_time",
                 "order_date", "created_at", "order_datetime", "timestamp"],
    "net_amount": ["实付金额", "买家实际支付金额", "实收金额", "支付金额", "实付款", "paid_amount",
                   "amount", "payment", "revenue", "net"],
    "status": ["订单状态", "order_status", "state"],
    "province": ["省份", "收货省份", "收货地址省份"],
    "channel": ["渠道", "来源渠道", "流量来源"],
    "category": ["品类", "类目", "商品类目"],
    "items": ["件数", "商品数量", "购买数量", "quantity", "qty"],
    "discount_amount": ["优惠金额", "折扣金额"],
    "shipping_fee": ["运费"],
}

SOURCE_ROW = "__ecomkit_row__"  # internal column: where each row came from (dropped before returning)
_MAX_EXAMPLES = 5

_DATE_FORMATS = (
    "ISO8601",  # 2024-06-18, 2024-06-18 20:15:00, 2024-06-18T20:15, 20240618, 2024/6/18 20:15
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y.%m.%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M:%S",
    "%Y年%m月%d日%H:%M",
    "%Y年%m月%d日",
    "%Y%m%d%H%M%S",
)
_ACCEPTED_DATES = "2024-06-18 20:15:00, 2024/6/18 20:15, 2024-06-18, 2024-06-18T20:15:00+08:00, 2024年6月18日"
_TZ_SUFFIX = r"(?:Z|[+-]\d{2}:?\d{2})$"
_INT_ID = re.compile(r"^(?:0|-?[1-9]\d{0,17})$")  # fits int64, no leading zeros
_EXCEL_SCI = r"^\d(?:\.\d+)?[eE]\+\d+$"


# --------------------------------------------------------------------------------------------
# the error and the ledger
# --------------------------------------------------------------------------------------------


class DataError(ValueError):
    """Bad input data. ``str(err)``'s first line stands alone; later lines (if any) say how to fix it.

    Attributes (``None`` where they do not apply): ``column``, ``count``, ``rows`` (row labels as
    described in the message), ``values`` (the offending values, same order as ``rows``).
    """

    def __init__(
        self,
        message: str,
        *,
        column: str | None = None,
        count: int | None = None,
        rows: list | None = None,
        values: list | None = None,
        hint: str | None = None,
    ):
        message = " ".join(str(message).splitlines())  # the first line must carry everything
        self.summary = message
        self.column = column
        self.count = count
        self.rows = rows
        self.values = values
        self.hint = hint
        super().__init__(message if not hint else f"{message}\n{hint}")


@dataclass
class RowLedger:
    """Rows in, every dropping step (reason, description, rows dropped) in order, and notes.

    ``rows_in - sum(dropped) == rows_kept`` holds by construction; :meth:`check` asserts that it
    matches a frame's length.
    """

    rows_in: int
    steps: list[tuple[str, str, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

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

    def to_dict(self) -> dict:
        return {
            "rows_in": int(self.rows_in),
            "rows_kept": int(self.rows_kept),
            "dropped": self.dropped(),
            "notes": list(self.notes),
        }

    def to_frame(self) -> pd.DataFrame:
        """A small table for notebooks: one line per step with rows dropped and rows left."""
        rows = [("rows in", "", 0, self.rows_in)]
        left = self.rows_in
        for reason, description, n in self.steps:
            left -= n
            rows.append((description, reason, n, left))
        return pd.DataFrame(rows, columns=["step", "reason", "rows_dropped", "rows_left"])

    def __str__(self) -> str:
        parts = [f"{self.rows_in:,} rows in"]
        parts += [f"-{n:,} {reason}" for reason, _, n in self.steps if n]
        parts.append(f"= {self.rows_kept:,} kept")
        return " ".join(parts)


# --------------------------------------------------------------------------------------------
# schemas (pandera)
# --------------------------------------------------------------------------------------------


def _pa():
    import pandera.pandas as pa

    return pa


def orders_schema(allow_negative_amounts: bool = False):
    """The pandera schema of :func:`read_orders`' output.

    ``allow_negative_amounts`` relaxes ``net_amount >= 0`` / ``gross_amount >= 0`` (used when
    ``nonpositive_amounts="keep"``).
    """
    pa = _pa()
    nonneg = [] if allow_negative_amounts else [pa.Check.ge(0)]
    return pa.DataFrameSchema(
        {
            "order_id": pa.Column(None, nullable=False, unique=True),
            "customer_id": pa.Column(None, nullable=False),
            "order_ts": pa.Column("datetime64[ns]", nullable=False),
            "net_amount": pa.Column("float64", nonneg, nullable=False),
            "status": pa.Column(str, pa.Check.isin(STATUSES), nullable=False),
            "channel": pa.Column(object, nullable=True, required=False),
            "province": pa.Column(object, nullable=True, required=False),
            "category": pa.Column(object, nullable=True, required=False),
            "items": pa.Column("int64", pa.Check.ge(0), nullable=False, required=False),
            "gross_amount": pa.Column("float64", nonneg, nullable=True, required=False),
            "discount_amount": pa.Column("float64", nullable=True, required=False),
            "shipping_fee": pa.Column("float64", pa.Check.ge(0), nullable=True, required=False),
        },
        strict=False,
        coerce=False,
        name="orders",
    )


def _customers_schema():
    pa = _pa()
    return pa.DataFrameSchema(
        {
            "customer_id": pa.Column(None, nullable=False, unique=True),
            "first_order_ts": pa.Column("datetime64[ns]", nullable=True, required=False),
            "province": pa.Column(str, nullable=True, required=False),
            "city_tier": pa.Column("int64", pa.Check.in_range(1, 5), required=False),
            "acquisition_channel": pa.Column(str, nullable=True, required=False),
            "age_band": pa.Column(str, nullable=True, required=False),
            "member": pa.Column(bool, required=False),
        },
        strict=False,
        name="customers",
    )


def _funnel_schema():
    pa = _pa()
    count = lambda: pa.Column("int64", pa.Check.ge(0), nullable=False)  # noqa: E731
    return pa.DataFrameSchema(
        {
            "date": pa.Column("datetime64[ns]", nullable=False),
            "channel": pa.Column(str, nullable=False),
            "visitors": count(),
            "product_views": count(),
            "add_to_cart": count(),
            "orders": count(),
        },
        strict=False,
        unique=["date", "channel"],
        name="funnel_daily",
    )


class _LazySchema:
    """Builds the pandera schema on first use (keeps ``import ecomkit.data`` light)."""

    def __init__(self, factory):
        self._factory = factory
        self._schema = None

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if self._schema is None:
            self._schema = self._factory()
        return getattr(self._schema, name)

    def __repr__(self):
        return f"<lazy {self._factory.__name__}>"


#: validated output of :func:`read_orders` (with the default ``nonpositive_amounts``)
ORDERS_SCHEMA = _LazySchema(orders_schema)
CUSTOMERS_SCHEMA = _LazySchema(_customers_schema)
FUNNEL_DAILY_SCHEMA = _LazySchema(_funnel_schema)


# --------------------------------------------------------------------------------------------
# message helpers
# --------------------------------------------------------------------------------------------


@dataclass
class SourceInfo:
    """Where the data came from, for messages."""

    name: str  # file name or "DataFrame"
    by_index: bool  # True: rows are DataFrame index labels; False: 1-based data rows

    @property
    def row_word(self) -> str:
        return "index" if self.by_index else "row"

    @property
    def rows_word(self) -> str:
        return "index labels" if self.by_index else "rows"

    @property
    def row_note(self) -> str:
        if self.by_index:
            return "(rows given by DataFrame index label)"
        return "(rows counted from 1 below the header)"


def _show(v: Any, width: int = 40) -> str:
    if v is None or (not isinstance(v, (list, tuple, dict, np.ndarray)) and pd.isna(v)):
        return "<blank>"
    if isinstance(v, pd.Timestamp):
        return str(v)
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return repr(float(v))
    s = repr(v.item() if isinstance(v, np.generic) else v)
    return s if len(s) <= width else s[: width - 4] + "...'"


def _examples(df: pd.DataFrame, mask, values: pd.Series | None, ctx: SourceInfo, n: int = _MAX_EXAMPLES):
    """First ``n`` offending (row label, value) pairs as text, plus the raw lists."""
    mask = np.asarray(mask, dtype=bool)
    rows = df.loc[mask, SOURCE_ROW].iloc[:n].tolist()
    vals = values[mask].iloc[:n].tolist() if values is not None else [None] * len(rows)
    text = ", ".join(f"{ctx.row_word} {r}: {_show(v)}" for r, v in zip(rows, vals))
    return text, rows, vals


def row_error(
    df: pd.DataFrame,
    mask,
    column: str,
    problem: str,
    ctx: SourceInfo,
    *,
    values: pd.Series | None = None,
    fix: str | None = None,
    hint: str | None = None,
) -> DataError:
    """Build the standard one-line error: column, count + problem, first rows and values."""
    mask = np.asarray(mask, dtype=bool)
    count = int(mask.sum())
    if values is None:
        values = df[column]
    text, rows, vals = _examples(df, mask, values, ctx)
    more = "" if count <= _MAX_EXAMPLES else ", ..."
    msg = f"column '{column}': {problem} in {count:,} row{'' if count == 1 else 's'} — {text}{more} {ctx.row_note}"
    if fix:
        msg += f"; {fix}"
    return DataError(msg, column=column, count=count, rows=rows, values=vals, hint=hint)


def suggest_column(wanted: str, available: Iterable[str]) -> str | None:
    available = [str(c) for c in available]
    norm = {re.sub(r"[\s_\-]+", "", c).lower(): c for c in available}
    key = re.sub(r"[\s_\-]+", "", wanted).lower()
    if key in norm:
        return norm[key]
    for alias in _COMMON_ALIASES.get(wanted, []):
        a = re.sub(r"[\s_\-]+", "", alias).lower()
        if a in norm:
            return norm[a]
    close = difflib.get_close_matches(wanted, available, n=1, cutoff=0.75)
    return close[0] if close else None


def list_columns(cols: Iterable) -> str:
    cols = [str(c) for c in cols]
    shown = ", ".join(repr(c) for c in cols[:30])
    return shown + (f", ... ({len(cols)} in all)" if len(cols) > 30 else "")


# --------------------------------------------------------------------------------------------
# reading raw tables
# --------------------------------------------------------------------------------------------


def _extension(path: Path) -> str:
    name = path.name.lower()
    for ext in sorted(SUPPORTED_EXTENSIONS, key=len, reverse=True):
        if name.endswith(ext):
            return ext
    suffixes = "".join(path.suffixes[-2:]).lower()
    return suffixes or "(none)"


def _sniff_sep(head: str, ext: str) -> str:
    if ext.startswith(".tsv"):
        return "\t"
    first = head.splitlines()[0] if head else ""
    counts = {sep: first.count(sep) for sep in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _read_text(path: Path, ext: str, encoding: str | None, ledger_notes: list[str]) -> pd.DataFrame:
    compression = "gzip" if ext.endswith(".gz") else None
    encodings = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    last_err: Exception | None = None
    for enc in encodings:
        try:
            if compression:
                import gzip

                with gzip.open(path, "rb") as fh:
                    head_bytes = fh.read(65536)
            else:
                with open(path, "rb") as fh:
                    head_bytes = fh.read(65536)
            head = head_bytes.decode(enc, errors="ignore")
            sep = _sniff_sep(head.lstrip("\ufeff"), ext)
            df = pd.read_csv(
                path,
                sep=sep,
                dtype=str,
                encoding=enc,
                compression=compression,
                skipinitialspace=False,
                keep_default_na=True,
            )
        except (UnicodeDecodeError, UnicodeError) as err:
            last_err = err
            continue
        except LookupError:
            raise DataError(f"{path.name}: unknown encoding {encoding!r} (try 'utf-8' or 'gb18030')")
        except pd.errors.EmptyDataError:
            raise DataError(f"{path.name}: the file is empty (no header, no rows)")
        except pd.errors.ParserError as err:
            raise DataError(f"{path.name}: not a readable {ext} table: {str(err).strip()}")
        except (OSError, EOFError) as err:  # e.g. a corrupt .gz
            raise DataError(f"{path.name}: could not read the file: {err}")
        shown = {"utf-8-sig": "UTF-8"}.get(enc, enc.upper() if enc.islower() else enc)
        bom = " with BOM" if enc == "utf-8-sig" and head_bytes.startswith(b"\xef\xbb\xbf") else ""
        sep_name = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}[sep]
        ledger_notes.append(f"read {path.name} as {shown}{bom} text, {sep_name}-separated")
        return df
    if encoding:
        raise DataError(
            f"{path.name}: cannot be decoded as {encoding} ({last_err}); "
            "try encoding='utf-8' or encoding='gb18030'"
        )
    raise DataError(
        f"{path.name}: cannot be decoded as UTF-8 or GB18030/GBK ({last_err}); "
        "pass encoding='...' with the file's encoding"
    )


def read_source(source, encoding: str | None, what: str) -> tuple[pd.DataFrame, SourceInfo, list[str]]:
    """Read a path or DataFrame into a frame plus context; raises DataError on unreadable input."""
    notes: list[str] = []
    if isinstance(source, pd.DataFrame):
        df = source.copy()
        ctx = SourceInfo("DataFrame", by_index=True)
        labels = df.index.tolist()
        df = df.reset_index(drop=True)
        df.columns = [str(c).strip() for c in df.columns]
        if SOURCE_ROW in df.columns:
            df = df.drop(columns=SOURCE_ROW)
        _check_unique_columns(df, ctx)
        df[SOURCE_ROW] = labels
        notes.append(f"read {what} from a DataFrame")
        if df.shape[1] == 1:
            raise DataError(f"{what} DataFrame has no columns")
        if len(df) == 0:
            raise DataError(f"{what} DataFrame has no rows (columns: {list_columns(df.columns[:-1])})")
        return df, ctx, notes

    if not isinstance(source, (str, Path)):
        raise DataError(
            f"cannot read {what} from a {type(source).__name__}: pass a file path or a pandas DataFrame"
        )
    path = Path(source).expanduser()
    if not path.exists():
        raise DataError(f"{what} file not found: {str(path)!r} (working directory: {Path.cwd()})")
    if path.is_dir():
        raise DataError(f"{str(path)!r} is a directory, not a {what} file")
    ext = _extension(path)
    if ext not in SUPPORTED_EXTENSIONS:
        hint = ""
        if ext in (".xlsx", ".xls", ".xlsm"):
            hint = "; save the sheet as 'CSV UTF-8' first"
        raise DataError(
            f"{path.name}: unsupported file type {ext!r}; supported: "
            f"{', '.join(SUPPORTED_EXTENSIONS)}{hint}"
        )
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
        df.columns = [str(c).strip() for c in df.columns]
    else:
        df = _read_text(path, ext, encoding, notes)
        df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    if len(df.columns) == 0:
        raise DataError(f"{path.name}: no columns found")
    if len(df) == 0:
        raise DataError(
            f"{path.name}: has a header but no data rows (columns: {list_columns(df.columns)})"
        )
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


def apply_column_map(df: pd.DataFrame, columns: Mapping[str, str] | None, ctx: SourceInfo, what: str) -> pd.DataFrame:
    if not columns:
        return df
    if not isinstance(columns, Mapping):
        raise DataError(f"columns= must be a dict {{'their_name': 'our_name'}}, got {type(columns).__name__}")
    present = [c for c in df.columns if c != SOURCE_ROW]
    mapping: dict[str, str] = {}
    for theirs, ours in columns.items():
        key = str(theirs).strip()
        if key not in present:
            near = difflib.get_close_matches(key, present, n=1, cutoff=0.6)
            maybe = f" (did you mean {near[0]!r}?)" if near else ""
            raise DataError(
                f"column mapping names {key!r}, which is not in {ctx.name}{maybe}; "
                f"its columns are: {list_columns(present)}",
                column=key,
            )
        mapping[key] = str(ours).strip()
    targets = list(mapping.values())
    for t in set(targets):
        if targets.count(t) > 1:
            sources = [k for k, v in mapping.items() if v == t]
            raise DataError(f"column mapping sends {len(sources)} columns to {t!r}: {sources}", column=t)
    for theirs, ours in mapping.items():
        if ours != theirs and ours in present and ours not in mapping:
            raise DataError(
                f"column mapping renames {theirs!r} to {ours!r}, but {ctx.name} already has a "
                f"column {ours!r}; map that one to another name too, e.g. {{{ours!r}: '{ours}_original'}}",
                column=ours,
            )
    return df.rename(columns=mapping)


def require_columns(df: pd.DataFrame, required: Iterable[str], ctx: SourceInfo, what: str) -> None:
    present = [c for c in df.columns if c != SOURCE_ROW]
    for col in required:
        if col not in df.columns:
            near = suggest_column(col, present)
            maybe = f"; if it is {near!r}, pass columns={{{near!r}: {col!r}}}" if near else ""
            raise DataError(
                f"required column {col!r} is missing from {what} in {ctx.name}{maybe}; "
                f"columns present: {list_columns(present)}",
                column=col,
            )


# --------------------------------------------------------------------------------------------
# typing helpers (vectorised)
# --------------------------------------------------------------------------------------------


def open_table(source, columns: Mapping[str, str] | None, required: Iterable[str], what: str, *,
               encoding: str | None = None, label: str | None = None):
    """Read a table, rename its columns and check the required ones: the start of every loader.

    Returns ``(frame, source_info, ledger)``; the ledger starts with the reading notes (encoding,
    separator). ``label`` names the table in the missing-column message (default ``"the <what>"``).
    """
    df, ctx, notes = read_source(source, encoding, what)
    df = apply_column_map(df, columns, ctx, what)
    require_columns(df, required, ctx, label or f"the {what}")
    return df, ctx, RowLedger(rows_in=len(df), notes=list(notes))


def as_text(s: pd.Series) -> pd.Series:
    """Object series of stripped strings, NaN for missing/blank (whatever the input dtype)."""
    if pd.api.types.is_integer_dtype(s.dtype) and not s.hasnans:
        return s.astype("int64").astype(str).astype(object)
    if pd.api.types.is_float_dtype(s.dtype):
        # integral floats (ids/dates that went through a float column) print without '.0'
        f = s.to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            integral = np.isfinite(f) & (np.abs(f) < 2**62) & (np.mod(f, 1) == 0)
        other = ~np.isnan(f) & ~integral
        out = pd.Series(np.nan, index=s.index, dtype=object)
        out[integral] = f[integral].astype("int64").astype(str)
        out[other] = f[other].astype(str)
        return out
    obj = s.astype(object)
    notna = obj.notna().to_numpy()
    if not notna.all():
        obj = obj.where(notna, np.nan)  # pd.NA / None -> NaN
    kind = pd.api.types.infer_dtype(obj, skipna=True)
    if kind not in ("string", "empty"):
        nonstr = notna & ~obj.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
        if nonstr.any():
            obj[nonstr] = obj[nonstr].map(str)
    if kind == "empty":
        return pd.Series(np.nan, index=s.index, dtype=object)
    out = obj.str.strip()
    blank = (out == "").to_numpy(dtype=bool)
    if blank.any():
        out[blank] = np.nan
    return out.astype(object)


def parse_ids(s: pd.Series, text: pd.Series | None = None) -> pd.Series:
    """int64 if every value is an integer id without leading zeros, else stripped str.

    Missing values must have been handled by the caller; ``text`` is ``as_text(s)`` if known."""
    if pd.api.types.is_integer_dtype(s.dtype) and not s.hasnans:
        return s.astype("int64")
    if text is None:
        text = as_text(s)
    if text.notna().all() and text.str.match(_INT_ID).all():
        return text.astype("int64")
    return text


def parse_money(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(float values, mask of values that needed currency text stripped, mask of unreadable values)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        bad = s.notna()
        return pd.Series(np.nan, index=s.index), pd.Series(False, index=s.index), bad
    if pd.api.types.is_numeric_dtype(s.dtype):
        vals = pd.to_numeric(s, errors="coerce").astype("float64")
        no = pd.Series(False, index=s.index)
        return vals, no, vals.notna() & ~np.isfinite(vals)
    text = as_text(s)
    direct = pd.to_numeric(text, errors="coerce")
    need = text.notna() & direct.isna()
    vals = direct.astype("float64").to_numpy(copy=True)
    cleaned = np.zeros(len(s), dtype=bool)
    need_np = need.to_numpy(dtype=bool)
    if need_np.any():
        t = text[need_np].astype(str)
        t = t.str.replace(r"(?i)rmb|cny|[¥￥元\s\u00a0\u3000]", "", regex=True)
        t = t.str.replace(r"(?<=\d)[,，](?=\d{3}(?!\d))", "", regex=True)
        t = t.str.replace("−", "-", regex=False)
        fixed = pd.to_numeric(t, errors="coerce").astype("float64").to_numpy()
        vals[need_np] = fixed
        cleaned[need_np] = ~np.isnan(fixed)
    out = pd.Series(vals, index=s.index, dtype="float64")
    bad = text.notna() & ~np.isfinite(out)
    return out, pd.Series(cleaned, index=s.index), bad


def parse_timestamps(s: pd.Series) -> tuple[pd.Series, pd.Series, int]:
    """(naive Asia/Shanghai datetime64[ns], mask of unreadable non-blank values, n tz-converted)."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        out = s.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None).astype("datetime64[ns]")
        return out, pd.Series(False, index=s.index), int(s.notna().sum())
    if pd.api.types.is_datetime64_dtype(s.dtype):
        return s.astype("datetime64[ns]"), pd.Series(False, index=s.index), 0
    text = as_text(s)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    has_tz = text.notna() & text.str.contains(_TZ_SUFFIX, regex=True, na=False)
    n_tz = 0
    if has_tz.any():
        aware = pd.to_datetime(text[has_tz], format="ISO8601", utc=True, errors="coerce")
        local = aware.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None).astype("datetime64[ns]")
        out[has_tz] = local
        n_tz = int(local.notna().sum())
    todo = text.notna() & ~has_tz
    for fmt in _DATE_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        ok = parsed.notna()
        if ok.any():
            idx = ok[ok].index
            out[idx] = parsed[idx].astype("datetime64[ns]")
            todo[idx] = False
    bad = text.notna() & out.isna()
    return out, bad, n_tz


def parse_counts(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(int64-or-float values, mask of values that are not non-negative whole numbers or blank)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("float64"), s.notna()
    if pd.api.types.is_numeric_dtype(s.dtype):
        vals = pd.to_numeric(s, errors="coerce").astype("float64")
        bad = s.notna() & (vals.isna() | (vals % 1 != 0))
        return vals, bad
    text = as_text(s)
    vals = pd.to_numeric(text, errors="coerce").astype("float64")
    retry = (text.notna() & vals.isna()).to_numpy()
    if retry.any():  # thousands separators: "1,200"
        fixed = text[retry].str.replace(r"(?<=\d)[,，](?=\d{3}(?!\d))", "", regex=True)
        vals[retry] = pd.to_numeric(fixed, errors="coerce").astype("float64").to_numpy()
    bad = text.notna() & (vals.isna() | (vals % 1 != 0))
    return vals, bad


def parse_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype(bool), pd.Series(False, index=s.index)
    truthy = {"true", "1", "yes", "y", "t", "是", "会员", "1.0"}
    falsy = {"false", "0", "no", "n", "f", "否", "非会员", "0.0"}
    text = as_text(s).str.lower()
    out = text.map(lambda v: True if v in truthy else (False if v in falsy else None))
    bad = out.isna()
    return out, bad


def window_bounds(start, end) -> tuple[pd.Timestamp | None, pd.Timestamp | None, str, str]:
    """Window bounds: (start inclusive, end exclusive, start text, end text)."""

    def conv(v, name):
        if v is None:
            return None
        try:
            ts = pd.Timestamp(v)
        except (ValueError, TypeError) as err:
            raise ValueError(f"{name}={v!r} is not a date ({err})") from None
        if ts is pd.NaT:
            raise ValueError(f"{name}={v!r} is not a date")
        if ts.tzinfo is not None:
            ts = ts.tz_convert(LOCAL_TZ).tz_localize(None)
        return ts

    s, e = conv(start, "start"), conv(end, "end")
    e_excl = None
    if e is not None:
        whole_day = isinstance(end, _dt.date) and not isinstance(end, _dt.datetime) or e == e.normalize()
        e_excl = e.normalize() + pd.Timedelta(days=1) if whole_day else e + pd.Timedelta(1, "ns")
    if s is not None and e_excl is not None and s >= e_excl:
        raise ValueError(f"start ({start}) is after end ({end})")
    s_txt = "" if s is None else (str(s.date()) if s == s.normalize() else str(s))
    e_txt = "" if e is None else (str(e.date()) if e == e.normalize() else str(e))
    return s, e_excl, s_txt, e_txt


def check_option(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not one of {', '.join(map(repr, allowed))}")


def _schema_error(err, df: pd.DataFrame, ctx: SourceInfo, table: str) -> DataError:
    """Turn pandera SchemaErrors (lazy) or SchemaError into one readable DataError."""
    fc = getattr(err, "failure_cases", None)
    if not isinstance(fc, pd.DataFrame) or fc.empty:
        return DataError(f"{table} failed validation: {str(err).splitlines()[0]}")
    fc = fc.assign(column=fc["column"].fillna(table).astype(str), check=fc["check"].astype(str))
    first = fc.iloc[0]
    column, check = first["column"], first["check"]
    same = fc[(fc["column"] == column) & (fc["check"] == check)]
    count = len(same)
    rows, vals, parts = [], [], []
    for _, r in same.head(_MAX_EXAMPLES).iterrows():
        idx = r.get("index")
        label = df.loc[idx, SOURCE_ROW] if idx is not None and not pd.isna(idx) and idx in df.index else idx
        rows.append(label)
        vals.append(r.get("failure_case"))
        parts.append(f"{ctx.row_word} {label}: {_show(r.get('failure_case'))}")
    where = ""
    if parts:
        more = "" if count <= _MAX_EXAMPLES else ", ..."
        where = f" — {', '.join(parts)}{more} {ctx.row_note}"
    others = fc[~((fc["column"] == column) & (fc["check"] == check))]
    also = ""
    if len(others):
        groups = others.groupby(["column", "check"], dropna=False).size()
        also = "\nother failures: " + "; ".join(f"{c} {k}: {n}" for (c, k), n in groups.items())
    colname = column if isinstance(column, str) else table
    return DataError(
        f"column '{colname}': fails the check {check} in {count:,} row{'' if count == 1 else 's'}{where}",
        column=colname,
        count=count,
        rows=rows,
        values=vals,
        hint=also.strip() or None,
    )


def validate_schema(schema, df: pd.DataFrame, ctx: SourceInfo, table: str) -> None:
    pa = _pa()
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        raise _schema_error(err, df, ctx, table) from None
    except pa.errors.SchemaError as err:
        raise _schema_error(err, df, ctx, table) from None


def _type_text_columns(df: pd.DataFrame, names: Iterable[str]) -> None:
    for col in names:
        if col in df.columns:
            df[col] = as_text(df[col])


# --------------------------------------------------------------------------------------------
# read_orders
# --------------------------------------------------------------------------------------------


def read_orders(
    source,
    columns: Mapping[str, str] | None = None,
    *,
    start=None,
    end=None,
    drop_cancelled: bool = True,
    drop_returned: bool = False,
    nonpositive_amounts: str = "error",
    null_customer_ids: str = "error",
    duplicate_order_ids: str = "drop_exact",
    unparseable_dates: str = "error",
    encoding: str | None = None,
) -> tuple[pd.DataFrame, RowLedger]:
    """Read, type, clean and validate an orders table. Returns ``(orders, ledger)``.

    Parameters
    ----------
    source : str | Path | DataFrame
        ``.csv``, ``.csv.gz``, ``.tsv``/``.txt`` (optionally ``.gz``), ``.parquet``/``.pq``, or a frame.
    columns : dict
        ``{"their_name": "our_name"}``. Required after mapping: order_id, customer_id, order_ts,
        net_amount. Optional (typed when present): channel, province, category, items,
        gross_amount, discount_amount, shipping_fee, status. Other columns are kept untouched.
    start, end : date-like
        Analysis window; ``end`` includes its whole day unless it carries a time of day.
    drop_cancelled, drop_returned : bool
        Drop orders with that status (counted).
    nonpositive_amounts : "error" | "drop" | "keep"
        What to do with ``net_amount <= 0`` on the orders that remain after status filtering.
    null_customer_ids, unparseable_dates : "error" | "drop"
    duplicate_order_ids : "drop_exact" | "keep_first" | "error"
        ``drop_exact`` drops rows identical to an earlier one and refuses an order_id repeated with
        different content; ``keep_first`` keeps each order_id's first row; ``error`` refuses repeats.
    encoding : str
        Text encoding; by default UTF-8 (BOM or not), then GB18030 (covers GBK/GB2312).

    The frame comes back sorted by ``order_ts`` with a fresh RangeIndex.
    """
    check_option("nonpositive_amounts", nonpositive_amounts, ("error", "drop", "keep"))
    check_option("null_customer_ids", null_customer_ids, ("error", "drop"))
    check_option("duplicate_order_ids", duplicate_order_ids, ("drop_exact", "keep_first", "error"))
    check_option("unparseable_dates", unparseable_dates, ("error", "drop"))
    t0, t1, start_txt, end_txt = window_bounds(start, end)

    df, ctx, ledger = open_table(source, columns, REQUIRED_ORDER_COLUMNS, "orders", encoding=encoding)

    def keep(mask_drop, reason: str, description: str) -> None:
        nonlocal df
        mask_drop = np.asarray(mask_drop, dtype=bool)
        ledger.drop(reason, description, mask_drop)
        df = df.loc[~mask_drop].reset_index(drop=True)
        ledger.check(len(df))

    # ---- ids ---------------------------------------------------------------------------------
    oid_text = as_text(df["order_id"])
    if oid_text.isna().any():
        raise row_error(df, oid_text.isna(), "order_id", "blank", ctx, values=df["order_id"])
    cid_text = as_text(df["customer_id"])
    for col, text in (("order_id", oid_text), ("customer_id", cid_text)):
        if pd.api.types.is_string_dtype(text.dtype) or text.dtype == object:
            sci = text.str.match(_EXCEL_SCI, na=False)
            if sci.any():
                raise row_error(df, sci, col, "looks like Excel scientific notation (digits were lost)", ctx,
                            hint="Re-export the file with the id column formatted as text.")
    blank_cid = cid_text.isna().to_numpy()
    if blank_cid.any() and null_customer_ids == "error":
        raise row_error(df, blank_cid, "customer_id", "blank", ctx, values=df["customer_id"],
                    fix="pass null_customer_ids='drop' to drop those orders")
    if null_customer_ids == "drop":
        keep(blank_cid, "null_customer_id", "orders with a blank customer_id")
        oid_text = oid_text[~blank_cid].reset_index(drop=True)
        cid_text = cid_text[~blank_cid].reset_index(drop=True)
    df["order_id"] = parse_ids(df["order_id"], oid_text)
    df["customer_id"] = parse_ids(df["customer_id"], cid_text)

    # ---- order_ts ----------------------------------------------------------------------------
    ts, bad_ts, n_tz = parse_timestamps(df["order_ts"])
    missing_ts = ts.isna() & ~bad_ts
    if missing_ts.any():
        if unparseable_dates == "error":
            raise row_error(df, missing_ts, "order_ts", "blank", ctx, values=df["order_ts"],
                        fix="pass unparseable_dates='drop' to drop those orders")
    if bad_ts.any() and unparseable_dates == "error":
        raise row_error(df, bad_ts, "order_ts", "not a readable date", ctx,
                    fix="pass unparseable_dates='drop' to drop those orders",
                    hint=f"Accepted formats include {_ACCEPTED_DATES} (day-first dates are not accepted).")
    if unparseable_dates == "drop":
        df["order_ts"] = ts
        keep(ts.isna(), "unparseable_order_ts", "orders whose order_ts is blank or not a readable date")
    else:
        df["order_ts"] = ts
    if n_tz:
        ledger.note(f"{n_tz:,} order_ts values carried a time zone and were converted to {LOCAL_TZ} local time")

    # ---- amounts -----------------------------------------------------------------------------
    for col in ORDER_AMOUNT_COLUMNS:
        if col not in df.columns:
            continue
        vals, cleaned, bad = parse_money(df[col])
        if bad.any():
            raise row_error(df, bad, col, "not an amount", ctx,
                        hint="Amounts may be numbers or text such as '¥1,234.00', '88元', 'RMB 12'.")
        if cleaned.any():
            example = df.loc[cleaned.to_numpy(), col].iloc[0]
            ledger.note(
                f"{int(cleaned.sum()):,} {col} values had currency text or thousands separators "
                f"stripped (e.g. {example!r} -> {vals[cleaned].iloc[0]:g})"
            )
        df[col] = vals

    # ---- items -------------------------------------------------------------------------------
    if "items" in df.columns:
        vals, bad = parse_counts(df["items"])
        bad = bad | (vals < 0)
        if bad.any():
            raise row_error(df, bad, "items", "not a whole number >= 0", ctx)
        if vals.isna().any():
            raise row_error(df, vals.isna(), "items", "blank", ctx, values=df["items"],
                        hint="Fill them in, or set the column aside with columns={'items': 'items_raw'}.")
        df["items"] = vals.astype("int64")

    # ---- status ------------------------------------------------------------------------------
    if "status" in df.columns:
        raw = as_text(df["status"])
        norm = raw.str.lower()
        mapped = norm.map(STATUS_LABELS)
        unknown = mapped.isna()
        if unknown.any():
            counts = raw[unknown].fillna("<blank>").value_counts()
            listing = ", ".join(
                f"{k if k == '<blank>' else repr(k)} ({v:,})" for k, v in counts.head(10).items()
            )
            err = row_error(df, unknown, "status", "unknown status", ctx, values=df["status"])
            n_unknown = int(unknown.sum())
            where = ", ".join(str(r) for r in err.rows) + (", ..." if n_unknown > len(err.rows) else "")
            raise DataError(
                f"column 'status': unknown status in {n_unknown:,} row{'' if n_unknown == 1 else 's'}: "
                f"{listing}{', ...' if len(counts) > 10 else ''} — "
                f"{ctx.rows_word if n_unknown > 1 else ctx.row_word} {where} {ctx.row_note}",
                column="status", count=int(unknown.sum()), rows=err.rows, values=err.values,
                hint="Known statuses: completed, returned, cancelled and the Chinese labels "
                     + ", ".join(k for k in STATUS_LABELS if not k.isascii()) + ".",
            )
        relabelled = int((mapped != norm).sum())
        if relabelled:
            pairs = (
                pd.DataFrame({"raw": raw[mapped != norm], "to": mapped[mapped != norm]})
                .value_counts()
                .head(6)
            )
            shown = ", ".join(f"{r}→{t} ({n:,})" for (r, t), n in pairs.items())
            ledger.note(f"{relabelled:,} status labels mapped: {shown}")
        df["status"] = mapped.astype(object)
    else:
        df["status"] = "completed"
        ledger.note("no status column: all orders treated as completed")

    _type_text_columns(df, ORDER_TEXT_COLUMNS)

    # ---- 1. duplicates -------------------------------------------------------------------------
    content = [c for c in df.columns if c != SOURCE_ROW]
    if duplicate_order_ids == "error":
        rep = df["order_id"].duplicated(keep=False)
        if rep.any():
            raise row_error(df, rep, "order_id", "order id repeated", ctx,
                        fix="pass duplicate_order_ids='drop_exact' to drop identical repeats")
    elif duplicate_order_ids == "keep_first":
        dup = df["order_id"].duplicated(keep="first")
        keep(dup, "duplicate_order_ids", "repeated order_id: kept the first row of each")
    else:
        exact = hashable_frame(df[content]).duplicated(keep="first")
        keep(exact, "duplicate_rows", "exact duplicate rows (identical in every column): kept the first")
        rep = df["order_id"].duplicated(keep=False)
        if rep.any():
            raise _conflict_error(df, rep, content, ctx)

    # ---- 2./3. status --------------------------------------------------------------------------
    if drop_cancelled:
        keep(df["status"].eq("cancelled"), "cancelled", "cancelled orders")
    if drop_returned:
        keep(df["status"].eq("returned"), "returned", "returned orders")

    # ---- 4. amounts --------------------------------------------------------------------------
    missing = df["net_amount"].isna()
    if missing.any():
        raise row_error(df, missing, "net_amount", "blank", ctx)
    nonpos = df["net_amount"] <= 0
    if nonpositive_amounts == "error":
        if nonpos.any():
            raise row_error(df, nonpos, "net_amount", "zero or negative", ctx,
                        fix="pass nonpositive_amounts='drop' to drop those orders, or 'keep'")
    elif nonpositive_amounts == "drop":
        keep(nonpos, "nonpositive_amount", "orders with net_amount <= 0")
    elif nonpos.any():
        ledger.note(f"{int(nonpos.sum()):,} orders with net_amount <= 0 kept (nonpositive_amounts='keep')")

    # ---- 5. window -----------------------------------------------------------------------------
    if t0 is not None:
        keep(df["order_ts"] < t0, "before_start", f"orders before {start_txt}")
    if t1 is not None:
        keep(df["order_ts"] >= t1, "after_end", f"orders after {end_txt}")

    if len(df) == 0:
        raise DataError(
            f"no orders left after cleaning {ctx.name}: {ledger}; check start/end and the cleaning options"
        )

    # ---- validate, sort ------------------------------------------------------------------------
    schema = orders_schema(allow_negative_amounts=(nonpositive_amounts == "keep"))
    validate_schema(schema, df, ctx, "orders")

    df = df.sort_values(["order_ts", SOURCE_ROW], kind="mergesort").drop(columns=SOURCE_ROW).reset_index(drop=True)
    ledger.check(len(df))
    return df, ledger


def hashable_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` whose cells can be hashed (lists and dicts turned into their repr)."""
    out = frame
    for col in frame.columns:
        if frame[col].dtype == object and pd.api.types.infer_dtype(frame[col], skipna=True) not in (
            "string", "empty", "integer", "floating", "boolean", "datetime", "date", "decimal", "bytes",
        ):
            s = frame[col]
            unhashable = s.map(lambda v: isinstance(v, (list, dict, set, np.ndarray)))
            if unhashable.any():
                if out is frame:
                    out = frame.copy()
                out[col] = s.map(lambda v: repr(v) if isinstance(v, (list, dict, set, np.ndarray)) else v)
    return out


def _conflict_error(df: pd.DataFrame, rep: pd.Series, content: list[str], ctx: SourceInfo) -> DataError:
    sub = df.loc[rep.to_numpy()]
    n_ids = int(sub["order_id"].nunique())
    n_rows = int(rep.sum())
    parts, rows, vals = [], [], []
    for oid, grp in list(sub.groupby("order_id", sort=False))[:3]:
        a, b = grp.iloc[0], grp.iloc[1]
        diff = [c for c in content if not (_same(a[c], b[c]))]
        d = diff[0] if diff else "?"
        extra = ""
        if len(diff) > 1:
            extra = f"; {len(diff) - 1} more column{'s differ' if len(diff) > 2 else ' differs'}"
        parts.append(
            f"order_id {_show(oid)} at {ctx.rows_word} {a[SOURCE_ROW]} and {b[SOURCE_ROW]} "
            f"({d}: {_show(a[d]) if diff else ''} vs {_show(b[d]) if diff else ''}"
            f"{extra})"
        )
        rows += [a[SOURCE_ROW], b[SOURCE_ROW]]
        vals += [oid, oid]
    more = ", ..." if n_ids > 3 else ""
    return DataError(
        f"column 'order_id': {n_ids:,} order id{'' if n_ids == 1 else 's'} repeated with different content "
        f"on {n_rows:,} rows — "
        f"{'; '.join(parts)}{more} {ctx.row_note}; pass duplicate_order_ids='keep_first' to keep the first",
        column="order_id",
        count=n_ids,
        rows=rows,
        values=vals,
        hint="If the file has one row per item (order lines), aggregate it to one row per order first.",
    )


def _same(a, b) -> bool:
    try:
        if pd.isna(a) and pd.isna(b):
            return True
    except (TypeError, ValueError):
        pass
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------------------------
# read_table (customers, funnel_daily)
# --------------------------------------------------------------------------------------------

TABLES = {
    "customers": {
        "required": ("customer_id",),
        "optional": ("first_order_ts", "province", "city_tier", "acquisition_channel", "age_band", "member"),
    },
    "funnel_daily": {
        "required": ("date", "channel", "visitors", "product_views", "add_to_cart", "orders"),
        "optional": (),
    },
}


def read_table(path_or_df, kind: str, columns: Mapping[str, str] | None = None, *,
               encoding: str | None = None) -> pd.DataFrame:
    """Read and validate an optional table: ``kind`` is ``"customers"`` or ``"funnel_daily"``.

    customers: customer_id (required, unique), first_order_ts, province, city_tier (1–5),
    acquisition_channel, age_band, member (bool). funnel_daily: date, channel, visitors,
    product_views, add_to_cart, orders (all required; one row per date and channel).
    Nothing is dropped: any bad row is a DataError.
    """
    if kind not in TABLES:
        raise ValueError(f"kind={kind!r} is not one of {', '.join(map(repr, TABLES))}")
    spec = TABLES[kind]
    df, ctx, _ = open_table(path_or_df, columns, spec["required"], kind, encoding=encoding,
                            label=f"the {kind} table")

    if kind == "customers":
        cid = as_text(df["customer_id"])
        if cid.isna().any():
            raise row_error(df, cid.isna(), "customer_id", "blank", ctx, values=df["customer_id"])
        df["customer_id"] = parse_ids(df["customer_id"])
        dup = df["customer_id"].duplicated(keep=False)
        if dup.any():
            raise row_error(df, dup, "customer_id", "customer id repeated", ctx)
        if "first_order_ts" in df.columns:
            ts, bad, _ = parse_timestamps(df["first_order_ts"])
            if bad.any():
                raise row_error(df, bad, "first_order_ts", "not a readable date", ctx,
                            hint=f"Accepted formats include {_ACCEPTED_DATES}.")
            df["first_order_ts"] = ts
        if "city_tier" in df.columns:
            vals, bad = parse_counts(df["city_tier"])
            bad = bad | vals.isna() | (vals < 1) | (vals > 5)
            if bad.any():
                raise row_error(df, bad, "city_tier", "not a city tier 1–5", ctx)
            df["city_tier"] = vals.astype("int64")
        if "member" in df.columns:
            vals, bad = parse_bool(df["member"])
            if bad.any():
                raise row_error(df, bad, "member", "not true/false (or 1/0, yes/no, 是/否)", ctx)
            df["member"] = vals.astype(bool)
        _type_text_columns(df, ("province", "acquisition_channel", "age_band"))
        schema = _customers_schema()
    else:
        ts, bad, _ = parse_timestamps(df["date"])
        bad = bad | ts.isna()
        if bad.any():
            raise row_error(df, bad, "date", "not a readable date", ctx,
                        hint=f"Accepted formats include {_ACCEPTED_DATES}.")
        if (ts != ts.dt.normalize()).any():
            timed = (ts != ts.dt.normalize()).to_numpy()
            raise row_error(df, timed, "date", "has a time of day (expected dates)", ctx)
        df["date"] = ts
        chan = as_text(df["channel"])
        if chan.isna().any():
            raise row_error(df, chan.isna(), "channel", "blank", ctx)
        df["channel"] = chan
        for col in ("visitors", "product_views", "add_to_cart", "orders"):
            vals, bad = parse_counts(df[col])
            bad = bad | vals.isna() | (vals < 0)
            if bad.any():
                raise row_error(df, bad, col, "not a whole number >= 0", ctx)
            df[col] = vals.astype("int64")
        dup = df.duplicated(["date", "channel"], keep=False)
        if dup.any():
            raise row_error(df, dup, "date", "(date, channel) repeated", ctx,
                        values=df["date"].dt.strftime("%Y-%m-%d") + " " + df["channel"])
        schema = _funnel_schema()

    validate_schema(schema, df, ctx, kind)
    df = df.drop(columns=SOURCE_ROW)
    if kind == "funnel_daily":
        df = df.sort_values(["date", "channel"], kind="mergesort").reset_index(drop=True)
    return df


# --------------------------------------------------------------------------------------------
# shops: the demo and user directories
# --------------------------------------------------------------------------------------------


@dataclass
class ShopData:
    """The tables of one shop, ready to analyse."""

    orders: pd.DataFrame
    ledger: RowLedger
    customers: pd.DataFrame | None = None
    funnel_daily: pd.DataFrame | None = None
    truth: Any = None  # ecomkit.simulate.ShopTruth for simulated shops, else None
    source: str = ""


def demo_dir() -> Path:
    """The bundled demo shop directory (``datasets/demo_shop``); DataError if it is absent."""
    d = Path(__file__).resolve().parent.parent / "datasets" / "demo_shop"
    if not d.is_dir() or not find_table(d, "orders"):
        raise DataError(
            f"the bundled demo shop is missing: no orders file in {d}; "
            "regenerate it with `make demo` (or reinstall ecomkit from a full checkout)"
        )
    return d


def find_table(directory: Path, stem: str) -> Path | None:
    hits = [p for p in sorted(directory.iterdir())
            if p.is_file() and p.name.lower().startswith(stem + ".") and _extension(p) in SUPPORTED_EXTENSIONS]
    if len(hits) > 1:
        raise DataError(
            f"{directory}: more than one {stem} file ({', '.join(p.name for p in hits)}); keep one"
        )
    return hits[0] if hits else None


@dataclass(frozen=True)
class DataSource:
    """What a chapter's ``DATA`` parameter points at: a DataFrame, one file, or a folder of tables."""

    kind: str  # "frame" | "file" | "folder"
    frame: pd.DataFrame | None = None
    path: Path | None = None
    is_demo: bool = False

    @property
    def table(self):
        """The DataFrame or the file path, ready for a ``read_*`` function (not for folders)."""
        return self.frame if self.kind == "frame" else self.path

    @property
    def label(self) -> str:
        return "DataFrame" if self.kind == "frame" else str(self.path)


def resolve_data(data) -> DataSource:
    """Interpret ``data``: ``"demo"`` (the bundled demo folder), a DataFrame, a file or a folder.

    >>> resolve_data("demo").is_demo
    True
    """
    if isinstance(data, pd.DataFrame):
        return DataSource("frame", frame=data)
    if not isinstance(data, (str, Path)):
        raise DataError(f"data= must be 'demo', a path or a DataFrame, not {type(data).__name__}")
    if isinstance(data, str) and data.strip().lower() == "demo":
        return DataSource("folder", path=demo_dir(), is_demo=True)
    path = Path(data).expanduser()
    if not path.exists():
        raise DataError(f"data not found: {str(path)!r} (working directory: {Path.cwd()})")
    return DataSource("folder" if path.is_dir() else "file", path=path)


def load_shop(data="demo", columns: Mapping[str, str] | None = None, **rules) -> ShopData:
    """Load a shop: ``"demo"``, a directory, an orders file, or an orders DataFrame.

    A directory holds ``orders.*`` plus optional ``customers.*``, ``funnel_daily.*`` and
    ``truth.json`` (+ ``customer_truth.csv``). ``columns`` maps the *orders* columns; ``rules`` are
    :func:`read_orders`' keyword options. The demo defaults to the window 2023-01-01..2025-12-31.
    """
    where = resolve_data(data)
    if where.kind != "folder":
        orders, ledger = read_orders(where.table, columns, **rules)
        return ShopData(orders, ledger, source=where.label)
    directory, is_demo = where.path, where.is_demo
    if is_demo:
        rules.setdefault("start", DEFAULT_DEMO_WINDOW[0])
        rules.setdefault("end", DEFAULT_DEMO_WINDOW[1])
    orders_path = find_table(directory, "orders")
    if orders_path is None:
        raise DataError(
            f"{directory}: no orders file (expected orders.csv, orders.csv.gz or orders.parquet); "
            f"found: {', '.join(p.name for p in sorted(directory.iterdir())) or 'nothing'}"
        )
    orders, ledger = read_orders(orders_path, columns, **rules)
    tables = {}
    for kind in ("customers", "funnel_daily"):
        p = find_table(directory, kind)
        tables[kind] = read_table(p, kind, encoding=rules.get("encoding")) if p else None
    truth = None
    if (directory / "truth.json").exists():
        from ecomkit.simulate import ShopTruth  # lazy: the simulator is only needed for truth

        truth = ShopTruth.from_files(directory)
    source = f"demo ({directory})" if is_demo else str(directory)
    return ShopData(orders, ledger, tables["customers"], tables["funnel_daily"], truth, source)


def load_demo(**rules) -> ShopData:
    """The bundled demo shop (window 2023-01-01..2025-12-31 unless ``start``/``end`` are given)."""
    return load_shop("demo", **rules)


def load_demo_truth():
    """The demo shop's ground truth as an ``ecomkit.simulate.ShopTruth``."""
    from ecomkit.simulate import ShopTruth

    return ShopTruth.from_files(demo_dir())


# --------------------------------------------------------------------------------------------
# privacy
# --------------------------------------------------------------------------------------------


def pseudonymise_ids(series: pd.Series, salt: str, length: int = 16) -> pd.Series:
    """Replace ids by stable salted SHA-256 hex digests (first ``length`` hex characters).

    The same id and salt always give the same pseudonym (``123`` and ``"123"`` included); keep the
    salt secret and out of exported files. Missing ids stay missing.
    """
    if not isinstance(salt, str) or not salt:
        raise ValueError("pseudonymise_ids needs a non-empty secret salt string")
    if not 8 <= int(length) <= 64:
        raise ValueError("length must be between 8 and 64 hex characters")
    s = pd.Series(series)
    text = as_text(s)
    uniq = pd.unique(text.dropna())
    prefix = salt.encode("utf-8") + b"\x1f"
    table = {u: hashlib.sha256(prefix + str(u).encode("utf-8")).hexdigest()[: int(length)] for u in uniq}
    if len(set(table.values())) < len(table):
        raise ValueError(f"pseudonym collision at length {length}; use a longer length")
    out = text.map(table)
    out.name = s.name
    return out.astype(object)
