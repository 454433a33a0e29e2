"""Guards before any effect: was the experiment randomised as designed, and which columns may a model use?

- :func:`sample_ratio_test`: the sample-ratio-mismatch (SRM) test, a chi-square test of the group sizes
  against the design's shares.
- :func:`balance_table`: every candidate feature compared between each arm and the control, as a
  standardised mean difference (SMD) with its test, corrected for the number of comparisons
  (statsmodels ``multipletests``, Holm).
- :func:`screen_features`: the columns a model may use, and every excluded column with its reason — an
  outcome by name, a function of the group label, or a difference between arms beyond chance (a column
  measured after the send, or a broken randomisation).

Why a threshold that depends on the sample size: under randomisation the SMD of a feature between
groups of n1 and n0 customers has a standard error of about sqrt(1/n1 + 1/n0) (the mean difference has
variance sigma^2 (1/n1 + 1/n0), and the SMD divides by sigma). A fixed cut such as 0.1 (the
observational-study rule of thumb) would flag honest features in a small test and miss leaks in a
large one; ``chance_limit`` is the SMD that chance alone exceeds with probability ``alpha`` after the
Bonferroni share over all comparisons, and a column is excluded when its Holm-adjusted p-value is below
``alpha``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["sample_ratio_test", "balance_table", "screen_features", "FeatureScreen", "OUTCOME_NAMES",
           "BALANCE_ALPHA"]

#: family-wise error rate of the balance tests: an honest feature is excluded by chance at most this often
BALANCE_ALPHA = 0.01
#: column names that say "an outcome measured after the send" (exact names, case and separators ignored)
OUTCOME_NAMES = frozenset({
    "visit", "visits", "visited", "click", "clicks", "clicked", "open", "opened", "opens", "conversion",
    "conversions", "converted", "convert", "spend", "spent", "revenue", "sales", "purchase", "purchased",
    "purchases", "bought", "buy", "order", "orders", "ordered", "redeemed", "redemption", "coupon_cost",
    "response", "responded", "gmv", "转化", "是否购买", "是否转化", "访问", "点击", "消费金额", "销售额",
})


def _name(column) -> str:
    return str(column).strip().lower().replace("-", "_").replace(" ", "_")


def sample_ratio_test(arm: pd.Series, expected_shares: Mapping[str, float] | None = None,
                      alpha: float = 0.001) -> pd.DataFrame:
    """Sample-ratio-mismatch test: are the group sizes what the design's shares make likely?

    ``arm`` holds each customer's group label; ``expected_shares`` the designed share of each label
    (normalised to sum to 1; default: equal shares). scipy's chi-square goodness-of-fit test; the
    returned table has one row per group (customers, share, expected_share, expected) and the test in
    ``attrs``: ``statistic``, ``p_value``, ``alpha`` and ``mismatch`` (p below ``alpha``; 0.001 is the
    usual SRM level, because a mismatch means the comparison itself is broken).

    >>> sample_ratio_test(pd.Series(["a"] * 500 + ["b"] * 520)).attrs["mismatch"]
    False
    """
    from scipy.stats import chisquare

    counts = arm.astype(str).value_counts().sort_index()
    if expected_shares:
        missing = [g for g in counts.index if g not in {str(k) for k in expected_shares}]
        if missing:
            raise ValueError(f"ARM_SHARES has no share for {', '.join(map(repr, missing))}; give every group a share "
                             f"(groups: {', '.join(map(repr, counts.index))})")
        shares = pd.Series({str(k): float(v) for k, v in expected_shares.items()}).reindex(counts.index)
        if (shares <= 0).any():
            raise ValueError("ARM_SHARES must be positive for every group present in the data")
        shares = shares / shares.sum()
    else:
        shares = pd.Series(1.0 / len(counts), index=counts.index)
    expected = shares * counts.sum()
    table = pd.DataFrame({"customers": counts, "share": counts / counts.sum(), "expected_share": shares,
                          "expected": expected})
    if len(counts) < 2:
        statistic, p_value = 0.0, 1.0
    else:
        statistic, p_value = chisquare(counts.to_numpy(dtype=float), expected.to_numpy(dtype=float))
    table.attrs.update({"statistic": float(statistic), "p_value": float(p_value), "alpha": alpha,
                        "mismatch": bool(p_value < alpha), "test": "chi-square goodness of fit"})
    return table


def _indicator_columns(values: pd.Series) -> dict[str, np.ndarray]:
    """One numeric vector per thing to compare: the column itself when numeric, one 0/1 per level otherwise."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return {"": values.astype(float).to_numpy()}
    if pd.api.types.is_numeric_dtype(values.dtype):
        return {"": values.astype(float).to_numpy()}
    text = values.astype(str).where(values.notna(), "missing")
    return {f"={level}": (text == level).to_numpy(dtype=float) for level in sorted(pd.unique(text))}


def _smd(x1: np.ndarray, x0: np.ndarray) -> float:
    x1, x0 = x1[~np.isnan(x1)], x0[~np.isnan(x0)]
    if len(x1) < 2 or len(x0) < 2:
        return np.nan
    pooled = math.sqrt((np.var(x1, ddof=1) + np.var(x0, ddof=1)) / 2.0)
    diff = float(x1.mean() - x0.mean())
    if pooled == 0:
        return 0.0 if diff == 0 else math.copysign(np.inf, diff)
    return diff / pooled


def balance_table(frame: pd.DataFrame, features: Sequence[str], arm: str = "arm", control: str = "0",
                  alpha: float = BALANCE_ALPHA) -> pd.DataFrame:
    """Each candidate feature of each arm against the control: SMD, its test and the corrected verdict.

    For a number the SMD is (mean in the arm - mean in the control) / pooled standard deviation; for a
    text or category column each level is a 0/1 column and the row shows the level with the largest
    |SMD|. ``p_value`` is the two-sided z-test of the SMD (standard error sqrt(1/n1 + 1/n0)), or for a text
    column scipy's chi-square test of the level counts; ``p_adjusted`` is Holm's correction over every
    row (statsmodels ``multipletests``); ``chance_limit`` is the |SMD| a single comparison exceeds by
    chance with probability alpha / (number of rows). ``imbalanced`` = ``p_adjusted < alpha``.

    Columns: feature, arm, n_arm, n_control, smd, level, chance_limit, p_value, p_adjusted, imbalanced.
    """
    from scipy.stats import chi2_contingency, norm
    from statsmodels.stats.multitest import multipletests

    groups = frame[arm].astype(str)
    arms = [g for g in sorted(pd.unique(groups)) if g != str(control)]
    in_control = (groups == str(control)).to_numpy()
    rows = []
    for name in features:
        col = frame[name]
        parts = _indicator_columns(col)
        for a in arms:
            in_arm = (groups == a).to_numpy()
            smds = {level: _smd(x[in_arm], x[in_control]) for level, x in parts.items()}
            finite = {k: v for k, v in smds.items() if not np.isnan(v)}
            if not finite:
                continue
            level = max(finite, key=lambda k: abs(finite[k]))
            smd = finite[level]
            n1 = int(col[in_arm].notna().sum())
            n0 = int(col[in_control].notna().sum())
            se = math.sqrt(1.0 / n1 + 1.0 / n0)
            if len(parts) > 1:
                table = pd.crosstab(col[in_arm | in_control].astype(str), groups[in_arm | in_control])
                table = table.loc[table.sum(axis=1) > 0]
                p = float(chi2_contingency(table.to_numpy())[1]) if table.shape[0] > 1 else 1.0
            else:
                p = 0.0 if np.isinf(smd) else float(2 * norm.sf(abs(smd) / se))
            rows.append({"feature": name, "arm": a, "n_arm": n1, "n_control": n0, "smd": smd,
                         "level": level.lstrip("=") or None, "se": se, "p_value": p})
    out = pd.DataFrame(rows, columns=["feature", "arm", "n_arm", "n_control", "smd", "level", "se", "p_value"])
    if out.empty:
        return out.assign(chance_limit=[], p_adjusted=[], imbalanced=[])
    m = len(out)
    out["chance_limit"] = norm.isf(alpha / (2 * m)) * out["se"]
    out["p_adjusted"] = multipletests(out["p_value"].to_numpy(), alpha=alpha, method="holm")[1]
    out["imbalanced"] = out["p_adjusted"] < alpha
    return out.drop(columns="se")


def _function_of_arm(values: pd.Series, groups: pd.Series) -> bool:
    """True when the column and the group label determine each other on some side: every value of the
    column falls in one group (the column names the group), or every group has one value (the group
    sets the column). Only for columns with repeated values — a unique id trivially "names" a group."""
    known = values.notna()
    v, g = values[known].astype(str), groups[known]
    if v.nunique() < 2 or v.nunique() > max(50, len(v) // 20):
        return False
    groups_per_value = g.groupby(v).nunique()
    values_per_group = v.groupby(g).nunique()
    return bool((groups_per_value == 1).all() or (values_per_group == 1).all())


@dataclass
class FeatureScreen:
    """What :func:`screen_features` decided: ``features`` for the models, ``excluded`` (column ->
    reason), the ``balance`` table it used and whether the list was the analyst's (``explicit``)."""

    features: list[str]
    excluded: dict[str, str] = field(default_factory=dict)
    balance: pd.DataFrame = field(default_factory=pd.DataFrame)
    explicit: bool = False

    def excluded_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"column": list(self.excluded), "reason": list(self.excluded.values())}).set_index("column")


def screen_features(frame: pd.DataFrame, candidates: Sequence[str], arm: str = "arm", control: str = "0",
                    explicit: Sequence[str] | None = None, outcomes: Sequence[str] = (),
                    alpha: float = BALANCE_ALPHA) -> FeatureScreen:
    """The columns an uplift model may use, and each excluded column with its reason.

    A candidate is excluded, in this order, when its name is an outcome's (:data:`OUTCOME_NAMES`, or one
    of ``outcomes``), when it is a function of the group label (or the label a function of it), or when
    it differs between an arm and the control beyond chance (:func:`balance_table`, Holm-corrected at
    ``alpha``) — a pre-period feature cannot, so the column was measured after the send or the groups
    were not randomised. ``explicit`` (the FEATURES parameter) overrides the screen: exactly those
    columns are used (outcome columns still never are) and the balance table is still computed.

    >>> screen = screen_features(campaign, data.features, control=data.control)   # doctest: +SKIP
    >>> screen.features, screen.excluded                                          # doctest: +SKIP
    """
    outcome_names = {_name(o) for o in outcomes} | OUTCOME_NAMES
    balance = balance_table(frame, list(candidates), arm, control, alpha)
    excluded: dict[str, str] = {}
    if explicit is not None:
        for name in explicit:
            if name not in candidates:
                excluded[name] = "named in FEATURES but not a candidate feature (an outcome, the group, or absent)"
        return FeatureScreen([c for c in explicit if c in candidates], excluded, balance, explicit=True)
    groups = frame[arm].astype(str)
    for name in candidates:
        if _name(name) in outcome_names:
            excluded[name] = f"named like an outcome ({name!r}): measured after the send, never a feature"
        elif _function_of_arm(frame[name], groups):
            excluded[name] = "a function of the group label: a model would learn the group itself"
    bad = balance.loc[balance["imbalanced"] & ~balance["feature"].isin(list(excluded))]
    for name, rows in bad.groupby("feature", sort=False):
        worst = rows.loc[rows["smd"].abs().idxmax()]
        level = f" (level {worst['level']})" if worst["level"] else ""
        excluded[name] = (f"differs between {worst['arm']!r} and the control beyond chance: SMD {worst['smd']:+.3f}"
                          f"{level}, chance limit {worst['chance_limit']:.3f}, Holm-adjusted p {worst['p_adjusted']:.2g}"
                          " — measured after the send, or the groups were not randomised")
    return FeatureScreen([c for c in candidates if c not in excluded], excluded, balance)
