"""How demand answers price: the log-log demand model with fixed effects, per group and per SKU.

:func:`estimate_elasticity` fits ``log units = e * log price + SKU effect + week effect`` per
group (e.g. category) with standard errors clustered by SKU; :func:`naive_elasticity` drops the
week effects (the classic mistake: festival demand loads onto price);
:func:`experimental_elasticity` uses the randomised price tests only; :func:`elasticity_table`
puts the three side by side. :func:`tier_contrast` compares value and premium SKUs;
:func:`sku_elasticities` gives one elasticity per SKU and :func:`shrink_elasticities` pulls each
towards its segment. Elasticities are ``d log units / d log price`` (negative).

>>> estimate_elasticity(weekly, by="category")[["elasticity", "se"]]   # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecomkit.pricing.panel import festival_of_week
from ecomkit.reference import FESTIVALS

#: controls :func:`estimate_elasticity` knows: fixed effects ("sku", "period", "month", "year")
#: are absorbed; "festival" adds one dummy per festival window, "trend" a linear time trend.
CONTROLS = {"sku": "a fixed effect per SKU (its own demand level)",
            "period": "a fixed effect per week (everything that moves all SKUs of the group together)",
            "month": "a fixed effect per calendar month of the year (seasonality)",
            "year": "a fixed effect per year",
            "festival": "a dummy per festival window (618, 11.11, 12.12)",
            "trend": "a linear time trend (per year)"}
_FACTOR_CONTROLS = ("sku", "period", "month", "year")

#: fewest SKUs (clusters) for which a clustered standard error is reported
MIN_CLUSTERS = 4


def _absorb_fixed_effects(matrix: np.ndarray, factors: list[np.ndarray], tol: float = 1e-10,
                          max_iter: int = 2000) -> np.ndarray:
    """Remove the fixed effects of ``factors`` (integer codes) from every column of ``matrix``.

    Alternating projections: subtract group means factor by factor until no group mean is left
    (one pass for a single factor). The result equals the residuals of a regression on the dummies.
    """
    out = np.array(matrix, dtype=float, copy=True)
    sizes = [np.bincount(codes).astype(float) for codes in factors]
    scale = max(float(np.abs(out).max()), 1.0)
    for _ in range(max_iter):
        worst = 0.0
        for codes, size in zip(factors, sizes):
            means = np.column_stack([np.bincount(codes, weights=out[:, j], minlength=size.size)
                                     for j in range(out.shape[1])]) / size[:, None]
            out -= means[codes]
            worst = max(worst, float(np.abs(means).max()))
        if len(factors) == 1 or worst < tol * scale:
            return out
    raise RuntimeError("fixed effects did not converge; is the panel connected?")


def _fit_group(frame: pd.DataFrame, controls: tuple[str, ...], level: float) -> dict:
    import statsmodels.api as sm
    from scipy import stats

    n = len(frame)
    sku_codes = pd.factorize(frame["sku"])[0]
    n_skus = int(sku_codes.max()) + 1 if n else 0
    out = {"elasticity": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_obs": n,
           "n_skus": n_skus, "n_periods": int(frame["week"].nunique()) if n else 0, "note": ""}
    if n_skus < 2:
        out["note"] = "fewer than 2 SKUs"
        return out
    y = np.log(frame["units"].to_numpy(dtype=float))
    columns = [np.log(frame["price"].to_numpy(dtype=float))]
    if "festival" in controls:
        for name in FESTIVALS:
            dummy = frame["festival"].eq(name).to_numpy(dtype=float)
            if 0 < dummy.sum() < n:
                columns.append(dummy)
    if "trend" in controls:
        columns.append(((frame["week"] - frame["week"].min()).dt.days / 365.25).to_numpy(dtype=float))
    factors, absorbed = [], 0
    for name in _FACTOR_CONTROLS:
        if name not in controls:
            continue
        key = {"sku": frame["sku"], "period": frame["week"], "month": frame["week"].dt.month,
               "year": frame["week"].dt.year}[name]
        codes = pd.factorize(key)[0]
        factors.append(codes)
        if name != "sku":        # SKU effects are nested in the SKU clusters: not counted (Cameron & Miller)
            absorbed += int(codes.max())
    if not factors:
        columns.append(np.ones(n))
    stacked = np.column_stack([y] + columns)
    data = _absorb_fixed_effects(stacked, factors) if factors else stacked
    y_t, x_t = data[:, 0], data[:, 1:]
    if float(np.sum(x_t[:, 0] ** 2)) < 1e-12:
        out["note"] = "no price variation left after the controls"
        return out
    k = x_t.shape[1]
    if n - k - absorbed <= 1:
        out["note"] = "too few rows for the controls"
        return out
    fit = sm.OLS(y_t, x_t).fit(cov_type="cluster", cov_kwds={"groups": sku_codes}, use_t=True)
    # statsmodels' small-sample factor counts only the columns it sees; add the absorbed ones
    var = float(fit.cov_params()[0, 0]) * (n - k) / (n - k - absorbed)
    se = float(np.sqrt(var))
    t = float(stats.t.ppf(0.5 + level / 2, n_skus - 1))
    est = float(fit.params[0])
    out["elasticity"] = est
    if n_skus < MIN_CLUSTERS:
        # with so few SKUs the clustered variance is degenerate (two SKUs: exactly zero)
        out["note"] = f"fewer than {MIN_CLUSTERS} SKUs: no clustered standard error"
        return out
    out.update(se=se, ci_low=est - t * se, ci_high=est + t * se)
    return out


def estimate_elasticity(weekly: pd.DataFrame, by: str | list[str] | None = "category",
                        controls=("sku", "period"), level: float = 0.95, method: str | None = None) -> pd.DataFrame:
    """Price elasticity per group from the log-log demand model, with SKU-clustered standard errors.

    For each group of ``by`` (e.g. each category) an OLS regression
    ``log units = e * log price + controls`` on the SKU-weeks with units > 0. The default controls
    are a fixed effect per SKU and one per week *within the group*, so neither a SKU's own sales
    level nor anything that moves the whole category in a week (a festival crowd, the season)
    can masquerade as price response; what is left is the SKUs whose prices moved differently
    in the same week. Fixed effects are absorbed (Frisch-Waugh-Lovell: the slope equals that of
    the dummy regression). Standard errors are clustered by SKU (any within-SKU correlation
    over time allowed), with t(G - 1) intervals where G is the number of SKUs.

    Parameters
    ----------
    weekly : :func:`weekly_panel` output (or any panel with sku, week, price, units, festival).
    by : column(s) defining the groups (None: one pooled fit).
    controls : names from :data:`CONTROLS`.
    level : confidence level of the interval.
    method : label stored in the ``method`` column (default: the controls joined by "+").

    A group needs 2 SKUs for an estimate and :data:`MIN_CLUSTERS` (4) for a standard error;
    below that the row says why in ``note``.

    Returns
    -------
    DataFrame indexed by group: elasticity, se, ci_low, ci_high, n_obs, n_skus, n_periods,
    n_zero_excluded (SKU-weeks with zero units left out), method, note (why a group has no
    estimate, else "").

    >>> estimate_elasticity(weekly, by="category")[["elasticity", "se"]]   # doctest: +SKIP
    """
    controls = tuple(controls or ())
    unknown = [c for c in controls if c not in CONTROLS]
    if unknown:
        raise ValueError(f"unknown control(s) {unknown}; choose from {', '.join(CONTROLS)}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    missing = [c for c in ("sku", "week", "price", "units") if c not in weekly]
    if missing:
        raise ValueError(f"the panel lacks column(s) {missing}; build it with weekly_panel()")
    frame = weekly if "festival" in weekly else weekly.assign(festival=festival_of_week(weekly["week"]))
    positive = frame["units"] > 0
    keys = [by] if isinstance(by, str) else list(by or [])
    groups = frame.groupby(keys, sort=True) if keys else [("all", frame)]
    rows, index = [], []
    for key, grp in groups:
        result = _fit_group(grp[positive.loc[grp.index]], controls, level)
        result["n_zero_excluded"] = int((~positive.loc[grp.index]).sum())
        rows.append(result)
        index.append(key[0] if isinstance(key, tuple) and len(key) == 1 else key)
    table = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=keys) if len(keys) > 1
                         else pd.Index(index, name=keys[0] if keys else "group"))
    table["method"] = method or "+".join(controls) or "none"
    table.attrs["controls"] = controls
    order = ["elasticity", "se", "ci_low", "ci_high", "n_obs", "n_skus", "n_periods", "n_zero_excluded",
             "method", "note"]
    return table[order]


def naive_elasticity(weekly: pd.DataFrame, by="category", level: float = 0.95) -> pd.DataFrame:
    """The classic mistake: SKU effects only, no time controls, so festival demand loads onto price."""
    return estimate_elasticity(weekly, by=by, controls=("sku",), level=level, method="naive")


def experimental_elasticity(weekly: pd.DataFrame, by="category", level: float = 0.95) -> pd.DataFrame:
    """Elasticity from the randomised price tests alone (rows with ``price_test`` True).

    The test prices were assigned at random, so they are unrelated to demand; SKU and week
    effects only sharpen the estimate. Fewer rows than the observational fit: wider intervals.
    """
    if "price_test" not in weekly:
        raise ValueError("the panel has no price_test column: there are no randomised prices to use")
    return estimate_elasticity(weekly[weekly["price_test"]], by=by, controls=("sku", "period"),
                               level=level, method="experimental")


def elasticity_table(weekly: pd.DataFrame, by="category", level: float = 0.95) -> pd.DataFrame:
    """Naive, controlled and (if the panel has price tests) experimental estimates in one long table.

    Columns: the ``by`` column, method ("naive", "controlled", "experimental"), elasticity, se,
    ci_low, ci_high, n_obs, n_skus, note.
    """
    parts = [naive_elasticity(weekly, by, level),
             estimate_elasticity(weekly, by, ("sku", "period"), level, method="controlled")]
    if "price_test" in weekly and weekly["price_test"].any():
        parts.append(experimental_elasticity(weekly, by, level))
    table = pd.concat(parts).reset_index()
    return table[[table.columns[0], "method", "elasticity", "se", "ci_low", "ci_high", "n_obs", "n_skus", "note"]]


def tier_contrast(estimates: pd.DataFrame, high: str = "premium", low: str = "value") -> pd.DataFrame:
    """Difference in elasticity between two segments within each group, and pooled over groups.

    ``estimates`` is :func:`estimate_elasticity` with ``by=[group, segment]``. Each group's
    difference ``e_high - e_low`` has standard error ``sqrt(se_high^2 + se_low^2)`` (separate
    SKUs, separate fits); the pooled row is the inverse-variance weighted mean. ``z`` = difference
    / se: |z| >= 2 means the data carry a segment signal at about the 5% level.
    """
    wide = estimates["elasticity"].unstack(-1)
    se = estimates["se"].unstack(-1)
    if high not in wide or low not in wide:
        empty = pd.DataFrame(columns=[f"elasticity_{low}", f"elasticity_{high}", "difference", "se", "z"], dtype=float)
        empty.loc["pooled"] = np.nan
        return empty
    table = pd.DataFrame({f"elasticity_{low}": wide[low], f"elasticity_{high}": wide[high],
                          "difference": wide[high] - wide[low],
                          "se": np.sqrt(se[high] ** 2 + se[low] ** 2)})
    table = table.dropna()
    weight = 1 / table["se"] ** 2
    pooled = float((table["difference"] * weight).sum() / weight.sum()) if len(table) else np.nan
    pooled_se = float(1 / np.sqrt(weight.sum())) if len(table) else np.nan
    table.loc["pooled"] = [np.nan, np.nan, pooled, pooled_se]
    table["z"] = table["difference"] / table["se"]
    return table


def sku_elasticities(weekly: pd.DataFrame, group: str = "category", maxlags: int = 4,
                     max_skus: int = 400) -> pd.DataFrame:
    """One elasticity per SKU: its own price slope, with SKU and week effects of its group.

    Per group (e.g. category) one regression ``log units = e_sku * log price + SKU effect + week
    effect`` with a separate slope for every SKU, so the week effects are shared but the price
    response is not. Standard errors are panel Newey-West (``hac-panel``, ``maxlags`` weeks) by
    SKU: a single SKU's slope cannot be clustered on its own SKU. Each SKU's estimate is noisy (a
    few dozen price changes); :func:`shrink_elasticities` pulls it towards its segment.

    Returns a DataFrame indexed by sku: the group column, elasticity, se, n_weeks, note.
    A group with more than ``max_skus`` SKUs raises ValueError (memory grows with rows x SKUs;
    use a finer group).
    """
    import statsmodels.api as sm

    positive = weekly[weekly["units"] > 0]
    rows = []
    for key, grp in positive.groupby(group, sort=True):
        sku_codes, skus = pd.factorize(grp["sku"])
        if skus.size > max_skus:
            raise ValueError(f"{group} {key!r} has {skus.size} SKUs (more than max_skus={max_skus}); "
                             "estimate within finer groups")
        week_codes = pd.factorize(grp["week"])[0]
        slopes = np.zeros((len(grp), skus.size))
        slopes[np.arange(len(grp)), sku_codes] = np.log(grp["price"].to_numpy(dtype=float))
        data = _absorb_fixed_effects(np.column_stack([np.log(grp["units"].to_numpy(dtype=float)), slopes]),
                                     [sku_codes, week_codes])
        varying = np.sum(data[:, 1:] ** 2, axis=0) > 1e-12
        n_weeks = np.bincount(sku_codes, minlength=skus.size)
        est = np.full(skus.size, np.nan)
        se = np.full(skus.size, np.nan)
        if varying.any() and len(grp) > varying.sum() + week_codes.max() + 2:
            fit = sm.OLS(data[:, 0], data[:, 1:][:, varying]).fit(
                cov_type="hac-panel", cov_kwds={"groups": sku_codes, "maxlags": maxlags})
            est[varying] = fit.params
            se[varying] = fit.bse
        for i, sku in enumerate(skus):
            note = "" if np.isfinite(est[i]) else "no price variation" if not varying[i] else "too few rows"
            rows.append({"sku": sku, group: key, "elasticity": est[i], "se": se[i], "n_weeks": int(n_weeks[i]),
                         "note": note})
    return pd.DataFrame(rows).set_index("sku")


def shrink_elasticities(table: pd.DataFrame, by) -> pd.DataFrame:
    """Empirical-Bayes shrinkage of SKU elasticities towards their segment's mean.

    Within each segment of ``by`` (e.g. ``["category", "price_tier"]``) the SKUs' true
    elasticities are taken to scatter around a mean with variance tau^2, estimated by the method
    of moments: the precision-weighted mean, and tau^2 = variance of the estimates minus their
    mean squared standard error (at least 0). Each estimate moves towards the mean by the weight
    ``se^2 / (tau^2 + se^2)``: noisy SKUs move most. Adds columns prior_mean, prior_sd, weight
    (the share kept from the SKU's own estimate), shrunk, shrunk_se.
    """
    keys = [by] if isinstance(by, str) else list(by)
    out = table.copy()
    for col in ("prior_mean", "prior_sd", "weight", "shrunk", "shrunk_se"):
        out[col] = np.nan
    usable = out["elasticity"].notna() & out["se"].notna() & (out["se"] > 0)
    for _, idx in out[usable].groupby(keys).groups.items():
        est, se = out.loc[idx, "elasticity"], out.loc[idx, "se"]
        mean = float(np.average(est, weights=1 / se ** 2))
        tau2 = max(float(est.var(ddof=1)) - float((se ** 2).mean()), 0.0) if len(est) > 1 else 0.0
        weight = tau2 / (tau2 + se ** 2)
        out.loc[idx, "prior_mean"] = mean
        out.loc[idx, "prior_sd"] = np.sqrt(tau2)
        out.loc[idx, "weight"] = weight
        out.loc[idx, "shrunk"] = mean + weight * (est - mean)
        out.loc[idx, "shrunk_se"] = np.sqrt(weight) * se
    return out
