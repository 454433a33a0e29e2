"""Chapter 01 above a size threshold: k-means and the churn models fitted on a stated, seeded sample."""

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from ecomkit import profiling as pf


def blobs(n_per=1_700, seed=0):
    """Three clearly separated groups of customers (about 5,100 in all), with their true group."""
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0, 0.0], [8.0, 8.0, 0.0], [0.0, 8.0, 8.0]])
    sizes = [n_per + 300, n_per, n_per - 300]          # unequal, so relabelling by size is testable
    points = np.vstack([c + rng.normal(0, 0.7, size=(m, 3)) for c, m in zip(centers, sizes)])
    truth = np.repeat([0, 1, 2], sizes)
    ids = pd.Index(np.arange(1, len(points) + 1) * 7, name="customer_id")
    return pd.DataFrame(points, columns=["x", "y", "z"], index=ids), truth


def test_below_the_threshold_the_fit_is_the_full_fit_unchanged():
    feats, _ = blobs(n_per=400)
    default = pf.cluster_customers(feats, k=3, seed=1)                     # 1,200 customers < 200,000
    unsampled = pf.cluster_customers(feats, k=3, seed=1, fit_sample=None)
    at_size = pf.cluster_customers(feats, k=3, seed=1, fit_sample=len(feats))   # not above: no sampling
    for result in (default, unsampled, at_size):
        assert result.fit_rows == len(feats) and result.sampled is False and result.sample_agreement is None
        pd.testing.assert_series_equal(result.labels, default.labels)
    # the labels are those of KMeans fitted on every customer (after relabelling by size)
    X = default.scaler.transform(feats.to_numpy())
    direct = KMeans(n_clusters=3, n_init=4, random_state=1).fit(X).labels_
    assert adjusted_rand_score(direct, default.labels) == 1.0
    assert np.array_equal(default.model.cluster_centers_,
                          KMeans(n_clusters=3, n_init=4, random_state=1).fit(X).cluster_centers_)


def test_above_the_threshold_kmeans_fits_on_the_seeded_sample_and_labels_everyone():
    feats, truth = blobs()
    result = pf.cluster_customers(feats, k_range=range(2, 6), seed=3, fit_sample=500)
    assert result.sampled is True and result.fit_rows == 500
    assert result.model.n_features_in_ == 3 and result.model.labels_.shape == (500,)
    assert result.labels.index.equals(feats.index) and result.labels.notna().all()
    assert result.k == 3
    assert adjusted_rand_score(truth, result.labels) > 0.9
    # label 0 is the largest cluster over every customer, not just the sample
    assert result.labels.value_counts().sort_index().is_monotonic_decreasing
    # the second sample finds the same personas on such clear groups
    assert result.sample_agreement > 0.9
    again = pf.cluster_customers(feats, k_range=range(2, 6), seed=3, fit_sample=500)
    pd.testing.assert_series_equal(again.labels, result.labels)
    pd.testing.assert_series_equal(again.silhouette, result.silhouette)
    assert again.sample_agreement == result.sample_agreement
    other = pf.cluster_customers(feats, k=3, seed=4, fit_sample=500)
    assert not np.array_equal(other.model.cluster_centers_, result.model.cluster_centers_)


def test_fit_sample_too_small_for_the_clusters_tried_raises():
    feats, _ = blobs(n_per=400)
    with pytest.raises(ValueError, match="cannot form 8 clusters"):
        pf.cluster_customers(feats, fit_sample=8, seed=0)


def test_stratified_sample_has_exact_size_and_class_shares():
    y = np.r_[np.zeros(9_000, int), np.ones(1_000, int)]
    idx = pf.stratified_sample(y, 500, seed=2)
    assert len(idx) == 500 == len(np.unique(idx)) and np.all(np.diff(idx) > 0)
    assert y[idx].sum() == 50
    assert np.array_equal(idx, pf.stratified_sample(y, 500, seed=2))
    assert not np.array_equal(idx, pf.stratified_sample(y, 500, seed=3))
    rare = np.r_[np.zeros(998, int), np.ones(2, int)]
    assert rare[pf.stratified_sample(rare, 10, seed=0)].sum() == 1      # a rare class keeps one row


def churn_data(n, seed):
    """Customers whose churn depends on recency and frequency (a known logistic signal)."""
    rng = np.random.default_rng(seed)
    recency = rng.exponential(120, n)
    frequency = rng.poisson(2, n) + 1
    monetary = frequency * rng.gamma(2, 150, n)
    logit = -1.0 + 0.012 * recency - 0.5 * frequency
    churned = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"recency_days": recency, "frequency": frequency, "monetary": monetary,
                         "churned": churned}, index=pd.Index(np.arange(n), name="customer_id"))


def test_churn_models_on_a_stratified_sample_score_like_the_full_fit():
    train, test = churn_data(6_000, seed=0), churn_data(6_000, seed=1)
    full = pf.fit_churn_models(train, seed=0, max_rows=None)
    small = pf.fit_churn_models(train, seed=0, max_rows=800)
    assert (full.fit_rows, full.train_rows, full.sampled) == (6_000, 6_000, False)
    assert (small.fit_rows, small.train_rows, small.sampled) == (800, 6_000, True)
    assert set(small) == {"logistic_regression", "gradient_boosting"}
    full_report, small_report = pf.churn_report(full, test), pf.churn_report(small, test)
    positives = int(test["churned"].sum())
    name = "logistic_regression"        # the model whose AUC a sample of 800 should not move
    se = pf.auc_standard_error(full_report.loc[name, "roc_auc"], positives, len(test) - positives)
    assert 0.003 < se < 0.02
    assert abs(small_report.loc[name, "roc_auc"] - full_report.loc[name, "roc_auc"]) < 3 * se
    assert full_report.loc[name, "roc_auc"] > 0.75                # the planted signal is found
    # the tree ensemble fitted on 800 rows loses a few AUC points (it overfits small samples), yet
    # still finds the signal: a training sample must be far larger than this for boosting
    assert small_report.loc["gradient_boosting", "roc_auc"] > 0.7
    # reproducible for a seed; another seed draws another sample
    again = pf.fit_churn_models(train, seed=0, max_rows=800)
    s1 = pf.churn_scores(small, test)["logistic_regression"]
    assert np.array_equal(s1, pf.churn_scores(again, test)["logistic_regression"])
    other = pf.fit_churn_models(train, seed=1, max_rows=800)
    assert not np.array_equal(s1, pf.churn_scores(other, test)["logistic_regression"])


def test_churn_models_below_the_threshold_are_the_full_fit():
    train, test = churn_data(2_000, seed=0), churn_data(2_000, seed=1)
    default = pf.churn_scores(pf.fit_churn_models(train, seed=0), test)
    unsampled = pf.churn_scores(pf.fit_churn_models(train, seed=0, max_rows=None), test)
    pd.testing.assert_frame_equal(default, unsampled)


def test_auc_standard_error_matches_hanley_mcneil_and_a_bootstrap():
    # at A = 0.5 the formula reduces to Q1 = 1/3, Q2 = 1/3
    assert pf.auc_standard_error(0.5, 100, 100) == pytest.approx(np.sqrt((0.25 + 99 * (1 / 3 - 0.25) * 2) / 1e4))
    from sklearn.metrics import roc_auc_score
    rng = np.random.default_rng(5)
    y = rng.random(2_000) < 0.3
    score = rng.normal(size=2_000) + 0.8 * y
    auc = roc_auc_score(y, score)
    boot = []
    for _ in range(300):
        i = rng.integers(0, len(y), len(y))
        boot.append(roc_auc_score(y[i], score[i]))
    se = pf.auc_standard_error(auc, int(y.sum()), int((~y).sum()))
    assert se == pytest.approx(np.std(boot, ddof=1), rel=0.2)
