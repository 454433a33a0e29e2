"""Pictures of the models against the data, and of where value sits (matplotlib, drawn lazily).

Every plot follows ecomkit's convention (ecomkit.viz): ``plot_*(..., *, ax=None, **kwargs) -> Axes``.
It draws on ``ax`` (a new 7 x 4.5 inch figure when None), passes ``kwargs`` to the call that draws its
main marks (the bars, the lines or the heat map; named in each docstring) and never calls ``plt.show()``.
Each draws a table of ecomkit.clv.tables, so the numbers behind a picture can be printed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecomkit.clv.summary import TIME_UNIT_NAMES
from ecomkit.clv.tables import calibration_holdout_table, frequency_fit_table, p_alive_matrix, tracking_table
from ecomkit.viz import axes, format_money, format_percent, format_thousands, money_label

__all__ = ["plot_frequency_fit", "plot_calibration_holdout", "plot_tracking", "plot_p_alive_matrix", "plot_clv_deciles",
           "plot_first_purchase_value", "plot_days_since_last_purchase"]

FIGSIZE = (7, 4.5)  # inches
ACTUAL_COLOR = "#4C72B0"
MODEL_COLOR = "#DD8452"


def plot_frequency_fit(model, summary: pd.DataFrame, max_frequency: int = 7, *, ax=None, **kwargs):
    """Bar chart: customers by number of repeat purchases, actual vs BG/NBD. Returns the Axes.

    ``kwargs`` go to both ``ax.bar`` calls (actual and model bars), e.g. ``edgecolor="black"``.
    """
    ax = axes(ax, figsize=FIGSIZE)
    table = frequency_fit_table(model, summary, max_frequency)
    pos = np.arange(len(table))
    width = 0.4
    ax.bar(pos - width / 2, table["actual"], width, **({"label": "Actual", "color": ACTUAL_COLOR} | kwargs))
    ax.bar(pos + width / 2, table["model"], width, **({"label": "BG/NBD model", "color": MODEL_COLOR} | kwargs))
    labels = [str(i) for i in table.index]
    labels[-1] = f"{table.index[-1]}+"
    ax.set_xticks(pos, labels)
    ax.set_xlabel("Repeat purchases in the observation period")
    ax.set_ylabel("Customers (count)")
    ax.set_title("Repeat-purchase frequency: actual vs model")
    ax.legend()
    return ax


def plot_calibration_holdout(model, cal_holdout: pd.DataFrame, max_frequency: int = 7, *, ax=None, **kwargs):
    """Mean holdout purchases by calibration frequency, actual vs model. Returns the Axes.

    ``kwargs`` go to both ``ax.plot`` calls (actual and model lines), e.g. ``linewidth=2``.
    """
    ax = axes(ax, figsize=FIGSIZE)
    table = calibration_holdout_table(model, cal_holdout, max_frequency)
    unit = TIME_UNIT_NAMES.get(cal_holdout.attrs.get("time_unit", "W"), "time units")
    duration = float(cal_holdout["duration_holdout"].iloc[0])
    ax.plot(table.index, table["actual"], **({"marker": "o", "label": "Actual"} | kwargs))
    ax.plot(table.index, table["model"], **({"marker": "s", "linestyle": "--", "label": "BG/NBD model"} | kwargs))
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
    *,
    ax=None,
    customer_col: str = "customer_id",
    ts_col: str = "order_ts",
    acquired_by=None,
    **kwargs,
):
    """Cumulative repeat purchases, actual vs model, with the end of calibration marked. Returns the Axes.

    ``acquired_by`` keeps the customers whose first purchase falls on or before that day (e.g. the
    calibration end: the customers the model was fitted on). ``kwargs`` go to both ``ax.plot`` calls.
    """
    ax = axes(ax, figsize=FIGSIZE)
    table = tracking_table(model, orders, observation_end, period_days, customer_col, ts_col, acquired_by=acquired_by)
    ax.plot(table.index, table["actual"], **({"label": "Actual"} | kwargs))
    ax.plot(table.index, table["model"], **({"linestyle": "--", "label": "BG/NBD model"} | kwargs))
    first_day = table["period_end"].iloc[0] - pd.Timedelta(days=period_days - 1)
    cal_period = (pd.Timestamp(calibration_end).normalize() - first_day).days / period_days + 1 / period_days
    cal_label = f"End of calibration ({pd.Timestamp(calibration_end).date()})"
    ax.axvline(cal_period, color="grey", linestyle=":", label=cal_label)
    unit = "Weeks" if period_days == 7 else f"Periods of {period_days} days"
    ax.set_xlabel(f"{unit} since the first order ({first_day.date()})")
    ax.set_ylabel("Cumulative repeat purchases (count)")
    ax.set_title("Tracking cumulative repeat purchases")
    ax.legend()
    return ax


def plot_p_alive_matrix(
    model, max_frequency: int | None = None, max_recency: float | None = None, *, ax=None, **kwargs
):
    """Heat map of P(alive) by frequency and recency for a customer of age max_recency. Returns the Axes.

    ``kwargs`` go to ``ax.imshow``, e.g. ``cmap="magma"``.
    """
    from matplotlib.ticker import MaxNLocator

    ax = axes(ax, figsize=FIGSIZE)
    matrix = p_alive_matrix(model, max_frequency, max_recency)
    unit = TIME_UNIT_NAMES.get(getattr(model, "time_unit_", "W"), "time units")
    style = {
        "origin": "lower", "aspect": "auto", "cmap": "viridis", "vmin": 0, "vmax": 1, "interpolation": "nearest",
        "extent": (-0.5, matrix.shape[1] - 0.5, -0.5, matrix.shape[0] - 0.5),
    }
    image = ax.imshow(matrix.to_numpy(), **(style | kwargs))
    ax.grid(False)  # grid lines of the theme would cut through the cells
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.figure.colorbar(image, ax=ax, label="P(alive)")
    ax.set_xlabel("Repeat purchases (frequency)")
    ax.set_ylabel(f"Recency: age at last purchase ({unit})")
    ax.set_title(f"Probability a customer is alive, age {matrix.index[-1]:g} {unit}")
    return ax


def plot_clv_deciles(deciles: pd.DataFrame, *, ax=None, **kwargs):
    """Bars: each CLV decile's share of total value; line: the cumulative share. Returns the Axes.

    ``deciles`` is the output of :func:`~ecomkit.clv.tables.clv_deciles` (decile 1 = the 10% most
    valuable). ``kwargs`` go to ``ax.bar`` (the decile bars).
    """
    for col in ("share_of_value", "cumulative_share"):
        if col not in deciles.columns:
            raise ValueError(f"deciles has no column {col!r}; make it with clv_deciles()")
    ax = axes(ax, figsize=FIGSIZE)
    pos = np.asarray(deciles.index, dtype=int)
    ax.bar(pos, deciles["share_of_value"], **({"color": ACTUAL_COLOR, "label": "Share of total CLV"} | kwargs))
    ax.plot(pos, deciles["cumulative_share"], marker="o", color=MODEL_COLOR, label="Cumulative share")
    ax.axhline(0.1, color="grey", linestyle=":", label="Equal share (10% per decile)")
    ax.set_xticks(pos)
    ax.set_ylim(0, 1.05)
    format_percent(ax)
    ax.set_xlabel("CLV decile (1 = the 10% most valuable customers)")
    ax.set_ylabel("Share of total CLV (%)")
    ax.set_title("How concentrated is customer value?")
    ax.legend(loc="center right")
    return ax


def _base_column(base: pd.DataFrame, col: str) -> pd.Series:
    if col not in base.columns:
        raise ValueError(f"base has no column {col!r}; make it with customer_base()")
    values = base[col].dropna()
    if values.empty:
        raise ValueError("base has no customers to plot")
    return values


def plot_first_purchase_value(base: pd.DataFrame, bins: int = 40, *, currency: str = "CNY", ax=None, **kwargs):
    """Histogram of the first-purchase values of :func:`~ecomkit.clv.summary.customer_base`, median marked.

    Values above the 99th percentile are gathered in the last bin so that a few large orders do not
    squeeze the picture. ``currency`` (ISO code) labels the axis; ``kwargs`` go to ``ax.hist``.
    """
    values = _base_column(base, "first_purchase_value")
    ax = axes(ax, figsize=FIGSIZE)
    top = float(values.quantile(0.99)) if len(values) >= 100 else float(values.max())
    ax.hist(values.clip(upper=top), **({"bins": bins, "color": ACTUAL_COLOR} | kwargs))
    median = float(values.median())
    ax.axvline(median, color=MODEL_COLOR, linestyle="--", label=f"Median {median:,.0f} {currency}")
    format_money(ax, "x", currency)
    format_thousands(ax)
    ax.set_xlabel(money_label("Value of the first purchase", currency))
    ax.set_ylabel("Customers (count)")
    ax.set_title("What a first purchase is worth")
    ax.legend()
    return ax


def plot_days_since_last_purchase(base: pd.DataFrame, bins: int = 30, *, ax=None, **kwargs):
    """Histogram of the days since each customer's last purchase (recency), median marked.

    Drawn from :func:`~ecomkit.clv.summary.customer_base`; ``kwargs`` go to ``ax.hist``.
    """
    values = _base_column(base, "days_since_last_purchase")
    ax = axes(ax, figsize=FIGSIZE)
    ax.hist(values, **({"bins": bins, "color": ACTUAL_COLOR} | kwargs))
    median = float(values.median())
    ax.axvline(median, color=MODEL_COLOR, linestyle="--", label=f"Median {median:,.0f} days")
    format_thousands(ax)
    end = base.attrs.get("observation_end")
    ax.set_xlabel(f"Days since the last purchase (as of {end})" if end else "Days since the last purchase")
    ax.set_ylabel("Customers (count)")
    ax.set_title("How long ago customers last bought")
    ax.legend()
    return ax
