"""Chapter 01 end to end: a papermill run on a fresh small shop, and the analyst's CLI path."""

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score

from ecomkit import profiling as pf
from ecomkit import runner
from ecomkit.io import load_shop
from ecomkit.simulate import simulate_shop

sys.path.insert(0, str(Path(__file__).resolve().parent))
from other_shop import build_other_shop  # noqa: E402

AS_OF = pd.Timestamp("2025-10-01")
WINDOW_DAYS = 60


@pytest.fixture(scope="module")
def small_shop():
    return simulate_shop(n_customers=3_000, seed=21)


def _counted(orders, as_of):
    return orders[(orders["status"] == "completed") & (orders["order_ts"] <= as_of)]


def _raw_ids_in_outputs(notebook_path, ids) -> set:
    """Customer ids printed anywhere in a notebook's outputs (images left out)."""
    nb = nbformat.read(str(notebook_path), as_version=4)
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts.append(out.get("text", ""))
            data = out.get("data", {})
            texts += [data.get("text/plain", ""), data.get("text/html", "")]
    found = {int(m) for m in re.findall(r"(?<![\d.,])\d{6}(?![\d.,])", "\n".join(texts))}
    return found & set(int(i) for i in ids)


@pytest.mark.slow
def test_chapter01_runs_with_non_default_parameters_on_a_fresh_shop(small_shop, tmp_path):
    folder = tmp_path / "shop"
    folder.mkdir()
    small_shop.orders.to_csv(folder / "orders.csv", index=False)
    small_shop.customers.to_csv(folder / "customers.csv", index=False)
    small_shop.truth.to_json(folder)                      # truth.json + customer_truth.csv
    result = runner.run_chapter(
        "profiling", data=str(folder), out=tmp_path / "out", progress=False,
        params=[("AS_OF", "2025-10-01"), ("SEGMENT_METHOD", "median"), ("N_CLUSTERS", "3"),
                ("CHURN_WINDOW_DAYS", str(WINDOW_DAYS))])
    saved = result.results
    assert saved["parameters"]["AS_OF"] == "2025-10-01"
    assert saved["parameters"]["SEGMENT_METHOD"] == "median"
    assert saved["parameters"]["N_CLUSTERS"] == 3 and saved["parameters"]["CHURN_WINDOW_DAYS"] == WINDOW_DAYS
    res = saved["results"]

    # RFM and the eight segments, recomputed here with plain pandas
    counted = _counted(small_shop.orders, AS_OF)
    g = counted.groupby("customer_id")
    rfm = pd.DataFrame({"recency_days": (AS_OF - g["order_ts"].max()).dt.days,
                        "frequency": g["order_id"].nunique(), "monetary": g["net_amount"].sum()})
    assert res["customers_profiled"] == len(rfm)
    segments = pd.DataFrame(res["segments"]).set_index("segment")
    assert list(segments.index)[0] == "important_value" and len(segments) == 8
    assert segments["customers"].sum() == len(rfm)
    assert segments["customer_share"].sum() == pytest.approx(1.0)
    assert segments["revenue_share"].sum() == pytest.approx(1.0)
    med = rfm.median()
    assert res["segment_thresholds"]["frequency"] == pytest.approx(med["frequency"])
    top = ((rfm["recency_days"] <= med["recency_days"]) & (rfm["frequency"] > med["frequency"])
           & (rfm["monetary"] > med["monetary"]))
    assert segments.loc["important_value", "customers"] == top.sum()
    assert segments.loc["important_value", "revenue_share"] == pytest.approx(
        rfm.loc[top, "monetary"].sum() / rfm["monetary"].sum())

    spend = rfm["monetary"].sort_values(ascending=False)
    assert res["pareto_share"] == pytest.approx(spend.iloc[:int(np.ceil(0.2 * len(spend)))].sum() / spend.sum())

    # personas: k fixed by the parameter, so only that k is scored
    assert res["clusters_k"] == 3
    assert list(res["silhouette_by_k"]) == ["3"]
    assert len(res["personas"]) == 3 and sum(p["customers"] for p in res["personas"]) == len(rfm)
    # the exported list (rows in customer_id order) carries each customer's segment and persona: the recorded
    # ARI and silhouette must be those of that assignment, recomputed here with scikit-learn
    exported = pd.read_csv(tmp_path / "out" / "segments.csv", encoding="utf-8-sig")
    assert exported["persona"].value_counts().to_dict() == {p["name"]: p["customers"] for p in res["personas"]}
    assert res["adjusted_rand_index"] == pytest.approx(adjusted_rand_score(exported["segment"], exported["persona"]))
    loaded = load_shop(str(folder))
    features = pf.customer_features(loaded.orders, AS_OF, customers=loaded.customers)
    assert len(features) == len(exported)
    values = features[res["cluster_columns"]].astype(float)
    skewed = [c for c in pf.LOG_COLUMNS if c in values]
    values[skewed] = np.log1p(values[skewed].clip(lower=0))
    standardised = (values - values.mean()) / values.std(ddof=0)
    # the shop has 3,000 customers, so the silhouette's sample of 3,000 holds them all: no sampling error
    assert res["silhouette"] == pytest.approx(silhouette_score(standardised.to_numpy(), exported["persona"]), rel=1e-9)

    # cohorts: next-month retention of each first-order month whose next month is complete by AS_OF,
    # counted here with plain pandas
    month = counted[counted["order_ts"] < AS_OF].assign(month=lambda frame: frame["order_ts"].dt.to_period("M"))
    first_month = month.groupby("customer_id")["month"].min()
    came_back = month.loc[month["month"] == month["customer_id"].map(first_month) + 1, "customer_id"].unique()
    returned_next_month = pd.Series(first_month.index.isin(came_back), index=first_month.index)
    retention = returned_next_month.groupby(first_month).mean()
    retention = retention[retention.index + 1 < pd.Period(AS_OF, "M")]
    assert res["median_next_month_retention"] == pytest.approx(retention.median())

    # churn on a time split ending at AS_OF
    test_cutoff = AS_OF - pd.Timedelta(days=WINDOW_DAYS)
    assert res["churn_test_cutoff"].startswith(str(test_cutoff.date()))
    assert res["churn_train_cutoff"].startswith(str((test_cutoff - pd.Timedelta(days=WINDOW_DAYS)).date()))
    before = _counted(small_shop.orders, test_cutoff)["customer_id"].unique()
    window = _counted(small_shop.orders, AS_OF)
    came_back = window.loc[window["order_ts"] > test_cutoff, "customer_id"].unique()
    assert res["churn_rate_test"] == pytest.approx(1 - np.isin(before, came_back).mean())
    assert set(res["churn_auc"]) == {"logistic_regression", "gradient_boosting", "recency_baseline"}
    assert all(0.5 < auc < 1 for auc in res["churn_auc"].values())

    # the truth check runs on any simulated folder and judges RFM as of the simulation's end
    truth = saved["truth_check"]
    assert truth["all_passed"] is True and len(truth["checks"]) == 3
    assert truth["as_of"].startswith("2026-01-01") and truth["segment_method"] == "median"

    # the exported list carries pseudonyms only
    assert len(exported) == len(rfm) and "customer_id" not in exported
    assert exported["customer_pseudonym"].str.fullmatch(r"[0-9a-f]{16}").all()
    assert exported["customer_pseudonym"].is_unique
    assert set(exported["segment"]) <= set(segments.index)
    assert f"churn_risk_{WINDOW_DAYS}d" in exported
    assert not _raw_ids_in_outputs(result.notebook, small_shop.customers["customer_id"])


@pytest.mark.slow
def test_analyst_runs_chapter01_on_a_renamed_orders_only_csv(small_shop, tmp_path):
    renamed = (small_shop.orders
               .drop(columns=["items", "gross_amount", "discount_amount", "shipping_fee"])
               .rename(columns={"order_id": "订单号", "customer_id": "buyer", "order_ts": "paid_at",
                                "net_amount": "实付金额"}))
    renamed.to_csv(tmp_path / "orders.csv", index=False)
    done = subprocess.run(
        [sys.executable, "-m", "ecomkit.cli", "run", "profiling", "--data", str(tmp_path / "orders.csv"),
         "--map", "订单号=order_id,buyer=customer_id,paid_at=order_ts,实付金额=net_amount",
         "--out", str(tmp_path / "report"), "--no-code", "--quiet"],
        capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    saved = json.loads((tmp_path / "report" / "results.json").read_text(encoding="utf-8"))
    res = saved["results"]
    assert saved["truth_check"] is None
    assert {"segments", "pareto_share", "clusters_k", "silhouette", "adjusted_rand_index",
            "median_next_month_retention", "churn_auc"} <= set(res)
    assert 2 <= res["clusters_k"] <= 8
    # without items and discounts those features are simply not used
    assert "mean_items" not in res["cluster_columns"] and "discount_share" not in res["cluster_columns"]
    assert "return_rate" in res["cluster_columns"]
    assert res["churn_auc"]["recency_baseline"] > 0.5
    page = (tmp_path / "report" / "profiling.html").read_text(encoding="utf-8")
    assert "pf.rfm_table(" not in page and "course.record" not in page     # code cells hidden
    assert "no ground truth for this data" not in page                      # the truth section is course-only
    assert page.index("Executive summary") < page.index("Load the orders")  # the summary opens the report
    exported = pd.read_csv(tmp_path / "report" / "segments.csv", encoding="utf-8-sig")
    raw = set(small_shop.orders["customer_id"].astype(str))
    assert not exported["customer_pseudonym"].astype(str).isin(raw).any()
    assert not _raw_ids_in_outputs(tmp_path / "report" / "profiling.ipynb", small_shop.customers["customer_id"])


def test_exercise_checks_explain_the_usual_mistakes(capsys):
    from ecomkit import course
    from ecomkit.exercises import ch01, demo_shop

    orders = demo_shop().orders
    mine = orders[orders["customer_id"] == ch01.RFM_CUSTOMER]
    everything = ((ch01.AS_OF - mine["order_ts"].max()).days, len(mine), mine["net_amount"].sum())
    assert not course.check("01.1", everything)             # the returned order counted
    assert "returned" in capsys.readouterr().out
    assert not course.check("01.2", "important_value")       # F misjudged
    assert "F should be low" in capsys.readouterr().out
    share = pf.pareto_share(pf.rfm_table(orders, ch01.AS_OF))
    assert course.check("01.3", share) and not course.check("01.3", 100 * share)
    assert "percent" in capsys.readouterr().out
    assert not course.check("01.4", None)
    assert "not answered" in capsys.readouterr().out


@pytest.mark.slow
def test_chapter01_reports_on_a_brazilian_shop_in_reais_with_what_its_data_allow(tmp_path):
    data = build_other_shop(tmp_path / "shop")["orders"]      # orders only, January to May 2024
    out = tmp_path / "out"
    result = runner.run_chapter("profiling", data=str(data), out=out, progress=False, no_code=True,
                                params=[("CURRENCY", "BRL"), ("CHURN_WINDOW_DAYS", "30")])
    saved = result.results
    assert saved["currency"] == "BRL"
    res = saved["results"]
    assert not [k for k in res if "cny" in k.lower()]
    skipped = {item["section"]: item["reason"] for item in saved["skipped"]}
    assert "customers table" in skipped["Persona attributes"]              # no customers table in the folder
    assert "Churn model" not in skipped and set(res["churn_auc"]) == {"logistic_regression", "gradient_boosting",
                                                                        "recency_baseline"}
    assert res["cohorts_measured"] == 4                                    # January to April have a whole next month
    decisions = pd.DataFrame(res["segment_actions"]).set_index("segment")
    assert decisions["customers"].sum() == res["customers_profiled"]
    assert set(decisions["decision"]) <= {"run", "too few customers", "empty"}
    page = (out / "profiling.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page))))
    assert "CNY" not in text and "¥" not in text and "demo shop" not in text.lower()
    assert "BRL" in text and "Segment actions" in text and "Skipped sections" in text
    assert "What you will learn" not in text and "Ground truth" not in text
    assert text.index("Executive summary") < text.index("Load the orders")
    ids = set(pd.read_csv(data)["customer_id"].astype(str))
    assert not ids & set(re.findall(r"(?<![\d.,])\d{6}(?![\d.,])", text))
    exported = pd.read_csv(out / "segments.csv", encoding="utf-8-sig")
    assert "customer_id" not in exported and not exported["customer_pseudonym"].astype(str).isin(ids).any()
