"""Cohort retention under the chapter's counting rule: which new customers come back, and how soon.

The cohort arithmetic itself is :mod:`ecomkit.cohorts`, shared with chapter 00; this module only
decides which orders count and which periods are complete.

Example:
    cohorts = counted_cohort_retention(orders, period="M", as_of="2026-01-01")
    next_period_retention(cohorts).median
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from ecomkit.cohorts import CohortRetention, cohort_retention
from ecomkit.profiling.counting import ORDER_KEYS, counted_orders, require_columns


def counted_cohort_retention(orders: pd.DataFrame, period: str = "M", as_of=None,
                             include_returned: bool = False) -> CohortRetention:
    """Acquisition-cohort retention from the counted orders, complete periods only.

    A customer's cohort is the calendar period (month "M", week "W", quarter "Q") of their
    first counted order in `orders`; they are active in a period if they have a counted order
    in it. Period 0 is 1 by construction. Only complete periods (ending on or before as_of)
    are shown; later cells are NaN and cohorts starting in an incomplete period are dropped.
    The matrix is :func:`ecomkit.cohorts.cohort_retention` (chapter 00's) run on the counted
    orders with this `as_of`.

    Parameters
    ----------
    orders : orders table (counting rule of `rfm_table`).
    period : pandas period alias, "M", "W" or "Q".
    as_of : end of the observation (timestamp); default: midnight after the last order's day,
        i.e. the data are taken to cover whole days.
    include_returned : count returned orders as activity.

    Returns
    -------
    CohortRetention with ``excluded`` holding the counting rule's row counts (as in `rfm_table`).

    Example:
        cohorts = counted_cohort_retention(orders, period="M")
        cohorts.matrix.iloc[:, :4]
    """
    require_columns(orders, ORDER_KEYS, "counted_cohort_retention")
    if as_of is None:
        as_of = pd.to_datetime(orders["order_ts"]).max().normalize() + pd.Timedelta(days=1)
    counted, excluded, as_of = counted_orders(orders, as_of, include_returned, "counted_cohort_retention")
    return dataclasses.replace(cohort_retention(counted, period=period, as_of=as_of), excluded=excluded)
