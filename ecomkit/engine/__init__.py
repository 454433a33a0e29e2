"""Orders-heavy work as queries, written once in Ibis: DuckDB by default, Spark optional.

The chapters' pandas functions stay the reference (and the course's clear path); these queries
give the same numbers over a file the backend reads column by column, so a large shop never
lands in pandas whole. Each query returns an Ibis table expression; :func:`to_pandas` runs it.

>>> from ecomkit import engine
>>> con = engine.connect()                                   # or engine.connect("spark")
>>> orders = engine.orders_table(con, "orders.parquet")      # doctest: +SKIP
>>> summary = engine.to_pandas(engine.customer_summary(orders, "2025-12-31"))  # doctest: +SKIP

A chapter opens its shop with :func:`load_shop` (``engine="auto"``: pandas for small files, DuckDB
from ``ENGINE_THRESHOLD_ROWS`` orders; or ``"duckdb"`` / ``"spark"``): a large export is cleaned by
``ecomkit.io``'s reader a chunk at a time (:func:`prepare_orders`) and its orders stay on the engine.

Queries and the pandas function whose numbers they reproduce:

* ``customer_summary`` — ``ecomkit.clv.customer_summary`` (chapter 03);
* ``rfm_table`` — ``ecomkit.profiling.rfm_table`` (chapter 01);
* ``daily_kpis`` — ``ecomkit.kpi.kpis_by_period`` (chapter 00);
* ``cohort_counts`` — the counts behind ``ecomkit.cohorts.cohort_retention``; ``cohort_retention``
  runs it and returns the same ``CohortRetention``.
"""

from ecomkit.engine.cohorts import cohort_counts, cohort_retention, retention_from_counts
from ecomkit.engine.connect import ENGINES, SPARK_EXTRA_HINT, connect, spark_session
from ecomkit.engine.execute import to_pandas
from ecomkit.engine.kpis import daily_kpis
from ecomkit.engine.orders import ORDER_COLUMNS, counted_orders, orders_table, purchases, write_orders_parquet
from ecomkit.engine.prepare import PreparedOrders, prepare_orders
from ecomkit.engine.rfm import rfm_table
from ecomkit.engine.shop import EngineShopData, load_shop
from ecomkit.engine.summary import customer_summary, purchase_days

__all__ = ["ENGINES", "SPARK_EXTRA_HINT", "ORDER_COLUMNS", "connect", "spark_session", "orders_table",
           "write_orders_parquet", "purchases", "counted_orders", "purchase_days", "customer_summary",
           "rfm_table", "daily_kpis", "load_shop", "EngineShopData", "prepare_orders", "PreparedOrders", "cohort_counts", "cohort_retention", "retention_from_counts", "to_pandas"]
