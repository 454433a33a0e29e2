"""Benchmark ecomkit.clv against plain lifetimes in one run (prints, never asserts).

    .venv/bin/python bench/clv.py                     # 1,000,000 customers, ~10,000,000 orders
    .venv/bin/python bench/clv.py --customers 100000  # a quick run

Orders come from the demo-shop simulator, ``ecomkit.simulate.simulate_shop``, with its BG/NBD and
Gamma-Gamma truth overridden: an alive customer's average pace is one purchase every 3.4 weeks instead
of every 18, so 1,000,000 customers acquired over 2023-2025 place ~10 orders each (9.8M orders; the
simulation peaks at about 3.6 GB resident, each pipeline at 1.2-1.7 GB). Cancelled rows are dropped (as
ecomkit.data does) and only customer_id, order_ts and net_amount are kept. Both pipelines go
orders -> summary -> BG/NBD + Gamma-Gamma -> 12-month discounted CLV per customer, with the same
settings, so their results can be compared number for number:

* ecomkit: customer_summary, fit_bgnbd, fit_gamma_gamma, customer_lifetime_value;
* lifetimes: summary_data_from_transaction_data(freq="D") (recency and T / 7), BetaGeoFitter.fit
  on every customer, GammaGammaFitter.fit on the raw spend (rescaled by hand only if it raises
  ConvergenceError, as a user would have to), GammaGammaFitter.customer_lifetime_value.

Targets (docs/clv.md): summary >= 3x, BG/NBD fit >= 20x, whole pipeline >= 4x faster.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import multiprocessing
import resource
import sys
import time
import warnings

import pandas as pd

BGNBD = {"r": 0.4, "alpha": 1.35, "a": 0.6, "b": 6.0}  # weeks: mean rate 0.3 purchases a week
GAMMA_GAMMA = {"p": 6.0, "q": 4.0, "gamma": 60.0}  # CNY: mean spend 120 CNY a purchase
START, END = "2023-01-01", "2025-12-31"
MONTH_WEEKS = 4.345  # lifetimes' month in weeks
MONTHS = 12
MARGIN = 0.3
ANNUAL_DISCOUNT_RATE = 0.1
TARGETS = {"summary": 3.0, "BG/NBD fit": 20.0, "pipeline": 4.0}


def peak_mb() -> float:
    """Peak resident memory of this process so far (MB; ru_maxrss is in KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(fn, orders, queue):
    try:
        result = fn(orders)
        result["peak_mb"] = peak_mb()
        queue.put(result)
    except BaseException as exc:  # report, do not hang the parent
        queue.put({"error": f"{type(exc).__name__}: {exc}"})


def run_forked(fn, orders: pd.DataFrame) -> dict:
    """Run ``fn(orders)`` in a forked child so that its ru_maxrss is this pipeline's own peak.

    A forked child starts with the parent's current resident memory (the orders), not the
    parent's peak, so ``peak_mb`` = orders + the pipeline's working memory. Falls back to running
    in this process where fork is not available.
    """
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:
        result = fn(orders)
        result["peak_mb"] = peak_mb()
        return result
    queue = ctx.Queue()
    process = ctx.Process(target=_child, args=(fn, orders, queue))
    process.start()
    result = queue.get()
    process.join()
    if "error" in result:
        raise RuntimeError(f"{fn.__name__} failed in the child process: {result['error']}")
    return result


def current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return float("nan")


REPEAT = 1  # set by --repeat: every stage of both pipelines is timed this many times, best kept


def timed(fn):
    """Run ``fn`` REPEAT times; return its last result and the best (wall, CPU) seconds.

    CPU time (time.process_time of this single-threaded process) is far less sensitive than wall
    time to other work on a shared machine, so both are reported.
    """
    best_wall = best_cpu = float("inf")
    for _ in range(REPEAT):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return out, (best_wall, best_cpu)


def total(times: dict) -> tuple[float, float]:
    return tuple(sum(v[i] for v in times.values()) for i in (0, 1))


def run_ecomkit(orders: pd.DataFrame) -> dict:
    from ecomkit import clv

    monthly = (1 + ANNUAL_DISCOUNT_RATE) ** (MONTH_WEEKS / clv.WEEKS_PER_YEAR) - 1
    annual = (1 + monthly) ** (clv.WEEKS_PER_YEAR / MONTH_WEEKS) - 1  # = ANNUAL_DISCOUNT_RATE
    t = {}
    summary, t["summary"] = timed(lambda: clv.customer_summary(orders, END))
    bg, t["BG/NBD fit"] = timed(lambda: clv.fit_bgnbd(summary))
    gg, t["Gamma-Gamma fit"] = timed(lambda: clv.fit_gamma_gamma(summary))
    value, t["CLV"] = timed(
        lambda: clv.customer_lifetime_value(
            bg, gg, summary, horizon_weeks=MONTHS * MONTH_WEEKS, margin=MARGIN,
            annual_discount_rate=annual, step_weeks=MONTH_WEEKS,
        )
    )
    t["pipeline"] = total(t)
    params = pd.concat([bg.params_, gg.params_])
    info = {"method": bg.method_, "rows": bg.n_rows_, "converged": bg.converged_ and gg.converged_, "gg_scale": gg.scale_}
    return {"times": t, "summary": summary, "params": params, "clv": value, "info": info}


def run_lifetimes(orders: pd.DataFrame) -> dict:
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import ConvergenceError, summary_data_from_transaction_data

    monthly = (1 + ANNUAL_DISCOUNT_RATE) ** (MONTH_WEEKS / (365.25 / 7)) - 1
    t = {}
    notes = []

    def summarise():
        s = summary_data_from_transaction_data(
            orders, "customer_id", "order_ts", "net_amount", observation_period_end=END, freq="D"
        )
        s["recency"] /= 7
        s["T"] /= 7
        return s

    summary, t["summary"] = timed(summarise)
    bgf, t["BG/NBD fit"] = timed(lambda: BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"]))

    def fit_gg():
        repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                return GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
        except ConvergenceError:
            note = "lifetimes' Gamma-Gamma fit on raw spend raised ConvergenceError; refitted on spend / median"
            if note not in notes:
                notes.append(note)
            c = repeat["monetary_value"].median()
            ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"] / c)
            ggf.params_["v"] *= c
            return ggf

    ggf, t["Gamma-Gamma fit"] = timed(fit_gg)
    value, t["CLV"] = timed(
        lambda: MARGIN
        * ggf.customer_lifetime_value(
            bgf, summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"],
            time=MONTHS, discount_rate=monthly, freq="W",
        )
    )
    t["pipeline"] = total(t)
    params = pd.concat([bgf.params_, ggf.params_.rename({"v": "gamma"})])
    return {"times": t, "summary": summary, "params": params, "clv": value, "notes": notes}


def main(argv=None) -> int:
    """Run the benchmark; ``argv`` are command-line flags (None = defaults, e.g. from run_all.py)."""
    parser = argparse.ArgumentParser(prog="bench/clv.py", description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000, help="number of customers (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=1, help="time every stage of both pipelines N times, keep the best")
    args = parser.parse_args([] if argv is None else argv)
    global REPEAT
    REPEAT = max(1, args.repeat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # lifetimes on current pandas/numpy
        warnings.simplefilter("ignore", FutureWarning)
        return _run(args)


def _run(args) -> int:
    from ecomkit.simulate import simulate_shop

    print(f"bench/clv.py: {args.customers:,} customers, seed {args.seed}, truth BG/NBD {BGNBD}, "
          f"Gamma-Gamma {GAMMA_GAMMA}")
    t0 = time.perf_counter()
    shop = simulate_shop(args.customers, seed=args.seed, start=START, end=END, bgnbd=BGNBD, gamma_gamma=GAMMA_GAMMA)
    real = shop.orders["status"].to_numpy() != "cancelled"
    orders = shop.orders.loc[real, ["customer_id", "order_ts", "net_amount"]].reset_index(drop=True)
    n_cancelled = int((~real).sum())
    del shop, real
    t_gen = time.perf_counter() - t0
    gc.collect()
    rss_data = current_rss_mb()
    print(f"simulated the shop in {t_gen:.1f} s (peak memory so far {peak_mb():,.0f} MB); kept {len(orders):,} orders "
          f"({len(orders) / args.customers:.1f} per customer), dropped {n_cancelled:,} cancelled; "
          f"resident memory with the orders {rss_data:,.0f} MB")

    eco = run_forked(run_ecomkit, orders)
    info = eco["info"]
    print(f"ecomkit pipeline: {eco['times']['pipeline'][0]:.2f} s (BG/NBD method {info['method']} on {info['rows']:,} "
          f"unique rows, converged {info['converged']}, Gamma-Gamma spend scale {info['gg_scale']:.2f} CNY); "
          f"peak memory {eco['peak_mb']:,.0f} MB")
    ref = run_forked(run_lifetimes, orders)
    print(f"lifetimes pipeline: {ref['times']['pipeline'][0]:.2f} s; peak memory {ref['peak_mb']:,.0f} MB")
    for note in ref["notes"]:
        print("note:", note)

    print()
    print(f"times in seconds, best of {REPEAT}; ratio = lifetimes / ecomkit")
    print(f"{'stage':<17}{'ecomkit':>9}{'lifetimes':>11}{'ratio':>8}   {'CPU ecomkit':>11}{'CPU lifetimes':>14}{'ratio':>8}{'target':>8}")
    for stage in ["summary", "BG/NBD fit", "Gamma-Gamma fit", "CLV", "pipeline"]:
        (we, ce), (wl, cl) = eco["times"][stage], ref["times"][stage]
        target = f"{TARGETS[stage]:.0f}x" if stage in TARGETS else ""
        print(f"{stage:<17}{we:>9.2f}{wl:>11.2f}{wl / we:>7.1f}x   {ce:>11.2f}{cl:>14.2f}{cl / ce:>7.1f}x{target:>8}")

    s_e, s_l = eco["summary"], ref["summary"]
    same_index = s_e.index.equals(s_l.index)
    summary_diff = float((s_e - s_l).abs().max().max()) if same_index else float("nan")
    rel = (eco["params"] / ref["params"][eco["params"].index] - 1).abs()
    clv_e, clv_l = eco["clv"], ref["clv"].reindex(eco["clv"].index)
    clv_rel = float(((clv_e - clv_l).abs() / clv_l.abs().clip(lower=1e-9)).max())
    print()
    print(f"summary: same customers {same_index}, largest absolute difference {summary_diff:.3g}")
    print("parameters (ecomkit | lifetimes | relative difference):")
    for name in eco["params"].index:
        print(f"  {name:<6}{eco['params'][name]:>14.6f}{ref['params'][name]:>14.6f}{rel[name]:>12.2e}")
    print(f"largest relative parameter difference {rel.max():.2e} "
          f"(BG/NBD {rel[['r', 'alpha', 'a', 'b']].max():.2e}, Gamma-Gamma {rel[['p', 'q', 'gamma']].max():.2e})")
    print(f"CLV per customer: largest relative difference {clv_rel:.2e}; total CLV ecomkit {clv_e.sum():,.0f} "
          f"vs lifetimes {clv_l.sum():,.0f} (CNY, {MONTHS} months, margin {MARGIN}, {ANNUAL_DISCOUNT_RATE:.0%} a year)")
    print(f"peak memory (ru_maxrss of the forked process that ran the pipeline, orders included): "
          f"ecomkit {eco['peak_mb']:,.0f} MB, lifetimes {ref['peak_mb']:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
