"""Chapter 02 end to end: a papermill run on a fresh small panel with renamed columns, a report on a
spring panel in reais (no festival, no baskets), and the analyst's CLI on a bad panel file."""

import json
import re
import subprocess
import sys

import pandas as pd
import pytest
from scipy import stats

from ecomkit import runner
from ecomkit.simulate.pricing import simulate_price_panel

RENAMED = {"sku": "货号", "date": "日期", "price": "售价", "units": "销量", "unit_cost": "成本"}


@pytest.fixture(scope="module")
def small_panel():
    panel, _ = simulate_price_panel(n_skus=36, seed=11, start="2024-01-01", end="2025-06-30")
    return panel


def test_chapter02_runs_on_a_renamed_panel_csv_with_non_default_parameters(small_panel, tmp_path):
    path = tmp_path / "my_panel.csv"
    small_panel.rename(columns=RENAMED).to_csv(path, index=False)
    result = runner.run_chapter("pricing", data=str(path), columns={v: k for k, v in RENAMED.items()},
                                params=[("CATEGORY", "beauty"), ("DISCOUNT_DEPTHS", "[0.1, 0.25]"),
                                        ("MARGIN_FLOOR", "0.2"), ("MAX_CHANGE", "0.1"), ("N_SKUS", "3"),
                                        ("CURRENCY", "USD")],
                                out=tmp_path / "out", progress=False)
    saved = result.results
    assert saved["parameters"]["CATEGORY"] == "beauty" and saved["parameters"]["DISCOUNT_DEPTHS"] == [0.1, 0.25]
    assert saved["currency"] == "USD"
    assert saved["ledger"]["rows_in"] == len(small_panel)
    assert saved["ledger"]["dropped"] == {"zero_units": int((small_panel["units"] == 0).sum())}
    assert saved["truth_check"] is None                                  # a user's file has no truth

    results = saved["results"]
    categories = set(small_panel["category"])
    assert set(results["elasticities"]) == categories
    for estimates in results["elasticities"].values():
        controlled = estimates["controlled"]
        # about 6 SKUs per category: enough clusters for a standard error and its t(G - 1) interval
        t = stats.t.ppf(0.975, controlled["n_skus"] - 1)
        assert controlled["se"] > 0
        assert controlled["ci_low"] == pytest.approx(controlled["elasticity"] - t * controlled["se"])
        assert controlled["ci_high"] == pytest.approx(controlled["elasticity"] + t * controlled["se"])
        assert estimates["naive"]["elasticity"] < controlled["elasticity"]   # the festival confound

    recommended = pd.DataFrame(results["recommended_prices"])
    beauty = small_panel.loc[small_panel["category"] == "beauty", "sku"].unique()
    assert len(recommended) == 3 and recommended["sku"].isin(beauty).all()
    assert (recommended["change"].abs() <= 0.1 + 1e-9).all()            # MAX_CHANGE
    margin = 1 - recommended["unit_cost"] / recommended["recommended_price"]
    assert (margin >= 0.2 - 1e-9).all()                                 # MARGIN_FLOOR
    assert {"profit_now", "profit_change", "profit_change_pct"} <= set(recommended.columns)

    lifts = pd.DataFrame(results["break_even_lifts"])
    assert len(lifts) == 2 * len(categories) and set(lifts["discount"]) == {0.1, 0.25}
    expected = lifts["discount"] / (lifts["margin"] - lifts["discount"])
    pd.testing.assert_series_equal(lifts["required_lift"], expected.where(lifts["discount"] < lifts["margin"]),
                                   check_names=False)
    assert "threshold_offer" not in results                             # no basket table: section skipped
    # about 6 SKUs per category, 1 or 2 of them in the price tests: no experimental standard error either
    assert [s["section"] for s in saved["skipped"]] == ["Experimental elasticity", "Spend-threshold offer (满减)"]
    assert "segments" in results
    assert results["festival_weeks"]["weeks"] > 0                       # 2024-2025: 618, 11.11 and 12.12 inside
    assert "USD" in result.html.read_text(encoding="utf-8")


def _keys(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield str(key)
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


def _report_text(path) -> str:
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_a_spring_panel_in_reais_gives_an_honest_report_that_skips_what_does_not_apply(tmp_path):
    panel, _ = simulate_price_panel(n_skus=24, seed=12, start="2024-01-01", end="2024-05-31")
    path = tmp_path / "price_panel.csv"
    panel.to_csv(path, index=False)
    result = runner.run_chapter("pricing", data=str(path), params=[("CURRENCY", "BRL")], out=tmp_path / "out",
                                no_code=True, progress=False)
    saved = result.results
    assert saved["currency"] == "BRL"
    assert not [key for key in _keys(saved) if "cny" in key.lower()]
    skipped = {s["section"]: s["reason"] for s in saved["skipped"]}
    assert "no full week of the panel (2024-01-01 to 2024-05-31) touches a festival window" in skipped[
        "Festival confounding"]
    assert "no baskets table" in skipped["Spend-threshold offer (满减)"]
    assert "festival_weeks" not in saved["results"] and "threshold_offer" not in saved["results"]
    assert json.loads(json.dumps(saved["results"]["elasticities"]))                     # estimated all the same

    text = _report_text(result.html)
    for absent in ("CNY", "¥", "demo shop", "What you will learn", "Prerequisites", "Ground truth",
                   "Try it on your data", "Festival weeks against ordinary weeks"):
        assert absent not in text, absent
    assert "Executive summary" in text and text.index("Executive summary") < text.index("1 · Load the price panel")
    assert "Festival confounding: no full week" in text                # the skip is listed in the summary


def test_cli_reports_a_bad_panel_file_in_one_line(tmp_path):
    path = tmp_path / "panel.csv"
    path.write_text("sku,date,price,units\nA,2024-01-01,10,5\nA,2024-01-02,-3,4\nB,2024-01-01,8,2\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "ecomkit.cli", "run", "pricing", "--data", str(path),
                           "--out", str(tmp_path / "out"), "--quiet"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("ecomkit: error: column 'price': zero or negative in 1 row")
    assert "row 2: -3.0" in lines[0] and "Traceback" not in done.stderr
