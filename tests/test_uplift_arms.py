"""Specifications of the several-arm analysis and the guards of chapter 04 (ecomkit.uplift.arms, .guards)
and of reading text group labels.

The generated experiments have known effects, so every tolerance below is a number of standard errors
of the estimate it checks.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from statsmodels.stats.multitest import multipletests

from ecomkit import uplift
from ecomkit.io import DataError
from ecomkit.io.tables.campaign import resolve_arms
from ecomkit.simulate import simulate_shop
from ecomkit.simulate.campaign import ARMS, simulate_campaign

LABELS = ("方案A", "Variant B", "variant-c", "D")
HONEST = ["tenure", "past_orders", "region"]
#: (column, reason word) the screen must exclude in every generated experiment
LEAKY = {"clicks": "named like an outcome", "post_visits": "beyond chance", "signup_source": "beyond chance",
         "arm_code": "function of the group"}


def experiment(n_arms: int, n: int = 12_000, seed: int = 0, control: str = "对照组"):
    """A randomised experiment with ``n_arms`` text-labelled arms plus a control, honest pre-period features
    and four columns no model may use: an outcome by name (clicks), a post-treatment count (post_visits),
    a column whose mix differs in the first arm (signup_source: a broken randomisation of a sub-channel)
    and a code that is a function of the label (arm_code). Returns ``(frame, true effects per arm)``."""
    rng = np.random.default_rng(seed)
    labels = [control, *LABELS[:n_arms]]
    group = np.asarray(labels, dtype=object)[rng.integers(0, len(labels), n)]
    tenure = rng.gamma(2.0, 300.0, n)
    past_orders = rng.poisson(3.0, n)
    region = rng.choice(["north", "south", "east", "west"], n)
    effects = {a: 0.02 * (k + 1) for k, a in enumerate(labels[1:])}
    p = 0.10 + 0.02 * (past_orders > 3) + np.array([effects.get(g, 0.0) for g in group])
    converted = (rng.random(n) < p).astype(int)
    revenue = np.where(converted == 1, np.round(rng.gamma(3.0, 40.0, n), 2), 0.0)
    in_first = group == labels[1]
    signup = np.where(in_first & (rng.random(n) < 0.3), "partner", rng.choice(["web", "app"], n))
    frame = pd.DataFrame({
        "group": group, "tenure": tenure, "past_orders": past_orders, "region": region,
        "clicks": rng.poisson(1 + 2 * converted), "post_visits": rng.poisson(0.5 + 1.5 * (group != control)),
        "signup_source": signup, "arm_code": pd.Series(group).map({g: f"C{i}" for i, g in enumerate(labels)}),
        "bought": converted, "revenue": revenue})
    return frame, effects


def _load(tmp_path, frame, **kw):
    path = tmp_path / "experiment.csv"
    frame.to_csv(path, index=False)
    return uplift.load_campaign(path, treatment_col="group", outcome_col="bought", **kw)


# --------------------------------------------------------------------------- text labels and the control


@pytest.mark.parametrize("labels, control, arms", [
    (["No E-Mail", "Mens E-Mail", "Womens E-Mail"], "No E-Mail", ["Mens E-Mail", "Womens E-Mail"]),
    (["control", "treatment"], "control", ["treatment"]),
    (["0", "1", "2"], "0", ["1", "2"]),
    (["对照组", "实验组"], "对照组", ["实验组"]),
    (["holdout", "coupon_20", "coupon_40"], "holdout", ["coupon_20", "coupon_40"]),
])
def test_the_control_is_recognised_from_its_label_and_every_other_label_is_an_arm(labels, control, arms):
    assert resolve_arms(pd.Series(labels * 3)) == (control, arms)


def test_an_unrecognisable_or_ambiguous_control_stops_with_the_values_and_the_option():
    with pytest.raises(DataError, match=r"no value reads as the control group.*'A' \(1 rows\).*-p CONTROL_VALUE"):
        resolve_arms(pd.Series(["A", "B", "C"]))
    with pytest.raises(DataError, match="2 values read as the control group"):
        resolve_arms(pd.Series(["control", "none", "coupon"]))
    assert resolve_arms(pd.Series(["control", "none", "coupon"]), control_value="none") == ("none", ["control", "coupon"])
    assert resolve_arms(pd.Series([0.0, 1.0, 2.0]), control_value=0) == ("0", ["1", "2"])
    assert resolve_arms(pd.Series(["No E-Mail", "Mens E-Mail"]), control_value="no e-mail") == ("No E-Mail", ["Mens E-Mail"])


def test_a_text_labelled_experiment_loads_with_arm_labels_and_a_zero_one_treatment(tmp_path):
    frame, _ = experiment(3, n=600)
    data = _load(tmp_path, frame)
    c = data.campaign
    assert data.control == "对照组" and data.arms == sorted(LABELS[:3])
    assert c["arm"].tolist() == frame["group"].tolist()
    assert (c["treatment"] == (frame["group"] != "对照组").astype(int)).all()
    assert data.ledger.rows_in == data.ledger.rows_kept == len(frame)      # nothing dropped
    one = data.versus("Variant B")
    assert set(one.campaign["arm"]) == {"对照组", "Variant B"}
    assert len(one.campaign) == int(frame["group"].isin(["对照组", "Variant B"]).sum())
    with pytest.raises(DataError, match="ARM 'E' is not an arm"):
        data.versus("E")


def test_a_spend_column_is_taken_as_revenue_and_said_so_unless_revenue_col_names_another(tmp_path):
    frame, _ = experiment(1, n=300)
    data = _load(tmp_path, frame.rename(columns={"revenue": "spend"}))
    assert "revenue" in data.campaign and "spend" not in data.features
    assert any("'spend' read as the revenue column" in note for note in data.ledger.notes)
    named = _load(tmp_path, frame.rename(columns={"revenue": "spend", "tenure": "sales"}), revenue_col="spend")
    assert "sales" in named.features and named.campaign["revenue"].equals(frame["revenue"].astype(float))


# --------------------------------------------------------------------------- guards


@pytest.mark.parametrize("n_arms", [1, 2, 3, 4])
def test_the_screen_excludes_outcomes_leaks_imbalanced_columns_and_label_codes_and_keeps_the_honest_ones(tmp_path, n_arms):
    frame, _ = experiment(n_arms, seed=n_arms)
    data = _load(tmp_path, frame)
    screen = uplift.screen_features(data.campaign, data.features, control=data.control)
    assert screen.features == HONEST
    assert set(screen.excluded) == set(LEAKY)
    for column, word in LEAKY.items():
        assert word in screen.excluded[column], (column, screen.excluded[column])


def test_the_balance_limit_of_chance_shrinks_with_the_sample_and_follows_the_smd_standard_error():
    small, _ = experiment(1, n=400, seed=5)
    large, _ = experiment(1, n=40_000, seed=5)
    limits = []
    for frame in (small, large):
        table = uplift.balance_table(frame.rename(columns={"group": "arm"}), ["tenure"], control="对照组")
        n1, n0 = table.loc[0, "n_arm"], table.loc[0, "n_control"]
        # one comparison: the two-sided Bonferroni critical value at alpha 0.01 is 2.5758 standard errors
        assert table.loc[0, "chance_limit"] == pytest.approx(2.5758 * math.sqrt(1 / n1 + 1 / n0), rel=1e-4)
        limits.append(table.loc[0, "chance_limit"])
    assert limits[1] < limits[0] / 9            # 100 times the customers: a tenth of the limit


def test_balance_p_values_are_holm_corrected_over_every_comparison():
    frame, _ = experiment(3, n=3_000, seed=8)
    table = uplift.balance_table(frame.rename(columns={"group": "arm"}), HONEST, control="对照组")
    assert len(table) == 3 * 3
    np.testing.assert_allclose(table["p_adjusted"], multipletests(table["p_value"], method="holm")[1])


def test_explicit_features_override_the_screen_but_outcome_columns_never_become_features(tmp_path):
    frame, _ = experiment(2, n=2_000)
    data = _load(tmp_path, frame)
    screen = uplift.screen_features(data.campaign, data.features, control=data.control,
                                    explicit=["tenure", "post_visits", "revenue"])
    assert screen.explicit and screen.features == ["tenure", "post_visits"]
    assert "revenue" in screen.excluded


def test_sample_ratio_mismatch_is_found_when_an_arm_lost_customers_and_not_in_a_fair_draw():
    rng = np.random.default_rng(3)
    fair = pd.Series(rng.choice(["control", "a", "b"], 30_000))
    assert not uplift.sample_ratio_test(fair).attrs["mismatch"]
    lost = fair[~((fair == "b") & (rng.random(len(fair)) < 0.05))]       # 5% of one arm went missing
    srm = uplift.sample_ratio_test(lost)
    assert srm.attrs["mismatch"] and srm.attrs["p_value"] < 0.001
    designed = pd.Series(["control"] * 2_000 + ["a"] * 8_000)
    assert uplift.sample_ratio_test(designed).attrs["mismatch"]
    assert not uplift.sample_ratio_test(designed, {"control": 0.2, "a": 0.8}).attrs["mismatch"]
    with pytest.raises(ValueError, match="ARM_SHARES has no share for 'a'"):
        uplift.sample_ratio_test(designed, {"control": 1.0})


# --------------------------------------------------------------------------- effects per arm


@pytest.mark.parametrize("n_arms", [1, 2, 3, 4])
def test_each_arm_effect_is_the_plain_difference_of_group_means_and_recovers_the_truth(tmp_path, n_arms):
    frame, effects = experiment(n_arms, n=20_000, seed=10 + n_arms)
    data = _load(tmp_path, frame)
    table = uplift.arm_effects(data.campaign, control=data.control)
    means = frame.groupby("group")[["bought", "revenue"]].mean()
    for arm, effect in effects.items():
        conv, rev = table.loc[(arm, "converted")], table.loc[(arm, "revenue")]
        assert conv["difference"] == pytest.approx(means.loc[arm, "bought"] - means.loc["对照组", "bought"], abs=1e-12)
        assert rev["difference"] == pytest.approx(means.loc[arm, "revenue"] - means.loc["对照组", "revenue"], abs=1e-9)
        assert abs(conv["difference"] - effect) <= 3 * conv["se"]              # the true effect, 3 SE
        assert conv["ci_low_adjusted"] <= conv["ci_low"] and conv["ci_high_adjusted"] >= conv["ci_high"]
    for outcome in ("converted", "revenue"):
        block = table.xs(outcome, level="outcome")
        np.testing.assert_allclose(block["p_adjusted"], multipletests(block["p_value"], method="holm")[1])
    if n_arms == 1:
        row = table.iloc[0]
        assert row["p_adjusted"] == pytest.approx(row["p_value"]) and row["ci_low_adjusted"] == pytest.approx(row["ci_low"])


# --------------------------------------------------------------------------- which arm to whom


def _two_way(n=16_000, seed=1):
    """Arm "a" works on x > 0, arm "b" on x < 0, nothing works on the control."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    group = rng.choice(["control", "a", "b"], n)
    lift = np.where(group == "a", 0.25 * (x > 0), 0.0) + np.where(group == "b", 0.25 * (x < 0), 0.0)
    y = (rng.random(n) < 0.1 + lift).astype(int)
    return pd.DataFrame({"x": x, "x_pos": (x > 0).astype(float)}), y, group


def test_the_multi_arm_learner_sends_each_customer_the_arm_that_works_on_them():
    X, y, group = _two_way()
    model = uplift.MultiArmUplift(uplift.TLearner(LogisticRegression()), baseline=LogisticRegression())
    model.fit(X, y, group, control="control")
    assert model.arms_ == ["a", "b"]
    u = model.predict(X)
    assert list(u.columns) == ["a", "b"]
    profit = uplift.arm_profit(u, model.predict_baseline(X), margin=0.5, value_per_conversion=100.0,
                               coupon_costs={"a": 1.0, "b": 1.0})
    choice = uplift.best_arm(profit, control="control")
    assert (choice[X["x"] > 1] == "a").mean() > 0.95 and (choice[X["x"] < -1] == "b").mean() > 0.95
    only_a = uplift.best_arm(profit, control="control", arms=["a"])
    assert set(only_a) <= {"a", "control"}
    with pytest.raises(ValueError, match="needs the control"):
        uplift.MultiArmUplift(uplift.TLearner(LogisticRegression())).fit(X, y, np.full(len(y), "a"), control="control")


def test_policy_profit_is_the_experiments_difference_inside_each_chosen_group():
    frame = pd.DataFrame({"arm": ["a", "a", "control", "control", "b", "b", "control", "control"],
                          "converted": [1, 0, 0, 0, 1, 1, 1, 0],
                          "revenue": [100.0, 0, 0, 0, 50, 50, 40, 0]})
    policy = ["a", "a", "a", "a", "b", "b", "b", "b"]
    # group a: rev 50 vs 0, conv 1/2 -> 4 * (0.5 * 50 - 10 * 0.5) = 80
    # group b: rev 50 vs 20, conv 1 -> 4 * (0.5 * 30 - 5 * 1) = 40
    out = uplift.policy_profit(frame, policy, 0.5, {"a": 10.0, "b": 5.0}, control="control")
    assert out["incremental_profit"] == pytest.approx(120.0)
    assert out["sent_a"] == out["sent_b"] == 4 and out["customers_sent"] == 8
    assert out["incremental_conversions"] == pytest.approx(4 * 0.5 + 4 * 0.5)
    # standard error: group a: var(0.5 r - 10 y) = var(40, 0) = 800 over 2, control var(0, 0) = 0 -> 16 * 400
    # group b: var(20, 20) = 0, control var(0.5 r) = var(20, 0) = 200 over 2 -> 16 * 100
    assert out["se"] == pytest.approx(math.sqrt(16 * 400 + 16 * 100))
    doubled = uplift.policy_profit(frame, policy, 0.5, {"a": 10.0, "b": 5.0}, control="control", population=16)
    assert doubled["incremental_profit"] == pytest.approx(240.0)
    nobody = uplift.policy_profit(frame, ["control"] * 8, 0.5, {"a": 10.0, "b": 5.0}, control="control")
    assert nobody["incremental_profit"] == 0 and nobody["customers_sent"] == 0
    empty = uplift.policy_profit(frame, ["b"] * 8, 0.5, {"a": 10.0, "b": 5.0}, control="control")
    assert empty["incremental_profit"] == pytest.approx(8 * (0.5 * (50 - 10) - 5 * 1))
    lonely = uplift.policy_profit(frame.iloc[:2], ["a", "a"], 0.5, {"a": 10.0}, control="control")
    assert np.isnan(lonely["incremental_profit"])               # no control customer in the chosen group


def test_per_arm_qini_uses_only_that_arms_and_the_controls_customers():
    X, y, group = _two_way(n=6_000, seed=4)
    u = pd.DataFrame({"a": X["x"].to_numpy(), "b": -X["x"].to_numpy()})
    scores = uplift.arm_qini_scores(y, u, group, control="control")
    mask = group != "b"
    assert scores["a"] == pytest.approx(uplift.qini_auc_score(y[mask], u["a"][mask], (group[mask] == "a").astype(int)))
    assert scores["a"] > 0.1 and scores["b"] > 0.1


# --------------------------------------------------------------------------- the demo's two coupons


def test_the_demo_arms_have_their_truth_and_the_best_arm_oracle_beats_every_single_arm():
    shop = simulate_shop(n_customers=3_000, seed=21)
    campaign, truth = simulate_campaign(shop.customers, shop.orders, shop.truth.customers, seed=4)
    tc = truth.customers
    costs = {a: truth.params["arms"][a]["coupon_value_cny"] for a in ARMS}
    profit = pd.DataFrame({a: 0.3 * tc["mean_spend_cny"] * tc[f"true_uplift_{a}"] - costs[a] * tc[f"p_treated_{a}"]
                           for a in ARMS})
    oracle = uplift.best_arm(profit, control="control")
    best = truth.expected_policy_profit(oracle, 0.3, costs)
    assert best == pytest.approx(profit.max(axis=1).clip(lower=0).sum())
    for a in ARMS:
        assert best > truth.expected_policy_profit(uplift.best_arm(profit, "control", arms=[a]), 0.3, costs)
        everyone = np.full(len(tc), a, dtype=object)
        assert truth.expected_policy_profit(everyone, 0.3, costs) == pytest.approx(profit[a].sum())
    # the deeper coupon is the best choice for a real share of customers, the smaller one for another
    shares = pd.Series(oracle).value_counts(normalize=True)
    assert shares.get("coupon_40", 0) > 0.05 and shares.get("coupon_20", 0) > 0.05
