"""Churn: labels from a look-ahead window, features on a time split (no look-ahead), two models, and how
they compare with the recency baseline (ROC AUC, average precision, lift).

Example:
    train, test = churn_time_split(orders, test_cutoff="2025-09-30", window_days=90)
    churn_report(fit_churn_models(train, seed=0), test)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from ecomkit.profiling.counting import ORDER_KEYS, as_timestamp, counted_orders, require_columns
from ecomkit.profiling.features import LOG_COLUMNS, customer_features, log1p_clipped, numeric_columns
from ecomkit.profiling.personas import FIT_SAMPLE
from ecomkit.profiling.rfm import rank_bins


def _data_end(orders: pd.DataFrame, data_end) -> pd.Timestamp:
    """``data_end`` as a Timestamp; default: midnight after the last order's day."""
    if data_end is not None:
        return as_timestamp(data_end, "data_end")
    return pd.to_datetime(orders["order_ts"]).max().normalize() + pd.Timedelta(days=1)


def churn_labels(orders: pd.DataFrame, cutoff, window_days: int = 90,
                 include_returned: bool = False, data_end=None) -> pd.Series:
    """Churn label per customer: True when no counted order in (cutoff, cutoff + window].

    Only customers with a counted order at or before `cutoff` are labelled. The window must
    lie inside the data: ``cutoff + window_days <= data_end`` (default: midnight after the last
    order's day), else the label would be censored and a ValueError is raised.

    Parameters
    ----------
    cutoff : timestamp; the window is half-open on the left, closed on the right.
    window_days : length of the look-ahead window in days.

    Example:
        churn_labels(orders, cutoff="2025-06-30", window_days=90).mean()   # churn rate
    """
    require_columns(orders, ORDER_KEYS, "churn_labels")
    cutoff = as_timestamp(cutoff, "cutoff")
    if window_days <= 0:
        raise ValueError(f"window_days must be positive, got {window_days!r}")
    horizon = cutoff + pd.Timedelta(days=window_days)
    end = _data_end(orders, data_end)
    if horizon > end:
        raise ValueError(
            f"churn window ({cutoff.date()}, {horizon.date()}] runs past the end of the data "
            f"({end}); move the cutoff back by at least {(horizon - end).days} days"
        )
    before, _, _ = counted_orders(orders, cutoff, include_returned, "churn_labels")
    upto, _, _ = counted_orders(orders, horizon, include_returned, "churn_labels")
    future = upto.loc[upto["order_ts"] > cutoff, "customer_id"].unique()
    known = pd.Index(np.sort(before["customer_id"].unique()), name="customer_id")
    return pd.Series(~known.isin(future), index=known, name="churned")


def churn_dataset(orders: pd.DataFrame, cutoff, window_days: int = 90,
                  customers: pd.DataFrame | None = None, include_returned: bool = False,
                  data_end=None) -> pd.DataFrame:
    """Features as of `cutoff` (from orders up to it) plus the churn label of the next window.

    Parameters
    ----------
    orders, customers : as for `customer_features`.
    cutoff : timestamp; features use orders with order_ts <= cutoff.
    window_days : churned = no counted order in (cutoff, cutoff + window_days].

    Returns
    -------
    `customer_features` as of cutoff with an int column ``churned`` (1 = churned), for the
    customers active up to cutoff. attrs: cutoff, window_days, churn_rate.

    Example:
        train = churn_dataset(orders, cutoff="2025-03-31", window_days=90)
    """
    labels = churn_labels(orders, cutoff, window_days, include_returned, data_end)
    feats = customer_features(orders, cutoff, customers, include_returned)
    data = feats.join(labels.astype("int64"))
    data.attrs = {**feats.attrs, "cutoff": as_timestamp(cutoff, "cutoff").isoformat(),
                  "window_days": int(window_days),
                  "churn_rate": float(data["churned"].mean()) if len(data) else float("nan")}
    return data


def churn_time_split(orders: pd.DataFrame, test_cutoff, window_days: int = 90,
                     customers: pd.DataFrame | None = None, train_cutoff=None,
                     include_returned: bool = False, data_end=None):
    """Train and test churn datasets on a time split (no look-ahead).

    The training cutoff defaults to ``test_cutoff - window_days``, so the training labels end
    exactly where the test features begin; an earlier train_cutoff is allowed, a later one
    (labels overlapping the test period) raises.

    Returns
    -------
    (train, test) as from `churn_dataset`.

    Example:
        train, test = churn_time_split(orders, test_cutoff="2025-09-30", window_days=90)
    """
    test_cutoff = as_timestamp(test_cutoff, "test_cutoff")
    window = pd.Timedelta(days=window_days)
    train_cutoff = (test_cutoff - window if train_cutoff is None
                    else as_timestamp(train_cutoff, "train_cutoff"))
    if train_cutoff + window > test_cutoff:
        raise ValueError(
            f"training labels run to {(train_cutoff + window).date()}, after the test cutoff "
            f"{test_cutoff.date()}: use train_cutoff <= {(test_cutoff - window).date()}"
        )
    train = churn_dataset(orders, train_cutoff, window_days, customers, include_returned,
                          data_end)
    test = churn_dataset(orders, test_cutoff, window_days, customers, include_returned,
                         data_end)
    return train, test


class ChurnModels(dict):
    """The fitted models of `fit_churn_models` (a dict name -> estimator) and the rows they saw.

    train_rows: customers in the training table; fit_rows: customers the models were fitted on;
    sampled: True when fit_rows is a seeded stratified sample of the training table.
    """

    def __init__(self, models: dict, train_rows: int, fit_rows: int):
        super().__init__(models)
        self.train_rows, self.fit_rows = int(train_rows), int(fit_rows)
        self.sampled = self.fit_rows < self.train_rows


def stratified_sample(y, size: int, seed: int = 0) -> np.ndarray:
    """Positions (sorted) of a seeded random sample of ``size`` rows with the classes of `y` in proportion.

    Each class gets its share of ``size`` rounded down, the rows left over go to the classes with
    the largest remainders (ties: the smaller class value first), so the sample has exactly
    ``size`` rows and every class present keeps at least one when ``size`` >= the number of classes.

    Example:
        train.iloc[stratified_sample(train["churned"], 200_000, seed=0)]
    """
    y = np.asarray(y)
    classes, counts = np.unique(y, return_counts=True)
    size = int(size)
    if not len(classes) <= size <= len(y):
        raise ValueError(f"a stratified sample of {size} rows needs between {len(classes)} and {len(y)}")
    exact = counts * size / len(y)
    take = np.maximum(np.floor(exact).astype(np.int64), 1)
    while take.sum() > size:                       # the minimum of one per class overshot
        take[np.argmax(take)] -= 1
    spare = np.argsort(-(exact - np.floor(exact)), kind="stable")
    for i in spare[: size - int(take.sum())]:
        take[i] += 1
    rng = np.random.default_rng(seed)
    chosen = [rng.choice(np.flatnonzero(y == c), size=int(t), replace=False) for c, t in zip(classes, take)]
    return np.sort(np.concatenate(chosen))


def fit_churn_models(train: pd.DataFrame, seed: int = 0, features=None,
                     label: str = "churned", max_rows: int | None = FIT_SAMPLE) -> ChurnModels:
    """Fit a scaled logistic regression and a gradient-boosted tree ensemble for churn.

    Parameters
    ----------
    train : output of `churn_dataset` at the training cutoff.
    seed : random seed for the tree ensemble and the training sample.
    features : columns to use (default: every numeric column except the label).
    max_rows : above this many training customers both models are fitted on a seeded random
        sample of this size, stratified by the label (`stratified_sample`); None uses every row.
        Evaluate on the full test table as before.

    Returns
    -------
    `ChurnModels`, a dict name -> fitted scikit-learn estimator: "logistic_regression" (log1p on
    skewed columns, standardised, LogisticRegression) and "gradient_boosting"
    (HistGradientBoostingClassifier), each knowing its columns as ``feature_names_in_``; its
    ``fit_rows``, ``train_rows`` and ``sampled`` say how many rows the fit used.

    Example:
        models = fit_churn_models(train, seed=0)
        models.fit_rows, models.sampled
    """
    require_columns(train, (label,), "fit_churn_models")
    features = list(features) if features is not None else numeric_columns(train, (label,))
    train_rows = len(train)
    if max_rows is not None and train_rows > int(max_rows):
        train = train.iloc[stratified_sample(train[label].astype(int), int(max_rows), seed)]
    y = train[label].astype(int).to_numpy()
    if len(np.unique(y)) < 2:
        raise ValueError("fit_churn_models: the training labels have a single class")
    X = train[features].astype(float)
    logged = [c for c in LOG_COLUMNS if c in features]
    rest = [c for c in features if c not in logged]
    log1p = FunctionTransformer(log1p_clipped, feature_names_out="one-to-one")
    logistic = Pipeline([
        ("log", ColumnTransformer([("log1p", log1p, logged), ("keep", "passthrough", rest)])),
        ("scale", StandardScaler()),
        ("model", LogisticRegression(max_iter=2000)),
    ])
    boosting = HistGradientBoostingClassifier(random_state=seed)
    return ChurnModels({"logistic_regression": logistic.fit(X, y), "gradient_boosting": boosting.fit(X, y)},
                       train_rows=train_rows, fit_rows=len(y))


def churn_scores(models: dict, data: pd.DataFrame) -> pd.DataFrame:
    """Predicted churn probability per model plus the recency baseline, per customer.

    Columns missing in `data` (e.g. a channel that did not exist at that cutoff) are filled
    with 0. The baseline ``recency_baseline`` is recency_days itself (longer silence = more
    likely gone): the honest yardstick a model has to beat.

    Example:
        churn_scores(models, test).head()
    """
    out = pd.DataFrame(index=data.index)
    for name, model in models.items():
        cols = list(model.feature_names_in_)
        X = data.reindex(columns=cols, fill_value=0.0).astype(float)
        out[name] = model.predict_proba(X)[:, 1]
    out["recency_baseline"] = data["recency_days"].astype(float)
    return out


def churn_report(models: dict, test: pd.DataFrame, label: str = "churned",
                 n_bins: int = 10) -> pd.DataFrame:
    """ROC AUC, average precision and top-decile lift per model and the recency baseline.

    Parameters
    ----------
    models : output of `fit_churn_models`.
    test : `churn_dataset` at a later cutoff than the training data.

    Returns
    -------
    DataFrame indexed by model (the models, then "recency_baseline") with roc_auc,
    average_precision, top_decile_lift (churn rate in the riskiest tenth / overall rate),
    customers and churn_rate.

    Example:
        churn_report(fit_churn_models(train), test)
    """
    require_columns(test, (label, "recency_days"), "churn_report")
    y = test[label].astype(int).to_numpy()
    if len(np.unique(y)) < 2:
        raise ValueError("churn_report: the test labels have a single class; AUC is undefined")
    scores = churn_scores(models, test)
    rows = {}
    for name in scores.columns:
        s = scores[name].to_numpy()
        lift = lift_table(y, s, n_bins=n_bins)
        rows[name] = {
            "roc_auc": float(roc_auc_score(y, s)),
            "average_precision": float(average_precision_score(y, s)),
            "top_decile_lift": float(lift["lift"].iloc[0]),
            "customers": int(len(y)),
            "churn_rate": float(y.mean()),
        }
    report = pd.DataFrame.from_dict(rows, orient="index")
    report.index.name = "model"
    return report


def auc_standard_error(auc: float, positives: int, negatives: int) -> float:
    """Standard error of a ROC AUC from the test set's size (Hanley and McNeil, 1982).

    ``se = sqrt((A(1-A) + (P-1)(Q1-A^2) + (N-1)(Q2-A^2)) / (P N))`` with ``Q1 = A/(2-A)``,
    ``Q2 = 2A^2/(1+A)``, P positives and N negatives: the sampling error of the test customers,
    for a fixed model.

    Example:
        auc_standard_error(0.75, positives=800, negatives=200)   # about 0.017
    """
    a, p, n = float(auc), int(positives), int(negatives)
    if p < 1 or n < 1:
        raise ValueError(f"an AUC needs positives and negatives, got {p} and {n}")
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    return float(np.sqrt((a * (1 - a) + (p - 1) * (q1 - a * a) + (n - 1) * (q2 - a * a)) / (p * n)))


def lift_table(y, score, n_bins: int = 10) -> pd.DataFrame:
    """Lift by score bin: bin 1 holds the highest scores.

    Customers are ranked by score (descending; ties broken by input order, earlier first)
    and cut into `n_bins` groups whose sizes differ by at most one.

    Parameters
    ----------
    y : 0/1 outcomes (1 = churned).
    score : higher = more likely 1.

    Returns
    -------
    DataFrame indexed by bin (1..n_bins) with customers, positives, rate, lift (rate /
    overall rate), cum_customers, cum_positives, cum_capture (share of all positives found
    so far, ends at 1) and cum_lift.

    Example:
        lift_table(test["churned"], scores["gradient_boosting"])
    """
    y = np.asarray(y, dtype=float)
    score = np.asarray(score, dtype=float)
    if len(y) != len(score):
        raise ValueError(f"{len(y)} outcomes for {len(score)} scores")
    if len(y) < n_bins:
        raise ValueError(f"lift_table: {len(y)} customers cannot fill {n_bins} bins")
    # rank bins on the negated score, input position as the tie key -> bin n_bins = riskiest
    rank_bin = rank_bins(-score, np.arange(len(y)), n_bins)
    frame = pd.DataFrame({"bin": rank_bin, "y": y})
    by_bin = frame.groupby("bin")["y"]
    table = pd.DataFrame({"customers": by_bin.size(), "positives": by_bin.sum()})
    table = table.reindex(range(1, n_bins + 1), fill_value=0)
    table.index.name = "bin"
    base = y.mean()
    table["rate"] = table["positives"] / table["customers"]
    table["lift"] = table["rate"] / base if base else np.nan
    table["cum_customers"] = table["customers"].cumsum()
    table["cum_positives"] = table["positives"].cumsum()
    total = table["positives"].sum()
    table["cum_capture"] = table["cum_positives"] / total if total else np.nan
    table["cum_lift"] = (table["cum_positives"] / table["cum_customers"]) / base if base else np.nan
    return table
