"""ecomkit.io: reading, typing, cleaning rules and the row ledger, as specifications.

docs/ingestion.md is the contract; each test names the behaviour it pins down. Error messages are
checked for what an analyst needs on one line: the column, the problem, the count, the rows and
values, and the fix written as a command-line option (``--clean rule=action``, ``--map``,
``--dayfirst`` ...).
"""

import datetime as dt
import gzip
import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ecomkit.io import (
    DataError,
    RowLedger,
    ShopData,
    load_demo,
    load_shop,
    read_table,
)
from ecomkit.privacy import pseudonymise_ids

HEADER = "order_id,customer_id,order_ts,net_amount,status\n"


def write(tmp_path: Path, body: str, name: str = "orders.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(body.encode(encoding))
    return path


def orders_csv(tmp_path, *rows: str, header: str = HEADER, **kw) -> Path:
    return write(tmp_path, header + "".join(r + "\n" for r in rows), **kw)


def read_orders(source, columns=None, **options):
    return read_table("orders", source, columns, **options)


def first_line(err: pytest.ExceptionInfo) -> str:
    return str(err.value).splitlines()[0]


def balanced(ledger: RowLedger, frame: pd.DataFrame) -> bool:
    """rows_in - sum(dropped) == rows_kept == len(frame), from the ledger's dict as a reader sees it."""
    d = ledger.to_dict()
    return d["rows_in"] - sum(d["dropped"].values()) == d["rows_kept"] == len(frame)


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
            "category": ["beauty", "food", "digital", "home"],
            "items": [1, 2, 1, 3],
            "gross_amount": [130.0, 35.0, 1099.0, 50.0],
            "discount_amount": [9.5, 5.0, 100.0, 4.75],
            "shipping_fee": [0.0, 8.0, 0.0, 6.0],
            "status": ["completed", "completed", "returned", "completed"],
        }
    )


# --- the ledger -----------------------------------------------------------------------------


def test_ledger_counts_rows_in_dropped_flagged_and_kept():
    ledger = RowLedger(rows_in=10)
    ledger.drop("cancelled", "cancelled orders", np.array([True, False, True] + [False] * 7))
    ledger.drop("after_end", "orders after 2025-12-31", 3)
    ledger.flag("zero_amounts", "orders worth 0", 2)
    ledger.flag("returned", "returned orders", 0)  # nothing to report: not listed
    ledger.note("2 amounts had currency text stripped")
    assert ledger.rows_kept == 5
    assert ledger.to_dict() == {
        "rows_in": 10,
        "rows_kept": 5,
        "dropped": {"cancelled": 2, "after_end": 3},
        "flagged": {"zero_amounts": 2},
        "notes": ["2 amounts had currency text stripped"],
    }
    table = ledger.to_frame()
    assert list(table.columns) == ["step", "reason", "rows_dropped", "rows_left"]
    assert table["rows_left"].tolist() == [10, 8, 5, 5]
    assert table["step"].tolist() == ["rows in", "cancelled orders", "orders after 2025-12-31",
                                      "orders worth 0 (kept)"]
    assert ledger.summary() == "10 rows in, 5 kept; dropped: 2 cancelled, 3 after end"


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


MIXED_ROWS = (
    "1,7,2024-06-18 20:15,¥120.00,已完成",
    "1,7,2024-06-18 20:15,¥120.00,已完成",  # exact duplicate
    "2,7,2024-06-18 20:10,¥120.00,已取消",  # cancelled
    "3,8,2024-07-01,-15,已完成",  # negative: a refund
    "4,8,2024-07-02,0,completed",  # zero: kept and flagged
    "5,9,2022-12-31 23:59,50,completed",  # before start
    "6,9,2026-01-01 00:00,50,completed",  # after end
    "7,,2024-08-01,50,completed",  # blank customer
    "8,9,2024-08-02,50,已退款",  # returned: kept and flagged
    "9,10,2025-12-31 23:59:59,50,completed",  # last second of the window: kept
)


def test_ledger_arithmetic_on_a_mixed_file_with_the_default_rules(tmp_path):
    path = orders_csv(tmp_path, *MIXED_ROWS)
    orders, ledger = read_orders(path, start="2023-01-01", end="2025-12-31")
    d = ledger.to_dict()
    assert d["rows_in"] == 10
    assert d["dropped"] == {
        "duplicate_rows": 1,
        "blank_customer_id": 1,
        "cancelled": 1,
        "negative_amounts": 1,
        "before_start": 1,
        "after_end": 1,
    }
    assert d["flagged"] == {"returned": 1, "zero_amounts": 1}
    assert balanced(ledger, orders) and len(orders) == 4
    assert orders["order_id"].tolist() == [1, 4, 8, 9]


def test_ledger_arithmetic_on_a_mixed_file_with_the_first_readers_options(tmp_path):
    """The old keyword options still work: they are translated into rule actions."""
    path = orders_csv(tmp_path, *MIXED_ROWS, "10,9,not a date,50,completed")
    orders, ledger = read_orders(
        path,
        start="2023-01-01",
        end="2025-12-31",
        drop_returned=True,
        nonpositive_amounts="drop",
        null_customer_ids="drop",
        unparseable_dates="drop",
    )
    assert ledger.dropped() == {
        "duplicate_rows": 1,
        "unreadable_order_ts": 1,
        "blank_customer_id": 1,
        "cancelled": 1,
        "returned": 1,
        "negative_amounts": 1,
        "zero_amounts": 1,
        "before_start": 1,
        "after_end": 1,
    }
    assert ledger.flagged() == {}
    assert balanced(ledger, orders) and orders["order_id"].tolist() == [1, 9]


GOOD_CELLS = {
    "order_id": ["1", "2", "3", "4", "5", "6"],
    "customer_id": ["7", "8", "9", "7", "8", "9"],
    "order_ts": ["2024-06-18 20:15", "2024/6/19 8:05", "20240620", "2024年6月21日", "2024-06-22T10:00:00", "45467"],
    "net_amount": ["12", "¥88.00", '"1,234.50"', "30", "7.5", "99"],
    "status": ["completed", "交易成功", "已完成", "", "已发货", "已退款"],
}
BAD_CELLS = {
    "order_id": [""],
    "customer_id": [""],
    "order_ts": ["", "someday"],
    "net_amount": ["", "-5", "0", "abc"],
    "status": ["已取消", "等待买家付款"],
}


@pytest.mark.parametrize("seed", range(25))
def test_every_row_in_is_dropped_by_a_named_rule_or_kept(tmp_path, seed):
    """rows_in - sum(dropped) == rows_kept == len(frame) on random files, whatever the actions."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 40))
    rows = []
    for _ in range(n):
        if rng.random() < 0.08:
            rows.append(",,,,")  # a blank row
            continue
        cells = []
        for col, good in GOOD_CELLS.items():
            pool = BAD_CELLS[col] if rng.random() < 0.12 else good
            cells.append(pool[int(rng.integers(len(pool)))])
        if rng.random() < 0.2:
            cells[0] = str(int(rng.integers(1, 4)))  # repeated order ids: order lines
        rows.append(",".join(cells))
    if rng.random() < 0.3:
        rows += rows[:3]  # exact duplicates
    if rng.random() < 0.3:
        rows.append("合计,,,,")
    path = orders_csv(tmp_path, *rows)
    actions = {
        "negative_amounts": ["drop", "keep"][seed % 2],
        "zero_amounts": ["keep", "drop"][seed % 3 % 2],
        "unreadable_order_ts": "drop",
        "unreadable_net_amount": "drop",
        "order_lines": ["merge", "keep_first"][seed % 2],
        "returned": ["keep", "drop"][seed % 2],
        "cancelled": "drop",
        "unpaid": "drop",
    }
    orders, ledger = read_orders(path, clean=actions, max_drop_share=1, end="2024-06-30" if seed % 4 == 0 else None)
    assert balanced(ledger, orders)
    assert ledger.rows_in == len(rows)


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
        + "A-1002,u02,2024/6/19 8:05,88元,交易成功,浙江省\n",
        encoding="gbk",
    )
    mapping = {"订单编号": "order_id", "买家ID": "customer_id", "下单时间": "order_ts",
               "实付金额": "net_amount", "订单状态": "status", "省份": "province"}
    orders, ledger = read_orders(path, columns=mapping)
    assert orders["order_id"].tolist() == ["A-1001", "A-1002"]
    assert orders["customer_id"].tolist() == ["u01", "u02"]
    assert orders["province"].tolist() == ["Guangdong", "Zhejiang"]  # the pinyin names of ecomkit.reference
    assert orders["status"].tolist() == ["completed", "completed"]
    assert orders["net_amount"].tolist() == [1234.0, 88.0]
    assert orders["order_ts"].tolist() == [pd.Timestamp("2024-06-18 20:15"), pd.Timestamp("2024-06-19 08:05")]
    assert orders.attrs["currency"] == "CNY"
    assert "read orders.csv as GB18030 text, comma-separated" in ledger.notes


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


@pytest.mark.parametrize("sep,name,word", [("\t", "orders.txt", "tab"), ("\t", "orders.tsv", "tab"),
                                           (";", "orders.csv", "semicolon"), ("|", "orders.csv", "pipe")])
def test_the_separator_is_sniffed(tmp_path, sep, name, word):
    path = write(tmp_path, HEADER.replace(",", sep) + sep.join(["1", "7", "2024-06-18", "12", "completed"]) + "\n",
                 name=name)
    orders, ledger = read_orders(path)
    assert orders["net_amount"].tolist() == [12.0]
    assert f"read {name} as UTF-8 text, {word}-separated" in ledger.notes


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
    assert ledger.dropped() == {} and ledger.flagged() == {"returned": 1}
    assert "read orders.parquet (Parquet)" in ledger.notes


def test_dataframe_input_is_not_modified():
    df = sample_orders().assign(net_amount=["¥120.50", "30", "999", "45.25"])
    before = df.copy()
    orders, ledger = read_orders(df)
    pd.testing.assert_frame_equal(df, before)
    assert orders["net_amount"].tolist() == [30.0, 120.5, 999.0, 45.25]
    assert "read orders from a DataFrame" in ledger.notes


def test_extra_columns_are_kept(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed,x", header=HEADER.strip() + ",coupon_code\n")
    orders, _ = read_orders(path)
    assert orders["coupon_code"].tolist() == ["x"]


def _xlsx(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "订单"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_with_title_lines_above_the_header_and_a_totals_row(tmp_path):
    path = _xlsx(tmp_path / "orders.xlsx", [
        ["店铺订单报表"],
        ["导出时间 2024-07-01"],
        [],
        ["订单编号", "买家ID", "下单时间", "实付金额", "订单状态"],
        ["A-1", "u1", dt.datetime(2024, 6, 18, 20, 15), 120.5, "交易成功"],
        ["A-2", "u2", "2024/6/19 8:05", "¥88.00", "已完成"],
        [1003, 7, dt.datetime(2024, 6, 20), 5, "交易成功"],
        ["合计", None, None, 213.5, None],
    ])
    mapping = {"订单编号": "order_id", "买家ID": "customer_id", "下单时间": "order_ts",
               "实付金额": "net_amount", "订单状态": "status"}
    orders, ledger = read_orders(path, mapping)
    assert orders["order_id"].tolist() == ["A-1", "A-2", "1003"]
    assert orders["order_ts"].tolist() == [pd.Timestamp("2024-06-18 20:15"), pd.Timestamp("2024-06-19 08:05"),
                                           pd.Timestamp("2024-06-20")]
    assert orders["net_amount"].tolist() == [120.5, 88.0, 5.0]
    d = ledger.to_dict()
    assert d["rows_in"] == 4 and d["dropped"] == {"totals_rows": 1}  # title lines are not rows
    assert "skipped 3 title rows above the header" in d["notes"]
    by_name, _ = read_orders(path, mapping, sheet="订单")
    pd.testing.assert_frame_equal(by_name, orders)
    with pytest.raises(DataError, match=r"no sheet 'nope'.*--sheet"):
        read_orders(path, mapping, sheet="nope")


# --- rows around the data -----------------------------------------------------------------------


def test_title_lines_above_the_header_of_a_csv_are_skipped_and_not_counted(tmp_path):
    path = write(tmp_path, "店铺订单导出,,,,\n导出时间: 2024-07-01,,,,\n" + HEADER
                 + "1,7,2024-06-18,12,completed\n2,8,2024-06-19,13,completed\n")
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1, 2]
    assert ledger.rows_in == 2
    assert "skipped 2 title lines above the header" in ledger.notes


def test_blank_trailing_lines_are_counted_as_blank_rows(tmp_path):
    path = write(tmp_path, HEADER + "1,7,2024-06-18,12,completed\n2,8,2024-06-19,13,completed\n\n,,,,\n,,,,\n")
    orders, ledger = read_orders(path)
    assert len(orders) == 2
    assert ledger.to_dict()["rows_in"] == 5
    assert ledger.to_dict()["dropped"] == {"blank_rows": 3}


def test_a_row_of_whitespace_only_cells_is_a_blank_row(tmp_path):
    path = write(tmp_path, HEADER + "1,7,2024-06-18,12,completed\n2,8,2024-06-19,13,completed\n  ,  ,  ,  ,  \n")
    orders, ledger = read_orders(path)
    assert len(orders) == 2
    assert ledger.dropped() == {"blank_rows": 1}


@pytest.mark.parametrize("word", ["合计", "总计", "小计", "Total", "Totals", "Grand total", "Sum"])
def test_a_totals_row_is_counted_as_totals_rows(tmp_path, word):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,8,2024-06-19,13,completed",
                      f"{word},,,25,")
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1, 2]
    assert ledger.to_dict()["dropped"] == {"totals_rows": 1}


def test_a_totals_word_in_the_key_column_is_found_too(tmp_path):
    path = orders_csv(tmp_path, "2024-06-18,1,12", "2024-06-19,2,13", ",Grand total,25",
                      header="order_ts,order_id,net_amount\n")
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1, 2] and ledger.dropped() == {"totals_rows": 1}


def test_a_file_without_a_header_gets_numbered_columns(tmp_path):
    path = write(tmp_path, "1,7,2024-06-18,12\n2,8,2024-06-19,13\n")
    with pytest.raises(DataError) as err:
        read_orders(path)
    assert "'column_1', 'column_2', 'column_3', 'column_4'" in first_line(err)
    assert "--map THEIRS=order_ts" in first_line(err)
    mapping = {"column_1": "order_id", "column_2": "customer_id", "column_3": "order_ts", "column_4": "net_amount"}
    orders, ledger = read_orders(path, mapping)
    assert orders["order_id"].tolist() == [1, 2] and ledger.rows_in == 2  # the first line is data
    assert any("column_1, column_2" in note for note in ledger.notes)


# --- dates and times ----------------------------------------------------------------------------


def read_stamps(tmp_path, *cells: str, **options) -> tuple[list, RowLedger]:
    body = "order_id,order_ts,net_amount\n" + "".join(f'{i},"{c}",1\n' for i, c in enumerate(cells, 1))
    orders, ledger = read_orders(write(tmp_path, body), **options)
    return orders.sort_values("order_id")["order_ts"].tolist(), ledger


@pytest.mark.parametrize("cell,expected", [
    ("2024-01-05", "2024-01-05 00:00"),
    ("2024-01-05T20:15:00", "2024-01-05 20:15"),
    ("2024/1/5 20:15", "2024-01-05 20:15"),
    ("2024.1.5", "2024-01-05 00:00"),
    ("20240105", "2024-01-05 00:00"),
    ("20240105201500", "2024-01-05 20:15"),
    ("2024年1月5日 20时15分", "2024-01-05 20:15"),
    ("2024年1月5日", "2024-01-05 00:00"),
    ("45296.84375", "2024-01-05 20:15"),  # an Excel serial day number
    ("45296", "2024-01-05 00:00"),
    ("Jan 5, 2024", "2024-01-05 00:00"),
    ("5 Jan 2024", "2024-01-05 00:00"),
    ("2024-01-05 8:15 PM", "2024-01-05 20:15"),
    ("2024/1/5 下午8:15", "2024-01-05 20:15"),
])
def test_date_styles_read_without_options(tmp_path, cell, expected):
    stamps, _ = read_stamps(tmp_path, cell)
    assert stamps == [pd.Timestamp(expected)]


def test_month_first_dates_are_read_when_the_data_decide(tmp_path):
    stamps, ledger = read_stamps(tmp_path, "7/24/2018 20:41", "7/5/2018 08:00")
    assert stamps == [pd.Timestamp("2018-07-24 20:41"), pd.Timestamp("2018-07-05 08:00")]
    assert any("month first" in note for note in ledger.notes)


def test_day_first_dates_are_read_when_the_data_decide(tmp_path):
    stamps, ledger = read_stamps(tmp_path, "24/07/2018", "05/07/2018")
    assert stamps == [pd.Timestamp("2018-07-24"), pd.Timestamp("2018-07-05")]
    assert any("day first" in note for note in ledger.notes)


def test_ambiguous_dates_stop_and_ask_for_dayfirst_or_a_date_format(tmp_path):
    with pytest.raises(DataError) as err:
        read_stamps(tmp_path, "05/07/2018", "06/08/2018")
    line = first_line(err)
    assert line.startswith("column 'order_ts': dates like '05/07/2018'")
    assert "--dayfirst" in line and '--date-format "%m/%d/%Y"' in line
    assert err.value.column == "order_ts"


@pytest.mark.parametrize("options,expected", [
    ({"dayfirst": True}, ["2018-07-05", "2018-08-06"]),
    ({"date_format": "%m/%d/%Y"}, ["2018-05-07", "2018-06-08"]),
    ({"date_format": "%d/%m/%Y"}, ["2018-07-05", "2018-08-06"]),
])
def test_dayfirst_or_a_date_format_reads_ambiguous_dates(tmp_path, options, expected):
    stamps, _ = read_stamps(tmp_path, "05/07/2018", "06/08/2018", **options)
    assert stamps == [pd.Timestamp(e) for e in expected]


def test_dates_written_both_ways_in_one_column_stop(tmp_path):
    with pytest.raises(DataError, match=r"both day first \('24/07/2018'\) and month first \('07/24/2018'\).*"
                                        r"--date-format"):
        read_stamps(tmp_path, "24/07/2018", "07/24/2018")


def test_offsets_keep_the_wall_clock_time_written_by_default(tmp_path):
    cells = ("2024-01-05 10:31:07 -0500", "2024-01-05T12:00:00Z", "2024-01-05T20:15:00+08:00")
    stamps, ledger = read_stamps(tmp_path, *cells)
    assert stamps == [pd.Timestamp("2024-01-05 10:31:07"), pd.Timestamp("2024-01-05 12:00"),
                      pd.Timestamp("2024-01-05 20:15")]
    assert any("wall-clock time written was kept" in note for note in ledger.notes)


def test_offsets_are_converted_when_a_timezone_is_given(tmp_path):
    cells = ("2024-01-05 10:31:07 -0500", "2024-01-05T12:00:00Z", "2024-01-05T20:15:00+08:00")
    stamps, ledger = read_stamps(tmp_path, *cells, timezone="Asia/Shanghai")
    assert stamps == [pd.Timestamp("2024-01-05 23:31:07"), pd.Timestamp("2024-01-05 20:00"),
                      pd.Timestamp("2024-01-05 20:15")]
    assert any("converted to Asia/Shanghai local time" in note for note in ledger.notes)


def test_a_timezone_aware_dataframe_column_keeps_its_local_time_unless_converted():
    df = sample_orders().assign(order_ts=lambda d: d["order_ts"].dt.tz_localize("UTC"))
    kept, _ = read_orders(df)
    assert str(kept["order_ts"].dtype) == "datetime64[ns]"
    assert kept["order_ts"].iloc[0] == pd.Timestamp("2024-06-01 09:00:00")
    converted, _ = read_orders(df, timezone="Asia/Shanghai")
    assert converted["order_ts"].iloc[0] == pd.Timestamp("2024-06-01 17:00:00")


# --- amounts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("cells,expected,currency", [
    (['"¥1,234.00"', "￥88", "88元", "RMB 12", "7.5"], [1234.0, 88.0, 88.0, 12.0, 7.5], "CNY"),
    (['"R$ 1.234,56"', '"R$ 12,50"'], [1234.56, 12.5], "BRL"),
    (['"12,50"', '"3,00"'], [12.5, 3.0], None),
    (['"$1,234.56"', '"US$ 12"'], [1234.56, 12.0], "USD"),
    (['"€ 9,99"', '"1.234,56"'], [9.99, 1234.56], "EUR"),
    (["£5", "6"], [5.0, 6.0], "GBP"),
    (['"1,234"', "5"], [1234.0, 5.0], None),  # a comma alone before three digits: thousands
    (['"1,234.50"', "1234.5"], [1234.5, 1234.5], None),
])
def test_amounts_are_read_and_their_currency_recorded(tmp_path, cells, expected, currency):
    body = "order_id,order_ts,net_amount\n" + "".join(f"{i},2024-01-{i:02d},{c}\n" for i, c in enumerate(cells, 1))
    orders, ledger = read_orders(write(tmp_path, body))
    assert orders.sort_values("order_id")["net_amount"].tolist() == pytest.approx(expected)
    assert orders.attrs.get("currency") == currency
    if currency:
        assert any(f"currency read from the amounts: {currency}" in note for note in ledger.notes)


def test_amounts_in_brackets_are_negative(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,(12.50),completed", "2,7,2024-06-19,20,completed")
    orders, ledger = read_orders(path, clean={"negative_amounts": "keep"})
    assert orders["net_amount"].tolist() == [-12.5, 20.0]
    assert ledger.flagged() == {"negative_amounts": 1}


def test_currency_text_in_amounts_is_stripped_and_noted(tmp_path):
    path = orders_csv(tmp_path, '1,7,2024-06-18,"¥1,234.00",completed', "2,7,2024-06-18,7.5,completed")
    _, ledger = read_orders(path)
    assert ("net_amount: 1 values had currency symbols or separators removed (e.g. '¥1,234.00' -> 1234)"
            in ledger.notes)


def test_decimal_commas_and_points_mixed_in_one_column_stop(tmp_path):
    path = orders_csv(tmp_path, '1,7,2024-06-18,"12,50",completed', "2,7,2024-06-19,12.50,completed")
    with pytest.raises(DataError, match=r"column 'net_amount': mixes decimal commas .* --decimal"):
        read_orders(path)
    orders, _ = read_orders(path, decimal=",")
    assert orders["net_amount"].tolist() == [12.5, 1250.0]


# --- ids, statuses, provinces -------------------------------------------------------------------


def test_ids_that_are_not_all_integers_become_strings(tmp_path):
    path = orders_csv(tmp_path, "001,7,2024-06-18,1,completed", "002,8,2024-06-18,1,completed")
    orders, _ = read_orders(path)
    assert orders["order_id"].tolist() == ["001", "002"]  # leading zeros are kept
    assert orders["customer_id"].dtype == "int64"


def test_status_words_are_folded_and_mapped(tmp_path):
    path = orders_csv(
        tmp_path,
        "1,7,2024-06-18,1,Completed",
        "2,7,2024-06-18,1,已退货",
        "3,7,2024-06-18,1,退款成功",
        "4,7,2024-06-18,1,交易关闭",
        "5,7,2024-06-18,1, RETURNED ",
        "6,8,2024-06-19,1,卖家已发货",
        "7,8,2024-06-19,1,",
        "8,9,2024-06-20,1,completed",
    )
    orders, ledger = read_orders(path)
    assert orders.set_index("order_id")["status"].to_dict() == {
        1: "completed", 2: "returned", 3: "returned", 5: "returned", 6: "in_progress", 7: "completed", 8: "completed",
    }
    assert ledger.dropped() == {"cancelled": 1}
    assert ledger.flagged() == {"returned": 3, "in_progress": 1}
    assert "1 blank status cells read as completed" in ledger.notes


def test_missing_status_means_completed_and_is_noted(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,1", header="order_id,customer_id,order_ts,net_amount\n")
    orders, ledger = read_orders(path)
    assert orders["status"].tolist() == ["completed"]
    assert "no status column: every order counted as completed" in ledger.notes


def test_unknown_status_words_stop_with_their_counts_and_the_status_map_option(tmp_path):
    path = orders_csv(
        tmp_path,
        "1,7,2024-06-18,12,已完成",
        "2,7,2024-06-19,12,(删除)等待出库",
        "3,8,2024-06-19,12,(删除)等待出库",
        "4,8,2024-06-19,12,on its way",
    )
    with pytest.raises(DataError) as err:
        read_orders(path)
    line = first_line(err)
    assert line.startswith("column 'status': 2 status words ecomkit does not know: "
                           "'(删除)等待出库' (2), 'on its way' (1)")
    assert "--status-map" in line
    assert (err.value.column, err.value.count) == ("status", 3)
    orders, ledger = read_orders(path, status_map={"(删除)等待出库": "cancelled", "on its way": "in_progress"})
    assert orders["status"].tolist() == ["completed", "in_progress"]
    assert ledger.dropped() == {"cancelled": 2}


def test_the_status_map_also_overrides_known_words_and_refuses_unknown_statuses(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,closed", "2,7,2024-06-19,12,completed")
    orders, ledger = read_orders(path, status_map={"closed": "completed"})
    assert orders["status"].tolist() == ["completed", "completed"] and ledger.dropped() == {}
    orders, _ = read_orders(path, status_map="closed=completed")  # the command line's text form
    assert len(orders) == 2
    with pytest.raises(DataError, match="--status-map closed=done: the status must be one of completed, "):
        read_orders(path, status_map={"closed": "done"})


def test_provinces_are_read_into_pinyin_and_other_regions_kept(tmp_path):
    cells = ["浙江省 杭州市 西湖区 文三路", "内蒙古自治区", "Inner Mongolia", "广西壮族自治区", "浙江", "California"]
    body = "order_id,order_ts,net_amount,province\n" + "".join(f"{i},2024-01-01,1,{c}\n" for i, c in enumerate(cells, 1))
    orders, _ = read_orders(write(tmp_path, body))
    assert orders.sort_values("order_id")["province"].tolist() == [
        "Zhejiang", "Inner Mongolia", "Inner Mongolia", "Guangxi", "Zhejiang", "California"]


# --- cleaning rules -------------------------------------------------------------------------


def test_cancelled_orders_are_dropped_and_counted_by_default(tmp_path):
    path = orders_csv(
        tmp_path, "1,7,2024-06-18,1,completed", "2,7,2024-06-18,1,cancelled", "3,7,2024-06-18,1,returned"
    )
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1, 3]
    assert ledger.to_dict()["dropped"] == {"cancelled": 1}
    assert ledger.to_dict()["flagged"] == {"returned": 1}

    for options in ({"drop_cancelled": False}, {"clean": {"cancelled": "keep"}}):
        kept, ledger = read_orders(path, **options)
        assert kept["status"].tolist() == ["completed", "cancelled", "returned"]
        assert "cancelled" not in ledger.dropped() and ledger.flagged()["cancelled"] == 1


def test_returned_orders_are_kept_and_flagged_unless_asked(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,1,completed", "3,7,2024-06-18,1,returned")
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1, 3] and ledger.flagged() == {"returned": 1}
    for options in ({"drop_returned": True}, {"clean": {"returned": "drop"}}, {"returned": "drop"}):
        orders, ledger = read_orders(path, **options)
        assert orders["order_id"].tolist() == [1]
        assert ledger.dropped() == {"returned": 1}


def test_negative_amounts_are_dropped_as_refunds_by_default(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,7,2024-06-19,-5.5,completed",
                      "3,7,2024-06-19,4,completed")
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1, 3]
    assert ledger.dropped() == {"negative_amounts": 1}
    assert "refunds and credit notes removed from sales: 1 rows, 5.50 in all" in ledger.notes


@pytest.mark.parametrize("options", [{"clean": {"negative_amounts": "error"}}, {"negative_amounts": "error"},
                                     {"nonpositive_amounts": "error"}])
def test_negative_amounts_can_be_refused(tmp_path, options):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,7,2024-06-19,-5.5,completed",
                      "3,7,2024-06-19,4,completed")
    with pytest.raises(DataError) as err:
        read_orders(path, **options)
    assert first_line(err) == (
        "column 'net_amount': negative (a refund or credit note) in 1 row — row 2: -5.5 "
        "(rows counted from 1 below the header); pass --clean negative_amounts=drop to count them as refunds"
    )


def test_negative_amounts_kept_with_keep_and_flagged(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,7,2024-06-19,-5,returned")
    for options in ({"nonpositive_amounts": "keep"}, {"clean": {"negative_amounts": "keep"}}):
        orders, ledger = read_orders(path, **options)
        assert orders["net_amount"].tolist() == [12.0, -5.0]
        assert ledger.flagged()["negative_amounts"] == 1 and ledger.dropped() == {}


def test_zero_amounts_are_kept_and_flagged_by_default(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,7,2024-06-19,0,completed",
                      "3,8,2024-06-19,3,completed")
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1, 2, 3]
    assert ledger.to_dict()["flagged"]["zero_amounts"] == 1
    assert ledger.to_dict()["dropped"] == {}
    dropped, ledger = read_orders(path, zero_amounts="drop")
    assert dropped["order_id"].tolist() == [1, 3] and ledger.dropped() == {"zero_amounts": 1}
    with pytest.raises(DataError, match=r"column 'net_amount': zero in 1 row — row 2: 0\.0 .*"
                                        r"--clean zero_amounts=keep"):
        read_orders(path, clean={"zero_amounts": "error"})


def test_the_first_readers_nonpositive_amounts_drop_removes_zero_and_negative(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,7,2024-06-19,-5,completed",
                      "3,7,2024-06-19,0,completed")
    orders, ledger = read_orders(path, nonpositive_amounts="drop")
    assert orders["order_id"].tolist() == [1]
    assert ledger.dropped() == {"negative_amounts": 1, "zero_amounts": 1}


def test_a_zero_amount_on_a_cancelled_order_does_not_matter(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,7,2024-06-19,0,cancelled")
    orders, ledger = read_orders(path, clean={"zero_amounts": "error"})
    assert orders["order_id"].tolist() == [1] and ledger.dropped() == {"cancelled": 1}


def test_blank_customer_ids_are_dropped_and_counted_by_default(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,,2024-06-19,5,completed",
                      "3, ,2024-06-19,5,completed", "4,8,2024-06-19,5,completed", "5,8,2024-06-20,5,completed")
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1, 4, 5]
    assert ledger.dropped() == {"blank_customer_id": 2}
    for options in ({"null_customer_ids": "error"}, {"clean": {"blank_customer_id": "error"}}):
        with pytest.raises(DataError) as err:
            read_orders(path, **options)
        assert first_line(err) == (
            "column 'customer_id': blank in 2 rows — row 2: <blank>, row 3: <blank> "
            "(rows counted from 1 below the header); pass --clean blank_customer_id=drop to drop those rows"
        )


@pytest.mark.parametrize("column,row", [("order_ts", "2,7,,5,completed"), ("net_amount", "2,7,2024-06-19,,completed")])
def test_blank_required_cells_are_dropped_and_counted_by_default(tmp_path, column, row):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", row, "3,7,2024-06-19,4,completed")
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1, 3]
    assert ledger.dropped() == {f"blank_{column}": 1}
    with pytest.raises(DataError, match=rf"column '{column}': blank in 1 row — row 2: <blank> .*"
                                        rf"--clean blank_{column}=drop"):
        read_orders(path, clean={f"blank_{column}": "error"})


def test_unparseable_dates_dropped_and_counted_with_drop(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,7,soon,5,completed", "3,7,,5,completed",
                      "4,7,2024-06-19,5,completed")
    for options in ({"unparseable_dates": "drop"}, {"clean": {"unreadable_order_ts": "drop"}}):
        orders, ledger = read_orders(path, **options)
        assert orders["order_id"].tolist() == [1, 4]
        assert ledger.dropped() == {"unreadable_order_ts": 1, "blank_order_ts": 1}


def test_exact_duplicate_rows_are_dropped_and_counted(tmp_path):
    row = "1001,7,2024-06-18 20:15,88.00,completed"
    path = orders_csv(tmp_path, row, "1002,8,2024-06-18,5,completed", row, "1003,9,2024-06-19,5,completed")
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1002, 1001, 1003]
    assert ledger.dropped() == {"duplicate_rows": 1}
    with pytest.raises(DataError, match=r"an exact repeat of an earlier row in 1 row — row 3.*"
                                        r"--clean duplicate_rows=drop"):
        read_orders(path, clean={"duplicate_rows": "error"})


def test_identical_rows_of_a_file_without_order_ids_are_two_purchases(tmp_path):
    path = orders_csv(tmp_path, "7,2024-06-18,10", "7,2024-06-18,10", "8,2024-06-19,5",
                      header="customer_id,order_ts,net_amount\n")
    orders, ledger = read_orders(path)
    assert len(orders) == 3 and ledger.dropped() == {}
    assert ledger.flagged() == {"identical_rows": 1}
    orders, ledger = read_orders(path, clean={"duplicate_rows": "drop"})
    assert len(orders) == 2 and ledger.dropped() == {"duplicate_rows": 1}


def test_a_file_without_order_ids_has_one_order_per_row(tmp_path):
    path = orders_csv(tmp_path, "7,2024-06-18 10:00,10", "7,2024-06-18 11:00,12", "8,2024-06-19,5",
                      header="customer_id,order_ts,net_amount\n")
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1, 2, 3]  # numbered by their row in the file
    assert orders["net_amount"].tolist() == [10.0, 12.0, 5.0]
    assert "no order_id column: every row is one order, numbered by its row in the file" in ledger.notes


def test_a_file_without_customer_ids_loads_unless_they_are_required(tmp_path):
    path = orders_csv(tmp_path, "1,3,2024-06-18,10", "2,4,2024-06-19,5", header="order_id,buyer_id,order_ts,net_amount\n")
    orders, ledger = read_orders(path)
    assert "customer_id" not in orders.columns and ledger.rows_kept == 2
    shop = load_shop(path)
    assert shop.has_customers is False
    with pytest.raises(DataError) as err:
        read_orders(path, require=("customer_id",))
    assert first_line(err).startswith("required column 'customer_id' is missing from the orders in orders.csv")
    assert "--map buyer_id=customer_id" in first_line(err)
    assert err.value.column == "customer_id"
    with pytest.raises(DataError, match="--map"):
        load_shop(path, require=("customer_id",))
    mapped = load_shop(path, columns={"buyer_id": "customer_id"}, require=("customer_id",))
    assert mapped.has_customers and mapped.orders["customer_id"].tolist() == [3, 4]


# --- order lines ----------------------------------------------------------------------------


LINES = "order_id,customer_id,order_ts,net_amount,items,category\n"


def test_order_lines_are_merged_into_one_order(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18 10:00,10,1,", "1,7,2024-06-18 10:00,15,2,beauty",
                      "2,8,2024-06-19,5,1,food", "3,9,2024-06-20,7,1,home", header=LINES)
    orders, ledger = read_orders(path)
    first = orders.set_index("order_id").loc[1]
    assert (first["net_amount"], first["items"]) == (25.0, 3)  # line amounts and items summed
    assert first["category"] == "beauty"  # from the first line that has one
    assert orders["order_id"].tolist() == [1, 2, 3]
    assert ledger.dropped() == {"order_lines": 1}
    assert balanced(ledger, orders)
    assert any("merged" in note and "net_amount, items summed" in note for note in ledger.notes)


def test_an_order_level_amount_repeated_on_every_line_is_taken_once(tmp_path):
    """Three or more multi-line orders whose every line repeats one amount: an order total."""
    rows = []
    for order in (1, 2, 3):
        rows += [f"{order},{order + 6},2024-06-1{order},100,30,1", f"{order},{order + 6},2024-06-1{order},100,70,1"]
    rows.append("4,10,2024-06-20,20,20,1")
    path = orders_csv(tmp_path, *rows, header="order_id,customer_id,order_ts,net_amount,unit_price,items\n")
    orders, ledger = read_orders(path)
    assert orders["net_amount"].tolist() == [100.0, 100.0, 100.0, 20.0]
    assert orders["items"].tolist() == [2, 2, 2, 1]
    assert ledger.dropped() == {"order_lines": 3}
    assert any("net_amount repeated on every line, taken once" in note for note in ledger.notes)


def test_equal_line_amounts_in_fewer_than_three_orders_are_summed(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-11,100,A", "1,7,2024-06-11,100,B", "2,8,2024-06-12,50,A",
                      "2,8,2024-06-12,50,B", header="order_id,customer_id,order_ts,net_amount,sku\n")
    orders, ledger = read_orders(path)
    assert orders["net_amount"].tolist() == [200.0, 100.0]
    assert ledger.dropped() == {"order_lines": 2}


def test_merged_order_lines_are_not_guarded(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,10", "1,7,2024-06-18,11", "1,7,2024-06-18,12", "2,8,2024-06-18,13",
                      header="order_id,customer_id,order_ts,net_amount\n")
    orders, ledger = read_orders(path)  # 2 of 4 rows merged away: not a loss
    assert orders["net_amount"].tolist() == [33.0, 13.0] and ledger.dropped() == {"order_lines": 2}


def test_keep_first_keeps_the_first_row_of_a_repeated_order_id(tmp_path):
    path = orders_csv(tmp_path, "1001,7,2024-06-18,88,completed", "1001,7,2024-06-18,99,completed",
                      "1002,8,2024-06-19,5,completed")
    for options in ({"duplicate_order_ids": "keep_first"}, {"clean": {"order_lines": "keep_first"}}):
        orders, ledger = read_orders(path, **options)
        assert orders["net_amount"].tolist() == [88.0, 5.0]
        assert ledger.dropped() == {"order_lines": 1}


@pytest.mark.parametrize("options", [{"clean": {"order_lines": "error"}}, {"duplicate_order_ids": "drop_exact"},
                                     {"duplicate_order_ids": "error"}])
def test_repeated_order_ids_can_be_refused(tmp_path, options):
    path = orders_csv(tmp_path, "1001,7,2024-06-18 20:15,88.00,completed", "1002,8,2024-06-18 21:00,10.00,completed",
                      "1001,7,2024-06-18 20:15,99.00,completed")
    with pytest.raises(DataError) as err:
        read_orders(path, **options)
    assert first_line(err).startswith("column 'order_id': repeated on several rows (one row per order line?) in 2 rows "
                                      "— row 1: '1001', row 3: '1001'")
    assert "--clean order_lines=merge" in first_line(err)


# --- unpaid, cancelled, refunds -------------------------------------------------------------


def test_a_blank_paid_ts_means_unpaid_unless_the_status_says_bought(tmp_path):
    path = orders_csv(tmp_path,
                      "1,7,2024-06-18,10,,2024-06-18 10:01",
                      "2,7,2024-06-18,10,,",  # never paid: dropped
                      "3,8,2024-06-19,10,已签收,",  # cash on delivery: a purchase
                      "4,8,2024-06-19,10,交易关闭,",  # closed and never paid: unpaid
                      "5,9,2024-06-20,10,completed,2024-06-20",
                      "6,9,2024-06-21,10,completed,2024-06-21",
                      header="order_id,customer_id,order_ts,net_amount,status,paid_ts\n")
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1, 3, 5, 6]
    assert ledger.dropped() == {"unpaid": 2}
    kept, ledger = read_orders(path, clean={"unpaid": "keep"})
    assert len(kept) == 6 and ledger.flagged() == {"unpaid": 2}


def test_net_zero_with_a_gross_amount_is_unpaid_unless_a_discount_covers_it(tmp_path):
    path = orders_csv(tmp_path,
                      "1,7,2024-06-18,10,12,2",
                      "2,7,2024-06-18,0,30,0",  # nothing paid on a 30 order: unpaid
                      "3,8,2024-06-19,0,20,20",  # a full voucher: a free purchase
                      "4,9,2024-06-19,8,8,0",
                      "5,9,2024-06-19,9,9,0",
                      header="order_id,customer_id,order_ts,net_amount,gross_amount,discount_amount\n")
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1, 3, 4, 5]
    assert ledger.dropped() == {"unpaid": 1}
    assert ledger.flagged() == {"zero_amounts": 1}


def test_a_cancelled_ts_marks_a_paid_order_cancelled(tmp_path):
    path = orders_csv(tmp_path,
                      "1,7,2024-06-18,10,,2024-06-18",  # never paid: the unpaid rule takes it first
                      "2,7,2024-06-18,10,2024-06-18,2024-06-19",
                      "3,8,2024-06-19,10,2024-06-19,",
                      "4,9,2024-06-19,10,2024-06-19,",
                      "5,9,2024-06-20,10,2024-06-20,",
                      header="order_id,customer_id,order_ts,net_amount,paid_ts,cancelled_ts\n")
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [3, 4, 5]
    assert ledger.dropped() == {"unpaid": 1, "cancelled": 1}


def test_a_refund_of_the_whole_amount_means_returned(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,10,10", "2,7,2024-06-18,10,15", "3,8,2024-06-19,10,4",
                      "4,9,2024-06-19,10,0", "5,9,2024-06-20,10,",
                      header="order_id,customer_id,order_ts,net_amount,refund_amount\n")
    orders, ledger = read_orders(path)
    assert orders.set_index("order_id")["status"].to_dict() == {
        1: "returned", 2: "returned", 3: "completed", 4: "completed", 5: "completed"}
    assert orders["net_amount"].tolist() == [10.0] * 5  # a partial refund keeps the paid amount
    assert ledger.flagged() == {"partial_refunds": 1, "returned": 2}
    dropped, ledger = read_orders(path, clean={"returned": "drop"})
    assert dropped["order_id"].tolist() == [3, 4, 5] and ledger.dropped() == {"returned": 2}


def test_a_refund_on_a_zero_value_order_does_not_make_it_returned(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,0,5", "2,7,2024-06-18,10,0", "3,8,2024-06-19,10,0",
                      header="order_id,customer_id,order_ts,net_amount,refund_amount\n")
    orders, ledger = read_orders(path)
    assert orders.set_index("order_id")["status"].to_dict()[1] == "completed"
    assert ledger.flagged() == {"zero_amounts": 1}


# --- the guard ----------------------------------------------------------------------------------


def test_a_default_rule_dropping_more_than_half_the_rows_stops(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,3,cancelled", "2,7,2024-06-18,1,cancelled",
                      "3,8,2024-06-19,1,cancelled", "4,8,2024-06-19,2,completed")
    with pytest.raises(DataError) as err:
        read_orders(path)
    line = first_line(err)
    assert line.startswith("rule 'cancelled' would drop 3 of 4 rows (75%")
    assert "--clean cancelled=drop" in line and "--max-drop-share" in line
    for options in ({"max_drop_share": 0.9}, {"clean": {"cancelled": "drop"}}, {"drop_cancelled": True}):
        orders, ledger = read_orders(path, **options)
        assert orders["order_id"].tolist() == [4] and ledger.dropped() == {"cancelled": 3}


def test_half_the_rows_is_not_more_than_half(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,-3,completed", "2,7,2024-06-18,-1,completed",
                      "3,8,2024-06-19,1,completed", "4,8,2024-06-19,2,completed")
    orders, ledger = read_orders(path)
    assert len(orders) == 2 and ledger.dropped() == {"negative_amounts": 2}
    with pytest.raises(DataError, match="rule 'negative_amounts' would drop 2 of 4 rows"):
        read_orders(path, max_drop_share=0.4)


@pytest.mark.parametrize("body,options,dropped", [
    (HEADER + "1,7,2024-06-18,10,completed\n" + ",,,,\n" * 5, {}, {"blank_rows": 5}),
    (HEADER + "1,7,2024-06-18,10,completed\n2,7,2023-06-18,10,completed\n3,7,2023-06-18,11,completed\n"
     "4,7,2023-06-18,12,completed\n", {"start": "2024-01-01"}, {"before_start": 3}),
])
def test_blank_rows_and_the_window_are_not_guarded(tmp_path, body, options, dropped):
    orders, ledger = read_orders(write(tmp_path, body), **options)
    assert len(orders) == 1 and ledger.dropped() == dropped


def test_unknown_cleaning_rules_and_actions_are_refused_with_the_list(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed")
    with pytest.raises(DataError) as err:
        read_orders(path, clean={"zero_amount": "drop"})
    line = first_line(err)
    assert line.startswith("unknown cleaning rule 'zero_amount' for the orders (did you mean 'zero_amounts'?); "
                           "its rules are: ")
    for rule in ("blank_customer_id", "cancelled", "negative_amounts", "order_lines", "zero_amounts", "totals_rows"):
        assert rule in line
    with pytest.raises(DataError, match="unknown cleaning rule 'zero_amont'"):
        read_orders(path, zero_amont="drop")  # a rule action given by keyword is checked the same way
    with pytest.raises(DataError, match="--clean zero_amounts=explode: the action must be one of keep, drop, error"):
        read_orders(path, clean={"zero_amounts": "explode"})


# --- the window -----------------------------------------------------------------------------


def test_orders_outside_the_window_are_dropped_and_counted(tmp_path):
    path = orders_csv(
        tmp_path,
        "1,7,2025-12-31 23:59:59,1,completed",  # end is inclusive of the whole day
        "2,7,2026-01-01 00:00:00,1,completed",
        "3,7,2022-12-31 23:59:59,1,completed",
        "4,7,2023-01-01 00:00:00,1,completed",
        "5,7,2024-03-01,1,completed",
    )
    orders, ledger = read_orders(path, start="2023-01-01", end="2025-12-31")
    assert orders["order_id"].tolist() == [4, 5, 1]
    assert ledger.dropped() == {"before_start": 1, "after_end": 1}
    assert "rows after 2025-12-31" in ledger.to_frame()["step"].tolist()


def test_window_accepts_dates_and_times():
    df = sample_orders()
    orders, _ = read_orders(df, start=dt.date(2024, 6, 18), end=pd.Timestamp("2024-11-11 00:00:30"))
    # an end with a time of day is used as given
    assert orders["order_id"].tolist() == [1]


def test_every_dropped_row_has_a_ledger_entry():
    df = pd.concat([sample_orders()] * 2, ignore_index=True)
    df.loc[[0, 4], "status"] = "cancelled"
    orders, ledger = read_orders(df, end="2024-12-31")
    assert ledger.rows_in == 8
    assert ledger.dropped() == {"duplicate_rows": 4, "cancelled": 1, "after_end": 1}
    assert ledger.rows_in - sum(n for _, _, n in ledger.steps) == len(orders) == 2


# --- side tables and shops ------------------------------------------------------------------


def test_read_customers_table_returns_the_frame_and_its_ledger(tmp_path):
    path = write(
        tmp_path,
        "customer_id,first_order_ts,province,city_tier,acquisition_channel,age_band,member\n"
        "1,2024-06-18 20:15:00,广东,1,search,25-34,true\n"
        "2,2024-06-19 10:00:00,浙江省,3,live_stream,18-24,0\n"
        "2,2024-06-19 10:00:00,浙江省,3,live_stream,18-24,0\n",
        name="customers.csv",
    )
    customers, ledger = read_table("customers", path)
    assert customers["city_tier"].tolist() == [1, 3]
    assert customers["member"].tolist() == [True, False]
    assert customers["province"].tolist() == ["Guangdong", "Zhejiang"]
    assert str(customers["first_order_ts"].dtype) == "datetime64[ns]"
    assert ledger.dropped() == {"duplicate_rows": 1} and balanced(ledger, customers)


def test_read_funnel_table(tmp_path):
    path = write(
        tmp_path,
        "date,channel,visitors,product_views,add_to_cart,orders\n"
        "2024-06-19,search,100,50,10,3\n2024-06-18,search,\"1,200\",500,40,12\n",
        name="funnel_daily.csv",
    )
    funnel, ledger = read_table("funnel_daily", path)
    assert funnel["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-06-18", "2024-06-19"]
    assert funnel["visitors"].tolist() == [1200, 100]
    assert ledger.rows_kept == 2


def test_read_table_names_the_tables_it_knows(tmp_path):
    with pytest.raises(ValueError, match="unknown table 'order'; tables: orders, customers, funnel_daily"):
        read_table("order", tmp_path / "x.csv")


def test_load_shop_from_a_directory(tmp_path):
    sample_orders().to_csv(tmp_path / "orders.csv", index=False)
    (tmp_path / "customers.csv").write_text("customer_id,province\n10,广东\n11,浙江\n12,北京\n", encoding="utf-8")
    shop = load_shop(tmp_path, end="2024-12-31")
    assert isinstance(shop, ShopData)
    assert shop.orders["order_id"].tolist() == [2, 1, 3]
    assert shop.ledger.dropped() == {"after_end": 1}
    assert shop.customers["customer_id"].tolist() == [10, 11, 12]
    assert set(shop.ledgers) == {"orders", "customers"}
    assert shop.funnel_daily is None and shop.truth is None
    assert shop.source == str(tmp_path)


def test_load_shop_passes_reading_options_to_the_side_tables(tmp_path):
    (tmp_path / "orders.csv").write_text(HEADER + "1,10,05/07/2024,12,completed\n", encoding="utf-8")
    (tmp_path / "customers.csv").write_text("customer_id,first_order_ts\n10,05/07/2024\n", encoding="utf-8")
    with pytest.raises(DataError, match="--dayfirst"):
        load_shop(tmp_path)
    shop = load_shop(tmp_path, dayfirst=True)
    assert shop.orders["order_ts"].tolist() == [pd.Timestamp("2024-07-05")]
    assert shop.customers["first_order_ts"].tolist() == [pd.Timestamp("2024-07-05")]


def test_load_shop_from_a_file_or_dataframe_reads_orders_only(tmp_path):
    sample_orders().to_parquet(tmp_path / "my_orders.parquet")
    shop = load_shop(str(tmp_path / "my_orders.parquet"))
    assert len(shop.orders) == 4 and shop.customers is None
    shop = load_shop(sample_orders().rename(columns={"order_id": "id"}), columns={"id": "order_id"})
    assert len(shop.orders) == 4 and shop.source == "DataFrame"


def test_load_shop_reads_the_currency_of_the_amounts(tmp_path):
    path = orders_csv(tmp_path, '1,7,2024-06-18,"R$ 1.234,56",completed', '2,7,2024-06-19,"R$ 12,50",completed')
    assert load_shop(path).currency == "BRL"


def test_load_shop_with_truth_files(tmp_path):
    sample_orders().to_csv(tmp_path / "orders.csv", index=False)
    (tmp_path / "truth.json").write_text(json.dumps({"seed": 1}))
    pd.DataFrame({"customer_id": [10, 11, 12]}).to_csv(tmp_path / "customer_truth.csv", index=False)
    shop = load_shop(tmp_path)
    assert shop.truth is not None and shop.truth.params["seed"] == 1
    assert shop.truth.customers["customer_id"].tolist() == [10, 11, 12]


def test_load_demo_uses_the_default_window():
    shop = load_demo()
    assert shop.orders["order_ts"].min() >= pd.Timestamp("2023-01-01")
    assert shop.orders["order_ts"].max() < pd.Timestamp("2026-01-01")
    assert balanced(shop.ledger, shop.orders)
    assert shop.customers is not None and shop.funnel_daily is not None and shop.truth is not None
    assert shop.source.startswith("demo (")


def test_missing_demo_is_a_clear_error(monkeypatch):
    from ecomkit.io import loaders

    monkeypatch.setattr(loaders, "find_table", lambda directory, stem: None)  # as if datasets/demo_shop were empty
    with pytest.raises(DataError, match="the bundled demo shop is missing: no orders file in .*make demo"):
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
