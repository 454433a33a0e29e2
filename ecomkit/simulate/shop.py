"""The demo shop: customers, orders and the daily traffic funnel, with their ground truth.

Generative story (all vectorised NumPy; one random stream per part, spawned from ``seed``):

1. Acquisition. Each customer's first order day is drawn by inverse CDF from
   :func:`~ecomkit.simulate.calendar.acquisition_intensity` over the window (growth, weekday
   pattern, Spring-Festival dip, 618 / 11.11 / 12.12 peaks); the hour from the evening-skewed
   :data:`~ecomkit.simulate.calendar.HOUR_WEIGHTS`. Customer ids follow first-order time.
2. Profile. Province by shopper weight, city tier from the province's tier profile,
   acquisition channel from shares that drift linearly over the window (live_stream grows),
   age band, membership (more likely for frequent buyers, without changing the rate's law).
3. Repeat purchases: BG/NBD in continuous time, unit = week, clock starting at the first order.
   lambda ~ Gamma(shape r, rate alpha), p ~ Beta(a, b). While alive, repeat orders arrive at
   Poisson rate lambda; after each repeat order the customer drops out with probability p.
   Vectorised as: K ~ Geometric(p) (the index of the last repeat order), N ~ Poisson(lambda T)
   Poisson events in the customer's remaining window of T weeks, event times = sorted uniforms
   on [0, T], keep the first min(K, N). The hour of a repeat order is then redrawn from the
   evening profile inside the same calendar day (day counts, hence the daily BG/NBD summary,
   are unchanged).
4. Spend: Gamma-Gamma. nu ~ Gamma(shape q, rate gamma) per customer, each order's net_amount
   ~ Gamma(shape p, rate nu) CNY, rounded to 0.01 and floored at 0.01.
5. Order details: channel (first order = acquisition channel; repeats stick to it with
   probability ``repeat_stickiness`` or else come from a private_domain/organic/search-heavy
   mix), category (the customer's favourite with probability ``favourite_prob``, else the shop
   mix), items = 1 + Poisson, discount rate (channel base + festival boosts + member + noise) ->
   gross and discount amounts, shipping fee by the free-shipping threshold, status returned
   with a category-dependent probability.
6. Cancelled orders: extra rows, 1-30 minutes before ~3% of real orders on the same calendar
   day (same customer, channel, category; own amounts), status "cancelled". Dropping them
   leaves the purchase process untouched.
7. Funnel: per day x channel, orders are counted from the orders table (all statuses), then
   add_to_cart, product_views and visitors are built upwards with channel-specific rates and
   multiplicative Gamma noise.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import gammainc

from ecomkit.simulate.calendar import HOUR_WEIGHTS, DEFAULT_ACQUISITION, acquisition_intensity
from ecomkit.simulate.calendar import promotion_shapes
from ecomkit.simulate.geography import (
    PROVINCES,
    _province_probabilities,
    _tier_cumulative_by_province,
)
from ecomkit.truth import ShopTruth

__all__ = [
    "Shop",
    "simulate_shop",
    "CHANNELS",
    "CATEGORIES",
    "AGE_BANDS",
    "STATUSES",
    "DEFAULT_BGNBD",
    "DEFAULT_GAMMA_GAMMA",
]

DAY_S = 86_400
WEEK_S = 7 * DAY_S
CUSTOMER_ID_START = 100_001       # ids never overlap order ids, so a wrong join fails loudly
ORDER_ID_START = 500_000_001

CHANNELS = ("search", "feed_ads", "live_stream", "social", "private_domain", "organic")
CATEGORIES = ("apparel", "beauty", "food", "home", "electronics", "mother_baby")
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55+")
STATUSES = ("completed", "returned", "cancelled")

DEFAULT_BGNBD = {"r": 0.55, "alpha": 10.0, "a": 0.7, "b": 3.5}
DEFAULT_GAMMA_GAMMA = {"p": 4.0, "q": 3.5, "gamma": 120.0}

# Acquisition-channel shares at the window start and end; in between they move linearly.
ACQUISITION_SHARES_START = {"search": 0.28, "feed_ads": 0.22, "live_stream": 0.12,
                            "social": 0.12, "private_domain": 0.08, "organic": 0.18}
ACQUISITION_SHARES_END = {"search": 0.20, "feed_ads": 0.20, "live_stream": 0.28,
                          "social": 0.12, "private_domain": 0.08, "organic": 0.12}
REPEAT_CHANNEL_MIX = {"search": 0.20, "feed_ads": 0.08, "live_stream": 0.10,
                      "social": 0.05, "private_domain": 0.32, "organic": 0.25}
REPEAT_STICKINESS = 0.30
CATEGORY_MIX = {"apparel": 0.30, "beauty": 0.18, "food": 0.17, "home": 0.15,
                "electronics": 0.10, "mother_baby": 0.10}
FAVOURITE_PROB = 0.50
AGE_MIX = {"18-24": 0.18, "25-34": 0.36, "35-44": 0.25, "45-54": 0.13, "55+": 0.08}
MEMBER_RULE = {"base": 0.10, "slope": 0.30}
RETURN_PROB = {"apparel": 0.12, "beauty": 0.04, "food": 0.02, "home": 0.05,
               "electronics": 0.06, "mother_baby": 0.03}
CANCEL_RULE = {"prob": 0.03, "min_minutes_before": 1, "max_minutes_before": 30}
ITEMS_RULE = {"base_by_category": {"apparel": 0.6, "beauty": 0.8, "food": 1.2, "home": 0.5,
                                   "electronics": 0.2, "mother_baby": 0.9},
              "per_cny": 1 / 400}
DISCOUNT_RULE = {"base_by_channel": {"search": 0.05, "feed_ads": 0.08, "live_stream": 0.15,
                                     "social": 0.08, "private_domain": 0.10, "organic": 0.03},
                 "boost_618": 0.10, "boost_1111": 0.15, "boost_1212": 0.06,
                 "member_extra": 0.02, "noise_sd": 0.03, "min": 0.0, "max": 0.60}
SHIPPING_RULE = {"free_threshold_cny": 99.0, "fee_cny": 8.0, "remote_fee_cny": 15.0}
# (orders / add_to_cart, add_to_cart / product_views, product_views / visitors) per channel
FUNNEL_RATES = {"search": (0.30, 0.14, 0.55), "feed_ads": (0.25, 0.10, 0.40),
                "live_stream": (0.35, 0.15, 0.70), "social": (0.28, 0.10, 0.50),
                "private_domain": (0.40, 0.16, 0.60), "organic": (0.30, 0.12, 0.55)}
FUNNEL_NOISE_CV = 0.15


@dataclass(frozen=True, eq=False)
class Shop:
    """A simulated shop: three tables and the truth that generated them.

    Attributes
    ----------
    customers : one row per customer (customer_id, first_order_ts, province, city_tier,
        acquisition_channel, age_band, member), sorted by first_order_ts.
    orders : one row per order incl. cancelled ones, sorted by order_ts (see DESIGN.md).
    funnel_daily : one row per date x channel (complete grid).
    truth : :class:`~ecomkit.truth.ShopTruth`.
    """

    customers: pd.DataFrame
    orders: pd.DataFrame
    funnel_daily: pd.DataFrame
    truth: ShopTruth


def _cdf(probs) -> np.ndarray:
    cdf = np.cumsum(np.asarray(probs, dtype=float))
    cdf /= cdf[-1]
    cdf[-1] = 1.0
    return cdf


def _draw_codes(rng: np.random.Generator, probs, size: int) -> np.ndarray:
    """Integer codes 0..len(probs)-1 with the given probabilities (inverse CDF)."""
    return np.searchsorted(_cdf(probs), rng.random(size), side="right").astype(np.int8)


def _seconds_of_day(rng: np.random.Generator, size: int) -> np.ndarray:
    hour = np.searchsorted(_cdf(HOUR_WEIGHTS), rng.random(size), side="right")
    return hour.astype(np.int64) * 3600 + rng.integers(0, 3600, size, dtype=np.int64)


def _take(labels, codes: np.ndarray) -> np.ndarray:
    """Object array of labels: shares the label str objects, so it is cheap at 10M rows."""
    return np.asarray(labels, dtype=object)[codes]


def _to_ts(start_ns: int, seconds: np.ndarray) -> np.ndarray:
    return (seconds.astype(np.int64) * 1_000_000_000 + start_ns).view("datetime64[ns]")


def _vec(mapping: dict, keys) -> np.ndarray:
    return np.array([mapping[k] for k in keys], dtype=float)


def simulate_shop(n_customers: int = 20_000, seed: int = 2025, start: str = "2023-01-01",
                  end: str = "2025-12-31", *, bgnbd: dict | None = None,
                  gamma_gamma: dict | None = None) -> Shop:
    """Simulate the demo shop.

    Parameters
    ----------
    n_customers : number of customers acquired in the window (each has >= 1 order).
    seed : everything is a deterministic function of the seed.
    start, end : first and last calendar day of the window (end inclusive; the observation
        end is ``end 23:59:59``).
    bgnbd : override of the BG/NBD truth {r, alpha, a, b} (time unit: week).
    gamma_gamma : override of the Gamma-Gamma truth {p, q, gamma} (spend unit: CNY).

    Returns
    -------
    :class:`Shop` with customers, orders, funnel_daily and truth.

    Example
    -------
    >>> shop = simulate_shop(5_000, seed=7)
    >>> bool(shop.orders["status"].isin(["completed", "returned", "cancelled"]).all())
    True
    """
    n = int(n_customers)
    if n < 1:
        raise ValueError(f"n_customers must be >= 1, got {n_customers!r}")
    bg = {**DEFAULT_BGNBD, **(bgnbd or {})}
    gg = {**DEFAULT_GAMMA_GAMMA, **(gamma_gamma or {})}
    start_day = pd.Timestamp(start).normalize()
    end_day = pd.Timestamp(end).normalize()
    if end_day < start_day:
        raise ValueError(f"end {end!r} is before start {start!r}")
    days = pd.date_range(start_day, end_day, freq="D")
    n_days = len(days)
    window_s = n_days * DAY_S
    start_ns = start_day.value

    (rng_acq, rng_profile, rng_bg, rng_spend, rng_detail, rng_cancel,
     rng_funnel) = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)]

    # 1. acquisition: first-order time in seconds since the window start, sorted = id order
    day_cdf = _cdf(acquisition_intensity(days))
    first_day = np.searchsorted(day_cdf, rng_acq.random(n), side="right").astype(np.int64)
    first_s = first_day * DAY_S + _seconds_of_day(rng_acq, n)
    first_s.sort()
    window_frac = first_s / window_s

    # 2. profile
    province = _draw_codes(rng_profile, _province_probabilities(), n)
    tier_cum = _tier_cumulative_by_province()[province]
    city_tier = np.minimum((rng_profile.random(n)[:, None] >= tier_cum).sum(axis=1), 4) + 1
    cum0 = _cdf(_vec(ACQUISITION_SHARES_START, CHANNELS))
    cum1 = _cdf(_vec(ACQUISITION_SHARES_END, CHANNELS))
    acq_cum = cum0 + window_frac[:, None] * (cum1 - cum0)
    acq_channel = np.minimum((rng_profile.random(n)[:, None] >= acq_cum).sum(axis=1),
                             len(CHANNELS) - 1).astype(np.int8)
    del tier_cum, acq_cum
    age_band = _draw_codes(rng_profile, _vec(AGE_MIX, AGE_BANDS), n)
    favourite = _draw_codes(rng_profile, _vec(CATEGORY_MIX, CATEGORIES), n)

    # 3. BG/NBD repeat purchases
    lam = rng_bg.gamma(bg["r"], 1.0 / bg["alpha"], n)
    p_drop = rng_bg.beta(bg["a"], bg["b"], n)
    # membership leans to frequent buyers through the rate's own CDF (a rank), so the law of
    # lambda -- and hence the BG/NBD truth -- is untouched
    member_prob = MEMBER_RULE["base"] + MEMBER_RULE["slope"] * gammainc(bg["r"], bg["alpha"] * lam)
    member = rng_profile.random(n) < member_prob
    remaining_s = window_s - first_s
    n_events = rng_bg.poisson(lam * (remaining_s / WEEK_S))
    last_repeat = rng_bg.geometric(np.clip(p_drop, 1e-12, 1.0))
    n_repeat = np.minimum(n_events, last_repeat)
    alive = n_events < last_repeat

    owner = np.repeat(np.arange(n, dtype=np.int64), n_events)
    key = owner + rng_bg.random(owner.size)           # integer part = owner, sort within owner
    key.sort()
    frac = np.clip(key - owner, 0.0, np.nextafter(1.0, 0.0))
    del key
    group_start = np.repeat(np.cumsum(n_events) - n_events, n_events)
    keep = (np.arange(owner.size) - group_start) < np.repeat(last_repeat, n_events)
    del group_start
    rep_owner = owner[keep]
    rep_s = first_s[rep_owner] + np.floor(frac[keep] * remaining_s[rep_owner]).astype(np.int64)
    del owner, frac, keep
    redrawn = (rep_s // DAY_S) * DAY_S + _seconds_of_day(rng_bg, rep_s.size)
    rep_s = np.where(redrawn > first_s[rep_owner], redrawn, rep_s)
    del redrawn

    # 4-5. real orders (first + repeat), Gamma-Gamma spend, details
    real_cust = np.concatenate([np.arange(n, dtype=np.int64), rep_owner])
    real_s = np.concatenate([first_s, rep_s])
    m_real = real_cust.size
    nu = rng_spend.gamma(gg["q"], 1.0 / gg["gamma"], n)
    real_cents = np.maximum(np.rint(rng_spend.gamma(gg["p"], 1.0, m_real) / nu[real_cust] * 100), 1)
    rep_channel = np.where(rng_detail.random(rep_owner.size) < REPEAT_STICKINESS,
                           acq_channel[rep_owner],
                           _draw_codes(rng_detail, _vec(REPEAT_CHANNEL_MIX, CHANNELS),
                                       rep_owner.size))
    real_channel = np.concatenate([acq_channel, rep_channel.astype(np.int8)])
    del rep_owner, rep_s, rep_channel
    real_category = np.where(rng_detail.random(m_real) < FAVOURITE_PROB, favourite[real_cust],
                             _draw_codes(rng_detail, _vec(CATEGORY_MIX, CATEGORIES), m_real))
    returned = rng_detail.random(m_real) < _vec(RETURN_PROB, CATEGORIES)[real_category]

    # 6. cancelled extras, same day, 1-30 minutes before the real order they precede
    second_of_day = real_s % DAY_S
    lo, hi = CANCEL_RULE["min_minutes_before"] * 60, CANCEL_RULE["max_minutes_before"] * 60
    picked = np.flatnonzero((rng_cancel.random(m_real) < CANCEL_RULE["prob"])
                            & (second_of_day >= lo))
    gap = np.minimum(rng_cancel.integers(lo, hi + 1, picked.size), second_of_day[picked])
    cancel_cust = real_cust[picked]
    cancel_cents = np.maximum(
        np.rint(rng_cancel.gamma(gg["p"], 1.0, picked.size) / nu[cancel_cust] * 100), 1)

    cust = np.concatenate([real_cust, cancel_cust])
    ts_s = np.concatenate([real_s, real_s[picked] - gap])
    channel = np.concatenate([real_channel, real_channel[picked]])
    category = np.concatenate([real_category, real_category[picked]]).astype(np.int8)
    net_cents = np.concatenate([real_cents, cancel_cents]).astype(np.int64)
    status = np.concatenate([returned.astype(np.int8),
                             np.full(picked.size, 2, dtype=np.int8)])
    del real_cust, real_s, real_channel, real_category, real_cents, cancel_cents, returned
    del second_of_day, gap, picked, cancel_cust

    order = np.argsort(ts_s, kind="stable")
    cust, ts_s, channel, category, net_cents, status = (
        a[order] for a in (cust, ts_s, channel, category, net_cents, status))
    del order
    m = cust.size

    items = 1 + rng_detail.poisson(
        _vec(ITEMS_RULE["base_by_category"], CATEGORIES)[category]
        + net_cents / 100 * ITEMS_RULE["per_cny"])
    order_day = ts_s // DAY_S
    shapes = promotion_shapes(days)
    day_boost = (DISCOUNT_RULE["boost_618"] * shapes["618"]
                 + DISCOUNT_RULE["boost_1111"] * shapes["1111"]
                 + DISCOUNT_RULE["boost_1212"] * shapes["1212"])
    discount_rate = np.clip(
        _vec(DISCOUNT_RULE["base_by_channel"], CHANNELS)[channel] + day_boost[order_day]
        + DISCOUNT_RULE["member_extra"] * member[cust]
        + rng_detail.normal(0.0, DISCOUNT_RULE["noise_sd"], m),
        DISCOUNT_RULE["min"], DISCOUNT_RULE["max"])
    gross_cents = np.maximum(np.rint(net_cents / (1.0 - discount_rate)), net_cents).astype(np.int64)
    del discount_rate
    remote = PROVINCES["remote"].to_numpy(dtype=bool)[province[cust]]
    shipping_cents = np.where(net_cents >= SHIPPING_RULE["free_threshold_cny"] * 100, 0,
                              np.where(remote, SHIPPING_RULE["remote_fee_cny"] * 100,
                                       SHIPPING_RULE["fee_cny"] * 100))
    del remote

    # 7. funnel from the order counts upwards
    n_ch = len(CHANNELS)
    funnel_orders = np.bincount(order_day * n_ch + channel, minlength=n_days * n_ch)
    funnel_channel = np.tile(np.arange(n_ch), n_days)
    rates = np.array([FUNNEL_RATES[c] for c in CHANNELS])[funnel_channel]
    shape = 1.0 / FUNNEL_NOISE_CV ** 2

    def _grow(count: np.ndarray, rate: np.ndarray) -> np.ndarray:
        # at least half an event's worth of traffic, so days without orders still have visitors
        noise = rng_funnel.gamma(shape, 1.0 / shape, count.size)
        return count + rng_funnel.poisson(np.maximum(count, 0.5) * (1.0 / rate - 1.0) * noise)

    add_to_cart = _grow(funnel_orders, rates[:, 0])
    product_views = _grow(add_to_cart, rates[:, 1])
    visitors = _grow(product_views, rates[:, 2])

    # tables
    province_names = PROVINCES["province"].tolist()
    customers = pd.DataFrame({
        "customer_id": CUSTOMER_ID_START + np.arange(n, dtype=np.int64),
        "first_order_ts": _to_ts(start_ns, first_s),
        "province": _take(province_names, province),
        "city_tier": city_tier.astype(np.int64),
        "acquisition_channel": _take(CHANNELS, acq_channel),
        "age_band": _take(AGE_BANDS, age_band),
        "member": member,
    })
    orders = pd.DataFrame({
        "order_id": ORDER_ID_START + np.arange(m, dtype=np.int64),
        "customer_id": CUSTOMER_ID_START + cust,
        "order_ts": _to_ts(start_ns, ts_s),
        "channel": _take(CHANNELS, channel),
        "province": _take(province_names, province[cust]),
        "category": _take(CATEGORIES, category),
        "items": items.astype(np.int64),
        "gross_amount": gross_cents / 100,
        "discount_amount": (gross_cents - net_cents) / 100,
        "net_amount": net_cents / 100,
        "shipping_fee": shipping_cents / 100,
        "status": _take(STATUSES, status),
    })
    funnel_daily = pd.DataFrame({
        "date": np.repeat(days.to_numpy(dtype="datetime64[ns]"), n_ch),
        "channel": _take(CHANNELS, funnel_channel),
        "visitors": visitors.astype(np.int64),
        "product_views": product_views.astype(np.int64),
        "add_to_cart": add_to_cart.astype(np.int64),
        "orders": funnel_orders.astype(np.int64),
    })
    truth_customers = pd.DataFrame({
        "customer_id": customers["customer_id"].to_numpy(),
        "purchase_rate_per_week": lam,
        "dropout_prob": p_drop,
        "mean_spend_cny": gg["p"] / nu,
        "alive_at_end": alive,
        "n_repeat_purchases": n_repeat.astype(np.int64),
    })
    counts = {"customers": n, "orders": int(m),
              "cancelled_orders": int((status == 2).sum()),
              "returned_orders": int((status == 1).sum()),
              "repeat_purchases": int(n_repeat.sum())}
    params = _truth_params(n, seed, start_day, end_day, bg, gg, counts)
    return Shop(customers=customers, orders=orders, funnel_daily=funnel_daily,
                truth=ShopTruth(params=params, customers=truth_customers))


def _truth_params(n: int, seed: int, start_day: pd.Timestamp, end_day: pd.Timestamp,
                  bg: dict, gg: dict, counts: dict) -> dict:
    fmt = "%Y-%m-%d"
    params = {
        "seed": int(seed),
        "n_customers": int(n),
        "start": start_day.strftime(fmt),
        "end": end_day.strftime(fmt),
        "observation_end": (end_day + pd.Timedelta(days=1, seconds=-1)).strftime(
            "%Y-%m-%d %H:%M:%S"),
        "time_unit": "week",
        "spend_unit": "CNY",
        "bgnbd": {k: float(v) for k, v in bg.items()},
        "gamma_gamma": {k: float(v) for k, v in gg.items()},
        "acquisition": dict(DEFAULT_ACQUISITION),
        "acquisition_channel_shares": {"start": ACQUISITION_SHARES_START,
                                       "end": ACQUISITION_SHARES_END},
        "repeat_channel": {"stickiness": REPEAT_STICKINESS, "mix": REPEAT_CHANNEL_MIX},
        "category": {"favourite_prob": FAVOURITE_PROB, "mix": CATEGORY_MIX},
        "age_band_mix": AGE_MIX,
        "member": MEMBER_RULE,
        "status": {"return_prob_by_category": RETURN_PROB, "cancel": CANCEL_RULE},
        "items": ITEMS_RULE,
        "discount": DISCOUNT_RULE,
        "shipping": {**SHIPPING_RULE,
                     "remote_provinces": PROVINCES.loc[PROVINCES["remote"], "province"].tolist()},
        "funnel": {"rates": {k: {"orders_per_add_to_cart": v[0],
                                 "add_to_cart_per_product_view": v[1],
                                 "product_views_per_visitor": v[2]}
                             for k, v in FUNNEL_RATES.items()},
                   "noise_cv": FUNNEL_NOISE_CV},
        "counts": counts,
        "description": _DESCRIPTION,
    }
    return json.loads(json.dumps(params))    # a deep, JSON-clean copy: no shared module dicts


_DESCRIPTION = {
    "time_unit": "BG/NBD rates and horizons are per week (7 days); each customer's clock starts "
                 "at their first order.",
    "bgnbd": "Repeat purchases: while alive a customer orders at Poisson rate lambda per week, "
             "lambda ~ Gamma(shape r, rate alpha); after each repeat order they drop out for good "
             "with probability p, p ~ Beta(a, b). The first order is not a repeat and never "
             "triggers dropout.",
    "gamma_gamma": "Spend: each customer has nu ~ Gamma(shape q, rate gamma); each of their orders "
                   "has net_amount ~ Gamma(shape p, rate nu) CNY, so their mean order value is "
                   "p/nu (population mean p*gamma/(q-1)). Rounded to 0.01 CNY, at least 0.01.",
    "acquisition": "Daily rate of first orders = exp(growth_per_year * years) x weekday factor x "
                   "Spring-Festival dip x (1 + peak_618*s618 + peak_1111*s1111 + peak_1212*s1212); "
                   "s* ramp quadratically from 0 to 1 over June 1-18, Oct 20-Nov 11, Dec 8-12. "
                   "Hour of day follows an evening-skewed profile.",
    "acquisition_channel_shares": "Shares of acquisition channels at the window start and end; "
                                  "they move linearly in between (live_stream grows).",
    "repeat_channel": "A repeat order uses the acquisition channel with probability stickiness, "
                      "else a channel drawn from mix.",
    "category": "An order is in the customer's favourite category with probability "
                "favourite_prob (favourite drawn from mix), else drawn from mix.",
    "member": "P(member) = base + slope * F(lambda), F the Gamma(r, alpha) CDF: frequent buyers "
              "join more often (about 25% overall); the law of lambda is unchanged.",
    "status": "Real orders are 'returned' with the category's probability, else 'completed'. "
              "Cancelled orders are extra rows placed min..max minutes before a share 'prob' of "
              "real orders on the same day, same customer/channel/category, own amounts.",
    "items": "items = 1 + Poisson(base_by_category + per_cny * net_amount).",
    "discount": "Discount rate d = base_by_channel + boost_618*s618 + boost_1111*s1111 + "
                "boost_1212*s1212 + member_extra*member + Normal(0, noise_sd), clipped to "
                "[min, max]; gross_amount = round(net/(1-d), 2), discount_amount = gross - net.",
    "shipping": "shipping_fee = 0 if net_amount >= free_threshold_cny, else fee_cny "
                "(remote_fee_cny in remote provinces).",
    "funnel": "Per date x channel, orders = count of order rows (all statuses); add_to_cart = "
              "orders + Poisson(max(orders, 0.5) * (1/rate - 1) * noise), likewise product_views "
              "from add_to_cart and visitors from product_views; noise ~ Gamma with mean 1 and "
              "coefficient of variation noise_cv.",
    "counts": "Row counts of the generated tables (orders include cancelled rows).",
}
