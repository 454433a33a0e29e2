"""Read a large orders export with ecomkit's one reader, a chunk at a time, into a Parquet file the engine queries.

``ecomkit.io.read_table`` reads a whole file into pandas. For a large shop that is the cost the
engine exists to avoid, so :func:`prepare_orders` feeds the same reader one chunk of rows at a time
(``chunk_rows``, 500,000 by default): every mapping, date style, status word, blank and duplicate
rule and the row ledger are exactly those of ``ecomkit.io`` (docs/ingestion.md), and each cleaned
chunk is appended to one Parquet file. Memory stays at about one chunk whatever the file's size.

Two rules look across rows and so across chunks; they are finished on the whole file with DuckDB
after the last chunk and counted in the same ledger:

* ``duplicate_rows`` — a cleaned row identical to one in another chunk is dropped (kept first);
* ``order_lines`` — an order whose lines fall in two chunks is merged (amounts and items summed,
  the earliest time and the first row's other values kept), or stops or keeps the first row as
  the rule's action says.

The order of day and month in dates like 03/04/2024 is decided by the first chunk whose values decide
it and then fixed for the rest of the file (a later chunk may hold only ambiguous dates; a date that
contradicts the decision is then an unreadable date, as ``--dayfirst`` makes it). The decimal
separator is decided per chunk, from its values (a file uses one, so chunks agree unless a column
holds whole numbers only, which read the same either way). The prepared file is cached (keyed by the file's path, size,
modification time, the column map and the options), so the command line's check before the
notebook runs and the notebook itself read the export once.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import pandas as pd

from ecomkit import __version__
from ecomkit.io.errors import DataError
from ecomkit.io.open import CHUNK_OF
from ecomkit.io.ledger import RowLedger

__all__ = ["CHUNK_ROWS", "ENGINE_THRESHOLD_ROWS", "PreparedOrders", "prepare_orders", "count_rows", "choose_engine",
           "cache_dir"]

#: rows read and cleaned at a time
CHUNK_ROWS = 500_000
#: ``ENGINE="auto"`` moves to DuckDB from this many rows in the orders file (below it pandas is as fast)
ENGINE_THRESHOLD_ROWS = 1_000_000
#: prepared files older than this are removed from the cache when a new one is written
CACHE_MAX_AGE_S = 24 * 3600

_PARQUET = (".parquet", ".pq")
_TEXT = (".csv", ".tsv", ".txt")
_MONEY = ("net_amount", "gross_amount", "discount_amount", "shipping_fee", "refund_amount", "unit_price")


@dataclass(frozen=True)
class PreparedOrders:
    """A cleaned orders table on disk: ``path`` (Parquet), its ``ledger``, the ``currency`` the
    amounts carried (or None) and the cleaned ``columns``."""

    path: Path
    ledger: RowLedger
    currency: str | None
    columns: tuple[str, ...]
    source: str

    @property
    def rows(self) -> int:
        return self.ledger.rows_kept


def cache_dir() -> Path:
    """Where prepared files live: ``$ECOMKIT_CACHE`` or ``<temp>/ecomkit-prepared``."""
    return Path(os.environ.get("ECOMKIT_CACHE") or Path(tempfile.gettempdir()) / "ecomkit-prepared")


def _extension(path: Path) -> str:
    name = path.name.lower()
    for ext in (*_PARQUET, *_TEXT):
        if name.endswith(ext) or name.endswith(ext + ".gz"):
            return ext + (".gz" if name.endswith(".gz") else "")
    return path.suffix.lower()


def count_rows(path) -> int | None:
    """Rows of an orders file without reading it: exact for Parquet, estimated from the first lines
    of a text file, None for other kinds (Excel holds at most 1,048,576 rows: never large)."""
    path = Path(path)
    ext = _extension(path)
    if ext in _PARQUET:
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(path).metadata.num_rows
        except Exception:  # an unreadable file is reported by the reader itself
            return None
    if ext.startswith(_TEXT):
        import gzip

        opener = gzip.open if ext.endswith(".gz") else open
        with opener(path, "rb") as fh:
            head = fh.read(1 << 20)
        lines = head.count(b"\n")
        if lines == 0:
            return 1
        size = path.stat().st_size * (4 if ext.endswith(".gz") else 1)   # gzip: about 4 to 1 on text
        return int(size / (len(head) / lines))
    return None


def choose_engine(engine: str | None, orders_path: Path | None) -> str:
    """``"pandas"``, ``"duckdb"`` or ``"spark"`` for an ``ENGINE`` setting: ``auto`` (or None) takes
    pandas for the demo and files under :data:`ENGINE_THRESHOLD_ROWS` rows, DuckDB above."""
    engine = (engine or "auto").lower()
    if engine not in ("auto", "pandas", "duckdb", "spark"):
        raise ValueError(f"ENGINE must be auto, pandas, duckdb or spark, not {engine!r}")
    if engine != "auto":
        return engine
    if orders_path is None:
        return "pandas"
    rows = count_rows(orders_path)
    return "duckdb" if rows is not None and rows >= ENGINE_THRESHOLD_ROWS else "pandas"


def _key(path: Path, columns: Mapping | None, options: Mapping) -> str:
    stat = path.stat()
    described = json.dumps({"path": str(path.resolve()), "size": stat.st_size, "mtime": stat.st_mtime_ns,
                            "columns": dict(columns or {}), "options": options, "version": __version__},
                           sort_keys=True, default=str)
    return hashlib.sha256(described.encode()).hexdigest()[:24]


def _prune(root: Path) -> None:
    now = time.time()
    for entry in root.glob("*"):
        try:
            if now - entry.stat().st_mtime > CACHE_MAX_AGE_S:
                shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink()
        except OSError:
            continue


def _chunks(path: Path, chunk_rows: int, encoding: str | None):
    """Raw chunks of the file as DataFrames of text (Parquet keeps its types), each indexed by its
    1-based row number in the file, plus the reading notes."""
    ext = _extension(path)
    if ext in _PARQUET:
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(path)
        except Exception as err:
            raise DataError(f"{path.name}: not a readable Parquet file ({type(err).__name__}: {err})") from None
        offset = 0
        for batch in parquet.iter_batches(batch_size=chunk_rows):
            frame = batch.to_pandas()
            frame.index = pd.RangeIndex(offset + 1, offset + len(frame) + 1)
            offset += len(frame)
            yield frame
        return
    from ecomkit.io.open import text_chunks

    yield from text_chunks(path, encoding=encoding, chunk_rows=chunk_rows)


def _merge_ledgers(total: RowLedger | None, part: RowLedger) -> RowLedger:
    if total is None:
        return RowLedger(rows_in=part.rows_in, steps=list(part.steps), notes=list(part.notes), flags=list(part.flags))
    total.rows_in += part.rows_in
    steps = {(reason, text): n for reason, text, n in total.steps}
    for reason, text, n in part.steps:
        steps[(reason, text)] = steps.get((reason, text), 0) + n
    total.steps = [(reason, text, n) for (reason, text), n in steps.items()]
    flags = {(reason, text): n for reason, text, n in total.flags}
    for reason, text, n in part.flags:
        flags[(reason, text)] = flags.get((reason, text), 0) + n
    total.flags = [(reason, text, n) for (reason, text), n in flags.items()]
    return total


def _date_order(ledger: RowLedger) -> bool | None:
    """True (day first) or False (month first) when a chunk's values decided the order of its dates."""
    for note in ledger.notes:
        if "dates written like" in note and " read day first" in note:
            return True
        if "dates written like" in note and " read month first" in note:
            return False
    return None


def prepare_orders(data, columns: Mapping[str, str] | None = None, *, chunk_rows: int = CHUNK_ROWS,
                   progress: bool = False, cache: bool = True, **options) -> PreparedOrders:
    """Clean an orders file chunk by chunk with ``ecomkit.io``'s reader into one Parquet file.

    ``data`` is an orders file (CSV, TSV, TXT, their .gz, Parquet) or a shop folder holding one;
    ``columns`` and ``options`` are those of :func:`ecomkit.io.load_shop` (``require``, ``status_map``,
    ``dayfirst``, ``clean`` ...). Returns a :class:`PreparedOrders`; a bad file raises the same
    one-line :class:`~ecomkit.io.DataError` as ``load_shop``. ``progress`` shows a bar per chunk.
    """
    from ecomkit.io.engine import read_table
    from ecomkit.io.loaders import find_table, resolve_data

    where = resolve_data(data)
    path = Path(where.path if where.kind == "folder" else where.table)
    if where.kind == "folder":
        found = find_table(path, "orders")
        if found is None:
            raise DataError(f"{path}: no orders file (orders.csv, orders.csv.gz or orders.parquet)")
        path = found
    if not isinstance(path, Path) or not path.is_file():
        raise DataError(f"{data}: the engine reads an orders file or a folder holding one")
    if _extension(path) not in (*_PARQUET, *_TEXT, *(e + ".gz" for e in _TEXT)):
        raise DataError(f"{path.name}: the DuckDB and Spark engines read CSV, TSV, TXT (or .gz) and Parquet files; "
                        f"read an Excel workbook with ENGINE pandas (Excel sheets hold at most 1,048,576 rows)")
    if where.is_demo:
        from ecomkit.io.loaders import DEFAULT_DEMO_WINDOW

        options.setdefault("start", DEFAULT_DEMO_WINDOW[0])
        options.setdefault("end", DEFAULT_DEMO_WINDOW[1])
    root = cache_dir()
    key = _key(path, columns, options)
    target = root / key
    if cache and (target / "orders.parquet").exists() and (target / "ledger.json").exists():
        return _load_prepared(target, str(path))

    import pyarrow as pa
    import pyarrow.parquet as pq

    root.mkdir(parents=True, exist_ok=True)
    _prune(root)
    work = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=root))
    spool = work / "orders.parquet"
    ledger: RowLedger | None = None
    chunk_options = dict(options)
    currencies: set[str] = set()
    writer = schema = None
    estimate = count_rows(path)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=estimate, desc=f"reading {path.name}", unit="rows", unit_scale=True)
    try:
        for raw in _chunks(path, chunk_rows, options.get("encoding")):
            raw.attrs[CHUNK_OF] = path.name
            try:
                frame, part = read_table("orders", raw, columns, **chunk_options)
            except DataError as err:
                if "no rows left" in str(err) and len(raw) > 0:   # a chunk wholly outside the window or dropped
                    if bar is not None:
                        bar.update(len(raw))
                    ledger = _merge_ledgers(ledger, _empty_chunk_ledger(raw))
                    continue
                raise
            if chunk_options.get("dayfirst") is None and not chunk_options.get("date_format"):
                decided = _date_order(part)
                if decided is not None:   # the rest of the file is read the same way
                    chunk_options["dayfirst"] = decided
            if frame.attrs.get("currency"):
                currencies.add(frame.attrs["currency"])
            ledger = _merge_ledgers(ledger, part)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                schema = table.schema
                writer = pq.ParquetWriter(spool, schema, coerce_timestamps="us", allow_truncated_timestamps=True)
            else:
                table = _conform(table, schema, path)
            writer.write_table(table)
            if bar is not None:
                bar.update(len(raw))
    finally:
        if writer is not None:
            writer.close()
        if bar is not None:
            bar.close()
    if writer is None or ledger is None or ledger.rows_kept == 0:
        shutil.rmtree(work, ignore_errors=True)
        raise DataError(f"no rows left in the orders of {path.name} after cleaning: {ledger}; check START/END, "
                        "--map and the --clean options")
    if len(currencies) > 1:
        raise DataError(f"{path.name}: amounts are marked in several currencies ({', '.join(sorted(currencies))}); "
                        "convert them to one first")
    _give_back_memory()
    _finish_across_chunks(spool, ledger, options)
    ledger.notes.insert(0, f"read {path.name} in chunks of {chunk_rows:,} rows with ecomkit.io's reader")
    currency = next(iter(currencies), None)
    names = tuple(pq.read_schema(spool).names)
    (work / "ledger.json").write_text(json.dumps({
        "rows_in": ledger.rows_in, "steps": ledger.steps, "notes": ledger.notes, "flags": ledger.flags,
        "currency": currency, "columns": names}), encoding="utf-8")
    if not cache:
        return PreparedOrders(spool, ledger, currency, names, str(path))
    try:
        work.rename(target)
    except OSError:   # another process prepared the same file meanwhile: use theirs
        shutil.rmtree(work, ignore_errors=True)
    return _load_prepared(target, str(path))


def _give_back_memory() -> None:
    """Return the chunks' freed memory to the system, so the process that prepared the file (the
    command line, before the notebook runs) does not sit on it."""
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):   # not glibc: the memory is reused, only not returned
        pass


def _empty_chunk_ledger(raw: pd.DataFrame) -> RowLedger:
    ledger = RowLedger(rows_in=len(raw))
    ledger.drop("window", "rows outside the START/END window or dropped by the cleaning rules", len(raw))
    return ledger


def _conform(table, schema, path: Path):
    """Cast a chunk to the first chunk's column types (a column all blank in one chunk reads as null)."""
    import pyarrow as pa

    if table.schema.names != schema.names:
        raise DataError(f"{path.name}: a later part of the file has other columns ({table.schema.names}) than the first "
                        f"({schema.names})")
    try:
        return table.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # ids read as whole numbers in one chunk and as text in another: text for the whole file
        columns = []
        for name in schema.names:
            column = table[name]
            wanted = schema.field(name).type
            if column.type != wanted:
                if pa.types.is_string(wanted) or pa.types.is_large_string(wanted):
                    column = column.cast(pa.string())
                else:
                    raise DataError(f"{path.name}: column '{name}' reads as {column.type} in a later part of the file "
                                    f"and as {wanted} in the first; pass --map and --clean options that fit both")
            columns.append(column)
        return pa.table(columns, names=schema.names)


def _finish_across_chunks(spool: Path, ledger: RowLedger, options: Mapping) -> None:
    """Apply the rules that compare rows of different chunks: exact repeats, then order lines."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"CREATE VIEW spool AS SELECT * FROM read_parquet('{spool}')")
    names = [row[0] for row in con.execute("DESCRIBE spool").fetchall()]
    total = con.execute("SELECT count(*) FROM spool").fetchone()[0]
    if "order_id" not in names:
        return
    if con.execute("SELECT count(DISTINCT order_id) FROM spool").fetchone()[0] == total:
        return   # every order_id once: no repeated rows and no split orders
    repeated = total - con.execute("SELECT count(*) FROM (SELECT DISTINCT * FROM spool)").fetchone()[0]
    clean = {**(options.get("clean") or {}), **{k: v for k, v in options.items() if k in ("order_lines", "duplicate_rows")}}
    lines = clean.get("order_lines", "merge")
    if repeated:
        if clean.get("duplicate_rows") == "error":
            raise DataError(f"{spool.name}: {repeated:,} rows repeat a row of another part of the file exactly; "
                            "pass --clean duplicate_rows=drop to keep the first")
        ledger.drop("duplicate_rows", "exact duplicate rows: kept the first", repeated)
    split = con.execute("SELECT count(*) - count(DISTINCT order_id) FROM (SELECT DISTINCT * FROM spool)").fetchone()[0]
    if split and lines == "error":
        example = con.execute("SELECT order_id FROM spool GROUP BY order_id HAVING count(*) > 1 LIMIT 3").fetchall()
        raise DataError(f"column 'order_id': {split:,} orders have several rows, e.g. "
                        f"{', '.join(repr(r[0]) for r in example)}; pass --clean order_lines=merge to merge them")
    summed = [n for n in names if n in _MONEY or n == "items"]
    first = [n for n in names if n not in summed and n not in ("order_id", "order_ts")]
    if split and lines == "merge":
        select = ", ".join(["order_id", "min(order_ts) AS order_ts"] + [f"sum({n}) AS {n}" for n in summed]
                           + [f"arg_min({n}, order_ts) AS {n}" for n in first])
        query = f"SELECT {select} FROM (SELECT DISTINCT * FROM spool) GROUP BY order_id"
        ledger.drop("order_lines", "order lines merged into their order", split)
    elif split:   # keep_first
        query = "SELECT * FROM (SELECT DISTINCT * FROM spool) QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY order_ts) = 1"
        ledger.drop("order_lines", "further rows of an order: kept the first", split)
    else:
        query = "SELECT DISTINCT * FROM spool"
    finished = spool.with_name("finished.parquet")
    con.execute(f"COPY (SELECT {', '.join(names)} FROM ({query})) TO '{finished}' (FORMAT parquet)")
    con.close()
    finished.replace(spool)


def _load_prepared(target: Path, source: str) -> PreparedOrders:
    saved = json.loads((target / "ledger.json").read_text(encoding="utf-8"))
    ledger = RowLedger(rows_in=saved["rows_in"], steps=[tuple(s) for s in saved["steps"]], notes=list(saved["notes"]),
                       flags=[tuple(f) for f in saved["flags"]])
    os.utime(target)   # recently used: not pruned
    return PreparedOrders(target / "orders.parquet", ledger, saved["currency"], tuple(saved["columns"]), source)
