"""Chapter 00 end to end: a papermill run on a fresh small shop, and the analyst's CLI path."""

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ecomkit import runner
from ecomkit.simulate import simulate_shop


@pytest.fixture(scope="module")
def small_shop():
    return simulate_shop(n_customers=3_000, seed=11)


def _write_shop_folder(shop, folder):
    folder.mkdir()
    shop.orders.to_csv(folder / "orders.csv", index=False)
    shop.customers.to_csv(folder / "customers.csv", index=False)
    shop.funnel_daily.to_csv(folder / "funnel_daily.csv", index=False)
    return folder


def test_chapter00_runs_with_non_default_parameters_on_a_fresh_shop(small_shop, tmp_path):
    folder = _write_shop_folder(small_shop, tmp_path / "shop")
    result = runner.run_chapter("start", data=str(folder), out=tmp_path / "out", progress=False, no_code=True,
                                params=[("START", "2024-01-01"), ("TREND_FREQ", "W"), ("RETENTION_CLAIM", "0.3"),
                                        ("CURRENCY", "USD"), ("FESTIVALS", '["11.11", "Black Friday 11-29"]')])
    saved = result.results
    assert saved["parameters"]["START"] == "2024-01-01" and saved["parameters"]["RETENTION_CLAIM"] == 0.3
    assert saved["currency"] == "USD"
    in_window = small_shop.orders[(small_shop.orders["order_ts"] >= "2024-01-01")
                                  & (small_shop.orders["status"] != "cancelled")]
    assert saved["results"]["orders"] == len(in_window)
    assert saved["results"]["gmv"] == pytest.approx(in_window["net_amount"].sum())
    assert not [key for key in saved["results"] if "cny" in key.lower()]
    assert set(saved["results"]["festival_order_lift"]) == {"11.11", "Black Friday"}
    assert saved["ledger"]["dropped"]["before_start"] > 0
    assert "conversion_by_channel" in saved["results"]   # the folder has a funnel table
    assert saved["truth_check"] is None                  # no truth.json in the folder
    assert [s["section"] for s in saved["skipped"]] == ["Paid rate"]    # no payment times in the simulated orders
    text = _visible_text(result.html.read_text(encoding="utf-8"))
    assert "CNY" not in text and "USD" in text
    assert "What you will learn" not in text and "Executive summary" in text        # a report, not the lesson
    ids = small_shop.orders["customer_id"].astype(str).drop_duplicates().head(200)
    assert not [i for i in ids if re.search(rf"(?<![\d.,]){i}(?![\d.,])", text)]   # no raw buyer id


def _visible_text(page: str) -> str:
    """The text a reader sees in an HTML report (images and markup left out)."""
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


TMALL_MAP = "订单编号=order_id,总金额=gross_amount,买家实际支付金额=net_amount,收货地址=province,订单创建时间=order_ts," \
            "订单付款时间=paid_ts,退款金额=refund_amount"


def test_an_order_report_without_buyer_ids_gets_the_order_level_view_and_says_what_it_skipped(tmp_path):
    data = Path(__file__).parent / "data" / "exports" / "tmall_order_report.csv"
    done = subprocess.run([sys.executable, "-m", "ecomkit.cli", "run", "start", "--data", str(data), "--map", TMALL_MAP,
                           "--out", str(tmp_path / "report"), "--no-code", "--quiet"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    saved = json.loads((tmp_path / "report" / "results.json").read_text())
    results = saved["results"]
    assert results["orders"] == 106 and results["placed_orders"] == 120 and results["unpaid_orders"] == 14
    assert results["paid_rate"] == pytest.approx(106 / 120)
    assert results["refunds"] > 0 and results["net_sales"] == pytest.approx(results["gmv"] - results["refunds"])
    assert sum(results["province_order_share"].values()) == pytest.approx(1.0)
    assert len(results["orders_by_hour"]) == 24
    skipped = {s["section"]: s["reason"] for s in saved["skipped"]}
    assert {"Buyer indicators", "Cohorts and retention", "Festival lift", "Channel mix", "Funnel"} == set(skipped)
    assert all("customer_id" in skipped[s] for s in ("Buyer indicators", "Cohorts and retention"))
    assert "buyers" not in results and "repeat_purchase_rate" not in results
    page = (tmp_path / "report" / "start.html").read_text()
    assert "Order-level view" in page and "Orders by hour of day: skipped" not in page


def test_analyst_runs_chapter00_on_a_renamed_csv_and_gets_a_code_free_report(small_shop, tmp_path):
    renamed = small_shop.orders.rename(columns={"order_id": "订单号", "customer_id": "buyer", "order_ts": "paid_at",
                                                "net_amount": "实付金额"})
    renamed.to_csv(tmp_path / "orders.csv", index=False, encoding="gb18030")
    done = subprocess.run([sys.executable, "-m", "ecomkit.cli", "run", "start", "--data", str(tmp_path / "orders.csv"),
                           "--map", "订单号=order_id,buyer=customer_id,paid_at=order_ts,实付金额=net_amount",
                           "--out", str(tmp_path / "report"), "--no-code", "--quiet"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    saved = json.loads((tmp_path / "report" / "results.json").read_text())
    assert {"gmv", "orders", "aov", "repeat_purchase_rate", "median_next_month_retention"} <= set(saved["results"])
    assert saved["truth_check"] is None
    page = (tmp_path / "report" / "start.html").read_text()
    assert "load_shop(" not in page and "course.record" not in page     # code cells hidden
    assert "no funnel table" in page                                     # the funnel section skipped itself


BAD_INPUTS = {
    "missing_file": (None, "not found"),
    "unsupported.xlsx": ("order_id,customer_id\n1,2\n", "unsupported"),
    "empty.csv": ("", "empty"),
    "no_amount.csv": ("order_id,customer_id,order_ts\n1,2,2024-01-01\n", "net_amount"),
    "bad_dates.csv": ("order_id,customer_id,order_ts,net_amount\n1,2,2024-13-45,10\n2,3,yesterday,5\n", "order_ts"),
    "negative.csv": ("order_id,customer_id,order_ts,net_amount\n1,2,2024-01-01,-10\n2,3,2024-01-02,5\n", "net_amount"),
    "null_ids.csv": ("order_id,customer_id,order_ts,net_amount\n1,,2024-01-01,10\n2,3,2024-01-02,5\n", "customer_id"),
    "dup_ids.csv": ("order_id,customer_id,order_ts,net_amount\n1,2,2024-01-01,10\n1,3,2024-01-02,5\n", "order_id"),
    "header_only.csv": ("order_id,customer_id,order_ts,net_amount\n", "no"),
    "bad_map.csv": ("order_id,buyer,order_ts,net_amount\n1,2,2024-01-01,10\n", "buyerid"),
}
# the loader merges order lines and drops refunds and blank ids by default (docs/ingestion.md): asked to
# refuse them instead, the run must stop with one line that names the column
EXTRA_ARGS = {"bad_map.csv": ["--map", "buyerid=customer_id"],
              "dup_ids.csv": ["--clean", "order_lines=error"],
              "negative.csv": ["--clean", "negative_amounts=error"],
              "null_ids.csv": ["--clean", "blank_customer_id=error"]}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_cli_reports_each_bad_input_in_one_line_without_traceback(name, tmp_path):
    content, expected = BAD_INPUTS[name]
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "ecomkit.cli", "run", "start", "--data", str(path),
                           "--out", str(tmp_path / "out"), "--quiet", *EXTRA_ARGS.get(name, [])],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("ecomkit: error:")
    assert expected in lines[0].lower()
    assert "Traceback" not in done.stderr
