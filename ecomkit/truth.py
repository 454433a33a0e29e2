"""Ground truth of the simulated demo tables, in one representation, and what it implies.

Every truth is a :class:`Truth`: ``params`` (a JSON-able dict: the parameters that generated the
table) and, where there is one, ``customers`` (one row of latent values per customer). The pricing and
logistics truths have only ``params`` (``truth["price_panel"]`` reads them like the dict they were).
The simulator writes these files; this module reads them, so analysis code never imports the
simulator.

:class:`ShopTruth` holds the parameters that generated the tables (``params``, JSON-able) and the
per-customer latent values (``customers``). The two model-implied quantities the chapters compare
their estimates with are plain functions of the per-customer truth:

- :func:`expected_future_purchases` -- expected number of orders in the next ``h`` weeks after the
  observation end;
- :func:`expected_next_period_retention` -- per acquisition cohort, the probability that a
  customer orders again in the calendar period after the one of their first order (次月留存).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "Truth",
    "ShopTruth",
    "CampaignTruth",
    "load_json_truth",
    "TRUTH_JSON",
    "CUSTOMER_TRUTH_CSV",
    "expected_future_purchases",
    "expected_next_period_retention",
]

TRUTH_JSON = "truth.json"
CUSTOMER_TRUTH_CSV = "customer_truth.csv"
_WEEK = pd.Timedelta(days=7)

_TRUTH_DTYPES = {
    "customer_id": "int64",
    "purchase_rate_per_week": "float64",
    "dropout_prob": "float64",
    "mean_spend_cny": "float64",
    "alive_at_end": "bool",
    "n_repeat_purchases": "int64",
}


@dataclass(frozen=True, eq=False)
class Truth:
    """What generated a simulated table: ``params`` (JSON-able) and optional per-customer values."""

    params: dict
    customers: pd.DataFrame | None = None

    def __getitem__(self, key):
        return self.params[key]

    def get(self, key, default=None):
        return self.params.get(key, default)

    def keys(self):
        return self.params.keys()


def load_json_truth(path: str | Path) -> Truth | None:
    """A truth stored as one JSON file (pricing, logistics), or None when the file is absent."""
    path = Path(path)
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as fh:
        return Truth(params=json.load(fh))


@dataclass(frozen=True, eq=False)
class ShopTruth(Truth):
    """What generated a simulated shop.

    Attributes
    ----------
    params : dict
        JSON-able: seed, n_customers, start, end, observation_end, time_unit ("week"),
        bgnbd {r, alpha, a, b}, gamma_gamma {p, q, gamma}, spend_unit ("CNY"), the acquisition,
        channel, category, status, discount, shipping and funnel rules, and ``description``
        (one sentence per parameter group saying what it means).
    customers : DataFrame
        One row per customer: customer_id, purchase_rate_per_week (lambda, repeat orders per
        week while alive), dropout_prob (p, chance to drop out right after each repeat order),
        mean_spend_cny (p_gg / nu, expected net_amount per order, CNY), alive_at_end (bool, at
        the observation end), n_repeat_purchases (non-cancelled orders after the first one,
        inside the window).

    Example
    -------
    >>> shop = simulate_shop(2_000, seed=1)            # doctest: +SKIP
    >>> shop.truth.params["bgnbd"]["r"]                 # doctest: +SKIP
    0.55
    """

    def to_json(self, path: str | Path) -> Path:
        """Write ``params`` to ``path`` (indent 2) and ``customers`` to ``customer_truth.csv``
        beside it. ``path`` may also be a directory, then ``truth.json`` is written inside.

        Returns the path of the JSON file.
        """
        path = Path(path)
        if path.is_dir() or path.suffix == "":
            path.mkdir(parents=True, exist_ok=True)
            path = path / TRUTH_JSON
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(self.params, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        self.customers.to_csv(path.parent / CUSTOMER_TRUTH_CSV, index=False, encoding="utf-8")
        return path

    @classmethod
    def from_files(cls, directory: str | Path) -> "ShopTruth":
        """Read ``truth.json`` and ``customer_truth.csv`` from ``directory``."""
        directory = Path(directory)
        with open(directory / TRUTH_JSON, encoding="utf-8") as fh:
            params = json.load(fh)
        from ecomkit.io.open import read_bundled  # lazy: ecomkit.io imports this module

        customers = read_bundled(directory / CUSTOMER_TRUTH_CSV, _TRUTH_DTYPES)
        return cls(params=params, customers=customers)


def expected_future_purchases(truth_customers: pd.DataFrame, horizon_weeks: float) -> pd.Series:
    """Expected number of orders each customer places in the ``horizon_weeks`` after the end.

    Derivation (BG/NBD, given the true lambda and p and whether the customer is alive): while
    alive, purchases arrive at Poisson rate lambda per week, so in ``h`` weeks there are
    N ~ Poisson(lambda h) purchase opportunities. The k-th one happens only if the customer
    survived the k-1 dropout coin flips before it, probability (1-p)^(k-1). Hence::

        E[purchases] = E[ sum_{k=1..N} (1-p)^(k-1) ] = E[(1 - (1-p)^N) / p]
                     = (1 - E[(1-p)^N]) / p = (1 - exp(-lambda p h)) / p

    using the Poisson generating function E[z^N] = exp(lambda h (z-1)) at z = 1-p. A customer
    who already dropped out buys nothing, so the result is ``alive * (1 - exp(-lambda p h)) / p``
    (lambda h when p -> 0).

    Parameters
    ----------
    truth_customers : DataFrame with purchase_rate_per_week, dropout_prob, alive_at_end
        (``ShopTruth.customers``).
    horizon_weeks : float, the horizon in weeks.

    Returns
    -------
    Series aligned with ``truth_customers`` (index kept), expected orders.

    Example
    -------
    >>> expected_future_purchases(shop.truth.customers, 52).sum()     # doctest: +SKIP
    """
    lam = truth_customers["purchase_rate_per_week"].to_numpy(dtype=float)
    p = truth_customers["dropout_prob"].to_numpy(dtype=float)
    alive = truth_customers["alive_at_end"].to_numpy(dtype=bool)
    h = float(horizon_weeks)
    rate = lam * h
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(p > 1e-12, -np.expm1(-rate * p) / np.maximum(p, 1e-300), rate)
    return pd.Series(np.where(alive, value, 0.0), index=truth_customers.index,
                     name="expected_future_purchases")


def expected_next_period_retention(customers: pd.DataFrame, truth_customers: pd.DataFrame,
                                   period: str = "M",
                                   observation_end: str | pd.Timestamp | None = None
                                   ) -> pd.DataFrame:
    """Model-implied next-period retention (次月留存) of each acquisition cohort.

    A customer acquired at time 0 (their first order) is retained if they order at least once
    in the calendar period after their cohort period, i.e. in [u, v) weeks after the first order.
    Alive at u has probability E[(1-p)^N(u)] = exp(-lambda p u) (no dropout at time 0, a coin flip
    after each repeat order); given alive, the next order arrives in [u, v) with probability
    1 - exp(-lambda (v - u)) (Poisson rate lambda, memoryless; dropping out only happens after an
    order, so this first order counts). Per customer::

        P(retained) = exp(-lambda p u) * (1 - exp(-lambda (v - u)))

    and the cohort value is the mean over its customers.

    Parameters
    ----------
    customers : DataFrame with customer_id and first_order_ts (``Shop.customers``).
    truth_customers : DataFrame with customer_id, purchase_rate_per_week, dropout_prob.
    period : pandas period alias, "M" (calendar month, default), "W" or "Q".
    observation_end : optional; cohorts whose next period ends after it are dropped (their
        retention cannot be measured yet).

    Returns
    -------
    DataFrame with columns cohort (pandas Period of the first order), n_customers,
    expected_retention (probability, 0-1), sorted by cohort.

    Example
    -------
    >>> expected_next_period_retention(shop.customers, shop.truth.customers)   # doctest: +SKIP
    """
    merged = customers[["customer_id", "first_order_ts"]].merge(
        truth_customers[["customer_id", "purchase_rate_per_week", "dropout_prob"]],
        on="customer_id", how="inner", validate="one_to_one")
    first = pd.to_datetime(merged["first_order_ts"])
    cohort = first.dt.to_period(period)
    next_start = (cohort + 1).dt.start_time
    next_end = (cohort + 2).dt.start_time            # exclusive end of the next period
    u = ((next_start - first) / _WEEK).to_numpy(dtype=float)
    v = ((next_end - first) / _WEEK).to_numpy(dtype=float)
    lam = merged["purchase_rate_per_week"].to_numpy(dtype=float)
    p = merged["dropout_prob"].to_numpy(dtype=float)
    prob = np.exp(-lam * p * u) * -np.expm1(-lam * (v - u))
    frame = pd.DataFrame({"cohort": cohort, "prob": prob, "next_end": next_end})
    if observation_end is not None:
        # the observation end is inclusive to the second; the next period must fit before it
        limit = pd.Timestamp(observation_end) + pd.Timedelta(seconds=1)
        frame = frame[frame["next_end"] <= limit]
    out = (frame.groupby("cohort", sort=True, observed=True)["prob"]
           .agg(n_customers="size", expected_retention="mean").reset_index())
    out["n_customers"] = out["n_customers"].astype("int64")
    return out


_CAMPAIGN_TRUTH_DTYPES = {"customer_id": "int64", "alive_at_send": "bool", "mean_spend_cny": "float64",
                 "p_control": "float64", "p_treated": "float64", "true_uplift": "float64",
                 "persuasion": "float64", "annoyance": "float64", "kind": "object"}


@dataclass(frozen=True, eq=False)
class CampaignTruth(Truth):
    """What generated a simulated campaign.

    Attributes
    ----------
    params : dict
        JSON-able: seed, send_date, window_days, active_days, treatment_share, randomised, control,
        season_factor, the persuasion and annoyance coefficients, ``arms`` (each arm's coupon value and
        persuasion changes), ``arm_shares``, summary numbers (true average effect per arm, share of each
        kind) and ``description``.
    customers : DataFrame
        One row per campaign customer: customer_id, alive_at_send, mean_spend_cny (expected order
        value, CNY), p_control and p_treated (probability of buying in the window without / with the
        coupon), true_uplift (p_treated - p_control), persuasion (h), annoyance (d), kind (the
        realised principal stratum: sure_thing, persuadable, lost_cause, sleeping_dog) of the first arm,
        and the same four per arm with the arm's label as suffix (``true_uplift_coupon_40``).

    Example
    -------
    >>> campaign, truth = simulate_campaign(shop.customers, shop.orders, shop.truth.customers)  # doctest: +SKIP
    >>> truth.customers["true_uplift"].mean()                                                   # doctest: +SKIP
    """

    @property
    def arms(self) -> list[str]:
        """The experiment's arm labels (without the control), in the simulator's order."""
        return list(self.params.get("arms", {}))

    def for_arm(self, arm: str) -> "CampaignTruth":
        """The truth of one arm against control: ``p_treated``, ``true_uplift``, ``persuasion`` and
        ``kind`` become that arm's columns (the other arms' columns are kept)."""
        if arm not in self.arms:
            raise ValueError(f"{arm!r} is not an arm of this campaign; arms: {', '.join(self.arms)}")
        c = self.customers.copy()
        for col in ("p_treated", "true_uplift", "persuasion", "kind"):
            c[col] = c[f"{col}_{arm}"]
        return CampaignTruth(self.params, c)

    def expected_incremental_profit(self, send: np.ndarray | pd.Series, margin: float,
                                    coupon_cost: float) -> float:
        """Expected incremental profit (CNY) of sending the coupon to the customers where ``send``.

        ``send`` is a boolean mask aligned with :attr:`customers`. Per customer sent to, the shop gains
        ``margin * mean_spend * true_uplift`` and pays ``coupon_cost * p_treated`` (every treated buyer
        redeems the coupon), against not sending.
        """
        mask = np.asarray(send, dtype=bool)
        c = self.customers
        gain = margin * c["mean_spend_cny"].to_numpy() * c["true_uplift"].to_numpy()
        cost = coupon_cost * c["p_treated"].to_numpy()
        return float((gain - cost)[mask].sum())

    def expected_policy_profit(self, policy, margin: float, coupon_costs: dict[str, float]) -> float:
        """Expected incremental profit (CNY) of sending each customer the arm ``policy`` names.

        ``policy`` is aligned with :attr:`customers`: an arm label, or anything else (e.g. the control
        label) for no coupon. Per customer sent arm a: ``margin * mean_spend * true_uplift_a -
        coupon_costs[a] * p_treated_a``.
        """
        chosen = np.asarray(policy, dtype=object)
        c = self.customers
        total = 0.0
        for arm in self.arms:
            mask = chosen == arm
            if mask.any():
                gain = margin * c["mean_spend_cny"].to_numpy() * c[f"true_uplift_{arm}"].to_numpy()
                total += float((gain - coupon_costs[arm] * c[f"p_treated_{arm}"].to_numpy())[mask].sum())
        return total

    def to_files(self, directory: str | Path) -> list[Path]:
        """Write ``campaign_truth.json`` (params) and ``campaign_truth.parquet`` (customers)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        json_path, table_path = directory / "campaign_truth.json", directory / "campaign_truth.parquet"
        with open(json_path, "w", encoding="utf-8") as fh:
            json.dump(self.params, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        self.customers.to_parquet(table_path, index=False)
        return [table_path, json_path]

    @classmethod
    def from_files(cls, directory: str | Path) -> "CampaignTruth":
        """Read ``campaign_truth.json`` and ``campaign_truth.parquet`` from ``directory``."""
        directory = Path(directory)
        with open(directory / "campaign_truth.json", encoding="utf-8") as fh:
            params = json.load(fh)
        from ecomkit.io.open import read_bundled  # lazy: ecomkit.io imports this module

        customers = read_bundled(directory / "campaign_truth.parquet", _CAMPAIGN_TRUTH_DTYPES)
        return cls(params=params, customers=customers)
