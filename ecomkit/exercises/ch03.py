"""Checks for notebooks/exercises/03_clv_bgnbd.ipynb (customer lifetime value, BG/NBD, Gamma-Gamma).

Every expected answer is recomputed from the bundled demo shop with ``ecomkit.clv`` when a check runs.
"""

from __future__ import annotations

import math
from functools import lru_cache

import pandas as pd

from ecomkit import clv
from ecomkit.exercises.grading import Verdict, close_enough, exercise
from ecomkit.exercises import demo_shop

OBSERVATION_END = "2025-12-31"
CALIBRATION_END = "2024-12-31"
SUMMARY_CUSTOMER = 100398  # seven orders, two of them on one day
SPEND_CUSTOMER = 104238  # one repeat purchase, of several thousand CNY
PENALIZERS = (0.0, 0.001, 0.01, 0.1)
MARGIN = 0.3
ANNUAL_DISCOUNT_RATE = 0.1
HORIZON_WEEKS = 52


@lru_cache(maxsize=1)
def _summary() -> pd.DataFrame:
    return clv.customer_summary(demo_shop().orders, OBSERVATION_END)


@lru_cache(maxsize=1)
def _fits():
    summary = _summary()
    return clv.fit_bgnbd(summary), clv.fit_gamma_gamma(summary)


@lru_cache(maxsize=1)
def _calibration() -> pd.DataFrame:
    return clv.calibration_holdout(demo_shop().orders, CALIBRATION_END, OBSERVATION_END)


def _three_numbers(answer) -> tuple[float, float, float]:
    if isinstance(answer, dict):
        return tuple(float(answer[k]) for k in ("frequency", "recency", "T"))
    if isinstance(answer, pd.Series):
        return tuple(float(answer[k]) for k in ("frequency", "recency", "T"))
    values = [float(v) for v in answer]
    if len(values) != 3:
        raise ValueError("give three numbers: frequency, recency, T")
    return tuple(values)


@exercise("03.1", f"frequency, recency and T (weeks) of customer {SUMMARY_CUSTOMER} as of {OBSERVATION_END}")
def summary_by_hand(answer) -> Verdict:
    orders = demo_shop().orders
    own = orders[orders["customer_id"] == SUMMARY_CUSTOMER]
    expected = clv.customer_summary(own, OBSERVATION_END).loc[SUMMARY_CUSTOMER]
    x, rec, T = (float(expected[k]) for k in ("frequency", "recency", "T"))
    try:
        fa, ra, Ta = _three_numbers(answer)
    except (TypeError, ValueError, KeyError) as exc:
        return Verdict(False, f"answer with a dict {{'frequency': ..., 'recency': ..., 'T': ...}} or three numbers ({exc})")
    close = lambda a, b: math.isclose(a, b, rel_tol=1e-3, abs_tol=1e-6)  # noqa: E731
    problems = []
    if not close(fa, x):
        if close(fa, len(own) - 1):
            problems.append(f"frequency: {len(own)} orders, but two fall on one day and count as one purchase")
        elif close(fa, x + 1):
            problems.append("frequency counts repeat purchases only: leave out the first purchase")
        else:
            problems.append(f"frequency {fa:g} is not the number of repeat purchase days")
    if not close(ra, rec):
        if close(ra, 7 * rec):
            problems.append("recency looks like days: divide by 7 for weeks")
        elif close(ra, T - rec):
            problems.append("recency is the age at the last purchase (first to last purchase), not the time since it")
        else:
            problems.append(f"recency {ra:g} is not the weeks from the first to the last purchase day")
    if not close(Ta, T):
        if close(Ta, 7 * T):
            problems.append("T looks like days: divide by 7 for weeks")
        else:
            problems.append(f"T {Ta:g} is not the weeks from the first purchase day to {OBSERVATION_END}")
    if problems:
        return Verdict(False, "; ".join(problems) + ".")
    return Verdict(True, f"frequency {x:g}, recency {rec:.2f} weeks, T {T:.2f} weeks: lifetimes' conventions.")


@exercise("03.2", f"the expected number of demo customers still alive at {OBSERVATION_END} (a count)")
def expected_alive(answer) -> Verdict:
    bg, _ = _fits()
    p_alive = clv.probability_alive(bg, _summary())
    expected = float(p_alive.sum())
    verdict = close_enough(answer, expected, rel=1e-3, unit=" customers")
    if verdict.correct:
        return Verdict(True, f"{expected:,.0f} customers: the sum of P(alive) is the expected count, even though no "
                             "single customer is known to be alive or gone.")
    if close_enough(answer, float((p_alive >= 0.5).sum()), rel=1e-3).correct:
        return Verdict(False, "that counts customers more likely alive than not; the expected number adds up the "
                              "probabilities (a customer at 0.6 counts 0.6, one at 0.4 counts 0.4).")
    if close_enough(answer, float(p_alive.mean()), rel=1e-3).correct:
        return Verdict(False, "that is the mean P(alive), a share; the exercise asks for a number of customers.")
    return verdict


def _penalizer_errors() -> pd.Series:
    cal = _calibration()
    return pd.Series({pen: clv.holdout_errors(clv.fit_bgnbd(cal, penalizer=pen), cal)["mae"] for pen in PENALIZERS})


@exercise("03.3", f"the penalizer among {PENALIZERS} with the lowest holdout MAE (calibration to {CALIBRATION_END})")
def choose_penalizer(answer) -> Verdict:
    try:
        chosen = float(answer)
    except (TypeError, ValueError):
        return Verdict(False, f"answer with one of the penalizers {PENALIZERS}")
    mae = _penalizer_errors()
    best = float(mae.idxmin())
    if not any(math.isclose(chosen, p, abs_tol=1e-12) for p in PENALIZERS):
        return Verdict(False, f"{chosen:g} is not one of the penalizers to compare: {PENALIZERS}")
    if math.isclose(chosen, best, abs_tol=1e-12):
        return Verdict(True, f"penalizer {best:g} has the lowest holdout MAE ({mae[best]:.4f} purchases). With "
                             f"{len(_calibration()):,} customers the data pin the parameters down; a penalty only "
                             "pulls them towards zero, a and b first.")
    key = min(PENALIZERS, key=lambda p: abs(p - chosen))
    return Verdict(False, f"penalizer {chosen:g} gives a holdout MAE of {mae[key]:.4f}; another one does better "
                          f"(compare all four).")


@exercise("03.4", "the most to pay for a customer like those acquired in November 2025, by the rule CLV >= 3 x CAC (CNY)")
def acquisition_cap(answer) -> Verdict:
    orders = demo_shop().orders
    summary = _summary()
    bg, gg = _fits()
    value = clv.customer_lifetime_value(bg, gg, summary, horizon_weeks=HORIZON_WEEKS, margin=MARGIN,
                                        annual_discount_rate=ANNUAL_DISCOUNT_RATE)
    first_value = clv.first_purchase_value(orders)
    first_ts = orders.groupby("customer_id")["order_ts"].min()
    cohort = first_ts.index[(first_ts >= "2025-11-01") & (first_ts < "2025-12-01")]
    worth = MARGIN * first_value.reindex(cohort) + value.reindex(cohort)
    expected = clv.max_acquisition_cost(worth, share=1 / 3)
    verdict = close_enough(answer, expected, rel=1e-3, unit=" CNY")
    if verdict.correct:
        return verdict
    hints = {
        "that is the break-even cost: the rule of three keeps a third of the value": worth.mean(),
        "that leaves out the margin of the first purchase, which the new customer brings at once":
            value.reindex(cohort).mean() / 3,
        "the first purchase counts with its margin (MARGIN x spend), not its full value":
            (first_value.reindex(cohort) + value.reindex(cohort)).mean() / 3,
        "that uses every customer; the exercise asks about the November 2025 cohort":
            (MARGIN * first_value.reindex(summary.index) + value).mean() / 3,
    }
    for reason, wrong in hints.items():
        if close_enough(answer, wrong, rel=1e-3).correct:
            return Verdict(False, reason + ".")
    return verdict


@exercise("03.5", f"the expected value (CNY) of the next purchase of customer {SPEND_CUSTOMER}, by Gamma-Gamma")
def shrunk_spend(answer) -> Verdict:
    summary = _summary()
    _, gg = _fits()
    expected = float(clv.expected_spend(gg, summary).loc[SPEND_CUSTOMER])
    own = float(summary.loc[SPEND_CUSTOMER, "monetary_value"])
    verdict = close_enough(answer, expected, rel=1e-3, unit=" CNY")
    if verdict.correct:
        p, q = gg.params_["p"], gg.params_["q"]
        weight = (q - 1) / (p * summary.loc[SPEND_CUSTOMER, "frequency"] + q - 1)  # on the population mean
        return Verdict(True, f"{expected:,.1f} CNY: {1 - weight:.0%} her own mean ({own:,.0f} CNY) and {weight:.0%} the "
                             f"shop's ({gg.mean_spend_:,.0f} CNY); each further purchase shifts weight to her own mean.")
    if close_enough(answer, own, rel=1e-3).correct:
        return Verdict(False, "that is her own mean repeat purchase; one purchase is weak evidence, so the model "
                              "pulls it towards the population mean.")
    if close_enough(answer, gg.mean_spend_, rel=1e-3).correct:
        return Verdict(False, "that is the population mean p*gamma/(q-1); her own purchase moves the estimate too.")
    return verdict


MODEL_CHOICES = clv.MODELS  # "bgnbd", "pareto_nbd", "mbgnbd"


@lru_cache(maxsize=1)
def _model_comparison() -> pd.DataFrame:
    """The three purchase models fitted on the calibration period, on the holdout and against the truth."""
    cal = _calibration()
    horizon = float(cal["duration_holdout"].iloc[0])
    truth = demo_shop().truth.params["bgnbd"]
    # the best prediction possible knowing how the shop was generated: the true parameters, each customer's history
    best = clv.expected_purchases(clv.bgnbd_from_params(truth), cal, horizon)
    rows = {}
    for kind in MODEL_CHOICES:
        fit = clv.fit_model(cal, kind)
        errors = clv.holdout_errors(fit, cal)
        rows[kind] = {
            "log_likelihood": fit.log_likelihood_,
            "aggregate_error": errors["aggregate_error"],
            "mae": errors["mae"],
            "distance_to_truth": float((clv.expected_purchases(fit, cal, horizon) - best).abs().mean()),
        }
    return pd.DataFrame(rows).T


@exercise("03.6", f"the purchase model among {MODEL_CHOICES} to rank customers with (calibration to {CALIBRATION_END})")
def choose_model(answer) -> Verdict:
    chosen = str(answer).strip().lower() if answer is not None else ""
    if chosen not in MODEL_CHOICES:
        return Verdict(False, f"answer with one of {', '.join(repr(m) for m in MODEL_CHOICES)}")
    table = _model_comparison()
    best = str(table["distance_to_truth"].idxmin())
    off = table["distance_to_truth"]
    summary = "; ".join(f"{k} {off[k]:.3f}" for k in MODEL_CHOICES)
    if chosen == best:
        agree = [name for name, column, pick in (("the calibration log-likelihood", "log_likelihood", "max"),
                                                  ("the holdout MAE", "mae", "min"))
                 if getattr(table[column], f"idx{pick}")() == best]
        because = " and ".join(agree)
        also = f"{because[0].upper()}{because[1:]} pointed there too. " if agree else ""
        return Verdict(True, f"by the truth, {best}: its per-customer holdout predictions are closest to what the true "
                             f"parameters predict (mean absolute gap, purchases: {summary}). {also}"
                             "The demo shop's repeat purchases were generated by BG/NBD.")
    reason = f"by the truth, {chosen} is not the best: mean absolute gap to the true predictions {summary}."
    lower = table.loc[best, "log_likelihood"] - table.loc[chosen, "log_likelihood"]
    if lower > 0:
        reason += (f" With four parameters each, its calibration log-likelihood is {lower:,.1f} lower than {best}'s: the "
                   "data were less likely under it.")
    if chosen == table["aggregate_error"].abs().idxmin():
        reason += (" The holdout total is the easy test: over- and under-predictions of single customers cancel in it. "
                   "To rank customers, compare the per-customer error and the log-likelihood.")
    return Verdict(False, reason)
