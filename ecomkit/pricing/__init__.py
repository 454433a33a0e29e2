"""Pricing and promotion pricing (定价与促销) — chapter 02.

How demand answers price, without being fooled by the festivals, and what to do with the answer.
The modules, in the order the chapter meets them:

- loading: :func:`load_panel` (from :mod:`ecomkit.io`) is the door for a price panel (one row per
  SKU and day or week): it maps column names, types and validates every column
  (:class:`ecomkit.io.DataError` on bad input) and counts every dropped row in a
  :class:`ecomkit.io.RowLedger`;
- :mod:`~ecomkit.pricing.panel`: :func:`weekly_panel` sums the days into SKU-weeks and marks
  festival weeks (:func:`festival_windows`: the Chinese festivals by default, or the shop's own
  events); :func:`sku_baseline`, :func:`price_tiers`, :func:`weekly_index`;
- :mod:`~ecomkit.pricing.elasticity`: :func:`estimate_elasticity` fits the log-log demand model
  ``log units = e * log price + SKU effect + week effect`` per category with standard errors
  clustered by SKU; :func:`naive_elasticity` drops the week effects (the classic mistake),
  :func:`experimental_elasticity` uses the randomised price tests only; :func:`tier_contrast`
  (value vs premium SKUs), :func:`sku_elasticities` and :func:`shrink_elasticities` (one
  elasticity per SKU, pulled towards its segment);
- :mod:`~ecomkit.pricing.prices`: :func:`optimal_price` (the Lerner rule),
  :func:`price_profit_curve`, :func:`recommend_prices`;
- :mod:`~ecomkit.pricing.discounts`: :func:`break_even_lift`, :func:`predicted_lift`,
  :func:`discount_profit`, :func:`break_even_table`;
- :mod:`~ecomkit.pricing.thresholds`, 满减 (spend-threshold) offers: :func:`threshold_effect`,
  :func:`bunching_estimate`, :func:`topup_response`, :func:`threshold_design`;
- :mod:`~ecomkit.pricing.plots`: every ``plot_*`` function.

Money is in the panel's own currency (the notebook's ``CURRENCY`` labels it); elasticities are ``d log units / d log price`` (negative: a 1% price cut raises
units by ``-e`` %). The rules (which rows count, how weeks are formed, which standard errors) are
in ``docs/pricing.md``.

Example
-------
>>> data = load_panel("demo")                                   # doctest: +SKIP
>>> weekly = weekly_panel(data.panel)                           # doctest: +SKIP
>>> estimate_elasticity(weekly, by="category")                  # doctest: +SKIP
"""

from ecomkit.io import PanelData, load_panel
from ecomkit.pricing.discounts import (
    break_even_lift,
    break_even_table,
    category_margins,
    discount_profit,
    predicted_lift,
)
from ecomkit.pricing.elasticity import (
    CONTROLS,
    MIN_CLUSTERS,
    elasticity_table,
    estimate_elasticity,
    experimental_elasticity,
    naive_elasticity,
    shrink_elasticities,
    sku_elasticities,
    tier_contrast,
)
from ecomkit.pricing.panel import (
    FESTIVAL_WINDOWS,
    PANEL_OPTIONAL,
    festival_of_week,
    festival_windows,
    price_tiers,
    sku_baseline,
    weekly_index,
    weekly_panel,
)
from ecomkit.pricing.plots import (
    plot_basket_histogram,
    plot_break_even,
    plot_elasticity_forest,
    plot_festival_confounding,
    plot_price_profit_curve,
    plot_price_units,
    plot_threshold_design,
)
from ecomkit.pricing.prices import InelasticDemandError, optimal_price, price_profit_curve, recommend_prices
from ecomkit.pricing.thresholds import (
    basket_histogram,
    bunching_estimate,
    threshold_design,
    threshold_effect,
    topup_response,
)

__all__ = [
    "FESTIVAL_WINDOWS",
    "CONTROLS",
    "MIN_CLUSTERS",
    "InelasticDemandError",
    "PanelData",
    "PANEL_OPTIONAL",
    "load_panel",
    "weekly_panel",
    "festival_windows",
    "festival_of_week",
    "weekly_index",
    "sku_baseline",
    "price_tiers",
    "estimate_elasticity",
    "naive_elasticity",
    "experimental_elasticity",
    "elasticity_table",
    "tier_contrast",
    "sku_elasticities",
    "shrink_elasticities",
    "optimal_price",
    "price_profit_curve",
    "recommend_prices",
    "break_even_lift",
    "predicted_lift",
    "discount_profit",
    "category_margins",
    "break_even_table",
    "basket_histogram",
    "threshold_effect",
    "bunching_estimate",
    "topup_response",
    "threshold_design",
    "plot_festival_confounding",
    "plot_price_units",
    "plot_elasticity_forest",
    "plot_price_profit_curve",
    "plot_break_even",
    "plot_basket_histogram",
    "plot_threshold_design",
]
