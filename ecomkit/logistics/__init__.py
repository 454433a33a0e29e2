"""Logistics cost (物流成本) — chapter 05: parcels, rate cards, delivery times, network, stock.

``import ecomkit.logistics as lg`` gives every public name; the code sits in modules in the order
the chapter meets the ideas:

- ``tariff``     distance and zone, volumetric / chargeable / billed weight, the price of a parcel
                 under a rate card, a rate card recovered from invoices;
- ``costs``      cost summaries, the cost of an order by component, the share billed on volume,
                 SKUs that pay for air, tables with currency-neutral names;
- ``delivery``   delivery days, slow and late shares by distance, the transit model;
- ``network``    demand per destination (province or region), candidate and current sites, zone
                 costs, the warehouse network (MILP) and its scenarios;
- ``inventory``  demand per SKU, ABC, EOQ, safety stock, reorder points, the (s, Q) policy and its
                 simulation, turnover;
- ``plots``      the chapter's pictures.

The shipments come from :func:`load_shipments` (``ecomkit.io``), re-exported here for the notebooks.
The rules behind every number are written out in ``docs/logistics.md``; the short version:

- **chargeable weight** = max(actual kg, L x W x H cm³ / divisor); the carrier bills it rounded up
  to its weight step (usually 1 kg) and never below the first-weight bracket (首重).
- **rate card**: cost = first-weight price + per-kg price x (billed kg - first kg) by distance
  zone, + a flat surcharge to remote destinations (偏远地区).
- **anywhere**: destinations are China's provinces by default; a regions table (region, lat, lon,
  remote) in the data places another country's regions, and the network's candidate sites then
  come from the data's warehouses table. Amounts are in the data's currency; the input columns keep
  their ``_cny`` names.
- **cost per order** counts outbound and return parcels, warehouse handling and the monthly
  fixed cost of the warehouses, divided by outbound orders; **share of GMV** divides by the
  goods value of those orders (``order_value_cny``, after discount, before shipping).
- **network design** is a mixed-integer program solved by HiGHS (``scipy.optimize.milp``).
- **inventory**: ABC by sales value, EOQ, reorder points for a cycle service level under daily
  review (the stock is checked once a day, so it has already fallen below the reorder point by
  the time an order is placed), and a vectorised (s, Q) simulation that measures the service
  actually achieved.
"""

from __future__ import annotations

from ecomkit.io import LogisticsData, load_shipments, read_shipments
from ecomkit.logistics.costs import (
    cost_breakdown_per_order,
    cost_summary,
    currency_neutral,
    volumetric_by_sku,
    volumetric_share,
)
from ecomkit.logistics.delivery import delivery_summary, fit_transit_model, late_share_by_distance
from ecomkit.logistics.inventory import (
    SQResult,
    abc_classes,
    demand_matrix,
    demand_stats,
    eoq,
    expected_undershoot,
    gamma_demand,
    inventory_policy,
    reorder_point,
    safety_stock,
    simulate_sq,
    stock_summary,
    turnover_days,
)
from ecomkit.logistics.network import (
    NetworkPlan,
    candidate_sites_for,
    current_sites,
    default_candidate_sites,
    design_network,
    destinations_in_china,
    network_scenarios,
    province_demand,
    zone_costs,
)
from ecomkit.logistics.plots import (
    plot_abc_pareto,
    plot_cost_by_zone,
    plot_cost_waterfall,
    plot_demand_map,
    plot_inventory_sawtooth,
    plot_late_share_by_distance,
    plot_network,
    plot_service_cost_tradeoff,
)
from ecomkit.logistics.tariff import (
    ZONE_BANDS_KM,
    billable_weight,
    chargeable_weight,
    compare_rate_cards,
    estimate_rate_card,
    haversine_km,
    shipping_cost,
    volumetric_weight,
    zone_for_distance,
)

__all__ = [
    "LogisticsData",
    "load_shipments",
    "read_shipments",
    "ZONE_BANDS_KM",
    # geometry and tariff
    "haversine_km",
    "zone_for_distance",
    "volumetric_weight",
    "chargeable_weight",
    "billable_weight",
    "shipping_cost",
    "estimate_rate_card",
    "compare_rate_cards",
    # cost summaries
    "cost_summary",
    "cost_breakdown_per_order",
    "volumetric_share",
    "volumetric_by_sku",
    "currency_neutral",
    # delivery
    "delivery_summary",
    "late_share_by_distance",
    "fit_transit_model",
    # network
    "default_candidate_sites",
    "destinations_in_china",
    "candidate_sites_for",
    "current_sites",
    "province_demand",
    "zone_costs",
    "NetworkPlan",
    "design_network",
    "network_scenarios",
    # inventory
    "demand_matrix",
    "demand_stats",
    "abc_classes",
    "eoq",
    "safety_stock",
    "reorder_point",
    "expected_undershoot",
    "inventory_policy",
    "gamma_demand",
    "SQResult",
    "simulate_sq",
    "turnover_days",
    "stock_summary",
    # plots
    "plot_cost_waterfall",
    "plot_cost_by_zone",
    "plot_demand_map",
    "plot_late_share_by_distance",
    "plot_network",
    "plot_service_cost_tradeoff",
    "plot_abc_pareto",
    "plot_inventory_sawtooth",
]
