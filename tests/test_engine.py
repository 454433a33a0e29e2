"""The DuckDB engine (ecomkit.engine) gives the pandas functions' numbers, on the demo shop and on a
small hand-made table with the awkward cases: same-day repeat orders, zero amounts, one-order
customers, cancelled and unpaid rows, sub-second times, orders after the observation end.

The pandas functions count every row they are given (the loader has already dropped cancelled and
unpaid orders); the engine applies that loader rule itself (``engine.purchases``), so on a raw
table it is compared with the pandas function on the rows the loader would keep.
"""

import sys

import numpy as np
import pandas as pd
import pytest

from ecomkit import clv, cohorts, engine, kpi, profiling
from ecomkit.io import load_shop

RTOL = 1e-9

# Ibis 12 calls DuckDB 1.5's deprecated fetch_arrow_table(); not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")


def assert_same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same rows, columns, index and dtypes; floats equal to RTOL relative."""
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=RTOL, atol=0, check_freq=False)


def loader_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows ecomkit.io keeps by default: unpaid and cancelled orders out."""
    if "status" not in frame:
        return frame
    return frame[~frame["status"].isin(["cancelled", "unpaid"])].reset_index(drop=True)


def generated_orders() -> pd.DataFrame:
    """Hand-made cases first, then 300 random customers (string ids, times to the microsecond)."""
    cases = [  # customer, order_ts, net_amount, status
        ("a-one-order", "2024-02-10 09:00:00", 50.0, "completed"),
        ("b-same-day", "2024-01-03 10:00:00", 20.0, "completed"),
        ("b-same-day", "2024-01-03 18:30:00", 30.0, "completed"),        # merged with the 10:00 order
        ("b-same-day", "2024-03-01 08:00:00", 0.0, "completed"),         # a zero-amount purchase day
        ("b-same-day", "2024-03-01 21:00:00", 0.0, "in_progress"),
        ("c-cancelled-only", "2024-02-01 12:00:00", 99.0, "cancelled"),
        ("d-unpaid-first", "2024-01-01 00:00:00", 10.0, "unpaid"),
        ("d-unpaid-first", "2024-04-01 00:00:00", 15.5, "completed"),
        ("d-unpaid-first", "2024-05-20 23:59:59.999999", 4.25, "returned"),
        ("e-zero-only", "2024-03-03 03:03:03", 0.0, "completed"),
        ("f-after-end", "2024-06-30 23:59:59.5", 12.0, "completed"),      # the last observed day
        ("f-after-end", "2024-07-01 00:00:00", 13.0, "completed"),        # after the observation end
        ("g-late-only", "2024-07-02 10:00:00", 8.0, "completed"),         # first order after the end
        ("h-as-of", "2024-06-15 12:30:00.250000", 7.0, "completed"),      # exactly at the mid-day as_of
        ("h-as-of", "2024-06-15 12:30:00.250001", 9.0, "completed"),      # 1 microsecond later
        ("h-as-of", "2024-05-15 12:30:00.250001", 1.0, "completed"),
    ]
    rng = np.random.default_rng(12)
    start = pd.Timestamp("2024-01-01").value
    span = pd.Timedelta(days=200).value
    rows = []
    for i in range(300):
        n = int(rng.integers(1, 7))
        base = start + int(rng.integers(0, span))
        for _ in range(n):
            ts = pd.Timestamp(base + int(rng.integers(0, span // 2)), unit="ns").floor("us")
            amount = 0.0 if rng.random() < 0.08 else round(float(rng.gamma(2.0, 60.0)), 2)
            status = rng.choice(["completed", "completed", "completed", "returned", "in_progress",
                                 "cancelled", "unpaid"])
            rows.append((f"c{i:04d}", ts, amount, status))
        if rng.random() < 0.2:  # a second order on the same calendar day
            day = pd.Timestamp(base, unit="ns").normalize()
            rows.append((f"c{i:04d}", day + pd.Timedelta(hours=23, minutes=59), 5.0, "completed"))
    frame = pd.DataFrame(cases + rows, columns=["customer_id", "order_ts", "net_amount", "status"])
    frame["order_ts"] = pd.to_datetime(frame["order_ts"], format="ISO8601")
    frame.insert(0, "order_id", np.arange(1, len(frame) + 1, dtype="int64"))
    frame.loc[2, "order_id"] = frame.loc[1, "order_id"]  # two lines of one order: one order for RFM
    frame["channel"] = np.where(np.arange(len(frame)) % 3 == 0, "search", "social")
    return frame


@pytest.fixture(scope="module")
def con():
    return engine.connect()


@pytest.fixture(scope="module")
def demo_orders():
    return load_shop("demo").orders


@pytest.fixture(scope="module", params=["demo", "generated"])
def shop(request, con):
    """(orders as pandas, the same orders registered with DuckDB, observation end, as_of)."""
    if request.param == "demo":
        frame = request.getfixturevalue("demo_orders")
        return frame, engine.orders_table(con, frame), "2025-12-31", pd.Timestamp("2026-01-01")
    frame = generated_orders()
    return frame, engine.orders_table(con, frame), "2024-06-30", pd.Timestamp("2024-06-15 12:30:00.25")


# ------------------------------------------------------------------------------------- CLV summary


@pytest.mark.parametrize("time_unit", ["W", "D"])
def test_customer_summary_equals_the_chapters(shop, time_unit):
    frame, orders, end, _ = shop
    got = engine.to_pandas(engine.customer_summary(orders, end, time_unit=time_unit))
    assert_same(got, clv.customer_summary(loader_rows(frame), end, time_unit=time_unit))


def test_customer_summary_defaults_to_the_last_order_day(shop):
    frame, orders, _, _ = shop
    got = engine.to_pandas(engine.customer_summary(orders))
    assert_same(got, clv.customer_summary(loader_rows(frame)))


def test_a_blank_status_is_a_completed_purchase(con):
    frame = pd.DataFrame({"order_id": [1, 2, 3], "customer_id": [1, 1, 1], "net_amount": [10.0, 20.0, 40.0],
                          "order_ts": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-15"]),
                          "status": ["completed", None, "cancelled"]})
    orders = engine.orders_table(con, frame)
    got = engine.to_pandas(engine.customer_summary(orders, "2024-01-31", time_unit="D"))
    assert got.loc[1].tolist() == [1.0, 7.0, 30.0, 20.0]
    rfm = engine.to_pandas(engine.rfm_table(orders, "2024-02-01"))
    assert rfm.loc[1].tolist() == [24, 2, 30.0]


def test_customer_summary_merges_same_day_orders_and_keeps_zero_purchases(con):
    orders = engine.orders_table(con, generated_orders())
    got = engine.to_pandas(engine.customer_summary(orders, "2024-06-30", time_unit="D"))
    assert got.loc["b-same-day"].tolist() == [1.0, 58.0, 179.0, 0.0]   # 3 Jan (20 + 30) then 1 Mar (0)
    assert got.loc["a-one-order"].tolist() == [0.0, 0.0, 141.0, 0.0]
    assert got.loc["d-unpaid-first", "frequency"] == 1.0              # the unpaid order is no purchase
    assert got.loc["f-after-end", "frequency"] == 0.0                 # 1 July is after the end
    assert not {"c-cancelled-only", "g-late-only"} & set(got.index)
    assert got.index.is_monotonic_increasing


# ---------------------------------------------------------------------------------------- RFM


@pytest.mark.parametrize("include_returned", [False, True])
@pytest.mark.parametrize("when", ["midnight", "mid-day"])
def test_rfm_table_equals_the_chapters(shop, include_returned, when):
    frame, orders, _, as_of = shop
    if when == "midnight":
        as_of = as_of.normalize()
    got = engine.to_pandas(engine.rfm_table(orders, as_of, include_returned=include_returned))
    expected = profiling.rfm_table(frame, as_of, include_returned=include_returned)
    assert_same(got, expected)
    assert len(got) > 0


def test_rfm_counts_one_order_per_order_id_and_the_as_of_instant(con):
    orders = engine.orders_table(con, generated_orders())
    got = engine.to_pandas(engine.rfm_table(orders, "2024-06-15 12:30:00.25"))
    assert got.loc["b-same-day", "frequency"] == 3                  # four rows, one order on two lines
    assert got.loc["h-as-of"].tolist() == [0, 2, 8.0]                # at as_of counts, 1 us later does not


def test_rfm_without_order_ids_counts_rows(con):
    frame = generated_orders().drop(columns="order_id")
    got = engine.to_pandas(engine.rfm_table(engine.orders_table(con, frame), "2024-07-01"))
    expected = profiling.rfm_table(frame.assign(order_id=np.arange(len(frame))), "2024-07-01")
    assert_same(got, expected)


# ------------------------------------------------------------------------------ KPIs per period


@pytest.mark.parametrize("freq", ["D", "W", "M"])
def test_daily_kpis_equal_kpis_by_period(shop, freq):
    frame, orders, _, _ = shop
    assert_same(engine.to_pandas(engine.daily_kpis(orders, freq)), kpi.kpis_by_period(loader_rows(frame), freq))


def test_daily_kpis_without_customer_ids(shop, con):
    frame, _, _, _ = shop
    frame = frame.drop(columns="customer_id")
    got = engine.to_pandas(engine.daily_kpis(engine.orders_table(con, frame), "D"))
    assert list(got.columns) == ["orders", "gmv_cny", "aov_cny"]
    assert_same(got, kpi.kpis_by_period(loader_rows(frame), "D"))


def test_daily_kpis_fill_days_without_orders(con):
    frame = pd.DataFrame({"order_id": [1, 2, 3], "customer_id": [1, 1, 2],
                          "order_ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-04 09:00", "2024-01-04 11:00"]),
                          "net_amount": [10.0, 0.0, 30.0]})
    got = engine.to_pandas(engine.daily_kpis(engine.orders_table(con, frame)))
    assert got["orders"].tolist() == [1, 0, 0, 2]
    assert got["new_buyers"].tolist() == [1, 0, 0, 1]
    assert got["aov_cny"].tolist() == [10.0, 0.0, 0.0, 15.0]


# ------------------------------------------------------------------------------------- cohorts


def assert_same_cohorts(got, expected) -> None:
    pd.testing.assert_frame_equal(got.matrix, expected.matrix)
    pd.testing.assert_frame_equal(got.active, expected.active)
    pd.testing.assert_series_equal(got.sizes, expected.sizes)
    pd.testing.assert_frame_equal(got.curves, expected.curves)
    assert (got.period, got.as_of) == (expected.period, expected.as_of)


@pytest.mark.parametrize("period", ["M", "W", "Q"])
@pytest.mark.parametrize("observed", ["to the last order", "to as_of"])
def test_cohort_retention_equals_the_chapters(shop, period, observed):
    frame, orders, _, as_of = shop
    as_of = None if observed == "to the last order" else as_of
    assert_same_cohorts(engine.cohort_retention(orders, period, as_of),
                        cohorts.cohort_retention(loader_rows(frame), period, as_of))


def test_counted_cohorts_equal_chapter_01(shop):
    frame, orders, _, as_of = shop
    counted = engine.counted_orders(orders, as_of, include_returned=False)
    assert_same_cohorts(engine.cohort_retention(counted, "M", as_of),
                        profiling.counted_cohort_retention(frame, "M", as_of))


def test_cohort_counts_are_a_small_long_table(shop):
    _, orders, _, _ = shop
    counts = engine.to_pandas(engine.cohort_counts(orders), index=None)
    assert list(counts.columns) == ["cohort", "periods_since_first", "active"]
    assert counts["active"].dtype == "int64" and (counts["active"] > 0).all()
    assert (counts.loc[counts["periods_since_first"] == 0, "cohort"].dt.day == 1).all()


# ------------------------------------------------------------------------------ reading the orders


def test_parquet_and_csv_files_give_the_frames_numbers(con, tmp_path):
    frame = generated_orders()
    expected = engine.to_pandas(engine.customer_summary(engine.orders_table(con, frame), "2024-06-30"))
    parquet = engine.write_orders_parquet(frame.assign(extra="unused"), tmp_path / "orders.parquet")
    frame.to_csv(tmp_path / "orders.csv", index=False)
    for path in (parquet, tmp_path / "orders.csv", tmp_path):
        table = engine.orders_table(con, path)
        assert list(table.columns) == ["order_id", "customer_id", "order_ts", "net_amount", "status"]
        assert_same(engine.to_pandas(engine.customer_summary(table, "2024-06-30")), expected)


def test_orders_table_renames_their_columns_and_reads_only_what_is_asked(con, tmp_path):
    frame = generated_orders().rename(columns={"customer_id": "buyer", "order_ts": "paid_at"})
    path = engine.write_orders_parquet(frame, tmp_path / "theirs.parquet")
    table = engine.orders_table(con, path, columns=("customer_id", "order_ts", "net_amount", "channel"),
                                rename={"buyer": "customer_id", "paid_at": "order_ts"})
    assert list(table.columns) == ["customer_id", "order_ts", "net_amount", "channel"]
    summary = engine.to_pandas(engine.customer_summary(table, "2024-06-30"))
    # no status column: every row is a purchase, cancelled ones included
    assert_same(summary, clv.customer_summary(generated_orders(), "2024-06-30"))


def test_orders_table_stops_on_a_missing_required_column(con):
    with pytest.raises(ValueError, match="no column 'net_amount'"):
        engine.orders_table(con, generated_orders().drop(columns="net_amount"))
    with pytest.raises(ValueError, match="no column 'customer_id'"):
        engine.customer_summary(engine.orders_table(con, generated_orders().drop(columns="customer_id")))
    with pytest.raises(ValueError, match="no such file"):
        engine.orders_table(con, "no/such/orders.parquet")


# ------------------------------------------------------------------------------------ engines


def test_unknown_engine_and_missing_spark_say_what_to_do(monkeypatch):
    with pytest.raises(ValueError, match="engine must be one of duckdb, spark"):
        engine.connect("polars")
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if pyspark were not installed
    with pytest.raises(ValueError, match=r"the Spark engine needs `pip install ecomkit\[spark\]`"):
        engine.connect("spark")


def test_to_pandas_keeps_keys_as_columns_on_request(con):
    orders = engine.orders_table(con, generated_orders())
    kept = engine.to_pandas(engine.customer_summary(orders, "2024-06-30"), index=None)
    assert list(kept.columns) == ["customer_id", "frequency", "recency", "T", "monetary_value"]
    assert kept["customer_id"].is_monotonic_increasing
