"""The table specs: one per table ecomkit reads, by name."""

from ecomkit.io.tables.campaign import CAMPAIGN
from ecomkit.io.tables.logistics import (INVENTORY_DEMAND, LEAD_TIMES, PRODUCTS, RATE_CARD, REGIONS, SHIPMENTS,
                                        WAREHOUSES)
from ecomkit.io.tables.orders import CUSTOMERS, FUNNEL_DAILY, ORDERS
from ecomkit.io.tables.pricing import BASKETS, PRICE_PANEL

SPECS = {spec.name: spec for spec in (ORDERS, CUSTOMERS, FUNNEL_DAILY, PRICE_PANEL, BASKETS, CAMPAIGN, SHIPMENTS,
                                      PRODUCTS, WAREHOUSES, RATE_CARD, INVENTORY_DEMAND, LEAD_TIMES, REGIONS)}

__all__ = ["SPECS"]
