"""Bad input files: each raises a DataError whose first line names the column, the problem,
the count and the first offending rows and values (rows counted from 1 below the header)."""

import gzip
from pathlib import Path

import pandas as pd
import pytest

from ecomkit.data import DataError, load_shop, read_orders, read_table

HEADER = "order_id,customer_id,order_ts,net_amount,status\n"


def write(tmp_path: Path, body: str, name: str = "orders.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(body.encode(encoding))
    return path


def first_line(err: pytest.ExceptionInfo) -> str:
    return str(err.value).splitlines()[0]


def orders_csv(tmp_path, *rows: str, header: str = HEADER, **kw) -> Path:
    return write(tmp_path, header + "".join(r + "\n" for r in rows), **kw)


# --- the file itself ------------------------------------------------------------------------


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(DataError) as err:
        read_orders(tmp_path / "nope.csv")
    assert first_line(err).startswith("orders file not found: ")
    assert "nope.csv" in first_line(err)


def test_unsupported_extension_lists_the_supported_ones(tmp_path):
    path = write(tmp_path, "x", name="orders.xlsx")
    with pytest.raises(DataError) as err:
        read_orders(path)
    line = first_line(err)
    assert "unsupported file type '.xlsx'" in line
    assert ".csv, .csv.gz, .tsv, .tsv.gz, .txt, .txt.gz, .parquet, .pq" in line
    assert "save the sheet as 'CSV UTF-8' first" in line


def test_empty_file(tmp_path):
    path = write(tmp_path, "")
    with pytest.raises(DataError, match=r"orders\.csv: the file is empty"):
        read_orders(path)


def test_empty_gzip_file(tmp_path):
    path = tmp_path / "orders.csv.gz"
    path.write_bytes(gzip.compress(b""))
    with pytest.raises(DataError, match=r"orders\.csv\.gz: the file is empty"):
        read_orders(path)


def test_header_only_file_says_no_rows_and_lists_columns(tmp_path):
    path = write(tmp_path, HEADER)
    with pytest.raises(DataError) as err:
        read_orders(path)
    assert first_line(err) == (
        "orders.csv: has a header but no data rows (columns: 'order_id', 'customer_id', "
        "'order_ts', 'net_amount', 'status')"
    )


def test_empty_dataframe(tmp_path):
    with pytest.raises(DataError, match="orders DataFrame has no rows"):
        read_orders(pd.DataFrame(columns=["order_id", "customer_id", "order_ts", "net_amount"]))


def test_undecodable_file_with_a_forced_encoding(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,￥12,已完成", encoding="gbk")
    with pytest.raises(DataError, match=r"cannot be decoded as utf-8 .*try encoding='utf-8' or encoding='gb18030'"):
        read_orders(path, encoding="utf-8")


def test_malformed_csv_reports_the_line(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", '2,8,2024-06-18,"12,completed')
    with pytest.raises(DataError, match=r"orders\.csv: not a readable \.csv table"):
        read_orders(path)


# --- columns --------------------------------------------------------------------------------


def test_missing_required_column_is_named_with_the_columns_present(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,completed", header="order_id,customer_id,order_ts,status\n")
    with pytest.raises(DataError) as err:
        read_orders(path)
    assert first_line(err) == (
        "required column 'net_amount' is missing from the orders in orders.csv; columns present: "
        "'order_id', 'customer_id', 'order_ts', 'status'"
    )
    assert err.value.column == "net_amount"


def test_missing_required_column_suggests_a_likely_mapping(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12", header="订单编号,customer_id,order_ts,net_amount\n")
    with pytest.raises(DataError) as err:
        read_orders(path)
    assert "required column 'order_id' is missing" in first_line(err)
    assert "pass columns={'订单编号': 'order_id'}" in first_line(err)


def test_mapping_that_names_a_column_the_file_lacks(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed")
    with pytest.raises(DataError) as err:
        read_orders(path, columns={"实付金额": "net_amount"})
    assert first_line(err) == (
        "column mapping names '实付金额', which is not in orders.csv; its columns are: "
        "'order_id', 'customer_id', 'order_ts', 'net_amount', 'status'"
    )
    assert err.value.column == "实付金额"


def test_mapping_onto_an_existing_column_is_refused(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", header="order_id,customer_id,order_ts,net_amount,paid\n")
    with pytest.raises(DataError, match="renames 'paid' to 'net_amount', but orders.csv already has a column 'net_amount'"):
        read_orders(path, columns={"paid": "net_amount"})


# --- values ---------------------------------------------------------------------------------


def test_unparseable_dates_show_count_rows_and_values(tmp_path):
    path = orders_csv(
        tmp_path,
        "1,7,2024-06-18 20:15,12,completed",
        "2,7,yesterday,12,completed",
        "3,8,2024/6/18 20:15,12,completed",
        "4,8,2024-13-45,12,completed",
    )
    with pytest.raises(DataError) as err:
        read_orders(path)
    assert first_line(err) == (
        "column 'order_ts': not a readable date in 2 rows — row 2: 'yesterday', row 4: '2024-13-45' "
        "(rows counted from 1 below the header); pass unparseable_dates='drop' to drop those orders"
    )
    assert (err.value.column, err.value.count, err.value.rows) == ("order_ts", 2, [2, 4])
    assert "Accepted formats include" in str(err.value).splitlines()[1]


def test_day_first_dates_are_refused_not_guessed(tmp_path):
    path = orders_csv(tmp_path, "1,7,06/07/2024,12,completed")
    with pytest.raises(DataError, match=r"not a readable date in 1 row — row 1: '06/07/2024'"):
        read_orders(path)


def test_unreadable_amount_shows_the_value(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,¥12,completed", "2,7,2024-06-18,about 30,completed")
    with pytest.raises(DataError) as err:
        read_orders(path)
    assert first_line(err).startswith("column 'net_amount': not an amount in 1 row — row 2: 'about 30'")


def test_negative_amount_is_an_error_by_default(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,7,2024-06-19,-5.5,completed", "3,8,2024-06-19,0,completed")
    with pytest.raises(DataError) as err:
        read_orders(path)
    assert first_line(err) == (
        "column 'net_amount': zero or negative in 2 rows — row 2: -5.5, row 3: 0.0 "
        "(rows counted from 1 below the header); pass nonpositive_amounts='drop' to drop those orders, or 'keep'"
    )


def test_blank_amount_on_a_kept_order(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,7,2024-06-19,,completed")
    with pytest.raises(DataError, match=r"column 'net_amount': blank in 1 row — row 2: <blank>"):
        read_orders(path)


def test_null_customer_ids_are_an_error_by_default(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,,2024-06-19,12,completed", "3, ,2024-06-19,12,completed")
    with pytest.raises(DataError) as err:
        read_orders(path)
    assert first_line(err) == (
        "column 'customer_id': blank in 2 rows — row 2: <blank>, row 3: ' ' "
        "(rows counted from 1 below the header); pass null_customer_ids='drop' to drop those orders"
    )
    assert err.value.count == 2


def test_blank_order_id(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", ",7,2024-06-19,12,completed")
    with pytest.raises(DataError, match=r"column 'order_id': blank in 1 row — row 2: <blank>"):
        read_orders(path)


def test_excel_scientific_notation_ids_are_refused(tmp_path):
    path = orders_csv(tmp_path, "1.23457E+17,7,2024-06-18,12,completed")
    with pytest.raises(DataError, match=r"column 'order_id': looks like Excel scientific notation .* row 1: '1.23457E\+17'"):
        read_orders(path)


def test_conflicting_duplicate_order_ids_are_an_error(tmp_path):
    path = orders_csv(
        tmp_path,
        "1001,7,2024-06-18 20:15,88.00,completed",
        "1002,8,2024-06-18 21:00,10.00,completed",
        "1001,7,2024-06-18 20:15,99.00,completed",
    )
    with pytest.raises(DataError) as err:
        read_orders(path)
    assert first_line(err) == (
        "column 'order_id': 1 order id repeated with different content on 2 rows — order_id 1001 at "
        "rows 1 and 3 (net_amount: 88.0 vs 99.0) (rows counted from 1 below the header); "
        "pass duplicate_order_ids='keep_first' to keep the first"
    )
    assert "one row per item" in str(err.value).splitlines()[1]


def test_duplicate_order_ids_error_mode_refuses_even_exact_repeats(tmp_path):
    row = "1001,7,2024-06-18 20:15,88.00,completed"
    path = orders_csv(tmp_path, row, "1002,8,2024-06-18,5,completed", row)
    with pytest.raises(DataError) as err:
        read_orders(path, duplicate_order_ids="error")
    assert first_line(err).startswith("column 'order_id': order id repeated in 2 rows — row 1: 1001, row 3: 1001")


def test_unknown_status_lists_the_labels(tmp_path):
    path = orders_csv(
        tmp_path,
        "1,7,2024-06-18,12,已完成",
        "2,7,2024-06-19,12,待发货",
        "3,8,2024-06-19,12,待发货",
        "4,8,2024-06-19,12,shipped",
    )
    with pytest.raises(DataError) as err:
        read_orders(path)
    assert first_line(err) == (
        "column 'status': unknown status in 3 rows: '待发货' (2), 'shipped' (1) — rows 2, 3, 4 "
        "(rows counted from 1 below the header)"
    )


def test_negative_items(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,2", "2,7,2024-06-18,12,-1", header="order_id,customer_id,order_ts,net_amount,items\n")
    with pytest.raises(DataError, match=r"column 'items': not a whole number >= 0 in 1 row — row 2: '-1'"):
        read_orders(path)


def test_dataframe_rows_are_reported_by_index_label():
    df = pd.DataFrame(
        {"order_id": [1, 2], "customer_id": [7, 8], "order_ts": ["2024-06-18", "later"], "net_amount": [1.0, 2.0]},
        index=[10, 11],
    )
    with pytest.raises(DataError) as err:
        read_orders(df)
    assert first_line(err).startswith(
        "column 'order_ts': not a readable date in 1 row — index 11: 'later' (rows given by DataFrame index label)"
    )


def test_window_that_keeps_nothing_is_an_error(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed")
    with pytest.raises(DataError, match=r"no orders left after cleaning orders\.csv: 1 rows in -1 after_end = 0 kept"):
        read_orders(path, end="2023-12-31")


def test_repeated_column_names_in_a_dataframe():
    df = pd.DataFrame([[1, 7, "2024-06-18", 12.0, 13.0]],
                      columns=["order_id", "customer_id", "order_ts", "net_amount", "net_amount"])
    with pytest.raises(DataError, match="DataFrame: column names appear more than once: 'net_amount'"):
        read_orders(df)


def test_bad_option_values_are_refused():
    with pytest.raises(ValueError, match="nonpositive_amounts='ignore' is not one of 'error', 'drop', 'keep'"):
        read_orders(pd.DataFrame({"a": [1]}), nonpositive_amounts="ignore")


def test_pandera_failures_become_data_errors(tmp_path):
    # shipping_fee must be >= 0: only the output schema checks it
    path = orders_csv(
        tmp_path,
        "1,7,2024-06-18,12,5",
        "2,7,2024-06-18,12,-3",
        header="order_id,customer_id,order_ts,net_amount,shipping_fee\n",
    )
    with pytest.raises(DataError) as err:
        read_orders(path)
    assert first_line(err) == (
        "column 'shipping_fee': fails the check greater_than_or_equal_to(0) in 1 row — row 2: -3.0 "
        "(rows counted from 1 below the header)"
    )


# --- optional tables and shops --------------------------------------------------------------


def test_customers_table_with_a_bad_city_tier(tmp_path):
    path = write(tmp_path, "customer_id,city_tier\n1,1\n2,6\n3,x\n", name="customers.csv")
    with pytest.raises(DataError) as err:
        read_table(path, "customers")
    assert first_line(err).startswith("column 'city_tier': not a city tier 1–5 in 2 rows — row 2: '6', row 3: 'x'")


def test_customers_table_with_repeated_ids(tmp_path):
    path = write(tmp_path, "customer_id,province\n1,广东\n2,浙江\n1,广东\n", name="customers.csv")
    with pytest.raises(DataError, match=r"column 'customer_id': customer id repeated in 2 rows — row 1: 1, row 3: 1"):
        read_table(path, "customers")


def test_funnel_table_missing_a_stage(tmp_path):
    path = write(tmp_path, "date,channel,visitors,orders\n2024-06-18,search,100,3\n", name="funnel_daily.csv")
    with pytest.raises(DataError, match="required column 'product_views' is missing from the funnel_daily table"):
        read_table(path, "funnel_daily")


def test_funnel_table_with_negative_counts(tmp_path):
    path = write(
        tmp_path,
        "date,channel,visitors,product_views,add_to_cart,orders\n2024-06-18,search,100,50,-2,3\n",
        name="funnel_daily.csv",
    )
    with pytest.raises(DataError, match=r"column 'add_to_cart': not a whole number >= 0 in 1 row — row 1: '-2'"):
        read_table(path, "funnel_daily")


def test_shop_directory_without_orders(tmp_path):
    write(tmp_path, "customer_id\n1\n", name="customers.csv")
    with pytest.raises(DataError, match="no orders file .* found: customers.csv"):
        load_shop(tmp_path)


def test_shop_path_that_does_not_exist(tmp_path):
    with pytest.raises(DataError, match="data not found: .*missing_dir"):
        load_shop(tmp_path / "missing_dir")


def test_error_first_line_stands_alone(tmp_path):
    """The CLI shows only the first line: it must carry column, problem, count and an example."""
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,,2024-06-19,12,completed")
    with pytest.raises(DataError) as err:
        read_orders(path)
    line = first_line(err)
    for part in ("customer_id", "blank", "1 row", "row 2"):
        assert part in line
