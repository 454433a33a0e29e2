"""Core indicators (核心指标), the traffic funnel and acquisition cohorts — chapter 00.

Every function takes validated tables (see :mod:`ecomkit.io`): orders with ``order_ts, net_amount,
status`` and, where named, ``customer_id``, ``channel``, ``province``, ``refund_amount``; the funnel
with ``date, channel, visitors, product_views, add_to_cart, orders``. Amounts are in the data's
currency; no result name says which. The modules, in the order the chapter meets them:

- ``indicators`` the headline indicators, the paid rate, the series per period, the festival lift,
  the channel and province mixes, the orders by hour of day;
- ``funnel``     the funnel's totals and step rates, and its agreement with the order table;
- :mod:`ecomkit.cohorts` acquisition cohorts and retention, shared with chapter 01 and re-exported
  here (``kpi.cohort_retention``, ``kpi.next_period_retention``, ``kpi.retention_claim`` and plots);
- ``plots``      the trend, the funnel, the channel and province mixes, the orders by hour of day
  (convention of :mod:`ecomkit.viz`).

Definitions used throughout (the handbooks use the terms loosely, so we pin them; docs/kpi.md):

- **GMV** (成交额): sum of ``net_amount`` (paid after discounts, before shipping) of the
  orders kept by the loader, returned ones included (returns are refunded later).
- **net sales**: GMV minus the ``net_amount`` of returned orders and the ``refund_amount`` of
  partly refunded ones.
- **AOV** (客单价): GMV / orders. Some shops divide by buyers instead; :func:`core_kpis` gives both.
- **return rate** (退货率): returned orders / orders.
- **repeat-purchase rate** (复购率): share of buyers with two or more orders in the period.
- **paid rate**: orders paid / orders placed, placed = kept + the unpaid and cancelled ones the
  loader dropped (its row ledger).
- **conversion rate** (转化率): orders / visitors, from the funnel.
"""

from ecomkit.cohorts import (CohortRetention, NextPeriodRetention, cohort_retention, next_period_retention,
                             plot_cohort_heatmap, plot_next_period_retention, plot_retention_curves,
                             retention_claim)
from ecomkit.kpi.funnel import FUNNEL_STAGES, funnel_matches_orders, funnel_summary
from ecomkit.kpi.indicators import (KPI_LABELS, SHOPPING_FESTIVALS, channel_mix, core_kpis, festival_days,
                                    festival_lift, festivals_in_window, format_kpis, has_time_of_day, kpis_by_period,
                                    orders_by_hour, paid_rate, province_mix, refunded_value)
from ecomkit.kpi.plots import (plot_channel_mix, plot_daily_trend, plot_funnel, plot_orders_by_hour,
                               plot_province_mix)

__all__ = ["FUNNEL_STAGES", "SHOPPING_FESTIVALS", "KPI_LABELS", "core_kpis", "refunded_value", "paid_rate",
           "format_kpis", "kpis_by_period", "festival_days", "festivals_in_window", "festival_lift", "channel_mix",
           "province_mix", "has_time_of_day", "orders_by_hour", "funnel_summary", "funnel_matches_orders",
           "CohortRetention", "cohort_retention", "NextPeriodRetention", "next_period_retention", "retention_claim",
           "plot_daily_trend", "plot_funnel", "plot_channel_mix", "plot_province_mix", "plot_orders_by_hour",
           "plot_cohort_heatmap", "plot_next_period_retention", "plot_retention_curves"]
