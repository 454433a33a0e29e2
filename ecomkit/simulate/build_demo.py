"""Write a simulated shop to a directory: the bundled demo dataset.

Usage::

    python -m ecomkit.simulate.build_demo DIR [--customers 20000] [--seed 2025]

writes ``customers.csv``, ``orders.csv``, ``funnel_daily.csv`` (UTF-8, timestamps
``YYYY-MM-DD HH:MM:SS``, dates ``YYYY-MM-DD``, amounts with two decimals), ``truth.json``
(``ShopTruth.params``, indent 2) and ``customer_truth.csv`` (``ShopTruth.customers``).
``datasets/demo_shop/`` is this command with the defaults (``make demo``). The data dictionary
lives in ``datasets/demo_shop/README.md`` and is written by hand, not by this module.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ecomkit.simulate.shop import Shop, simulate_shop

__all__ = ["write_shop", "DEMO_FILES", "main"]

DEMO_FILES = ("customers.csv", "orders.csv", "funnel_daily.csv", "truth.json",
              "customer_truth.csv")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"


def write_shop(shop: Shop, directory: str | Path) -> list[Path]:
    """Write the three tables and the truth of ``shop`` into ``directory``; return the paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    common = {"index": False, "encoding": "utf-8", "lineterminator": "\n"}
    shop.customers.to_csv(directory / "customers.csv", date_format=TIMESTAMP_FORMAT, **common)
    shop.orders.to_csv(directory / "orders.csv", date_format=TIMESTAMP_FORMAT,
                       float_format="%.2f", **common)
    shop.funnel_daily.to_csv(directory / "funnel_daily.csv", date_format=DATE_FORMAT, **common)
    shop.truth.to_json(directory / "truth.json")
    return [directory / name for name in DEMO_FILES]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ecomkit.simulate.build_demo",
        description="Simulate the demo shop and write its CSV files and truth to DIR.")
    parser.add_argument("directory", type=Path, help="output directory (created if missing)")
    parser.add_argument("--customers", type=int, default=20_000, help="number of customers")
    parser.add_argument("--seed", type=int, default=2025, help="random seed")
    args = parser.parse_args(argv)
    shop = simulate_shop(n_customers=args.customers, seed=args.seed)
    paths = write_shop(shop, args.directory)
    from ecomkit.simulate.pricing import write_pricing_tables  # chapter 02: price panel, baskets
    paths += write_pricing_tables(args.directory, seed=args.seed)
    from ecomkit.simulate.campaign import write_campaign  # chapter 04: coupon campaign + truth
    paths += write_campaign(shop, args.directory, seed=args.seed + 1)
    from ecomkit.simulate.logistics import build_logistics  # chapter 05: parcels, sites, stock
    paths += build_logistics(shop, args.directory)
    total = sum(p.stat().st_size for p in paths)
    for path in paths:
        print(f"{path}  {path.stat().st_size / 1e6:.2f} MB")
    print(f"total {total / 1e6:.2f} MB: {len(shop.customers):,d} customers, "
          f"{len(shop.orders):,d} orders, {len(shop.funnel_daily):,d} funnel rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
