"""Run every benchmark script in bench/ and keep their output in bench/out/.

Each script prints its own figures as ratios against the reference tool measured in the same run.
The simulator bench runs under GNU time -v when available, for an independent peak-memory figure.
``bench/scale.py`` (orders from a Parquet file, DuckDB engine vs the plain lifetimes script) is slow
and runs only when asked: ``python bench/run_all.py --scale`` (1,000,000 orders) or
``--scale 1000000 10000000``. ``bench/chapters.py`` (whole ``ecomkit run`` processes against the
plain lifetimes script) runs at 1,000,000 orders by default; ``--chapters 1000000 10000000`` for more.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"


SCALE = "scale.py"  # slow: only behind --scale
CHAPTERS = "chapters.py"  # whole ecomkit run processes: --chapters sizes (default 1,000,000 orders)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run_all.py", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, nargs="*", metavar="ORDERS",
                        help=f"also run bench/{SCALE} at these order counts (default 1000000)")
    parser.add_argument("--chapters", type=int, nargs="*", metavar="ORDERS", default=[1_000_000],
                        help=f"run bench/{CHAPTERS} at these order counts (default 1000000; none: skip)")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    status = 0
    runs = [[script] for script in sorted(BENCH.glob("*.py")) if script.name not in ("run_all.py", SCALE, CHAPTERS)]
    if args.scale is not None:
        runs += [[BENCH / SCALE, "--orders", str(n)] for n in (args.scale or [1_000_000])]
    runs += [[BENCH / CHAPTERS, "--orders", str(n)] for n in args.chapters]
    for script, *options in runs:
        if script.name in (SCALE, CHAPTERS):  # they measure their own child processes under GNU time -v
            print(f"== {script.name} {' '.join(options)}", flush=True)
            done = subprocess.run([sys.executable, str(script), *options], text=True)
            status = status or done.returncode
            continue
        command = [sys.executable, str(script)]
        if shutil.which("time") or Path("/usr/bin/time").exists():
            command = ["/usr/bin/time", "-v", *command]
        print(f"== {script.name}", flush=True)
        done = subprocess.run(command, capture_output=True, text=True)
        report = done.stdout + ("\n--- resource usage (GNU time -v) ---\n" + done.stderr if done.stderr else "")
        (OUT / f"{script.stem}.txt").write_text(report)
        print(done.stdout)
        peak = [line for line in done.stderr.splitlines() if "Maximum resident set size" in line]
        if peak:
            kib = int(peak[0].split(":")[1])
            print(f"peak memory (GNU time): {kib / 2**20:.2f} GiB")
        if done.returncode != 0:
            print(done.stderr[-2000:], file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
