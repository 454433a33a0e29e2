"""Scale benchmark: the CLV pipeline from a Parquet file of N orders, ecomkit's DuckDB engine
against the plain lifetimes script, each a separate process under GNU ``time -v``.

    .venv/bin/python bench/scale.py --orders 1000000      # about 1 minute for the data, then 3 runs
    .venv/bin/python bench/scale.py --orders 10000000     # 3M customers: several minutes

The orders come from the demo-shop simulator (``ecomkit.simulate.simulate_shop``, its default
truth: about 3.4 orders per customer, 3% cancelled) and are written once to
``bench/out/scale_orders_<N>.parquet`` with every column of the orders table; later runs reuse the
file. Each pipeline then runs in its own process, from ``python`` start-up to the CLV per customer,
and ``/usr/bin/time -v`` gives its wall time and peak resident memory (the largest process of the
tree; DuckDB's threads live inside the Python process):

* ``lifetimes script``  — pandas reads the four columns it needs, drops cancelled and unpaid
  orders, ``lifetimes.utils.summary_data_from_transaction_data`` (days; recency and T / 7),
  ``BetaGeoFitter``, ``GammaGammaFitter`` (on repeat buyers), ``customer_lifetime_value``;
* ``ecomkit pandas``    — the same read, ``ecomkit.clv.customer_summary``, then ecomkit's fits;
* ``ecomkit DuckDB``    — ``ecomkit.engine``: DuckDB reads the Parquet file column by column,
  ``customer_summary`` runs as a query and only the per-customer table reaches pandas; then
  ``ecomkit.clv.fit_bgnbd``, ``fit_gamma_gamma`` and ``customer_lifetime_value``.

All three use the same settings (12 months of 4.345 weeks, 30% margin, 10% a year), so their
BG/NBD parameters and total CLV are printed side by side as a check. A benchmark, never a test:
it prints and writes ``bench/out/scale.md``; it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
OBSERVATION_END = "2025-12-31"  # the simulator's default window is 2023-01-01 .. 2025-12-31
ORDERS_PER_CUSTOMER = 3.45  # rows (cancelled included) per simulated customer, default truth
SEED = 2025
MONTH_WEEKS = 4.345  # lifetimes' month in weeks
MONTHS = 12
MARGIN = 0.3
ANNUAL_DISCOUNT_RATE = 0.1
READ_COLUMNS = ["customer_id", "order_ts", "net_amount", "status"]
PIPELINES = {"lifetimes": "lifetimes script", "pandas": "ecomkit pandas", "duckdb": "ecomkit DuckDB"}


# ------------------------------------------------------------------------------ the data


def data_path(n_orders: int) -> Path:
    return OUT / f"scale_orders_{n_orders}.parquet"


def write_data(n_orders: int, path: Path) -> None:
    """Simulate about ``n_orders`` orders and write every column to Parquet (run in a child)."""
    from ecomkit.engine import write_orders_parquet
    from ecomkit.simulate import simulate_shop

    n_customers = max(1, round(n_orders / ORDERS_PER_CUSTOMER))
    t0 = time.perf_counter()
    orders = simulate_shop(n_customers, seed=SEED).orders
    tmp = path.with_suffix(".tmp")
    write_orders_parquet(orders, tmp)
    tmp.replace(path)
    print(f"simulated {n_customers:,} customers -> {len(orders):,} orders in {time.perf_counter() - t0:.1f} s; "
          f"wrote {path} ({path.stat().st_size / 2**20:,.0f} MB)", flush=True)


# ------------------------------------------------------------------------- the pipelines


def _monthly_rate() -> float:
    return (1 + ANNUAL_DISCOUNT_RATE) ** (MONTH_WEEKS / (365.25 / 7)) - 1


def _read_orders(path: Path):
    import pandas as pd

    orders = pd.read_parquet(path, columns=READ_COLUMNS)
    return orders[~orders["status"].isin(["cancelled", "unpaid"])]


def run_lifetimes(path: Path) -> dict:
    import contextlib
    import io

    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import ConvergenceError, summary_data_from_transaction_data

    stages = {}
    t = time.perf_counter()
    orders = _read_orders(path)
    stages["read"] = time.perf_counter() - t
    t = time.perf_counter()
    summary = summary_data_from_transaction_data(orders, "customer_id", "order_ts", "net_amount",
                                                 observation_period_end=OBSERVATION_END, freq="D")
    summary["recency"] /= 7
    summary["T"] /= 7
    stages["summary"] = time.perf_counter() - t
    del orders
    t = time.perf_counter()
    bgf = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    except ConvergenceError:  # what a user has to do by hand: fit on rescaled spend
        scale = repeat["monetary_value"].median()
        ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"] / scale)
        ggf.params_["v"] *= scale
    stages["fits"] = time.perf_counter() - t
    t = time.perf_counter()
    value = MARGIN * ggf.customer_lifetime_value(bgf, summary["frequency"], summary["recency"], summary["T"],
                                                 summary["monetary_value"], time=MONTHS,
                                                 discount_rate=_monthly_rate(), freq="W")
    stages["clv"] = time.perf_counter() - t
    params = {**bgf.params_.to_dict(), **ggf.params_.rename({"v": "gamma"}).to_dict()}
    return {"stages": stages, "customers": len(summary), "params": params, "total_clv": float(value.sum())}


def _ecomkit_fits(summary, stages: dict) -> dict:
    from ecomkit import clv

    t = time.perf_counter()
    bg = clv.fit_bgnbd(summary)
    gg = clv.fit_gamma_gamma(summary)
    stages["fits"] = time.perf_counter() - t
    t = time.perf_counter()
    annual = (1 + _monthly_rate()) ** (clv.WEEKS_PER_YEAR / MONTH_WEEKS) - 1
    value = clv.customer_lifetime_value(bg, gg, summary, horizon_weeks=MONTHS * MONTH_WEEKS, margin=MARGIN,
                                        annual_discount_rate=annual, step_weeks=MONTH_WEEKS)
    stages["clv"] = time.perf_counter() - t
    params = {**bg.params_.to_dict(), **gg.params_.to_dict()}
    return {"stages": stages, "customers": len(summary), "params": params, "total_clv": float(value.sum())}


def run_pandas(path: Path) -> dict:
    from ecomkit import clv

    stages = {}
    t = time.perf_counter()
    orders = _read_orders(path)
    stages["read"] = time.perf_counter() - t
    t = time.perf_counter()
    summary = clv.customer_summary(orders, OBSERVATION_END)
    stages["summary"] = time.perf_counter() - t
    del orders
    return _ecomkit_fits(summary, stages)


def run_duckdb(path: Path) -> dict:
    from ecomkit import engine

    stages = {}
    t = time.perf_counter()
    con = engine.connect()
    orders = engine.orders_table(con, path)
    summary = engine.to_pandas(engine.customer_summary(orders, OBSERVATION_END))
    stages["read + summary"] = time.perf_counter() - t
    return _ecomkit_fits(summary, stages)


RUNS = {"lifetimes": run_lifetimes, "pandas": run_pandas, "duckdb": run_duckdb}


# ------------------------------------------------------------------------ measuring


def _time_v_field(text: str, label: str) -> str:
    match = re.search(rf"^\s*{re.escape(label)}: (.+)$", text, re.MULTILINE)
    if not match:
        raise RuntimeError(f"no {label!r} in GNU time's output:\n{text[-2000:]}")
    return match.group(1).strip()


def _seconds(clock: str) -> float:
    parts = [float(p) for p in clock.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))


def measure(name: str, path: Path) -> dict:
    """Run one pipeline in a child process under ``/usr/bin/time -v``."""
    command = ["/usr/bin/time", "-v", sys.executable, str(Path(__file__).resolve()), "--run", name, "--data", str(path)]
    done = subprocess.run(command, capture_output=True, text=True,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    (OUT / f"scale_{name}.txt").write_text(done.stdout + "\n--- GNU time -v ---\n" + done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"the {PIPELINES[name]} pipeline failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = _seconds(_time_v_field(done.stderr, "Elapsed (wall clock) time (h:mm:ss or m:ss)"))
    result["peak_mb"] = int(_time_v_field(done.stderr, "Maximum resident set size (kbytes)")) / 1024
    result["cpu_s"] = sum(float(_time_v_field(done.stderr, f"{kind} time (seconds)")) for kind in ("User", "System"))
    return result


def table(results: dict, n_orders: int, n_rows: int, load: tuple) -> str:
    plain = results["lifetimes"]
    lines = [f"### CLV pipeline at {n_orders:,} orders (`bench/scale.py --orders {n_orders}`)", "",
             f"{n_rows:,} order rows in Parquet, {plain['customers']:,} customers; each pipeline one process, "
             f"start-up to CLV, under GNU `time -v` (peak = largest resident set; CPU = user + system, "
             f"all threads). {os.cpu_count()} CPUs; 1-minute load average {load[0]:.1f} before the runs, "
             f"{load[1]:.1f} after (above the CPU count, other work inflated the wall times).", "",
             "| pipeline | wall s | CPU s | peak MB | wall vs plain | CPU vs plain | peak vs plain | stages (s) |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for name, label in PIPELINES.items():
        if name not in results:
            continue
        r = results[name]
        stages = ", ".join(f"{k} {v:.2f}" for k, v in r["stages"].items())
        lines.append(f"| {label} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['peak_mb']:,.0f} "
                     f"| {r['wall_s'] / plain['wall_s']:.2f}x | {r['cpu_s'] / plain['cpu_s']:.2f}x "
                     f"| {r['peak_mb'] / plain['peak_mb']:.2f}x | {stages} |")
    lines += ["", "| pipeline | r | alpha | a | b | p | q | gamma | total CLV (CNY) |", "|---|" + "---:|" * 8]
    for name, label in PIPELINES.items():
        if name in results:
            p = results[name]["params"]
            lines.append(f"| {label} | " + " | ".join(f"{p[k]:.6g}" for k in ("r", "alpha", "a", "b", "p", "q", "gamma"))
                         + f" | {results[name]['total_clv']:,.0f} |")
    if "duckdb" in results:
        rel = max(abs(results["duckdb"]["params"][k] / plain["params"][k] - 1) for k in ("r", "alpha", "a", "b"))
        duck = results["duckdb"]
        lines += ["", f"DuckDB engine against the plain lifetimes script: {plain['wall_s'] / duck['wall_s']:.2f}x "
                      f"faster in wall time, {plain['cpu_s'] / duck['cpu_s']:.2f}x in CPU time, "
                      f"{duck['peak_mb'] / plain['peak_mb']:.0%} of its peak memory; "
                      f"largest relative BG/NBD parameter difference {rel:.1e}."]
        if "pandas" in results:
            same = max(abs(duck["params"][k] / results["pandas"]["params"][k] - 1) for k in duck["params"])
            lines += [f"DuckDB engine against ecomkit's pandas summary: largest relative parameter difference "
                      f"{same:.1e}, total CLV {duck['total_clv']:,.2f} vs {results['pandas']['total_clv']:,.2f}."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="bench/scale.py", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders to simulate (default 1,000,000)")
    parser.add_argument("--pipelines", nargs="+", choices=list(PIPELINES), default=list(PIPELINES),
                        help="pipelines to measure (default all; the plain lifetimes script is the reference)")
    parser.add_argument("--run", choices=list(RUNS), help=argparse.SUPPRESS)     # child: one pipeline
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--write", type=Path, help=argparse.SUPPRESS)            # child: the data
    args = parser.parse_args(argv)
    if args.run:
        print(json.dumps(RUNS[args.run](args.data)), flush=True)
        return 0
    if args.write:
        write_data(args.orders, args.write)
        return 0

    OUT.mkdir(exist_ok=True)
    path = data_path(args.orders)
    if not path.exists():
        print(f"writing {path} (once; later runs reuse it)", flush=True)
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--orders", str(args.orders),
                        "--write", str(path)], check=True)
    import pyarrow.parquet as pq

    n_rows = pq.ParquetFile(path).metadata.num_rows
    pipelines = ["lifetimes", *[p for p in args.pipelines if p != "lifetimes"]]
    results = {}
    load_before = os.getloadavg()[0]
    for name in pipelines:
        print(f"== {PIPELINES[name]}", flush=True)
        results[name] = measure(name, path)
        r = results[name]
        print(f"   {r['wall_s']:.1f} s, peak {r['peak_mb']:,.0f} MB, {r['customers']:,} customers", flush=True)
    report = table(results, args.orders, n_rows, (load_before, os.getloadavg()[0]))
    (OUT / f"scale_{args.orders}.md").write_text(report)
    sections = sorted(OUT.glob("scale_*.md"), key=lambda p: int(p.stem.split("_")[1]))
    (OUT / "scale.md").write_text("\n".join(p.read_text() for p in sections))
    print()
    print(report)
    print(f"written to {OUT / 'scale.md'} (one section per size run so far)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
