"""A shop whose orders live on an engine: ``load_shop(..., engine="duckdb")`` for the chapters.

The orders file is cleaned chunk by chunk with ``ecomkit.io``'s reader (:mod:`ecomkit.engine.prepare`)
and registered with DuckDB or Spark; the customers and funnel tables of a shop folder (small) and
the demo's truth are read as ``ecomkit.io.load_shop`` reads them. ``engine="auto"`` keeps pandas
for the demo and files under ``ENGINE_THRESHOLD_ROWS`` rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ecomkit.io.loaders import ShopData

__all__ = ["EngineShopData", "load_shop"]


@dataclass
class EngineShopData(ShopData):
    """A :class:`~ecomkit.io.ShopData` whose ``orders`` is an Ibis table on ``engine``."""

    engine: str = "duckdb"
    data_currency: str | None = None
    prepared: object = None   # the ecomkit.engine.prepare.PreparedOrders behind the orders

    @property
    def currency(self) -> str | None:
        return self.data_currency

    @property
    def has_customers(self) -> bool:
        return "customer_id" in self.orders.columns


def _orders_path(data):
    from ecomkit.io.loaders import find_table, resolve_data

    where = resolve_data(data)
    if where.kind == "folder":
        return None if where.is_demo else find_table(where.path, "orders")
    return where.table if not hasattr(where.table, "columns") else None


def load_shop(data="demo", columns: Mapping[str, str] | None = None, *, engine: str | None = "auto",
              con=None, progress: bool = False, **options) -> ShopData:
    """``ecomkit.io.load_shop`` with the orders on an engine.

    ``engine``: ``"pandas"`` (everything in pandas, as ``ecomkit.io.load_shop``), ``"duckdb"``,
    ``"spark"``, or ``"auto"`` (pandas below ``ENGINE_THRESHOLD_ROWS`` orders, DuckDB above).
    ``con`` is an Ibis backend to use instead of a new one. ``options`` are the loader's
    (``require``, ``status_map``, ``clean`` ...). The orders are cleaned by the same rules either way;
    on an engine ``shop.orders`` is an Ibis table and the chapters' functions accept it.
    """
    from ecomkit.engine.prepare import choose_engine
    from ecomkit.io.loaders import load_shop as load_in_pandas

    chosen = choose_engine(engine, _orders_path(data))
    if chosen == "pandas":
        return load_in_pandas(data, columns, **options)
    from ecomkit.engine.connect import connect
    from ecomkit.engine.orders import OPTIONAL_COLUMNS, ORDER_COLUMNS, orders_table
    from ecomkit.engine.prepare import prepare_orders
    from ecomkit.io.engine import read_table
    from ecomkit.io.loaders import _side, find_table, resolve_data
    from ecomkit.truth import ShopTruth

    prepared = prepare_orders(data, columns, progress=progress, **options)
    con = con if con is not None else connect(chosen)
    keep = tuple(dict.fromkeys((*ORDER_COLUMNS, *OPTIONAL_COLUMNS, *prepared.columns)))
    orders = orders_table(con, prepared.path, columns=keep)
    tables, ledgers, truth = {"customers": None, "funnel_daily": None}, {"orders": prepared.ledger}, None
    where = resolve_data(data)
    if where.kind == "folder":
        for kind in tables:
            path = find_table(where.path, kind)
            if path is not None:
                tables[kind], ledgers[kind] = read_table(kind, path, **_side(options))
        if (where.path / "truth.json").exists():
            truth = ShopTruth.from_files(where.path)
    return EngineShopData(orders, prepared.ledger, tables["customers"], tables["funnel_daily"], truth,
                          source=prepared.source, ledgers=ledgers, engine=chosen, data_currency=prepared.currency,
                          prepared=prepared)
