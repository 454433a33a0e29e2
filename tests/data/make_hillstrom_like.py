"""Write a synthetic e-mail experiment with the schema of Kevin Hillstrom's MineThatData challenge.

The public file (64,000 customers who bought in the last twelve months, randomised in equal thirds to a
men's e-mail, a women's e-mail or no e-mail, outcomes over the two weeks after the send) cannot be
downloaded here, so this script draws a stand-in with exactly its documented columns and value styles:

recency (months since the last purchase, 1-12), history_segment (the past-year spend band, text like
"2) $100 - $200"), history (dollars spent in the past year), mens and womens (0/1: bought men's / women's
merchandise in the past year), zip_code (Urban, Surburban — spelled as in the original file — or Rural),
newbie (0/1: a new customer in the past twelve months), channel (Phone, Web, Multichannel: how they bought
in the past year), segment (Mens E-Mail, Womens E-Mail, No E-Mail: the arm), visit, conversion (0/1 in the
two weeks after the send) and spend (dollars in those two weeks).

The rates are set near the published ones (visit 10.6% / 18.3% / 15.1%, conversion 0.57% / 1.25% /
0.88%, spend $0.65 / $1.42 / $1.08 for no, men's and women's e-mail); the men's e-mail works mostly on
customers who bought men's merchandise, and visit is a post-treatment outcome (the e-mails raise it), the
column a careless model would learn the arm from.

Usage::

    python tests/data/make_hillstrom_like.py [OUT] [--customers 64000] [--seed 2008]

writes ``tests/data/hillstrom_like.csv.gz`` by default (deterministic for a seed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ARMS = ("Mens E-Mail", "Womens E-Mail", "No E-Mail")
BANDS = ((0, 100, "1) $0 - $100"), (100, 200, "2) $100 - $200"), (200, 350, "3) $200 - $350"),
         (350, 500, "4) $350 - $500"), (500, 750, "5) $500 - $750"), (750, 1000, "6) $750 - $1,000"),
         (1000, np.inf, "7) $1,000 +"))
COLUMNS = ("recency", "history_segment", "history", "mens", "womens", "zip_code", "newbie", "channel", "segment",
           "visit", "conversion", "spend")


def hillstrom_like(n_customers: int = 64_000, seed: int = 2008) -> pd.DataFrame:
    """The synthetic experiment as a DataFrame with :data:`COLUMNS`."""
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    recency = rng.integers(1, 13, n)
    history = np.round(np.minimum(29.99 + rng.gamma(1.1, 220.0, n), 3345.93), 2)
    band = np.digitize(history, [b[1] for b in BANDS[:-1]])
    history_segment = np.asarray([b[2] for b in BANDS], dtype=object)[band]
    mens = (rng.random(n) < 0.55).astype(int)
    womens = np.where(mens == 1, (rng.random(n) < 0.2).astype(int), 1)
    zip_code = rng.choice(["Urban", "Surburban", "Rural"], n, p=[0.40, 0.45, 0.15])
    newbie = (rng.random(n) < 0.5).astype(int)
    channel = rng.choice(["Phone", "Web", "Multichannel"], n, p=[0.44, 0.44, 0.12])
    segment = np.asarray(ARMS, dtype=object)[rng.permutation(np.arange(n) % 3)]

    activity = 1.0 + 0.15 * (6 - recency) / 6 + 0.1 * (channel == "Multichannel") - 0.1 * newbie
    p_visit = 0.106 * activity
    p_visit = p_visit + np.where(segment == "Mens E-Mail", 0.05 + 0.06 * mens, 0.0)
    p_visit = p_visit + np.where(segment == "Womens E-Mail", 0.03 + 0.02 * womens, 0.0)
    visit = (rng.random(n) < np.clip(p_visit, 0, 1)).astype(int)
    p_buy_given_visit = 0.054 * np.where(segment == "Mens E-Mail", 1.0 + 0.25 * mens, 1.0)
    conversion = visit * (rng.random(n) < p_buy_given_visit).astype(int)
    spend = np.where(conversion == 1, np.round(np.clip(rng.gamma(2.2, 52.0, n), 30.0, 499.0), 2), 0.0)
    return pd.DataFrame({"recency": recency, "history_segment": history_segment, "history": history, "mens": mens,
                         "womens": womens, "zip_code": zip_code, "newbie": newbie, "channel": channel,
                         "segment": segment, "visit": visit, "conversion": conversion, "spend": spend},
                        columns=list(COLUMNS))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path(__file__).with_name("hillstrom_like.csv.gz"))
    parser.add_argument("--customers", type=int, default=64_000)
    parser.add_argument("--seed", type=int, default=2008)
    args = parser.parse_args(argv)
    frame = hillstrom_like(args.customers, args.seed)
    frame.to_csv(args.out, index=False, lineterminator="\n", compression={"method": "gzip", "mtime": 0})
    print(f"{args.out}: {len(frame):,} customers")
    print(frame.groupby("segment")[["visit", "conversion", "spend"]].mean().round(4).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
