"""The orders table as an Ibis expression, and the two row rules every query starts from.

``orders_table`` registers a cleaned orders table (ecomkit's column names, e.g. a Parquet file
written from ``ecomkit.io.load_shop(...).orders`` or from the simulator) without loading it:
DuckDB and Spark then read only the columns a query uses. The views below are the SQL-view
equivalents of the chapters' row rules:

* :func:`purchases` — the rows the loader keeps by default (``ecomkit.io``: ``unpaid`` and
  ``cancelled`` dropped, returned and in-progress orders kept); on a table the loader already
  cleaned it changes nothing.
* :func:`counted_orders` — chapter 01's counting rule (``ecomkit.profiling``): orders up to
  ``as_of``, never cancelled or unpaid, returned ones only when asked.

Statuses are compared as the loader writes them (``completed``, ``returned``, ``cancelled``,
``unpaid``, ``in_progress``): trimming and lower-casing every row cost as much as the rest of a
summary, and a cleaned table has nothing to trim.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

__all__ = ["ORDER_COLUMNS", "OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "NOT_PURCHASES", "orders_table",
           "write_orders_parquet", "purchases", "counted_orders", "require_columns", "purchase_day"]

#: the columns the queries use, in ecomkit's names
ORDER_COLUMNS = ("order_id", "customer_id", "order_ts", "net_amount", "status")
#: further columns kept when asked for and present
OPTIONAL_COLUMNS = ("channel", "province", "category")
REQUIRED_COLUMNS = ("order_ts", "net_amount")
#: statuses that are never purchases (the loader drops them by default)
NOT_PURCHASES = ("cancelled", "unpaid")

_PARQUET = (".parquet", ".pq")
_CSV = (".csv", ".tsv", ".txt", ".gz")


def require_columns(orders: ir.Table, columns, where: str) -> None:
    """Stop with one line when ``orders`` lacks a column a query needs."""
    missing = [c for c in columns if c not in orders.columns]
    if missing:
        raise ValueError(f"{where}: the orders table has no column {', '.join(map(repr, missing))}; "
                         f"its columns are {list(orders.columns)}")


def _read_file(con, path: Path) -> ir.Table:
    name = path.name.lower()
    spark = con.name == "pyspark"
    if path.is_dir() or name.endswith(_PARQUET):
        source = str(path / "*.parquet") if path.is_dir() and not spark else str(path)
        try:
            return con.read_parquet(source)
        except Exception as exc:
            if spark and "NANOS" in str(exc):
                raise ValueError(f"{path}: Spark 3.5 cannot read nanosecond Parquet timestamps; write the file "
                                 f"with microseconds (ecomkit.engine.write_orders_parquet does)") from None
            raise
    if name.endswith(_CSV):
        if spark:
            return con.read_csv(str(path), header=True, inferSchema=True,
                                sep="\t" if name.endswith((".tsv", ".tsv.gz")) else ",")
        return con.read_csv(str(path))
    raise ValueError(f"{path}: the engine reads Parquet or CSV files of cleaned orders "
                     f"(other formats go through ecomkit.io.read_table first)")


def _register_frame(con, frame: pd.DataFrame) -> ir.Table:
    if con.name == "pyspark":
        # PySpark turns naive datetimes into instants with the Python process's time zone;
        # tagging them UTC (the session's zone) keeps the wall-clock time written in the table
        stamps = [c for c in frame.columns if pd.api.types.is_datetime64_dtype(frame[c])]
        if stamps:
            frame = frame.assign(**{c: frame[c].dt.tz_localize("UTC") for c in stamps})
    return con.create_view(ibis.util.gen_name("ecomkit_orders"), ibis.memtable(frame), overwrite=True)


def orders_table(con, path_or_frame, columns=ORDER_COLUMNS, rename: dict | None = None) -> ir.Table:
    """Register cleaned orders with backend ``con`` and select the columns the queries need.

    Parameters
    ----------
    con : an Ibis backend from :func:`ecomkit.engine.connect`.
    path_or_frame : a Parquet file or folder of Parquet files, a CSV file (header row, ISO
        timestamps), a pandas DataFrame (through ``ibis.memtable``), the name of a table the
        backend already has, or an Ibis table.
    columns : ecomkit column names wanted; those absent from the data are skipped, except the
        required ``order_ts`` and ``net_amount``. Only these columns are ever read.
    rename : ``{their name: ecomkit name}`` for files whose headers differ (like ``--map``).

    Returns
    -------
    Ibis table with ``order_ts`` a timestamp, ``net_amount`` float64 and ``status`` text.
    The rows are taken as cleaned: blank ids or amounts and unknown status words are not
    reported here as ``ecomkit.io`` reports them (an unknown status counts as a purchase).
    """
    rename = dict(rename or {})
    if isinstance(path_or_frame, pd.DataFrame):
        frame = path_or_frame.rename(columns=rename)
        rename = {}
        table = _register_frame(con, frame[[c for c in columns if c in frame.columns]])
    elif isinstance(path_or_frame, ir.Table):
        table = path_or_frame
    else:
        path = Path(path_or_frame)
        if not path.exists() and str(path_or_frame) in con.list_tables():
            table = con.table(str(path_or_frame))
        elif not path.exists():
            raise ValueError(f"{path_or_frame}: no such file or folder (nor a table of the {con.name} backend)")
        else:
            table = _read_file(con, path)
    if rename:
        table = table.rename({ours: theirs for theirs, ours in rename.items() if theirs in table.columns})
    require_columns(table, REQUIRED_COLUMNS, "orders_table")
    table = table.select(*[c for c in columns if c in table.columns])
    casts = {}
    if not table.order_ts.type().is_timestamp():
        casts["order_ts"] = table.order_ts.cast("timestamp")
    if not table.net_amount.type().is_float64():
        casts["net_amount"] = table.net_amount.cast("float64")
    if "status" in table.columns and not table.status.type().is_string():
        casts["status"] = table.status.cast("string")
    return table.mutate(**casts) if casts else table


def write_orders_parquet(frame: pd.DataFrame, path) -> Path:
    """Write an orders frame as Parquet that DuckDB and Spark both read (microsecond timestamps)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False, coerce_timestamps="us", allow_truncated_timestamps=True)
    return path


def _status_is(orders: ir.Table, statuses) -> ir.BooleanValue:
    """True where the status is one of ``statuses``; a blank status is ``completed`` (as in ecomkit.io)."""
    return orders.status.isin(statuses).fill_null(False)


def purchases(orders: ir.Table) -> ir.Table:
    """Orders that are purchases: unpaid and cancelled rows out (the loader's defaults)."""
    if "status" not in orders.columns:
        return orders
    return orders.filter(~_status_is(orders, NOT_PURCHASES))


def counted_orders(orders: ir.Table, as_of, include_returned: bool = False) -> ir.Table:
    """Chapter 01's counted orders: ``order_ts <= as_of``, not cancelled or unpaid, returned
    ones only with ``include_returned`` (``ecomkit.profiling`` counting rule)."""
    counted = orders.filter(orders.order_ts <= ibis.literal(pd.Timestamp(as_of).to_pydatetime()))
    if "status" not in orders.columns:
        return counted
    excluded = NOT_PURCHASES if include_returned else (*NOT_PURCHASES, "returned")
    return counted.filter(~_status_is(counted, excluded))


def purchase_day(ts: ir.TimestampValue) -> ir.IntegerValue:
    """Calendar day of a timestamp as days since 1970-01-01 (time of day dropped)."""
    return ts.date().epoch_days()
