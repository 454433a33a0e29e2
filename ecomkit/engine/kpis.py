"""Orders, buyers, GMV, new buyers and AOV per day, week or month (chapter 00).

The same table as :func:`ecomkit.kpi.kpis_by_period`: periods start at midnight, on Mondays
(weeks) or on the 1st (months); every period between the first and the last one is present,
empty ones with zeros.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from ecomkit.engine.orders import purchases

__all__ = ["PERIOD_STEPS", "period_start", "period_spine", "new_buyers_per_period", "orders_per_period", "daily_kpis"]

PERIOD_STEPS = {"D": {"days": 1}, "W": {"weeks": 1}, "M": {"months": 1}}


def _check_freq(freq: str) -> None:
    if freq not in PERIOD_STEPS:
        raise ValueError(f"freq must be 'D' (day), 'W' (week from Monday) or 'M' (month), got {freq!r}")


def period_start(ts: ir.TimestampValue, freq: str) -> ir.TimestampValue:
    """Start of the day, ISO week (Monday) or month holding ``ts``."""
    _check_freq(freq)
    return ts.truncate(freq)


def period_spine(periods: ir.Table, freq: str) -> ir.Table:
    """Every period start from the first to the last in ``periods.period``."""
    step = ibis.interval(**PERIOD_STEPS[freq])
    bounds = periods.aggregate(first=periods.period.min(), last=periods.period.max())
    return bounds.select(period=ibis.range(bounds.first, bounds.last + step, step).unnest())


def new_buyers_per_period(orders: ir.Table, freq: str = "D") -> ir.Table:
    """``period``, ``new_buyers``: orders placed at their buyer's first order time, by period
    (two orders at that very instant both count, as in ``kpis_by_period``)."""
    per_instant = orders.group_by(["customer_id", "order_ts"]).aggregate(n=orders.count())
    firsts = per_instant.group_by("customer_id").aggregate(
        first_order_ts=per_instant.order_ts.min(), n=per_instant.n.argmin(per_instant.order_ts))
    firsts = firsts.mutate(period=period_start(firsts.first_order_ts, freq))
    return firsts.group_by("period").aggregate(new_buyers=firsts.n.sum())


def orders_per_period(orders: ir.Table, freq: str = "D") -> ir.Table:
    """Periods that have purchases: ``period``, ``orders``, (``buyers``,) ``gmv_cny``(, ``new_buyers``)."""
    bought = purchases(orders)
    with_period = bought.mutate(period=period_start(bought.order_ts, freq))
    if "customer_id" not in bought.columns:
        return with_period.group_by("period").aggregate(orders=with_period.count(),
                                                        gmv_cny=with_period.net_amount.sum())
    table = with_period.group_by("period").aggregate(
        orders=with_period.count(), buyers=with_period.customer_id.nunique(), gmv_cny=with_period.net_amount.sum())
    table = table.left_join(new_buyers_per_period(bought, freq), "period")
    return table.select("period", "orders", "buyers", "gmv_cny", new_buyers=table.new_buyers.fill_null(0))


def daily_kpis(orders: ir.Table, freq: str = "D") -> ir.Table:
    """``period``, ``orders``, ``buyers``, ``gmv_cny``, ``new_buyers``, ``aov_cny`` per period,
    periods without purchases included as zeros (``ecomkit.kpi.kpis_by_period``).

    Without a ``customer_id`` column the buyer columns are left out.
    """
    table = orders_per_period(orders, freq)
    full = period_spine(table, freq).left_join(table, "period")
    full = full.drop(*[c for c in full.columns if c.endswith("_right")])
    counts = [c for c in ("orders", "buyers", "new_buyers") if c in full.columns]
    full = full.mutate(**{c: full[c].fill_null(0).cast("int64") for c in counts},
                       gmv_cny=full.gmv_cny.fill_null(0.0))
    columns = [c for c in ("orders", "buyers", "gmv_cny", "new_buyers") if c in full.columns]
    return full.select("period", *columns,
                       aov_cny=ibis.ifelse(full.orders > 0, full.gmv_cny / full.orders.cast("float64"), 0.0))
