"""From an elasticity to a price: the Lerner rule, the profit curve around today's price, recommendations.

:func:`optimal_price` is the profit-maximising price under constant elasticity (it refuses
inelastic demand with :class:`InelasticDemandError`); :func:`price_profit_curve` is the expected
profit at each price with a band from the elasticity's standard error; :func:`recommend_prices`
turns SKU or category elasticities into a capped, margin-floored price per SKU. Money is in the panel's currency.

>>> optimal_price(60.0, -3.0)
90.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class InelasticDemandError(ValueError):
    """The Lerner rule has no answer: demand is inelastic (|elasticity| <= 1)."""


def optimal_price(unit_cost, elasticity):
    """The profit-maximising price under constant elasticity (the Lerner rule).

    ``(p - c) / p = -1 / e``, so ``p* = c * e / (1 + e)``: the markup over cost shrinks as demand
    gets more elastic (e = -2 doubles the cost, e = -3 adds 50%, e = -11 adds 10%).

    Raises :class:`InelasticDemandError` when ``|e| <= 1``: then a price rise loses fewer units
    than it gains per unit, so profit rises with price without end and the rule has no answer.

    >>> optimal_price(60.0, -3.0)
    90.0
    """
    cost = np.asarray(unit_cost, dtype=float)
    e = np.asarray(elasticity, dtype=float)
    if np.isnan(e).any() or np.isnan(cost).any():
        raise ValueError("unit_cost and elasticity must be numbers, not NaN")
    if (cost <= 0).any():
        raise ValueError("unit_cost must be positive (an amount per unit)")
    if (e >= -1).any():
        worst = float(e.flat[int(np.argmax(e))])
        raise InelasticDemandError(
            f"elasticity {worst:.2f} is inelastic (|e| <= 1): raising the price loses proportionally fewer "
            "units than it gains per unit, so under constant elasticity profit grows with every price rise "
            "and there is no profit-maximising price. The estimate only describes prices near those observed: "
            "test a moderate increase instead of trusting an extrapolation.")
    price = cost * e / (1 + e)
    return float(price) if price.ndim == 0 else price


def price_profit_curve(unit_cost: float, elasticity: float, current_price: float, current_units: float,
                       elasticity_se: float = 0.0, prices=None, level: float = 0.95, n: int = 121) -> pd.DataFrame:
    """Expected profit per period at each price, with a band from the elasticity's uncertainty.

    Units follow ``current_units * (price / current_price) ** e`` (constant elasticity through
    the current point); profit = (price - unit_cost) x units. The band takes, at each price, the
    lowest and highest profit over elasticities ``e -/+ z * se`` (z for ``level``): it is zero
    at the current price, where units are observed, and widens as the price moves away.

    Returns a DataFrame: price, units, profit, profit_low, profit_high (amounts per period). (Profit
    against *price*; chapter 04's targeting curve, profit against the share of customers sent a
    coupon, is a different thing.)

    >>> price_profit_curve(60, -3.0, current_price=100, current_units=50,
    ...                    elasticity_se=0.2).head()                      # doctest: +SKIP
    """
    from scipy import stats

    if prices is None:
        prices = np.linspace(max(unit_cost * 1.02, 0.5 * current_price), 1.6 * current_price, n)
    prices = np.asarray(prices, dtype=float)
    z = float(stats.norm.ppf(0.5 + level / 2))

    def units_and_profit(e):
        units = current_units * (prices / current_price) ** e
        return units, (prices - unit_cost) * units

    units, mid = units_and_profit(elasticity)
    _, lo = units_and_profit(elasticity - z * elasticity_se)
    _, hi = units_and_profit(elasticity + z * elasticity_se)
    return pd.DataFrame({"price": prices, "units": units, "profit": mid,
                         "profit_low": np.minimum(lo, hi), "profit_high": np.maximum(lo, hi)})


def recommend_prices(baseline: pd.DataFrame, elasticities, margin_floor: float = 0.0,
                     max_change: float | None = None) -> pd.DataFrame:
    """Current vs recommended price per SKU and the expected change in weekly profit.

    Parameters
    ----------
    baseline : :func:`sku_baseline` rows (needs unit_cost).
    elasticities : Series of elasticities indexed by sku (e.g. shrunk SKU estimates) or by
        category (e.g. the controlled category estimates).
    margin_floor : the lowest acceptable gross margin (fraction); the recommendation is raised to
        ``unit_cost / (1 - margin_floor)`` if it would fall below it.
    max_change : the largest move from the regular price in one step (fraction, e.g. 0.2), or
        None. Demand was only observed near today's prices, so a far-away Lerner price is an
        extrapolation; with a cap an inelastic SKU gets a capped step *up* (profit rises with
        price there) instead of no recommendation.

    Columns added: elasticity, lerner_price (NaN when demand is inelastic), recommended_price,
    change (fraction), within_observed (the SKU has sold at prices that far away), profit_now,
    profit_recommended, profit_change (amounts per week), profit_change_pct, note.
    """
    if baseline["unit_cost"].isna().any():
        raise ValueError("recommendations need unit_cost for every SKU")
    elasticities = pd.Series(elasticities, dtype=float)
    table = baseline.copy()
    if table["sku"].isin(elasticities.index).any():
        table["elasticity"] = table["sku"].map(elasticities)
    else:
        table["elasticity"] = table["category"].map(elasticities)
    rec, lerner_prices, notes = [], [], []
    for price, cost, e in zip(table["regular_price"], table["unit_cost"], table["elasticity"]):
        floor = cost / (1 - margin_floor)
        note = []
        if np.isnan(e):
            lerner, target = np.nan, np.nan
            note.append("no elasticity")
        elif e >= -1:
            lerner = np.nan
            target = price * (1 + max_change) if max_change is not None else np.nan
            note.append("inelastic: no optimum" + ("; a capped step up to test" if max_change is not None else ""))
        else:
            lerner = optimal_price(cost, e)
            target = lerner
            if max_change is not None and abs(lerner / price - 1) > max_change:
                target = price * (1 + np.sign(lerner - price) * max_change)
                note.append("capped at max_change")
        if np.isfinite(target) and target < floor:
            target = floor
            note.append("raised to the margin floor")
        lerner_prices.append(lerner)
        rec.append(target)
        notes.append("; ".join(note))
    table["lerner_price"] = lerner_prices
    table["recommended_price"] = rec
    table["change"] = table["recommended_price"] / table["regular_price"] - 1
    table["within_observed"] = table["recommended_price"].between(table["min_price"] - 0.005,
                                                                  table["max_price"] + 0.005)
    table["profit_now"] = (table["regular_price"] - table["unit_cost"]) * table["regular_units"]
    units_rec = table["regular_units"] * (table["recommended_price"] / table["regular_price"]) ** table["elasticity"]
    table["profit_recommended"] = (table["recommended_price"] - table["unit_cost"]) * units_rec
    table["profit_change"] = table["profit_recommended"] - table["profit_now"]
    table["profit_change_pct"] = table["profit_change"] / table["profit_now"]
    table["note"] = notes
    return table
