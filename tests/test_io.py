"""ecomkit.data: reading, typing, cleaning rules and the row ledger, as specifications."""

import datetime as dt
import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomkit.data import (
    ORDERS_SCHEMA,
    DataError,
    RowLedger,
    ShopData,
    load_shop,
    pseudonymise_ids,
    read_orders,
    read_table,
)

HEADER = "order_id,customer_id,order_ts,net_amount,status\n"
DEMO = Path(__file__).resolve().parent.parent / "datasets" / "demo_shop"


def write(tmp_path: Path, body: str, name: str = "orders.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(body.encode(encoding))
    return path


def orders_csv(tmp_path, *rows: str, header: str = HEADER, **kw) -> Path:
    return write(tmp_path, header + "".join(r + "\n" for r in rows), **kw)


def sample_orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": [1, 2, 3, 4],
            "customer_id": [10, 10, 11, 12],
            "order_ts": pd.to_datetime(
                ["2024-06-18 20:15:00", "2024-06-01 09:00:00", "2024-11-11 00:01:00", "2025-01-02 12:00:00"]
            ),
            "net_amount": [120.5, 30.0, 999.0, 45.25],
            "channel": ["search", "feed_ads", "live_stream", "organic"],
            "province": ["广东", "浙江", "北京", "上海"],
            "category": ["beauty", "food", "digital", "home"],
            "items": [1, 2, 1, 3],
            "gross_amount": [130.0, 35.0, 1099.0, 50.0],
            "discount_amount": [9.5, 5.0, 100.0, 4.75],
            "shipping_fee": [0.0, 8.0, 0.0, 6.0],
            "status": ["completed", "completed", "returned", "completed"],
        }
    )


# --- the ledger -----------------------------------------------------------------------------


def test_ledger_counts_rows_in_dropped_and_kept():
    ledger = RowLedger(rows_in=10)
    ledger.drop("cancelled", "cancelled orders", np.array([True, False, True] + [False] * 7))
    ledger.drop("after_end", "orders after 2025-12-31", 3)
    ledger.note("2 amounts had currency text stripped")
    assert ledger.rows_kept == 5
    assert ledger.to_dict() == {
        "rows_in": 10,
        "rows_kept": 5,
        "dropped": {"cancelled": 2, "after_end": 3},
        "notes": ["2 amounts had currency text stripped"],
    }
    table = ledger.to_frame()
    assert list(table.columns) == ["step", "reason", "rows_dropped", "rows_left"]
    assert table["rows_left"].tolist() == [10, 8, 5]
    assert table["step"].tolist() == ["rows in", "cancelled orders", "orders after 2025-12-31"]


def test_ledger_refuses_to_drop_more_rows_than_are_left():
    ledger = RowLedger(rows_in=2)
    with pytest.raises(ValueError, match="drops 3 rows but only 2 are left"):
        ledger.drop("x", "x", 3)


def test_ledger_check_asserts_it_matches_the_frame():
    ledger = RowLedger(rows_in=3)
    ledger.drop("x", "x", 1)
    ledger.check(2)
    with pytest.raises(AssertionError, match="row ledger out of step"):
        ledger.check(3)


def test_ledger_arithmetic_on_a_mixed_file(tmp_path):
    path = orders_csv(
        tmp_path,
        "1,7,2024-06-18 20:15,¥120.00,已完成",
        "1,7,2024-06-18 20:15,¥120.00,已完成",  # exact duplicate
        "2,7,2024-06-18 20:10,¥120.00,已取消",  # cancelled
        "3,8,2024-07-01,-15,已退款",  # returned, negative
        "4,8,2024-07-02,0,completed",  # zero
        "5,9,2022-12-31 23:59,50,completed",  # before start
        "6,9,2026-01-01 00:00,50,completed",  # after end
        "7,,2024-08-01,50,completed",  # blank customer
        "8,9,not a date,50,completed",  # unparseable date
        "9,10,2025-12-31 23:59:59,50,completed",  # last second of the window: kept
    )
    orders, ledger = read_orders(
        path,
        start="2023-01-01",
        end="2025-12-31",
        drop_returned=True,
        nonpositive_amounts="drop",
        null_customer_ids="drop",
        unparseable_dates="drop",
    )
    assert ledger.rows_in == 10
    assert ledger.dropped() == {
        "null_customer_id": 1,
        "unparseable_order_ts": 1,
        "duplicate_rows": 1,
        "cancelled": 1,
        "returned": 1,
        "nonpositive_amount": 1,
        "before_start": 1,
        "after_end": 1,
    }
    assert ledger.rows_in - sum(ledger.dropped().values()) == ledger.rows_kept == len(orders) == 2
    assert orders["order_id"].tolist() == [1, 9]


# --- formats and encodings ------------------------------------------------------------------


def test_plain_csv_types_every_column(tmp_path):
    path = orders_csv(tmp_path, "1001,7,2024-06-18 20:15:00,120.50,completed", "1002,8,2024-06-17 09:00:00,30,returned")
    orders, ledger = read_orders(path)
    assert orders.dtypes.astype(str).to_dict() == {
        "order_id": "int64",
        "customer_id": "int64",
        "order_ts": "datetime64[ns]",
        "net_amount": "float64",
        "status": "object",
    }
    # sorted by order_ts with a fresh RangeIndex
    assert orders["order_id"].tolist() == [1002, 1001]
    assert list(orders.index) == [0, 1]
    assert "read orders.csv as UTF-8 text, comma-separated" in ledger.notes


def test_gbk_csv_with_chinese_columns_mapped_and_chinese_values(tmp_path):
    header = "订单编号,买家ID,下单时间,实付金额,订单状态,省份\n"
    path = write(
        tmp_path,
        header
        + 'A-1001,u01,2024/6/18 20:15,"￥1,234.00",已完成,广东\n'
        + "A-1002,u02,2024/6/19 8:05,88元,交易成功,浙江\n",
        encoding="gbk",
    )
    mapping = {"订单编号": "order_id", "买家ID": "customer_id", "下单时间": "order_ts",
               "实付金额": "net_amount", "订单状态": "status", "省份": "province"}
    orders, ledger = read_orders(path, columns=mapping)
    assert orders["order_id"].tolist() == ["A-1001", "A-1002"]
    assert orders["customer_id"].tolist() == ["u01", "u02"]
    assert orders["province"].tolist() == ["广东", "浙江"]
    assert orders["status"].tolist() == ["completed", "completed"]
    assert orders["net_amount"].tolist() == [1234.0, 88.0]
    assert orders["order_ts"].tolist() == [pd.Timestamp("2024-06-18 20:15"), pd.Timestamp("2024-06-19 08:05")]
    assert "read orders.csv as GB18030 text, comma-separated" in ledger.notes
    assert "2 status labels mapped: 交易成功→completed (1), 已完成→completed (1)" in ledger.notes


def test_explicit_encoding_overrides_detection(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,已完成", encoding="gbk")
    orders, ledger = read_orders(path, encoding="gbk")
    assert orders["status"].tolist() == ["completed"]
    assert "read orders.csv as GBK text, comma-separated" in ledger.notes


def test_utf8_with_bom(tmp_path):
    path = write(tmp_path, "\ufeff" + HEADER + "1,7,2024-06-18,12,completed\n")
    orders, ledger = read_orders(path)
    assert list(orders.columns)[0] == "order_id"
    assert "read orders.csv as UTF-8 with BOM text, comma-separated" in ledger.notes


def test_tab_separated_text(tmp_path):
    path = write(tmp_path, HEADER.replace(",", "\t") + "1\t7\t2024-06-18\t12\tcompleted\n", name="orders.txt")
    orders, ledger = read_orders(path)
    assert orders["net_amount"].tolist() == [12.0]
    assert "read orders.txt as UTF-8 text, tab-separated" in ledger.notes


def test_csv_gz(tmp_path):
    path = tmp_path / "orders.csv.gz"
    path.write_bytes(gzip.compress((HEADER + "1,7,2024-06-18,12,completed\n").encode()))
    orders, _ = read_orders(path)
    assert orders["order_id"].tolist() == [1]


def test_parquet_keeps_the_frame_as_written(tmp_path):
    df = sample_orders()
    df.to_parquet(tmp_path / "orders.parquet")
    orders, ledger = read_orders(tmp_path / "orders.parquet")
    expected = df.sort_values("order_ts").reset_index(drop=True)
    pd.testing.assert_frame_equal(orders, expected)
    assert ledger.dropped() == {"duplicate_rows": 0, "cancelled": 0}


def test_dataframe_input_is_not_modified():
    df = sample_orders().assign(net_amount=["¥120.50", "30", "999", "45.25"])
    before = df.copy()
    orders, ledger = read_orders(df)
    pd.testing.assert_frame_equal(df, before)
    assert orders["net_amount"].tolist() == [30.0, 120.5, 999.0, 45.25]
    ORDERS_SCHEMA.validate(orders)


def test_extra_columns_are_kept(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed,x", header=HEADER.strip() + ",coupon_code\n")
    orders, _ = read_orders(path)
    assert orders["coupon_code"].tolist() == ["x"]


# --- values -----------------------------------------------------------------------------------


def test_currency_text_in_amounts_is_stripped_and_noted(tmp_path):
    path = orders_csv(
        tmp_path,
        '1,7,2024-06-18,"¥1,234.00",completed',
        "2,7,2024-06-18,￥88,completed",
        '3,7,2024-06-18,"1,234.5 元",completed',
        "4,7,2024-06-18,RMB 12,completed",
        "5,7,2024-06-18,7.5,completed",
    )
    orders, ledger = read_orders(path)
    assert orders.set_index("order_id")["net_amount"].to_dict() == {1: 1234.0, 2: 88.0, 3: 1234.5, 4: 12.0, 5: 7.5}
    assert (
        "4 net_amount values had currency text or thousands separators stripped (e.g. '¥1,234.00' -> 1234)"
        in ledger.notes
    )


def test_common_timestamp_formats(tmp_path):
    path = orders_csv(
        tmp_path,
        "1,7,2024/6/18 20:15,1,completed",
        "2,7,2024-06-18,1,completed",
        "3,7,2024-06-18T20:15:30,1,completed",
        "4,7,2024年6月18日 20:15,1,completed",
        "5,7,2024-06-18T12:15:00Z,1,completed",
        "6,7,2024-06-18T20:15:00+08:00,1,completed",
    )
    orders, ledger = read_orders(path)
    got = orders.set_index("order_id")["order_ts"].astype(str).to_dict()
    assert got == {
        1: "2024-06-18 20:15:00",
        2: "2024-06-18 00:00:00",
        3: "2024-06-18 20:15:30",
        4: "2024-06-18 20:15:00",
        5: "2024-06-18 20:15:00",
        6: "2024-06-18 20:15:00",
    }
    assert "2 order_ts values carried a time zone and were converted to Asia/Shanghai local time" in ledger.notes


def test_timezone_aware_dataframe_column_is_converted_to_shanghai():
    df = sample_orders().assign(order_ts=lambda d: d["order_ts"].dt.tz_localize("UTC"))
    orders, ledger = read_orders(df)
    assert str(orders["order_ts"].dtype) == "datetime64[ns]"
    assert orders["order_ts"].iloc[0] == pd.Timestamp("2024-06-01 17:00:00")


def test_ids_that_are_not_all_integers_become_strings(tmp_path):
    path = orders_csv(tmp_path, "001,7,2024-06-18,1,completed", "002,8,2024-06-18,1,completed")
    orders, _ = read_orders(path)
    assert orders["order_id"].tolist() == ["001", "002"]  # leading zeros are kept
    assert orders["customer_id"].dtype == "int64"


def test_status_is_lowercased_and_chinese_labels_mapped(tmp_path):
    path = orders_csv(
        tmp_path,
        "1,7,2024-06-18,1,Completed",
        "2,7,2024-06-18,1,已退货",
        "3,7,2024-06-18,1,退款成功",
        "4,7,2024-06-18,1,交易关闭",
        "5,7,2024-06-18,1, RETURNED ",
    )
    orders, ledger = read_orders(path)
    assert orders.set_index("order_id")["status"].to_dict() == {
        1: "completed", 2: "returned", 3: "returned", 5: "returned"
    }
    assert ledger.dropped()["cancelled"] == 1


def test_missing_status_means_completed_and_is_noted(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,1", header="order_id,customer_id,order_ts,net_amount\n")
    orders, ledger = read_orders(path)
    assert orders["status"].tolist() == ["completed"]
    assert "no status column: all orders treated as completed" in ledger.notes


# --- cleaning rules -------------------------------------------------------------------------


def test_cancelled_orders_are_dropped_and_counted_by_default(tmp_path):
    path = orders_csv(
        tmp_path, "1,7,2024-06-18,1,completed", "2,7,2024-06-18,1,cancelled", "3,7,2024-06-18,1,returned"
    )
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1, 3]
    assert ledger.to_dict()["dropped"] == {"duplicate_rows": 0, "cancelled": 1}

    kept, ledger = read_orders(path, drop_cancelled=False)
    assert kept["status"].tolist() == ["completed", "cancelled", "returned"]
    assert "cancelled" not in ledger.dropped()


def test_returned_orders_are_kept_unless_asked(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,1,completed", "3,7,2024-06-18,1,returned")
    orders, ledger = read_orders(path, drop_returned=True)
    assert orders["order_id"].tolist() == [1]
    assert ledger.dropped()["returned"] == 1


def test_negative_amounts_dropped_and_counted_with_drop(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,7,2024-06-19,-5,completed", "3,7,2024-06-19,0,completed")
    orders, ledger = read_orders(path, nonpositive_amounts="drop")
    assert orders["order_id"].tolist() == [1]
    assert ledger.dropped()["nonpositive_amount"] == 2


def test_negative_amounts_kept_with_keep_and_noted(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,7,2024-06-19,-5,returned")
    orders, ledger = read_orders(path, nonpositive_amounts="keep")
    assert orders["net_amount"].tolist() == [12.0, -5.0]
    assert "1 orders with net_amount <= 0 kept (nonpositive_amounts='keep')" in ledger.notes


def test_a_negative_amount_on_a_cancelled_order_does_not_matter(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,7,2024-06-19,0,cancelled")
    orders, _ = read_orders(path)
    assert orders["order_id"].tolist() == [1]


def test_null_customer_ids_dropped_and_counted_with_drop(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,,2024-06-19,5,completed")
    orders, ledger = read_orders(path, null_customer_ids="drop")
    assert orders["order_id"].tolist() == [1]
    assert ledger.dropped()["null_customer_id"] == 1


def test_unparseable_dates_dropped_and_counted_with_drop(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,7,soon,5,completed", "3,7,,5,completed")
    orders, ledger = read_orders(path, unparseable_dates="drop")
    assert orders["order_id"].tolist() == [1]
    assert ledger.dropped()["unparseable_order_ts"] == 2


def test_exact_duplicate_rows_are_dropped_and_counted(tmp_path):
    row = "1001,7,2024-06-18 20:15,88.00,completed"
    path = orders_csv(tmp_path, row, "1002,8,2024-06-18,5,completed", row, row)
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1002, 1001]
    assert ledger.dropped()["duplicate_rows"] == 2


def test_keep_first_keeps_the_first_row_of_a_repeated_order_id(tmp_path):
    path = orders_csv(tmp_path, "1001,7,2024-06-18,88,completed", "1001,7,2024-06-18,99,completed")
    orders, ledger = read_orders(path, duplicate_order_ids="keep_first")
    assert orders["net_amount"].tolist() == [88.0]
    assert ledger.dropped()["duplicate_order_ids"] == 1


def test_orders_after_the_analysis_end_are_dropped_and_counted(tmp_path):
    path = orders_csv(
        tmp_path,
        "1,7,2025-12-31 23:59:59,1,completed",  # end is inclusive of the whole day
        "2,7,2026-01-01 00:00:00,1,completed",
        "3,7,2026-03-01,1,completed",
        "4,7,2022-12-31 23:59:59,1,completed",
        "5,7,2023-01-01 00:00:00,1,completed",
    )
    orders, ledger = read_orders(path, start="2023-01-01", end="2025-12-31")
    assert orders["order_id"].tolist() == [5, 1]
    assert ledger.dropped()["after_end"] == 2
    assert ledger.dropped()["before_start"] == 1
    assert "orders after 2025-12-31" in ledger.to_frame()["step"].tolist()


def test_window_accepts_dates_and_times():
    df = sample_orders()
    orders, _ = read_orders(df, start=dt.date(2024, 6, 18), end=pd.Timestamp("2024-11-11 00:00:30"))
    # an end with a time of day is used as given
    assert orders["order_id"].tolist() == [1]


def test_every_dropped_row_has_a_ledger_entry(tmp_path):
    df = pd.concat([sample_orders()] * 2, ignore_index=True)
    df.loc[[0, 4], "status"] = "cancelled"
    orders, ledger = read_orders(df, end="2024-12-31")
    assert ledger.rows_in == 8
    assert ledger.dropped() == {"duplicate_rows": 4, "cancelled": 1, "after_end": 1}
    assert ledger.rows_in - sum(n for _, _, n in ledger.steps) == len(orders)


# --- optional tables and shops -----------------------------------------------------------------


def test_read_customers_table(tmp_path):
    path = write(
        tmp_path,
        "customer_id,first_order_ts,province,city_tier,acquisition_channel,age_band,member\n"
        "1,2024-06-18 20:15:00,广东,1,search,25-34,true\n"
        "2,2024-06-19 10:00:00,浙江,3,live_stream,18-24,0\n",
        name="customers.csv",
    )
    customers = read_table(path, "customers")
    assert customers["city_tier"].tolist() == [1, 3]
    assert customers["member"].tolist() == [True, False]
    assert str(customers["first_order_ts"].dtype) == "datetime64[ns]"


def test_read_funnel_table(tmp_path):
    path = write(
        tmp_path,
        "date,channel,visitors,product_views,add_to_cart,orders\n"
        "2024-06-19,search,100,50,10,3\n2024-06-18,search,\"1,200\",500,40,12\n",
        name="funnel_daily.csv",
    )
    funnel = read_table(path, "funnel_daily")
    assert funnel["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-06-18", "2024-06-19"]
    assert funnel["visitors"].tolist() == [1200, 100]


def test_load_shop_from_a_directory(tmp_path):
    sample_orders().to_csv(tmp_path / "orders.csv", index=False)
    (tmp_path / "customers.csv").write_text("customer_id,province\n10,广东\n11,浙江\n12,北京\n", encoding="utf-8")
    shop = load_shop(tmp_path, end="2024-12-31")
    assert isinstance(shop, ShopData)
    assert shop.orders["order_id"].tolist() == [2, 1, 3]
    assert shop.ledger.dropped()["after_end"] == 1
    assert shop.customers["customer_id"].tolist() == [10, 11, 12]
    assert shop.funnel_daily is None and shop.truth is None
    assert shop.source == str(tmp_path)


def test_load_shop_from_a_file_or_dataframe_reads_orders_only(tmp_path):
    sample_orders().to_parquet(tmp_path / "my_orders.parquet")
    shop = load_shop(str(tmp_path / "my_orders.parquet"))
    assert len(shop.orders) == 4 and shop.customers is None
    shop = load_shop(sample_orders().rename(columns={"order_id": "id"}), columns={"id": "order_id"})
    assert len(shop.orders) == 4 and shop.source == "DataFrame"


def test_load_shop_with_truth_files(tmp_path):
    simulate = pytest.importorskip("ecomkit.simulate")
    if not hasattr(simulate, "ShopTruth"):
        pytest.skip("ecomkit.simulate.ShopTruth not written yet")
    sample_orders().to_csv(tmp_path / "orders.csv", index=False)
    (tmp_path / "truth.json").write_text(json.dumps({"seed": 1}))
    pd.DataFrame({"customer_id": [10, 11, 12]}).to_csv(tmp_path / "customer_truth.csv", index=False)
    shop = load_shop(tmp_path)
    assert shop.truth is not None and shop.truth.params["seed"] == 1


@pytest.mark.skipif(not (DEMO / "orders.csv").exists(), reason="datasets/demo_shop not generated yet")
def test_load_demo_uses_the_default_window():
    from ecomkit.data import load_demo

    shop = load_demo()
    assert shop.orders["order_ts"].min() >= pd.Timestamp("2023-01-01")
    assert shop.orders["order_ts"].max() < pd.Timestamp("2026-01-01")
    assert shop.ledger.rows_kept == len(shop.orders)
    assert shop.customers is not None and shop.funnel_daily is not None


@pytest.mark.skipif((DEMO / "orders.csv").exists(), reason="the demo shop is present")
def test_missing_demo_is_a_clear_error():
    with pytest.raises(DataError, match="the bundled demo shop is missing: .*make demo"):
        load_shop("demo")


# --- privacy ----------------------------------------------------------------------------------


def test_pseudonymised_ids_are_stable_salted_and_short():
    ids = pd.Series([10, 11, 10, None], name="customer_id")
    a = pseudonymise_ids(ids, salt="s3cret")
    assert a.name == "customer_id"
    assert a[0] == a[2] and a[0] != a[1] and pd.isna(a[3])
    assert len(a[0]) == 16 and int(a[0], 16) >= 0
    assert pseudonymise_ids(ids, salt="s3cret").equals(a)
    assert pseudonymise_ids(pd.Series(["10"]), salt="s3cret")[0] == a[0]
    assert pseudonymise_ids(ids, salt="other")[0] != a[0]


def test_pseudonymise_ids_needs_a_salt():
    with pytest.raises(ValueError, match="non-empty secret salt"):
        pseudonymise_ids(pd.Series([1]), salt="")
