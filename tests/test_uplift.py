"""Specifications of ecomkit.uplift (chapter 04) and of the campaign simulator.

Metric values are worked out by hand in the comments; statistical tolerances state the sampling error
they come from.
"""
from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression

from ecomkit import uplift
from ecomkit.io import DataError
from ecomkit.simulate import simulate_shop
from ecomkit.simulate.campaign import ARMS, CAMPAIGN_COLUMNS, CAMPAIGN_FILES, CONTROL, KINDS, simulate_campaign
from ecomkit.truth import CampaignTruth

DEMO_DIR = Path(__file__).resolve().parents[1] / "datasets" / "demo_shop"

# a four-customer example used throughout: ranked as listed (uplift 0.4 > 0.3 > 0.2 > 0.1)
Y4, U4, T4 = [1, 0, 1, 0], [0.4, 0.3, 0.2, 0.1], [1, 1, 0, 0]


# --------------------------------------------------------------------------- metrics


def test_qini_curve_counts_incremental_buyers_at_each_cut():
    # n=1: treated buyer, no controls yet -> 1; n=2: still 1 treated buyer, 0 controls -> 1
    # n=3: Y_T=1, N_T=2, Y_C=1, N_C=1 -> 1 - 1*2/1 = -1; n=4: 1 - 1*2/2 = 0
    x, q = uplift.qini_curve(Y4, U4, T4)
    np.testing.assert_array_equal(x, [0, 1, 2, 3, 4])
    np.testing.assert_allclose(q, [0, 1, 1, -1, 0])


def test_uplift_curve_is_rate_difference_times_customers_with_empty_groups_counted_as_zero():
    # n=1: (1/1 - 0) * 1 = 1; n=2: (1/2 - 0) * 2 = 1; n=3: (1/2 - 1/1) * 3 = -1.5; n=4: (1/2 - 1/2) * 4 = 0
    x, u = uplift.uplift_curve(Y4, U4, T4)
    np.testing.assert_array_equal(x, [0, 1, 2, 3, 4])
    np.testing.assert_allclose(u, [0, 1, 1, -1.5, 0])


def test_tied_scores_are_targeted_together_and_row_order_inside_a_tie_does_not_matter():
    y = np.array([1, 1, 0, 0, 1, 0])
    score = np.array([0.9, 0.5, 0.5, 0.5, 0.1, 0.1])
    t = np.array([1, 0, 1, 1, 0, 1])
    # cuts only after each run of ties: n = 1, 4, 6
    # n=4: N_T=3, Y_T=1, N_C=1, Y_C=1 -> Qini 1 - 1*3/1 = -2, uplift (1/3 - 1) * 4 = -8/3
    # n=6: N_T=4, Y_T=1, N_C=2, Y_C=2 -> Qini 1 - 2*4/2 = -3, uplift (1/4 - 1) * 6 = -4.5
    x, q = uplift.qini_curve(y, score, t)
    np.testing.assert_array_equal(x, [0, 1, 4, 6])
    np.testing.assert_allclose(q, [0, 1, -2, -3])
    np.testing.assert_allclose(uplift.uplift_curve(y, score, t)[1], [0, 1, -8 / 3, -4.5])
    shuffled = [0, 3, 1, 2, 5, 4]          # rows permuted inside each tie group
    np.testing.assert_allclose(uplift.qini_curve(y[shuffled], score[shuffled], t[shuffled])[1], q)
    assert uplift.qini_auc_score(y[shuffled], score[shuffled], t[shuffled]) == pytest.approx(
        uplift.qini_auc_score(y, score, t))


def test_qini_auc_score_is_the_area_above_random_over_the_perfect_area():
    # perfect order (treated buyers first, control buyers last): curve (0,0) (1,1) (3,1) (4,0), area 3;
    # the model's curve (0,0) (1,1) (2,1) (3,-1) (4,0) has area 0.5 + 1 + 0 - 0.5 = 1; random line area 0
    assert uplift.qini_auc_score(Y4, U4, T4) == pytest.approx(1 / 3)
    x, q = uplift.perfect_qini_curve(Y4, T4)
    np.testing.assert_allclose(x, [0, 1, 3, 4])
    np.testing.assert_allclose(q, [0, 1, 1, 0])


def test_uplift_auc_score_uses_scikit_uplifts_perfect_uplift_curve():
    # control responders (1) are not more than treated non-responders (1): perfect score 2*(y == t) + t
    # -> order rows 0, 3, 1, 2; curve 0, 1, 2, 1.5, 0 with area 4.5; the model's curve has area 0.5
    assert uplift.uplift_auc_score(Y4, U4, T4) == pytest.approx(0.5 / 4.5)
    np.testing.assert_allclose(uplift.perfect_uplift_curve(Y4, T4)[1], [0, 1, 2, 1.5, 0])


def test_perfect_ranking_scores_one_and_a_constant_score_zero():
    rng = np.random.default_rng(0)
    t = rng.integers(0, 2, 400)
    y = (rng.random(400) < np.where(t == 1, 0.3, 0.2)).astype(int)
    assert uplift.qini_auc_score(y, y * t - y * (1 - t), t) == pytest.approx(1.0)
    assert uplift.qini_auc_score(y, np.zeros(400), t) == pytest.approx(0.0, abs=1e-12)
    assert uplift.uplift_auc_score(y, np.zeros(400), t) == pytest.approx(0.0, abs=1e-12)


def test_uplift_at_k_compares_groups_inside_the_top_k():
    y = [1, 0, 1, 0, 1, 0]
    score = [0.6, 0.5, 0.4, 0.3, 0.2, 0.1]
    t = [1, 0, 1, 0, 0, 1]
    # top 3 (k=0.5): treated rows 0, 2 both bought, control row 1 did not -> 1 - 0
    assert uplift.uplift_at_k(y, score, t, k=0.5) == pytest.approx(1.0)
    assert uplift.uplift_at_k(y, score, t, k=4) == pytest.approx(1.0)
    # everyone: treated 2/3, control 1/3
    assert uplift.uplift_at_k(y, score, t, k=1.0) == pytest.approx(1 / 3)
    # by group: best treated (row 0, bought) minus best control (row 1, did not)
    assert uplift.uplift_at_k(y, score, t, k=0.5, strategy="by_group") == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no control customers"):
        uplift.uplift_at_k(y, score, t, k=0.2)          # floor(1.2) = 1 customer, treated
    with pytest.raises(ValueError, match="as a share must be in"):
        uplift.uplift_at_k(y, score, t, k=1.5)


@pytest.mark.parametrize("metric", [uplift.qini_curve, uplift.uplift_curve, uplift.qini_auc_score,
                                    uplift.uplift_auc_score, uplift.uplift_at_k])
def test_every_metric_refuses_all_treated_or_all_control_data_with_a_clear_message(metric):
    with pytest.raises(ValueError, match=r"all 4 observations .* are treated .* no control group"):
        metric(Y4, U4, [1, 1, 1, 1])
    with pytest.raises(ValueError, match=r"all 4 observations .* are control .* no treated group"):
        metric(Y4, U4, [0, 0, 0, 0])


def test_metrics_refuse_non_binary_inputs_and_mismatched_lengths():
    with pytest.raises(ValueError, match="treatment must be 0 .control. or 1 .treated.; found 1 other"):
        uplift.qini_auc_score(Y4, U4, [1, 2, 0, 0])
    with pytest.raises(ValueError, match="y_true must be 0/1"):
        uplift.qini_auc_score([1, 0, 3, 0], U4, T4)
    with pytest.raises(ValueError, match="different lengths"):
        uplift.qini_auc_score(Y4, U4[:3], T4)
    with pytest.raises(ValueError, match="missing values"):
        uplift.qini_auc_score(Y4, [0.1, np.nan, 0.2, 0.3], T4)
    with pytest.raises(ValueError, match="undefined"):
        uplift.qini_auc_score([0, 0, 0, 0], U4, T4)     # nobody bought: nothing to rank


def test_random_rankings_score_zero_on_average_and_are_reproducible():
    rng = np.random.default_rng(1)
    t = rng.integers(0, 2, 2000)
    y = (rng.random(2000) < 0.15).astype(int)
    null = uplift.qini_auc_null(y, t, n_permutations=100, seed=3)
    assert null.shape == (100,)
    assert abs(null.mean()) < 3 * null.std() / math.sqrt(100)     # centred on 0 within 3 SE of the mean
    np.testing.assert_array_equal(null, uplift.qini_auc_null(y, t, n_permutations=100, seed=3))


def test_uplift_by_decile_reports_observed_and_predicted_uplift_per_bin():
    rng = np.random.default_rng(2)
    n = 1000
    t = rng.integers(0, 2, n)
    score = rng.random(n)
    y = (rng.random(n) < np.where(t == 1, 0.1 + 0.3 * score, 0.1)).astype(int)
    table = uplift.uplift_by_decile(y, score, t, bins=5, true_uplift=0.3 * score)
    assert list(table.index) == [1, 2, 3, 4, 5] and (table["customers"] == 200).all()
    assert table["predicted_uplift"].is_monotonic_decreasing
    assert table["observed_uplift"].iloc[0] > table["observed_uplift"].iloc[-1]
    assert table["true_uplift"].iloc[0] == pytest.approx(0.3 * np.sort(score)[-200:].mean())


# --------------------------------------------------------------------------- learners


def _synthetic(n=4000, seed=0, share=0.5):
    """Uplift +0.25 where x0 > 0 and -0.05 elsewhere, baseline 0.2; x1 is noise."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"x0": rng.normal(size=n), "x1": rng.normal(size=n)})
    t = (rng.random(n) < share).astype(int)
    tau = np.where(X["x0"] > 0, 0.25, -0.05)
    y = (rng.random(n) < 0.2 + t * tau).astype(int)
    return X, y, t, tau


def _learners():
    tree = HistGradientBoostingClassifier(max_iter=60, max_depth=2, random_state=0)
    return [uplift.SLearner(tree), uplift.TLearner(tree), uplift.ClassTransformation(tree),
            uplift.XLearner(tree, HistGradientBoostingRegressor(max_iter=60, max_depth=2, random_state=0))]


@pytest.mark.parametrize("learner", _learners(), ids=lambda m: type(m).__name__)
def test_learners_share_one_fit_predict_shape(learner):
    X, y, t, tau = _synthetic()
    assert learner.fit(X, y, t) is learner
    fitted = [name for name in vars(learner) if name.endswith("_") and not name.startswith("_")]
    assert fitted and "n_features_in_" in fitted
    predicted = learner.predict(X.iloc[:50])
    assert predicted.shape == (50,) and np.isfinite(predicted).all()
    assert clone(learner).fit(X.to_numpy(), y, t).predict(X.to_numpy()[:50]).shape == (50,)  # arrays work too
    assert clone(learner).get_params()["estimator"] is not None           # scikit-learn configuration
    # the learner finds the group the coupon moves: +0.25 vs -0.05, n = 4,000; ranking by the true
    # uplift itself scores a Qini AUC of 0.18 on these outcomes, so 0.12 is most of what can be had
    full = learner.predict(X)
    assert full[tau > 0].mean() - full[tau < 0].mean() > 0.15
    assert uplift.qini_auc_score(y, full, t) > 0.12


def test_learners_refuse_data_without_both_groups_and_predict_before_fit():
    X, y, t, _ = _synthetic(200)
    for learner in _learners():
        with pytest.raises(ValueError, match="no control group"):
            learner.fit(X, y, np.ones(200, dtype=int))
        with pytest.raises(RuntimeError, match="not fitted"):
            clone(learner).predict(X)


def test_class_transformation_reweights_an_unbalanced_treatment_share():
    # constant uplift 0.2 (0.1 -> 0.3) with 80% treated: without reweighting 2 P(z=1) - 1 would be
    # 2 (0.8 * 0.3 + 0.2 * 0.9) - 1 = -0.16; with it, the estimate is the difference of the two rates, 0.2 with
    # binomial SE sqrt(.3 * .7 / 16,000 + .1 * .9 / 4,000) = 0.006, so 0.03 is 5 SE
    rng = np.random.default_rng(5)
    n = 20_000
    t = (rng.random(n) < 0.8).astype(int)
    y = (rng.random(n) < np.where(t == 1, 0.3, 0.1)).astype(int)
    X = np.zeros((n, 1))
    model = uplift.ClassTransformation(LogisticRegression()).fit(X, y, t)
    assert model.treatment_share_ == pytest.approx(t.mean())
    assert model.predict(X[:1])[0] == pytest.approx(0.2, abs=0.03)
    with pytest.raises(ValueError, match="0/1 outcome"):
        uplift.ClassTransformation(LogisticRegression()).fit(X, rng.random(n), t)


def test_s_and_t_learners_accept_regressors_for_amounts():
    rng = np.random.default_rng(6)
    X = pd.DataFrame({"x": rng.normal(size=3000)})
    t = rng.integers(0, 2, 3000)
    spend = 50 + 10 * X["x"].to_numpy() + t * 8 + rng.normal(0, 5, 3000)
    for learner in (uplift.SLearner(LinearRegression()), uplift.TLearner(LinearRegression())):
        assert learner.fit(X, spend, t).predict(X).mean() == pytest.approx(8, abs=1.0)   # SE ~0.2


def test_design_matrix_one_hot_encodes_text_and_keeps_a_layout_for_new_data():
    frame = pd.DataFrame({"customer_id": [1, 2, 3], "treatment": [1, 0, 1], "converted": [0, 1, 0],
                          "recency_days": [3, 40, 9], "member": [True, False, True],
                          "channel": ["search", "social", "search"]})
    X = uplift.design_matrix(frame)
    assert list(X.columns) == ["recency_days", "member", "channel_search", "channel_social"]
    assert X["member"].tolist() == [1.0, 0.0, 1.0]
    new = uplift.design_matrix(frame.iloc[[1]], columns=X.columns)
    assert list(new.columns) == list(X.columns) and new["channel_search"].iloc[0] == 0.0


# --------------------------------------------------------------------------- A/B statistics


def test_conversion_difference_has_a_wald_interval_and_z_test():
    # 30/200 vs 20/200: difference 0.05, SE sqrt(.15*.85/200 + .10*.90/200) = 0.032977
    frame = pd.DataFrame({"treatment": [1] * 200 + [0] * 200,
                          "converted": [1] * 30 + [0] * 170 + [1] * 20 + [0] * 180})
    res = uplift.ab_test(frame, "converted")
    se = math.sqrt(0.15 * 0.85 / 200 + 0.10 * 0.90 / 200)
    assert res["difference"] == pytest.approx(0.05)
    assert res["se"] == pytest.approx(se)
    assert res["ci_low"] == pytest.approx(0.05 - stats.norm.ppf(0.975) * se)
    assert res["ci_high"] == pytest.approx(0.05 + stats.norm.ppf(0.975) * se)
    assert res["p_value"] == pytest.approx(2 * stats.norm.sf(0.05 / se))
    assert res["relative_lift"] == pytest.approx(0.5)


def test_revenue_difference_uses_welchs_t_test():
    rng = np.random.default_rng(7)
    treated, control = rng.gamma(1.0, 30, 300), rng.gamma(1.0, 25, 500)
    frame = pd.DataFrame({"treatment": [1] * 300 + [0] * 500, "revenue": np.r_[treated, control]})
    res = uplift.ab_test(frame, "revenue")
    welch = stats.ttest_ind(treated, control, equal_var=False)
    assert res["difference"] == pytest.approx(treated.mean() - control.mean())
    assert res["p_value"] == pytest.approx(welch.pvalue)
    welch_interval = welch.confidence_interval(0.95)           # t quantile at the Welch-Satterthwaite df
    assert (res["ci_low"], res["ci_high"]) == pytest.approx((welch_interval.low, welch_interval.high))


def test_power_figures_are_consistent_with_each_other_and_the_textbook_formula():
    mde = uplift.minimum_detectable_effect(0.10, 5000, 5000, alpha=0.05, power=0.8)
    assert uplift.power_of_test(0.10, mde, 5000, 5000) == pytest.approx(0.8, abs=1e-4)   # solver tolerance
    assert abs(uplift.sample_size(0.10, mde) - 5000) <= 1
    # 2 asin(sqrt(p)) has variance 1/n, so a difference of two groups of n has variance 2/n:
    # n = 2 ((z_0.975 + z_0.8) / h)^2 with Cohen's h = 2 asin(sqrt(0.11)) - 2 asin(sqrt(0.10))
    h = 2 * math.asin(math.sqrt(0.11)) - 2 * math.asin(math.sqrt(0.10))
    expected = 2 * ((stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) / h) ** 2
    assert uplift.sample_size(0.10, 0.01) == math.ceil(expected)
    # unequal groups need more treated customers when controls are fewer
    assert uplift.sample_size(0.10, 0.01, ratio=0.5) > uplift.sample_size(0.10, 0.01)
    d = uplift.minimum_detectable_effect_mean(sd=40.0, n_treated=2000, n_control=2000)
    assert abs(uplift.sample_size_mean(40.0, d) - 2000) <= 1
    with pytest.raises(ValueError, match="baseline_rate"):
        uplift.minimum_detectable_effect(1.2, 100, 100)


def test_cuped_reduces_variance_by_the_squared_correlation_and_keeps_the_estimate():
    rng = np.random.default_rng(8)
    n = 20_000
    pre = rng.gamma(2.0, 50, n)
    t = rng.integers(0, 2, n)
    post = 0.8 * pre + rng.normal(0, 40, n) + 5 * t
    frame = pd.DataFrame({"treatment": t, "revenue": post, "revenue_90d": pre})
    res = uplift.cuped(frame, "revenue", "revenue_90d")
    rho = np.corrcoef(pre, post)[0, 1]
    assert res["variance_reduction"] == pytest.approx(rho ** 2, abs=1e-9)
    assert res["variance_reduction"] > 0.5
    assert res["ci_width"] < 0.75 * res["ci_width_raw"]          # sqrt(1 - rho^2) ~ 0.6
    # SE of theta: sqrt(var(post | pre) / (n var(pre))) = sqrt((40^2 + 25 / 4) / (20,000 * 5,000)) = 0.004
    assert res["theta"] == pytest.approx(0.8, abs=0.02)                # 5 SE
    assert res["difference"] == pytest.approx(5, abs=4 * res["se"])  # unbiased: within 4 SE of the truth
    unrelated = frame.assign(noise=rng.normal(size=n))
    assert uplift.cuped(unrelated, "revenue", "noise")["variance_reduction"] < 0.002


def test_before_after_separates_the_season_from_the_coupon():
    frame = pd.DataFrame({"treatment": [1, 1, 1, 1, 0, 0, 0, 0],
                          "converted_before": [0, 0, 1, 0, 0, 1, 0, 0],
                          "converted": [1, 1, 1, 0, 1, 1, 0, 0]})
    est = uplift.before_after_estimates(frame)
    assert est["naive_before_after"] == pytest.approx(0.75 - 0.25)
    assert est["seasonal_change"] == pytest.approx(0.5 - 0.25)
    assert est["randomised"] == pytest.approx(0.75 - 0.5)
    assert est["difference_in_differences"] == pytest.approx(0.25)


# --------------------------------------------------------------------------- targeting


def test_targeting_profit_curve_by_hand():
    frame = pd.DataFrame({"score": [4, 3, 2, 1], "treatment": [1, 0, 1, 0], "converted": [1, 0, 0, 1],
                          "revenue": [100.0, 0.0, 0.0, 50.0]})
    curve = uplift.targeting_profit_curve(frame, "score", margin=0.5, coupon_cost=10.0, steps=2)
    # top 2: rates 1 vs 0, revenue 100 vs 0 -> 2 extra buyers, 200 CNY, 2 coupons: 0.5*200 - 10*2 = 80
    # all 4: rates 1/2 vs 1/2, revenue 50 vs 25 -> 0 extra buyers, 100 CNY, 2 coupons: 50 - 20 = 30
    np.testing.assert_allclose(curve["k"], [0, 0.5, 1])
    np.testing.assert_allclose(curve["incremental_conversions"], [0, 2, 0])
    np.testing.assert_allclose(curve["incremental_profit"], [0, 80, 30])
    best = uplift.optimal_targeting(curve)
    assert best["k"] == 0.5 and best["incremental_profit"] == 80
    # valuing each extra buyer at 60 CNY instead: top 2 -> 0.5*120 - 20 = 40; all -> 0 - 20 = -20
    by_value = uplift.targeting_profit_curve(frame, "score", 0.5, 10.0, value_per_conversion=60.0, steps=2)
    np.testing.assert_allclose(by_value["incremental_profit"], [0, 40, -20])
    # scaled to a population of 8 customers
    np.testing.assert_allclose(uplift.targeting_profit_curve(frame, "score", 0.5, 10.0, steps=2, population=8)
                               ["incremental_profit"], [0, 160, 60])


def test_targeting_profit_curve_leaves_cuts_without_a_control_customer_undefined_and_sending_nobody_is_an_option():
    frame = pd.DataFrame({"treatment": [1, 0, 1, 0], "converted": [0, 0, 0, 1], "revenue": [0, 0, 0, 80.0]})
    curve = uplift.targeting_profit_curve(frame, np.array([4, 3, 2, 1]), 0.3, 10.0, steps=4)
    assert np.isnan(curve.loc[1, "incremental_profit"])            # top 1 holds no control customer
    assert uplift.optimal_targeting(curve)["k"] == 0.0                 # every other cut loses money
    with pytest.raises(ValueError, match="margin"):
        uplift.targeting_profit_curve(frame, np.arange(4), 30, 10.0)


# --------------------------------------------------------------------------- plots


def test_importing_the_chapter_loads_neither_pyplot_seaborn_nor_the_simulator():
    code = ("import sys, ecomkit.uplift; "
            "loaded = [m for m in sys.modules if m in ('matplotlib.pyplot', 'seaborn') "
            "or m.startswith('ecomkit.simulate')]; assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True)


def _plot_calls():
    """Each plot with the arguments it draws from: 200 customers, half treated, the score ranks the buyers."""
    rng = np.random.default_rng(12)
    n = 200
    t = np.tile([1, 0], n // 2)
    score = rng.random(n)
    y = (rng.random(n) < 0.1 + 0.3 * score * t).astype(int)
    frame = pd.DataFrame({"treatment": t, "converted": y, "converted_before": rng.integers(0, 2, n),
                          "revenue": 60.0 * y, "score": score})
    kinds = rng.choice(["persuadable", "sure_thing", "lost_cause", "sleeping_dog"], n)
    return {
        "plot_before_after": (uplift.before_after(frame),),
        "plot_qini_curves": (y, {"score": score}, t),
        "plot_uplift_curves": (y, score, t),
        "plot_uplift_by_decile": (uplift.uplift_by_decile(y, score, t),),
        "plot_targeting_profit_curves": ({"score": uplift.targeting_profit_curve(frame, "score", 0.3, 10.0)},),
        "plot_kinds_by_decile": (score, kinds),
    }


@pytest.mark.parametrize("name", sorted(_plot_calls()))
def test_every_plot_takes_ax_as_a_keyword_forwards_kwargs_to_its_marks_and_returns_the_axes(name):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plot, args = getattr(uplift, name), _plot_calls()[name]
    fig, ax = plt.subplots()
    try:
        with pytest.raises(TypeError):
            plot(*args, ax)                                   # ax is keyword-only
        assert plot(*args, ax=ax, alpha=0.35) is ax
        assert any(mark.get_alpha() == 0.35 for mark in [*ax.lines, *ax.patches])
        new = plot(*args)
        assert new is not ax and new.figure is not fig       # no ax: a new figure
        plt.close(new.figure)
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- loading


def _csv(tmp_path, text, name="campaign.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = ("buyer,group,bought,spend,recency_days,member,channel\n"
        "1,treatment,yes,120.5,3,是,search\n2,control,no,0,40,否,social\n3,treatment,no,0,9,是,search\n"
        "4,control,yes,88,12,否,social\n")


def test_a_users_campaign_is_mapped_typed_and_ledgered(tmp_path):
    data = uplift.load_campaign(_csv(tmp_path, GOOD), columns={"buyer": "customer_id", "spend": "revenue"},
                                treatment_col="group", outcome_col="bought")
    c = data.campaign
    assert c["treatment"].tolist() == [1, 0, 1, 0] and c["converted"].tolist() == [1, 0, 0, 1]
    assert str(c["treatment"].dtype) == "int64" and c["revenue"].dtype == "float64"
    assert c["recency_days"].dtype == "int64" and c["member"].dtype == bool and c["channel"].dtype == object
    assert data.features == ["recency_days", "member", "channel"]
    assert data.ledger.rows_in == 4 and data.ledger.rows_kept == 4
    assert data.truth is None and data.targeted is None


def _first_line(err) -> str:
    return str(err.value).splitlines()[0]


def test_group_labels_without_a_recognisable_control_are_refused_listing_the_values(tmp_path):
    path = _csv(tmp_path, "treatment,converted\nA,0\nB,1\nA,0\nB,1\n")
    with pytest.raises(DataError) as err:
        uplift.load_campaign(path)
    line = _first_line(err)
    assert line.startswith("column 'treatment': no value reads as the control group")
    assert "'A' (2 rows), 'B' (2 rows)" in line and "-p CONTROL_VALUE" in line
    named = uplift.load_campaign(path, control_value="b")            # case ignored
    assert named.control == "B" and named.arms == ["A"]
    assert named.campaign["treatment"].tolist() == [1, 0, 1, 0]
    with pytest.raises(DataError, match="CONTROL_VALUE 'C' is not one of its values: 'A' .2 rows., 'B' .2 rows."):
        uplift.load_campaign(path, control_value="C")


def test_missing_outcomes_are_dropped_and_counted_or_refused_on_request(tmp_path):
    path = _csv(tmp_path, "treatment,converted,revenue\n1,1,30\n0,,0\n1,0,0\n0,1,25\n1,0,\n0,0,1\n")
    data = uplift.load_campaign(path)
    assert len(data.campaign) == 4
    assert data.ledger.dropped() == {"blank_converted": 2}
    assert data.ledger.rows_in - sum(data.ledger.dropped().values()) == data.ledger.rows_kept == 4
    for options in ({"missing_outcomes": "error"}, {"clean": {"blank_converted": "error"}}):
        with pytest.raises(DataError) as err:
            uplift.load_campaign(path, **options)
        line = _first_line(err)
        assert line.startswith("column 'converted': blank outcome in 2 rows — row 2: ")
        assert "row 5: " in line and "--clean blank_converted=drop" in line
    assert uplift.load_campaign(path, missing_outcomes="drop").ledger.dropped() == {"blank_converted": 2}


def test_all_treated_or_no_converter_files_are_refused(tmp_path):
    with pytest.raises(DataError, match="all 3 rows are treated .1. .* no control .0. customers"):
        uplift.load_campaign(_csv(tmp_path, "customer_id,treatment,converted\n1,1,0\n2,1,1\n3,1,0\n"))
    with pytest.raises(DataError, match="no customer converted"):
        uplift.load_campaign(_csv(tmp_path, "customer_id,treatment,converted\n1,1,0\n2,0,0\n3,1,0\n", "b.csv"))


def test_identical_rows_of_a_campaign_without_customer_ids_are_kept_and_flagged(tmp_path):
    """Without a customer_id two identical rows may be two customers: kept and flagged by default;
    --clean duplicate_rows=drop drops them."""
    path = _csv(tmp_path, "treatment,converted\n1,0\n1,1\n1,0\n0,0\n0,1\n")
    data = uplift.load_campaign(path)
    assert data.campaign["treatment"].tolist() == [1, 1, 1, 0, 0]
    assert data.ledger.dropped() == {} and data.ledger.flagged() == {"identical_rows": 1}
    dropped = uplift.load_campaign(path, clean={"duplicate_rows": "drop"})
    assert len(dropped.campaign) == 4 and dropped.ledger.dropped() == {"duplicate_rows": 1}


def test_missing_columns_and_repeated_customers_say_how_to_fix_them(tmp_path):
    with pytest.raises(DataError, match=r"required column 'treatment' is missing .* if it is 'group', pass "
                                        r"--map group=treatment; columns present: 'group', 'converted'"):
        uplift.load_campaign(_csv(tmp_path, "group,converted\n1,0\n0,1\n"))
    repeated = _csv(tmp_path, "customer_id,treatment,converted\n7,1,0\n7,0,1\n8,0,1\n9,1,1\n", "r.csv")
    with pytest.raises(DataError, match="customer_id': customer id repeated"):
        uplift.load_campaign(repeated)
    with pytest.raises(DataError, match="--clean duplicate_customers=keep_first"):
        uplift.load_campaign(repeated)
    for options in ({"duplicate_customers": "keep_first"}, {"clean": {"duplicate_customers": "keep_first"}}):
        kept = uplift.load_campaign(repeated, **options)
        assert kept.campaign["customer_id"].tolist() == [7, 8, 9]
        assert kept.ledger.dropped() == {"duplicate_customers": 1}


def test_the_demo_campaign_comes_with_its_truth_and_the_targeted_variant():
    data = uplift.load_campaign("demo")
    c, truth = data.campaign, data.truth
    expected = [col if col != "treatment" else ("arm", "treatment") for col in CAMPAIGN_COLUMNS]
    assert list(c.columns) == [x for col in expected for x in (col if isinstance(col, tuple) else (col,))]
    assert data.control == "control" and data.arms == list(ARMS) == truth.arms
    assert (truth.customers["customer_id"].to_numpy() == c["customer_id"].to_numpy()).all()
    assert data.targeted is not None and len(data.targeted) == len(c)
    assert data.targeted["treatment"].mean() == pytest.approx(0.3, abs=0.001)
    assert set(data.targeted["arm"]) == {"control", ARMS[0]}
    assert set(truth.customers["kind"]) == set(KINDS)
    one = data.versus(ARMS[1])
    assert set(one.campaign["arm"]) == {"control", ARMS[1]} and one.arms == [ARMS[1]]
    np.testing.assert_array_equal(one.truth.customers["true_uplift"], one.truth.customers[f"true_uplift_{ARMS[1]}"])
    assert len(one.truth.customers) == len(one.campaign)


# --------------------------------------------------------------------------- simulator


@pytest.fixture(scope="module")
def small_shop():
    return simulate_shop(n_customers=4_000, seed=3)


def _simulate(shop, **kw):
    return simulate_campaign(shop.customers, shop.orders, shop.truth.customers, **kw)


def test_campaign_simulation_is_deterministic_for_a_seed(small_shop):
    a, ta = _simulate(small_shop, seed=9)
    b, tb = _simulate(small_shop, seed=9)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(ta.customers, tb.customers)
    c, _ = _simulate(small_shop, seed=10)
    assert not a["treatment"].equals(c["treatment"])


def test_the_truth_holds_the_four_kinds_and_the_uplift_identity_for_every_arm(small_shop):
    campaign, truth = _simulate(small_shop, seed=1)
    tc = truth.customers
    assert list(campaign.columns) == list(CAMPAIGN_COLUMNS)
    assert set(campaign["treatment"]) == {CONTROL, *ARMS}
    assert (tc.loc[~tc["alive_at_send"], "p_control"] == 0).all()       # dropped-out customers never buy unprompted
    costs = {a: truth.params["arms"][a]["coupon_value_cny"] for a in ARMS}
    assert costs == {"coupon_20": 20.0, "coupon_40": 40.0}
    for arm in ARMS:
        one = truth.for_arm(arm).customers
        assert set(one["kind"]) == set(KINDS)
        np.testing.assert_allclose(one["p_treated"] - one["p_control"], one["true_uplift"])
        np.testing.assert_allclose(one["true_uplift"], (1 - one["p_control"]) * one["persuasion"]
                                   - one["p_control"] * one["annoyance"])
        assert (one["true_uplift"] < 0).any() and (one["true_uplift"] > 0.1).any()
        # the observed outcome follows the kind: sure things always buy, lost causes never
        kind = one["kind"].to_numpy()
        sent = campaign["treatment"].to_numpy() == arm
        held_out = campaign["treatment"].to_numpy() == CONTROL
        bought = campaign["converted"].to_numpy() == 1
        assert bought[(sent | held_out) & (kind == "sure_thing")].all()
        assert not bought[(sent | held_out) & (kind == "lost_cause")].any()
        assert bought[sent & (kind == "persuadable")].all() and not bought[sent & (kind == "sleeping_dog")].any()
        assert (campaign.loc[sent & bought, "coupon_cost"] == costs[arm]).all()
    assert (campaign.loc[campaign["treatment"] == CONTROL, "coupon_cost"] == 0).all()
    # the deeper coupon persuades everyone the smaller one persuades, and more
    assert (tc["persuasion_coupon_40"] >= tc["persuasion_coupon_20"]).all()
    assert set(tc.loc[tc["kind_coupon_20"] == "persuadable", "kind_coupon_40"]) == {"persuadable"}
    # the first arm's columns are the unsuffixed ones
    np.testing.assert_array_equal(tc["true_uplift"], tc["true_uplift_coupon_20"])
    # features only use orders before the send: nobody's last order is after it
    assert (campaign["recency_days"] >= 0).all() and (campaign["recency_days"] <= 730).all()


def test_the_arms_get_their_design_shares_and_the_planted_visits_follow_the_outcome_and_the_coupon(small_shop):
    campaign, _ = _simulate(small_shop, seed=6)
    n = len(campaign)
    shares = campaign["treatment"].value_counts() / n
    for group in (CONTROL, *ARMS):                    # a third each; binomial SE sqrt(p(1-p)/n), 4 SE allowed
        assert shares[group] == pytest.approx(1 / 3, abs=4 * math.sqrt(2 / 9 / n))
    visits = campaign.groupby(["converted", campaign["treatment"] != CONTROL])["visits_14d"].mean()
    # Poisson means 0.6, 1.4 (coupon), 2.6 (bought), 3.4 (both); SE of a group mean <= sqrt(3.4 / 40) here
    assert visits.loc[(1, True)] > visits.loc[(1, False)] > visits.loc[(0, True)] > visits.loc[(0, False)]


def test_expected_profit_of_a_policy_comes_from_the_true_probabilities(small_shop):
    _, truth = _simulate(small_shop, seed=2)
    tc = truth.customers
    everyone = np.ones(len(tc), dtype=bool)
    by_hand = (0.3 * tc["mean_spend_cny"] * tc["true_uplift"] - 20 * tc["p_treated"]).sum()
    assert truth.expected_incremental_profit(everyone, 0.3, 20) == pytest.approx(by_hand)
    assert truth.expected_incremental_profit(~everyone, 0.3, 20) == 0


def test_bundled_campaign_files_equal_a_fresh_simulation(tmp_path):
    from ecomkit.simulate.campaign import write_campaign

    assert all((DEMO_DIR / name).exists() for name in CAMPAIGN_FILES), "run `make demo`"
    write_campaign(simulate_shop(), tmp_path, seed=2026)      # the demo: shop seed 2025, campaign seed 2026
    for name in ("campaign.csv", "campaign_targeted.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / name), pd.read_csv(DEMO_DIR / name), check_exact=True)
    fresh, bundled = CampaignTruth.from_files(tmp_path), CampaignTruth.from_files(DEMO_DIR)
    # the true probabilities are float64 arithmetic whose last bit may differ between numpy builds (up to
    # 1.1e-16 on a probability, far below anything the chapter prints); the CSVs above match exactly
    pd.testing.assert_frame_equal(fresh.customers, bundled.customers, check_exact=False, rtol=0, atol=1e-15)
    assert fresh.params == bundled.params
    assert sum((DEMO_DIR / name).stat().st_size for name in CAMPAIGN_FILES) / 1e6 <= 4.0   # two arms' truth
    assert sum(p.stat().st_size for p in DEMO_DIR.rglob("*") if p.is_file()) / 1e6 <= 25
