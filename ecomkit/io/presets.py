"""Column presets: the headers of common platforms' order exports and the ecomkit columns they become.

A :class:`Preset` maps *their* header to *our* column name, each ecomkit column from at most one
header. :func:`apply_preset` keeps only the headers a file actually has (matched after
:func:`~ecomkit.io.vocab.normalise_word`, so case, stray spaces and full-width brackets do not
matter), which is how ``--preset`` works before ``--map``. :func:`describe_presets` renders the
table used in the docs.
"""

from __future__ import annotations

from dataclasses import dataclass

from .vocab import normalise_word

__all__ = ["Preset", "PRESETS", "ALIASES", "REQUIRED", "apply_preset", "describe_presets"]

#: ecomkit columns a table cannot do without (docs/ingestion.md); the rest of a preset is optional
REQUIRED = {"orders": ("order_ts", "net_amount")}


@dataclass(frozen=True, kw_only=True)
class Preset:
    """One platform export: which of its headers become which ecomkit columns, and what to watch for."""

    name: str
    platform: str
    table: str = "orders"
    description: str
    columns: dict[str, str]
    notes: tuple[str, ...] = ()

    @property
    def needed(self) -> tuple[str, ...]:
        """Their headers that become the table's required columns; every other header is optional."""
        required = REQUIRED.get(self.table, ())
        return tuple(h for h, ours in self.columns.items() if ours in required)

    def __post_init__(self):
        targets = list(self.columns.values())
        doubled = sorted({t for t in targets if targets.count(t) > 1})
        if doubled:
            raise ValueError(f"preset {self.name!r} maps several headers to {', '.join(doubled)}")


_PRESETS = [
    Preset(
        name="taobao",
        platform="Taobao / Tmall",
        description="Seller centre (千牛) order report 订单报表: one row per order.",
        columns={
            "订单编号": "order_id",
            "买家会员名": "customer_id",
            "订单创建时间": "order_ts",
            "订单付款时间": "paid_ts",
            "买家实际支付金额": "net_amount",
            "总金额": "gross_amount",
            "买家应付邮费": "shipping_fee",
            "退款金额": "refund_amount",
            "订单状态": "status",
            "收货地址": "province",
            "宝贝总数量": "items",
        },
        notes=(
            "买家实际支付金额 is what the buyer paid (0 for unpaid or closed trades); 总金额 is the "
            "order total as listed, goods and postage (买家应付货款 + 买家应付邮费).",
            "收货地址 is the full address; the reader takes the province from its start.",
            "宝贝种类 counts the distinct items of an order (not a category) and 宝贝标题 holds product "
            "titles: neither is mapped. 买家应付货款 (goods before postage) is not mapped either.",
            "Recent exports may mask 买家会员名; masked names merge different buyers, so check them "
            "before the customer-level chapters.",
            "No currency column: amounts are CNY. The item report (宝贝报表) is a different file.",
        ),
    ),
    Preset(
        name="jd",
        platform="JD (京东)",
        description="Merchant back office (商家后台) order export: one row per item of an order.",
        columns={
            "订单号": "order_id",
            "下单帐号": "customer_id",
            "下单时间": "order_ts",
            "付款确认时间": "paid_ts",
            "应付金额": "net_amount",
            "订单金额": "gross_amount",
            "运费金额": "shipping_fee",
            "订单状态": "status",
            "客户地址": "province",
            "订购数量": "items",
            "京东价": "unit_price",
        },
        notes=(
            "The export repeats the order's amounts (订单金额, 应付金额, 运费金额) on each item row; run "
            "with --clean order_lines=keep_first so they are not added up (items then counts the first "
            "row's 订购数量 only).",
            "Deleted orders carry a (删除) prefix on the status, e.g. (删除)等待出库; those words are not in "
            "the status tables, so map them with --status-map or filter them out first.",
            "Some exports spell the account column 下单账号: add --map 下单账号=customer_id. "
            "付款确认时间 is blank for unpaid orders; 订单来源 / 订单渠道 can become channel with "
            "--map 订单来源=channel.",
            "结算金额 (settlement after platform charges) and 余额支付 are not mapped. Amounts are CNY.",
        ),
    ),
    Preset(
        name="pinduoduo",
        platform="Pinduoduo (拼多多)",
        description="Merchant back office (商家后台) order export: one row per order.",
        columns={
            "订单号": "order_id",
            "订单成交时间": "order_ts",
            "用户实付金额(元)": "net_amount",
            "商品总价(元)": "gross_amount",
            "店铺优惠折扣(元)": "discount_amount",
            "邮费(元)": "shipping_fee",
            "订单状态": "status",
            "省": "province",
            "商品数量(件)": "items",
        },
        notes=(
            "No buyer id in the export: customer-level chapters need a customer_id from elsewhere.",
            "用户实付金额(元) is what the buyer paid; 商家实收金额(元) adds the platform's subsidy "
            "(平台优惠折扣(元)) — use --map 商家实收金额(元)=net_amount for the shop's takings instead.",
            "售后状态 is a second status column (after-sales); its words are in the tables if you map it "
            "to status instead of 订单状态. Amounts are CNY.",
        ),
    ),
    Preset(
        name="douyin",
        platform="Douyin Shop (抖店)",
        description="Douyin Shop order export: one row per sub-order (子订单), i.e. per item.",
        columns={
            "主订单编号": "order_id",
            "订单提交时间": "order_ts",
            "支付完成时间": "paid_ts",
            "订单应付金额": "net_amount",
            "优惠总金额": "discount_amount",
            "运费": "shipping_fee",
            "订单状态": "status",
            "省": "province",
            "商品数量": "items",
            "商品金额": "unit_price",
            "流量来源": "channel",
        },
        notes=(
            "Rows are sub-orders; 主订单编号 joins them into one order (order_lines=merge adds up the "
            "amounts). If your export repeats the main order's freight on each row, use "
            "--clean order_lines=keep_first.",
            "No buyer id in the export: customer-level chapters need a customer_id from elsewhere.",
            "商品金额 is the unit price; 售后状态 and 取消原因 are not mapped. Amounts are CNY.",
        ),
    ),
    Preset(
        name="shopify",
        platform="Shopify",
        description="Admin → Orders → Export (orders CSV): one row per line item.",
        columns={
            "Name": "order_id",
            "Email": "customer_id",
            "Created at": "order_ts",
            "Paid at": "paid_ts",
            "Cancelled at": "cancelled_ts",
            "Total": "net_amount",
            "Subtotal": "gross_amount",
            "Discount Amount": "discount_amount",
            "Shipping": "shipping_fee",
            "Refunded Amount": "refund_amount",
            "Financial Status": "status",
            "Currency": "currency",
            "Shipping Province": "province",
            "Lineitem quantity": "items",
            "Lineitem price": "unit_price",
            "Source": "channel",
        },
        notes=(
            "Order-level fields (Total, Subtotal, Financial Status, Paid at ...) are filled on an order's "
            "first row only; later line-item rows leave them blank, so the default order_lines=merge "
            "counts them once.",
            "Total includes shipping and taxes; Subtotal is after discounts, before shipping and taxes. "
            "Taxes is not mapped.",
            "Name (#1001) is the order number on every row; Id is Shopify's internal id. Email is the "
            "customer key (blank for some POS orders).",
            "Fulfillment Status is not mapped (status comes from Financial Status); its words are in the "
            "tables if you prefer it. Billing Province is the other province choice.",
            "Created at carries a UTC offset (-0500): the shop's wall-clock time is kept unless "
            "--timezone asks to convert.",
        ),
    ),
    Preset(
        name="woocommerce",
        platform="WooCommerce",
        description="WooCommerce Analytics → Orders → Download (the built-in orders report CSV).",
        columns={
            "Order #": "order_id",
            "Date": "order_ts",
            "Customer": "customer_id",
            "Net Sales": "net_amount",
            "Status": "status",
            "Items sold": "items",
        },
        notes=(
            "Customer is the customer's name, not an id: two customers with one name merge.",
            "Net Sales excludes shipping and taxes (and refunds). Coupon(s) lists coupon codes, not "
            "amounts, and is not mapped; Product(s) and Customer type are not mapped.",
            "Order-export plugins use other headers (Order Number, Order Total Amount ...): use --map "
            "for those. The report has no currency column: set -p CURRENCY.",
        ),
    ),
]

#: preset name -> Preset
PRESETS: dict[str, Preset] = {p.name: p for p in _PRESETS}
#: other names people type for a preset
ALIASES: dict[str, str] = {"tmall": "taobao", "pdd": "pinduoduo", "doudian": "douyin", "woo": "woocommerce"}


def apply_preset(columns_present: list[str], name: str) -> dict[str, str]:
    """The rename dict {header in the file: ecomkit column} for preset ``name``, present headers only.

    Headers match exactly or after :func:`~ecomkit.io.vocab.normalise_word` (an exact match wins).
    A preset header whose target is already a column of the file (not itself renamed away) is
    skipped, so a rename never makes two columns with one name. ``name`` is case-insensitive and may
    be an alias (``tmall``, ``pdd``, ``doudian``, ``woo``); an unknown one is a ValueError listing the
    known presets.
    """
    key = str(name).strip().lower()
    key = ALIASES.get(key, key)
    if key not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; known presets: {', '.join(sorted(PRESETS))}")
    present = [str(c) for c in columns_present]
    by_key: dict[str, str] = {}
    for header in present:
        by_key.setdefault(normalise_word(header), header)
    rename: dict[str, str] = {}
    for theirs, ours in PRESETS[key].columns.items():
        header = theirs if theirs in present else by_key.get(normalise_word(theirs))
        if header is not None and header not in rename:
            rename[header] = ours
    kept = set(present) - set(rename)
    return {h: ours for h, ours in rename.items() if ours not in kept or h == ours}


def describe_presets() -> str:
    """A Markdown table of every preset: name, platform, their headers -> ecomkit columns, notes."""
    lines = ["| preset | platform | headers → ecomkit columns | notes |", "|---|---|---|---|"]
    for p in PRESETS.values():
        mapping = "<br>".join(f"`{theirs}` → `{ours}`" for theirs, ours in p.columns.items())
        needed = "Needed: " + ", ".join(p.needed) + "; the other headers are optional."
        notes = "<br>".join(n.replace("|", "\\|") for n in (needed, *p.notes))
        lines.append(f"| `{p.name}` | {p.platform} | {mapping} | {notes} |")
    return "\n".join(lines) + "\n"
