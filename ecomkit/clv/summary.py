"""From orders to model input: the customer summary, its calibration/holdout split, first purchases.

Conventions (the same as lifetimes', see docs/clv.md):

* time is measured in calendar days and converted to the time unit: ``"W"`` (weeks, the
  default, days / 7) or ``"D"`` (days). Orders on the same calendar day are one purchase.
* ``frequency`` = number of *repeat* purchase days, ``recency`` = age at the last purchase,
  ``T`` = age at the end of observation (both since the first purchase), ``monetary_value`` =
  mean value of the repeat purchases (in the orders' currency; 0 when there are none).

The helpers at the top (``days_per_unit``, ``order_arrays``, ``daily_purchases``, ``day_number``,
``summary_columns``, ``frequency_recency_T``) are shared with the model, prediction and table modules.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import lifetimes

from ecomkit.order_tables import is_engine_table

__all__ = ["customer_summary", "calibration_holdout", "first_purchase_value", "customer_base", "cdnow_sample_orders"]

_DAYS_PER_UNIT = {"D": 1.0, "W": 7.0}

#: Plain-words name of each time unit, for axis labels.
TIME_UNIT_NAMES = {"D": "days", "W": "weeks"}


def days_per_unit(time_unit: str) -> float:
    """Calendar days in one time unit: 7 for "W" (weeks), 1 for "D" (days); anything else is an error."""
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


def day_number(value) -> int:
    """Calendar day (days since 1970-01-01) of a date-like value, time of day dropped."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return int(np.datetime64(ts.to_datetime64(), "D").astype(np.int64))


def _date_of_day(day: int) -> pd.Timestamp:
    return pd.Timestamp(np.datetime64(int(day), "D"))


_PACKED_KEY_LIMIT = 1 << 63  # (customer, day, row) keys below this fit one int64


def daily_purchases(ids: np.ndarray, days: np.ndarray, values: np.ndarray | None):
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


def _per_customer_days(cust_start, day, value, n_days_total):
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


def order_arrays(orders, customer_col, ts_col, value_col):
    """Customer ids, calendar day numbers and amounts (or None without ``value_col``) of an orders frame.

    Raises ValueError naming the column and the first rows when an id, a timestamp or an amount is missing.
    """
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
    unit = days_per_unit(time_unit)
    observed = days <= end_day
    columns = ["frequency", "recency", "T"] + (["monetary_value"] if values is not None else [])
    if not observed.any():
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns}).rename_axis(customer_col)
    if not observed.all():
        ids, days = ids[observed], days[observed]
        values = values[observed] if values is not None else None
    customer_ids, cust_start, day, value = daily_purchases(ids, days, values)
    first, last, n_days, mean_repeat = _per_customer_days(cust_start, day, value, len(day))
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
        amount (any currency). Filter cancelled orders first (ecomkit.io's rules do).
    observation_end : date-like, the last day observed (inclusive, the whole day counts; orders
        after it are ignored). Default: the day of the last order.
    time_unit : "W" for weeks (calendar days / 7) or "D" for days.
    value_col : amount column, or None for no ``monetary_value``.

    Returns
    -------
    DataFrame indexed by customer id (sorted), float columns ``frequency`` (repeat purchase
    days), ``recency`` and ``T`` (in ``time_unit``; recency <= T always) and ``monetary_value``
    (mean value of the repeat purchase days, 0 without repeats). ``attrs`` records
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

    ``orders`` may also be the engine's table (``ecomkit.engine``, DuckDB or Spark): the summary is
    then computed there and only the per-customer rows come back (same numbers).
    """
    if is_engine_table(orders):
        return _engine_summary(orders, observation_end, time_unit)
    ids, days, values = order_arrays(orders, customer_col, ts_col, value_col)
    if observation_end is None:
        if len(days) == 0:
            raise ValueError("orders is empty: nothing to summarise")
        end_day = int(days.max())
    else:
        end_day = day_number(observation_end)
    summary = _summary_from_arrays(ids, days, values, end_day, time_unit, customer_col)
    summary.attrs.update(time_unit=time_unit, observation_end=str(_date_of_day(end_day).date()))
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
    (purchase days in the holdout), ``monetary_value_holdout`` (0 without holdout
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
    if is_engine_table(orders):
        if holdout_spend != "purchase":
            raise ValueError("on the engine's table the holdout spend is per purchase day (holdout_spend='purchase')")
        return _engine_calibration_holdout(orders, calibration_end, observation_end, time_unit)
    unit = days_per_unit(time_unit)
    ids, days, values = order_arrays(orders, customer_col, ts_col, value_col)
    cal_day = day_number(calibration_end)
    end_day = int(days.max()) if observation_end is None else day_number(observation_end)
    if end_day <= cal_day:
        raise ValueError(
            f"observation_end ({_date_of_day(end_day).date()}) must be after "
            f"calibration_end ({_date_of_day(cal_day).date()})"
        )
    cal = _summary_from_arrays(ids, days, values, cal_day, time_unit, customer_col)
    if cal.empty:
        raise ValueError(f"no orders on or before calibration_end {_date_of_day(cal_day).date()}")
    cal.columns = [c + "_cal" for c in cal.columns]
    hold = (days > cal_day) & (days <= end_day)
    freq_h = pd.Series(0.0, index=cal.index)
    value_h = pd.Series(0.0, index=cal.index)
    if hold.any():
        h_ids, h_days = ids[hold], days[hold]
        h_values = values[hold] if values is not None else None
        customer_ids, cust_start, day, value = daily_purchases(h_ids, h_days, h_values)
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
        calibration_end=str(_date_of_day(cal_day).date()),
        observation_end=str(_date_of_day(end_day).date()),
    )
    return result


def first_purchase_value(
    orders: pd.DataFrame,
    customer_col: str = "customer_id",
    ts_col: str = "order_ts",
    value_col: str = "net_amount",
) -> pd.Series:
    """Value of each customer's first purchase: the summed amount of her first order day.

    The first purchase is not in ``monetary_value`` (repeat purchases only); the acquisition value of
    a customer is its margin plus her CLV. Same-day orders are one purchase, as in the summary.

    Example
    -------
    >>> orders = pd.DataFrame({"customer_id": [1, 1, 1], "net_amount": [30.0, 20.0, 99.0],
    ...     "order_ts": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 20:00", "2024-02-01 10:00"])})
    >>> first_purchase_value(orders).tolist()
    [50.0]
    """
    if is_engine_table(orders):
        return customer_base(orders)["first_purchase_value"]
    ids, days, values = order_arrays(orders, customer_col, ts_col, value_col)
    if len(days) == 0:
        return pd.Series(dtype=float, name="first_purchase_value").rename_axis(customer_col)
    customer_ids, cust_start, _, value = daily_purchases(ids, days, values)
    return pd.Series(value[cust_start], index=pd.Index(customer_ids, name=customer_col), name="first_purchase_value")


def customer_base(
    orders: pd.DataFrame,
    observation_end=None,
    customer_col: str = "customer_id",
    ts_col: str = "order_ts",
    value_col: str = "net_amount",
) -> pd.DataFrame:
    """What the orders say about each customer without a model: purchases, first purchase, recency in days.

    Works on any orders, also when nobody has bought twice (where BG/NBD and Gamma-Gamma cannot be
    fitted). Same-day orders are one purchase, as in :func:`customer_summary`; orders after
    ``observation_end`` (default: the day of the last order) are ignored.

    Returns
    -------
    DataFrame indexed by customer id (sorted): ``purchases`` (purchase days), ``first_purchase_value``
    (amount of the first purchase day), ``first_purchase`` and ``last_purchase`` (dates) and
    ``days_since_last_purchase`` (whole days from the last purchase day to ``observation_end``) and
    ``total_spend`` (all purchase days summed). ``attrs["observation_end"]`` records the date.
    ``orders`` may also be the engine's table (computed there, same numbers).

    Example
    -------
    >>> orders = pd.DataFrame({"customer_id": [1, 1, 2], "net_amount": [30.0, 20.0, 99.0],
    ...     "order_ts": pd.to_datetime(["2024-01-01 09:00", "2024-01-05 20:00", "2024-01-03 10:00"])})
    >>> customer_base(orders, "2024-01-10")[["purchases", "first_purchase_value", "days_since_last_purchase"]].values.tolist()
    [[2.0, 30.0, 5.0], [1.0, 99.0, 7.0]]
    """
    if is_engine_table(orders):
        return _engine_customer_base(orders, observation_end)
    ids, days, values = order_arrays(orders, customer_col, ts_col, value_col)
    columns = ["purchases", "first_purchase_value", "first_purchase", "last_purchase", "days_since_last_purchase",
               "total_spend"]
    end_day = (int(days.max()) if len(days) else 0) if observation_end is None else day_number(observation_end)
    observed = days <= end_day
    if not observed.any():
        empty = pd.DataFrame({c: pd.Series(dtype=float) for c in columns}).rename_axis(customer_col)
        empty.attrs["observation_end"] = str(_date_of_day(end_day).date())
        return empty
    customer_ids, cust_start, day, value = daily_purchases(ids[observed], days[observed], values[observed])
    n_days = np.diff(np.append(cust_start, len(day)))
    first, last = day[cust_start], day[cust_start + n_days - 1]
    base = pd.DataFrame({
        "purchases": n_days.astype(float),
        "first_purchase_value": value[cust_start],
        "first_purchase": pd.to_datetime(first, unit="D"),
        "last_purchase": pd.to_datetime(last, unit="D"),
        "days_since_last_purchase": (end_day - last).astype(float),
        "total_spend": np.add.reduceat(value, cust_start),
    }, index=pd.Index(customer_ids, name=customer_col))
    base.attrs["observation_end"] = str(_date_of_day(end_day).date())
    return base


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


def summary_columns(summary: pd.DataFrame, names) -> list[np.ndarray]:
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


def frequency_recency_T(summary: pd.DataFrame) -> list[np.ndarray]:
    """(frequency, recency, T) from a summary or calibration frame."""
    return summary_columns(summary, ["frequency", "recency", "T"])


# ------------------------------------------------------------------ the engine's table (DuckDB or Spark)


def _engine_end(orders, observation_end) -> pd.Timestamp:
    from ecomkit.engine.customers import order_span

    if observation_end is not None:
        return pd.Timestamp(observation_end).normalize()
    last = order_span(orders)["last_ts"]
    if pd.isna(last):
        raise ValueError("orders is empty: nothing to summarise")
    return pd.Timestamp(last).normalize()


def _engine_summary(orders, observation_end, time_unit: str) -> pd.DataFrame:
    from ecomkit import engine

    days_per_unit(time_unit)
    end = _engine_end(orders, observation_end)
    summary = engine.to_pandas(engine.customer_summary(orders, end, time_unit=time_unit))
    summary.attrs.update(time_unit=time_unit, observation_end=str(end.date()))
    return summary


def _engine_calibration_holdout(orders, calibration_end, observation_end, time_unit: str) -> pd.DataFrame:
    from ecomkit import engine
    from ecomkit.engine.customers import calibration_holdout as query

    days_per_unit(time_unit)
    end, cal = _engine_end(orders, observation_end), pd.Timestamp(calibration_end).normalize()
    if end <= cal:
        raise ValueError(f"observation_end ({end.date()}) must be after calibration_end ({cal.date()})")
    result = engine.to_pandas(query(orders, cal, end, time_unit))
    if result.empty:
        raise ValueError(f"no orders on or before calibration_end {cal.date()}")
    result.attrs.update(time_unit=time_unit, calibration_end=str(cal.date()), observation_end=str(end.date()))
    return result


def _engine_customer_base(orders, observation_end) -> pd.DataFrame:
    from ecomkit import engine
    from ecomkit.engine.customers import customer_base as query

    end = _engine_end(orders, observation_end)
    raw = engine.to_pandas(query(orders, end))
    base = pd.DataFrame({
        "purchases": raw["purchases"],
        "first_purchase_value": raw["first_purchase_value"],
        "first_purchase": pd.to_datetime(raw["first_day"].to_numpy(), unit="D"),
        "last_purchase": pd.to_datetime(raw["last_day"].to_numpy(), unit="D"),
        "days_since_last_purchase": raw["days_since_last_purchase"],
        "total_spend": raw["total_spend"],
    }, index=raw.index)
    base.attrs["observation_end"] = str(end.date())
    return base
