"""A coupon (or any A/B) experiment: one row per customer, its group (the control or one of several
arms, any labels), its outcome, pre-period features."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecomkit.io.errors import DataError
from ecomkit.io.parse import as_text, parse_ids
from ecomkit.io.spec import Column, LegacyOption, Rule, TableSpec

__all__ = ["CAMPAIGN", "RESERVED_COLUMNS", "REVENUE_NAMES", "type_feature", "arm_label", "resolve_arms"]

#: columns with a fixed meaning; every other column of a campaign table is a candidate pre-period feature
RESERVED_COLUMNS = ("customer_id", "arm", "treatment", "converted", "revenue", "coupon_cost")
#: names a revenue column goes by; one of them is taken as ``revenue`` when REVENUE_COL is not given
REVENUE_NAMES = ("spend", "sales", "gmv", "revenue_14d", "spend_14d", "order_value", "销售额", "消费金额",
                 "成交金额", "实付金额")


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


def arm_label(value) -> str:
    """A group label as text: whole numbers without decimals (``1.0`` -> ``"1"``), text stripped."""
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (int, float, np.integer, np.floating)) and float(value).is_integer():
        return str(int(value))
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() and abs(number) < 2**62 else text


def _counts(labels: pd.Series) -> str:
    counts = labels.value_counts(sort=False)
    return ", ".join(f"{label!r} ({n:,} rows)" for label, n in sorted(counts.items()))


def resolve_arms(labels: pd.Series, control_value=None) -> tuple[str, list[str]]:
    """``(control, arms)`` from the group labels of a campaign.

    ``control_value`` names the control group (compared as text, case and spacing ignored; ``0``
    matches ``0.0``); by default the one label that means "no treatment" (``control``, ``No E-Mail``,
    ``0``, ``no``, ``对照组`` ...). Every other label is an arm, in sorted order. A control that cannot
    be found, or a campaign with no arm, raises :class:`~ecomkit.io.DataError` listing the values.

    >>> resolve_arms(pd.Series(["No E-Mail", "Mens E-Mail", "Womens E-Mail"]))
    ('No E-Mail', ['Mens E-Mail', 'Womens E-Mail'])
    """
    v = _words()
    labels = labels.map(arm_label)
    values = sorted(pd.unique(labels))
    n = len(labels)
    if control_value is not None and str(control_value).strip() != "":
        wanted = v.normalise_word(arm_label(control_value))
        hits = [x for x in values if v.normalise_word(x) == wanted]
        if not hits:
            raise DataError(f"column 'treatment': CONTROL_VALUE {str(control_value)!r} is not one of its values: "
                            f"{_counts(labels)}; set -p CONTROL_VALUE to one of them", column="treatment", count=n)
        control = hits[0]
    else:
        hits = [x for x in values if v.normalise_word(x) in (v.CONTROL_WORDS | v.NO_WORDS)]
        if len(values) == 1 and not hits:
            raise DataError(f"column 'treatment': all {n:,} rows are treated ({values[0]}) — an uplift analysis needs "
                            "both a treated and a control group, and this file has no control (0) customers",
                            column="treatment", count=n)
        if len(hits) != 1:
            which = "no value reads" if not hits else f"{len(hits)} values read"
            raise DataError(f"column 'treatment': {which} as the control group (no treatment); values: "
                            f"{_counts(labels)}; name the control with -p CONTROL_VALUE <value>",
                            column="treatment", count=n)
        control = hits[0]
    arms = [x for x in values if x != control]
    if not arms:
        raise DataError(f"column 'treatment': all {n:,} rows are control ({control}) — an uplift analysis needs both "
                        "a treated and a control group, and this file has no treated (1) customers",
                        column="treatment", count=n)
    return control, arms


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
    r.drop_blanks(["treatment"])
    # the group labels stay as written (any number of arms); load_campaign names the control
    r.df["treatment"] = as_text(r.df["treatment"]).map(arm_label).to_numpy()
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
             Column("treatment", "text", required=True,
                    meaning="the customer's group: the control (0, control, No E-Mail, 对照组, or CONTROL_VALUE) or an arm (any other label)"),
             Column("converted", "text", required=True, meaning="bought in the campaign window: 1/0, yes/no"),
             Column("revenue", "money", meaning="revenue in the campaign window", unit="currency"),
             Column("coupon_cost", "money", meaning="cost of the redeemed coupon", unit="currency")),
    rules=(Rule("duplicate_customers", "error", ("error", "keep_first"), "a customer_id on several rows"),),
    key=("customer_id",), clean=clean_campaign, legacy=_LEGACY_CAMPAIGN,
    aliases={"treatment": ["group", "grp", "variant", "arm", "treated", "is_treated", "treat", "got_coupon",
                           "coupon_sent", "sent", "实验组", "分组", "是否发券", "segment"],
             "converted": ["bought", "purchased", "purchase", "conversion", "converted_14d", "buy", "ordered",
                           "response", "是否购买", "是否转化", "转化"]})
