"""Core indicators (核心指标), the traffic funnel and acquisition cohorts — chapter 00.

Every function takes validated tables (see :mod:`ecomkit.io`): orders with ``customer_id, order_ts,
net_amount, status`` and, where named, ``channel``; the funnel with ``date, channel, visitors,
product_views, add_to_cart, orders``. The modules, in the order the chapter meets them:

- ``indicators`` the headline indicators, the series per period, the festival lift, the channel mix;
- ``funnel``     the funnel's totals and step rates, and its agreement with the order table;
- :mod:`ecomkit.cohorts` acquisition cohorts and retention, shared with chapter 01 and re-exported
  here (``kpi.cohort_retention``, ``kpi.next_period_retention``, ``kpi.retention_claim`` and plots);
- ``plots``      the daily trend, the funnel, the channel mix (convention of :mod:`ecomkit.viz`).

Definitions used throughout (the handbooks use the terms loosely, so we pin them; docs/kpi.md):

- **GMV** (成交额): sum of ``net_amount`` (CNY paid after discounts, before shipping) of the
  orders kept by the loader, returned ones included (returns are refunded later).
- **net sales**: GMV minus the ``net_amount`` of returned orders.
- **AOV** (客单价): GMV / orders. Some shops divide by buyers instead; :func:`core_kpis` gives both.
- **return rate** (退货率): returned orders / orders.
- **repeat-purchase rate** (复购率): share of buyers with two or more orders in the period.
- **conversion rate** (转化率): orders / visitors, from the funnel.
"""

from ecomkit.cohorts import (CohortRetention, NextPeriodRetention, cohort_retention, next_period_retention,
                             plot_cohort_heatmap, plot_next_period_retention, plot_retention_curves,
                             retention_claim)
from ecomkit.kpi.funnel import FUNNEL_STAGES, funnel_matches_orders, funnel_summary
from ecomkit.kpi.indicators import SHOPPING_FESTIVALS, channel_mix, core_kpis, festival_lift, kpis_by_period
from ecomkit.kpi.plots import plot_channel_mix, plot_daily_trend, plot_funnel

__all__ = ["FUNNEL_STAGES", "SHOPPING_FESTIVALS", "core_kpis", "kpis_by_period", "festival_lift", "channel_mix",
           "funnel_summary", "funnel_matches_orders", "CohortRetention", "cohort_retention", "NextPeriodRetention",
           "next_period_retention", "retention_claim", "plot_daily_trend", "plot_funnel", "plot_channel_mix",
           "plot_cohort_heatmap", "plot_next_period_retention", "plot_retention_curves"]
