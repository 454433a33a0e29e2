"""A coupon (or any A/B) experiment: one row per customer, group, outcome, pre-period features."""

from __future__ import annotations

import pandas as pd

from ecomkit.io.errors import DataError
from ecomkit.io.parse import as_text, parse_ids
from ecomkit.io.spec import Column, LegacyOption, Rule, TableSpec

__all__ = ["CAMPAIGN", "RESERVED_COLUMNS", "type_feature"]

#: columns with a fixed meaning; every other column of a campaign table is a pre-period feature
RESERVED_COLUMNS = ("customer_id", "treatment", "converted", "revenue", "coupon_cost")


def _words():
    from ecomkit.io import vocab

    return vocab


def type_feature(column: pd.Series) -> pd.Series:
    """Numbers become int64/float64, yes/no columns bool, anything else stripped text."""
    v = _words()
    if pd.api.types.is_bool_dtype(column.dtype):
        return column.astype(bool)
    if pd.api.types.is_numeric_dtype(column.dtype):
        values = column.astype("float64")
    else:
        text = as_text(column)
        values = pd.to_numeric(text, errors="coerce")
        if (values.isna() & text.notna()).any():
            lowered = text.str.lower()
            if lowered.notna().all() and lowered.isin(v.YES_WORDS | v.NO_WORDS).all():
                return lowered.isin(v.YES_WORDS).astype(bool)
            return text.astype(object)
        values = values.astype("float64")
    finite = values.dropna()
    if values.notna().all() and (finite % 1 == 0).all() and finite.abs().lt(2**62).all():
        return values.astype("int64")
    return values


def clean_campaign(r) -> None:
    v = _words()
    if "customer_id" in r.df.columns:
        r.drop_blanks(["customer_id"])
        r.df["customer_id"] = parse_ids(r.df["customer_id"])
        repeated = r.df["customer_id"].duplicated(keep=False).to_numpy()
        if repeated.any():
            if r.action("duplicate_customers") == "error":
                raise r.error(repeated, "customer_id", "customer id repeated (one row per customer expected)",
                              fix="pass --clean duplicate_customers=keep_first to keep the first row of each")
            r.drop(r.df["customer_id"].duplicated(keep="first").to_numpy(), "duplicate_customers",
                   "repeated customer_id: kept the first row of each")
    labels = r.df["treatment"].astype(object).where(r.df["treatment"].notna(), None)
    lowered = labels.map(lambda x: None if x is None else v.normalise_word(str(x)))
    treated = lowered.isin(v.TREATED_WORDS | v.YES_WORDS).to_numpy()
    control = lowered.isin(v.CONTROL_WORDS | v.NO_WORDS).to_numpy()
    bad = ~(treated | control) & labels.notna().to_numpy()
    if bad.any():
        raise r.error(bad, "treatment", "not 0/1 (or treatment/control)",
                      hint="Treatment must say who got the coupon: 1 (or treatment) for sent, 0 (or control) for held out.")
    r.drop_blanks(["treatment"])
    r.df["treatment"] = r.df["treatment"].map(lambda x: v.normalise_word(str(x))).isin(
        v.TREATED_WORDS | v.YES_WORDS).astype("int64").to_numpy()
    blank = r.df["converted"].isna().to_numpy()
    if "revenue" in r.df.columns:
        blank |= r.df["revenue"].isna().to_numpy()
    if blank.any():
        r.apply(blank, "blank_converted", "converted", "blank outcome",
                "customers whose outcome (converted or revenue) is blank")
    outcome = r.df["converted"].map(lambda x: v.normalise_word(str(x)))
    yes, no = outcome.isin(v.YES_WORDS), outcome.isin(v.NO_WORDS)
    if (~(yes | no)).any():
        raise r.error((~(yes | no)).to_numpy(), "converted", "not 0/1 (or true/false)")
    r.df["converted"] = yes.astype("int64").to_numpy()
    if "coupon_cost" in r.df.columns:
        r.df["coupon_cost"] = r.df["coupon_cost"].fillna(0.0)
    for col in ("revenue", "coupon_cost"):
        if col in r.df.columns:
            negative = (r.df[col] < 0).to_numpy()
            if negative.any():
                raise r.error(negative, col, "negative amount")
            r.df[col] = r.df[col].astype("float64")
    for col in [c for c in r.df.columns if c not in RESERVED_COLUMNS and not c.startswith("__ecomkit")]:
        r.df[col] = type_feature(r.df[col])
    for value, name, other in ((1, "treated (1)", "control (0)"), (0, "control (0)", "treated (1)")):
        if (r.df["treatment"] == value).all():
            raise DataError(f"column 'treatment': all {len(r.df):,} rows are {name} — an uplift analysis needs both a "
                            f"treated and a control group, and this file has no {other} customers",
                            column="treatment", count=len(r.df))
    if r.df["converted"].sum() == 0:
        raise DataError(f"column 'converted': no customer converted (all {len(r.df):,} rows are 0) — there is no "
                        "outcome to compare", column="converted", count=len(r.df))


_LEGACY_CAMPAIGN = (
    LegacyOption("missing_outcomes", {a: {"blank_converted": a} for a in ("error", "drop")}),
    LegacyOption("duplicate_customers", {a: {"duplicate_customers": a} for a in ("error", "keep_first")}),
)


CAMPAIGN = TableSpec(
    name="campaign", label="campaign",
    columns=(Column("customer_id", "id", meaning="the customer (optional, unique)"),
             Column("treatment", "text", required=True, meaning="who got the coupon: 1/treatment or 0/control"),
             Column("converted", "text", required=True, meaning="bought in the campaign window: 1/0, yes/no"),
             Column("revenue", "money", meaning="revenue in the campaign window", unit="currency"),
             Column("coupon_cost", "money", meaning="cost of the redeemed coupon", unit="currency")),
    rules=(Rule("duplicate_customers", "error", ("error", "keep_first"), "a customer_id on several rows"),),
    key=("customer_id",), clean=clean_campaign, legacy=_LEGACY_CAMPAIGN,
    aliases={"treatment": ["group", "grp", "variant", "arm", "treated", "is_treated", "treat", "got_coupon",
                           "coupon_sent", "sent", "实验组", "分组", "是否发券", "segment"],
             "converted": ["bought", "purchased", "purchase", "conversion", "converted_14d", "buy", "ordered",
                           "response", "是否购买", "是否转化", "转化"]})
