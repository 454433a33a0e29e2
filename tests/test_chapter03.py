"""Chapter 03 end to end: the published CDNOW fits through the analyst's CLI, and a papermill run
with non-default parameters on a freshly simulated shop whose truth is known."""

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomkit import clv, runner
from ecomkit.simulate import simulate_shop

sys.path.insert(0, str(Path(__file__).resolve().parent))
from other_shop import build_other_shop  # noqa: E402

PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # Fader, Hardie & Lee (2005), Marketing Science
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}  # Fader, Hardie & Lee (2005), JMR


def test_analyst_reproduces_the_published_cdnow_fits_from_a_csv_through_the_cli(tmp_path):
    """The raw CDNOW sample as a shop would export it: one row per order, with an order number.

    The sample has no order id; an export carries one, and it keeps the 21 pairs of identical rows (same
    customer, day, CDs and amount) apart, so the loader does not take them for duplicates. Eight first
    purchases are worth $0.00: they are purchases, so the run keeps them (nonpositive_amounts "keep");
    dropping them would remove eight customers and move the BG/NBD fit in the third decimal.
    """
    raw = clv.cdnow_sample_orders()
    export = pd.DataFrame({
        "order_no": np.arange(1, len(raw) + 1),
        "customer": raw["customer_id"],
        "date": raw["order_ts"].dt.strftime("%Y-%m-%d"),
        "cds": raw["items"],
        "amount_usd": raw["net_amount"],
    })
    assert export.drop(columns="order_no").duplicated().sum() == 21 and (export["amount_usd"] <= 0).sum() == 8
    path = tmp_path / "cdnow.csv"
    export.to_csv(path, index=False)
    out = tmp_path / "report"
    done = subprocess.run(
        [sys.executable, "-m", "ecomkit.cli", "run", "clv", "--data", str(path),
         "--map", "order_no=order_id,customer=customer_id,date=order_ts,cds=items,amount_usd=net_amount",
         "-p", "CALIBRATION_END", "1997-09-30", "-p", "OBSERVATION_END", "1998-06-30",
         "-p", "CLEANING", '{"nonpositive_amounts": "keep"}', "-p", "BENCHMARK", "False",
         "--out", str(out), "--no-code", "--quiet"],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    saved = json.loads((out / "results.json").read_text(encoding="utf-8"))
    results = saved["results"]
    # the main fit of DATA (calibration period) is the published benchmark, to the printed decimals
    assert {k: round(v, 3) for k, v in results["bgnbd"]["params"].items()} == PUBLISHED_BGNBD
    assert {k: round(v, 2) for k, v in results["gamma_gamma"]["params"].items()} == PUBLISHED_GAMMA_GAMMA
    assert results["bgnbd"]["customers"] == 2357 and results["gamma_gamma"]["repeat_buyers"] == 946
    assert results["bgnbd"]["time_unit"] == "W" and results["periods"]["calibration_end"] == "1997-09-30"
    assert results["holdout_errors"]["holdout_length"] == 39 and results["holdout_errors"]["actual_purchases"] == 1882
    assert "cdnow_benchmark" not in results  # BENCHMARK False: the numbers above come from DATA
    assert saved["ledger"]["rows_in"] == saved["ledger"]["rows_kept"] == 6919
    assert saved["ledger"]["flagged"] == {"zero_amounts": 8}  # the eight $0.00 purchases, kept and counted
    assert saved["truth_check"] is None
    assert saved["currency"] == "CNY" and {"section": "Members vs non-members", "reason": (
        "no membership flag in this data: a customers table with a member column would enable it")} in saved["skipped"]
    page = (out / "clv.html").read_text(encoding="utf-8")
    assert "no membership flag" in page and "Executive summary" in page
    assert "no ground truth for this data" not in page and "What you will learn" not in page  # course cells
    winback = pd.read_csv(out / "winback.csv", dtype={"customer_pseudonym": str})
    assert len(winback) == results["winback_list"]["rows"] > 0
    assert not winback["customer_pseudonym"].isin(raw["customer_id"].astype(str)).any()


@pytest.fixture(scope="module")
def small_shop():
    return simulate_shop(n_customers=4_000, seed=21)


def test_chapter03_runs_with_non_default_parameters_on_a_fresh_shop(small_shop, tmp_path):
    folder = tmp_path / "shop"
    folder.mkdir()
    small_shop.orders.to_csv(folder / "orders.csv", index=False)
    small_shop.customers.to_csv(folder / "customers.csv", index=False)
    small_shop.truth.to_json(folder)
    params = [("CALIBRATION_END", "2025-03-31"), ("TIME_UNIT", "D"), ("HORIZON", "26"), ("MARGIN", "0.4"),
              ("ANNUAL_DISCOUNT_RATE", "0.05"), ("BENCHMARK", "False")]
    result = runner.run_chapter("clv", data=str(folder), out=tmp_path / "out", progress=False, params=params)
    saved = result.results
    results = saved["results"]
    assert saved["parameters"]["TIME_UNIT"] == "D" and saved["parameters"]["HORIZON"] == 26
    assert results["periods"] == {"first_order_day": "2023-01-01", "calibration_end": "2025-03-31",
                                  "observation_end": "2025-12-31", "time_unit": "D"}

    # the recorded fits are the module's fits of the same orders, in days
    orders = small_shop.orders[small_shop.orders["status"] != "cancelled"]
    cal = clv.calibration_holdout(orders, "2025-03-31", "2025-12-31", time_unit="D")
    bg_cal = clv.fit_bgnbd(cal)
    assert results["bgnbd"]["time_unit"] == "D" and results["bgnbd"]["customers"] == len(cal)
    assert pd.Series(results["bgnbd"]["params"]).to_numpy() == pytest.approx(bg_cal.params_.to_numpy(), rel=1e-6)
    assert results["holdout_errors"]["holdout_length"] == 275  # days from 2025-04-01 to 2025-12-31
    summary = clv.customer_summary(orders, "2025-12-31", time_unit="D")
    bg, gg = clv.fit_bgnbd(summary), clv.fit_gamma_gamma(summary)
    value = clv.customer_lifetime_value(bg, gg, summary, horizon_weeks=26, margin=0.4, annual_discount_rate=0.05)
    assert results["clv"]["total"] == pytest.approx(value.sum(), rel=1e-6)
    assert results["clv"]["margin"] == 0.4 and results["clv"]["horizon_weeks"] == 26
    shares = [row["share_of_value"] for row in results["clv_deciles"]]
    assert sum(shares) == pytest.approx(1.0) and shares == sorted(shares, reverse=True)

    # the model choice: the three models on the same calibration customers, as clv.fit_model fits them
    choice = results["model_comparison"]
    assert set(choice["models"]) == {"BG/NBD", "Pareto/NBD", "MBG/NBD"} and choice["customers"] == len(cal)
    pareto = clv.fit_model(cal, model="pareto_nbd")
    assert choice["models"]["Pareto/NBD"]["log_likelihood"] == pytest.approx(pareto.log_likelihood_, rel=1e-9)
    assert choice["models"]["BG/NBD"]["mae"] == pytest.approx(results["holdout_errors"]["mae"], rel=1e-9)
    # 90% intervals of a model fitted to the simulator's own kind of data: coverage within 3 SE of 0.9
    coverage = results["interval_coverage"]
    assert coverage["customers"] == len(cal) and abs(coverage["covered"] - 0.9) <= 3 * coverage["standard_error"]

    # decisions: caps per acquisition channel, RFM segments, members, the win-back file
    caps = results["max_cac"]
    assert caps["rule_of_three"] == pytest.approx(caps["break_even"] / 3)
    assert {row["acquisition_channel"] for row in caps["by_channel"]} <= set(small_shop.customers["acquisition_channel"])
    assert len(results["clv_by_rfm_segment"]) == 8
    assert sum(row["share_of_clv"] or 0 for row in results["clv_by_rfm_segment"]) == pytest.approx(1.0)
    assert len(results["members_vs_non_members"]) == 2
    winback = pd.read_csv(tmp_path / "out" / "winback.csv", dtype={"customer_pseudonym": str})
    assert len(winback) == results["winback_list"]["rows"] and (winback["p_alive"] < 0.5).all()
    assert set(winback["currency"]) == {"CNY"} and saved["skipped"] == []

    # the folder carries the simulator's truth: alpha per day is 7 x alpha per week, and every check passes
    truth = saved["truth_check"]
    assert truth["all_passed"] is True and len(truth["checks"]) == 9
    alpha = next(row for row in truth["checks"] if row["name"] == "alpha")
    assert alpha["truth"] == pytest.approx(7 * small_shop.truth.params["bgnbd"]["alpha"])


def _report_text(page: str) -> str:
    """The visible text of an HTML report, pictures left out (their base64 could hold any digits)."""
    page = re.sub(r"data:image/[^\"')]+", " ", page)
    page = re.sub(r"<style.*?</style>|<script.*?</script>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture(scope="module")
def other_shop(tmp_path_factory):
    return build_other_shop(tmp_path_factory.mktemp("other_shop"))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["one_time", "orders"])
def test_chapter03_reports_honestly_on_a_brazilian_shop(other_shop, kind, tmp_path):
    """Reais, January to May 2024: with no repeat buyer the chapter reports the customer base and skips every
    model section; with repeat buyers the whole-window BG/NBD fit lands at the edge of its parameter space
    (a and b run off to infinity in five months) and everything built on it is skipped, with the reason."""
    out = tmp_path / "out"
    result = runner.run_chapter("clv", data=str(other_shop[kind]), out=out, progress=False, no_code=True,
                                params=[("CURRENCY", "BRL")])
    saved = result.results
    assert saved["currency"] == "BRL"
    results = saved["results"]
    base = results["customer_base"]
    assert base["customers"] == 3000 and base["first_order_value"]["q1"] < base["first_order_value"]["median"]
    skipped = {row["section"]: row["reason"] for row in saved["skipped"]}
    for section in ("P(alive)", "Win-back list", "Customer lifetime value", "Acquisition-cost cap",
                    "RFM segments and CLV"):
        assert section in skipped and skipped[section]
    if kind == "one_time":
        assert base["repeat_buyers"] == 0 and base["one_time_buyers"] == 3000
        assert "Calibration and holdout" in skipped and "no repeat buyers" in skipped["Calibration and holdout"]
        assert "bgnbd" not in results and "holdout_errors" not in results
    else:
        assert base["repeat_buyers"] > 0 and "holdout_errors" in results
        assert "edge of its parameter space" in skipped["BG/NBD on the whole window"]
        assert "PENALIZER" in skipped["BG/NBD on the whole window"]
    assert not (out / "winback.csv").exists()

    def keys(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                yield key
                yield from keys(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from keys(inner)

    assert not [key for key in keys(saved) if "cny" in key.lower()]
    text = _report_text((out / "clv.html").read_text(encoding="utf-8"))
    assert "Executive summary" in text and "BRL" in text
    for banned in ("CNY", "¥", "demo shop", "What you will learn", "CDNOW", "Ground truth"):
        assert banned not in text, banned
    if kind == "one_time":
        assert "Lifetime value cannot be modelled on this data" in text
    ids = set(pd.read_csv(other_shop[kind], dtype=str)["customer_id"])
    assert not ids & set(re.findall(r"\w+", text))
