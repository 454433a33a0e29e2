"""The engine path of the chapters: a large file cleaned a chunk at a time gives exactly what
ecomkit.io gives reading it whole, and chapter 03's functions give the same numbers on the engine's
table as on the pandas frame (the demo shop), through to `ecomkit run clv --engine duckdb`."""

import json

import numpy as np
import pandas as pd
import pytest

from ecomkit import clv, engine, order_tables
from ecomkit import profiling as pf
from ecomkit.engine.prepare import choose_engine, prepare_orders
from ecomkit.io import DataError, load_shop
from ecomkit.runner import RunnerError, run_chapter

END = "2025-12-31"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ECOMKIT_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def demo_pandas():
    return load_shop("demo")


@pytest.fixture(scope="module")
def demo_duckdb(tmp_path_factory):
    import os

    os.environ["ECOMKIT_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    return engine.load_shop("demo", engine="duckdb")


def test_a_file_read_in_chunks_is_the_file_read_whole(demo_pandas):
    prepared = prepare_orders("demo", chunk_rows=7_000, cache=False)   # 10 chunks
    chunked = pd.read_parquet(prepared.path).sort_values("order_id", ignore_index=True)
    whole = demo_pandas.orders.sort_values("order_id", ignore_index=True)
    pd.testing.assert_frame_equal(chunked[whole.columns], whole, check_dtype=False)
    assert prepared.ledger.steps == demo_pandas.ledger.steps
    assert prepared.ledger.flags == demo_pandas.ledger.flags
    assert prepared.ledger.rows_in == demo_pandas.ledger.rows_in


def _lines_file(tmp_path):
    """Order 3's lines straddle the chunk border (chunk_rows=2); row 6 repeats row 5 exactly."""
    rows = [("1", "a", "2024-01-02 10:00", "10.00", "completed"),
            ("2", "b", "2024-01-03 11:00", "20.00", "completed"),
            ("3", "a", "2024-01-05 12:00", "5.00", "completed"),
            ("3", "a", "2024-01-05 12:00", "7.50", "completed"),
            ("4", "c", "2024-01-06 09:00", "30.00", "cancelled"),
            ("4", "c", "2024-01-06 09:00", "30.00", "cancelled"),
            ("5", "b", "2024-02-01 08:00", "12.00", "completed")]
    path = tmp_path / "lines.csv"
    path.write_text("order_id,customer_id,order_ts,net_amount,status\n" + "\n".join(",".join(r) for r in rows) + "\n")
    return path


def test_rules_across_chunks_count_what_the_whole_file_counts(tmp_path):
    path = _lines_file(tmp_path)
    chunked = prepare_orders(path, chunk_rows=3, cache=False)
    whole = load_shop(path)
    got = pd.read_parquet(chunked.path).sort_values("order_id", ignore_index=True)
    pd.testing.assert_frame_equal(got[whole.orders.columns], whole.orders.sort_values("order_id", ignore_index=True),
                                  check_dtype=False)
    assert got.loc[got["order_id"] == 3, "net_amount"].item() == 12.5
    assert chunked.ledger.rows_kept == whole.ledger.rows_kept == 4
    assert {step[0] for step in chunked.ledger.steps if step[2]} == {step[0] for step in whole.ledger.steps if step[2]}


def test_the_date_order_decided_by_the_first_chunk_holds_for_the_rest(tmp_path):
    """Row 1 (13/01) says day first; rows 3-4 alone could be either. The whole file is read day first,
    and so must the chunk of rows 3-4 be."""
    path = tmp_path / "dates.csv"
    path.write_text("order_id,customer_id,order_ts,net_amount\n1,a,13/01/2024 10:00,10\n2,b,14/01/2024 11:00,20\n"
                    "3,a,03/02/2024 12:00,5\n4,c,04/02/2024 09:00,30\n")
    whole = load_shop(path)
    chunked = prepare_orders(path, chunk_rows=2, cache=False)
    got = pd.read_parquet(chunked.path).sort_values("order_id", ignore_index=True)
    pd.testing.assert_frame_equal(got[whole.orders.columns], whole.orders.sort_values("order_id", ignore_index=True),
                                  check_dtype=False)
    assert got.loc[got["order_id"] == 3, "order_ts"].item() == pd.Timestamp("2024-02-03 12:00")


def test_split_orders_stop_when_the_rule_says_error(tmp_path):
    with pytest.raises(DataError, match="orders have several rows|order"):
        prepare_orders(_lines_file(tmp_path), chunk_rows=3, cache=False, clean={"order_lines": "error"})


def test_a_bad_file_fails_with_the_readers_message(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("order_id,customer_id,order_ts,net_amount\n1,a,not a date,10\n2,b,2024-01-01,abc\n")
    with pytest.raises(DataError) as chunked:
        prepare_orders(path, cache=False)
    with pytest.raises(DataError) as whole:
        load_shop(path)
    assert str(chunked.value) == str(whole.value)


def test_the_prepared_file_is_cached_and_reused(tmp_path):
    path = _lines_file(tmp_path)
    first = prepare_orders(path, chunk_rows=3)
    again = prepare_orders(path, chunk_rows=3)
    assert first.path == again.path and again.ledger.steps == first.ledger.steps
    other = prepare_orders(path, chunk_rows=3, clean={"order_lines": "keep_first"})
    assert other.path != first.path


def test_auto_engine_takes_duckdb_only_for_large_files(tmp_path):
    small = engine.write_orders_parquet(load_shop("demo").orders.head(100), tmp_path / "small.parquet")
    assert choose_engine("auto", small) == "pandas"
    assert choose_engine("auto", None) == "pandas"       # the demo
    assert choose_engine("spark", small) == "spark"
    with pytest.raises(ValueError, match="ENGINE must be"):
        choose_engine("polars", small)


@pytest.mark.parametrize("function", ["customer_summary", "customer_base", "first_purchase_value"])
def test_clv_tables_on_the_engine_equal_pandas(function, demo_pandas, demo_duckdb):
    args = () if function == "first_purchase_value" else (END,)
    got = getattr(clv, function)(demo_duckdb.orders, *args)
    expected = getattr(clv, function)(demo_pandas.orders, *args)
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(got[expected.columns], expected, check_dtype=False, check_names=False,
                                      rtol=1e-12)
        assert got.attrs == expected.attrs
    else:
        pd.testing.assert_series_equal(got, expected, check_dtype=False, check_names=False, rtol=1e-12)


@pytest.mark.parametrize("time_unit", ["W", "D"])
def test_calibration_holdout_on_the_engine_equals_pandas(time_unit, demo_pandas, demo_duckdb):
    got = clv.calibration_holdout(demo_duckdb.orders, "2025-03-31", END, time_unit=time_unit)
    expected = clv.calibration_holdout(demo_pandas.orders, "2025-03-31", END, time_unit=time_unit)
    pd.testing.assert_frame_equal(got[expected.columns], expected, check_dtype=False, check_names=False, rtol=1e-12)
    with pytest.raises(ValueError, match="must be after"):
        clv.calibration_holdout(demo_duckdb.orders, END, "2025-03-31")


def test_tracking_rfm_and_order_questions_on_the_engine_equal_pandas(demo_pandas, demo_duckdb):
    fit = clv.fit_bgnbd(clv.customer_summary(demo_pandas.orders, "2025-03-31"))
    for a, b in ((demo_duckdb.orders, demo_pandas.orders),):
        expected = clv.tracking_table(fit, order_tables.acquired_by(b, "2025-03-31"), END)
        pd.testing.assert_frame_equal(clv.tracking_table(fit, b, END, acquired_by="2025-03-31"), expected)
        pd.testing.assert_frame_equal(clv.tracking_table(fit, a, END, acquired_by="2025-03-31"), expected)
        pd.testing.assert_frame_equal(clv.tracking_table(fit, order_tables.acquired_by(a, "2025-03-31"), END), expected)
        assert not clv.tracking_table(fit, b, END).equals(expected)   # the later customers do change it
        pd.testing.assert_frame_equal(pf.rfm_table(a, "2026-01-01"), pf.rfm_table(b, "2026-01-01"), check_dtype=False)
        assert order_tables.span(a) == order_tables.span(b)
        assert order_tables.span(order_tables.through(a, "2024-06-30")) == \
            order_tables.span(order_tables.through(b, "2024-06-30"))
        channel_a = order_tables.first_order_values(a, "channel").sort_index()
        channel_b = order_tables.first_order_values(b, "channel").sort_index()
        assert (channel_a == channel_b).all() and len(channel_a) == len(channel_b)


def test_engine_shop_keeps_the_ledger_truth_and_side_tables(demo_pandas, demo_duckdb):
    assert order_tables.is_engine_table(demo_duckdb.orders) and not order_tables.is_engine_table(demo_pandas.orders)
    assert demo_duckdb.ledger.rows_kept == demo_pandas.ledger.rows_kept
    assert demo_duckdb.truth is not None and demo_duckdb.customers is not None
    assert demo_duckdb.has_customers


@pytest.fixture(scope="module")
def small_parquet(tmp_path_factory):
    orders = load_shop("demo").orders
    keep = orders["customer_id"].isin(orders["customer_id"].drop_duplicates().sample(3_000, random_state=3))
    return engine.write_orders_parquet(orders[keep], tmp_path_factory.mktemp("clv-data") / "orders.parquet")


@pytest.mark.slow
def test_ecomkit_run_clv_gives_the_same_model_on_duckdb_and_pandas(small_parquet, tmp_path):
    runs = {}
    for name in ("duckdb", "pandas"):
        run_chapter("clv", data=str(small_parquet), out=tmp_path / name, progress=False, engine=name,
                    params=[("BENCHMARK", "False")])
        runs[name] = json.loads((tmp_path / name / "results.json").read_text())
    assert runs["duckdb"]["parameters"]["ENGINE"] == "duckdb"
    duck, pandas_ = (runs[n]["results"]["bgnbd_full_window"]["params"] for n in ("duckdb", "pandas"))
    assert max(abs(duck[k] / pandas_[k] - 1) for k in pandas_) <= 1e-9
    for key in ("customer_base", "clv", "holdout_errors", "winback_list", "p_alive"):
        got, expected = runs["duckdb"]["results"][key], runs["pandas"]["results"][key]
        flat = pd.json_normalize(got).iloc[0], pd.json_normalize(expected).iloc[0]
        assert list(flat[0].index) == list(flat[1].index), key
        for name in flat[1].index:
            if isinstance(flat[1][name], float):
                assert flat[0][name] == pytest.approx(flat[1][name], rel=1e-9), (key, name)
            else:
                assert flat[0][name] == flat[1][name], (key, name)
    ledgers = [runs[n]["ledger"] for n in ("duckdb", "pandas")]
    assert {k: v for k, v in ledgers[0].items() if k != "notes"} == {k: v for k, v in ledgers[1].items() if k != "notes"}


def test_engine_option_is_refused_where_a_chapter_has_none(tmp_path):
    with pytest.raises(RunnerError, match="always runs in pandas; the chapters with an engine choice are clv"):
        run_chapter("pricing", out=tmp_path, progress=False, engine="duckdb")
    with pytest.raises(RunnerError, match="use one of"):
        run_chapter("clv", out=tmp_path, progress=False, engine="polars")


def test_spark_without_the_extra_says_how_to_install_it(small_parquet, tmp_path):
    import importlib.util

    if importlib.util.find_spec("pyspark") is not None:
        pytest.skip("pyspark is installed here")
    with pytest.raises(RunnerError, match=r"pip install ecomkit\[spark\]"):
        run_chapter("clv", data=str(small_parquet), out=tmp_path, progress=False, engine="spark")
