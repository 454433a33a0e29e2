"""Tests for the purchase models beyond BG/NBD (issue 17): Pareto/NBD, MBG/NBD, BG/BB, and every published value.

Published values are asserted at the precision they were published with: a value given to 3 decimals must
round to it (|ours - published| <= 5e-4), one given to 4 decimals within 5e-5. Where a value does not hold
at its precision the test says so with both numbers instead of loosening the tolerance.

Sources: Fader, Hardie & Lee (2005) and Hardie's CDNOW spreadsheets (BG/NBD, Pareto/NBD, Gamma-Gamma), as
used by lifetimes' test suite; BTYDplus (MBG/NBD) via lifetimes' tests; Fader, Hardie & Shang (2010) (BG/BB on
the donations data); CLVTools' test suite (Pareto/NBD standard errors and log-likelihood).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter
from lifetimes.datasets import load_cdnow_summary, load_cdnow_summary_data_with_monetary_value, load_donations

from ecomkit import clv

CAL_END = "1997-09-30"


def within_rounding(ours, published, decimals):
    """|ours - published| <= half a unit in the last published decimal (plus float noise)."""
    ours, published = np.asarray(ours, dtype=float), np.asarray(published, dtype=float)
    return bool(np.all(np.abs(ours - published) <= 0.5 * 10.0**-decimals + 1e-12))


@pytest.fixture(scope="module")
def cdnow_summary():
    """The CDNOW sample summarised from its transactions by ecomkit (2,357 customers, 39 weeks)."""
    return clv.customer_summary(clv.cdnow_sample_orders(), CAL_END)


@pytest.fixture(scope="module")
def lifetimes_cdnow_summary():
    """lifetimes' own CDNOW summary: the same customers, recency and T rounded to 2 decimals of a week."""
    return load_cdnow_summary().set_index("ID")


@pytest.fixture(scope="module")
def fits(cdnow_summary):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no fit on CDNOW may warn
        return {kind: clv.fit_model(cdnow_summary, kind) for kind in clv.MODELS}


@pytest.fixture(scope="module")
def donations():
    return load_donations()


# --------------------------------------------------------------------------------------------
# published values
# --------------------------------------------------------------------------------------------


def test_published_pareto_nbd_parameters_on_cdnow(fits, lifetimes_cdnow_summary):
    """Fader, Hardie & Lee (2005): r 0.553, alpha 10.578, s 0.606, beta 11.669, LL -9595.0.

    CLVTools' tests add the standard errors 0.0476264, 0.8427222, 0.1872594, 6.2105448 (asserted to the 3
    significant digits they share with ours: CLVTools' own estimate of beta is 11.6715, not 11.669).
    """
    fit = fits["pareto_nbd"]
    assert fit.converged_ and fit.problem() is None
    assert within_rounding(fit.params_[["r", "alpha", "s", "beta"]], [0.553, 10.578, 0.606, 11.669], 3), fit.params_
    assert within_rounding(fit.log_likelihood_, -9595.0, 1)
    published_se = [0.0476264, 0.8427222, 0.1872594, 6.2105448]
    assert [float(f"{v:.3g}") for v in fit.standard_errors_] == [float(f"{v:.3g}") for v in published_se]
    # On lifetimes' summary (recency rounded to 0.01 week) beta moves to 11.668: 0.0002 standard errors
    # away, but not the published third decimal. The raw transactions (above) give the published value.
    rounded = clv.fit_model(lifetimes_cdnow_summary, "pareto_nbd")
    assert within_rounding(rounded.params_[["r", "alpha", "s"]], [0.553, 10.578, 0.606], 3)
    assert round(rounded.params_["beta"], 3) == 11.668


def test_published_mbgnbd_parameters_on_cdnow(fits, lifetimes_cdnow_summary):
    """BTYDplus, as asserted by lifetimes: r 0.525, alpha 6.183, a 0.891, b 1.614."""
    published = [0.525, 6.183, 0.891, 1.614]
    assert within_rounding(fits["mbgnbd"].params_, published, 3), fits["mbgnbd"].params_
    assert within_rounding(clv.fit_model(lifetimes_cdnow_summary, "mbgnbd").params_, published, 3)


def test_published_bgnbd_expected_purchases_and_conditional_expectation(fits):
    """Hardie's BG/NBD spreadsheet: E[X(t)] at t = 0.1429, 1, 3, 31.8571, 32, 78 and E[X(39) | 2, 30.43, 38.86].

    Five of the six E[X(t)] hold to their 4 decimals. At t = 78 ours is 1.85796 against the published
    1.8576: ours is the exact Gaussian hypergeometric value (scipy's 2F1 and a 2,000-term series agree to
    1e-10); 1.8576 is what the series gives when it is cut after about 150 terms (shown below), which a
    spreadsheet summing a fixed number of terms would do. lifetimes asserts this value only to 3 decimals.
    """
    fit = fits["bgnbd"]
    assert within_rounding(fit.params_, [0.243, 4.414, 0.793, 2.426], 3)
    assert within_rounding(fit.log_likelihood_, -9582.4, 1)  # FHL 2005
    t = np.array([0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0])
    published = np.array([0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576])
    ours = clv.expected_purchases_population(fit, t)
    assert within_rounding(ours[:5], published[:5], 4), ours
    assert round(float(ours[5]), 4) == 1.8580 and not within_rounding(ours[5], published[5], 4)
    r, alpha, a, b = fit.params_
    z = 78.0 / (alpha + 78.0)
    terms = np.cumprod([1.0] + [(r + j) * (b + j) / ((a + b - 1 + j) * (j + 1)) * z for j in range(2000)])

    def series(n_terms):
        return (a + b - 1) / (a - 1) * (1 - terms[:n_terms].sum() * (alpha / (alpha + 78.0)) ** r)

    assert series(2001) == pytest.approx(ours[5], abs=1e-10)
    assert within_rounding(series(150), 1.8576, 4)
    one = pd.DataFrame({"frequency": [2.0], "recency": [30.43], "T": [38.86]})
    assert within_rounding(clv.expected_purchases(fit, one, 39).iloc[0], 1.226, 3)


def test_published_bgbb_parameters_on_donations(donations):
    """Fader, Hardie & Shang (2010), 11,104 donors over six yearly opportunities: 1.204, 0.750, 0.657, 2.783."""
    fit = clv.fit_bgbb(donations)
    assert fit.converged_ and fit.n_customers_ == 11_104 and fit.problem() is None
    assert within_rounding(fit.params_[["alpha", "beta", "gamma", "delta"]], [1.204, 0.750, 0.657, 2.783], 3), fit.params_


def test_published_gamma_gamma_spend_of_the_first_ten_cdnow_customers(cdnow_summary):
    """Hardie's note 025 spreadsheet: expected spend per purchase of customers 1-10, to the cent.

    Customers 1-10 are the sample's own ids (second column of CDNOW_sample.txt); ecomkit keeps the master
    ids, 4, 21, 50, 71, 86, 111, 112, 113, 114, 131. Through lifetimes' summary, which rounds mean spend to
    the cent (customer 1: 22.35 for 22.345), the first value would be 24.66; from the transactions it is
    24.65 as published.
    """
    ids = [4, 21, 50, 71, 86, 111, 112, 113, 114, 131]
    theirs = load_cdnow_summary_data_with_monetary_value().head(10)
    mine = cdnow_summary.loc[ids]
    np.testing.assert_array_equal(mine["frequency"], theirs["frequency"])  # the same customers
    np.testing.assert_allclose(mine["monetary_value"], theirs["monetary_value"], atol=0.005)
    spend = clv.expected_spend(clv.fit_gamma_gamma(cdnow_summary), cdnow_summary).loc[ids]
    published = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    assert within_rounding(spend, published, 2), spend.round(4).tolist()


# --------------------------------------------------------------------------------------------
# the fits
# --------------------------------------------------------------------------------------------


def test_fit_model_bgnbd_is_fit_bgnbd(cdnow_summary, fits):
    plain = clv.fit_bgnbd(cdnow_summary)
    pd.testing.assert_series_equal(fits["bgnbd"].params_, plain.params_)
    assert isinstance(fits["bgnbd"], clv.BGNBDFit)
    with pytest.raises(ValueError, match="fit_bgbb"):
        clv.fit_model(cdnow_summary, "bgbb")


@pytest.mark.parametrize("kind", ["bgnbd", "pareto_nbd", "mbgnbd"])
def test_log_likelihood_and_covariance_are_lifetimes_own(cdnow_summary, fits, kind):
    """log_likelihood_ is the total of lifetimes' formula; log_covariance_ gives the standard errors back."""
    fit = fits[kind]
    x, rec, T = (cdnow_summary[c].to_numpy() for c in ("frequency", "recency", "T"))
    params = fit.params_.to_numpy()
    if kind == "pareto_nbd":
        total = ParetoNBDFitter._conditional_log_likelihood(params, x, rec, T).sum()
    else:
        cls = BetaGeoFitter if kind == "bgnbd" else ModifiedBetaGeoFitter
        total = -cls._negative_log_likelihood(np.log(params), x, rec, T, np.ones(len(x)), 0.0) * len(x)
    assert fit.log_likelihood_ == pytest.approx(total, rel=1e-12)
    cov = fit.log_covariance_.to_numpy()
    np.testing.assert_allclose(np.sqrt(np.diag(cov)) * params, fit.standard_errors_, rtol=1e-10)
    assert np.all(np.linalg.eigvalsh(cov) > 0)


def test_pareto_fit_is_at_least_as_good_as_lifetimes_own(cdnow_summary, fits):
    """lifetimes' Pareto/NBD fitter starts Nelder-Mead at random (tol 1e-4); ecomkit's is deterministic and tighter."""
    s = cdnow_summary
    np.random.seed(0)
    theirs = ParetoNBDFitter().fit(s["frequency"], s["recency"], s["T"])
    x, rec, T = (s[c].to_numpy() for c in ("frequency", "recency", "T"))
    ll_theirs = ParetoNBDFitter._conditional_log_likelihood(theirs.params_.to_numpy(), x, rec, T).sum()
    assert fits["pareto_nbd"].log_likelihood_ >= ll_theirs - 1e-9
    np.testing.assert_allclose(fits["pareto_nbd"].params_, theirs.params_, rtol=2e-3)
    again = clv.fit_model(s, "pareto_nbd")
    pd.testing.assert_series_equal(again.params_, fits["pareto_nbd"].params_)  # deterministic


@pytest.mark.parametrize("kind", ["pareto_nbd", "mbgnbd"])
def test_predictions_of_every_model_are_lifetimes_formulas(cdnow_summary, fits, kind):
    s, fit = cdnow_summary, fits[kind]
    x, rec, T = (s[c].to_numpy() for c in ("frequency", "recency", "T"))
    np.testing.assert_allclose(clv.expected_purchases(fit, s, 26),
                               fit.model_.conditional_expected_number_of_purchases_up_to_time(26, x, rec, T), rtol=1e-12)
    np.testing.assert_allclose(clv.probability_alive(fit, s), fit.model_.conditional_probability_alive(x, rec, T),
                               rtol=1e-12)
    np.testing.assert_allclose(clv.expected_purchases_population(fit, np.array([10.0, 52.0])),
                               fit.model_.expected_number_of_purchases_up_to_time(np.array([10.0, 52.0])), rtol=1e-12)
    # one undiscounted step: CLV = margin x spend x expected purchases
    gg = clv.fit_gamma_gamma(s)
    value = clv.customer_lifetime_value(fit, gg, s, horizon_weeks=26, margin=0.3, annual_discount_rate=0.0, step_weeks=26)
    np.testing.assert_allclose(value, 0.3 * clv.expected_spend(gg, s) * clv.expected_purchases(fit, s, 26), rtol=1e-12)
    holdout = clv.calibration_holdout(clv.cdnow_sample_orders(), CAL_END, "1998-06-30")
    errors = clv.holdout_errors(clv.fit_model(holdout, kind), holdout)
    assert abs(errors["aggregate_error"]) < 0.2 and errors["mae"] < errors["baseline_mae"]


def test_what_the_models_assume_about_one_time_buyers(fits):
    """BG/NBD: a one-time buyer cannot have dropped out; MBG/NBD and Pareto/NBD: a long silence means likely gone."""
    quiet = pd.DataFrame({"frequency": [0.0, 0.0], "recency": [0.0, 0.0], "T": [1.0, 38.0]})
    assert (clv.probability_alive(fits["bgnbd"], quiet) == 1.0).all()
    for kind in ("mbgnbd", "pareto_nbd"):
        p = clv.probability_alive(fits[kind], quiet)
        assert 0 < p.iloc[1] < p.iloc[0] < 1, kind


def test_bgbb_predictions_and_population_expectation(donations):
    fit = clv.fit_bgbb(donations, period_weeks=52.18)
    model = fit.model_
    x, tx, n = (donations[c].to_numpy() for c in ("frequency", "recency", "periods"))
    np.testing.assert_allclose(clv.expected_purchases(fit, donations, 5),
                               model.conditional_expected_number_of_purchases_up_to_time(5, x, tx, n), rtol=1e-12)
    np.testing.assert_allclose(clv.probability_alive(fit, donations), model.conditional_probability_alive(0, x, tx, n),
                               rtol=1e-12)
    # E[X(6)] from FHS eq. (8) equals the mean of lifetimes' Pr(X(6) = x) (eq. 7; every x = 0..6 occurs)
    table = model.expected_number_of_transactions_in_first_n_periods(6)["model"]
    assert clv.expected_purchases_population(fit, 6) == pytest.approx((table * table.index).sum() / table.sum(), rel=1e-10)
    # CLV: one step per yearly opportunity, undiscounted = margin x spend x expected transactions
    spend = pd.Series(50.0, index=donations.index)
    gg = _flat_spend_model(50.0)
    value = clv.customer_lifetime_value(fit, gg, donations.assign(monetary_value=spend), horizon_weeks=5 * 52.18,
                                        margin=1.0, annual_discount_rate=0.0)
    np.testing.assert_allclose(value, 50.0 * clv.expected_purchases(fit, donations, 5), rtol=1e-6)
    with pytest.raises(ValueError, match="period_weeks"):
        clv.customer_lifetime_value(clv.fit_bgbb(donations), gg, donations.assign(monetary_value=spend))
    with pytest.raises(ValueError, match="whole number of periods"):
        clv.expected_purchases(fit, donations, 2.5)
    with pytest.raises(ValueError, match="frequency <= recency <= periods"):
        clv.fit_bgbb(donations.assign(recency=donations["periods"] + 1))


def _flat_spend_model(amount):
    """A Gamma-Gamma model that predicts ``amount`` for everyone who spent it: p, q -> infinity, p gamma / (q - 1) = amount."""
    gg = GammaGammaFitter()
    gg.params_ = pd.Series({"p": 1e9, "q": 1e9 + 1, "v": amount})
    return gg


def test_fit_model_rejects_unknown_models_and_bad_penalizers(cdnow_summary):
    with pytest.raises(ValueError, match="'bgnbd', 'pareto_nbd', 'mbgnbd'"):
        clv.fit_model(cdnow_summary, "pnbd")
    with pytest.raises(ValueError, match="penalizer"):
        clv.fit_model(cdnow_summary, "pareto_nbd", penalizer=-1)
    with pytest.raises(TypeError, match="purchase-model fit"):
        clv.expected_purchases_population("bgnbd", 10)


def test_penalizer_shrinks_the_new_models(cdnow_summary, fits):
    for kind in ("pareto_nbd", "mbgnbd"):
        shrunk = clv.fit_model(cdnow_summary, kind, penalizer=0.1)
        assert shrunk.converged_ and shrunk.log_likelihood_ < fits[kind].log_likelihood_
        assert shrunk.params_.sum() < fits[kind].params_.sum()


def test_the_model_against_data_tables_take_every_continuous_model(cdnow_summary, fits):
    """Frequency fit, tracking and the P(alive) matrix work for Pareto/NBD and MBG/NBD as for BG/NBD."""
    orders = clv.cdnow_sample_orders()
    for kind in ("pareto_nbd", "mbgnbd"):
        table = clv.frequency_fit_table(fits[kind], cdnow_summary)
        assert table["model"].sum() == pytest.approx(len(cdnow_summary), rel=1e-9)
        tracked = clv.tracking_table(fits[kind], orders, "1998-06-30")
        ages = (tracked["period_end"].iloc[-1] - orders.groupby("customer_id")["order_ts"].min()).dt.days + 1
        total = clv.expected_purchases_population(fits[kind], ages.to_numpy() / 7).sum()
        assert tracked["model"].iloc[-1] == pytest.approx(total, rel=1e-9)
        matrix = clv.p_alive_matrix(fits[kind], max_frequency=5, max_recency=38)
        if kind == "pareto_nbd":  # a purchase at the very end: no time to have left
            assert (matrix.loc[38.0, 1:] == 1.0).all()
        assert matrix[3].is_monotonic_increasing
    # Pareto/NBD's frequency fit uses the predictive distribution of a customer without history
    pareto = clv.frequency_fit_table(fits["pareto_nbd"], cdnow_summary.iloc[:1], max_frequency=3)
    new = pd.DataFrame({"frequency": [0.0], "recency": [0.0], "T": [float(cdnow_summary["T"].iloc[0])]})
    x, rec, T = np.zeros(1), np.zeros(1), new["T"].to_numpy()
    closed = [fits["pareto_nbd"].model_.conditional_probability_of_n_purchases_up_to_time(n, T[0], x, rec, x)[0]
              for n in range(3)]
    np.testing.assert_allclose(pareto["model"].iloc[:3], closed, atol=1e-10)
    with pytest.raises(ValueError, match="continuous-time"):
        clv.tracking_table(clv.fit_bgbb(load_donations()), orders, "1998-06-30")
