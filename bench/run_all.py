"""Run every benchmark script in bench/ and keep their output in bench/out/.

Each script prints its own figures as ratios against the reference tool measured in the same run.
The simulator bench runs under GNU time -v when available, for an independent peak-memory figure.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"


def main() -> int:
    OUT.mkdir(exist_ok=True)
    status = 0
    for script in sorted(BENCH.glob("*.py")):
        if script.name == "run_all.py":
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
