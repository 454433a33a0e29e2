"""The traffic funnel (visitors → product views → add to cart → orders): totals, step rates, and a check
that the funnel's orders agree with the order table.

Example:
    funnel_summary(funnel_daily, by="channel")["conversion_rate"]
"""

from __future__ import annotations

import pandas as pd

FUNNEL_STAGES = ["visitors", "product_views", "add_to_cart", "orders"]


def funnel_summary(funnel: pd.DataFrame, by: str | None = "channel") -> pd.DataFrame:
    """Totals per funnel stage and the step and overall conversion rates (optionally per ``by``).

    Columns: the four stages, ``view_rate`` (views/visitors), ``cart_rate`` (add-to-cart/views),
    ``order_rate`` (orders/add-to-cart) and ``conversion_rate`` (orders/visitors).
    """
    totals = funnel.groupby(by)[FUNNEL_STAGES].sum() if by else funnel[FUNNEL_STAGES].sum().to_frame("all").T
    totals["view_rate"] = totals["product_views"] / totals["visitors"]
    totals["cart_rate"] = totals["add_to_cart"] / totals["product_views"]
    totals["order_rate"] = totals["orders"] / totals["add_to_cart"]
    totals["conversion_rate"] = totals["orders"] / totals["visitors"]
    return totals.sort_values("conversion_rate", ascending=False)


def funnel_matches_orders(funnel: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """Rows where the funnel's ``orders`` differ from the order table's count per date and channel.

    An empty result means the two tables agree. Compare with the orders *before* cancelled ones
    are dropped: the funnel counts every placed order.
    """
    counted = (orders.assign(date=orders["order_ts"].dt.normalize())
               .groupby(["date", "channel"]).size().rename("orders_in_table"))
    merged = funnel.set_index(["date", "channel"])[["orders"]].join(counted, how="outer").fillna(0)
    return merged[merged["orders"] != merged["orders_in_table"]]
