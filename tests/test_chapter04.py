"""Chapter 04 end to end: a papermill run on a user-like campaign file, and the analyst's CLI errors."""

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats
from sklearn.model_selection import train_test_split

from ecomkit import runner
from ecomkit.simulate import simulate_shop
from ecomkit.simulate.campaign import simulate_campaign

RENAMED = {"customer_id": "买家ID", "treatment": "got_coupon", "converted": "bought", "revenue": "spend_14d"}


@pytest.fixture(scope="module")
def small_campaign():
    shop = simulate_shop(n_customers=3_000, seed=11)
    campaign, _ = simulate_campaign(shop.customers, shop.orders, shop.truth.customers, seed=5)
    return campaign


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
    "treatment_2.csv": ("customer_id,treatment,converted\n1,1,0\n2,2,1\n3,0,0\n", "treatment"),
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
