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
4. **What a coupon does.** Two feature-driven probabilities:

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

   **Several arms.** The experiment has two coupons (``arms``): ``coupon_20`` (20 CNY, the rule above)
   and ``coupon_40``, a deeper coupon whose persuasion has its own ``max`` and ``intercept`` (more
   persuasive, twice the cost); the annoyance is the same. The potential outcomes of the arms are drawn
   from the same three uniforms (buys without a coupon; annoyed; persuaded), so a customer persuaded by
   the 20 CNY coupon is persuaded by the 40 CNY one too, and each arm's kind follows the table above.
5. **Assignment.** Randomised: each customer falls in ``control`` or an arm with the probabilities
   ``arm_shares`` (default: a third each), independently of everything else; the ``treatment`` column
   holds the arm's label. Not randomised (``randomised=False``): the shop sends the first arm to its
   "best customers", the ``treatment_share`` with the highest spend in the last 365 days. Both designs
   share the same potential outcomes for a seed, so they can be compared customer by customer.
6. **Money.** A buyer places one order in the 14 days; its value (``revenue``, CNY at the shop's usual
   prices, before the coupon) is drawn from the customer's Gamma-Gamma spend law, the same with or
   without a coupon. A treated buyer redeems the coupon: ``coupon_cost`` = the arm's ``coupon_value_cny``.
   Profit of a customer for the shop = margin x revenue - coupon_cost.
7. **A planted post-treatment column.** ``visits_14d``, the customer's visits to the shop in the 14 days
   after the send, is in the file for the leakage lesson: buyers visit more and a coupon brings visits
   of its own, so it is an *outcome* of the arm, not a pre-period feature; a model fed with it learns the
   treatment itself. Chapter 04's guards must exclude it.

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
    "ARMS",
    "CONTROL",
    "DEFAULT_SEND_DATE",
]

DEFAULT_SEND_DATE = "2026-01-01"
WINDOW_DAYS = 14
KINDS = ("sure_thing", "persuadable", "lost_cause", "sleeping_dog")
CONTROL = "control"
#: the coupon arms of the demo experiment, in the order of the ``arms`` rule
ARMS = ("coupon_20", "coupon_40")

#: campaign table columns in file order: id, pre-period features, assignment, outcomes
FEATURE_COLUMNS = ("recency_days", "frequency", "monetary_cny", "aov_cny", "tenure_days",
                   "revenue_90d", "converted_before", "revenue_before", "discount_share",
                   "acquisition_channel", "city_tier", "member")
OUTCOME_COLUMNS = ("treatment", "converted", "revenue", "coupon_cost")
#: post-treatment columns planted in the file for the leakage lesson (never features)
POST_TREATMENT_COLUMNS = ("visits_14d",)
CAMPAIGN_COLUMNS = ("customer_id", *FEATURE_COLUMNS, *POST_TREATMENT_COLUMNS, *OUTCOME_COLUMNS)
CAMPAIGN_FILES = ("campaign.csv", "campaign_targeted.csv", "campaign_truth.parquet", "campaign_truth.json")

DEFAULTS = {
    "window_days": WINDOW_DAYS,
    "active_days": 730,            # customers with an order in the two years before the send
    "season_factor": 2.0,          # New-Year shopping pull on the purchase rate in the window
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
    "arms": {                      # each arm: its coupon and its changes to the persuasion rule
        "coupon_20": {"coupon_value_cny": 20.0, "persuasion": {}},
        "coupon_40": {"coupon_value_cny": 40.0, "persuasion": {"max": 0.48, "intercept": -2.3}},
    },
    "arm_shares": {"coupon_20": 1 / 3, "coupon_40": 1 / 3},   # the rest is control
    "visits": {                    # visits_14d ~ Poisson(base + per_buyer * bought + per_coupon * sent)
        "base": 0.6, "per_buyer": 2.0, "per_coupon": 0.8,
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


def _arm_rules(rules: dict) -> dict[str, dict]:
    """Each arm's coupon value and full persuasion rule (the shared rule updated by the arm's changes)."""
    arms = {}
    for name, arm in rules["arms"].items():
        persuasion = {**rules["persuasion"], **arm.get("persuasion", {})}
        arms[name] = {"coupon_value_cny": float(arm["coupon_value_cny"]), "persuasion": persuasion}
    return arms


def simulate_campaign(customers: pd.DataFrame, orders: pd.DataFrame, truth_customers: pd.DataFrame,
                      send_date: str | pd.Timestamp = DEFAULT_SEND_DATE, treatment_share: float = 0.3,
                      seed: int = 2026, randomised: bool = True, *,
                      params: dict | None = None) -> tuple[pd.DataFrame, CampaignTruth]:
    """Simulate a 14-day coupon experiment with several arms on a shop's active customers; return
    ``(campaign, truth)``.

    Parameters
    ----------
    customers, orders, truth_customers : the shop's tables (``Shop.customers``, ``Shop.orders``,
        ``Shop.truth.customers``); cancelled orders are ignored.
    send_date : the day the coupon goes out (midnight); features use orders strictly before it.
    treatment_share : share of customers who get the first arm's coupon in the targeted design (0-1);
        the randomised design uses ``arm_shares`` (see :data:`DEFAULTS`).
    seed : everything random is a deterministic function of it.
    randomised : True for a randomised experiment; False for the shop targeting its best customers
        (the top ``treatment_share`` by spend in the last 365 days get the first arm).
    params : overrides of :data:`DEFAULTS` (e.g. ``{"season_factor": 1.0, "arm_shares": {"coupon_20": 0.5,
        "coupon_40": 0.0}}``).

    Returns
    -------
    campaign : DataFrame, one row per active customer, columns :data:`CAMPAIGN_COLUMNS`; ``treatment``
        holds ``"control"`` or the arm's label.
    truth : :class:`CampaignTruth`; ``customers`` holds, per arm, ``p_treated_<arm>``,
        ``true_uplift_<arm>``, ``persuasion_<arm>`` and ``kind_<arm>``, and the unsuffixed columns of the
        first arm (``p_treated``, ``true_uplift``, ``persuasion``, ``kind``).

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
        rules[key] = {**rules[key], **value} if isinstance(rules[key], dict) and key != "arms" else value
    arms = _arm_rules(rules)
    names = list(arms)
    shares = np.array([float(rules["arm_shares"].get(a, 0.0)) for a in names])
    if (shares < 0).any() or shares.sum() >= 1.0:
        raise ValueError(f"arm_shares must be non-negative and leave a control group; got {rules['arm_shares']}")
    send = pd.Timestamp(send_date).normalize()
    window = int(rules["window_days"])

    f = _pre_period(customers, orders, send, int(rules["active_days"]), window)
    if f.empty:
        raise ValueError(f"no customer has an order in the {rules['active_days']} days before {send.date()}")
    n = len(f)
    rng_outcome, rng_assign, rng_spend, rng_visits = (np.random.default_rng(s)
                                                      for s in np.random.SeedSequence(seed).spawn(4))

    # latent state at the send date, from the shop's truth
    latent = truth_customers.set_index("customer_id").loc[
        f["customer_id"], ["purchase_rate_per_week", "alive_at_end", "mean_spend_cny"]]
    last_order = orders.loc[orders["status"] != "cancelled"].groupby("customer_id")["order_ts"].max()
    alive = latent["alive_at_end"].to_numpy(dtype=bool) | (last_order.loc[f["customer_id"]].to_numpy() >= send)
    lam = latent["purchase_rate_per_week"].to_numpy(dtype=float)
    mean_spend = latent["mean_spend_cny"].to_numpy(dtype=float)

    p0 = np.where(alive, -np.expm1(-lam * rules["season_factor"] * window / 7.0), 0.0)
    d = _annoyance(f, rules["annoyance"])
    # three uniforms shared by the arms: would buy anyway; annoyed out of it; persuaded into it
    u_base, u_annoy, u_persuade = rng_outcome.random((3, n))
    buys_control = u_base < p0
    kept = u_annoy >= d
    truth_cols = {"customer_id": f["customer_id"].to_numpy(), "alive_at_send": alive, "mean_spend_cny": mean_spend,
                  "p_control": p0, "annoyance": d}
    buys, uplifts, kinds_of = {}, {}, {}
    for name, arm in arms.items():
        h = _persuasion(f, arm["persuasion"]) * np.where(alive, 1.0, rules["winback_factor"])
        buys[name] = np.where(buys_control, kept, u_persuade < h)
        kind = np.where(buys_control, np.where(kept, 0, 3), np.where(buys[name], 1, 2))   # KINDS order
        uplifts[name] = (1 - p0) * h - p0 * d
        kinds_of[name] = np.asarray(KINDS, dtype=object)[kind]
        truth_cols.update({f"p_treated_{name}": p0 + uplifts[name], f"true_uplift_{name}": uplifts[name],
                           f"persuasion_{name}": h, f"kind_{name}": kinds_of[name]})
    first = names[0]
    truth_cols.update({"p_treated": truth_cols[f"p_treated_{first}"], "true_uplift": uplifts[first],
                       "persuasion": truth_cols[f"persuasion_{first}"], "kind": kinds_of[first]})

    # one order per buyer, its value from the customer's Gamma-Gamma law (shape 4, mean = mean_spend)
    shape = 4.0
    order_value = np.maximum(np.round(rng_spend.gamma(shape, mean_spend / shape), 2), 0.01)

    labels = np.asarray([CONTROL, *names], dtype=object)
    if randomised:
        edges = np.cumsum(shares)
        arm_index = np.where(rng_assign.random(n)[:, None] < edges[None, :], 1, 0)
        group = np.where(arm_index.any(axis=1), 1 + np.argmax(arm_index, axis=1), 0)
    else:
        spend365 = _spend_last(orders, f["customer_id"], send, 365)
        n_treated = max(1, int(round(share * n)))
        top = np.argsort(-spend365, kind="stable")[:n_treated]
        group = np.zeros(n, dtype=int)
        group[top] = 1
    converted = buys_control.copy()
    cost = np.zeros(n)
    for i, name in enumerate(names, start=1):
        converted = np.where(group == i, buys[name], converted)
        cost = np.where(group == i, arms[name]["coupon_value_cny"], cost)
    converted = converted.astype("int64")
    v = rules["visits"]
    visits = rng_visits.poisson(v["base"] + v["per_buyer"] * converted + v["per_coupon"] * (group > 0))

    campaign = f.assign(visits_14d=visits.astype("int64"), treatment=labels[group], converted=converted,
                        revenue=np.where(converted == 1, order_value, 0.0),
                        coupon_cost=np.where(converted == 1, cost, 0.0))
    campaign = campaign[list(CAMPAIGN_COLUMNS)].reset_index(drop=True)

    summary = {
        "n_customers": int(n),
        "n_per_group": {str(label): int(np.sum(group == i)) for i, label in enumerate(labels)
                        if randomised or i <= 1},
        "true_average_uplift": {a: float(uplifts[a].mean()) for a in names},
        "true_average_revenue_uplift_cny": {a: float((mean_spend * uplifts[a]).mean()) for a in names},
        "mean_p_control": float(p0.mean()),
        "kind_shares": {a: {k: float(np.mean(kinds_of[a] == k)) for k in KINDS} for a in names},
    }
    truth_params = {
        "seed": int(seed),
        "send_date": send.strftime("%Y-%m-%d"),
        "treatment_share": share,
        "randomised": bool(randomised),
        "control": CONTROL,
        **rules,
        "order_value_shape": shape,
        "summary": summary,
        "description": _DESCRIPTION,
    }
    return campaign, CampaignTruth(params=json.loads(json.dumps(truth_params)),
                                   customers=pd.DataFrame(truth_cols))


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
    "arms": "coupon_20 and coupon_40 share the baseline and the annoyance; each has its coupon value and "
            "its persuasion rule (the shared one updated by the arm's changes); the arms' potential outcomes "
            "come from the same uniforms, so a customer persuaded by the smaller coupon is persuaded by the "
            "deeper one too.",
    "assignment": "randomised: control or an arm with the probabilities arm_shares (the treatment column "
                  "holds the label); targeted: the first arm to the top treatment_share by spend in the last "
                  "365 days.",
    "money": "A buyer places one order worth Gamma(order_value_shape, mean_spend/shape) CNY, the same "
             "with or without a coupon; treated buyers redeem their arm's coupon_value_cny.",
    "visits": "visits_14d ~ Poisson(base + per_buyer * converted + per_coupon * sent): a post-treatment "
              "column planted for the leakage lesson, never a feature.",
}
