"""Bad input files: each raises a DataError whose first line names the column, the problem,
the count and the first offending rows and values (rows counted from 1 below the header), and
says how to fix it with a command-line option (``--map``, ``--clean rule=action``, ``--dayfirst``,
``--status-map``, ``--encoding`` ...), never with a Python keyword."""

import gzip
import re
from pathlib import Path

import pandas as pd
import pytest

from ecomkit.io import SUPPORTED_EXTENSIONS, DataError, load_shop, read_table

HEADER = "order_id,customer_id,order_ts,net_amount,status\n"


def write(tmp_path: Path, body: str, name: str = "orders.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(body.encode(encoding))
    return path


def first_line(err: pytest.ExceptionInfo) -> str:
    return str(err.value).splitlines()[0]


def orders_csv(tmp_path, *rows: str, header: str = HEADER, **kw) -> Path:
    return write(tmp_path, header + "".join(r + "\n" for r in rows), **kw)


def read_orders(source, columns=None, **options):
    return read_table("orders", source, columns, **options)


# --- the file itself ------------------------------------------------------------------------


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(DataError) as err:
        read_orders(tmp_path / "nope.csv")
    assert first_line(err).startswith("orders file not found: ")
    assert "nope.csv" in first_line(err)


def test_unsupported_extension_lists_the_supported_ones(tmp_path):
    path = write(tmp_path, "x", name="orders.json")
    with pytest.raises(DataError) as err:
        read_orders(path)
    line = first_line(err)
    assert "unsupported file type '.json'" in line
    assert ".csv, .csv.gz, .tsv, .tsv.gz, .txt, .txt.gz, .parquet, .pq, .xlsx, .xlsm, .xls" in line
    assert ".xlsx" in SUPPORTED_EXTENSIONS


@pytest.mark.parametrize("name", ["orders.xlsx", "orders.xls"])
def test_a_file_named_excel_that_is_not_one(tmp_path, name):
    path = write(tmp_path, "order_id,order_ts\n1,2024-01-01\n", name=name)
    with pytest.raises(DataError, match=rf"{re.escape(name)}: not a readable Excel file \("):
        read_orders(path)


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


def test_empty_dataframe():
    with pytest.raises(DataError, match="orders DataFrame has no rows"):
        read_orders(pd.DataFrame(columns=["order_id", "customer_id", "order_ts", "net_amount"]))


def test_undecodable_file_with_a_forced_encoding(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,￥12,已完成", encoding="gbk")
    with pytest.raises(DataError, match=r"orders\.csv: cannot be decoded as utf-8 .*; "
                                        r"try --encoding utf-8 or --encoding gb18030"):
        read_orders(path, encoding="utf-8")


def test_malformed_csv_names_the_file(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", '2,8,2024-06-18,"12,completed')
    with pytest.raises(DataError, match=r"orders\.csv: not a readable \.csv table"):
        read_orders(path)


# --- columns --------------------------------------------------------------------------------


def test_missing_required_column_is_named_with_the_columns_present(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,completed", header="order_id,customer_id,order_ts,status\n")
    with pytest.raises(DataError) as err:
        read_orders(path)
    assert first_line(err) == (
        "required column 'net_amount' is missing from the orders in orders.csv; map yours with "
        "--map THEIRS=net_amount; columns present: 'order_id', 'customer_id', 'order_ts', 'status'"
    )
    assert err.value.column == "net_amount"


@pytest.mark.parametrize("theirs", ["下单时间", "order_date", "Order TS"])
def test_missing_required_column_suggests_a_likely_mapping(tmp_path, theirs):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12", header=f"order_id,customer_id,{theirs},net_amount\n")
    with pytest.raises(DataError) as err:
        read_orders(path)
    assert "required column 'order_ts' is missing" in first_line(err)
    assert f"if it is '{theirs}', pass --map {theirs}=order_ts" in first_line(err)


def test_mapping_that_names_a_column_the_file_lacks(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed")
    with pytest.raises(DataError) as err:
        read_orders(path, columns={"实付金额": "net_amount"})
    assert first_line(err) == (
        "--map names '实付金额', which is not a column of orders.csv; its columns are: "
        "'order_id', 'customer_id', 'order_ts', 'net_amount', 'status'"
    )
    assert err.value.column == "实付金额"


def test_mapping_onto_an_existing_column_is_refused(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,13", header="order_id,customer_id,order_ts,net_amount,paid\n")
    with pytest.raises(DataError, match="--map renames 'paid' to 'net_amount', but orders.csv already has a column "
                                        "'net_amount'; map that one to another name too, e.g. "
                                        "--map net_amount=net_amount_original"):
        read_orders(path, columns={"paid": "net_amount"})


def test_mapping_two_columns_onto_one_is_refused(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,13", header="order_id,customer_id,order_ts,net_amount,paid\n")
    with pytest.raises(DataError, match="--map sends 2 columns to 'gross_amount': 'paid', 'net_amount'; keep one"):
        read_orders(path, columns={"paid": "gross_amount", "net_amount": "gross_amount"})


def test_repeated_column_names_in_a_dataframe():
    df = pd.DataFrame([[1, 7, "2024-06-18", 12.0, 13.0]],
                      columns=["order_id", "customer_id", "order_ts", "net_amount", "net_amount"])
    with pytest.raises(DataError, match="DataFrame: column names appear more than once: 'net_amount'"):
        read_orders(df)


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
        "(rows counted from 1 below the header); pass --clean unreadable_order_ts=drop to drop those rows"
    )
    assert (err.value.column, err.value.count, err.value.rows) == ("order_ts", 2, [2, 4])
    assert err.value.values == ["yesterday", "2024-13-45"]
    assert str(err.value).splitlines()[1].startswith("Dates may be written 2024-01-05")


def test_day_first_or_month_first_is_asked_not_guessed(tmp_path):
    path = orders_csv(tmp_path, "1,7,06/07/2024,12,completed")
    with pytest.raises(DataError) as err:
        read_orders(path)
    line = first_line(err)
    assert line.startswith("column 'order_ts': dates like '06/07/2024' could be day first or month first")
    assert "pass --dayfirst if '06/07/2024' means day/month/year" in line


def test_unreadable_amount_shows_the_value(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,¥12,completed", "2,7,2024-06-18,about 30,completed")
    with pytest.raises(DataError) as err:
        read_orders(path)
    assert first_line(err) == (
        "column 'net_amount': not an amount in 1 row — row 2: 'about 30' (rows counted from 1 below the header); "
        "pass --clean unreadable_net_amount=drop to drop those rows"
    )


def test_negative_amounts_are_refunds_by_default_and_refused_on_request(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,7,2024-06-19,-5.5,completed",
                      "3,8,2024-06-19,-1,completed", "4,8,2024-06-19,3,completed")
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1, 4] and ledger.dropped() == {"negative_amounts": 2}
    with pytest.raises(DataError) as err:
        read_orders(path, clean={"negative_amounts": "error"})
    assert first_line(err) == (
        "column 'net_amount': negative (a refund or credit note) in 2 rows — row 2: -5.5, row 3: -1.0 "
        "(rows counted from 1 below the header); pass --clean negative_amounts=drop to count them as refunds"
    )
    assert (err.value.column, err.value.count, err.value.rows) == ("net_amount", 2, [2, 3])


def test_zero_amounts_are_kept_by_default_and_refused_on_request(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,7,2024-06-19,0,completed",
                      "3,8,2024-06-19,3,completed")
    orders, ledger = read_orders(path)
    assert len(orders) == 3 and ledger.to_dict()["flagged"] == {"zero_amounts": 1}
    with pytest.raises(DataError) as err:
        read_orders(path, clean={"zero_amounts": "error"})
    assert first_line(err) == (
        "column 'net_amount': zero in 1 row — row 2: 0.0 (rows counted from 1 below the header); "
        "pass --clean zero_amounts=keep (free orders are purchases)"
    )


def test_blank_amounts_are_dropped_by_default_and_refused_on_request(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,7,2024-06-19,,completed", "3,7,2024-06-19,4,completed")
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1, 3] and ledger.dropped() == {"blank_net_amount": 1}
    with pytest.raises(DataError, match=r"column 'net_amount': blank in 1 row — row 2: <blank> .*"
                                        r"pass --clean blank_net_amount=drop to drop those rows"):
        read_orders(path, clean={"blank_net_amount": "error"})


def test_blank_customer_ids_are_dropped_by_default_and_refused_on_request(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,,2024-06-19,12,completed",
                      "3, ,2024-06-19,12,completed", "4,8,2024-06-19,12,completed", "5,8,2024-06-20,12,completed")
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1, 4, 5] and ledger.dropped() == {"blank_customer_id": 2}
    with pytest.raises(DataError) as err:
        read_orders(path, null_customer_ids="error")
    assert first_line(err) == (
        "column 'customer_id': blank in 2 rows — row 2: <blank>, row 3: <blank> "
        "(rows counted from 1 below the header); pass --clean blank_customer_id=drop to drop those rows"
    )
    assert err.value.count == 2


def test_blank_order_ids_are_dropped_by_default_and_refused_on_request(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", ",7,2024-06-19,12,completed", "3,8,2024-06-20,12,completed")
    orders, ledger = read_orders(path)
    assert orders["order_id"].tolist() == [1, 3] and ledger.dropped() == {"blank_order_id": 1}
    with pytest.raises(DataError, match=r"column 'order_id': blank in 1 row — row 2: <blank>"):
        read_orders(path, clean={"blank_order_id": "error"})


def test_excel_scientific_notation_ids_are_refused(tmp_path):
    path = orders_csv(tmp_path, "1.23457E+17,7,2024-06-18,12,completed")
    with pytest.raises(DataError) as err:
        read_orders(path)
    assert first_line(err).startswith("column 'order_id': looks like Excel scientific notation (digits were lost) in "
                                      "1 row — row 1: '1.23457E+17'")
    assert "formatted as text" in str(err.value).splitlines()[1]


def test_repeated_order_ids_are_merged_by_default_and_refused_on_request(tmp_path):
    path = orders_csv(
        tmp_path,
        "1001,7,2024-06-18 20:15,88.00,completed",
        "1002,8,2024-06-18 21:00,10.00,completed",
        "1001,7,2024-06-18 20:15,99.00,completed",
    )
    orders, ledger = read_orders(path)
    assert orders.set_index("order_id")["net_amount"].to_dict() == {1001: 187.0, 1002: 10.0}
    assert ledger.dropped() == {"order_lines": 1}
    with pytest.raises(DataError) as err:
        read_orders(path, clean={"order_lines": "error"})
    assert first_line(err) == (
        "column 'order_id': repeated on several rows (one row per order line?) in 2 rows — row 1: '1001', "
        "row 3: '1001' (rows counted from 1 below the header); pass --clean order_lines=merge to merge each "
        "order's lines into one order"
    )


def test_duplicate_order_ids_error_mode_refuses_even_exact_repeats(tmp_path):
    row = "1001,7,2024-06-18 20:15,88.00,completed"
    path = orders_csv(tmp_path, row, "1002,8,2024-06-18,5,completed", row)
    with pytest.raises(DataError) as err:
        read_orders(path, duplicate_order_ids="error")
    assert first_line(err).startswith("column 'order_id': an exact repeat of an earlier row in 1 row — row 3: '1001'")
    assert "--clean duplicate_rows=drop" in first_line(err)


def test_unknown_status_lists_the_words_with_counts(tmp_path):
    path = orders_csv(
        tmp_path,
        "1,7,2024-06-18,12,已完成",
        "2,7,2024-06-19,12,待处理x",
        "3,8,2024-06-19,12,待处理x",
        "4,8,2024-06-19,12,mystery",
    )
    with pytest.raises(DataError) as err:
        read_orders(path)
    assert first_line(err) == (
        "column 'status': 2 status words ecomkit does not know: '待处理x' (2), 'mystery' (1); say what each means "
        "with --status-map \"待处理x=completed,mystery=completed\" (statuses: completed, returned, cancelled, "
        "unpaid, in_progress)"
    )
    assert err.value.count == 3 and err.value.values == ["待处理x", "mystery"]


def test_fractional_items(tmp_path):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,2", "2,7,2024-06-18,12,1.5",
                      header="order_id,customer_id,order_ts,net_amount,items\n")
    with pytest.raises(DataError, match=r"column 'items': not a whole number in 1 row — row 2: '1.5' .*"
                                        r"--clean unreadable_items=drop"):
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
    with pytest.raises(DataError, match=r"no rows left in the orders of orders\.csv after cleaning: "
                                        r"1 rows in -1 after_end = 0 kept; check START/END"):
        read_orders(path, end="2023-12-31")


@pytest.mark.parametrize("options,message", [
    ({"nonpositive_amounts": "ignore"}, "nonpositive_amounts='ignore' is not one of 'error', 'drop', 'keep'"),
    ({"duplicate_order_ids": "maybe"}, "duplicate_order_ids='maybe' is not one of"),
    ({"max_drop_share": 0}, "--max-drop-share 0: give a share between 0 and 1"),
    ({"decimal": ";"}, "--decimal ';': use , or ."),
    ({"start": "notadate"}, "START='notadate' is not a date"),
    ({"start": "2024-02-01", "end": "2024-01-01"}, r"START \(2024-02-01\) is after END \(2024-01-01\)"),
    ({"clean": {"zero_amounts": "explode"}}, "--clean zero_amounts=explode: the action must be one of"),
    ({"status_map": {"shipped": "done"}}, "--status-map shipped=done: the status must be one of"),
])
def test_bad_option_values_are_refused(tmp_path, options, message):
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed")
    with pytest.raises(DataError, match=message):
        read_orders(path, **options)


# --- optional tables and shops --------------------------------------------------------------


def test_customers_table_with_a_city_tier_outside_one_to_five(tmp_path):
    path = write(tmp_path, "customer_id,city_tier\n1,1\n2,6\n3,0\n", name="customers.csv")
    with pytest.raises(DataError) as err:
        read_table("customers", path)
    assert first_line(err) == ("column 'city_tier': outside 1–5 in 2 rows — row 2: 6.0, row 3: 0.0 "
                               "(rows counted from 1 below the header)")


def test_customers_table_with_an_unreadable_city_tier(tmp_path):
    path = write(tmp_path, "customer_id,city_tier\n1,1\n3,x\n", name="customers.csv")
    with pytest.raises(DataError, match=r"column 'city_tier': not a whole number in 1 row — row 2: 'x'"):
        read_table("customers", path)


def test_customers_table_with_repeated_ids(tmp_path):
    path = write(tmp_path, "customer_id,province\n1,广东\n2,浙江\n1,浙江\n", name="customers.csv")
    with pytest.raises(DataError, match=r"column 'customer_id': customer id repeated in 2 rows — row 1: '1', "
                                        r"row 3: '1'"):
        read_table("customers", path)


def test_funnel_table_missing_a_stage(tmp_path):
    path = write(tmp_path, "date,channel,visitors,orders\n2024-06-18,search,100,3\n", name="funnel_daily.csv")
    with pytest.raises(DataError, match="required column 'product_views' is missing from the funnel_daily table .*"
                                        "--map THEIRS=product_views"):
        read_table("funnel_daily", path)


def test_funnel_table_with_negative_counts(tmp_path):
    path = write(
        tmp_path,
        "date,channel,visitors,product_views,add_to_cart,orders\n2024-06-18,search,100,50,-2,3\n",
        name="funnel_daily.csv",
    )
    with pytest.raises(DataError, match=r"column 'add_to_cart': below 0 in 1 row — row 1: -2\.0"):
        read_table("funnel_daily", path)


def test_shop_directory_without_orders(tmp_path):
    write(tmp_path, "customer_id\n1\n", name="customers.csv")
    with pytest.raises(DataError, match=r"no orders file \(expected orders\.csv, .*\); found: customers\.csv"):
        load_shop(tmp_path)


def test_shop_path_that_does_not_exist(tmp_path):
    with pytest.raises(DataError, match="data not found: .*missing_dir"):
        load_shop(tmp_path / "missing_dir")


def test_error_first_line_stands_alone(tmp_path):
    """The CLI shows only the first line: it must carry column, problem, count and an example."""
    path = orders_csv(tmp_path, "1,7,2024-06-18,12,completed", "2,,2024-06-19,12,completed")
    with pytest.raises(DataError) as err:
        read_orders(path, clean={"blank_customer_id": "error"})
    line = first_line(err)
    for part in ("customer_id", "blank", "1 row", "row 2", "--clean blank_customer_id=drop"):
        assert part in line


BAD_FILES = {
    "missing column": ("order_id,customer_id,下单时间,net_amount\n1,7,2024-06-18,12\n", {}),
    "unreadable date": (HEADER + "1,7,someday,12,completed\n", {}),
    "ambiguous date": (HEADER + "1,7,05/07/2024,12,completed\n", {}),
    "unknown status": (HEADER + "1,7,2024-06-18,12,mystery\n", {}),
    "negative refused": (HEADER + "1,7,2024-06-18,-12,completed\n2,7,2024-06-18,12,completed\n",
                         {"clean": {"negative_amounts": "error"}}),
    "blank refused": (HEADER + "1,,2024-06-18,12,completed\n2,7,2024-06-18,12,completed\n",
                      {"null_customer_ids": "error"}),
    "guard": (HEADER + "1,7,2024-06-18,12,cancelled\n2,7,2024-06-18,12,cancelled\n", {}),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_hints_are_command_line_options_not_python_keywords(tmp_path, case):
    body, options = BAD_FILES[case]
    with pytest.raises(DataError) as err:
        read_orders(write(tmp_path, body), **options)
    line = first_line(err)
    assert re.search(r"--(map|clean|dayfirst|status-map|date-format)\b", line), line
    assert not re.search(r"\b\w+=\{|\b\w+='", line), line  # no columns={...} or unparseable_dates='drop'
