"""The pricing tables of the demo shop: a daily SKU price panel and 满减 (spend-threshold) baskets.

Both functions return ``(table, truth)``; ``truth`` is a JSON-able dict of everything that
generated the table, so chapter 02 can hold its estimates against it.

Price panel (:func:`simulate_price_panel`), one row per SKU and day
-------------------------------------------------------------------
1. Catalogue. ``n_skus`` SKUs are split over the shop's six categories. Each SKU draws a list
   price (log-normal around the category's median, rounded to a price ending in 9), a unit cost
   (the category's cost share of the list price, with noise) and a base demand (units per day at
   its list price on an ordinary day).
2. Elasticities. Category c has a population elasticity ``e_c`` (food and mother_baby
   inelastic, electronics very elastic). SKU i gets
   ``e_i = e_c + price_rank_slope * z_i + Normal(0, sku_sd)`` where ``z_i`` is its standardised
   log list price inside the category: dearer SKUs (bought by quality-seeking shoppers) react
   less to price. ``e_i`` is capped at -0.2.
3. Prices are set per SKU and Monday-to-Sunday week, in this order of precedence:
   festival weeks (any day of the 618, 11.11 or 12.12 ramp) -- a SKU joins each festival with
   probability ``festival_join_prob`` and is cut by the category's depth, deeper in the peak
   week; the **price-test programme** -- a stratified random share of SKUs gets, in every other
   week, a price drawn at random from the test arms (0.85 ... 1.10 x list); regular promotions --
   other SKU-weeks are cut with a probability that rises in the category's high season. Else the
   price is the list price.
4. Demand. ``units ~ Poisson(mu)`` per day with
   ``mu = base_i * (price / list_i) ** e_i * growth * weekday * season_c * festival * spring
   * exp(eps_iw)``; ``festival = 1 + 2.5 s618 + 4.0 s1111 + 0.8 s1212`` uses the same ramps
   as the orders (:func:`~ecomkit.simulate.calendar.promotion_shapes`), ``eps_iw ~ Normal(0,
   week_noise_sd)`` is a SKU-week demand shock. The festival lifts demand in exactly the weeks
   in which prices are cut: a regression of units on price that ignores time mistakes the
   festival crowd for price response (the confounder of chapter 02).

Baskets (:func:`simulate_baskets`), one row per basket
------------------------------------------------------
A before period without an offer and a promotion period with "spend ``threshold`` CNY, get
``discount`` CNY off" (满减). Every basket has a natural value ~ log-normal. In the promotion a
basket whose natural value falls short of the threshold by ``gap`` is topped up with probability
``p_max * exp(-gap / (scale_per_cny_off * discount))`` (zero beyond ``max_gap_per_cny_off *
discount``): the shopper adds goods until the threshold is passed by an overshoot ~ Gamma.
Baskets at or above the threshold get the discount. The offer does not change how many baskets
are placed.

Example
-------
>>> panel, truth = simulate_price_panel(n_skus=60, seed=1)       # doctest: +SKIP
>>> truth["category_elasticity"]["electronics"]                    # doctest: +SKIP
-3.0
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
from scipy import stats

from ecomkit.simulate.calendar import promotion_shapes, spring_festival_factor
from ecomkit.simulate.shop import CATEGORIES

__all__ = [
    "simulate_price_panel",
    "simulate_baskets",
    "expected_threshold_effect",
    "topup_probability",
    "CATEGORY_PRICING",
    "PANEL_COLUMNS",
    "BASKET_COLUMNS",
    "PRICING_FILES",
    "write_pricing_tables",
]

PANEL_COLUMNS = ("sku", "date", "category", "price", "list_price", "unit_cost", "units",
                 "promo", "price_test")
BASKET_COLUMNS = ("basket_id", "date", "promo", "gross_value", "threshold_discount", "net_paid",
                  "cost_of_goods")

# elasticity: population price elasticity of the category; median_list_price in CNY;
# cost_share: unit cost / list price; festival_depth: typical festival price cut (fraction);
# sku_share: share of the catalogue; season_peak_month and season_amplitude: yearly cycle.
CATEGORY_PRICING = {
    "apparel": {"elasticity": -2.4, "median_list_price": 159, "cost_share": 0.42,
                "festival_depth": 0.30, "sku_share": 0.25, "season_peak_month": 11,
                "season_amplitude": 0.25},
    "beauty": {"elasticity": -1.7, "median_list_price": 129, "cost_share": 0.32,
               "festival_depth": 0.25, "sku_share": 0.18, "season_peak_month": 12,
               "season_amplitude": 0.10},
    "food": {"elasticity": -0.7, "median_list_price": 49, "cost_share": 0.68,
             "festival_depth": 0.15, "sku_share": 0.17, "season_peak_month": 1,
             "season_amplitude": 0.20},
    "home": {"elasticity": -1.8, "median_list_price": 99, "cost_share": 0.50,
             "festival_depth": 0.20, "sku_share": 0.15, "season_peak_month": 4,
             "season_amplitude": 0.10},
    "electronics": {"elasticity": -3.0, "median_list_price": 399, "cost_share": 0.78,
                    "festival_depth": 0.12, "sku_share": 0.13, "season_peak_month": 9,
                    "season_amplitude": 0.15},
    "mother_baby": {"elasticity": -0.8, "median_list_price": 119, "cost_share": 0.58,
                    "festival_depth": 0.15, "sku_share": 0.12, "season_peak_month": 3,
                    "season_amplitude": 0.05},
}
CATALOGUE_RULE = {"list_price_log_sd": 0.45, "cost_noise_log_sd": 0.08,
                  "base_units_per_day_median": 8.0, "base_units_log_sd": 0.6,
                  "min_skus_per_category": 2}
ELASTICITY_RULE = {"sku_sd": 0.25, "price_rank_slope": 0.25, "cap": -0.2}
FESTIVAL_DEMAND = {"618": 2.5, "1111": 4.0, "1212": 0.8}
FESTIVAL_PRICING = {"join_prob": 0.8, "depth_noise": (0.7, 1.3), "early_week_share": 0.5}
PRICE_TEST = {"sku_share": 0.25, "arms": (0.85, 0.90, 0.95, 1.00, 1.05, 1.10)}
REGULAR_PROMO = {"base_prob": 0.10, "season_slope": 2.0, "depths": (0.05, 0.10, 0.15, 0.20, 0.25, 0.30)}
DEMAND_RULE = {"growth_per_year": 0.10, "week_noise_sd": 0.15,
               "weekday_factors": (0.95, 0.93, 0.94, 0.96, 1.02, 1.12, 1.08),
               "spring_festival_dip": 0.4, "spring_festival_width_days": 6.0}
SKU_PREFIX = "SKU"

DEFAULT_BASKETS = {"threshold": 199.0, "discount": 30.0, "start": "2025-09-01",
                   "days_before": 14, "days_promo": 14, "baskets_per_day": 1000}
BASKET_RULE = {"natural_median_cny": 150.0, "natural_log_sd": 0.55,
               "p_max": 0.7, "scale_per_cny_off": 0.6, "max_gap_per_cny_off": 2.5,
               "overshoot_shape": 2.0, "overshoot_scale_cny": 5.0,
               "cost_share_mean": 0.55, "cost_share_sd": 0.06, "min_value_cny": 5.0}
BASKET_ID_START = 700_000_001


# --------------------------------------------------------------------------- helpers


def _allocate(n: int, shares: dict[str, float], minimum: int) -> dict[str, int]:
    """Split ``n`` into integer counts per key, at least ``minimum`` each (largest remainder)."""
    keys = list(shares)
    if n < minimum * len(keys):
        raise ValueError(f"n_skus must be at least {minimum * len(keys)} ({minimum} per category), got {n}")
    spare = n - minimum * len(keys)
    raw = np.array([shares[k] for k in keys], dtype=float)
    raw = raw / raw.sum() * spare
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: spare - counts.sum()]] += 1
    return {k: int(c) + minimum for k, c in zip(keys, counts)}


def _nine_ending(price: np.ndarray) -> np.ndarray:
    """Round list prices to the shelf style 49, 99, 159, 1299 (a multiple of 10 minus 1)."""
    return np.maximum(np.round(price / 10.0) * 10.0 - 1.0, 9.0)


def _season(dates: pd.DatetimeIndex, peak_month: int, amplitude: float) -> np.ndarray:
    """Yearly log-cycle: ``amplitude * cos(2 pi (day_of_year - peak) / 365.25)``, peak mid-month."""
    peak_doy = pd.Timestamp(year=2001, month=peak_month, day=15).dayofyear
    doy = dates.dayofyear.to_numpy()
    return amplitude * np.cos(2 * np.pi * (doy - peak_doy) / 365.25)


# --------------------------------------------------------------------------- price panel


def simulate_price_panel(n_skus: int = 200, seed: int = 2025, start: str = "2023-01-01",
                         end: str = "2025-12-31") -> tuple[pd.DataFrame, dict]:
    """Simulate a daily SKU price panel with festival confounding and a price-test programme.

    Parameters
    ----------
    n_skus : number of SKUs (at least 12: two per category).
    seed : everything is a deterministic function of the seed.
    start, end : first and last calendar day (inclusive).

    Returns
    -------
    panel : DataFrame, one row per SKU and day (complete grid, zero-unit days included), columns
        sku (str), date (datetime64, midnight), category (str), price, list_price, unit_cost
        (float, CNY), units (int64), promo (bool: a festival or regular promotion cut the price),
        price_test (bool: the SKU-week belongs to the randomised price-test programme). Sorted
        by sku, date.
    truth : JSON-able dict (see the module docstring and ``truth["description"]``); per-SKU
        truth in ``truth["skus"]``.

    Example
    -------
    >>> panel, truth = simulate_price_panel(n_skus=24, seed=3, start="2024-01-01", end="2024-12-31")
    >>> len(panel) == 24 * 366
    True
    """
    start_day, end_day = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if end_day < start_day:
        raise ValueError(f"end {end!r} is before start {start!r}")
    days = pd.date_range(start_day, end_day, freq="D")
    n_days = len(days)
    rng_cat, rng_el, rng_price, rng_test, rng_demand = [
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]

    # 1. catalogue
    counts = _allocate(int(n_skus), {c: CATEGORY_PRICING[c]["sku_share"] for c in CATEGORIES},
                       CATALOGUE_RULE["min_skus_per_category"])
    cat_code = np.repeat(np.arange(len(CATEGORIES)), [counts[c] for c in CATEGORIES])
    n = cat_code.size
    cat_param = {k: np.array([CATEGORY_PRICING[c][k] for c in CATEGORIES], dtype=float)
                 for k in ("elasticity", "median_list_price", "cost_share", "festival_depth",
                           "season_peak_month", "season_amplitude")}
    z_price = rng_cat.standard_normal(n)
    list_price = _nine_ending(cat_param["median_list_price"][cat_code]
                              * np.exp(CATALOGUE_RULE["list_price_log_sd"] * z_price))
    unit_cost = np.round(list_price * cat_param["cost_share"][cat_code]
                         * np.exp(rng_cat.normal(0, CATALOGUE_RULE["cost_noise_log_sd"], n)), 2)
    unit_cost = np.minimum(unit_cost, np.round(0.95 * list_price, 2))
    base_units = CATALOGUE_RULE["base_units_per_day_median"] * np.exp(
        CATALOGUE_RULE["base_units_log_sd"] * rng_cat.standard_normal(n))

    # 2. elasticities: dearer SKUs inside a category are less price-sensitive
    z_rank = np.log(list_price / cat_param["median_list_price"][cat_code]) / CATALOGUE_RULE["list_price_log_sd"]
    elasticity = np.minimum(cat_param["elasticity"][cat_code]
                            + ELASTICITY_RULE["price_rank_slope"] * z_rank
                            + rng_el.normal(0, ELASTICITY_RULE["sku_sd"], n),
                            ELASTICITY_RULE["cap"])

    # 3. weekly prices
    week_of_day = ((days - days[0]).days.to_numpy() + days[0].dayofweek) // 7
    n_weeks = int(week_of_day[-1]) + 1
    shapes = promotion_shapes(days)
    fest_day = np.maximum.reduce([shapes["618"], shapes["1111"], shapes["1212"]])
    week_peak = np.zeros(n_weeks)
    np.maximum.at(week_peak, week_of_day, fest_day)
    # which festival (and year) a week belongs to: its own promotion event
    event_day = np.full(n_days, -1)
    for k, name in enumerate(("618", "1111", "1212")):
        event_day = np.where(shapes[name] > 0, k + 3 * (days.year.to_numpy() - days[0].year), event_day)
    week_event = np.full(n_weeks, -1)
    np.maximum.at(week_event, week_of_day, event_day)
    festival_week = week_peak > 0
    n_events = int(week_event.max()) + 1 if festival_week.any() else 0

    multiplier = np.ones((n, n_weeks))
    promo = np.zeros((n, n_weeks), dtype=bool)
    in_test = np.zeros((n, n_weeks), dtype=bool)

    # the price-test programme: a stratified random share of each category's SKUs
    test_sku = np.zeros(n, dtype=bool)
    for c in range(len(CATEGORIES)):
        members = np.flatnonzero(cat_code == c)
        k = max(1, int(round(PRICE_TEST["sku_share"] * members.size)))
        test_sku[rng_test.choice(members, size=k, replace=False)] = True
    arms = np.asarray(PRICE_TEST["arms"])
    test_cells = test_sku[:, None] & ~festival_week[None, :]
    arm_draw = arms[rng_test.integers(0, arms.size, size=(n, n_weeks))]
    multiplier = np.where(test_cells, arm_draw, multiplier)
    in_test |= test_cells

    # regular promotions: more likely in the category's high season
    week_mid = days[0] - pd.Timedelta(days=int(days[0].dayofweek)) + pd.to_timedelta(7 * np.arange(n_weeks) + 3, "D")
    season_week = np.stack([_season(pd.DatetimeIndex(week_mid), int(cat_param["season_peak_month"][c]),
                                     float(cat_param["season_amplitude"][c])) for c in range(len(CATEGORIES))])
    promo_prob = np.clip(REGULAR_PROMO["base_prob"] * (1 + REGULAR_PROMO["season_slope"] * season_week[cat_code]), 0, 1)
    regular = (~test_cells) & ~festival_week[None, :] & (rng_price.random((n, n_weeks)) < promo_prob)
    depth = np.asarray(REGULAR_PROMO["depths"])[rng_price.integers(0, len(REGULAR_PROMO["depths"]), (n, n_weeks))]
    multiplier = np.where(regular, 1 - depth, multiplier)
    promo |= regular

    # festivals: each SKU joins each event with a probability; deeper cut in the peak week
    if n_events:
        joins = rng_price.random((n, n_events)) < FESTIVAL_PRICING["join_prob"]
        lo, hi = FESTIVAL_PRICING["depth_noise"]
        event_depth = cat_param["festival_depth"][cat_code][:, None] * rng_price.uniform(lo, hi, (n, n_events))
        fw = np.flatnonzero(festival_week)
        share = FESTIVAL_PRICING["early_week_share"]
        cut = event_depth[:, week_event[fw]] * (share + (1 - share) * week_peak[fw])[None, :]
        joined = joins[:, week_event[fw]]
        multiplier[:, fw] = np.where(joined, 1 - cut, 1.0)
        promo[:, fw] = joined
    weekly_price = np.round(list_price[:, None] * multiplier, 2)

    # 4. daily demand
    years = (days - days[0]).days.to_numpy() / 365.25
    common = (np.exp(DEMAND_RULE["growth_per_year"] * years)
              * np.asarray(DEMAND_RULE["weekday_factors"])[days.dayofweek.to_numpy()]
              * (1 + sum(FESTIVAL_DEMAND[k] * shapes[k] for k in FESTIVAL_DEMAND))
              * spring_festival_factor(days, DEMAND_RULE["spring_festival_dip"],
                                       DEMAND_RULE["spring_festival_width_days"]))
    season_day = np.stack([_season(days, int(cat_param["season_peak_month"][c]),
                                   float(cat_param["season_amplitude"][c])) for c in range(len(CATEGORIES))])
    shock = rng_demand.normal(0, DEMAND_RULE["week_noise_sd"], (n, n_weeks))
    log_mu = (np.log(base_units)[:, None]
              + elasticity[:, None] * np.log(weekly_price / list_price[:, None])[:, week_of_day]
              + np.log(common)[None, :] + season_day[cat_code] + shock[:, week_of_day])
    units = rng_demand.poisson(np.exp(log_mu))

    sku_ids = np.array([f"{SKU_PREFIX}{i + 1:04d}" for i in range(n)], dtype=object)
    categories = np.asarray(CATEGORIES, dtype=object)[cat_code]
    panel = pd.DataFrame({
        "sku": np.repeat(sku_ids, n_days),
        "date": np.tile(days.to_numpy(dtype="datetime64[ns]"), n),
        "category": np.repeat(categories, n_days),
        "price": weekly_price[:, week_of_day].ravel(),
        "list_price": np.repeat(list_price, n_days),
        "unit_cost": np.repeat(unit_cost, n_days),
        "units": units.ravel().astype(np.int64),
        "promo": promo[:, week_of_day].ravel(),
        "price_test": in_test[:, week_of_day].ravel(),
    })

    skus = pd.DataFrame({"sku": sku_ids, "category": categories, "list_price": list_price,
                         "unit_cost": unit_cost, "base_units_per_day": np.round(base_units, 4),
                         "elasticity": np.round(elasticity, 6), "in_price_test": test_sku})
    truth = _panel_truth(seed, n, start_day, end_day, skus, counts, panel)
    return panel, truth


def _panel_truth(seed, n, start_day, end_day, skus: pd.DataFrame, counts, panel) -> dict:
    fmt = "%Y-%m-%d"
    realised = skus.groupby("category", sort=False)["elasticity"].mean()
    truth = {
        "seed": int(seed),
        "n_skus": int(n),
        "start": start_day.strftime(fmt),
        "end": end_day.strftime(fmt),
        "price_unit": "CNY",
        "category_elasticity": {c: CATEGORY_PRICING[c]["elasticity"] for c in CATEGORIES},
        "category_mean_sku_elasticity": {c: round(float(realised[c]), 6) for c in CATEGORIES},
        "skus_per_category": counts,
        "category_pricing": CATEGORY_PRICING,
        "catalogue": CATALOGUE_RULE,
        "elasticity_rule": ELASTICITY_RULE,
        "festival_demand": FESTIVAL_DEMAND,
        "festival_pricing": FESTIVAL_PRICING,
        "price_test": {**PRICE_TEST, "skus": skus.loc[skus["in_price_test"], "sku"].tolist()},
        "regular_promo": REGULAR_PROMO,
        "demand": DEMAND_RULE,
        "demand_model": ("units[i, day] ~ Poisson(base_units_per_day[i] * (price[i, week] / list_price[i]) "
                         "** elasticity[i] * exp(growth_per_year * years) * weekday_factor[day] * "
                         "exp(season_c(day)) * (1 + 2.5 s618 + 4.0 s1111 + 0.8 s1212) * spring_dip(day) "
                         "* exp(eps[i, week])), eps ~ Normal(0, week_noise_sd)"),
        "counts": {"rows": int(len(panel)), "zero_unit_rows": int((panel["units"] == 0).sum()),
                   "promo_rows": int(panel["promo"].sum()), "price_test_rows": int(panel["price_test"].sum())},
        "skus": skus.to_dict(orient="records"),
        "description": _PANEL_DESCRIPTION,
    }
    return json.loads(json.dumps(truth))


_PANEL_DESCRIPTION = {
    "category_elasticity": "Population price elasticity of each category (d log units / d log price).",
    "category_mean_sku_elasticity": "Mean of the true elasticities of the category's SKUs in this "
                                    "catalogue: what a regression over the category estimates.",
    "elasticity_rule": "e_i = e_c + price_rank_slope * z_i + Normal(0, sku_sd), capped at cap; z_i is "
                       "the SKU's log list price minus the log category median, over list_price_log_sd.",
    "catalogue": "list price ~ median * exp(list_price_log_sd * z), rounded to end in 9; unit cost = "
                 "list * cost_share * exp(Normal(0, cost_noise_log_sd)); base units per day ~ log-normal.",
    "festival_pricing": "In weeks touching a festival ramp a SKU joins the event with join_prob and is cut "
                        "by festival_depth * Uniform(depth_noise) * (early_week_share + (1 - "
                        "early_week_share) * the week's peak ramp value).",
    "price_test": "A stratified random sku_share of each category is in the programme: in every "
                  "non-festival week its price is list * an arm drawn uniformly at random.",
    "regular_promo": "Other non-festival SKU-weeks are cut by a depth drawn from depths with probability "
                     "base_prob * (1 + season_slope * season_c(week)).",
    "demand": "See demand_model; prices are constant Monday to Sunday.",
    "skus": "One record per SKU: sku, category, list_price, unit_cost, base_units_per_day, elasticity, "
            "in_price_test.",
}


# --------------------------------------------------------------------------- baskets


def topup_probability(gap, discount: float, rule: dict | None = None) -> np.ndarray:
    """Chance that a basket short of the threshold by ``gap`` CNY is topped up over it."""
    r = {**BASKET_RULE, **(rule or {})}
    gap = np.asarray(gap, dtype=float)
    p = r["p_max"] * np.exp(-gap / (r["scale_per_cny_off"] * discount))
    return np.where((gap > 0) & (gap <= r["max_gap_per_cny_off"] * discount), p, 0.0)


def simulate_baskets(seed: int = 2025, threshold: float = DEFAULT_BASKETS["threshold"],
                     discount: float = DEFAULT_BASKETS["discount"], start: str = DEFAULT_BASKETS["start"],
                     days_before: int = DEFAULT_BASKETS["days_before"],
                     days_promo: int = DEFAULT_BASKETS["days_promo"],
                     baskets_per_day: float = DEFAULT_BASKETS["baskets_per_day"]) -> tuple[pd.DataFrame, dict]:
    """Simulate baskets before and during a 满减 offer ("spend ``threshold``, get ``discount`` off").

    Returns
    -------
    baskets : DataFrame, one row per basket: basket_id (int64), date, promo (bool: the offer was
        live), gross_value (CNY, goods before the offer's reduction), threshold_discount (CNY),
        net_paid (CNY), cost_of_goods (CNY).
    truth : JSON-able dict: the natural basket-value law, the top-up response, and the realised
        number of baskets pushed over the threshold and their top-up value.

    Example
    -------
    >>> baskets, truth = simulate_baskets(seed=1, days_before=2, days_promo=2)
    >>> bool((baskets.loc[baskets["threshold_discount"] > 0, "gross_value"] >= 199).all())
    True
    """
    if threshold <= 0 or discount <= 0 or discount >= threshold:
        raise ValueError("need 0 < discount < threshold")
    r = BASKET_RULE
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2]))
    days = pd.date_range(pd.Timestamp(start).normalize(), periods=days_before + days_promo, freq="D")
    weekday = np.asarray(DEMAND_RULE["weekday_factors"])[days.dayofweek.to_numpy()]
    per_day = rng.poisson(baskets_per_day * weekday)
    day_idx = np.repeat(np.arange(len(days)), per_day)
    m = day_idx.size
    promo = day_idx >= days_before
    natural = np.maximum(np.round(r["natural_median_cny"] * np.exp(r["natural_log_sd"] * rng.standard_normal(m)), 2),
                         r["min_value_cny"])
    gap = threshold - natural
    pushed = promo & (rng.random(m) < topup_probability(gap, discount))
    overshoot = rng.gamma(r["overshoot_shape"], r["overshoot_scale_cny"], m)
    gross = np.where(pushed, np.round(threshold + overshoot, 2), natural)
    off = np.where(promo & (gross >= threshold), float(discount), 0.0)
    cost_share = np.clip(rng.normal(r["cost_share_mean"], r["cost_share_sd"], m), 0.2, 0.9)
    baskets = pd.DataFrame({
        "basket_id": BASKET_ID_START + np.arange(m, dtype=np.int64),
        "date": days.to_numpy(dtype="datetime64[ns]")[day_idx],
        "promo": promo,
        "gross_value": gross,
        "threshold_discount": off,
        "net_paid": np.round(gross - off, 2),
        "cost_of_goods": np.round(gross * cost_share, 2),
    })
    truth = {
        "seed": int(seed),
        "threshold": float(threshold),
        "discount": float(discount),
        "start": days[0].strftime("%Y-%m-%d"),
        "promo_start": days[days_before].strftime("%Y-%m-%d") if days_promo else None,
        "end": days[-1].strftime("%Y-%m-%d"),
        "baskets_per_day": float(baskets_per_day),
        "rule": dict(r),
        "response": ("P(top-up | gap) = p_max * exp(-gap / (scale_per_cny_off * discount)) for "
                     "0 < gap <= max_gap_per_cny_off * discount, else 0; a topped-up basket ends at "
                     "threshold + Gamma(overshoot_shape, overshoot_scale_cny)"),
        "natural_value": "log-normal: natural_median_cny * exp(natural_log_sd * Normal(0, 1)), at least min_value_cny",
        "counts": {
            "baskets_before": int((~promo).sum()),
            "baskets_promo": int(promo.sum()),
            "pushed_over": int(pushed.sum()),
            "qualifying_naturally": int((promo & (natural >= threshold)).sum()),
            "topup_value_cny": round(float((gross - natural)[pushed].sum()), 2),
            "discount_cost_cny": round(float(off.sum()), 2),
        },
        "description": "Baskets are independent; the offer changes their value, not their number.",
    }
    return baskets, json.loads(json.dumps(truth))


def expected_threshold_effect(thresholds, discount: float, rule: dict | None = None) -> pd.DataFrame:
    """What a 满减 offer does per basket under the simulator's true law, for each threshold.

    Integrates the natural log-normal basket value against the top-up response. Columns:
    threshold, qualify_naturally, pushed_over (shares of baskets), topup_cny, discount_cost_cny,
    revenue_effect_cny, margin_effect_cny (all per basket placed; margin uses
    1 - cost_share_mean).
    """
    r = {**BASKET_RULE, **(rule or {})}
    law = stats.lognorm(s=r["natural_log_sd"], scale=r["natural_median_cny"])
    overshoot = r["overshoot_shape"] * r["overshoot_scale_cny"]
    rows = []
    for x in np.atleast_1d(np.asarray(thresholds, dtype=float)):
        grid = np.linspace(max(x - r["max_gap_per_cny_off"] * discount, 1e-6), x, 4001)
        weight = law.pdf(grid) * topup_probability(x - grid, discount, r)
        pushed = float(np.trapezoid(weight, grid))
        topup = float(np.trapezoid(weight * (x + overshoot - grid), grid))
        natural = float(law.sf(x))
        cost = discount * (natural + pushed)
        rows.append({"threshold": x, "qualify_naturally": natural, "pushed_over": pushed, "topup_cny": topup,
                     "discount_cost_cny": cost, "revenue_effect_cny": topup - cost,
                     "margin_effect_cny": topup * (1 - r["cost_share_mean"]) - cost})
    return pd.DataFrame(rows)



# --------------------------------------------------------------------------- the bundled files

PRICING_FILES = ("price_panel.parquet", "baskets.csv", "pricing_truth.json")


def write_pricing_tables(directory, seed: int = 2025, n_skus: int = 200) -> list:
    """Write ``price_panel.parquet``, ``baskets.csv`` and ``pricing_truth.json`` into ``directory``.

    The truth file holds ``{"price_panel": ..., "baskets": ...}``. Returns the paths written.
    """
    from pathlib import Path

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    panel, panel_truth = simulate_price_panel(n_skus=n_skus, seed=seed)
    baskets, basket_truth = simulate_baskets(seed=seed)
    panel.to_parquet(directory / PRICING_FILES[0], index=False, compression="zstd")
    baskets.to_csv(directory / PRICING_FILES[1], index=False, encoding="utf-8", lineterminator="\n",
                   date_format="%Y-%m-%d", float_format="%.2f")
    with open(directory / PRICING_FILES[2], "w", encoding="utf-8") as fh:
        json.dump({"price_panel": panel_truth, "baskets": basket_truth}, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    return [directory / name for name in PRICING_FILES]
