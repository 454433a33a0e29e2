"""Chapter 04 end to end: papermill runs on user-like campaign files (two groups, several text-labelled arms,
a public-style three-arm e-mail test, tiny arms), and the analyst's CLI errors."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

import numpy as np
import pytest
from scipy import stats
from sklearn.model_selection import train_test_split

from ecomkit import runner
from ecomkit.simulate import simulate_shop
from ecomkit.simulate.campaign import simulate_campaign

RENAMED = {"customer_id": "买家ID", "treatment": "got_coupon", "converted": "bought", "revenue": "spend_14d"}


HILLSTROM = Path(__file__).parent / "data" / "hillstrom_like.csv.gz"


@pytest.fixture(scope="module")
def small_shop():
    return simulate_shop(n_customers=3_000, seed=11)


@pytest.fixture(scope="module")
def small_campaign(small_shop):
    """A two-group coupon test written the way many shops write it: 1 sent, 0 held out."""
    campaign, _ = simulate_campaign(small_shop.customers, small_shop.orders, small_shop.truth.customers, seed=5,
                                    params={"arm_shares": {"coupon_20": 0.5, "coupon_40": 0.0}})
    assert set(campaign["treatment"]) == {"control", "coupon_20"}
    return campaign.assign(treatment=(campaign["treatment"] == "coupon_20").astype(int)).drop(columns="visits_14d")


def test_chapter04_runs_on_a_renamed_campaign_file_with_non_default_parameters(small_campaign, tmp_path):
    path = tmp_path / "my_campaign.csv"
    small_campaign.rename(columns=RENAMED).to_csv(path, index=False)
    params = [("MARGIN", "0.4"), ("COUPON_COST", "10"), ("TEST_SIZE", "0.3"), ("SEED", "3")]
    result = runner.run_chapter("uplift", data=str(path), columns={v: k for k, v in RENAMED.items()},
                                params=params, out=tmp_path / "out", progress=False)
    saved = result.results
    res = saved["results"]
    assert saved["parameters"]["MARGIN"] == 0.4 and saved["parameters"]["TEST_SIZE"] == 0.3
    assert saved["truth_check"] is None                              # a user's file has no truth
    assert saved["ledger"]["rows_in"] == saved["ledger"]["rows_kept"] == len(small_campaign)

    # the A/B numbers are the plain group means of the file
    c = small_campaign
    treated = c["treatment"] == 1
    conv_t, conv_c = c.loc[treated, "converted"].mean(), c.loc[~treated, "converted"].mean()
    effect = conv_t - conv_c
    ate = res["ate_conversion"]
    assert ate["difference"] == pytest.approx(effect)
    # the interval and test are Wald's on the two rates at the default ALPHA = 0.05, recomputed here
    n_t, n_c = int(treated.sum()), int((~treated).sum())
    se = np.sqrt(conv_t * (1 - conv_t) / n_t + conv_c * (1 - conv_c) / n_c)
    z = stats.norm.ppf(0.975)
    assert (ate["ci_low"], ate["ci_high"]) == pytest.approx((effect - z * se, effect + z * se))
    assert ate["p_value"] == pytest.approx(2 * stats.norm.sf(abs(effect) / se))
    assert res["power"]["treated_needed_for_claimed_lift"] > 0 and 0 < res["power"]["mde_conversion"] < 1

    # one Qini AUC per learner, the best one named, and the random-targeting threshold recorded
    assert set(res["qini_auc"]) == {"S-learner", "T-learner", "class transformation", "X-learner"}
    assert res["best_learner"] in res["qini_auc"] and res["qini_auc_random_99pct"] > 0

    # sending to everyone, recomputed by hand on the same held-out split (margin 0.4, coupon 10)
    y, t = c["converted"].to_numpy(), c["treatment"].to_numpy()
    _, test_idx = train_test_split(np.arange(len(c)), test_size=0.3, random_state=3, stratify=2 * t + y)
    test = c.iloc[test_idx]
    order_value = c.loc[c["converted"] == 1, "revenue"].mean()
    rate_t = test.loc[test["treatment"] == 1, "converted"].mean()
    rate_c = test.loc[test["treatment"] == 0, "converted"].mean()
    by_hand = len(c) * (0.4 * (rate_t - rate_c) * order_value - 10 * rate_t)
    assert res["send_to_all_profit"] == pytest.approx(by_hand)
    # the optimum is a point of the 5% grid, and that grid holds k = 0 (profit 0) and k = 1 (the sum above)
    assert res["optimal_k"] * 20 == pytest.approx(round(res["optimal_k"] * 20)) and 0 <= res["optimal_k"] <= 1
    assert res["optimal_profit"] >= max(0.0, by_hand) - 1e-6 * abs(by_hand)
    assert res["order_value"] == pytest.approx(order_value)
    assert (tmp_path / "out" / "uplift.html").exists()
    assert saved["currency"] == "CNY" and not [k for k in res if "cny" in k.lower()]


def test_chapter04_reports_a_campaign_without_features_or_revenue_in_another_currency(small_campaign, tmp_path):
    """A bare experiment (group and outcome only) still gives a report: the sections that need more say why."""
    path = tmp_path / "bare.csv"
    small_campaign[["customer_id", "treatment", "converted"]].to_csv(path, index=False)
    result = runner.run_chapter("uplift", data=str(path), params=[("CURRENCY", "BRL")], out=tmp_path / "out",
                                no_code=True, progress=False)
    saved = result.results
    assert saved["currency"] == "BRL"
    skipped = {entry["section"]: entry["reason"] for entry in saved["skipped"]}
    assert {"Before/after", "CUPED", "Uplift models", "Whom to send the coupon to"} <= set(skipped)
    assert "pre-period features" in skipped["Uplift models"] and "ORDER_VALUE" in skipped["Whom to send the coupon to"]
    assert saved["results"]["ate_conversion"]["difference"] == pytest.approx(
        small_campaign.groupby("treatment")["converted"].mean().diff().iloc[-1])
    report = (tmp_path / "out" / "uplift.html").read_text(encoding="utf-8")
    assert "Executive summary" in report and "CNY" not in report and "¥" not in report
    assert "What you will learn" not in report and "demo shop" not in report
    assert not any(f">{cid}<" in report for cid in small_campaign["customer_id"].astype(str).head(50))


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "ecomkit.cli", *args], capture_output=True, text=True, timeout=300)


BAD_CAMPAIGNS = {
    "no_control.csv": ("customer_id,treatment,converted\n1,A,0\n2,B,1\n3,A,0\n",
                       "no value reads as the control group (no treatment); values: 'A' (2 rows), 'B' (1 rows); "
                       "name the control with -p CONTROL_VALUE"),
    "all_treated.csv": ("customer_id,treatment,converted\n1,1,0\n2,1,1\n3,1,0\n", "treated"),
    "no_outcome.csv": ("customer_id,treatment,bought\n1,1,0\n2,0,1\n", "--map bought=converted"),
}


@pytest.mark.parametrize("name", sorted(BAD_CAMPAIGNS))
def test_cli_reports_a_bad_campaign_file_in_one_line(name, tmp_path):
    content, expected = BAD_CAMPAIGNS[name]
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    done = _cli("run", "uplift", "--data", str(path), "--out", str(tmp_path / "out"), "--quiet")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("ecomkit: error: ") and expected in lines[0]
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "uplift.ipynb").exists()           # refused before a kernel started


def test_chapter04_compares_several_text_labelled_arms_and_keeps_the_leaky_column_out(small_shop, tmp_path):
    campaign, _ = simulate_campaign(small_shop.customers, small_shop.orders, small_shop.truth.customers, seed=9)
    labels = {"control": "对照组", "coupon_20": "满20减", "coupon_40": "满40减"}
    path = tmp_path / "arms.csv"
    campaign.assign(treatment=campaign["treatment"].map(labels)).rename(columns={"treatment": "分组"}).to_csv(path, index=False)
    result = runner.run_chapter("uplift", data=str(path), params=[("TREATMENT_COL", "分组"), ("ARM", "满40减"),
                                                                   ("ARM_COSTS", '{"满20减": 20, "满40减": 40}')],
                                out=tmp_path / "out", progress=False)
    saved = result.results
    res = saved["results"]
    assert res["groups"] == {"control": "对照组", "arms": ["满20减", "满40减"],
                             "customers": {v: int((campaign["treatment"] == k).sum()) for k, v in labels.items()}}
    assert res["arm_studied"] == "满40减"
    assert "visits_14d" in res["features_excluded"] and "visits_14d" not in res["features_used"]
    means = campaign.groupby("treatment")[["converted", "revenue"]].mean()
    for arm, label in (("coupon_20", "满20减"), ("coupon_40", "满40减")):
        for outcome in ("converted", "revenue"):
            by_hand = means.loc[arm, outcome] - means.loc["control", outcome]
            assert res["arm_effects"][f"{label} | {outcome}"]["difference"] == pytest.approx(by_hand)
    # sections 4 to 8 study the named arm against the control only
    studied = campaign[campaign["treatment"].isin(["control", "coupon_40"])]
    rates = studied.groupby("treatment")["converted"].mean()
    assert res["ate_conversion"]["difference"] == pytest.approx(rates["coupon_40"] - rates["control"])
    assert res["arm_costs"] == {"满20减": 20.0, "满40减": 40.0}
    assert set(res["policy_profit"]) == {"best arm per customer", "满20减 to everyone", "满20减 by its model",
                                         "满40减 to everyone", "满40减 by its model"}
    assert saved["truth_check"] is None and not res["sample_ratio"]["mismatch"]


def test_a_public_style_three_arm_email_test_reports_the_plain_differences_and_no_outcome_as_feature(tmp_path):
    """The acceptance run: the schema of Hillstrom's MineThatData e-mail test (tests/data/make_hillstrom_like.py),
    the arm column named, the control named, and nothing else."""
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "ecomkit.cli", "run", "uplift", "--data", str(HILLSTROM),
                           "-p", "TREATMENT_COL", "segment", "-p", "OUTCOME_COL", "conversion",
                           "-p", "CONTROL_VALUE", "No E-Mail", "--out", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert (out / "uplift.html").exists()
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))["results"]
    raw = pd.read_csv(HILLSTROM)
    means = raw.groupby("segment")[["conversion", "spend"]].mean()
    for arm in ("Mens E-Mail", "Womens E-Mail"):
        conv = res["arm_effects"][f"{arm} | converted"]["difference"]
        spend = res["arm_effects"][f"{arm} | revenue"]["difference"]
        assert conv == pytest.approx(means.loc[arm, "conversion"] - means.loc["No E-Mail", "conversion"], abs=1e-12)
        assert spend == pytest.approx(means.loc[arm, "spend"] - means.loc["No E-Mail", "spend"], abs=1e-9)
    assert res["groups"]["control"] == "No E-Mail" and res["customers"] == len(raw)
    assert not {"visit", "conversion", "spend", "segment"} & set(res["features_used"])
    assert "visit" in res["features_excluded"]
    assert set(res["features_used"]) == {"recency", "history_segment", "history", "mens", "womens", "zip_code",
                                         "newbie", "channel"}


def test_a_hand_made_zero_one_column_beside_the_arm_label_and_the_outcomes_still_gives_a_report(tmp_path):
    """The crash of issue 18: a 0/1 column derived by hand for one arm against control, with the text arm
    label and the post-treatment outcomes left in the file. They must not become features."""
    raw = pd.read_csv(HILLSTROM, nrows=9_000)
    mens = raw[raw["segment"].isin(["Mens E-Mail", "No E-Mail"])].assign(
        got_mail=lambda f: (f["segment"] == "Mens E-Mail").astype(int))
    path = tmp_path / "mens_vs_none.csv"
    mens.to_csv(path, index=False)
    result = runner.run_chapter("uplift", data=str(path), params=[("TREATMENT_COL", "got_mail"),
                                                                   ("OUTCOME_COL", "conversion")],
                                out=tmp_path / "out", no_code=True, progress=False)
    res = result.results["results"]
    assert {"segment", "visit"} <= set(res["features_excluded"])
    assert "function of the group" in res["features_excluded"]["segment"]
    assert not {"visit", "conversion", "spend", "segment", "got_mail"} & set(res["features_used"])
    assert (tmp_path / "out" / "uplift.html").exists()


def test_tiny_arms_and_a_single_feature_give_notes_not_a_crash(tmp_path):
    rng = np.random.default_rng(2)
    n = 90
    tiny = pd.DataFrame({"group": rng.choice(["control", "A", "B"], n), "age": rng.integers(18, 70, n),
                         "bought": (rng.random(n) < 0.3).astype(int)})
    path = tmp_path / "tiny.csv"
    tiny.to_csv(path, index=False)
    result = runner.run_chapter("uplift", data=str(path), params=[("TREATMENT_COL", "group"), ("OUTCOME_COL", "bought")],
                                out=tmp_path / "out", no_code=True, progress=False)
    saved = result.results
    skipped = {entry["section"]: entry["reason"] for entry in saved["skipped"]}
    assert "Uplift models" in skipped and "too few customers" in skipped["Uplift models"]
    assert "Which arm to whom" in skipped
    assert saved["results"]["features_used"] == ["age"]
    assert set(saved["results"]["arm_effects"]) == {"A | converted", "B | converted"}
    assert (tmp_path / "out" / "uplift.html").exists()
