"""Chapters end to end: ``ecomkit run CHAPTER`` on N orders against the plain lifetimes script, in one run.

    .venv/bin/python bench/chapters.py --orders 1000000
    .venv/bin/python bench/chapters.py --orders 10000000 --chapters clv start

What the analyst runs, measured as a whole: ``/usr/bin/time -v ecomkit run CHAPTER --data
orders.parquet`` (the command line's check of the file, the kernel, the notebook, the HTML report)
— GNU time's peak is the largest resident set of any one process of the tree (the command line and
its notebook kernel are separate processes). The reference is the plain lifetimes script of
``bench/scale.py`` (pandas reads the four columns, lifetimes' summary, BG/NBD, Gamma-Gamma, CLV),
measured in the same run on the same file. The orders are ``bench/scale.py``'s simulated Parquet
file (written once into ``bench/out/``).

Prints a markdown table and writes it to ``bench/out/chapters_<N>.md``; asserts nothing about speed.
The clv chapter runs with ``--engine duckdb`` and ``--engine pandas`` (``auto`` picks DuckDB from
1,000,000 orders), the other chapters as they are.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import scale  # noqa: E402  (bench/scale.py: the data and the plain lifetimes pipeline)

OUT = BENCH / "out"
ECOMKIT = Path(sys.executable).with_name("ecomkit")
RUNS = {  # label -> (chapter, extra arguments)
    "clv --engine duckdb": ("clv", ["--engine", "duckdb"]),
    "clv --engine pandas": ("clv", ["--engine", "pandas"]),
    "start": ("start", []),
    "profiling": ("profiling", []),
}


def timed(command: list[str], log: Path) -> dict:
    """Run ``command`` under GNU time -v; wall and CPU seconds, peak MB and the exit status."""
    done = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True,
                          env={**os.environ, "PYTHONWARNINGS": "ignore", "ECOMKIT_CACHE": str(log.parent / "cache")})
    log.write_text(done.stdout + "\n--- GNU time -v ---\n" + done.stderr)
    field = scale._time_v_field
    return {"ok": done.returncode == 0, "error": done.stderr.strip().splitlines()[-30:] if done.returncode else None,
            "wall_s": scale._seconds(field(done.stderr, "Elapsed (wall clock) time (h:mm:ss or m:ss)")),
            "cpu_s": sum(float(field(done.stderr, f"{k} time (seconds)")) for k in ("User", "System")),
            "peak_mb": int(field(done.stderr, "Maximum resident set size (kbytes)")) / 1024}


def bgnbd_params(results_json: Path) -> dict | None:
    if not results_json.exists():
        return None
    found = json.loads(results_json.read_text())["results"].get("bgnbd_full_window")
    return found["params"] if found else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="bench/chapters.py", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders to simulate (default 1,000,000)")
    parser.add_argument("--chapters", nargs="+", choices=[c for c, _ in RUNS.values()], default=None,
                        help="chapters to run (default: clv, start, profiling)")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    path = scale.data_path(args.orders)
    if not path.exists():
        subprocess.run([sys.executable, str(BENCH / "scale.py"), "--orders", str(args.orders), "--write", str(path)],
                       check=True)
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="ecomkit-bench-", dir=OUT))
    results = {"lifetimes script": timed([sys.executable, str(BENCH / "scale.py"), "--run", "lifetimes", "--data",
                                          str(path)], work / "lifetimes.txt")}
    plain_params = json.loads((work / "lifetimes.txt").read_text().split("\n--- GNU")[0].strip().splitlines()[-1])["params"]
    params = {"lifetimes script": plain_params}
    for label, (chapter, extra) in RUNS.items():
        if args.chapters and chapter not in args.chapters:
            continue
        out = work / label.replace(" ", "_").replace("-", "")
        print(f"== ecomkit run {chapter} {' '.join(extra)}", flush=True)
        results[label] = timed([str(ECOMKIT), "run", chapter, "--data", str(path), "--out", str(out), "--quiet", *extra],
                               work / f"{out.name}.txt")
        params[label] = bgnbd_params(out / "results.json")
    load_after = os.getloadavg()[0]
    plain = results["lifetimes script"]
    lines = [f"### Chapters end to end at {args.orders:,} orders (`bench/chapters.py --orders {args.orders}`)", "",
             f"`{path.name}`; each line one `ecomkit run` (or the plain script) under GNU `time -v`, in one run; peak = "
             f"largest resident set of one process. {os.cpu_count()} CPUs; 1-minute load average {load_before:.1f} "
             f"before, {load_after:.1f} after.", "",
             "| run | exit | wall s | CPU s | peak MB | plain script / run, wall | run / plain script, peak |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for label, r in results.items():
        lines.append(f"| {label} | {'ok' if r['ok'] else 'FAILED'} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | "
                     f"{r['peak_mb']:,.0f} | {plain['wall_s'] / r['wall_s']:.2f}x | {r['peak_mb'] / plain['peak_mb']:.2f}x |")
    lines += ["", "BG/NBD parameters (weeks) of the runs that fit them:", "",
              "| run | r | alpha | a | b | largest relative difference to the plain script |", "|---|---:|---:|---:|---:|---:|"]
    for label, p in params.items():
        if p:
            rel = max(abs(p[k] / plain_params[k] - 1) for k in ("r", "alpha", "a", "b"))
            lines.append(f"| {label} | " + " | ".join(f"{p[k]:.6g}" for k in ("r", "alpha", "a", "b")) + f" | {rel:.1e} |")
    failed = [f"{label}: {' / '.join(r['error'][-3:])}" for label, r in results.items() if not r["ok"]]
    if failed:
        lines += ["", "Failed runs:", *[f"- {f}" for f in failed]]
    text = "\n".join(lines) + "\n"
    (OUT / f"chapters_{args.orders}.md").write_text(text)
    print(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
