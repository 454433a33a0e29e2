"""Tables that hold the models up against the data, and the value table behind the decile plot.

Each ``plot_*`` in ecomkit.clv.plots draws one of these; the notebook prints them too, so a number in a
picture can be read off.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecomkit.clv.bgnbd import BGNBDFit, model_time_unit
from ecomkit.clv.models import lifetimes_fitter, model_kind
from ecomkit.clv.predict import expected_purchases
from ecomkit.clv.summary import daily_purchases, day_number, days_per_unit, frequency_recency_T, order_arrays
from ecomkit.order_tables import is_engine_table

__all__ = [
    "holdout_errors",
    "frequency_fit_table",
    "calibration_holdout_table",
    "tracking_table",
    "p_alive_matrix",
    "clv_deciles",
]


def _continuous_fitter(model):
    """The lifetimes fitter of a continuous-time purchase model: BG/NBD, MBG/NBD or Pareto/NBD."""
    kind = model_kind(model)
    if kind == "bgbb":
        raise ValueError("this table is for the continuous-time models (BG/NBD, MBG/NBD, Pareto/NBD); "
                         "BG/BB counts opportunities, not weeks")
    return BGNBDFit.lifetimes_fitter(model) if kind == "bgnbd" else lifetimes_fitter(model)


def _new_customer_probabilities(model, fitter, t: float, max_frequency: int) -> np.ndarray:
    """P(X(t) = n), n < max_frequency, for a customer first seen t time units ago (no history: the model's prior)."""
    if hasattr(fitter, "probability_of_n_purchases_up_to_time"):
        return np.array([float(fitter.probability_of_n_purchases_up_to_time(t, n)) for n in range(max_frequency)])
    from ecomkit.clv.intervals import purchase_probabilities  # Pareto/NBD: lifetimes has no unconditional pmf

    new = pd.DataFrame({"frequency": [0.0], "recency": [0.0], "T": [0.0]})
    return purchase_probabilities(model, new, t, max_purchases=max_frequency - 1).iloc[0].to_numpy()


def _holdout_predictions(model, cal_holdout: pd.DataFrame) -> tuple[float, pd.Series]:
    """Holdout length (time units) and each customer's expected purchases over it."""
    for col in ("frequency_holdout", "duration_holdout"):
        if col not in cal_holdout.columns:
            raise ValueError(f"cal_holdout has no column {col!r}; make it with calibration_holdout()")
    duration = float(cal_holdout["duration_holdout"].iloc[0])
    return duration, expected_purchases(model, cal_holdout, duration)


def holdout_errors(model, cal_holdout: pd.DataFrame) -> pd.Series:
    """How well a model fitted on the calibration period predicts each customer's holdout purchases.

    Compares the BG/NBD conditional expectation over ``duration_holdout`` with the purchases each
    customer really made in the holdout, and with a naive baseline that lets every customer go on
    buying at their calibration rate (``frequency_cal / T_cal`` per time unit, 0 without repeats).

    Returns
    -------
    Series: ``customers``, ``holdout_length`` (time units), ``actual_purchases`` and
    ``predicted_purchases`` (totals over all customers), ``aggregate_error`` (predicted / actual
    - 1), ``mae`` and ``rmse`` (per customer, purchases), ``baseline_predicted_purchases``,
    ``baseline_aggregate_error``, ``baseline_mae`` and ``baseline_rmse``.

    Example
    -------
    >>> ch = calibration_holdout(cdnow_sample_orders(), "1997-09-30", "1998-06-30")
    >>> errors = holdout_errors(fit_bgnbd(ch), ch)
    >>> bool(errors["mae"] < errors["baseline_mae"])
    True
    """
    duration, predicted = _holdout_predictions(model, cal_holdout)
    actual = cal_holdout["frequency_holdout"].to_numpy(dtype=float)
    predicted = predicted.to_numpy()
    x, _, T = frequency_recency_T(cal_holdout)
    with np.errstate(invalid="ignore", divide="ignore"):
        baseline = np.where(T > 0, x / T, 0.0) * duration

    def total_aggregate_mae_rmse(pred):
        gap = pred - actual
        total = actual.sum()
        return pred.sum(), (pred.sum() / total - 1) if total else np.nan, np.abs(gap).mean(), np.sqrt(np.mean(gap**2))

    pred_total, agg, mae, rmse = total_aggregate_mae_rmse(predicted)
    base_total, base_agg, base_mae, base_rmse = total_aggregate_mae_rmse(baseline)
    return pd.Series(
        {
            "customers": float(len(actual)),
            "holdout_length": duration,
            "actual_purchases": float(actual.sum()),
            "predicted_purchases": float(pred_total),
            "aggregate_error": float(agg),
            "mae": float(mae),
            "rmse": float(rmse),
            "baseline_predicted_purchases": float(base_total),
            "baseline_aggregate_error": float(base_agg),
            "baseline_mae": float(base_mae),
            "baseline_rmse": float(base_rmse),
        },
        name="holdout_errors",
    )


def clv_deciles(clv) -> pd.DataFrame:
    """Customers ranked by CLV in ten equal groups, with each decile's share of total value.

    Decile 1 holds the 10% most valuable customers. Columns: ``customers``, ``total_clv``,
    ``mean_clv``, ``min_clv``, ``max_clv`` (amounts), ``share_of_value`` and ``cumulative_share``
    (0..1).

    Example
    -------
    >>> round(float(clv_deciles(pd.Series(range(1, 101), dtype=float)).loc[1, "share_of_value"]), 3)
    0.189
    """
    s = pd.Series(clv, dtype=float).dropna()
    if s.empty:
        raise ValueError("clv is empty")
    rank = s.rank(method="first", ascending=False).to_numpy()
    decile = np.minimum(np.ceil(rank * 10 / len(s)).astype(int), 10)
    g = s.groupby(decile)
    table = pd.DataFrame(
        {"customers": g.size(), "total_clv": g.sum(), "mean_clv": g.mean(), "min_clv": g.min(), "max_clv": g.max()}
    )
    total = s.sum()
    table["share_of_value"] = table["total_clv"] / total if total else np.nan
    table["cumulative_share"] = table["share_of_value"].cumsum()
    table.index.name = "decile"
    return table


def frequency_fit_table(model, summary: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Customers by number of repeat purchases: actual vs expected by the model.

    The model count for n repeat purchases is sum_i P(X(T_i) = n), each customer observed for
    their own T_i; the last row (``max_frequency``) counts ``max_frequency`` or more.

    Example
    -------
    >>> s = customer_summary(cdnow_sample_orders(), "1997-09-30")
    >>> int(frequency_fit_table(fit_bgnbd(s), s).loc[0, "actual"])
    1411
    """
    bg = _continuous_fitter(model)
    x, _, T = frequency_recency_T(summary)
    bins = np.minimum(x, max_frequency).astype(int)
    actual = np.bincount(bins, minlength=max_frequency + 1).astype(float)
    T_counts = pd.Series(T).value_counts()
    expected = np.zeros(max_frequency + 1)
    with np.errstate(all="ignore"):
        for t, count in T_counts.items():
            probs = _new_customer_probabilities(model, bg, t, max_frequency)
            expected[:max_frequency] += count * probs
            expected[max_frequency] += count * max(0.0, 1.0 - probs.sum())
    index = pd.Index(range(max_frequency + 1), name="repeat_purchases")
    return pd.DataFrame({"actual": actual, "model": expected}, index=index)


def calibration_holdout_table(model, cal_holdout: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Mean holdout purchases by calibration frequency: actual vs the model's prediction.

    Groups customers by repeat purchases in calibration (the last group is ``max_frequency`` or
    more) and compares the mean actual ``frequency_holdout`` with the mean conditional
    expectation over ``duration_holdout``.

    Example
    -------
    >>> ch = calibration_holdout(cdnow_sample_orders(), "1997-09-30", "1998-06-30")
    >>> calibration_holdout_table(fit_bgnbd(ch), ch).columns.tolist()
    ['customers', 'actual', 'model']
    """
    _, predicted = _holdout_predictions(model, cal_holdout)
    x = frequency_recency_T(cal_holdout)[0]
    group = pd.Series(np.minimum(x, max_frequency).astype(int), index=cal_holdout.index, name="frequency_cal")
    frame = pd.DataFrame({"actual": cal_holdout["frequency_holdout"], "model": predicted})
    table = frame.groupby(group).agg(customers=("actual", "size"), actual=("actual", "mean"), model=("model", "mean"))
    return table


def tracking_table(
    model,
    orders: pd.DataFrame,
    observation_end=None,
    period_days: int = 7,
    customer_col: str = "customer_id",
    ts_col: str = "order_ts",
    acquired_by=None,
) -> pd.DataFrame:
    """Cumulative repeat purchases of all customers, actual vs model, period by period.

    ``acquired_by`` (a day) keeps only the customers whose first purchase falls on or before it.

    Periods of ``period_days`` days run from the first order day. At the end of period j the
    model expects sum_c E[X(age_c)] repeat purchases, summed over the customers c who first
    bought before that moment, age_c being their age then (in the model's time unit) and E[X(t)]
    the BG/NBD expected repeat purchases of a new customer in t. Actual: repeat purchase days
    (same-day orders merged) up to the end of the period. Matches lifetimes'
    ``expected_cumulative_transactions(..., freq="D", freq_multiplier=period_days)``.

    Returns a DataFrame indexed by period number (1, 2, ...) with ``period_end`` (last day),
    ``actual`` and ``model`` (cumulative counts).

    Example
    -------
    >>> orders = cdnow_sample_orders()
    >>> fit = fit_bgnbd(customer_summary(orders, "1997-09-30"))
    >>> int(tracking_table(fit, orders, "1998-06-30")["actual"].iloc[-1])
    4339
    """
    bg = _continuous_fitter(model)
    if is_engine_table(orders):
        start, end_day, birth_days, birth_counts, repeat_days, repeat_counts = _engine_day_counts(
            orders, observation_end, acquired_by)
    else:
        ids, days, _ = order_arrays(orders, customer_col, ts_col, None)
        end_day = int(days.max()) if observation_end is None else day_number(observation_end)
        observed = days <= end_day
        _, cust_start, day, _ = daily_purchases(ids[observed], days[observed], None)
        n_days = np.diff(np.append(cust_start, len(day)))
        if acquired_by is not None:   # customers whose first purchase day is on or before it
            known = np.repeat(day[cust_start] <= day_number(acquired_by), n_days)
            day, cust_start = day[known], np.concatenate([[0], np.cumsum(n_days[known[cust_start]])[:-1]])
            if len(day) == 0:
                raise ValueError(f"no customer bought on or before {pd.Timestamp(acquired_by).date()}")
        start = int(day.min())
        is_first = np.zeros(len(day), dtype=bool)
        is_first[cust_start] = True
        repeat_days, repeat_counts = np.unique(day[~is_first], return_counts=True)
        birth_days, birth_counts = np.unique(day[is_first], return_counts=True)
    n_periods = (end_day - start + 1) // period_days
    if n_periods < 1:
        raise ValueError(f"fewer than {period_days} days between the first order and observation_end")
    boundaries = start + period_days * np.arange(1, n_periods + 1)  # first day after each period
    cumulative = np.concatenate([[0], np.cumsum(repeat_counts)])
    actual = cumulative[np.searchsorted(repeat_days, boundaries, side="left")].astype(float)
    unit_days = days_per_unit(model_time_unit(model))
    ages = (boundaries[:, None] - birth_days[None, :]) / unit_days
    positive = ages > 0
    expected = np.zeros_like(ages, dtype=float)
    expected[positive] = np.asarray(bg.expected_number_of_purchases_up_to_time(ages[positive]), dtype=float)
    predicted = expected @ birth_counts
    index = pd.Index(np.arange(1, n_periods + 1), name="period")
    period_end = pd.to_datetime(boundaries - 1, unit="D")
    return pd.DataFrame({"period_end": period_end, "actual": actual, "model": predicted}, index=index)


def _engine_day_counts(orders, observation_end, acquired_by=None):
    """First day, last day, and per-day counts of first and repeat purchases, from the engine's table."""
    from ecomkit import engine
    from ecomkit.engine.customers import order_span, purchase_day_counts

    end = observation_end if observation_end is not None else order_span(orders)["last_ts"]
    end = pd.Timestamp(end).normalize()
    counts = engine.to_pandas(purchase_day_counts(orders, end, acquired_by), index=None).sort_values("day")
    if counts.empty:
        raise ValueError(f"no customer bought on or before {pd.Timestamp(acquired_by).date()}")
    start = int(counts["day"].min())
    end_day = day_number(end)
    births = counts[counts["first_purchases"] > 0]
    repeats = counts[counts["repeat_purchases"] > 0]
    return (start, end_day, births["day"].to_numpy(), births["first_purchases"].to_numpy(),
            repeats["day"].to_numpy(), repeats["repeat_purchases"].to_numpy())


def p_alive_matrix(model, max_frequency: int | None = None, max_recency: float | None = None) -> pd.DataFrame:
    """P(alive) for a customer observed for ``max_recency`` time units, by frequency and recency.

    Rows: recency 0..max_recency (whole time units), columns: frequency 0..max_frequency.
    Defaults: the largest T in the fitted data (rounded down) and the largest frequency seen,
    capped at 40.
    """
    bg = _continuous_fitter(model)
    if (max_frequency is None or max_recency is None) and getattr(bg, "data", None) is None:
        raise ValueError("this model was not fitted to data: pass max_frequency and max_recency")
    if max_frequency is None:
        max_frequency = int(min(bg.data["frequency"].max(), 40))
    if max_recency is None:
        max_recency = float(np.floor(bg.data["T"].max()))
    recency = np.arange(0, int(np.floor(max_recency)) + 1, dtype=float)
    frequency = np.arange(0, int(max_frequency) + 1, dtype=float)
    F, R = np.meshgrid(frequency, recency)
    values = np.asarray(bg.conditional_probability_alive(F.ravel(), R.ravel(), float(max_recency)), dtype=float)
    values = values.reshape(F.shape)
    values[(F == 0) & (R > 0)] = np.nan  # impossible histories: no repeat purchase, positive recency
    return pd.DataFrame(values, index=pd.Index(recency, name="recency"), columns=pd.Index(frequency.astype(int), name="frequency"))
