"""Pricing and promotion pricing (定价与促销) — chapter 02.

How demand answers price, without being fooled by the festivals, and what to do with the answer:

- :func:`load_panel` is the door for a price panel (one row per SKU and day or week): it maps
  column names, types and validates every column (:class:`ecomkit.io.DataError` on bad
  input) and counts every dropped row in a :class:`ecomkit.io.RowLedger`.
- :func:`weekly_panel` sums the days into SKU-weeks; :func:`estimate_elasticity` fits the
  log-log demand model ``log units = e * log price + SKU effect + week effect`` per category with
  standard errors clustered by SKU; :func:`naive_elasticity` drops the week effects (the
  classic mistake), :func:`experimental_elasticity` uses the randomised price tests only;
- segments and SKUs: :func:`price_tiers` and :func:`tier_contrast` (value vs premium SKUs),
  :func:`sku_elasticities` and :func:`shrink_elasticities` (one elasticity per SKU, pulled
  towards its segment);
- :func:`optimal_price` (the Lerner rule), :func:`profit_curve`, :func:`recommend_prices`;
- discount economics: :func:`break_even_lift`, :func:`predicted_lift`, :func:`discount_profit`,
  :func:`break_even_table`;
- 满减 (spend-threshold) offers: :func:`threshold_effect`, :func:`bunching_estimate`,
  :func:`topup_response`, :func:`threshold_design`.

Compute functions come first, plot functions after. Money is in CNY; elasticities are
``d log units / d log price`` (negative: a 1% price cut raises units by ``-e`` %). The rules
(which rows count, how weeks are formed, which standard errors) are in ``docs/pricing.md``.

Example
-------
>>> data = load_panel("demo")                                   # doctest: +SKIP
>>> weekly = weekly_panel(data.panel)                           # doctest: +SKIP
>>> estimate_elasticity(weekly, by="category")                  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from ecomkit.io import PanelData, load_panel
from ecomkit.io.tables.pricing import PRICE_PANEL
from ecomkit.viz import format_percent, format_yuan

__all__ = [
    "FESTIVAL_WINDOWS",
    "CONTROLS",
    "MIN_CLUSTERS",
    "InelasticDemandError",
    "PanelData",
    "PANEL_OPTIONAL",
    "load_panel",
    "weekly_panel",
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
    "profit_curve",
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
    "plot_profit_curve",
    "plot_break_even",
    "plot_basket_histogram",
    "plot_threshold_design",
]


#: the panel's optional columns (see docs/ingestion.md for the whole data dictionary)
PANEL_OPTIONAL = tuple(c.name for c in PRICE_PANEL.columns if not c.required)

#: festival selling windows (month, day) first .. last day, presales included; a week touching
#: one is a festival week. 618 and 11.11 campaigns open weeks ahead of the day itself.
FESTIVAL_WINDOWS = {"618": ((6, 1), (6, 20)), "11.11": ((10, 20), (11, 13)), "12.12": ((12, 8), (12, 13))}

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


class InelasticDemandError(ValueError):
    """The Lerner rule has no answer: demand is inelastic (|elasticity| <= 1)."""


# =========================================================================== loading


# =========================================================================== weeks and SKUs


def _week_start(dates: pd.Series) -> pd.Series:
    dates = pd.to_datetime(dates).dt.normalize()
    return dates - pd.to_timedelta(dates.dt.dayofweek, unit="D")


def _festival_of_week(weeks: pd.Series) -> pd.Series:
    """Name of the festival window a Monday-to-Sunday week touches, else ""."""
    weeks = pd.to_datetime(weeks)
    label = pd.Series("", index=weeks.index, dtype=object)
    week_end = weeks + pd.Timedelta(days=6)
    for year in sorted(set(weeks.dt.year) | set(week_end.dt.year)):
        for name, ((m0, d0), (m1, d1)) in FESTIVAL_WINDOWS.items():
            first, last = pd.Timestamp(year, m0, d0), pd.Timestamp(year, m1, d1)
            label = label.mask((weeks <= last) & (week_end >= first), name)
    return label


def weekly_panel(panel: pd.DataFrame) -> pd.DataFrame:
    """Sum a daily panel into SKU-weeks (Monday to Sunday); a weekly panel passes through unchanged.

    Columns: sku, category, week (the Monday), price (mean shelf price over the week's rows, CNY),
    list_price and unit_cost (means, if present), units (sum), revenue_cny (sum of price x units),
    promo_share (share of the week's rows on promotion, if present), price_test (True when every
    row of the week is in the test programme, if present), days (rows summed), festival (the
    festival window the week touches, or ""), partial_week (the week runs past the panel's first
    or last date, so it holds fewer days; week effects absorb this in the regressions).

    >>> weekly_panel(panel).head()                                     # doctest: +SKIP
    """
    frame = panel.assign(week=_week_start(panel["date"]), revenue_cny=panel["price"] * panel["units"])
    spec = {"category": ("category", "first"), "price": ("price", "mean"), "units": ("units", "sum"),
            "revenue_cny": ("revenue_cny", "sum"), "days": ("date", "size")}
    for col in ("list_price", "unit_cost"):
        if col in frame:
            spec[col] = (col, "mean")
    if "promo" in frame:
        spec["promo_share"] = ("promo", "mean")
    if "price_test" in frame:
        spec["price_test"] = ("price_test", "all")
    if "category" not in frame:
        frame = frame.assign(category="all")
    weekly = frame.groupby(["sku", "week"], sort=True).agg(**spec).reset_index()
    weekly["festival"] = _festival_of_week(weekly["week"])
    first_day, last_day = frame["date"].min(), frame["date"].max()
    weekly["partial_week"] = (weekly["week"] < first_day) | (weekly["week"] + pd.Timedelta(days=6) > last_day)
    first = ["sku", "category", "week", "price", "units"]
    return weekly[first + [c for c in weekly.columns if c not in first]]


def sku_baseline(weekly: pd.DataFrame) -> pd.DataFrame:
    """Each SKU's regular situation: the price, units and margin of its ordinary weeks.

    Ordinary weeks are full weeks outside festival windows, without promotion
    (``promo_share == 0``) and outside the price-test programme. ``regular_price`` is the SKU's
    list price if known, else the median price of its ordinary weeks; ``regular_units`` is the mean weekly units of the
    ordinary weeks at that price (or of all ordinary weeks if none match to the cent).
    Columns: sku, category, regular_price, unit_cost (NaN if unknown), regular_units,
    revenue_cny (all weeks), min_price, max_price (observed), margin (of the regular price).
    """
    ordinary = weekly["festival"].eq("")
    if "partial_week" in weekly:
        ordinary &= ~weekly["partial_week"]
    if "promo_share" in weekly:
        ordinary &= weekly["promo_share"].eq(0)
    if "price_test" in weekly:
        ordinary &= ~weekly["price_test"]
    rows = []
    for sku, grp in weekly.groupby("sku", sort=True):
        calm = grp[ordinary.loc[grp.index]]
        if calm.empty:
            calm = grp
        regular = float(grp["list_price"].median()) if "list_price" in grp else float(calm["price"].median())
        at_regular = calm[np.isclose(calm["price"], regular, atol=0.005)]
        units = float((at_regular if len(at_regular) else calm)["units"].mean())
        cost = float(grp["unit_cost"].mean()) if "unit_cost" in grp else np.nan
        rows.append({"sku": sku, "category": grp["category"].iloc[0], "regular_price": regular,
                     "unit_cost": cost, "regular_units": units, "revenue_cny": float(grp["revenue_cny"].sum()),
                     "min_price": float(grp["price"].min()), "max_price": float(grp["price"].max())})
    table = pd.DataFrame(rows)
    table["margin"] = (table["regular_price"] - table["unit_cost"]) / table["regular_price"]
    return table


def price_tiers(baseline: pd.DataFrame) -> pd.Series:
    """"value" or "premium" per SKU: its regular price below / at-or-above its category's median.

    A proxy for who buys it: premium SKUs draw quality-seeking shoppers, value SKUs
    price-sensitive ones. Returns a Series indexed by sku.
    """
    median = baseline.groupby("category")["regular_price"].transform("median")
    tier = np.where(baseline["regular_price"] >= median, "premium", "value")
    return pd.Series(tier, index=baseline["sku"].to_numpy(), name="price_tier")


def weekly_index(weekly: pd.DataFrame) -> pd.DataFrame:
    """Shop-wide units and price level per week: the festival confounder in one table.

    Columns (indexed by full week): units (sum over SKUs), price_index (mean over SKUs of price /
    the SKU's median price over the whole panel; 0.9 = prices 10% below usual), festival.
    """
    if "partial_week" in weekly:
        weekly = weekly[~weekly["partial_week"]]
    usual = weekly.groupby("sku")["price"].transform("median")
    frame = weekly.assign(price_index=weekly["price"] / usual)
    table = frame.groupby("week").agg(units=("units", "sum"), price_index=("price_index", "mean"),
                                      festival=("festival", "first"))
    return table


# =========================================================================== elasticity


def _absorb(matrix: np.ndarray, factors: list[np.ndarray], tol: float = 1e-10, max_iter: int = 2000) -> np.ndarray:
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
        for name in FESTIVAL_WINDOWS:
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
    data = _absorb(np.column_stack([y] + columns), factors) if factors else np.column_stack([y] + columns)
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
    frame = weekly if "festival" in weekly else weekly.assign(festival=_festival_of_week(weekly["week"]))
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
        data = _absorb(np.column_stack([np.log(grp["units"].to_numpy(dtype=float)), slopes]), [sku_codes, week_codes])
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


# =========================================================================== prices


def optimal_price(unit_cost, elasticity):
    """The profit-maximising price under constant elasticity (the Lerner rule).

    ``(p - c) / p = -1 / e``, so ``p* = c * e / (1 + e)``: the markup over cost shrinks as demand
    gets more elastic (e = -2 doubles the cost, e = -3 adds 50%, e = -11 adds 10%).

    Raises :class:`InelasticDemandError` when ``|e| <= 1``: then a price rise loses fewer units
    than it gains per unit, so profit rises with price without end and the rule has no answer.

    >>> optimal_price(60.0, -3.0)
    90.0
    """
    cost = np.asarray(unit_cost, dtype=float)
    e = np.asarray(elasticity, dtype=float)
    if np.isnan(e).any() or np.isnan(cost).any():
        raise ValueError("unit_cost and elasticity must be numbers, not NaN")
    if (cost <= 0).any():
        raise ValueError("unit_cost must be positive (CNY per unit)")
    if (e >= -1).any():
        worst = float(e.flat[int(np.argmax(e))])
        raise InelasticDemandError(
            f"elasticity {worst:.2f} is inelastic (|e| <= 1): raising the price loses proportionally fewer "
            "units than it gains per unit, so under constant elasticity profit grows with every price rise "
            "and there is no profit-maximising price. The estimate only describes prices near those observed: "
            "test a moderate increase instead of trusting an extrapolation.")
    price = cost * e / (1 + e)
    return float(price) if price.ndim == 0 else price


def profit_curve(unit_cost: float, elasticity: float, current_price: float, current_units: float,
                 elasticity_se: float = 0.0, prices=None, level: float = 0.95, n: int = 121) -> pd.DataFrame:
    """Expected profit per period at each price, with a band from the elasticity's uncertainty.

    Units follow ``current_units * (price / current_price) ** e`` (constant elasticity through
    the current point); profit = (price - unit_cost) x units. The band takes, at each price, the
    lowest and highest profit over elasticities ``e -/+ z * se`` (z for ``level``): it is zero
    at the current price, where units are observed, and widens as the price moves away.

    Returns a DataFrame: price, units, profit, profit_low, profit_high (CNY per period).

    >>> profit_curve(60, -3.0, current_price=100, current_units=50, elasticity_se=0.2).head()  # doctest: +SKIP
    """
    from scipy import stats

    if prices is None:
        prices = np.linspace(max(unit_cost * 1.02, 0.5 * current_price), 1.6 * current_price, n)
    prices = np.asarray(prices, dtype=float)
    z = float(stats.norm.ppf(0.5 + level / 2))

    def profit(e):
        units = current_units * (prices / current_price) ** e
        return units, (prices - unit_cost) * units

    units, mid = profit(elasticity)
    _, lo = profit(elasticity - z * elasticity_se)
    _, hi = profit(elasticity + z * elasticity_se)
    return pd.DataFrame({"price": prices, "units": units, "profit": mid,
                         "profit_low": np.minimum(lo, hi), "profit_high": np.maximum(lo, hi)})


def recommend_prices(baseline: pd.DataFrame, elasticities, margin_floor: float = 0.0,
                     max_change: float | None = None) -> pd.DataFrame:
    """Current vs recommended price per SKU and the expected change in weekly profit.

    Parameters
    ----------
    baseline : :func:`sku_baseline` rows (needs unit_cost).
    elasticities : Series of elasticities indexed by sku (e.g. shrunk SKU estimates) or by
        category (e.g. the controlled category estimates).
    margin_floor : the lowest acceptable gross margin (fraction); the recommendation is raised to
        ``unit_cost / (1 - margin_floor)`` if it would fall below it.
    max_change : the largest move from the regular price in one step (fraction, e.g. 0.2), or
        None. Demand was only observed near today's prices, so a far-away Lerner price is an
        extrapolation; with a cap an inelastic SKU gets a capped step *up* (profit rises with
        price there) instead of no recommendation.

    Columns added: elasticity, lerner_price (NaN when demand is inelastic), recommended_price,
    change (fraction), within_observed (the SKU has sold at prices that far away), profit_now,
    profit_recommended, profit_change (CNY per week), profit_change_pct, note.
    """
    if baseline["unit_cost"].isna().any():
        raise ValueError("recommendations need unit_cost for every SKU")
    elasticities = pd.Series(elasticities, dtype=float)
    table = baseline.copy()
    if table["sku"].isin(elasticities.index).any():
        table["elasticity"] = table["sku"].map(elasticities)
    else:
        table["elasticity"] = table["category"].map(elasticities)
    rec, lerner_prices, notes = [], [], []
    for price, cost, e in zip(table["regular_price"], table["unit_cost"], table["elasticity"]):
        floor = cost / (1 - margin_floor)
        note = []
        if np.isnan(e):
            lerner, target = np.nan, np.nan
            note.append("no elasticity")
        elif e >= -1:
            lerner = np.nan
            target = price * (1 + max_change) if max_change is not None else np.nan
            note.append("inelastic: no optimum" + ("; a capped step up to test" if max_change is not None else ""))
        else:
            lerner = optimal_price(cost, e)
            target = lerner
            if max_change is not None and abs(lerner / price - 1) > max_change:
                target = price * (1 + np.sign(lerner - price) * max_change)
                note.append("capped at max_change")
        if np.isfinite(target) and target < floor:
            target = floor
            note.append("raised to the margin floor")
        lerner_prices.append(lerner)
        rec.append(target)
        notes.append("; ".join(note))
    table["lerner_price"] = lerner_prices
    table["recommended_price"] = rec
    table["change"] = table["recommended_price"] / table["regular_price"] - 1
    table["within_observed"] = table["recommended_price"].between(table["min_price"] - 0.005,
                                                                  table["max_price"] + 0.005)
    table["profit_now"] = (table["regular_price"] - table["unit_cost"]) * table["regular_units"]
    units_rec = table["regular_units"] * (table["recommended_price"] / table["regular_price"]) ** table["elasticity"]
    table["profit_recommended"] = (table["recommended_price"] - table["unit_cost"]) * units_rec
    table["profit_change"] = table["profit_recommended"] - table["profit_now"]
    table["profit_change_pct"] = table["profit_change"] / table["profit_now"]
    table["note"] = notes
    return table


# =========================================================================== discounts


def break_even_lift(discount, margin):
    """Extra units a discount needs to keep gross profit unchanged: ``d / (m - d)``.

    With price p, margin m = (p - c) / p and a discount d (fraction of p) the unit margin falls
    from m p to (m - d) p, so volume must grow by the factor m / (m - d). Infinite when d >= m (every
    unit sold at a loss).

    >>> round(break_even_lift(0.10, 0.40), 4)
    0.3333
    """
    d = np.asarray(discount, dtype=float)
    m = np.asarray(margin, dtype=float)
    if ((d < 0) | (d >= 1)).any():
        raise ValueError("discount is a fraction of the price in [0, 1), e.g. 0.1 for 10% off")
    if ((m <= 0) | (m > 1)).any():
        raise ValueError("margin is a fraction of the price in (0, 1], e.g. 0.4 for a 40% gross margin")
    with np.errstate(divide="ignore"):
        lift = np.where(d < m, d / np.where(d < m, m - d, 1.0), np.inf)
    return float(lift) if lift.ndim == 0 else lift


def predicted_lift(discount, elasticity):
    """Extra units the demand model predicts for a lasting discount: ``(1 - d) ** e - 1``.

    >>> round(predicted_lift(0.10, -2.0), 4)
    0.2346
    """
    d = np.asarray(discount, dtype=float)
    lift = (1 - d) ** np.asarray(elasticity, dtype=float) - 1
    return float(lift) if lift.ndim == 0 else lift


def discount_profit(price, unit_cost, units, elasticity, discount):
    """Change in gross profit per period from a discount of depth ``discount`` (CNY).

    ``units * ((1 - d) ** e * (p (1 - d) - c) - (p - c))``: the discounted margin on the lifted
    volume minus the margin earned without the discount.
    """
    d = np.asarray(discount, dtype=float)
    p = np.asarray(price, dtype=float)
    c = np.asarray(unit_cost, dtype=float)
    lift = (1 - d) ** np.asarray(elasticity, dtype=float)
    change = np.asarray(units, dtype=float) * (lift * (p * (1 - d) - c) - (p - c))
    return float(change) if change.ndim == 0 else change


def category_margins(baseline: pd.DataFrame) -> pd.Series:
    """Median gross margin of each category's SKUs at their regular price (fraction)."""
    return baseline.groupby("category")["margin"].median().rename("margin")


def break_even_table(margins: pd.Series, depths, elasticities=None, claim=(0.20, 0.30),
                     margin_floor: float = 0.0, baseline: pd.DataFrame | None = None) -> pd.DataFrame:
    """Test the "promotions lift volume 20-30%" claim against each category's margin.

    One row per category and discount depth: margin, margin_after (the discounted price's gross
    margin), required_lift (:func:`break_even_lift`), claim_covers (the claim's upper end reaches
    the required lift), below_margin_floor; with ``elasticities`` (Series per category) also
    predicted_lift and pays (predicted >= required); with ``baseline`` (:func:`sku_baseline`) also
    incremental_profit (CNY per week summed over the category's SKUs at their regular prices).
    """
    rows = []
    e_map = pd.Series(elasticities) if elasticities is not None else None
    for category, m in margins.items():
        for d in depths:
            d = float(d)
            required = break_even_lift(d, m) if d < 1 else np.inf
            row = {"category": category, "discount": d, "margin": float(m),
                   "margin_after": (m - d) / (1 - d), "required_lift": required,
                   "claim_covers": bool(claim[1] >= required),
                   "below_margin_floor": bool((m - d) / (1 - d) < margin_floor)}
            if e_map is not None and category in e_map and not np.isnan(e_map[category]):
                e = float(e_map[category])
                row["predicted_lift"] = predicted_lift(d, e)
                row["pays"] = bool(row["predicted_lift"] >= required)
                if baseline is not None:
                    skus = baseline[baseline["category"] == category]
                    row["incremental_profit"] = float(np.sum(discount_profit(
                        skus["regular_price"], skus["unit_cost"], skus["regular_units"], e, d)))
            rows.append(row)
    return pd.DataFrame(rows)


# =========================================================================== 满减 thresholds


def _infer_discount(baskets: pd.DataFrame, discount: float | None) -> float:
    if discount is not None:
        return float(discount)
    if "threshold_discount" in baskets and (baskets["threshold_discount"] > 0).any():
        return float(baskets.loc[baskets["threshold_discount"] > 0, "threshold_discount"].mode().iloc[0])
    raise ValueError("give the offer's discount (CNY off): the baskets have no threshold_discount amounts")


def _split(baskets: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    if "promo" not in baskets or baskets["promo"].all() or not baskets["promo"].any():
        return baskets, None
    return baskets[baskets["promo"]], baskets[~baskets["promo"]]


def basket_histogram(baskets: pd.DataFrame, threshold: float, bin_width: float = 5.0,
                     span: float = 100.0) -> pd.DataFrame:
    """Basket counts per value bin around the threshold, before and during the offer.

    Bins of ``bin_width`` CNY over [threshold - span, threshold + span), aligned on the threshold.
    Columns: bin_left, bin_right, promo (count), before (count, if a before period exists),
    before_scaled (before counts x promo baskets / before baskets: the counterfactual).
    """
    promo, before = _split(baskets)
    edges = threshold + np.arange(-span, span + bin_width / 2, bin_width)
    table = pd.DataFrame({"bin_left": edges[:-1], "bin_right": edges[1:],
                          "promo": np.histogram(promo["gross_value"], edges)[0]})
    if before is not None:
        table["before"] = np.histogram(before["gross_value"], edges)[0]
        table["before_scaled"] = table["before"] * len(promo) / len(before)
    return table


def threshold_effect(baskets: pd.DataFrame, threshold: float, discount: float | None = None,
                     below: float | None = None, above: float | None = None) -> pd.Series:
    """What a 满减 offer did, by comparing the offer period with the period before it.

    The before period's basket values, scaled to the offer period's count, are the counterfactual.
    Baskets *pushed over* the threshold are the ones missing from the ``below`` CNY under it
    (default 2.5 x the discount); their standard error treats bin counts as Poisson.

    Returns a Series: discount, baskets_promo, baskets_before, pushed_over (count), pushed_over_se,
    pushed_share (of offer baskets), excess_above (count in the ``above`` CNY over the threshold,
    default 1.5 x discount), qualifying_share (offer baskets at or over the threshold),
    qualifying_naturally_share (before baskets that would have qualified), mean_gross_before,
    mean_gross_promo, gross_lift_per_basket (CNY), discount_per_basket, revenue_effect_per_basket,
    margin_rate (1 - cost / gross, before period), margin_effect_per_basket (CNY), and their
    standard errors (``*_se``) and totals over the offer period (``*_total``).
    """
    discount = _infer_discount(baskets, discount)
    promo, before = _split(baskets)
    if before is None:
        raise ValueError("the baskets need a promo column with both offer (True) and before (False) rows")
    below = 2.5 * discount if below is None else float(below)
    above = 1.5 * discount if above is None else float(above)
    scale = len(promo) / len(before)
    g_p, g_b = promo["gross_value"].to_numpy(), before["gross_value"].to_numpy()
    in_below = lambda g: (g >= threshold - below) & (g < threshold)  # noqa: E731
    in_above = lambda g: (g >= threshold) & (g < threshold + above)  # noqa: E731
    n_below_p, n_below_b = in_below(g_p).sum(), in_below(g_b).sum()
    pushed = n_below_b * scale - n_below_p
    pushed_se = np.sqrt(n_below_p + n_below_b * scale ** 2)
    excess = in_above(g_p).sum() - in_above(g_b).sum() * scale
    if "threshold_discount" in promo:
        off = promo["threshold_discount"].to_numpy()
    else:
        off = np.where(g_p >= threshold, discount, 0.0)
    gross_lift = g_p.mean() - g_b.mean()
    gross_lift_se = np.sqrt(g_p.var(ddof=1) / g_p.size + g_b.var(ddof=1) / g_b.size)
    out = {"discount": discount, "baskets_promo": len(promo), "baskets_before": len(before),
           "pushed_over": float(pushed), "pushed_over_se": float(pushed_se),
           "pushed_share": float(pushed / len(promo)), "excess_above": float(excess),
           "qualifying_share": float((g_p >= threshold).mean()),
           "qualifying_naturally_share": float((g_b >= threshold).mean()),
           "mean_gross_before": float(g_b.mean()), "mean_gross_promo": float(g_p.mean()),
           "gross_lift_per_basket": float(gross_lift), "gross_lift_per_basket_se": float(gross_lift_se),
           "discount_per_basket": float(off.mean()),
           "revenue_effect_per_basket": float(gross_lift - off.mean()),
           "revenue_effect_per_basket_se": float(gross_lift_se)}
    if "cost_of_goods" in baskets:
        m_p = g_p - promo["cost_of_goods"].to_numpy()
        m_b = g_b - before["cost_of_goods"].to_numpy()
        out["margin_rate"] = float(m_b.sum() / g_b.sum())
        out["margin_effect_per_basket"] = float(m_p.mean() - m_b.mean() - off.mean())
        out["margin_effect_per_basket_se"] = float(np.sqrt(m_p.var(ddof=1) / m_p.size + m_b.var(ddof=1) / m_b.size))
    for name in ("revenue_effect", "margin_effect"):
        if f"{name}_per_basket" in out:
            out[f"{name}_total"] = out[f"{name}_per_basket"] * len(promo)
    return pd.Series(out)


def bunching_estimate(values, threshold: float, below: float, above: float, bin_width: float = 5.0,
                      span: float | None = None, degree: int = 4) -> pd.Series:
    """Baskets pushed over a threshold, from the offer period alone (a bunching estimator).

    Counts per bin over [threshold - span, threshold + span) (default span 2.4 x ``below``) are
    fitted by a polynomial of ``degree`` in the bin centre, leaving out the window
    [threshold - below, threshold + above) where the offer moves baskets; the fit inside the
    window is the counterfactual. Baskets only move inside the window, so the fit is constrained
    to keep the window's total (least squares with one equality constraint); then the mass
    missing below equals the excess above. Returns missing_below, excess_above and pushed_over
    (their mean). Use it when no before period exists: it relies on a smooth basket-value density
    across the window, and its answer moves with ``degree`` and ``span`` -- try a few.
    """
    values = np.asarray(values, dtype=float)
    span = 2.4 * below if span is None else float(span)
    edges = threshold + np.arange(-span, span + bin_width / 2, bin_width)
    counts = np.histogram(values, edges)[0].astype(float)
    centre = (edges[:-1] + edges[1:]) / 2
    window = (edges[:-1] >= threshold - below) & (edges[:-1] < threshold + above)
    design = np.vander((centre - threshold) / span, degree + 1)
    outside, target = design[~window], counts[~window]
    # minimise |outside @ coef - target|^2 subject to sum(design[window] @ coef) = sum(counts[window])
    row = design[window].sum(axis=0)
    kkt = np.block([[2 * outside.T @ outside, row[:, None]], [row[None, :], np.zeros((1, 1))]])
    rhs = np.concatenate([2 * outside.T @ target, [counts[window].sum()]])
    fitted = design @ np.linalg.solve(kkt, rhs)[:-1]
    low = window & (edges[:-1] < threshold)
    high = window & (edges[:-1] >= threshold)
    missing = float((fitted[low] - counts[low]).sum())
    excess = float((counts[high] - fitted[high]).sum())
    return pd.Series({"missing_below": missing, "excess_above": excess, "pushed_over": (missing + excess) / 2})


def topup_response(baskets: pd.DataFrame, threshold: float, discount: float | None = None,
                   below: float | None = None, bin_width: float = 5.0) -> dict:
    """Estimate how the chance of topping a basket up falls with its gap to the threshold.

    Per bin under the threshold the share of counterfactual (before-period) baskets missing in
    the offer period estimates P(top-up | gap). A curve ``p_max * exp(-gap / scale)`` is fitted
    by weighted least squares (scipy ``curve_fit``, Poisson weights). Also returns the mean
    overshoot over the threshold of the baskets that bunch above it.

    Returns a dict: p_max, scale_cny, max_gap_cny (the window used), overshoot_cny, bins (a
    DataFrame: gap, share_missing, counterfactual).
    """
    from scipy.optimize import curve_fit

    discount = _infer_discount(baskets, discount)
    below = 2.5 * discount if below is None else float(below)
    hist = basket_histogram(baskets, threshold, bin_width, span=max(below, 2 * discount))
    if "before_scaled" not in hist:
        raise ValueError("estimating the response needs a before period (promo False rows)")
    under = hist[(hist["bin_left"] >= threshold - below) & (hist["bin_right"] <= threshold)].copy()
    under["gap"] = threshold - (under["bin_left"] + under["bin_right"]) / 2
    under["share_missing"] = 1 - under["promo"] / under["before_scaled"].where(under["before_scaled"] > 0)
    use = under.dropna(subset=["share_missing"])
    sigma = np.sqrt((use["promo"] + use["before_scaled"]).clip(lower=1)) / use["before_scaled"]

    def curve(gap, p_max, scale):
        return p_max * np.exp(-gap / scale)

    (p_max, scale), _ = curve_fit(curve, use["gap"], use["share_missing"], p0=(0.5, discount),
                                  sigma=sigma, bounds=([0, 1e-3], [1, 10 * below]))
    over = hist[(hist["bin_left"] >= threshold) & (hist["bin_left"] < threshold + 1.5 * discount)]
    extra = (over["promo"] - over["before_scaled"]).clip(lower=0)
    mid = (over["bin_left"] + over["bin_right"]) / 2 - threshold
    overshoot = float((extra * mid).sum() / extra.sum()) if extra.sum() > 0 else bin_width / 2
    return {"p_max": float(p_max), "scale_cny": float(scale), "max_gap_cny": float(below),
            "overshoot_cny": overshoot, "bins": under[["gap", "share_missing", "before_scaled"]]
            .rename(columns={"before_scaled": "counterfactual"}).reset_index(drop=True)}


def threshold_design(natural_values, thresholds, discount: float, response: dict, margin_rate: float) -> pd.DataFrame:
    """Expected effect per basket of a 满减 offer at each candidate threshold.

    ``natural_values``: basket values without an offer (e.g. the before period); ``response``:
    :func:`topup_response`, assumed to hold at every threshold (the same discount). For each
    threshold X: qualify_naturally (share already at X or more), pushed_over (mean top-up
    probability of the baskets below X), topup_cny (mean extra goods per basket), discount_cost_cny
    (discount x share that qualifies), revenue_effect_cny, margin_effect_cny (top-up x
    margin_rate - discount cost), and break_even_extra_baskets: how many more baskets (fraction)
    the offer must bring for the margin to break even.
    """
    v = np.asarray(natural_values, dtype=float)
    base_margin = v.mean() * margin_rate
    rows = []
    for x in np.atleast_1d(np.asarray(thresholds, dtype=float)):
        gap = x - v
        p = np.where((gap > 0) & (gap <= response["max_gap_cny"]),
                     response["p_max"] * np.exp(-gap / response["scale_cny"]), 0.0)
        pushed = float(p.mean())
        topup = float((p * (gap + response["overshoot_cny"])).mean())
        natural = float((v >= x).mean())
        cost = discount * (natural + pushed)
        margin_effect = topup * margin_rate - cost
        rows.append({"threshold": x, "qualify_naturally": natural, "pushed_over": pushed, "topup_cny": topup,
                     "discount_cost_cny": cost, "revenue_effect_cny": topup - cost,
                     "margin_effect_cny": margin_effect,
                     "break_even_extra_baskets": max(0.0, -margin_effect) / (base_margin + margin_effect)})
    return pd.DataFrame(rows)


# =========================================================================== plots


def _axes(ax):
    import matplotlib.pyplot as plt

    return ax if ax is not None else plt.subplots()[1]


def plot_festival_confounding(index: pd.DataFrame, ax=None):
    """Weekly units (left axis) and the price index (right axis), festival weeks shaded.

    ``index`` is :func:`weekly_index`. Returns the left Axes.
    """
    ax = _axes(ax)
    ax.plot(index.index, index["units"], lw=1.4, label="units per week (all SKUs)")
    festival = index["festival"].ne("")
    for week in index.index[festival]:
        ax.axvspan(week, week + pd.Timedelta(days=7), color="orange", alpha=0.2, lw=0)
    ax.set(xlabel="week", ylabel="units per week", title="Festival weeks: demand peaks while prices are cut")
    right = ax.twinx()
    right.plot(index.index, index["price_index"], color="crimson", lw=1.2, label="price index (right axis)")
    right.set_ylabel("price index (price / usual price)")
    right.grid(False)
    format_percent(right, decimals=1)
    lines = ax.get_lines() + right.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc="upper left", fontsize=8)
    return ax


def plot_price_units(weekly: pd.DataFrame, sku, elasticities: Mapping[str, float] | None = None, ax=None):
    """Weekly units against price for one SKU (log-log, full weeks), festival weeks marked, fitted curves.

    Each curve ``units = A * price ** e`` is anchored on the SKU's non-festival weeks
    (``log A`` = their mean of ``log units - e log price``). Returns the Axes.
    """
    ax = _axes(ax)
    rows = weekly[(weekly["sku"] == sku) & (weekly["units"] > 0)]
    if "partial_week" in rows:
        rows = rows[~rows["partial_week"]]
    if rows.empty:
        raise ValueError(f"no weeks with sales for SKU {sku!r}")
    festival = rows["festival"].ne("")
    ax.scatter(rows.loc[~festival, "price"], rows.loc[~festival, "units"], s=14, alpha=0.6, label="ordinary weeks")
    ax.scatter(rows.loc[festival, "price"], rows.loc[festival, "units"], s=22, alpha=0.9, color="crimson",
               marker="^", label="festival weeks (618, 11.11, 12.12)")
    grid = np.linspace(rows["price"].min() * 0.97, rows["price"].max() * 1.03, 50)
    calm = rows[~festival] if (~festival).any() else rows
    for (label, e), style in zip((elasticities or {}).items(), ("-", "--", ":", "-.")):
        log_a = float(np.mean(np.log(calm["units"]) - e * np.log(calm["price"])))
        ax.plot(grid, np.exp(log_a) * grid ** e, ls=style, lw=1.8, label=f"{label}: e = {e:.2f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set(xlabel="price (CNY, log scale)", ylabel="units per week (log scale)",
           title=f"Price and weekly units of {sku}")
    format_yuan(ax, axis="x")
    ax.xaxis.set_minor_formatter(ax.xaxis.get_major_formatter())
    ax.legend(fontsize=8)
    return ax


def plot_elasticity_forest(table: pd.DataFrame, truth: Mapping[str, float] | None = None, group: str | None = None,
                           ax=None, title: str = "Price elasticity: naive vs controlled vs experimental"):
    """Estimates with confidence intervals per group and method, the truth marked if known.

    ``table`` is :func:`elasticity_table`; ``truth`` maps group -> true elasticity. A dotted line
    marks e = -1 (unit elastic: left of it a price cut raises revenue). Returns the Axes.
    """
    ax = _axes(ax)
    group = group or table.columns[0]
    groups = list(dict.fromkeys(table[group]))
    methods = list(dict.fromkeys(table["method"]))
    offsets = np.linspace(-0.25, 0.25, len(methods)) if len(methods) > 1 else [0.0]
    for method, offset in zip(methods, offsets):
        rows = table[table["method"] == method].set_index(group).reindex(groups)
        y = np.arange(len(groups)) + offset
        err = np.vstack([rows["elasticity"] - rows["ci_low"], rows["ci_high"] - rows["elasticity"]])
        ax.errorbar(rows["elasticity"], y, xerr=err, fmt="o", ms=5, capsize=3, label=method)
    if truth:
        values = [truth.get(g, np.nan) for g in groups]
        ax.scatter(values, np.arange(len(groups)), marker="|", s=400, color="black", lw=2, label="truth", zorder=5)
    ax.axvline(-1, color="grey", ls=":", lw=1)
    ax.set_yticks(np.arange(len(groups)), [str(g) for g in groups])
    ax.invert_yaxis()
    ax.set(xlabel="price elasticity (% change in units per 1% change in price)", ylabel=group, title=title)
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_profit_curve(curve: pd.DataFrame, current_price: float | None = None, recommended_price: float | None = None,
                      ax=None, title: str = "Expected weekly profit by price"):
    """Profit against price with its uncertainty band; current and recommended prices marked."""
    ax = _axes(ax)
    ax.fill_between(curve["price"], curve["profit_low"], curve["profit_high"], alpha=0.25,
                    label="95% band from the elasticity's standard error")
    ax.plot(curve["price"], curve["profit"], lw=2, label="expected profit")
    if current_price is not None:
        ax.axvline(current_price, color="black", ls="--", lw=1, label=f"current price CNY {current_price:,.0f}")
    if recommended_price is not None and np.isfinite(recommended_price):
        ax.axvline(recommended_price, color="crimson", lw=1.5, label=f"recommended CNY {recommended_price:,.0f}")
    ax.set(xlabel="price (CNY)", ylabel="gross profit per week (CNY)", title=title)
    format_yuan(ax)
    format_yuan(ax, axis="x")
    ax.legend(fontsize=8)
    return ax


def plot_break_even(margins: pd.Series, claim=(0.20, 0.30), max_discount: float = 0.5, ax=None):
    """Break-even volume lift against discount depth, one curve per category margin.

    The shaded band is the handbooks' claimed promotion lift (20-30%): where a curve rises above
    it, the claimed lift does not pay for the discount. Returns the Axes.
    """
    ax = _axes(ax)
    for category, m in margins.sort_values().items():
        d = np.linspace(0, min(max_discount, m * 0.95), 100)
        ax.plot(d, break_even_lift(d, m), lw=1.8, label=f"{category} (margin {m:.0%})")
    ax.axhspan(claim[0], claim[1], color="orange", alpha=0.25,
               label=f"handbook claim +{claim[0]:.0%} to +{claim[1]:.0%}")
    ax.set_ylim(0, 2.0)
    ax.set_xlim(0, max_discount)
    ax.set(xlabel="discount depth (% off the regular price)", ylabel="volume lift needed to break even",
           title="How much extra volume a discount must bring")
    format_percent(ax)
    format_percent(ax, axis="x")
    ax.legend(fontsize=8)
    return ax


def plot_basket_histogram(hist: pd.DataFrame, threshold: float, ax=None):
    """Basket values around the 满减 threshold: offer period vs the (scaled) period before."""
    ax = _axes(ax)
    centre = (hist["bin_left"] + hist["bin_right"]) / 2
    width = float((hist["bin_right"] - hist["bin_left"]).iloc[0])
    ax.bar(centre, hist["promo"], width=width, alpha=0.6, label="offer period")
    if "before_scaled" in hist:
        ax.step(hist["bin_right"], hist["before_scaled"], where="pre", color="black", lw=1.5,
                label="before the offer (scaled to the same number of baskets)")
    ax.axvline(threshold, color="crimson", ls="--", lw=1.5, label=f"threshold CNY {threshold:,.0f}")
    ax.set(xlabel="basket value before the threshold discount (CNY)", ylabel=f"baskets per CNY {width:g} bin",
           title="Baskets bunch just above the spend threshold")
    format_yuan(ax, axis="x")
    ax.legend(fontsize=8)
    return ax


def plot_threshold_design(design: pd.DataFrame, current: float | None = None, truth: pd.DataFrame | None = None,
                          ax=None):
    """Revenue and margin effect per basket of each candidate threshold (CNY), and the share pushed over."""
    ax = _axes(ax)
    ax.plot(design["threshold"], design["revenue_effect_cny"], marker="o", label="revenue effect (estimated)")
    ax.plot(design["threshold"], design["margin_effect_cny"], marker="s", label="margin effect (estimated)")
    if truth is not None:
        ax.plot(truth["threshold"], truth["margin_effect_cny"], color="black", ls=":", label="margin effect (truth)")
    if current is not None:
        ax.axvline(current, color="grey", ls="--", lw=1, label=f"current threshold CNY {current:,.0f}")
    ax.axhline(0, color="black", lw=0.8)
    ax.set(xlabel="spend threshold (CNY)", ylabel="effect per basket (CNY)",
           title="Threshold design: what the offer returns per basket")
    format_yuan(ax)
    format_yuan(ax, axis="x")
    right = ax.twinx()
    right.plot(design["threshold"], design["pushed_over"], color="seagreen", ls="--", marker="^",
               label="baskets pushed over (right axis)")
    right.set_ylabel("share of baskets pushed over")
    right.set_ylim(0, max(0.01, float(design["pushed_over"].max()) * 1.3))
    right.grid(False)
    format_percent(right, decimals=1)
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")] + right.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], fontsize=8, loc="lower right")
    return ax
