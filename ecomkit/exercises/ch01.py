"""Checks for notebooks/exercises/01_user_profiling.ipynb.

Every expected value is recomputed from the bundled demo shop with ``ecomkit.profiling`` when a
check runs; the constants below only fix *which* question is asked.
"""

from __future__ import annotations

import math
from functools import lru_cache

import pandas as pd

from ecomkit import profiling as pf
from ecomkit.exercises.grading import Verdict, close_enough, exercise
from ecomkit.exercises import demo_shop

AS_OF = pd.Timestamp("2026-01-01")      # midnight after the demo's last day
RFM_CUSTOMER = 100076                   # several completed orders, and a returned last order
PATTERN = {"recency_days": 40, "frequency": 2, "monetary": 900.0}   # exercise 01.2
PARETO_TOP = 0.2
CHURN_WINDOW_DAYS = 90


@lru_cache(maxsize=2)
def _rfm(include_returned: bool = False) -> pd.DataFrame:
    return pf.rfm_table(demo_shop().orders, AS_OF, include_returned=include_returned)


@lru_cache(maxsize=1)
def _churn_data() -> pd.DataFrame:
    cutoff = AS_OF - pd.Timedelta(days=CHURN_WINDOW_DAYS)
    return pf.churn_dataset(demo_shop().orders, cutoff, CHURN_WINDOW_DAYS, data_end=AS_OF)


def _same_number(a, b, rel: float = 1e-3) -> bool:
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=0.01)


# ------------------------------------------------------------------------------------ 01.1
def _three_numbers(answer):
    if isinstance(answer, dict):
        return tuple(answer[k] for k in ("recency_days", "frequency", "monetary"))
    if isinstance(answer, pd.Series):
        answer = answer[["recency_days", "frequency", "monetary"]].tolist()
    values = tuple(answer)
    if len(values) != 3:
        raise ValueError(f"expected three numbers (recency_days, frequency, monetary), got {len(values)}")
    return values


@exercise("01.1", f"recency (days), frequency and monetary value (CNY) of customer {RFM_CUSTOMER} "
                  "as of 2026-01-01, returned orders not counted: a tuple (R, F, M)")
def rfm_by_hand(answer) -> Verdict:
    try:
        recency, frequency, monetary = (float(v) for v in _three_numbers(answer))
    except (TypeError, ValueError, KeyError) as exc:
        return Verdict(False, f"give a tuple (recency_days, frequency, monetary): {exc}")
    want = _rfm().loc[RFM_CUSTOMER]
    with_returns = _rfm(include_returned=True).loc[RFM_CUSTOMER]
    problems = []
    if recency != want["recency_days"]:
        if recency == with_returns["recency_days"]:
            problems.append("recency was measured from the returned order; the last *counted* order is earlier")
        elif recency == want["recency_days"] + 1:
            problems.append("recency is one day too many: count whole days elapsed (round down)")
        else:
            problems.append("recency is not the whole days from the last counted order to 2026-01-01")
    if frequency != want["frequency"]:
        if frequency == with_returns["frequency"]:
            problems.append("frequency counts the returned order; returned orders do not count")
        else:
            problems.append("frequency is not the number of counted (completed) orders")
    if not _same_number(monetary, want["monetary"]):
        if _same_number(monetary, with_returns["monetary"]):
            problems.append("monetary includes the refunded money of the returned order")
        else:
            problems.append("monetary is not the sum of net_amount over the counted orders, in CNY")
    if problems:
        return Verdict(False, "; ".join(problems) + ".")
    return Verdict(True, f"R = {int(want['recency_days'])} days, F = {int(want['frequency'])} orders, "
                         f"M = CNY {want['monetary']:,.2f}.")


# ------------------------------------------------------------------------------------ 01.2
def _segment_of(flags: tuple[bool, bool, bool]) -> pd.Series:
    table = pf.SEGMENTS
    row = table[(table["r_high"] == flags[0]) & (table["f_high"] == flags[1]) & (table["m_high"] == flags[2])]
    return row.iloc[0]


def _find_segment(answer) -> pd.Series | None:
    text = str(answer).strip().lower().replace("-", "").replace(" ", "_")
    for _, row in pf.SEGMENTS.iterrows():
        names = {row["segment"].replace("-", ""), row["label"].lower().replace("-", "").replace(" ", "_"),
                 row["segment_cn"], row["segment_cn"].removesuffix("客户")}
        if text in names or str(answer).strip() in names:
            return row
    return None


@exercise("01.2", "the segment (of the eight) of a customer whose last order was 40 days before 2026-01-01, "
                  "with 2 orders worth CNY 900 in all, using the demo shop's mean thresholds")
def segment_of_pattern(answer) -> Verdict:
    thresholds = pf.rfm_segments(_rfm(), threshold="mean").attrs["thresholds"]
    flags = (PATTERN["recency_days"] <= thresholds["recency_days"],
             PATTERN["frequency"] > thresholds["frequency"],
             PATTERN["monetary"] > thresholds["monetary"])
    want = _segment_of(flags)
    got = _find_segment(answer)
    if got is None:
        names = ", ".join(pf.SEGMENTS["segment"])
        return Verdict(False, f"{answer!r} is not one of the eight segments ({names}).")
    if got["segment"] == want["segment"]:
        return Verdict(True, f"{want['label']} ({want['segment_cn']}).")
    rules = (
        ("R", "r_high", f"R is high when the last order is at most {thresholds['recency_days']:.1f} days ago"),
        ("F", "f_high", f"F is high only above the mean frequency {thresholds['frequency']:.2f} orders"),
        ("M", "m_high", f"M is high only above the mean spend CNY {thresholds['monetary']:,.2f}"),
    )
    wrong = [f"{letter} should be {'high' if want[col] else 'low'}: {why}"
             for letter, col, why in rules if bool(got[col]) != bool(want[col])]
    return Verdict(False, f"{got['label']} has the wrong pattern. " + "; ".join(wrong) + ".")


# ------------------------------------------------------------------------------------ 01.3
@exercise("01.3", "the share of net spend (returned orders not counted) held by the top 20% of customers "
                  "as of 2026-01-01, a fraction")
def pareto_top_share(answer) -> Verdict:
    want = pf.pareto_share(_rfm(), top=PARETO_TOP)
    verdict = close_enough(answer, want, rel=1e-3)
    if verdict.correct:
        return Verdict(True, f"{want:.1%} of net spend comes from the top fifth of customers.")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return verdict
    if _same_number(value, pf.pareto_share(_rfm(include_returned=True), top=PARETO_TOP), rel=1e-4):
        return Verdict(False, "that share counts returned orders; use completed orders only.")
    orders = demo_shop().orders
    kept = orders[orders["status"] == "completed"]["net_amount"].sort_values(ascending=False)
    by_order = kept.iloc[:math.ceil(PARETO_TOP * len(kept))].sum() / kept.sum()
    if _same_number(value, by_order, rel=1e-4):
        return Verdict(False, "that is the share of the top 20% of *orders*; rank customers by their total spend.")
    return verdict


# ------------------------------------------------------------------------------------ 01.4
@exercise("01.4", "the top-decile lift of recency as a churn score at the cutoff 2025-10-03 "
                  "(90-day window): churn rate of the 10% with the longest recency / overall churn rate")
def recency_top_decile_lift(answer) -> Verdict:
    data = _churn_data()
    lift = pf.lift_table(data["churned"], data["recency_days"])
    want = float(lift.loc[1, "lift"])
    # ties in recency at the decile edge may be split differently by hand: allow 1%
    verdict = close_enough(answer, want, rel=0.01)
    if verdict.correct:
        return Verdict(True, f"lift {want:.3f}: the riskiest tenth churns {want - 1:.0%} more often than average "
                             f"(at most {1 / data['churned'].mean():.2f} is possible with this churn rate).")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return verdict
    if _same_number(value, lift.loc[1, "rate"], rel=0.01):
        return Verdict(False, "that is the churn rate of the top decile; divide it by the overall churn rate.")
    if _same_number(value, lift.loc[len(lift), "lift"], rel=0.01):
        return Verdict(False, "that is the decile with the *shortest* recency; longest silence = highest risk.")
    return verdict
