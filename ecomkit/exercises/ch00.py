"""Checks for notebooks/exercises/00_core_indicators.ipynb."""

from __future__ import annotations

from ecomkit import kpi
from ecomkit.exercises.grading import Verdict, close_enough, exercise
from ecomkit.exercises import demo_shop


def _orders_in(year: int):
    orders = demo_shop().orders
    return orders[orders["order_ts"].dt.year == year]


@exercise("00.1", "the average order value (客单价, GMV / orders) of the demo shop in 2024, in CNY")
def aov_2024(answer) -> Verdict:
    orders = _orders_in(2024)
    verdict = close_enough(answer, orders["net_amount"].sum() / len(orders), rel=1e-3, unit=" CNY")
    per_buyer = orders["net_amount"].sum() / orders["customer_id"].nunique()
    if not verdict.correct and close_enough(answer, per_buyer, rel=1e-3).correct:
        return Verdict(False, "that is GMV per buyer; the exercise asks for GMV per order.")
    return verdict


@exercise("00.2", "the repeat-purchase rate (复购率) of 2024's buyers: share with 2+ orders in 2024")
def repeat_rate_2024(answer) -> Verdict:
    per_buyer = _orders_in(2024).groupby("customer_id").size()
    verdict = close_enough(answer, (per_buyer >= 2).mean(), rel=1e-3)
    if not verdict.correct and close_enough(answer, (per_buyer > 2).mean(), rel=1e-3).correct:
        return Verdict(False, "you counted buyers with more than two orders; two orders already is a repeat.")
    return verdict


@exercise("00.3", "next-month retention of the 2024-06 acquisition cohort (a fraction)")
def june_cohort_retention(answer) -> Verdict:
    matrix = kpi.cohort_retention(demo_shop().orders, period="M").matrix
    return close_enough(answer, matrix.loc["2024-06", 1], rel=1e-3)


@exercise("00.4", "the channel with the highest visitor-to-order conversion rate (its name)")
def best_converting_channel(answer) -> Verdict:
    funnel = kpi.funnel_summary(demo_shop().funnel_daily, by="channel")
    best = funnel["conversion_rate"].idxmax()
    if str(answer).strip() == best:
        return Verdict(True, f"{best} converts {funnel.loc[best, 'conversion_rate']:.2%} of its visitors.")
    if str(answer).strip() in funnel.index:
        return Verdict(False, f"{answer} converts {funnel.loc[answer, 'conversion_rate']:.2%}; another channel does better.")
    return Verdict(False, f"{answer!r} is not a channel; the channels are {', '.join(funnel.index)}.")
