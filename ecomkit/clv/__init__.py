"""Customer lifetime value with BG/NBD and Gamma-Gamma (chapter 03).

This package is the only part of ecomkit that imports ``lifetimes`` (pinned at 0.11.3, unmaintained).
Everything else talks to the models through the functions here; ``import ecomkit.clv as clv`` gives
them all.

Pipeline::

    orders --customer_summary--> summary --fit_bgnbd--------> BGNBDFit  --+
                                        \\--fit_gamma_gamma--> GammaGammaFit --+--> customer_lifetime_value

Modules, in the order the chapter meets them:

* ``summary``      orders -> frequency / recency / T / monetary value; calibration vs holdout; the customer
  base without a model (first purchase, days since the last); CDNOW sample
* ``bgnbd``        the BG/NBD likelihood, the exact Newton path, ``fit_bgnbd``, ``bgnbd_from_params``
* ``gamma_gamma``  the Gamma-Gamma spend fit and its independence check
* ``models``       more purchase models: Pareto/NBD, MBG/NBD (``fit_model``), BG/BB for discrete
  opportunities (``fit_bgbb``); a new customer's expected purchases (``expected_purchases_population``)
* ``predict``      expected purchases, P(alive), expected spend, CLV, the acquisition-cost cap (any model)
* ``intervals``    each customer's purchase interval from the model's predictive distribution; CLV
  intervals from the fits' parameter uncertainty; interval coverage on a holdout
* ``tables``       model vs data (holdout errors, frequency fit, calibration/holdout, tracking), P(alive)
  matrix, CLV deciles
* ``plots``        one picture per table (``plot_*(..., *, ax=None, **kwargs) -> Axes``)

Conventions (the same as lifetimes', see docs/clv.md):

* time is measured in calendar days and converted to the time unit: ``"W"`` (weeks, the
  default, days / 7) or ``"D"`` (days). Orders on the same calendar day are one purchase.
* ``frequency`` = number of *repeat* purchase days, ``recency`` = age at the last purchase,
  ``T`` = age at the end of observation (both since the first purchase), ``monetary_value`` =
  mean value of the repeat purchases (0 when there are none).
* amounts are in the orders' currency, whatever it is; money-valued outputs (spend, CLV, acquisition
  cost) are in that currency too. Plots that label money take ``currency=`` (an ISO code).
* ``fit.problem()`` says in one phrase why a fit's numbers should not be reported (no convergence,
  a parameter at the edge of its space, a non-finite standard error), or None.
"""

from __future__ import annotations

from ecomkit.clv.bgnbd import BGNBDFit, bgnbd_from_params, fit_bgnbd
from ecomkit.clv.gamma_gamma import (  # GammaGammaCheck: the type gamma_gamma_assumption returns
    GammaGammaCheck,  # noqa: F401
    GammaGammaFit,
    fit_gamma_gamma,
    gamma_gamma_assumption,
)
from ecomkit.clv.intervals import clv_interval, interval_coverage, predict_interval, purchase_probabilities
from ecomkit.clv.models import (
    MODELS,
    BGBBFit,
    MBGNBDFit,
    ParetoNBDFit,
    expected_purchases_population,
    fit_bgbb,
    fit_model,
)
from ecomkit.clv.plots import (
    plot_calibration_holdout,
    plot_clv_deciles,
    plot_days_since_last_purchase,
    plot_first_purchase_value,
    plot_frequency_fit,
    plot_p_alive_matrix,
    plot_tracking,
)
from ecomkit.clv.predict import (
    WEEKS_PER_YEAR,
    customer_lifetime_value,
    expected_purchases,
    expected_spend,
    max_acquisition_cost,
    probability_alive,
)
from ecomkit.clv.summary import (
    calibration_holdout,
    cdnow_sample_orders,
    customer_base,
    customer_summary,
    first_purchase_value,
)
from ecomkit.clv.tables import (
    calibration_holdout_table,
    clv_deciles,
    frequency_fit_table,
    holdout_errors,
    p_alive_matrix,
    tracking_table,
)

__all__ = [
    "WEEKS_PER_YEAR",
    "customer_summary",
    "calibration_holdout",
    "first_purchase_value",
    "customer_base",
    "cdnow_sample_orders",
    "BGNBDFit",
    "GammaGammaFit",
    "fit_bgnbd",
    "bgnbd_from_params",
    "MODELS",
    "fit_model",
    "ParetoNBDFit",
    "MBGNBDFit",
    "BGBBFit",
    "fit_bgbb",
    "expected_purchases_population",
    "fit_gamma_gamma",
    "gamma_gamma_assumption",
    "expected_purchases",
    "probability_alive",
    "expected_spend",
    "customer_lifetime_value",
    "purchase_probabilities",
    "predict_interval",
    "interval_coverage",
    "clv_interval",
    "clv_deciles",
    "max_acquisition_cost",
    "holdout_errors",
    "frequency_fit_table",
    "calibration_holdout_table",
    "tracking_table",
    "p_alive_matrix",
    "plot_frequency_fit",
    "plot_calibration_holdout",
    "plot_tracking",
    "plot_p_alive_matrix",
    "plot_clv_deciles",
    "plot_first_purchase_value",
    "plot_days_since_last_purchase",
]
