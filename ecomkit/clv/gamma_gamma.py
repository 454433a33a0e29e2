"""The Gamma-Gamma model of spend per purchase: the fit (on rescaled spend) and its independence check.

Only repeat buyers inform it; ``expected_spend`` (ecomkit.clv.predict) turns a fit into an amount per future
purchase for every customer.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lifetimes import GammaGammaFitter
from lifetimes.utils import ConvergenceError

from ecomkit.clv.bgnbd import ModelFit
from ecomkit.clv.summary import summary_columns

__all__ = ["GammaGammaFit", "fit_gamma_gamma", "GammaGammaCheck", "gamma_gamma_assumption"]


@dataclass(repr=False)
class GammaGammaFit(ModelFit):
    """A fitted Gamma-Gamma spend model; ``params_`` holds p, q and gamma (in the orders' currency).

    ``model_`` is the fitted ``lifetimes.GammaGammaFitter`` with its scale parameter ``v`` put back
    in the orders' currency (``v = gamma``), so its predictions are amounts in that currency.
    """

    params_: pd.Series
    standard_errors_: pd.Series
    n_customers_: int
    scale_: float
    converged_: bool
    penalizer: float
    model_: GammaGammaFitter | None
    message_: str = ""

    model_name = "Gamma-Gamma"
    fitted_by = "fit_gamma_gamma"
    lifetimes_class = GammaGammaFitter
    refit_hint = "refit with scale='auto'"
    shape_params = ("p", "q")  # gamma is an amount of money: any positive size is fine

    def problem(self) -> str | None:
        """As :meth:`ModelFit.problem`, and q <= 1 (an infinite mean spend per purchase) is a problem too."""
        found = super().problem()
        if found is None and not self.params_["q"] > 1:
            found = (f"the Gamma-Gamma fit has q={self.params_['q']:.3g} <= 1, so its mean spend per purchase "
                     "is infinite: a few extreme spenders dominate")
        return found

    @property
    def mean_spend_(self) -> float:
        """Population mean spend per purchase, p * gamma / (q - 1) (the orders' currency; inf when q <= 1)."""
        p, q, g = self.params_[["p", "q", "gamma"]]
        return float(p * g / (q - 1)) if q > 1 else float("inf")

    def _fitted_on(self) -> str:
        return f"{self.n_customers_:,} repeat buyers, spend scaled by {self.scale_:.4g}"


def fit_gamma_gamma(summary: pd.DataFrame, penalizer: float = 0.0, scale="auto") -> GammaGammaFit:
    """Fit the Gamma-Gamma model of spend per purchase to the repeat buyers of a summary.

    Repeat buyers are customers with frequency > 0 and monetary_value > 0. lifetimes'
    GammaGammaFitter starts its search at gamma ~ 1.1, so on hundreds of thousands of customers
    spending hundreds (of yuan, reals, dollars) it can stop with "precision loss" (ConvergenceError). Dividing the
    spend by a constant c changes only gamma (the model's scale parameter, an amount) by the same
    factor and leaves p and q unchanged, so the fit is done on spend / c and gamma is reported
    as gamma_scaled * c.

    Parameters
    ----------
    penalizer : lifetimes' L2 penalty (acts on the scaled problem when scale != 1).
    scale : "auto" (c = median monetary value of the repeat buyers; if lifetimes' optimiser
        stops on precision loss, the mean, then the geometric mean, then the median with
        lifetimes' tolerance loosened from 1e-7 to 1e-6), a positive number, or None (c = 1,
        lifetimes' plain fit).

    Returns
    -------
    GammaGammaFit with ``params_`` (p, q, gamma in the orders' currency), ``standard_errors_``, ``n_customers_``,
    ``scale_`` (c), ``converged_`` and ``model_``. Warns (UserWarning) when the fit does not
    converge, saying what to try.

    Example
    -------
    >>> gg = fit_gamma_gamma(customer_summary(cdnow_sample_orders(), "1997-09-30"))
    >>> gg.params_.round(2).tolist()
    [6.25, 3.74, 15.44]
    """
    x, m = summary_columns(summary, ["frequency", "monetary_value"])
    repeat = (x > 0) & (m > 0)
    if not repeat.any():
        raise ValueError("no repeat buyers (frequency > 0 and monetary_value > 0): cannot fit Gamma-Gamma")
    x, m = x[repeat], m[repeat]
    if scale == "auto":
        # the median first; if lifetimes' optimiser stops on precision loss (it is then usually
        # at the optimum already, with a gradient just above its 1e-7 tolerance), other scales
        candidates = [float(np.median(m)), float(np.mean(m)), float(np.exp(np.mean(np.log(m))))]
    elif scale is None:
        candidates = [1.0]
    else:
        candidates = [float(scale)]
        if not candidates[0] > 0:
            raise ValueError(f"scale must be 'auto', None or a positive number, got {scale!r}")
    attempts = [(c, 1e-7) for c in candidates] + [(candidates[0], 1e-6)]
    model, converged, message, c = None, False, "", candidates[0]
    for c, tol in attempts:
        candidate = GammaGammaFitter(penalizer_coef=penalizer)
        try:
            with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
                candidate.fit(x, m / c, tol=tol)
        except ConvergenceError:
            continue
        model, converged = candidate, True
        message = "converged" if tol == 1e-7 else "converged with lifetimes' tolerance loosened to 1e-6"
        break
    else:
        c = candidates[0]
        message = f"lifetimes' optimiser stopped without converging (precision loss) at every scale tried: {candidates}"
    names = ["p", "q", "gamma"]
    if model is not None:
        model.params_["v"] *= c
        model.data["monetary_value"] = m
        model.variance_matrix_ = model._compute_variance_matrix()
        model.standard_errors_ = model._compute_standard_errors()
        model.confidence_intervals_ = model._compute_confidence_intervals()
        params = pd.Series(model.params_.to_numpy(), index=names)
        se = pd.Series(model.standard_errors_.to_numpy(), index=names)
    else:
        params = pd.Series(np.nan, index=names)
        se = params.copy()
    fit = GammaGammaFit(params, se, int(repeat.sum()), c, converged, float(penalizer), model, message)
    if not converged:
        hint = "Use scale='auto' (spend divided by its median)" if c == 1.0 else "Try another scale"
        warnings.warn(
            f"The Gamma-Gamma fit did not converge ({message}). {hint}, or a small penalizer "
            "(0.001 up to 0.1); and check for extreme spend values.",
            UserWarning,
            stacklevel=2,
        )
    return fit


@dataclass
class GammaGammaCheck:
    """Result of :func:`gamma_gamma_assumption`."""

    correlation: float
    n_repeat_buyers: int
    verdict: str = field(default="")

    def __str__(self) -> str:
        return f"correlation {self.correlation:.3f} over {self.n_repeat_buyers:,} repeat buyers: {self.verdict}"


def gamma_gamma_assumption(summary: pd.DataFrame) -> GammaGammaCheck:
    """Check the Gamma-Gamma independence assumption among repeat buyers.

    The model assumes that how much a customer spends per purchase does not depend on how
    often they buy. Returns the Pearson correlation of frequency and monetary value over the
    repeat buyers with a plain-words verdict: |r| < 0.1 negligible, < 0.3 weak (usable, say so),
    otherwise the assumption is doubtful.

    Example
    -------
    >>> round(gamma_gamma_assumption(customer_summary(cdnow_sample_orders(), "1997-09-30")).correlation, 2)
    0.11
    """
    x, m = summary_columns(summary, ["frequency", "monetary_value"])
    repeat = (x > 0) & (m > 0)
    n = int(repeat.sum())
    if n < 3 or np.std(x[repeat]) == 0 or np.std(m[repeat]) == 0:
        return GammaGammaCheck(float("nan"), n, "too few repeat buyers (or no variation) to check the assumption")
    corr = float(np.corrcoef(x[repeat], m[repeat])[0, 1])
    size = abs(corr)
    direction = "higher" if corr > 0 else "lower"
    if size < 0.1:
        verdict = "negligible: spend per purchase does not depend on purchase frequency; the Gamma-Gamma assumption holds"
    elif size < 0.3:
        verdict = (
            f"weak: frequent buyers spend slightly {direction} amounts per purchase; the Gamma-Gamma model is "
            "usable, but mention the correlation"
        )
    else:
        verdict = (
            f"strong: frequent buyers spend clearly {direction} amounts per purchase; the Gamma-Gamma independence "
            "assumption is doubtful, so treat its spend predictions with caution"
        )
    return GammaGammaCheck(corr, n, verdict)
