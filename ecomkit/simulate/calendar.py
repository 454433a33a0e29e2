"""The shop's calendar: acquisition seasonality, promotion days and the hour-of-day profile.

Everything here works on a daily grid (a ``DatetimeIndex`` at midnight) and returns plain NumPy
arrays, so the simulator can draw millions of timestamps by inverse CDF without a Python loop.

- :func:`promotion_shapes` gives, per day, how far into each shopping festival's ramp we are
  (0 outside, rising to 1 on the festival day): 618 ramps through June 1-18, Double 11 (11.11)
  from Oct 20 to Nov 11, Double 12 (12.12) from Dec 8 to Dec 12, each with a short tail.
- :func:`acquisition_intensity` is the relative daily rate of new customers: mild exponential
  growth x weekday pattern x Spring-Festival dip x festival peaks.
- :data:`HOUR_WEIGHTS` is the share of orders per hour of day, skewed to the evening.

Example
-------
>>> import pandas as pd
>>> days = pd.date_range("2024-06-01", "2024-06-30")
>>> shapes = promotion_shapes(days)
>>> float(shapes["618"][17])   # 2024-06-18
1.0
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ecomkit.reference.calendar import CHINESE_NEW_YEAR, FESTIVALS

__all__ = [
    "SPRING_FESTIVAL",
    "HOUR_WEIGHTS",
    "WEEKDAY_FACTORS",
    "DEFAULT_ACQUISITION",
    "promotion_shapes",
    "spring_festival_factor",
    "acquisition_intensity",
]

# Lunar New Year's Day (public facts, from ecomkit.reference.calendar) for the years the
# simulator applies the Spring-Festival dip to. Outside these years no dip is applied.
SPRING_FESTIVAL: dict[int, str] = {
    year: CHINESE_NEW_YEAR[year].isoformat() for year in range(2015, 2031)
}

# Share of orders by hour 0..23: quiet night, lunch bump, evening peak 20:00-22:59.
HOUR_WEIGHTS: np.ndarray = np.array(
    [1.6, 0.9, 0.5, 0.3, 0.2, 0.3, 0.6, 1.2, 2.2, 3.0, 3.6, 4.2,
     4.8, 4.4, 3.9, 3.8, 3.9, 4.1, 4.6, 5.6, 7.2, 8.4, 8.0, 4.6],
)
HOUR_WEIGHTS = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()

# Relative acquisition by weekday, Monday=0 .. Sunday=6 (weekends a little busier).
WEEKDAY_FACTORS: np.ndarray = np.array([1.00, 0.97, 0.97, 0.98, 1.02, 1.07, 1.05])

DEFAULT_ACQUISITION: dict[str, float] = {
    "growth_per_year": 0.10,       # log-growth of the daily acquisition rate per year
    "peak_618": 2.5,               # extra intensity (x baseline) on June 18
    "peak_1111": 4.0,              # extra intensity (x baseline) on Nov 11
    "peak_1212": 0.8,              # extra intensity (x baseline) on Dec 12
    "spring_festival_dip": 0.5,    # fractional drop at the centre of the holiday dip
    "spring_festival_width_days": 6.0,
}


def _ramp(dates: pd.DatetimeIndex, month_start: int, day_start: int, month_peak: int,
          day_peak: int, tail: tuple[float, ...]) -> np.ndarray:
    """Quadratic ramp from 0 (day before ``start``) to 1 on the peak day, then ``tail``."""
    years = dates.year.to_numpy()
    ts = dates.to_numpy(dtype="datetime64[D]")
    out = np.zeros(len(dates))
    for year in np.unique(years):
        begin = np.datetime64(f"{year:04d}-{month_start:02d}-{day_start:02d}", "D") - 1
        peak = np.datetime64(f"{year:04d}-{month_peak:02d}-{day_peak:02d}", "D")
        span = (peak - begin).astype(int)
        x = (ts - begin).astype(int) / span
        in_ramp = (x > 0) & (x <= 1)
        out = np.where(in_ramp, x ** 2, out)
        after = (ts - peak).astype(int)
        for k, level in enumerate(tail, start=1):
            out = np.where(after == k, level, out)
    return out


def promotion_shapes(dates: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """Per-day festival ramps in [0, 1]: keys ``"618"``, ``"1111"``, ``"1212"``.

    Parameters
    ----------
    dates : DatetimeIndex of days (midnight).

    Returns
    -------
    dict of float arrays aligned with ``dates``; 1.0 on June 18, Nov 11 and Dec 12.
    """
    dates = pd.DatetimeIndex(dates).normalize()
    # the ramp starts on the first day of the festival's selling window; the tails (one level
    # per day after the festival) reach the window's last day
    tails = {"618": (0.3, 0.1), "11.11": (0.3, 0.1), "12.12": (0.2,)}
    out = {}
    for name, tail in tails.items():
        fest = FESTIVALS[name]
        out[name.replace(".", "")] = _ramp(dates, *fest.window_start, fest.month, fest.day, tail)
    return out


def spring_festival_factor(dates: pd.DatetimeIndex, depth: float = 0.5,
                           width_days: float = 6.0) -> np.ndarray:
    """Multiplicative dip around Spring Festival (couriers pause, shoppers are away).

    ``1 - depth * exp(-0.5 * ((day - festival - 2) / width_days) ** 2)``, centred two days after
    Lunar New Year's Day; 1.0 in years missing from :data:`SPRING_FESTIVAL`.
    """
    dates = pd.DatetimeIndex(dates).normalize()
    ts = dates.to_numpy(dtype="datetime64[D]")
    factor = np.ones(len(dates))
    for year in np.unique(dates.year.to_numpy()):
        for y in (year, year + 1):      # a late-December day can sit near next year's festival
            if y not in SPRING_FESTIVAL:
                continue
            centre = np.datetime64(SPRING_FESTIVAL[y], "D") + 2
            delta = (ts - centre).astype(float)
            factor = np.minimum(factor, 1 - depth * np.exp(-0.5 * (delta / width_days) ** 2))
    return factor


def acquisition_intensity(dates: pd.DatetimeIndex, params: dict | None = None) -> np.ndarray:
    """Relative daily rate of first orders over ``dates`` (any positive scale).

    intensity(day) = exp(growth * years_since_start) * weekday(day) * spring_festival(day)
                     * (1 + peak_618 * s618 + peak_1111 * s1111 + peak_1212 * s1212)

    where s* are :func:`promotion_shapes`. ``params`` overrides :data:`DEFAULT_ACQUISITION`.
    """
    p = {**DEFAULT_ACQUISITION, **(params or {})}
    dates = pd.DatetimeIndex(dates).normalize()
    years = (dates - dates[0]).days.to_numpy() / 365.25
    growth = np.exp(p["growth_per_year"] * years)
    weekday = WEEKDAY_FACTORS[dates.dayofweek.to_numpy()]
    s = promotion_shapes(dates)
    peaks = 1 + p["peak_618"] * s["618"] + p["peak_1111"] * s["1111"] + p["peak_1212"] * s["1212"]
    sf = spring_festival_factor(dates, p["spring_festival_dip"], p["spring_festival_width_days"])
    return growth * weekday * sf * peaks
