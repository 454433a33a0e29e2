"""The demo-shop simulator: customers, orders and the daily funnel of a Chinese online shop.

>>> from ecomkit.simulate import simulate_shop
>>> shop = simulate_shop(n_customers=20_000, seed=2025)   # doctest: +SKIP
>>> shop.customers, shop.orders, shop.funnel_daily, shop.truth   # doctest: +SKIP

See :mod:`ecomkit.simulate.shop` for the generative story and ``datasets/demo_shop/README.md``
for the data dictionary.
"""
from ecomkit.simulate.shop import Shop, simulate_shop
from ecomkit.truth import (
    ShopTruth,
    expected_future_purchases,
    expected_next_period_retention,
)

__all__ = [
    "simulate_shop",
    "Shop",
    "ShopTruth",
    "expected_future_purchases",
    "expected_next_period_retention",
]
