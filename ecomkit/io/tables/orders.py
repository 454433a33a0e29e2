"""The orders table (one row per order, or per order line) and the shop's side tables.

Orders rules, in order (docs/ingestion.md has the table with defaults): order lines merged,
blank required cells, unpaid, cancelled, returned, in progress, negative amounts (refunds),
zero amounts. ``customers`` and ``funnel_daily`` are read with the common rules only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecomkit.io.errors import SOURCE_ROW
from ecomkit.io.parse import parse_ids
from ecomkit.io.spec import Column, LegacyOption, Rule, TableSpec

__all__ = ["ORDERS", "CUSTOMERS", "FUNNEL_DAILY", "ORDER_STATUSES"]

ORDER_STATUSES = ("completed", "returned", "cancelled", "unpaid", "in_progress")
_AMOUNTS = ("net_amount", "gross_amount", "discount_amount", "shipping_fee", "refund_amount")

#: column names often found in exports, used only to suggest a --map in error messages
ORDER_ALIASES = {
    "order_id": ["订单号", "订单编号", "订单id", "订单ID", "order id", "orderid", "order_no", "order number",
                 "invoiceno", "invoice", "name"],
    "customer_id": ["买家id", "买家ID", "客户id", "客户ID", "用户id", "用户ID", "会员id", "买家会员名", "买家昵称",
                    "user_id", "buyer_id", "customer", "member_id", "customerid", "customer_unique_id", "email"],
    "order_ts": ["下单时间", "订单创建时间", "创建时间", "order_time", "order_date", "created_at", "created at",
                 "order_datetime", "timestamp", "invoicedate", "date", "order_purchase_timestamp"],
    "net_amount": ["实付金额", "买家实际支付金额", "实收金额", "支付金额", "实付款", "paid_amount", "amount", "payment",
                   "revenue", "net", "total", "sales", "payment_value"],
    "status": ["订单状态", "order_status", "state", "financial status"],
    "province": ["省份", "收货省份", "收货地址", "state", "region"],
}

ORDER_COLUMNS = (
    Column("order_id", "id", meaning="the order's id; without it every row is one order"),
    Column("customer_id", "id", meaning="the buyer's id; customer-level sections need it"),
    Column("order_ts", "timestamp", required=True, meaning="when the order was placed (local time)"),
    Column("channel", "text", meaning="traffic source or sales channel"),
    Column("province", "region", meaning="delivery province (China) or region"),
    Column("category", "text", meaning="product category"),
    Column("items", "count", meaning="units in the order (summed over order lines)", unit="units"),
    Column("unit_price", "money", meaning="price per unit of an order line; net_amount = items x unit_price when "
                                          "the file has no net amount", unit="currency"),
    Column("gross_amount", "money", meaning="goods value before discounts", unit="currency"),
    Column("discount_amount", "money", meaning="discounts on the order", unit="currency"),
    Column("net_amount", "money", required=True, meaning="what the buyer paid for goods after discounts",
           unit="currency"),
    Column("shipping_fee", "money", meaning="shipping charged to the buyer", unit="currency"),
    Column("status", "status", meaning="order status word, mapped to completed/returned/cancelled/unpaid/in_progress"),
    Column("paid_ts", "timestamp", meaning="when the order was paid; blank means unpaid"),
    Column("cancelled_ts", "timestamp", meaning="when the order was cancelled; filled means cancelled"),
    Column("refund_amount", "money", meaning="amount refunded on the order", unit="currency"),
    Column("currency", "text", meaning="ISO currency code of the amounts"),
)

ORDER_RULES = (
    Rule("order_lines", "merge", ("merge", "keep_first", "error"),
         "several rows with one order_id: merged into one order (amounts and items summed)"),
    Rule("unpaid", "drop", ("drop", "keep"), "orders never paid"),
    Rule("cancelled", "drop", ("drop", "keep"), "cancelled or closed orders"),
    Rule("returned", "keep", ("keep", "drop"), "returned or fully refunded orders (they were purchases)"),
    Rule("in_progress", "keep", ("keep", "drop"), "paid orders not yet completed (shipped, awaiting receipt)"),
    Rule("negative_amounts", "drop", ("drop", "keep", "error"), "net_amount below 0: refunds and credit notes"),
    Rule("zero_amounts", "keep", ("keep", "drop", "error"), "net_amount of 0: free items, full vouchers"),
)


def _repeated_value_columns(df: pd.DataFrame, repeated: np.ndarray, columns: list[str]) -> list[str]:
    """Amount columns whose value is the same on every line of every multi-line order: an
    order-level figure repeated per line (taken once), not a line figure (summed)."""
    sub = df.loc[repeated, ["order_id", *columns]]
    out = []
    for col in columns:
        per_order = sub.groupby("order_id", sort=False)[col].nunique(dropna=True)
        lines = sub.groupby("order_id", sort=False)[col].count()
        multi = lines[lines > 1]
        if len(multi) >= 3 and (per_order[multi.index] == 1).all():
            out.append(col)
    return out


def _merge_lines(r, derived_net: bool) -> None:
    df = r.df
    repeated = df["order_id"].duplicated(keep=False).to_numpy()
    if not repeated.any():
        return
    action = r.action("order_lines")
    if action == "error":
        raise r.error(repeated, "order_id", "repeated on several rows (one row per order line?)",
                      fix="pass --clean order_lines=merge to merge each order's lines into one order")
    extra = df["order_id"].duplicated(keep="first").to_numpy()
    n_orders = int(df.loc[repeated, "order_id"].nunique())
    if action == "keep_first":
        r.drop(extra, "order_lines", "repeated order_id: kept the first row", guard=False)
        return
    amounts = [c for c in (*_AMOUNTS, "items") if c in df.columns]
    once = [] if derived_net else _repeated_value_columns(df, repeated, [c for c in amounts if c != "items"])
    group = df.loc[repeated].groupby("order_id", sort=False)
    merged = group.first()
    for col in amounts:
        if col not in once:
            merged[col] = group[col].sum(min_count=1)
    merged = merged.reset_index()
    firsts = df.loc[repeated & ~extra, ["order_id", SOURCE_ROW]]
    merged[SOURCE_ROW] = firsts.set_index("order_id")[SOURCE_ROW].reindex(merged["order_id"]).to_numpy()
    r.ledger.drop("order_lines", f"order lines merged into {n_orders:,} orders", extra)
    kept = df.loc[~repeated]
    r.df = pd.concat([kept, merged[df.columns]], ignore_index=True).sort_values(SOURCE_ROW, kind="mergesort") \
        .reset_index(drop=True)
    summed = [c for c in amounts if c not in once]
    r.ledger.note(f"{n_orders:,} orders spread over several rows were merged: "
                  + (f"{', '.join(summed)} summed over their lines" if summed else "")
                  + (f"; {', '.join(once)} repeated on every line, taken once" if once else ""))


def _derive_net_amount(r) -> bool:
    if "net_amount" in r.df.columns:
        return False
    if not ("unit_price" in r.df.columns and "items" in r.df.columns):
        return False
    r.df["net_amount"] = r.df["items"] * r.df["unit_price"]
    r.ledger.note("no net_amount column: net_amount = items x unit_price on each row")
    return True


def _status(r) -> None:
    df = r.df
    if "status" in df.columns:
        status = df["status"].astype(object)
        explicit = status.notna().to_numpy()
        blank = int((~explicit).sum())
        status = status.fillna("completed")
        if blank:
            r.ledger.note(f"{blank:,} blank status cells read as completed")
    else:
        explicit = np.zeros(len(df), dtype=bool)
        status = pd.Series("completed", index=df.index, dtype=object)
        if not any(c in df.columns for c in ("paid_ts", "cancelled_ts", "refund_amount")):
            r.ledger.note("no status column: every order counted as completed")
    if "paid_ts" in df.columns:
        # never paid: unpaid, whether the status says pending or closed; a status saying the goods
        # were bought (completed, returned, in progress) wins over a blank payment time (cash on delivery)
        bought = explicit & status.isin(["completed", "returned", "in_progress"]).to_numpy()
        status = status.mask(df["paid_ts"].isna().to_numpy() & ~bought, "unpaid")
    elif "gross_amount" in df.columns:
        covered = df["discount_amount"].fillna(0) >= df["gross_amount"] if "discount_amount" in df.columns else False
        unpaid = (df["net_amount"] == 0) & (df["gross_amount"] > 0) & ~covered & ~explicit
        if "refund_amount" in df.columns:
            unpaid &= df["refund_amount"].fillna(0) <= 0
        status = status.mask(unpaid, "unpaid")
    if "cancelled_ts" in df.columns:
        status = status.mask(df["cancelled_ts"].notna() & (status != "unpaid"), "cancelled")  # rules in order
    if "refund_amount" in df.columns:
        refund = df["refund_amount"].fillna(0)
        full = (refund > 0) & (refund >= df["net_amount"]) & (df["net_amount"] > 0) & \
            status.isin(["completed", "in_progress"])
        status = status.mask(full, "returned")
        partial = (refund > 0) & (refund < df["net_amount"]) & status.isin(["completed", "in_progress"])
        r.flag(partial, "partial_refunds", "orders partly refunded (kept at their paid amount)")
    r.df["status"] = status.to_numpy()
    for rule, word in (("unpaid", "unpaid"), ("cancelled", "cancelled"), ("returned", "returned"),
                       ("in_progress", "in_progress")):
        mask = (r.df["status"] == word).to_numpy()
        if not mask.any():
            continue
        if r.action(rule) == "drop":
            r.drop(mask, rule, f"{word.replace('_', ' ')} orders")
        else:
            r.flag(mask, rule, f"{word.replace('_', ' ')} orders")


def _amounts(r) -> None:
    net = r.df["net_amount"]
    negative = (net < 0).to_numpy()
    if negative.any():
        act = r.action("negative_amounts")
        if act == "error":
            raise r.error(negative, "net_amount", "negative (a refund or credit note)",
                          fix="pass --clean negative_amounts=drop to count them as refunds")
        total = float(-net[negative].sum())
        if act == "drop":
            r.drop(negative, "negative_amounts", "negative amounts: refunds and credit notes, not sales")
            r.ledger.note(f"refunds and credit notes removed from sales: {int(negative.sum()):,} rows, {total:,.2f} in all")
        else:
            r.flag(negative, "negative_amounts", "negative amounts kept (refunds)")
    zero = (r.df["net_amount"] == 0).to_numpy()
    if zero.any():
        act = r.action("zero_amounts")
        if act == "error":
            raise r.error(zero, "net_amount", "zero", fix="pass --clean zero_amounts=keep (free orders are purchases)")
        if act == "drop":
            r.drop(zero, "zero_amounts", "orders worth 0")
        else:
            r.flag(zero, "zero_amounts", "orders worth 0 (free items, full vouchers), kept as purchases")


def clean_orders(r) -> None:
    derived = _derive_net_amount(r)
    if "order_id" in r.df.columns:
        r.drop_blanks(["order_id"])
        _merge_lines(r, derived)
    else:
        r.df["order_id"] = r.df[SOURCE_ROW].to_numpy()
        r.ledger.note("no order_id column: every row is one order, numbered by its row in the file")
    required = ["order_ts", "net_amount"] + (["customer_id"] if "customer_id" in r.df.columns else [])
    r.drop_blanks(list(dict.fromkeys(required + list(r.required))))
    _status(r)
    _amounts(r)
    for col in ("order_id", "customer_id"):
        if col in r.df.columns:
            r.df[col] = parse_ids(r.df[col])
    if "items" in r.df.columns and r.df["items"].notna().all():
        r.df["items"] = r.df["items"].astype("int64")


_LEGACY_ORDERS = (
    LegacyOption("nonpositive_amounts", {a: {"negative_amounts": a, "zero_amounts": a} for a in ("error", "drop", "keep")}),
    LegacyOption("null_customer_ids", {a: {"blank_customer_id": a} for a in ("error", "drop")}),
    LegacyOption("unparseable_dates", {a: {"unreadable_order_ts": a, "blank_order_ts": a} for a in ("error", "drop")}),
    LegacyOption("duplicate_order_ids", {"drop_exact": {"order_lines": "error"}, "keep_first": {"order_lines": "keep_first"},
                                         "error": {"order_lines": "error", "duplicate_rows": "error"},
                                         "merge": {"order_lines": "merge"}}),
    LegacyOption("drop_cancelled", {True: {"cancelled": "drop"}, False: {"cancelled": "keep"}}),
    LegacyOption("drop_returned", {True: {"returned": "drop"}, False: {"returned": "keep"}}),
)


ORDERS = TableSpec(
    name="orders", label="orders", columns=ORDER_COLUMNS, rules=ORDER_RULES, key=("order_id",),
    time_column="order_ts", sort_by=("order_ts",), clean=clean_orders,
    derivable={"net_amount": ("unit_price", "items")}, aliases=ORDER_ALIASES, legacy=_LEGACY_ORDERS)


def _unique(r, columns: list[str], what: str) -> None:
    dup = r.df.duplicated(columns, keep=False).to_numpy()
    if dup.any():
        values = r.df[columns].astype(str).agg(" ".join, axis=1)
        raise r.error(dup, columns[0], f"{what} repeated", values=values)


def clean_customers(r) -> None:
    r.drop_blanks()
    r.df["customer_id"] = parse_ids(r.df["customer_id"])
    _unique(r, ["customer_id"], "customer id")


CUSTOMERS = TableSpec(
    name="customers", label="customers table",
    columns=(Column("customer_id", "id", required=True, meaning="the customer's id, as in the orders"),
             Column("first_order_ts", "timestamp", meaning="when the customer first ordered"),
             Column("province", "region", meaning="the customer's province or region"),
             Column("city_tier", "count", meaning="city tier 1 (largest) to 5", minimum=1, maximum=5),
             Column("acquisition_channel", "text", meaning="channel of the first order"),
             Column("age_band", "text", meaning="age band"),
             Column("member", "flag", meaning="member of the shop's loyalty programme")),
    clean=clean_customers)


def clean_funnel(r) -> None:
    r.drop_blanks()
    for col in ("visitors", "product_views", "add_to_cart", "orders"):
        r.df[col] = r.df[col].astype("int64")
    _unique(r, ["date", "channel"], "(date, channel)")


FUNNEL_DAILY = TableSpec(
    name="funnel_daily", label="funnel_daily table",
    columns=(Column("date", "date", required=True, meaning="calendar day"),
             Column("channel", "text", required=True, meaning="traffic channel"),
             Column("visitors", "count", required=True, meaning="unique visitors (UV)", minimum=0),
             Column("product_views", "count", required=True, meaning="visitors who viewed a product", minimum=0),
             Column("add_to_cart", "count", required=True, meaning="visitors who added to cart", minimum=0),
             Column("orders", "count", required=True, meaning="orders placed", minimum=0)),
    sort_by=("date", "channel"), time_column="date", clean=clean_funnel)
