"""Tests for per-customer intervals (issue 17): the predictive distribution, the intervals and their coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifetimes import GammaGammaFitter
from lifetimes.datasets import load_donations
from scipy import stats

from ecomkit import clv
from ecomkit.simulate import simulate_shop

CAL_END = "1997-09-30"
LEVEL = 0.9


@pytest.fixture(scope="module")
def cdnow_summary():
    return clv.customer_summary(clv.cdnow_sample_orders(), CAL_END)


@pytest.fixture(scope="module")
def fits(cdnow_summary):
    return {kind: clv.fit_model(cdnow_summary, kind) for kind in clv.MODELS}


@pytest.fixture(scope="module")
def donations():
    return load_donations()


# --------------------------------------------------------------------------------------------
# the predictive distribution
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["bgnbd", "pareto_nbd", "mbgnbd"])
def test_predictive_distribution_sums_to_one_and_its_mean_is_the_expected_purchases(cdnow_summary, fits, kind):
    probs = clv.purchase_probabilities(fits[kind], cdnow_summary, 39)
    assert (probs.to_numpy() >= 0).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-9)  # the tail left out is below 1e-9
    mean = probs.to_numpy() @ probs.columns.to_numpy()
    np.testing.assert_allclose(mean, clv.expected_purchases(fits[kind], cdnow_summary, 39), rtol=1e-7)


def test_bgbb_predictive_distribution_mean_is_the_expected_purchases(donations):
    fit = clv.fit_bgbb(donations)
    probs = clv.purchase_probabilities(fit, donations, 5)
    assert list(probs.columns) == [0, 1, 2, 3, 4, 5]  # at most one transaction per opportunity
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(probs.to_numpy() @ np.arange(6), clv.expected_purchases(fit, donations, 5), rtol=1e-10)


def test_pareto_distribution_equals_hardies_closed_form(cdnow_summary, fits):
    """Pareto/NBD: ecomkit integrates over the remaining lifetime (Gauss-Legendre); Hardie's note 028 has a
    closed form with hypergeometric functions (lifetimes' conditional_probability_of_n_purchases_up_to_time)."""
    fit, s = fits["pareto_nbd"], cdnow_summary
    probs = clv.purchase_probabilities(fit, s, 39)
    x, rec, T = (s[c].to_numpy() for c in ("frequency", "recency", "T"))
    for n in range(6):
        closed = fit.model_.conditional_probability_of_n_purchases_up_to_time(n, 39, x, rec, T)
        np.testing.assert_allclose(probs[n], closed, atol=1e-10)


@pytest.mark.parametrize("kind", ["bgnbd", "mbgnbd"])
def test_a_new_customer_gets_the_models_published_distribution(fits, kind):
    """With no history (x = 0, T = 0) the conditional distribution is the model's P(X(t) = n) (FHL 2005 eq. 8;
    lifetimes' probability_of_n_purchases_up_to_time), derived there without the posterior used here."""
    fit = fits[kind]
    new = pd.DataFrame({"frequency": [0.0], "recency": [0.0], "T": [0.0]})
    probs = clv.purchase_probabilities(fit, new, 52.0).iloc[0]
    published = [fit.model_.probability_of_n_purchases_up_to_time(52.0, n) for n in range(8)]
    np.testing.assert_allclose(probs.iloc[:8], published, rtol=1e-9)


def test_a_new_bgbb_customer_gets_the_published_distribution(donations):
    """BG/BB with no history: FHS (2010) eq. (7), lifetimes' expected_number_of_transactions_in_first_n_periods."""
    fit = clv.fit_bgbb(donations)
    table = fit.model_.expected_number_of_transactions_in_first_n_periods(6)["model"]
    new = pd.DataFrame({"frequency": [0], "recency": [0], "periods": [0]})
    probs = clv.purchase_probabilities(fit, new, 6).iloc[0]
    np.testing.assert_allclose(probs.to_numpy(), (table / table.sum()).to_numpy(), rtol=1e-10)


# --------------------------------------------------------------------------------------------
# intervals
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["bgnbd", "pareto_nbd", "mbgnbd"])
def test_interval_is_the_tightest_equal_tailed_one(cdnow_summary, fits, kind):
    band = clv.predict_interval(fits[kind], cdnow_summary, 39, level=LEVEL)
    probs = clv.purchase_probabilities(fits[kind], cdnow_summary, 39).to_numpy()
    cdf = np.cumsum(probs, axis=1)
    rows = np.arange(len(band))
    low, high = band["low"].to_numpy(), band["high"].to_numpy()
    tail = (1 - LEVEL) / 2
    below = np.where(low > 0, cdf[rows, np.maximum(low - 1, 0)], 0.0)
    above = 1 - cdf[rows, high]
    assert (below <= tail + 1e-9).all() and (above <= tail + 1e-9).all()
    # one count more at either end would leave more than the tail outside
    assert (cdf[rows, low] > tail).all() and (1 - cdf[rows, np.maximum(high - 1, 0)][high > 0] > tail).all()
    np.testing.assert_allclose(band["level"], 1 - below - above, atol=1e-12)
    assert (band["level"] >= LEVEL - 1e-9).all()
    np.testing.assert_allclose(band["expected"], clv.expected_purchases(fits[kind], cdnow_summary, 39), rtol=1e-7)


def test_randomised_intervals_hold_exactly_the_level(cdnow_summary, fits):
    """Each randomised interval holds `level` in expectation over its coin flips, whatever the count's distribution."""
    fit, s = fits["bgnbd"], cdnow_summary
    probs = clv.purchase_probabilities(fit, s, 39).to_numpy()
    rows = np.arange(len(s))
    held = []
    for seed in range(40):
        band = clv.predict_interval(fit, s, 39, level=LEVEL, randomize=True, seed=seed)
        assert (band["level"] == LEVEL).all()
        low, high = band["low"].to_numpy(), band["high"].to_numpy()
        cdf = np.concatenate([np.zeros((len(s), 1)), np.cumsum(probs, axis=1)], axis=1)
        held.append(np.where(high >= low, cdf[rows, high + 1] - cdf[rows, low], 0.0))
    mean_held = np.mean(held, axis=0)  # per customer, over 40 coin flips
    # mean over 40 x 2,357 intervals: each holds its interval's probability; the coin flips' spread is known
    spread = np.std(held, axis=0).mean() / np.sqrt(40 * len(s))
    assert abs(mean_held.mean() - LEVEL) < 4 * spread
    same = clv.predict_interval(fit, s, 39, level=LEVEL, randomize=True, seed=3)
    pd.testing.assert_frame_equal(same, clv.predict_interval(fit, s, 39, level=LEVEL, randomize=True, seed=3))


def test_interval_rejects_bad_levels(cdnow_summary, fits):
    for level in (0, 1, 90):
        with pytest.raises(ValueError, match="level"):
            clv.predict_interval(fits["bgnbd"], cdnow_summary, 39, level=level)


# --------------------------------------------------------------------------------------------
# coverage on the simulator (the acceptance test)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def simulated_holdout():
    """A simulated shop (BG/NBD truth, 8,000 customers over 2023-2025): calibration 2023-2024, holdout 2025."""
    shop = simulate_shop(8_000, seed=17)
    orders = shop.orders.loc[shop.orders["status"] != "cancelled", ["customer_id", "order_ts", "net_amount"]]
    ch = clv.calibration_holdout(orders, "2024-12-31", "2025-12-31")
    return ch, shop.truth


def _randomised_poisson_coverage(mean, actual, level, rng):
    """Coverage of randomised equal-tailed Poisson intervals: the randomised PIT falls inside the central level."""
    upper, lower = stats.poisson.cdf(actual, mean), stats.poisson.cdf(actual - 1, mean)
    pit = lower + rng.random(len(actual)) * (upper - lower)
    tail = (1 - level) / 2
    return float(np.mean((pit >= tail) & (pit <= 1 - tail)))


def test_ninety_percent_intervals_cover_ninety_percent_of_simulated_customers(simulated_holdout):
    """Fitted on the calibration year(s), the 90% intervals cover the true holdout purchases of 88-92% of customers.

    The randomised intervals hold exactly 90% under the model, so when the model is right the share covered
    is a binomial proportion around 0.90 with standard error sqrt(0.9 * 0.1 / n): with n >= 2,025 customers the
    band 0.88-0.92 is at least 3 standard errors wide on each side (here n = 5,034: 4.7 SE). The conservative
    (whole-count) intervals hold more than 90%; their share covered must match the probability they claim.
    Negative controls show the check can fail: intervals from the same purchase rates without drop-out (0.855),
    or Poisson intervals with the model's means (no heterogeneity: 0.800), fall outside the band.
    """
    ch, _ = simulated_holdout
    n = len(ch)
    se = np.sqrt(LEVEL * (1 - LEVEL) / n)
    assert n >= 2_025 and 0.02 >= 3 * se
    horizon = float(ch["duration_holdout"].iloc[0])
    actual = ch["frequency_holdout"]
    fit = clv.fit_model(ch, "bgnbd")
    randomised = clv.interval_coverage(clv.predict_interval(fit, ch, horizon, LEVEL, randomize=True, seed=5), actual)
    assert 0.88 <= randomised["covered"] <= 0.92, randomised
    assert randomised["expected"] == pytest.approx(LEVEL) and randomised["standard_error"] == pytest.approx(se)
    whole = clv.interval_coverage(clv.predict_interval(fit, ch, horizon, LEVEL), actual)
    assert whole["expected"] > 0.92  # counts are whole numbers: the plain intervals hold more than 90%
    assert abs(whole["z"]) < 3, whole
    # negative control 1: the fitted purchase rates with drop-out switched off (p ~ Beta(1e-4, 1e4): mean 1e-8)
    no_dropout = clv.bgnbd_from_params({**fit.params_.to_dict(), "a": 1e-4, "b": 1e4})
    ignoring_dropout = clv.interval_coverage(
        clv.predict_interval(no_dropout, ch, horizon, LEVEL, randomize=True, seed=5), actual)
    assert not 0.88 <= ignoring_dropout["covered"] <= 0.92, ignoring_dropout
    # negative control 2: Poisson counts with the model's own expected purchases
    poisson = _randomised_poisson_coverage(clv.expected_purchases(fit, ch, horizon).to_numpy(), actual.to_numpy(),
                                           LEVEL, np.random.default_rng(5))
    assert not 0.88 <= poisson <= 0.92, poisson


# --------------------------------------------------------------------------------------------
# CLV intervals from parameter uncertainty
# --------------------------------------------------------------------------------------------


def test_clv_interval_brackets_the_estimate_and_narrows_with_the_level(cdnow_summary, fits):
    gg = clv.fit_gamma_gamma(cdnow_summary)
    wide = clv.clv_interval(fits["bgnbd"], gg, cdnow_summary, level=0.9, n_draws=300, seed=1)
    pd.testing.assert_series_equal(wide["clv"], clv.customer_lifetime_value(fits["bgnbd"], gg, cdnow_summary),
                                   check_names=False)
    assert ((wide["low"] <= wide["clv"]) & (wide["clv"] <= wide["high"])).all()
    assert (wide["low"] > 0).all()  # draws on the log scale keep every parameter, and so every CLV, positive
    narrow = clv.clv_interval(fits["bgnbd"], gg, cdnow_summary, level=0.5, n_draws=300, seed=1)
    assert ((narrow["high"] - narrow["low"]) <= (wide["high"] - wide["low"])).all()
    # parameter uncertainty shrinks with the data: the relative width is a few percent to a few tens of percent
    relative = ((wide["high"] - wide["low"]) / wide["clv"]).median()
    assert 0.02 < relative < 0.6, relative
    for kind in ("pareto_nbd", "mbgnbd"):
        band = clv.clv_interval(fits[kind], gg, cdnow_summary, n_draws=50, seed=2)
        assert ((band["low"] <= band["clv"]) & (band["clv"] <= band["high"])).all(), kind


def test_clv_interval_matches_the_delta_method_when_uncertainty_is_small(cdnow_summary, fits):
    """The draws carry the fits' covariance: for one customer, the half-width of the central 68.27% interval of
    log CLV equals the delta method's standard deviation sqrt(g' Sigma g) over both fits (g: the gradient of log
    CLV in the log parameters), to within the simulation error (4,000 draws: about 2%) and the curvature."""
    fit = fits["bgnbd"]
    gg = clv.fit_gamma_gamma(cdnow_summary)
    one = cdnow_summary.loc[[111]]
    band = clv.clv_interval(fit, gg, one, level=0.6827, n_draws=4000, seed=4)
    bg_names, gg_names = list(fit.params_.index), ["p", "q", "gamma"]
    theta = np.log(np.r_[fit.params_.to_numpy(), gg.params_[gg_names].to_numpy()])

    def log_clv(t):
        model = clv.bgnbd_from_params(dict(zip(bg_names, np.exp(t[:4]))))
        spend = GammaGammaFitter()
        spend.params_ = pd.Series(dict(zip(["p", "q", "v"], np.exp(t[4:]))))
        return float(np.log(clv.customer_lifetime_value(model, spend, one).iloc[0]))

    step = 1e-5
    grad = np.array([(log_clv(theta + step * e) - log_clv(theta - step * e)) / (2 * step) for e in np.eye(7)])
    cov = np.zeros((7, 7))
    cov[:4, :4] = fit.log_covariance_.to_numpy()
    cov[4:, 4:] = np.linalg.inv(gg.model_._hessian_) / gg.n_customers_
    delta_sd = float(np.sqrt(grad @ cov @ grad))
    half_width = float(np.log(band["high"].iloc[0]) - np.log(band["low"].iloc[0])) / 2
    assert half_width == pytest.approx(delta_sd, rel=0.05), (half_width, delta_sd)


def test_clv_interval_needs_a_fitted_covariance(cdnow_summary, fits):
    given = clv.bgnbd_from_params(fits["bgnbd"].params_.to_dict())
    with pytest.raises(ValueError, match="no finite covariance"):
        clv.clv_interval(given, clv.fit_gamma_gamma(cdnow_summary), cdnow_summary)


def test_intervals_are_the_same_computed_in_chunks(cdnow_summary, fits, monkeypatch):
    """predict_interval holds at most _CHUNK_CELLS customer x count probabilities at once (large shops)."""
    whole = clv.predict_interval(fits["pareto_nbd"], cdnow_summary, 39, randomize=True, seed=8)
    monkeypatch.setattr("ecomkit.clv.intervals._CHUNK_CELLS", 1_000)  # about 12 customers per chunk
    pd.testing.assert_frame_equal(clv.predict_interval(fits["pareto_nbd"], cdnow_summary, 39, randomize=True, seed=8),
                                  whole)
