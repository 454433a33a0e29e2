"""Customer lifetime value with BG/NBD and Gamma-Gamma (chapter 03).

This is the only ecomkit module that imports ``lifetimes`` (pinned at 0.11.3, unmaintained).
Everything else in the package talks to the models through the functions here.

Pipeline::

    orders --customer_summary--> summary --fit_bgnbd--------> BGNBDFit  --+
                                        \\--fit_gamma_gamma--> GammaGammaFit --+--> customer_lifetime_value

Conventions (the same as lifetimes', see docs/clv.md):

* time is measured in calendar days and converted to the time unit: ``"W"`` (weeks, the
  default, days / 7) or ``"D"`` (days). Orders on the same calendar day are one purchase.
* ``frequency`` = number of *repeat* purchase days, ``recency`` = age at the last purchase,
  ``T`` = age at the end of observation (both since the first purchase), ``monetary_value`` =
  mean value of the repeat purchases (CNY; 0 when there are none).
* all amounts are CNY; money-valued outputs (spend, CLV, acquisition cost) are CNY too.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

import lifetimes
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import ConvergenceError

__all__ = [
    "WEEKS_PER_YEAR",
    "customer_summary",
    "calibration_holdout",
    "first_purchase_value",
    "cdnow_sample_orders",
    "BGNBDFit",
    "GammaGammaFit",
    "fit_bgnbd",
    "bgnbd_from_params",
    "fit_gamma_gamma",
    "gamma_gamma_assumption",
    "expected_purchases",
    "probability_alive",
    "expected_spend",
    "customer_lifetime_value",
    "clv_deciles",
    "max_acquisition_cost",
    "holdout_errors",
    "frequency_fit_table",
    "calibration_holdout_table",
    "tracking_table",
    "p_alive_matrix",
    "plot_frequency_fit",
    "plot_calibration_holdout",
    "plot_tracking",
    "plot_p_alive_matrix",
    "plot_clv_deciles",
]

#: Average number of weeks in a year (365.25 days / 7); used to turn an annual discount rate
#: into a per-week factor.
WEEKS_PER_YEAR = 365.25 / 7

_DAYS_PER_UNIT = {"D": 1.0, "W": 7.0}
_UNIT_NAMES = {"D": "days", "W": "weeks"}
_PARAM_HINT = (
    "Try a small penalizer, e.g. penalizer=0.001, raising it towards 0.1 (it shrinks the parameters "
    "and stops them running off to infinity); check that recency and T are in weeks (rescaling time "
    "only rescales alpha); and check the data: with very few repeat buyers, or a window too short to "
    "show any drop-out, the data cannot pin the parameters down."
)


# --------------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------------


def _check_time_unit(time_unit: str) -> float:
    if time_unit not in _DAYS_PER_UNIT:
        raise ValueError(f"time_unit must be 'W' (weeks) or 'D' (days), got {time_unit!r}")
    return _DAYS_PER_UNIT[time_unit]


def _require_columns(frame: pd.DataFrame, columns, what: str = "orders") -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c is not None and c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} has no column {', '.join(map(repr, missing))}; "
            f"its columns are {list(frame.columns)} (pass customer_col=/ts_col=/value_col=)"
        )


def _day_numbers(ts: pd.Series, name: str) -> np.ndarray:
    """Calendar day of each timestamp as an integer (days since 1970-01-01, floored)."""
    if not pd.api.types.is_datetime64_any_dtype(ts):
        try:
            ts = pd.to_datetime(ts)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"column {name!r} is not a timestamp column: {exc}") from None
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_localize(None)  # keep the local wall-clock time
    values = ts.to_numpy(dtype="datetime64[ns]")
    bad = np.isnat(values)
    if bad.any():
        rows = list(ts.index[bad][:5])
        raise ValueError(f"column {name!r} has {int(bad.sum())} missing timestamps (rows {rows})")
    return values.astype("datetime64[D]").astype(np.int64)


def _day_number(value) -> int:
    """Calendar day (days since 1970-01-01) of a date-like value, time of day dropped."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return int(np.datetime64(ts.to_datetime64(), "D").astype(np.int64))


def _from_day_number(day: int) -> pd.Timestamp:
    return pd.Timestamp(np.datetime64(int(day), "D"))


_PACKED_KEY_LIMIT = 1 << 63  # (customer, day, row) keys below this fit one int64


def _daily_purchases(ids: np.ndarray, days: np.ndarray, values: np.ndarray | None):
    """Merge orders into purchase days, sorted by (customer, day).

    Returns ``(customer_ids, customer_start, day, value)``: for every purchase day its day number
    and summed value (or None), and for every customer (sorted) its id and the position of its
    first purchase day. One sort of a packed int64 key (customer, day, row) does the work.
    """
    n = len(days)
    d0 = int(days.min())
    span = int(days.max()) - d0 + 1
    day_off = days - d0
    integer_ids = np.issubdtype(ids.dtype, np.integer) and ids.dtype != np.uint64
    if integer_ids and (int(ids.max()) - int(ids.min()) + 1) * span < (1 << 62):
        id0 = int(ids.min())  # integer ids index the key directly: no hashing needed
        n_codes = int(ids.max()) - id0 + 1
        codes = ids.astype(np.int64) - id0
        uniques = None
    else:
        try:
            codes, uniques = pd.factorize(ids, sort=True)
        except TypeError:  # ids of mixed types cannot be sorted: keep first-seen order
            codes, uniques = pd.factorize(ids)
        codes = codes.astype(np.int64)
        n_codes = len(uniques)
        id0 = 0
    row_bits = max(1, int(n - 1).bit_length())
    if n_codes * span * (1 << row_bits) < _PACKED_KEY_LIMIT:
        packed = ((codes * span + day_off) << row_bits) | np.arange(n, dtype=np.int64)
        packed.sort()
        order = packed & ((1 << row_bits) - 1)
        key = packed >> row_bits
        del packed
    else:  # key too wide to pack the row number: fall back to a stable argsort
        key = codes * span + day_off
        order = np.argsort(key, kind="stable")
        key = key[order]
    new_day = np.empty(n, dtype=bool)
    new_day[0] = True
    np.not_equal(key[1:], key[:-1], out=new_day[1:])
    day_start = np.flatnonzero(new_day)
    day_key = key[day_start]
    value = np.add.reduceat(values[order], day_start) if values is not None else None
    cust = day_key // span
    day = day_key - cust * span + d0
    new_cust = np.empty(len(cust), dtype=bool)
    new_cust[0] = True
    np.not_equal(cust[1:], cust[:-1], out=new_cust[1:])
    cust_start = np.flatnonzero(new_cust)
    cust_codes = cust[cust_start]
    if uniques is None:
        customer_ids = (cust_codes + id0).astype(ids.dtype)
    else:
        customer_ids = np.asarray(uniques)[cust_codes]
    return customer_ids, cust_start, day, value


def _per_customer(cust_start, day, value, n_days_total):
    """First day, last day, number of purchase days and mean repeat value per customer."""
    n_days = np.diff(np.append(cust_start, n_days_total))
    first = day[cust_start]
    last = day[cust_start + n_days - 1]
    mean_repeat = None
    if value is not None:
        repeat = value.copy()
        repeat[cust_start] = 0.0  # the first purchase is not a repeat purchase
        repeat_sum = np.add.reduceat(repeat, cust_start)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_repeat = np.where(n_days > 1, repeat_sum / np.maximum(n_days - 1, 1), 0.0)
    return first, last, n_days, mean_repeat


def _prepare_orders(orders, customer_col, ts_col, value_col):
    _require_columns(orders, [customer_col, ts_col, value_col])
    ids = orders[customer_col].to_numpy()
    if pd.isna(orders[customer_col]).any():
        bad = orders.index[pd.isna(orders[customer_col]).to_numpy()][:5]
        raise ValueError(f"column {customer_col!r} has missing customer ids (rows {list(bad)})")
    days = _day_numbers(orders[ts_col], ts_col)
    values = None
    if value_col is not None:
        values = pd.to_numeric(orders[value_col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            rows = list(orders.index[bad][:5])
            raise ValueError(f"column {value_col!r} has {int(bad.sum())} missing or non-numeric amounts (rows {rows})")
    return ids, days, values


def _summary_from_arrays(ids, days, values, end_day, time_unit, customer_col):
    unit = _check_time_unit(time_unit)
    keep = days <= end_day
    columns = ["frequency", "recency", "T"] + (["monetary_value"] if values is not None else [])
    if not keep.any():
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns}).rename_axis(customer_col)
    if not keep.all():
        ids, days = ids[keep], days[keep]
        values = values[keep] if values is not None else None
    customer_ids, cust_start, day, value = _daily_purchases(ids, days, values)
    first, last, n_days, mean_repeat = _per_customer(cust_start, day, value, len(day))
    data = {
        "frequency": (n_days - 1).astype(float),
        "recency": (last - first) / unit,
        "T": (end_day - first) / unit,
    }
    if values is not None:
        data["monetary_value"] = mean_repeat
    return pd.DataFrame(data, index=pd.Index(customer_ids, name=customer_col))


def customer_summary(
    orders: pd.DataFrame,
    observation_end=None,
    time_unit: str = "W",
    customer_col: str = "customer_id",
    ts_col: str = "order_ts",
    value_col: str | None = "net_amount",
) -> pd.DataFrame:
    """Frequency / recency / T / monetary value per customer (lifetimes' conventions).

    Parameters
    ----------
    orders : DataFrame with one row per order: customer id, timestamp (naive local time) and
        amount (CNY). Filter cancelled orders first (ecomkit.io's rules do).
    observation_end : date-like, the last day observed (inclusive, the whole day counts; orders
        after it are ignored). Default: the day of the last order.
    time_unit : "W" for weeks (calendar days / 7) or "D" for days.
    value_col : amount column, or None for no ``monetary_value``.

    Returns
    -------
    DataFrame indexed by customer id (sorted), float columns ``frequency`` (repeat purchase
    days), ``recency`` and ``T`` (in ``time_unit``; recency <= T always) and ``monetary_value``
    (mean CNY value of the repeat purchase days, 0 without repeats). ``attrs`` records
    ``time_unit`` and ``observation_end``. Orders on the same calendar day are merged into one
    purchase whose value is their sum. Equal to ``lifetimes.utils.summary_data_from_transaction_data(
    ..., freq="D")`` with recency and T divided by 7 for weeks.

    Example
    -------
    >>> orders = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...     "order_ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-08 09:00", "2024-01-08 18:00", "2024-01-02 12:00"]),
    ...     "net_amount": [100.0, 30.0, 20.0, 80.0]})
    >>> customer_summary(orders, "2024-01-15").loc[1].tolist()  # the two orders of 8 Jan are one purchase
    [1.0, 1.0, 2.0, 50.0]
    """
    ids, days, values = _prepare_orders(orders, customer_col, ts_col, value_col)
    if observation_end is None:
        if len(days) == 0:
            raise ValueError("orders is empty: nothing to summarise")
        end_day = int(days.max())
    else:
        end_day = _day_number(observation_end)
    summary = _summary_from_arrays(ids, days, values, end_day, time_unit, customer_col)
    summary.attrs.update(time_unit=time_unit, observation_end=str(_from_day_number(end_day).date()))
    return summary


def calibration_holdout(
    orders: pd.DataFrame,
    calibration_end,
    observation_end=None,
    time_unit: str = "W",
    customer_col: str = "customer_id",
    ts_col: str = "order_ts",
    value_col: str | None = "net_amount",
    holdout_spend: str = "purchase",
) -> pd.DataFrame:
    """Calibration summary plus what each customer did in the holdout period.

    Parameters
    ----------
    calibration_end : date-like, last day (inclusive) of the calibration period.
    observation_end : date-like, last day (inclusive) of the holdout. Default: last order day.
    holdout_spend : "purchase" (default) makes ``monetary_value_holdout`` the mean value of the
        holdout purchase *days* (same-day orders summed, as for ``monetary_value_cal``);
        "order" makes it the mean of the individual holdout orders, as lifetimes does.

    Returns
    -------
    DataFrame indexed by the customers who bought in the calibration period, columns
    ``frequency_cal``, ``recency_cal``, ``T_cal``, ``monetary_value_cal``, ``frequency_holdout``
    (purchase days in the holdout), ``monetary_value_holdout`` (CNY, 0 without holdout
    purchases) and ``duration_holdout`` (holdout length in ``time_unit``). With
    ``holdout_spend="order"`` it equals ``lifetimes.utils.calibration_and_holdout_data(...,
    freq="D")`` (recency, T and duration / 7 for weeks) on data with dates only.

    Example
    -------
    >>> orders = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...     "order_ts": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-02-01", "2024-01-02"]),
    ...     "net_amount": [100.0, 30.0, 20.0, 80.0]})
    >>> calibration_holdout(orders, "2024-01-14", "2024-02-11").loc[1, ["frequency_cal", "frequency_holdout", "duration_holdout"]].tolist()
    [1.0, 1.0, 4.0]
    """
    if holdout_spend not in ("purchase", "order"):
        raise ValueError(f"holdout_spend must be 'purchase' or 'order', got {holdout_spend!r}")
    unit = _check_time_unit(time_unit)
    ids, days, values = _prepare_orders(orders, customer_col, ts_col, value_col)
    cal_day = _day_number(calibration_end)
    end_day = int(days.max()) if observation_end is None else _day_number(observation_end)
    if end_day <= cal_day:
        raise ValueError(
            f"observation_end ({_from_day_number(end_day).date()}) must be after "
            f"calibration_end ({_from_day_number(cal_day).date()})"
        )
    cal = _summary_from_arrays(ids, days, values, cal_day, time_unit, customer_col)
    if cal.empty:
        raise ValueError(f"no orders on or before calibration_end {_from_day_number(cal_day).date()}")
    cal.columns = [c + "_cal" for c in cal.columns]
    hold = (days > cal_day) & (days <= end_day)
    freq_h = pd.Series(0.0, index=cal.index)
    value_h = pd.Series(0.0, index=cal.index)
    if hold.any():
        h_ids, h_days = ids[hold], days[hold]
        h_values = values[hold] if values is not None else None
        customer_ids, cust_start, day, value = _daily_purchases(h_ids, h_days, h_values)
        n_days = np.diff(np.append(cust_start, len(day)))
        h_index = pd.Index(customer_ids)
        freq_h = pd.Series(n_days.astype(float), index=h_index).reindex(cal.index, fill_value=0.0)
        if values is not None:
            if holdout_spend == "purchase":
                mean_h = np.add.reduceat(value, cust_start) / n_days
            else:
                codes = pd.Index(customer_ids).get_indexer(h_ids)
                mean_h = np.bincount(codes, weights=h_values) / np.bincount(codes)
            value_h = pd.Series(mean_h, index=h_index).reindex(cal.index, fill_value=0.0)
    result = cal.assign(frequency_holdout=freq_h.to_numpy())
    if values is not None:
        result["monetary_value_holdout"] = value_h.to_numpy()
    result["duration_holdout"] = (end_day - cal_day) / unit
    result.attrs.update(
        time_unit=time_unit,
        calibration_end=str(_from_day_number(cal_day).date()),
        observation_end=str(_from_day_number(end_day).date()),
    )
    return result


def first_purchase_value(
    orders: pd.DataFrame,
    customer_col: str = "customer_id",
    ts_col: str = "order_ts",
    value_col: str = "net_amount",
) -> pd.Series:
    """Value of each customer's first purchase: the summed amount of her first order day (CNY).

    The first purchase is not in ``monetary_value`` (repeat purchases only); the acquisition value of
    a customer is its margin plus her CLV. Same-day orders are one purchase, as in the summary.

    Example
    -------
    >>> orders = pd.DataFrame({"customer_id": [1, 1, 1], "net_amount": [30.0, 20.0, 99.0],
    ...     "order_ts": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 20:00", "2024-02-01 10:00"])})
    >>> first_purchase_value(orders).tolist()
    [50.0]
    """
    ids, days, values = _prepare_orders(orders, customer_col, ts_col, value_col)
    if len(days) == 0:
        return pd.Series(dtype=float, name="first_purchase_value").rename_axis(customer_col)
    customer_ids, cust_start, _, value = _daily_purchases(ids, days, values)
    return pd.Series(value[cust_start], index=pd.Index(customer_ids, name=customer_col), name="first_purchase_value")


def cdnow_sample_orders() -> pd.DataFrame:
    """The CDNOW sample that lifetimes ships, as an orders frame.

    2,357 customers who first bought CDs at CDNOW in Q1 1997, followed to 1998-06-30
    (6,919 orders). Columns: ``customer_id`` (int64), ``order_ts`` (date, datetime64),
    ``items`` (CDs bought) and ``net_amount`` (USD in the original data). Used for the published
    benchmark of Fader, Hardie & Lee (2005).

    Example
    -------
    >>> cdnow_sample_orders()["customer_id"].nunique()
    2357
    """
    from ecomkit.io import read_table

    path = Path(lifetimes.__file__).parent / "datasets" / "CDNOW_sample.txt"
    columns = {"column_1": "customer_id", "column_3": "order_ts", "column_4": "items", "column_5": "net_amount"}
    orders, _ = read_table("orders", path, columns)
    orders = orders.assign(customer_id=orders["customer_id"].astype("int64"))  # "00004" in the file is customer 4
    orders = orders.sort_values(["customer_id", "order_ts"], kind="mergesort").reset_index(drop=True)
    return orders[["customer_id", "order_ts", "items", "net_amount"]]


# --------------------------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------------------------


def _columns(summary: pd.DataFrame, names) -> list[np.ndarray]:
    """Float arrays of the named columns of a summary (or of their ``_cal`` versions)."""
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(f"summary must be a DataFrame, got {type(summary).__name__}")
    out = []
    for name in names:
        if name in summary.columns:
            out.append(summary[name].to_numpy(dtype=float))
        elif name + "_cal" in summary.columns:
            out.append(summary[name + "_cal"].to_numpy(dtype=float))
        else:
            raise ValueError(
                f"summary has no column {name!r} (nor {name + '_cal'!r}); "
                f"make it with customer_summary() or calibration_holdout()"
            )
    return out


def _summary_arrays(summary: pd.DataFrame) -> list[np.ndarray]:
    """(frequency, recency, T) from a summary or calibration frame."""
    return _columns(summary, ["frequency", "recency", "T"])


def _check_summary_values(x, rec, T):
    if len(x) == 0:
        raise ValueError("the summary is empty: no customers to fit")
    for name, v in (("frequency", x), ("recency", rec), ("T", T)):
        if not np.all(np.isfinite(v)):
            raise ValueError(f"summary column {name!r} has missing or infinite values")
    if np.any(x != np.round(x)) or np.any(x < 0):
        raise ValueError("summary column 'frequency' must hold non-negative whole numbers")
    if np.any(rec < 0) or np.any(rec > T):
        raise ValueError("summary needs 0 <= recency <= T for every customer")
    if np.any(rec[x == 0] != 0):
        raise ValueError("summary has customers with frequency 0 but recency > 0")
    if T.max() <= 0:
        raise ValueError("summary has T = 0 for every customer: observe for at least one day")


def _estimates_table(params: pd.Series, se: pd.Series) -> pd.DataFrame:
    """Estimates with standard errors and normal 95% intervals, one row per parameter."""
    return pd.DataFrame({"estimate": params, "std_error": se, "lower_95": params - 1.96 * se, "upper_95": params + 1.96 * se})


@dataclass
class _Rows:
    """Unique (frequency, recency, T) rows with their customer counts as weights."""

    x: np.ndarray  # int64 frequency
    rec: np.ndarray  # recency per row
    T: np.ndarray  # T per row
    w: np.ndarray  # number of customers per row (float)
    rec_code: np.ndarray  # index into rec_values
    T_code: np.ndarray  # index into T_values
    rec_values: np.ndarray
    T_values: np.ndarray


def _unique_rows(x, rec, T, weights=None) -> _Rows:
    x = np.asarray(x).astype(np.int64)
    rec_code, rec_values = pd.factorize(np.asarray(rec, dtype=float))
    T_code, T_values = pd.factorize(np.asarray(T, dtype=float))
    rec_values, T_values = np.asarray(rec_values, dtype=float), np.asarray(T_values, dtype=float)
    n_rec, n_T = len(rec_values), len(T_values)
    key = (x * n_rec + rec_code) * n_T + T_code
    if weights is None:
        key.sort()
        start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        uniq = key[start]
        w = np.diff(np.append(start, len(key))).astype(float)
    else:
        uniq, inverse = np.unique(key, return_inverse=True)
        w = np.bincount(inverse, weights=np.asarray(weights, dtype=float), minlength=len(uniq))
    T_code_u = uniq % n_T
    rest = uniq // n_T
    rec_code_u = rest % n_rec
    x_u = rest // n_rec
    return _Rows(x_u, rec_values[rec_code_u], T_values[T_code_u], w, rec_code_u, T_code_u, rec_values, T_values)


def _dot(u, v) -> float:
    """Inner product of two vectors without BLAS (threaded BLAS stalls on a busy 2-core machine)."""
    return float(np.einsum("i,i->", u, v))


class _BGNBDLikelihood:
    """The BG/NBD log-likelihood of lifetimes' BetaGeoFitter, grouped so it is cheap.

    Same objective as lifetimes (mean negative log-likelihood over customers in the log
    parameters, time scaled by 1 / max(T), penalty ``penalizer * sum(params**2)`` on the scaled
    parameters), with an exact gradient and Hessian. Terms that depend on the frequency alone are
    computed once per distinct frequency and terms in ``log(alpha + T)`` once per distinct T, so
    only a softplus per repeat-buyer row is left.
    """

    def __init__(self, rows: _Rows, scale: float):
        self.scale = scale
        self.W = rows.w.sum()
        self.nx = np.bincount(rows.x, weights=rows.w)
        self.xs = np.arange(len(self.nx), dtype=float)
        self.T_s = rows.T_values * scale
        self.S0 = np.bincount(rows.T_code, weights=rows.w, minlength=len(self.T_s))
        self.S1 = np.bincount(rows.T_code, weights=rows.w * rows.x, minlength=len(self.T_s))
        rep = rows.x > 0
        self.rec_s = rows.rec_values * scale
        self.r_x = rows.x[rep].astype(float)
        self.r_xi = rows.x[rep] - 1
        self.r_w = rows.w[rep]
        self.r_T = rows.T_code[rep]
        self.r_rec = rows.rec_code[rep]

    def __call__(self, theta, penalizer=0.0, hessian=True):
        r, al, a, b = params = np.exp(theta)
        xs, nx, W = self.xs, self.nx, self.W
        g = np.zeros(4)
        H = np.zeros((4, 4))
        # terms in the frequency alone: lnG(r+x) - lnG(r) + lnB(a, b+x) - lnB(a, b)
        ll = _dot(nx, (
            special.gammaln(r + xs) - special.gammaln(r) + special.gammaln(a + b) + special.gammaln(b + xs)
            - special.gammaln(b) - special.gammaln(a + b + xs)
        ))
        d_ab = special.digamma(a + b) - special.digamma(a + b + xs)
        g[0] += _dot(nx, (special.digamma(r + xs) - special.digamma(r)))
        g[2] += _dot(nx, d_ab)
        g[3] += _dot(nx, (d_ab + special.digamma(b + xs) - special.digamma(b)))
        if hessian:
            t_ab = special.polygamma(1, a + b) - special.polygamma(1, a + b + xs)
            H[0, 0] += _dot(nx, (special.polygamma(1, r + xs) - special.polygamma(1, r)))
            H[2, 2] += _dot(nx, t_ab)
            H[2, 3] += _dot(nx, t_ab)
            H[3, 3] += _dot(nx, (t_ab + special.polygamma(1, b + xs) - special.polygamma(1, b)))
        # r log(alpha) for every customer
        log_al = math.log(al)
        ll += W * r * log_al
        g[0] += W * log_al
        g[1] += W * r / al
        if hessian:
            H[0, 1] += W / al
            H[1, 1] -= W * r / al**2
        # -(r + x) log(alpha + T), grouped by T
        LT = np.log(al + self.T_s)
        IT = 1.0 / (al + self.T_s)
        rS = r * self.S0 + self.S1
        ll -= _dot(rS, LT)
        g[0] -= _dot(self.S0, LT)
        g[1] -= _dot(rS, IT)
        if hessian:
            H[0, 1] -= _dot(self.S0, IT)
            H[1, 1] += _dot(rS, (IT * IT))
        # repeat buyers: softplus(D), D = log(a / (b + x - 1)) + (r + x)(log(alpha+T) - log(alpha+t_x))
        Lt = np.log(al + self.rec_s)
        It = 1.0 / (al + self.rec_s)
        delta = LT[self.r_T] - Lt[self.r_rec]
        IT_row = IT[self.r_T]
        It_row = It[self.r_rec]
        gdiff = IT_row - It_row
        inv_b = 1.0 / (b + xs[1:] - 1.0)
        ib = inv_b[self.r_xi]
        rx = r + self.r_x
        D = np.log(a * inv_b)[self.r_xi] + rx * delta
        w = self.r_w
        ll += _dot(w, np.logaddexp(0.0, D))
        s = special.expit(D)
        ws = w * s
        rxg = rx * gdiff
        ws_sum = ws.sum()
        g[0] += _dot(ws, delta)
        g[1] += _dot(ws, rxg)
        g[2] += ws_sum / a
        g[3] -= _dot(ws, ib)
        value = -ll / W + penalizer * np.sum(params**2)
        grad = -g * params / W + 2.0 * penalizer * params**2
        if not hessian:
            return value, grad
        sp = ws * (1.0 - s)
        spx = np.bincount(self.r_xi, weights=sp, minlength=len(inv_b))  # per frequency
        # outer products of dD/dparams, weighted by softplus''
        H[0, 0] += _dot(sp, (delta * delta))
        H[0, 1] += _dot(sp, (delta * rxg)) + _dot(ws, gdiff)
        H[0, 2] += (_dot(sp, delta)) / a
        H[0, 3] -= _dot(sp, (delta * ib))
        H[1, 1] += _dot(sp, (rxg * rxg)) + _dot(ws * rx, gdiff * (-(IT_row + It_row)))
        H[1, 2] += (_dot(sp, rxg)) / a
        H[1, 3] -= _dot(sp, (rxg * ib))
        H[2, 2] += sp.sum() / a**2 - ws_sum / a**2
        H[2, 3] -= (_dot(spx, inv_b)) / a
        H[3, 3] += _dot(spx, (inv_b * inv_b)) + _dot(np.bincount(self.r_xi, weights=ws, minlength=len(inv_b)), inv_b * inv_b)
        H = np.triu(H) + np.triu(H, 1).T
        hess = -(H * np.outer(params, params) + np.diag(g * params)) / W + np.diag(4.0 * penalizer * params**2)
        return value, grad, hess


def _newton(lik, theta, penalizer, gtol=1e-10, max_iter=100):
    """Damped Newton on the log parameters. Returns (theta, value, hessian, converged, message)."""
    f, g, H = lik(theta, penalizer)
    if not np.isfinite(f):
        return theta, f, H, False, "the log-likelihood is not finite at the starting point"
    for _ in range(max_iter):
        if np.max(np.abs(g)) < gtol:
            return theta, f, H, True, "converged"
        eigval, eigvec = np.linalg.eigh(H)
        if np.all(np.isfinite(eigval)) and eigval.min() > 1e-12 * max(1.0, eigval.max()):
            step = -eigvec @ ((eigvec.T @ g) / eigval)
        else:  # not positive definite: Newton on |eigenvalues| (a saddle-free step)
            safe = np.maximum(np.abs(eigval), 1e-8 * max(1.0, np.abs(eigval).max()))
            step = -eigvec @ ((eigvec.T @ g) / safe)
        longest = np.max(np.abs(step))
        if longest > 3.0:  # at most a factor e**3 per parameter per step
            step *= 3.0 / longest
        t = 1.0
        while t > 1e-10:
            cand = theta + t * step
            f2, g2, H2 = lik(cand, penalizer)
            if np.isfinite(f2) and (
                f2 <= f + 1e-4 * t * (g @ step)
                or (f2 - f <= 1e-13 * abs(f) and np.max(np.abs(g2)) < np.max(np.abs(g)))
            ):
                break
            t *= 0.5
        else:
            converged = np.max(np.abs(g)) < 1e-7  # lifetimes' own tolerance
            return theta, f, H, converged, "the line search could not improve the likelihood"
        if np.max(np.abs(cand - theta)) < 1e-14:
            return cand, f2, H2, np.max(np.abs(g2)) < 1e-7, "the parameters stopped moving"
        theta, f, g, H = cand, f2, g2, H2
    return theta, f, H, False, f"no convergence after {max_iter} Newton steps"


@dataclass(repr=False)
class BGNBDFit:
    """A fitted BG/NBD model (sklearn-style attributes end in an underscore).

    ``params_`` holds r, alpha (in ``time_unit_``), a, b; ``model_`` is the fitted
    ``lifetimes.BetaGeoFitter`` (its ``data`` holds the unique rows and their ``weights``).
    """

    params_: pd.Series
    standard_errors_: pd.Series
    n_customers_: int
    n_rows_: int
    converged_: bool
    penalizer: float
    time_unit_: str
    method_: str
    neg_log_likelihood_: float
    model_: BetaGeoFitter | None
    message_: str = ""

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% intervals."""
        return _estimates_table(self.params_, self.standard_errors_)

    def __repr__(self) -> str:
        p = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        state = "" if self.converged_ else ", NOT CONVERGED"
        return f"BGNBDFit({p}; {self.n_customers_:,} customers, time unit {self.time_unit_}{state})"


def _bgnbd_model_from_estimate(rows: _Rows, scale, theta, value, hessian, penalizer) -> BetaGeoFitter:
    """A lifetimes BetaGeoFitter carrying our estimate, set up as its own ``fit`` would."""
    model = BetaGeoFitter(penalizer_coef=penalizer)
    model._scale = scale
    params = np.exp(theta)
    model.params_ = pd.Series(params, index=["r", "alpha", "a", "b"])
    model.params_["alpha"] /= scale
    model._negative_log_likelihood_ = value
    model._hessian_ = hessian
    model.data = pd.DataFrame({"frequency": rows.x, "recency": rows.rec, "T": rows.T, "weights": rows.w})
    model.predict = model.conditional_expected_number_of_purchases_up_to_time
    with np.errstate(invalid="ignore"):
        try:
            model.variance_matrix_ = model._compute_variance_matrix()
        except np.linalg.LinAlgError:
            model.variance_matrix_ = pd.DataFrame(np.nan, index=model.params_.index, columns=model.params_.index)
        model.standard_errors_ = model._compute_standard_errors()
        model.confidence_intervals_ = model._compute_confidence_intervals()
    return model


def fit_bgnbd(summary: pd.DataFrame, penalizer: float = 0.0, method: str = "auto") -> BGNBDFit:
    """Fit the BG/NBD purchase model (Fader, Hardie & Lee 2005) to a customer summary.

    The likelihood depends on a customer only through (frequency, recency, T), so the summary is
    collapsed to its unique rows with the number of customers as ``weights``; the estimate is the
    same as fitting every customer.

    Parameters
    ----------
    summary : from ``customer_summary`` (or ``calibration_holdout``: the ``_cal`` columns).
    penalizer : lifetimes' L2 penalty on the parameters (0 = plain maximum likelihood).
    method : "lifetimes" runs ``lifetimes.BetaGeoFitter.fit`` on the weighted unique rows;
        "newton" maximises the same objective with exact derivatives (fast on large data, where
        most rows are unique and lifetimes' autograd Hessian alone takes seconds) and puts the
        estimate into a ``BetaGeoFitter``; "auto" uses "lifetimes" up to 20,000 unique rows.

    Returns
    -------
    BGNBDFit with ``params_`` (r, alpha in the summary's time unit, a, b), ``standard_errors_``,
    ``n_customers_``, ``converged_`` and ``model_``. Warns (UserWarning) when the fit does not
    converge, saying what to try.

    Example
    -------
    >>> fit = fit_bgnbd(customer_summary(cdnow_sample_orders(), "1997-09-30"))
    >>> fit.params_.round(3).tolist()
    [0.243, 4.414, 0.793, 2.426]
    """
    if method not in ("auto", "lifetimes", "newton"):
        raise ValueError(f"method must be 'auto', 'lifetimes' or 'newton', got {method!r}")
    if penalizer < 0:
        raise ValueError("penalizer must be >= 0")
    x, rec, T = _summary_arrays(summary)
    _check_summary_values(x, rec, T)
    time_unit = summary.attrs.get("time_unit", "W")
    rows = _unique_rows(x, rec, T)
    requested = method
    if method == "auto":
        method = "lifetimes" if len(rows.x) <= 20_000 else "newton"
    names = ["r", "alpha", "a", "b"]
    model, message = None, ""
    if method == "lifetimes":
        model = BetaGeoFitter(penalizer_coef=penalizer)
        try:
            with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
                model.fit(rows.x, rows.rec, rows.T, weights=rows.w.astype(np.int64))
            converged, message = True, "converged"
            nll = float(model._negative_log_likelihood_)
        except ConvergenceError:
            model, converged, message = None, False, "lifetimes' optimiser stopped without converging"
            if requested == "auto":  # lifetimes' BFGS often stops on precision loss at the optimum
                method = "newton"
    if method == "newton":
        scale = 1.0 / T.max()
        lik = _BGNBDLikelihood(rows, scale)
        theta0 = np.full(4, 0.1)  # lifetimes' starting point
        if len(x) > 200_000:  # warm start from a systematic sample of the customers
            step = len(x) // 50_000
            sample = _unique_rows(x[::step], rec[::step], T[::step])
            with np.errstate(all="ignore"):
                theta0, *_ = _newton(_BGNBDLikelihood(sample, scale), theta0, penalizer, gtol=1e-6)
        with np.errstate(all="ignore"):
            theta, nll, H, converged, newton_message = _newton(lik, theta0, penalizer)
        message = f"{message}; exact Newton: {newton_message}" if message else newton_message
        model = _bgnbd_model_from_estimate(rows, scale, theta, nll, H, penalizer)
        nll = float(nll)
    if model is not None:
        params = model.params_.copy()
        se = model.standard_errors_.copy()
    else:
        params = pd.Series(np.nan, index=names)
        se = params.copy()
        nll = float("nan")
    fit = BGNBDFit(
        params_=params, standard_errors_=se, n_customers_=int(len(x)), n_rows_=int(len(rows.x)),
        converged_=bool(converged), penalizer=float(penalizer), time_unit_=time_unit, method_=method,
        neg_log_likelihood_=nll, model_=model, message_=message,
    )
    if not converged:
        warnings.warn(f"The BG/NBD fit did not converge ({message}). {_PARAM_HINT}", UserWarning, stacklevel=2)
    elif not np.all(np.isfinite(se.to_numpy())) or np.any((params < 1e-5) | (params > 1e5)):
        shown = ", ".join(f"{k}={v:.3g}" for k, v in params.items())
        warnings.warn(
            f"The BG/NBD fit converged to the edge of the parameter space ({shown}; standard errors "
            f"{', '.join(f'{v:.3g}' for v in se)}): the data do not identify some parameters. {_PARAM_HINT}",
            UserWarning,
            stacklevel=2,
        )
    return fit


def bgnbd_from_params(params, time_unit: str = "W") -> BGNBDFit:
    """A BG/NBD model with given parameters (no fitting): for what-if questions and truth checks.

    Parameters
    ----------
    params : mapping with r, alpha (in ``time_unit``), a, b.
    time_unit : "W" or "D", the unit alpha is expressed in.

    Returns a :class:`BGNBDFit` whose predictions (``expected_purchases``, ``probability_alive``,
    ``customer_lifetime_value``) use these parameters; ``standard_errors_`` are NaN,
    ``n_customers_`` is 0 and ``method_`` is "given".

    Example
    -------
    >>> model = bgnbd_from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> s = customer_summary(cdnow_sample_orders(), "1997-09-30")
    >>> round(float(probability_alive(model, s).loc[4]), 3)
    0.727
    """
    _check_time_unit(time_unit)
    names = ["r", "alpha", "a", "b"]
    values = pd.Series({name: float(params[name]) for name in names})
    if not (np.all(np.isfinite(values)) and np.all(values > 0)):
        raise ValueError(f"BG/NBD parameters must be positive numbers, got {values.to_dict()}")
    model = BetaGeoFitter()
    model.params_ = values.copy()
    model.predict = model.conditional_expected_number_of_purchases_up_to_time
    se = pd.Series(np.nan, index=names)
    return BGNBDFit(
        params_=values, standard_errors_=se, n_customers_=0, n_rows_=0, converged_=True, penalizer=0.0,
        time_unit_=time_unit, method_="given", neg_log_likelihood_=float("nan"), model_=model, message_="parameters given",
    )


@dataclass(repr=False)
class GammaGammaFit:
    """A fitted Gamma-Gamma spend model; ``params_`` holds p, q and gamma (CNY).

    ``model_`` is the fitted ``lifetimes.GammaGammaFitter`` with its scale parameter ``v`` put back
    in CNY (``v = gamma``), so its predictions are in CNY.
    """

    params_: pd.Series
    standard_errors_: pd.Series
    n_customers_: int
    scale_: float
    converged_: bool
    penalizer: float
    model_: GammaGammaFitter | None
    message_: str = ""

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% intervals."""
        return _estimates_table(self.params_, self.standard_errors_)

    @property
    def mean_spend_(self) -> float:
        """Population mean spend per purchase, p * gamma / (q - 1) (CNY; inf when q <= 1)."""
        p, q, g = self.params_[["p", "q", "gamma"]]
        return float(p * g / (q - 1)) if q > 1 else float("inf")

    def __repr__(self) -> str:
        p = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        state = "" if self.converged_ else ", NOT CONVERGED"
        return f"GammaGammaFit({p}; {self.n_customers_:,} repeat buyers, spend scaled by {self.scale_:.4g}{state})"


def fit_gamma_gamma(summary: pd.DataFrame, penalizer: float = 0.0, scale="auto") -> GammaGammaFit:
    """Fit the Gamma-Gamma model of spend per purchase to the repeat buyers of a summary.

    Repeat buyers are customers with frequency > 0 and monetary_value > 0. lifetimes'
    GammaGammaFitter starts its search at gamma ~ 1.1, so on hundreds of thousands of customers
    spending hundreds of CNY it can stop with "precision loss" (ConvergenceError). Dividing the
    spend by a constant c changes only gamma (the model's scale parameter, in CNY) by the same
    factor and leaves p and q unchanged, so the fit is done on spend / c and gamma is reported
    as gamma_scaled * c.

    Parameters
    ----------
    penalizer : lifetimes' L2 penalty (acts on the scaled problem when scale != 1).
    scale : "auto" (c = median monetary value of the repeat buyers; if lifetimes' optimiser
        stops on precision loss, the mean, then the geometric mean, then the median with
        lifetimes' tolerance loosened from 1e-7 to 1e-6), a positive number, or None (c = 1,
        lifetimes' plain fit).

    Returns
    -------
    GammaGammaFit with ``params_`` (p, q, gamma in CNY), ``standard_errors_``, ``n_customers_``,
    ``scale_`` (c), ``converged_`` and ``model_``. Warns (UserWarning) when the fit does not
    converge, saying what to try.

    Example
    -------
    >>> gg = fit_gamma_gamma(customer_summary(cdnow_sample_orders(), "1997-09-30"))
    >>> gg.params_.round(2).tolist()
    [6.25, 3.74, 15.44]
    """
    x, m = _columns(summary, ["frequency", "monetary_value"])
    repeat = (x > 0) & (m > 0)
    if not repeat.any():
        raise ValueError("no repeat buyers (frequency > 0 and monetary_value > 0): cannot fit Gamma-Gamma")
    x, m = x[repeat], m[repeat]
    if scale == "auto":
        # the median first; if lifetimes' optimiser stops on precision loss (it is then usually
        # at the optimum already, with a gradient just above its 1e-7 tolerance), other scales
        candidates = [float(np.median(m)), float(np.mean(m)), float(np.exp(np.mean(np.log(m))))]
    elif scale is None:
        candidates = [1.0]
    else:
        candidates = [float(scale)]
        if not candidates[0] > 0:
            raise ValueError(f"scale must be 'auto', None or a positive number, got {scale!r}")
    attempts = [(c, 1e-7) for c in candidates] + [(candidates[0], 1e-6)]
    model, converged, message, c = None, False, "", candidates[0]
    for c, tol in attempts:
        candidate = GammaGammaFitter(penalizer_coef=penalizer)
        try:
            with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
                candidate.fit(x, m / c, tol=tol)
        except ConvergenceError:
            continue
        model, converged = candidate, True
        message = "converged" if tol == 1e-7 else "converged with lifetimes' tolerance loosened to 1e-6"
        break
    else:
        c = candidates[0]
        message = f"lifetimes' optimiser stopped without converging (precision loss) at every scale tried: {candidates}"
    names = ["p", "q", "gamma"]
    if model is not None:
        model.params_["v"] *= c
        model.data["monetary_value"] = m
        model.variance_matrix_ = model._compute_variance_matrix()
        model.standard_errors_ = model._compute_standard_errors()
        model.confidence_intervals_ = model._compute_confidence_intervals()
        params = pd.Series(model.params_.to_numpy(), index=names)
        se = pd.Series(model.standard_errors_.to_numpy(), index=names)
    else:
        params = pd.Series(np.nan, index=names)
        se = params.copy()
    fit = GammaGammaFit(params, se, int(repeat.sum()), c, converged, float(penalizer), model, message)
    if not converged:
        hint = "Use scale='auto' (spend divided by its median)" if c == 1.0 else "Try another scale"
        warnings.warn(
            f"The Gamma-Gamma fit did not converge ({message}). {hint}, or a small penalizer "
            "(0.001 up to 0.1); and check for extreme spend values.",
            UserWarning,
            stacklevel=2,
        )
    return fit


@dataclass
class GammaGammaCheck:
    """Result of :func:`gamma_gamma_assumption`."""

    correlation: float
    n_repeat_buyers: int
    verdict: str = field(default="")

    def __str__(self) -> str:
        return f"correlation {self.correlation:.3f} over {self.n_repeat_buyers:,} repeat buyers: {self.verdict}"


def gamma_gamma_assumption(summary: pd.DataFrame) -> GammaGammaCheck:
    """Check the Gamma-Gamma independence assumption among repeat buyers.

    The model assumes that how much a customer spends per purchase does not depend on how
    often they buy. Returns the Pearson correlation of frequency and monetary value over the
    repeat buyers with a plain-words verdict: |r| < 0.1 negligible, < 0.3 weak (usable, say so),
    otherwise the assumption is doubtful.

    Example
    -------
    >>> round(gamma_gamma_assumption(customer_summary(cdnow_sample_orders(), "1997-09-30")).correlation, 2)
    0.11
    """
    x, m = _columns(summary, ["frequency", "monetary_value"])
    repeat = (x > 0) & (m > 0)
    n = int(repeat.sum())
    if n < 3 or np.std(x[repeat]) == 0 or np.std(m[repeat]) == 0:
        return GammaGammaCheck(float("nan"), n, "too few repeat buyers (or no variation) to check the assumption")
    corr = float(np.corrcoef(x[repeat], m[repeat])[0, 1])
    size = abs(corr)
    direction = "higher" if corr > 0 else "lower"
    if size < 0.1:
        verdict = "negligible: spend per purchase does not depend on purchase frequency; the Gamma-Gamma assumption holds"
    elif size < 0.3:
        verdict = (
            f"weak: frequent buyers spend slightly {direction} amounts per purchase; the Gamma-Gamma model is "
            "usable, but mention the correlation"
        )
    else:
        verdict = (
            f"strong: frequent buyers spend clearly {direction} amounts per purchase; the Gamma-Gamma independence "
            "assumption is doubtful, so treat its spend predictions with caution"
        )
    return GammaGammaCheck(corr, n, verdict)


# --------------------------------------------------------------------------------------------
# Predictions
# --------------------------------------------------------------------------------------------


def _bgnbd_model(model) -> BetaGeoFitter:
    if isinstance(model, BGNBDFit):
        if model.model_ is None:
            raise ValueError("this BG/NBD fit did not converge, so it cannot predict; refit with a penalizer")
        return model.model_
    if isinstance(model, BetaGeoFitter):
        return model
    raise TypeError(f"expected a BGNBDFit (from fit_bgnbd), got {type(model).__name__}")


def _gg_model(model) -> GammaGammaFitter:
    if isinstance(model, GammaGammaFit):
        if model.model_ is None:
            raise ValueError("this Gamma-Gamma fit did not converge, so it cannot predict; refit with scale='auto'")
        return model.model_
    if isinstance(model, GammaGammaFitter):
        return model
    raise TypeError(f"expected a GammaGammaFit (from fit_gamma_gamma), got {type(model).__name__}")


def _index(summary: pd.DataFrame) -> pd.Index:
    return summary.index


class _ConditionalPurchases:
    """E[repeat purchases in (T, T+t] | x, t_x, T] for many customers and horizons, fast.

    lifetimes' formula is numerator(x, T, t) / denominator(x, t_x, T) and the denominator is
    1 / P(alive). So E(t | x, t_x, T) = P(alive | x, t_x, T) * E(t | x, T, T) / P(alive | x, T, T):
    the hypergeometric part is evaluated once per distinct (x, T), not once per customer.
    """

    def __init__(self, model: BetaGeoFitter, x, rec, T):
        self.model = model
        T_code, T_values = pd.factorize(T)
        x_int = x.astype(np.int64)
        key = x_int * len(T_values) + T_code
        self.inverse, pairs = pd.factorize(key)
        pairs = np.asarray(pairs)
        self.px = (pairs // len(T_values)).astype(float)
        self.pT = np.asarray(T_values, dtype=float)[pairs % len(T_values)]
        self.p_alive = np.asarray(model.conditional_probability_alive(x, rec, T), dtype=float)
        self.p_alive_pair = np.asarray(model.conditional_probability_alive(self.px, self.pT, self.pT), dtype=float)

    def per_pair(self, t: float) -> np.ndarray:
        with np.errstate(invalid="ignore"):  # lifetimes' NaN case is handled below
            e = self.model.conditional_expected_number_of_purchases_up_to_time(t, self.px, self.pT, self.pT)
        e = np.asarray(e, dtype=float) / self.p_alive_pair
        lost = ~np.isfinite(e)
        if lost.any():  # lifetimes takes the log of a hypergeometric term that can be negative
            e[lost] = _numerator_without_logs(self.model, t, self.px[lost], self.pT[lost])
        return e

    def per_customer(self, pair_values: np.ndarray) -> np.ndarray:
        return self.p_alive * pair_values[self.inverse]


def _numerator_without_logs(model: BetaGeoFitter, t: float, x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """E[repeat purchases in (T, T+t] | x, T, alive at T]: lifetimes' numerator, sign-safe.

    lifetimes 0.11.3 computes ``log(hyp2f1(r+x, b+x, a+b+x-1, z))``. When a + b < 1 the third argument
    is negative for x = 0 and the hypergeometric value can be negative, so lifetimes returns NaN for
    every customer without repeat purchases. The same formula without the logarithm:
    (a+b+x-1)/(a-1) * [1 - 2F1(r+x, b+x; a+b+x-1; z) * ((alpha+T)/(alpha+T+t))**(r+x)], z = t/(alpha+T+t),
    with Euler's transformation 2F1(A, B; C; z) = (1-z)**(C-A-B) 2F1(C-A, C-B; C; z) where 2F1 overflows.
    """
    r, alpha, a, b = (float(model.params_[k]) for k in ("r", "alpha", "a", "b"))
    A, B, C = r + x, b + x, a + b + x - 1
    z = t / (alpha + T + t)
    log_ratio = A * np.log((alpha + T) / (alpha + T + t))
    with np.errstate(all="ignore"):
        hyp = special.hyp2f1(A, B, C, z)
        term = hyp * np.exp(log_ratio)
        overflow = ~np.isfinite(term)
        if overflow.any():
            alt = special.hyp2f1(C - A, C - B, C, z)
            log_term = np.log(np.abs(alt)) + (C - A - B) * np.log1p(-z) + log_ratio
            term = np.where(overflow, np.sign(alt) * np.exp(log_term), term)
    return (a + b + x - 1) / (a - 1) * (1.0 - term)


def expected_purchases(model, summary: pd.DataFrame, horizon: float) -> pd.Series:
    """Expected number of repeat purchases per customer in the next ``horizon`` time units.

    ``horizon`` is in the model's time unit (weeks by default). Equal to lifetimes'
    ``conditional_expected_number_of_purchases_up_to_time(horizon, frequency, recency, T)`` wherever
    that is finite. When a + b < 1, lifetimes 0.11.3 returns NaN for every customer without repeat
    purchases (it takes the logarithm of a negative hypergeometric value); this function evaluates the
    same formula without the logarithm there (docs/clv.md).

    Example
    -------
    >>> s = customer_summary(cdnow_sample_orders(), "1997-09-30")
    >>> round(expected_purchases(fit_bgnbd(s), s, 39).sum())  # next 39 weeks, all customers
    1653
    """
    bg = _bgnbd_model(model)
    x, rec, T = _summary_arrays(summary)
    if not np.isfinite(horizon) or horizon < 0:
        raise ValueError("horizon must be a non-negative number of time units")
    cond = _ConditionalPurchases(bg, x, rec, T)
    values = cond.per_customer(cond.per_pair(float(horizon)))
    return pd.Series(values, index=_index(summary), name=f"expected_purchases_{horizon:g}")


def probability_alive(model, summary: pd.DataFrame) -> pd.Series:
    """P(the customer has not dropped out) at the end of observation, per customer (0..1).

    Example
    -------
    >>> s = customer_summary(cdnow_sample_orders(), "1997-09-30")
    >>> round(float(probability_alive(fit_bgnbd(s), s).loc[4]), 3)
    0.727
    """
    bg = _bgnbd_model(model)
    x, rec, T = _summary_arrays(summary)
    return pd.Series(np.asarray(bg.conditional_probability_alive(x, rec, T), dtype=float), index=_index(summary), name="p_alive")


def expected_spend(gg_model, summary: pd.DataFrame) -> pd.Series:
    """Expected spend per future purchase (CNY) per customer, from the Gamma-Gamma model.

    A weighted average of the customer's own mean repeat spend and the population mean
    p * gamma / (q - 1), the weight on the own mean growing with the number of repeat purchases.
    Customers without repeat purchases get the population mean.

    Example
    -------
    >>> s = customer_summary(cdnow_sample_orders(), "1997-09-30")
    >>> round(float(expected_spend(fit_gamma_gamma(s), s).max()), 1)
    294.2
    """
    gg = _gg_model(gg_model)
    x, m = _columns(summary, ["frequency", "monetary_value"])
    m = np.where(x > 0, m, 0.0)
    values = np.asarray(gg.conditional_expected_average_profit(x, m), dtype=float)
    return pd.Series(values, index=_index(summary), name="expected_spend")


def _time_unit_of(model, summary) -> str:
    if isinstance(model, BGNBDFit):
        return model.time_unit_
    return summary.attrs.get("time_unit", "W")


def customer_lifetime_value(
    bgnbd,
    gg,
    summary: pd.DataFrame,
    horizon_weeks: float = 52,
    margin: float = 0.3,
    annual_discount_rate: float = 0.1,
    step_weeks: float = WEEKS_PER_YEAR / 12,
    detail: bool = False,
):
    """Discounted margin each customer is expected to bring over the next ``horizon_weeks``.

    CLV_i = margin * spend_i * sum_k [E_i(t_k) - E_i(t_(k-1))] * (1 + d) ** (-t_k / 52.18)

    where E_i(t) is the BG/NBD expected number of repeat purchases in the next t weeks, spend_i
    the Gamma-Gamma expected spend per purchase (CNY), d the annual discount rate, and
    t_k = k * step_weeks (the last step ends at the horizon): purchases expected during a step
    are discounted from the end of that step. The default step is a month (4.35 weeks); with
    step_weeks=4.345 and d = (1 + monthly rate) ** (52.18 / 4.345) - 1 this is lifetimes'
    ``customer_lifetime_value`` (times the margin). Only future repeat purchases count (past
    orders are already earned).

    Parameters
    ----------
    horizon_weeks : weeks ahead (whatever the model's time unit).
    margin : gross margin as a share of spend (0.3 = 30%); 1 gives discounted revenue.
    annual_discount_rate : e.g. 0.1 for 10% a year; 0 for no discounting.
    detail : also return the parts (DataFrame with expected_purchases, expected_spend, p_alive).

    Returns
    -------
    Series ``clv`` in CNY indexed by customer (or a DataFrame when ``detail``).

    Example
    -------
    >>> s = customer_summary(cdnow_sample_orders(), "1997-09-30")
    >>> clv = customer_lifetime_value(fit_bgnbd(s), fit_gamma_gamma(s), s)
    >>> bool((clv >= 0).all())
    True
    """
    bg = _bgnbd_model(bgnbd)
    if not (horizon_weeks > 0 and step_weeks > 0):
        raise ValueError("horizon_weeks and step_weeks must be positive")
    if annual_discount_rate <= -1:
        raise ValueError("annual_discount_rate must be > -1")
    units_per_week = 7.0 / _check_time_unit(_time_unit_of(bgnbd, summary))
    n_full = int(math.floor(horizon_weeks / step_weeks + 1e-9))
    edges = step_weeks * np.arange(1, n_full + 1)
    if horizon_weeks - (edges[-1] if n_full else 0.0) > 1e-9 * horizon_weeks:
        edges = np.append(edges, horizon_weeks)
    discount = (1.0 + annual_discount_rate) ** (-edges / WEEKS_PER_YEAR)
    x, rec, T = _summary_arrays(summary)
    cond = _ConditionalPurchases(bg, x, rec, T)
    previous = np.zeros(len(cond.px))
    discounted = np.zeros(len(cond.px))
    for t_k, factor in zip(edges, discount):
        current = cond.per_pair(t_k * units_per_week)
        discounted += (current - previous) * factor
        previous = current
    spend = expected_spend(gg, summary).to_numpy()
    clv = pd.Series(margin * spend * cond.per_customer(discounted), index=_index(summary), name="clv")
    if not detail:
        return clv
    return pd.DataFrame(
        {
            "p_alive": cond.p_alive,
            "expected_purchases": cond.per_customer(previous),
            "expected_spend": spend,
            "clv": clv.to_numpy(),
        },
        index=_index(summary),
    )


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
    for col in ("frequency_holdout", "duration_holdout"):
        if col not in cal_holdout.columns:
            raise ValueError(f"cal_holdout has no column {col!r}; make it with calibration_holdout()")
    duration = float(cal_holdout["duration_holdout"].iloc[0])
    actual = cal_holdout["frequency_holdout"].to_numpy(dtype=float)
    predicted = expected_purchases(model, cal_holdout, duration).to_numpy()
    x, _, T = _summary_arrays(cal_holdout)
    with np.errstate(invalid="ignore", divide="ignore"):
        baseline = np.where(T > 0, x / T, 0.0) * duration

    def errors(pred):
        gap = pred - actual
        total = actual.sum()
        return pred.sum(), (pred.sum() / total - 1) if total else np.nan, np.abs(gap).mean(), np.sqrt(np.mean(gap**2))

    pred_total, agg, mae, rmse = errors(predicted)
    base_total, base_agg, base_mae, base_rmse = errors(baseline)
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
    ``mean_clv``, ``min_clv``, ``max_clv`` (CNY), ``share_of_value`` and ``cumulative_share``
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


def max_acquisition_cost(clv, share: float = 1 / 3, groups=None):
    """The most you should pay to acquire a customer: ``share`` x the mean CLV (CNY).

    CLV here is the discounted margin (see :func:`customer_lifetime_value`) of customers like
    the ones you will acquire, e.g. the CLVs of a recent cohort or of one channel. ``share`` is
    the payback/safety share: 1/3 is the common "CLV at least 3x CAC" rule, 1.0 is break-even.

    Parameters
    ----------
    groups : optional labels (e.g. acquisition channel) aligned with ``clv``: returns one
        maximum per group.

    Example
    -------
    >>> max_acquisition_cost(pd.Series([90.0, 150.0, 60.0]), share=1/3)
    33.33333333333333
    """
    if not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    s = pd.Series(clv, dtype=float)
    if groups is None:
        return float(share * s.mean())
    return (share * s.groupby(groups).mean()).rename("max_acquisition_cost")


# --------------------------------------------------------------------------------------------
# Tables behind the plots
# --------------------------------------------------------------------------------------------


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
    bg = _bgnbd_model(model)
    x, _, T = _summary_arrays(summary)
    bins = np.minimum(x, max_frequency).astype(int)
    actual = np.bincount(bins, minlength=max_frequency + 1).astype(float)
    T_counts = pd.Series(T).value_counts()
    expected = np.zeros(max_frequency + 1)
    with np.errstate(all="ignore"):
        for t, count in T_counts.items():
            probs = np.array([float(bg.probability_of_n_purchases_up_to_time(t, n)) for n in range(max_frequency)])
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
    for col in ("frequency_holdout", "duration_holdout"):
        if col not in cal_holdout.columns:
            raise ValueError(f"cal_holdout has no column {col!r}; make it with calibration_holdout()")
    duration = float(cal_holdout["duration_holdout"].iloc[0])
    predicted = expected_purchases(model, cal_holdout, duration)
    x = _summary_arrays(cal_holdout)[0]
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
) -> pd.DataFrame:
    """Cumulative repeat purchases of all customers, actual vs model, period by period.

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
    bg = _bgnbd_model(model)
    ids, days, _ = _prepare_orders(orders, customer_col, ts_col, None)
    start = int(days.min())
    end_day = int(days.max()) if observation_end is None else _day_number(observation_end)
    n_periods = (end_day - start + 1) // period_days
    if n_periods < 1:
        raise ValueError(f"fewer than {period_days} days between the first order and observation_end")
    keep = days <= end_day
    _, cust_start, day, _ = _daily_purchases(ids[keep], days[keep], None)
    is_first = np.zeros(len(day), dtype=bool)
    is_first[cust_start] = True
    boundaries = start + period_days * np.arange(1, n_periods + 1)  # first day after each period
    repeat_days = np.sort(day[~is_first])
    actual = np.searchsorted(repeat_days, boundaries, side="left").astype(float)
    birth_days, birth_counts = np.unique(day[is_first], return_counts=True)
    unit_days = _check_time_unit(_time_unit_of(model, pd.DataFrame()))
    ages = (boundaries[:, None] - birth_days[None, :]) / unit_days
    positive = ages > 0
    expected = np.zeros_like(ages, dtype=float)
    expected[positive] = np.asarray(bg.expected_number_of_purchases_up_to_time(ages[positive]), dtype=float)
    predicted = expected @ birth_counts
    index = pd.Index(np.arange(1, n_periods + 1), name="period")
    period_end = pd.to_datetime(boundaries - 1, unit="D")
    return pd.DataFrame({"period_end": period_end, "actual": actual, "model": predicted}, index=index)


def p_alive_matrix(model, max_frequency: int | None = None, max_recency: float | None = None) -> pd.DataFrame:
    """P(alive) for a customer observed for ``max_recency`` time units, by frequency and recency.

    Rows: recency 0..max_recency (whole time units), columns: frequency 0..max_frequency.
    Defaults: the largest T in the fitted data (rounded down) and the largest frequency seen,
    capped at 40.
    """
    bg = _bgnbd_model(model)
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


# --------------------------------------------------------------------------------------------
# Plots (matplotlib; each takes an optional ax, returns it, never calls plt.show)
# --------------------------------------------------------------------------------------------


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4.5))
    return ax


def plot_frequency_fit(model, summary: pd.DataFrame, max_frequency: int = 7, ax=None):
    """Bar chart: customers by number of repeat purchases, actual vs BG/NBD. Returns the Axes."""
    ax = _axes(ax)
    table = frequency_fit_table(model, summary, max_frequency)
    pos = np.arange(len(table))
    width = 0.4
    ax.bar(pos - width / 2, table["actual"], width, label="Actual", color="#4C72B0")
    ax.bar(pos + width / 2, table["model"], width, label="BG/NBD model", color="#DD8452")
    labels = [str(i) for i in table.index]
    labels[-1] = f"{table.index[-1]}+"
    ax.set_xticks(pos, labels)
    ax.set_xlabel("Repeat purchases in the observation period")
    ax.set_ylabel("Customers (count)")
    ax.set_title("Repeat-purchase frequency: actual vs model")
    ax.legend()
    return ax


def plot_calibration_holdout(model, cal_holdout: pd.DataFrame, max_frequency: int = 7, ax=None):
    """Mean holdout purchases by calibration frequency, actual vs model. Returns the Axes."""
    ax = _axes(ax)
    table = calibration_holdout_table(model, cal_holdout, max_frequency)
    unit = _UNIT_NAMES.get(cal_holdout.attrs.get("time_unit", "W"), "time units")
    duration = float(cal_holdout["duration_holdout"].iloc[0])
    ax.plot(table.index, table["actual"], marker="o", label="Actual")
    ax.plot(table.index, table["model"], marker="s", linestyle="--", label="BG/NBD model")
    labels = [str(i) for i in table.index]
    labels[-1] = f"{table.index[-1]}+" if table.index[-1] == max_frequency else labels[-1]
    ax.set_xticks(table.index, labels)
    ax.set_xlabel("Repeat purchases in the calibration period")
    ax.set_ylabel(f"Mean purchases in the holdout ({duration:.3g} {unit})")
    ax.set_title("Calibration vs holdout: conditional expectations")
    ax.legend()
    return ax


def plot_tracking(
    model,
    orders: pd.DataFrame,
    calibration_end,
    observation_end=None,
    period_days: int = 7,
    ax=None,
    customer_col: str = "customer_id",
    ts_col: str = "order_ts",
):
    """Cumulative repeat purchases, actual vs model, with the end of calibration marked."""
    ax = _axes(ax)
    table = tracking_table(model, orders, observation_end, period_days, customer_col, ts_col)
    ax.plot(table.index, table["actual"], label="Actual")
    ax.plot(table.index, table["model"], linestyle="--", label="BG/NBD model")
    first_day = table["period_end"].iloc[0] - pd.Timedelta(days=period_days - 1)
    cal_period = (pd.Timestamp(calibration_end).normalize() - first_day).days / period_days + 1 / period_days
    ax.axvline(cal_period, color="grey", linestyle=":", label=f"End of calibration ({pd.Timestamp(calibration_end).date()})")
    unit = "Weeks" if period_days == 7 else f"Periods of {period_days} days"
    ax.set_xlabel(f"{unit} since the first order ({first_day.date()})")
    ax.set_ylabel("Cumulative repeat purchases (count)")
    ax.set_title("Tracking cumulative repeat purchases")
    ax.legend()
    return ax


def plot_p_alive_matrix(model, max_frequency: int | None = None, max_recency: float | None = None, ax=None):
    """Heat map of P(alive) by frequency and recency for a customer of age max_recency."""
    ax = _axes(ax)
    matrix = p_alive_matrix(model, max_frequency, max_recency)
    unit = _UNIT_NAMES.get(getattr(model, "time_unit_", "W"), "time units")
    image = ax.imshow(
        matrix.to_numpy(), origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest",
        extent=(-0.5, matrix.shape[1] - 0.5, -0.5, matrix.shape[0] - 0.5),
    )
    ax.grid(False)  # grid lines of the theme would cut through the cells
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.figure.colorbar(image, ax=ax, label="P(alive)")
    ax.set_xlabel("Repeat purchases (frequency)")
    ax.set_ylabel(f"Recency: age at last purchase ({unit})")
    ax.set_title(f"Probability a customer is alive, age {matrix.index[-1]:g} {unit}")
    return ax


def plot_clv_deciles(deciles: pd.DataFrame, ax=None):
    """Bars: each CLV decile's share of total value; line: the cumulative share. Returns the Axes.

    ``deciles`` is the output of :func:`clv_deciles` (decile 1 = the 10% most valuable).
    """
    from ecomkit.viz import format_percent

    ax = _axes(ax)
    for col in ("share_of_value", "cumulative_share"):
        if col not in deciles.columns:
            raise ValueError(f"deciles has no column {col!r}; make it with clv_deciles()")
    pos = np.asarray(deciles.index, dtype=int)
    ax.bar(pos, deciles["share_of_value"], color="#4C72B0", label="Share of total CLV")
    ax.plot(pos, deciles["cumulative_share"], marker="o", color="#DD8452", label="Cumulative share")
    ax.axhline(0.1, color="grey", linestyle=":", label="Equal share (10% per decile)")
    ax.set_xticks(pos)
    ax.set_ylim(0, 1.05)
    format_percent(ax)
    ax.set_xlabel("CLV decile (1 = the 10% most valuable customers)")
    ax.set_ylabel("Share of total CLV (%)")
    ax.set_title("How concentrated is customer value?")
    ax.legend(loc="center right")
    return ax
