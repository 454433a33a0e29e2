"""Time the demo-shop simulator at a given size.

Usage::

    /usr/bin/time -v .venv/bin/python bench/simulate.py 1000000 [seed]

Prints customers, orders and funnel rows, wall seconds of ``simulate_shop``, and the process's
peak resident memory from ``resource.getrusage`` (the same figure ``/usr/bin/time -v`` reports as
"Maximum resident set size", in KiB on Linux).
"""
from __future__ import annotations

import resource
import sys
import time

from ecomkit.simulate import simulate_shop


def main(argv: list[str]) -> int:
    n_customers = int(float(argv[1])) if len(argv) > 1 else 1_000_000
    seed = int(argv[2]) if len(argv) > 2 else 2025
    t0 = time.perf_counter()
    shop = simulate_shop(n_customers=n_customers, seed=seed)
    seconds = time.perf_counter() - t0
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"customers     {len(shop.customers):>12,d}")
    print(f"orders        {len(shop.orders):>12,d}  "
          f"({len(shop.orders) / len(shop.customers):.2f} per customer, "
          f"{(shop.orders['status'] == 'cancelled').sum():,d} cancelled)")
    print(f"funnel rows   {len(shop.funnel_daily):>12,d}")
    print(f"seconds       {seconds:>12.2f}")
    print(f"peak RSS MiB  {peak_mib:>12.0f}  (ru_maxrss of this process)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
