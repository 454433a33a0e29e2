"""A coupon campaign on the demo shop's customers, with the true effect of the coupon on each one.

Generative story (vectorised NumPy; one random stream per part, spawned from ``seed``):

1. **Who is in it.** Every customer with a real (non-cancelled) order in the ``active_days`` before
   the send date. The default send date, 2026-01-01, is the day after the shop's observation end, so
   the pre-period is exactly the bundled ``orders.csv`` and the 14 campaign days come after it.
2. **Pre-period features**, all computed from orders strictly before the send date: RFM (recency in
   days, number of orders, spend), average order value, tenure, revenue in the last 90 days, whether
   the customer bought in the 14 days before the send (and for how much), and the share of list value
   they got as discount (a price-sensitivity signal); from the customers table: acquisition channel,
   city tier, membership.
3. **Baseline (no coupon).** A customer who is still alive at the send date (known exactly from the
   shop's truth: alive at the observation end, or their last order falls on or after the send date)
   buys in the 14 days with probability ``1 - exp(-lambda * season_factor * 2 weeks)``: the shop's
   own BG/NBD purchase rate lambda, pulled up by ``season_factor`` because the first two weeks of
   January are the New-Year shopping season (年货节). Customers who dropped out do not buy.
4. **What the coupon does.** Two feature-driven probabilities:

   - *persuasion* ``h``: the chance that a customer who would not have bought does buy because of the
     coupon. It rises with past discount share, in live-stream and feed-ads customers, in lower-tier
     cities, for non-members, for one-order customers and for customers who have gone quiet for a
     few months (not for those who bought last week); a customer who has dropped out can be won back
     at ``winback_factor`` times the rate;
   - *annoyance* ``d``: the chance that a customer who would have bought does not because of the
     coupon (full-price loyal members read a coupon as spam or as a reason to wait for a bigger one).

   With ``p0`` the baseline, the coupon's potential outcomes are drawn jointly from the four kinds of
   customer (principal strata):

   =================  ===========================  ==============================
   kind               buys without / with coupon   probability
   =================  ===========================  ==============================
   sure thing         yes / yes                    ``p0 * (1 - d)``
   sleeping dog       yes / no                     ``p0 * d``
   persuadable        no / yes                     ``(1 - p0) * h``
   lost cause         no / no                      ``(1 - p0) * (1 - h)``
   =================  ===========================  ==============================

   so ``p_control = p0``, ``p_treated = p0 (1 - d) + (1 - p0) h`` and the true individual uplift is
   ``p_treated - p_control = (1 - p0) h - p0 d`` (probability scale). The realised kind is kept in
   the truth; an analyst never sees it (a treated buyer may be a sure thing or a persuadable).
5. **Assignment.** Randomised: each customer is treated with probability ``treatment_share``,
   independently of everything else. Not randomised (``randomised=False``): the shop sends the coupon
   to its "best customers", the ``treatment_share`` with the highest spend in the last 365 days.
   Both designs share the same potential outcomes for a seed, so they can be compared customer by
   customer.
6. **Money.** A buyer places one order in the 14 days; its value (``revenue``, CNY at the shop's usual
   prices, before the coupon) is drawn from the customer's Gamma-Gamma spend law, the same with or
   without the coupon. A treated buyer redeems the coupon: ``coupon_cost`` = ``coupon_value_cny``.
   Profit of a customer for the shop = margin x revenue - coupon_cost.

The campaign's 14-day outcomes are a what-if drawn on top of the shop: they happen after the orders
table ends and are not rows of ``orders.csv``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ecomkit.truth import CampaignTruth

__all__ = [
    "CampaignTruth",
    "simulate_campaign",
    "write_campaign",
    "CAMPAIGN_FILES",
    "CAMPAIGN_COLUMNS",
    "OUTCOME_COLUMNS",
    "KINDS",
    "DEFAULT_SEND_DATE",
]

DEFAULT_SEND_DATE = "2026-01-01"
WINDOW_DAYS = 14
KINDS = ("sure_thing", "persuadable", "lost_cause", "sleeping_dog")

#: campaign table columns in file order: id, pre-period features, assignment, outcomes
FEATURE_COLUMNS = ("recency_days", "frequency", "monetary_cny", "aov_cny", "tenure_days",
                   "revenue_90d", "converted_before", "revenue_before", "discount_share",
                   "acquisition_channel", "city_tier", "member")
OUTCOME_COLUMNS = ("treatment", "converted", "revenue", "coupon_cost")
CAMPAIGN_COLUMNS = ("customer_id", *FEATURE_COLUMNS, *OUTCOME_COLUMNS)
CAMPAIGN_FILES = ("campaign.csv", "campaign_targeted.csv", "campaign_truth.parquet", "campaign_truth.json")

DEFAULTS = {
    "window_days": WINDOW_DAYS,
    "active_days": 730,            # customers with an order in the two years before the send
    "season_factor": 2.0,          # New-Year shopping pull on the purchase rate in the window
    "coupon_value_cny": 20.0,      # face value of the coupon, paid by the shop when redeemed
    "winback_factor": 0.3,         # persuasion of a customer who has dropped out, relative
    "persuasion": {                # h = max * sigmoid(intercept + sum of terms)
        "max": 0.30,
        "intercept": -2.6,
        "per_discount_point": 0.25,        # per percentage point of past discount share above 10%
        "channel": {"live_stream": 0.9, "feed_ads": 0.6, "social": 0.3, "search": 0.0,
                    "organic": -0.4, "private_domain": -0.6},
        "per_city_tier": 0.3,              # per tier above tier 3 (tier 5 = county towns)
        "member": -0.8,
        "one_order_customer": 0.5,
        "quiet_60_to_240_days": 0.9,       # last order 60-240 days before the send
        "bought_last_30_days": -0.7,
    },
    "annoyance": {                 # d = max * sigmoid(intercept + sum of terms)
        "max": 0.6,
        "intercept": -3.0,
        "member": 2.0,
        "per_discount_point_below_8": 0.35,  # per percentage point of discount share below 8%
        "per_100_cny_aov_above_200": 0.5,    # per 100 CNY of average order value above 200
    },
}

def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _pre_period(customers: pd.DataFrame, orders: pd.DataFrame, send: pd.Timestamp,
                active_days: int, window_days: int) -> pd.DataFrame:
    """One row per active customer with the pre-period features (orders before ``send`` only)."""
    real = orders.loc[(orders["order_ts"] < send) & (orders["status"] != "cancelled"),
                      ["customer_id", "order_ts", "net_amount", "gross_amount", "discount_amount"]]
    by = real.groupby("customer_id", sort=True)
    last = by["order_ts"].max()
    active = last.index[last >= send - pd.Timedelta(days=active_days)]
    real = real[real["customer_id"].isin(active)]
    by = real.groupby("customer_id", sort=True)
    day = pd.Timedelta(days=1)
    recent90 = real["order_ts"] >= send - pd.Timedelta(days=90)
    before = real["order_ts"] >= send - pd.Timedelta(days=window_days)
    frame = pd.DataFrame({
        "recency_days": ((send - by["order_ts"].max()) // day).astype("int64"),
        "frequency": by.size().astype("int64"),
        "monetary_cny": by["net_amount"].sum().round(2),
        "tenure_days": ((send - by["order_ts"].min()) // day).astype("int64"),
        "revenue_90d": real["net_amount"].where(recent90, 0.0).groupby(real["customer_id"]).sum().round(2),
        "revenue_before": real["net_amount"].where(before, 0.0).groupby(real["customer_id"]).sum().round(2),
        "gross": by["gross_amount"].sum(),
        "discount": by["discount_amount"].sum(),
    })
    frame["aov_cny"] = (frame["monetary_cny"] / frame["frequency"]).round(2)
    frame["converted_before"] = (frame["revenue_before"] > 0).astype("int64")
    frame["discount_share"] = (frame["discount"] / frame["gross"]).round(4)
    profile = customers.set_index("customer_id")[["acquisition_channel", "city_tier", "member"]]
    frame = frame.join(profile, how="left")
    frame.index.name = "customer_id"
    return frame.drop(columns=["gross", "discount"]).reset_index()


def _persuasion(f: pd.DataFrame, rule: dict) -> np.ndarray:
    channel = f["acquisition_channel"].map(rule["channel"]).fillna(0.0).to_numpy(dtype=float)
    rec = f["recency_days"].to_numpy()
    z = (rule["intercept"]
         + rule["per_discount_point"] * (100 * f["discount_share"].to_numpy() - 10.0)
         + channel
         + rule["per_city_tier"] * (f["city_tier"].to_numpy(dtype=float) - 3.0)
         + rule["member"] * f["member"].to_numpy(dtype=float)
         + rule["one_order_customer"] * (f["frequency"].to_numpy() == 1)
         + rule["quiet_60_to_240_days"] * ((rec >= 60) & (rec <= 240))
         + rule["bought_last_30_days"] * (rec < 30))
    return rule["max"] * _sigmoid(z)


def _annoyance(f: pd.DataFrame, rule: dict) -> np.ndarray:
    z = (rule["intercept"]
         + rule["member"] * f["member"].to_numpy(dtype=float)
         + rule["per_discount_point_below_8"] * np.maximum(8.0 - 100 * f["discount_share"].to_numpy(), 0.0)
         + rule["per_100_cny_aov_above_200"] * np.maximum(f["aov_cny"].to_numpy() - 200.0, 0.0) / 100.0)
    return rule["max"] * _sigmoid(z)


def simulate_campaign(customers: pd.DataFrame, orders: pd.DataFrame, truth_customers: pd.DataFrame,
                      send_date: str | pd.Timestamp = DEFAULT_SEND_DATE, treatment_share: float = 0.5,
                      seed: int = 2026, randomised: bool = True, *,
                      params: dict | None = None) -> tuple[pd.DataFrame, CampaignTruth]:
    """Simulate a 14-day coupon campaign on a shop's active customers; return ``(campaign, truth)``.

    Parameters
    ----------
    customers, orders, truth_customers : the shop's tables (``Shop.customers``, ``Shop.orders``,
        ``Shop.truth.customers``); cancelled orders are ignored.
    send_date : the day the coupon goes out (midnight); features use orders strictly before it.
    treatment_share : share of customers who get the coupon (0-1).
    seed : everything random is a deterministic function of it.
    randomised : True for a randomised experiment; False for the shop targeting its best customers
        (the top ``treatment_share`` by spend in the last 365 days).
    params : overrides of :data:`DEFAULTS` (e.g. ``{"season_factor": 1.0, "active_days": 730}``).

    Returns
    -------
    campaign : DataFrame, one row per active customer, columns :data:`CAMPAIGN_COLUMNS`.
    truth : :class:`CampaignTruth`.

    Example
    -------
    >>> shop = simulate_shop(3_000, seed=5)                                   # doctest: +SKIP
    >>> campaign, truth = simulate_campaign(shop.customers, shop.orders, shop.truth.customers)  # doctest: +SKIP
    """
    share = float(treatment_share)
    if not 0.0 < share < 1.0:
        raise ValueError(f"treatment_share must be between 0 and 1 (exclusive), got {treatment_share!r}")
    rules = json.loads(json.dumps(DEFAULTS))
    for key, value in (params or {}).items():
        if key not in rules:
            raise ValueError(f"unknown campaign parameter {key!r}; known: {', '.join(rules)}")
        rules[key] = {**rules[key], **value} if isinstance(rules[key], dict) else value
    send = pd.Timestamp(send_date).normalize()
    window = int(rules["window_days"])

    f = _pre_period(customers, orders, send, int(rules["active_days"]), window)
    if f.empty:
        raise ValueError(f"no customer has an order in the {rules['active_days']} days before {send.date()}")
    n = len(f)
    rng_outcome, rng_assign, rng_spend = (np.random.default_rng(s)
                                          for s in np.random.SeedSequence(seed).spawn(3))

    # latent state at the send date, from the shop's truth
    latent = truth_customers.set_index("customer_id").loc[
        f["customer_id"], ["purchase_rate_per_week", "alive_at_end", "mean_spend_cny"]]
    last_order = orders.loc[orders["status"] != "cancelled"].groupby("customer_id")["order_ts"].max()
    alive = latent["alive_at_end"].to_numpy(dtype=bool) | (last_order.loc[f["customer_id"]].to_numpy() >= send)
    lam = latent["purchase_rate_per_week"].to_numpy(dtype=float)
    mean_spend = latent["mean_spend_cny"].to_numpy(dtype=float)

    p0 = np.where(alive, -np.expm1(-lam * rules["season_factor"] * window / 7.0), 0.0)
    h = _persuasion(f, rules["persuasion"]) * np.where(alive, 1.0, rules["winback_factor"])
    d = _annoyance(f, rules["annoyance"])
    probs = np.column_stack([p0 * (1 - d), (1 - p0) * h, (1 - p0) * (1 - h), p0 * d])  # KINDS order
    kind = (rng_outcome.random(n)[:, None] >= np.cumsum(probs, axis=1)).sum(axis=1)
    kind = np.minimum(kind, len(KINDS) - 1)
    buys_control = (kind == 0) | (kind == 3)
    buys_treated = (kind == 0) | (kind == 1)

    # one order per buyer, its value from the customer's Gamma-Gamma law (shape 4, mean = mean_spend)
    shape = 4.0
    order_value = np.maximum(np.round(rng_spend.gamma(shape, mean_spend / shape), 2), 0.01)

    if randomised:
        treatment = (rng_assign.random(n) < share).astype("int64")
    else:
        spend365 = _spend_last(orders, f["customer_id"], send, 365)
        n_treated = max(1, int(round(share * n)))
        top = np.argsort(-spend365, kind="stable")[:n_treated]
        treatment = np.zeros(n, dtype="int64")
        treatment[top] = 1
    converted = np.where(treatment == 1, buys_treated, buys_control).astype("int64")

    campaign = f.assign(treatment=treatment, converted=converted,
                        revenue=np.where(converted == 1, order_value, 0.0),
                        coupon_cost=np.where((converted == 1) & (treatment == 1),
                                             float(rules["coupon_value_cny"]), 0.0))
    campaign = campaign[list(CAMPAIGN_COLUMNS)].reset_index(drop=True)

    uplift = (1 - p0) * h - p0 * d
    truth_customers_out = pd.DataFrame({
        "customer_id": f["customer_id"].to_numpy(),
        "alive_at_send": alive,
        "mean_spend_cny": mean_spend,
        "p_control": p0,
        "p_treated": p0 + uplift,
        "true_uplift": uplift,
        "persuasion": h,
        "annoyance": d,
        "kind": np.asarray(KINDS, dtype=object)[kind],
    })
    summary = {
        "n_customers": int(n),
        "n_treated": int(treatment.sum()),
        "true_average_uplift": float(uplift.mean()),
        "true_average_uplift_on_treated": float(uplift[treatment == 1].mean()),
        "mean_p_control": float(p0.mean()),
        "kind_shares": {k: float(np.mean(kind == i)) for i, k in enumerate(KINDS)},
    }
    truth_params = {
        "seed": int(seed),
        "send_date": send.strftime("%Y-%m-%d"),
        "treatment_share": share,
        "randomised": bool(randomised),
        **rules,
        "order_value_shape": shape,
        "summary": summary,
        "description": _DESCRIPTION,
    }
    return campaign, CampaignTruth(params=json.loads(json.dumps(truth_params)),
                                   customers=truth_customers_out)


def _spend_last(orders: pd.DataFrame, customer_ids: pd.Series, send: pd.Timestamp, days: int) -> np.ndarray:
    recent = orders[(orders["order_ts"] < send) & (orders["order_ts"] >= send - pd.Timedelta(days=days))
                    & (orders["status"] != "cancelled")]
    spend = recent.groupby("customer_id")["net_amount"].sum()
    return spend.reindex(customer_ids).fillna(0.0).to_numpy()


def write_campaign(shop, directory: str | Path, seed: int = 2026) -> list[Path]:
    """Write the demo campaign files into ``directory``: the randomised campaign, the targeted one
    (same customers and potential outcomes, assignment by the shop), and the truth."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    common = {"index": False, "encoding": "utf-8", "lineterminator": "\n"}
    campaign, truth = simulate_campaign(shop.customers, shop.orders, shop.truth.customers, seed=seed)
    targeted, _ = simulate_campaign(shop.customers, shop.orders, shop.truth.customers, seed=seed,
                                    randomised=False, treatment_share=0.3)
    campaign.to_csv(directory / "campaign.csv", **common)
    targeted[["customer_id", *OUTCOME_COLUMNS]].to_csv(directory / "campaign_targeted.csv", **common)
    truth.to_files(directory)
    return [directory / name for name in CAMPAIGN_FILES]


_DESCRIPTION = {
    "population": "Customers with a non-cancelled order in the active_days before send_date; "
                  "features use orders strictly before send_date.",
    "baseline": "p_control = alive_at_send * (1 - exp(-lambda * season_factor * window_days / 7)), "
                "lambda the shop's BG/NBD weekly purchase rate; season_factor is the New-Year "
                "shopping pull in the window.",
    "persuasion": "h = max * sigmoid(intercept + terms): chance that a non-buyer buys because of the "
                  "coupon; multiplied by winback_factor for customers who have dropped out.",
    "annoyance": "d = max * sigmoid(intercept + terms): chance that a buyer does not buy because of "
                 "the coupon (sleeping dogs).",
    "kinds": "sure_thing p0(1-d), persuadable (1-p0)h, lost_cause (1-p0)(1-h), sleeping_dog p0 d; "
             "true_uplift = (1-p0)h - p0 d.",
    "assignment": "randomised: treated with probability treatment_share; targeted: the top "
                  "treatment_share by spend in the last 365 days.",
    "money": "A buyer places one order worth Gamma(order_value_shape, mean_spend/shape) CNY, the same "
             "with or without the coupon; treated buyers redeem coupon_value_cny.",
}
