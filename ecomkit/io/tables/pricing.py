"""The daily (or weekly) price panel and the 满减 basket table."""

from __future__ import annotations

from ecomkit.io.parse import parse_ids
from ecomkit.io.spec import Column, LegacyOption, Rule, TableSpec

__all__ = ["PRICE_PANEL", "BASKETS"]


def clean_panel(r) -> None:
    r.drop_blanks()
    r.df["sku"] = parse_ids(r.df["sku"])
    if (r.df["units"] < 0).any():
        raise r.error((r.df["units"] < 0).to_numpy(), "units", "negative (returns netted off?)",
                      fix="give units sold before returns")
    r.df["units"] = r.df["units"].astype("int64")
    if "category" in r.df.columns:
        blank = r.df["category"].isna().to_numpy()
        if blank.any():
            r.apply(blank, "blank_category", "category", "blank", "rows with a blank category")
        changing = r.df.groupby("sku")["category"].nunique()
        if (changing > 1).any():
            raise r.error(r.df["sku"].isin(changing.index[changing > 1]).to_numpy(), "category",
                          "differs between rows of one SKU")
    else:
        r.ledger.note("no category column: every SKU is treated as one category 'all'")
        r.df["category"] = "all"
    key = r.df.duplicated(["sku", "date"], keep=False).to_numpy()
    if key.any():
        raise r.error(key, "date", "(sku, date) repeated with different content",
                      values=r.df["sku"].astype(str) + " " + r.df["date"].dt.strftime("%Y-%m-%d"),
                      fix="sum the rows of one SKU and date first")
    nonpositive = (r.df["price"] <= 0).to_numpy()
    if nonpositive.any():
        r.apply(nonpositive, "nonpositive_prices", "price", "zero or negative", "rows with price <= 0")
    zero = (r.df["units"] == 0).to_numpy()
    if zero.any():
        if r.action("zero_units") == "drop":
            r.drop(zero, "zero_units", "rows with zero units (the log-log model needs units > 0; weekly totals "
                                       "are unchanged)", guard=False)
        else:
            r.ledger.note(f"{int(zero.sum()):,} zero-unit rows kept (--clean zero_units=keep)")
    for col in ("promo", "price_test"):
        if col in r.df.columns and r.df[col].isna().any():
            raise r.error(r.df[col].isna().to_numpy(), col, "blank")


_DUPLICATES = LegacyOption("duplicates", {"drop_exact": {"duplicate_rows": "drop"}, "error": {"duplicate_rows": "error"}})
_LEGACY_PANEL = (LegacyOption("zero_units", {a: {"zero_units": a} for a in ("drop", "keep")}),
                 LegacyOption("nonpositive_prices", {a: {"nonpositive_prices": a} for a in ("error", "drop")}),
                 _DUPLICATES)


PRICE_PANEL = TableSpec(
    name="price_panel", label="price panel",
    columns=(Column("sku", "id", required=True, meaning="the product (stock-keeping unit)"),
             Column("date", "date", required=True, meaning="the day (or the first day of the week) of the row"),
             Column("category", "text", meaning="product category; without it every SKU is in 'all'"),
             Column("price", "money", required=True, meaning="price paid per unit that day", unit="currency"),
             Column("list_price", "money", meaning="regular (list) price", unit="currency", positive=True),
             Column("unit_cost", "money", meaning="cost of one unit", unit="currency", positive=True),
             Column("units", "count", required=True, meaning="units sold (before returns)"),
             Column("promo", "flag", meaning="a promotion was running"),
             Column("price_test", "flag", meaning="the price was set by a randomised price test")),
    rules=(Rule("zero_units", "drop", ("drop", "keep"), "rows with no unit sold (the log-log model needs units > 0)"),
           Rule("nonpositive_prices", "error", ("error", "drop"), "rows with a price of 0 or less")),
    time_column="date", sort_by=("sku", "date"), clean=clean_panel, legacy=_LEGACY_PANEL,
    aliases={"sku": ["货号", "商品编码", "商品id", "product_id", "item_id"], "price": ["售价", "成交价", "unit_price"],
             "units": ["销量", "件数", "quantity", "qty"], "date": ["日期", "day"]})


def clean_baskets(r) -> None:
    r.drop_blanks()
    for col in ("gross_value", "threshold_discount", "net_paid", "cost_of_goods"):
        if col in r.df.columns and (r.df[col] < 0).any():
            raise r.error((r.df[col] < 0).to_numpy(), col, "negative")
    if "basket_id" in r.df.columns:
        r.df["basket_id"] = parse_ids(r.df["basket_id"])


BASKETS = TableSpec(
    name="baskets", label="baskets table",
    columns=(Column("basket_id", "id", meaning="the basket (order) id"),
             Column("date", "date", meaning="day of the basket"),
             Column("promo", "flag", meaning="the spend-X-get-Y-off offer was live"),
             Column("gross_value", "money", required=True, meaning="goods value before the threshold reduction"),
             Column("threshold_discount", "money", meaning="reduction granted by the offer"),
             Column("net_paid", "money", meaning="what the buyer paid"),
             Column("cost_of_goods", "money", meaning="cost of the goods in the basket")),
    clean=clean_baskets)
