"""Platform vocabulary: the words shop exports use for order statuses, flags, groups and totals.

Pure data and small pure functions, no I/O. Words are compared after :func:`normalise_word`
(case, full-width forms, ``_`` / ``-`` / spaces and a WooCommerce ``wc-`` prefix folded away), so
each table lists a word once, as the platform writes it.

* :data:`STATUS_VOCABULARIES` — per platform, status word -> one of :data:`STATUSES`;
  :data:`STATUS_NOTES` says why for the debatable ones; :data:`STATUS_WORDS` merges them (a word
  never has two meanings) and :func:`status_of` looks a word up.
* :data:`YES_WORDS` / :data:`NO_WORDS` (flags), :data:`TREATED_WORDS` / :data:`CONTROL_WORDS`
  (A/B groups), :data:`TOTALS_WORDS` (totals rows), :data:`DIRECTION_WORDS` (shipments) and
  :data:`CURRENCY_MARKS` (symbols and codes in amounts).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

__all__ = [
    "STATUSES", "STATUS_VOCABULARIES", "STATUS_NOTES", "STATUS_WORDS", "normalise_word", "status_of",
    "YES_WORDS", "NO_WORDS", "TREATED_WORDS", "CONTROL_WORDS", "TOTALS_WORDS", "DIRECTIONS",
    "DIRECTION_WORDS", "CURRENCY_MARKS",
]

STATUSES = ("completed", "returned", "cancelled", "unpaid", "in_progress")

# ------------------------------------------------------------------------------ normalising

_SEPARATORS = re.compile(r"(?<=\w)[\s_\-\u2010-\u2015\u2212]+(?=\w)")  # between word characters only
_SPACE_AROUND_PUNCT = re.compile(r"\s*([,:;()/、])\s*")


def normalise_word(text: object) -> str:
    """A word as the tables store it: lower case, half-width, one space between parts, no ``wc-``.

    Full-width forms become ASCII (``（）：，－`` -> ``():,-``); underscores, hyphens and dashes
    *between* letters or digits become one space ("partially_refunded", "Partially-Refunded" and
    "partially refunded" all read "partially refunded"), so a leading minus (``-1``) is kept;
    spaces around ``, : ; ( ) /`` are dropped; a leading WooCommerce ``wc-`` prefix is removed.
    """
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    s = _SEPARATORS.sub(" ", s)
    s = " ".join(s.split())
    s = _SPACE_AROUND_PUNCT.sub(r"\1", s)
    if s.startswith("wc ") and len(s) > 3:
        s = s[3:]
    return s


# ------------------------------------------------------------------------------ order statuses

_C, _R, _X, _U, _P = "completed", "returned", "cancelled", "unpaid", "in_progress"

#: per platform: status word as the platform's order export writes it -> ecomkit status
#: (why the debatable words read as they do is in _NOTES / STATUS_NOTES below)
STATUS_VOCABULARIES: dict[str, dict[str, str]] = {
    "Taobao / Tmall": {
        "等待买家付款": _U,
        "买家已付款，等待卖家发货": _P,
        "买家已付款": _P,
        "等待卖家发货": _P,
        "卖家部分发货": _P,
        "卖家已发货，等待买家确认": _P,
        "卖家已发货": _P,
        "等待买家确认收货": _P,
        "买家已签收": _C,
        "交易成功": _C,
        "交易关闭": _X,
        "交易关闭(退款)": _R,
        "退款成功": _R,
        # open-platform codes, found in ERP and API-based exports
        "WAIT_BUYER_PAY": _U,
        "TRADE_NO_CREATE_PAY": _U,
        "PAY_PENDING": _U,
        "WAIT_SELLER_SEND_GOODS": _P,
        "SELLER_CONSIGNED_PART": _P,
        "WAIT_BUYER_CONFIRM_GOODS": _P,
        "TRADE_BUYER_SIGNED": _C,
        "TRADE_FINISHED": _C,
        "TRADE_CLOSED": _X,
        "TRADE_CLOSED_BY_TAOBAO": _X,
    },
    "JD": {
        "等待付款": _U,
        "等待付款确认": _U,
        "等待出库": _P,
        "正在出库": _P,
        "等待发货": _P,
        "等待确认收货": _P,
        "暂停": _P,
        "完成": _C,
        "已完成": _C,
        "已取消": _X,
        "取消": _X,
        "锁定": _X,
        "已锁定": _X,
        "退款成功": _R,
        "配送退货": _R,
        # open-platform codes
        "WAIT_SELLER_STOCK_OUT": _P,
        "WAIT_SELLER_DELIVERY": _P,
        "WAIT_GOODS_RECEIVE_CONFIRM": _P,
        "POP_ORDER_PAUSE": _P,
        "FINISHED_L": _C,
        "TRADE_CANCELED": _X,
        "LOCKED": _X,
    },
    "Pinduoduo": {
        "待支付": _U,
        "待成团": _P,
        "待发货": _P,
        "已发货，待签收": _P,
        "已发货待签收": _P,
        "已签收": _C,
        "已取消": _X,
        "未发货，退款成功": _X,
        "已发货，退款成功": _R,
        "退款成功": _R,
        "退款中": _R,
        "售后中": _R,
        "售后处理中": _R,
    },
    "Douyin Shop": {
        "待支付": _U,
        "备货中": _P,
        "部分发货": _P,
        "已发货": _P,
        "已完成": _C,
        "已关闭": _X,
        "已取消": _X,
        "售后中": _R,
        "发货前退款完结": _X,
        "发货后退款完结": _R,
        "收货后退款完结": _R,
    },
    "Shopify": {
        # Financial Status
        "pending": _U,
        "authorized": _P,
        "partially_paid": _P,
        "paid": _C,
        "partially_refunded": _C,
        "refunded": _R,
        "voided": _X,
        "expired": _U,
        # Fulfillment Status
        "fulfilled": _C,
        "unfulfilled": _P,
        "partial": _P,
        "restocked": _R,
        # order status in the admin
        "open": _P,
        "archived": _C,
        "canceled": _X,
    },
    "WooCommerce": {
        "pending": _U,
        "pending payment": _U,
        "failed": _U,
        "on-hold": _U,
        "processing": _P,
        "completed": _C,
        "cancelled": _X,
        "refunded": _R,
        "draft": _U,
        "checkout-draft": _U,
    },
    "Olist-style": {
        "created": _U,
        "approved": _P,
        "invoiced": _P,
        "processing": _P,
        "shipped": _P,
        "delivered": _C,
        "canceled": _X,
        "unavailable": _X,
    },
    "common English": {
        "completed": _C,
        "complete": _C,
        "done": _C,
        "finished": _C,
        "success": _C,
        "delivered": _C,
        "received": _C,
        "fulfilled": _C,
        "paid": _C,
        "partially refunded": _C,
        "returned": _R,
        "refunded": _R,
        "fully refunded": _R,
        "cancelled": _X,
        "canceled": _X,
        "void": _X,
        "voided": _X,
        "closed": _X,
        "unpaid": _U,
        "not paid": _U,
        "pending": _U,
        "pending payment": _U,
        "payment pending": _U,
        "awaiting payment": _U,
        "failed": _U,
        "declined": _U,
        "abandoned": _U,
        "on hold": _U,
        "draft": _U,
        "in progress": _P,
        "processing": _P,
        "open": _P,
        "shipped": _P,
        "dispatched": _P,
        "in transit": _P,
        "out for delivery": _P,
        "awaiting shipment": _P,
        "awaiting fulfillment": _P,
        "ready to ship": _P,
        "unshipped": _P,
    },
    "common Chinese": {
        "已完成": _C,
        "交易成功": _C,
        "交易完成": _C,
        "订单完成": _C,
        "已收货": _C,
        "确认收货": _C,
        "已确认收货": _C,
        "已签收": _C,
        "部分退款": _C,
        "已退货": _R,
        "已退款": _R,
        "退款成功": _R,
        "退货退款": _R,
        "仅退款": _R,
        "退款中": _R,
        "售后中": _R,
        "已取消": _X,
        "订单取消": _X,
        "取消": _X,
        "已关闭": _X,
        "交易关闭": _X,
        "已作废": _X,
        "待付款": _U,
        "待支付": _U,
        "未付款": _U,
        "未支付": _U,
        "已付款": _P,
        "已支付": _P,
        "待发货": _P,
        "已发货": _P,
        "待收货": _P,
        "配送中": _P,
        "运输中": _P,
        "派送中": _P,
        "处理中": _P,
        "备货中": _P,
    },
}

_NOTES: list[tuple[tuple[str, ...], str]] = [
    (("交易关闭", "TRADE_CLOSED", "TRADE_CLOSED_BY_TAOBAO"),
     "Taobao closes a trade that was never paid, or was cancelled or fully refunded before shipping: "
     "not a sale."),
    (("交易关闭(退款)",), "closed after a paid order was refunded: the money went back."),
    (("退款成功",), "a finished refund; before shipping it is really a cancellation, but the word alone "
                  "does not say so."),
    (("买家已签收", "TRADE_BUYER_SIGNED"), "cash-on-delivery orders: the buyer signed for, and paid, the "
                                           "parcel."),
    (("锁定", "已锁定", "LOCKED"), "JD locks a paid order while the buyer's request to cancel it is "
                                 "decided; most end cancelled."),
    (("暂停", "POP_ORDER_PAUSE"), "JD pauses a paid order (stock or address check); it usually resumes."),
    (("配送退货",), "refused or sent back during delivery."),
    (("待成团",), "Pinduoduo group buy paid but not yet formed; if the group fails the money goes back."),
    (("未发货，退款成功", "发货前退款完结"), "refunded before shipping: a cancellation after payment."),
    (("退款中", "售后中", "售后处理中"), "a refund or return case is open; counted with returns (kept and "
                                  "flagged by default) so return rates include open cases."),
    (("pending",), "Shopify and WooCommerce: the payment has not arrived yet."),
    (("authorized",), "Shopify: the card is authorised and charged later; a purchase not yet settled."),
    (("partially_paid",), "Shopify: a deposit is paid and the rest is due; a purchase not yet settled."),
    (("paid",), "the final payment state in English exports (Shopify's Financial Status), fulfilment being "
                "tracked elsewhere; Chinese 已付款 is a step before shipping and reads in_progress."),
    (("partially_refunded", "部分退款"), "part of the money went back; most of the sale stands."),
    (("expired",), "Shopify: the payment authorisation lapsed without being captured."),
    (("restocked",), "Shopify fulfilment: items back in stock after a return or cancellation; kept and "
                     "flagged rather than dropped."),
    (("open",), "a live order (Shopify's admin status): not yet closed or archived."),
    (("archived",), "Shopify archives orders that are paid and fulfilled."),
    (("on-hold",), "WooCommerce: awaiting confirmation of the payment, e.g. a bank transfer."),
    (("failed", "declined"), "the payment failed or was declined: nothing was paid."),
    (("draft", "checkout-draft"), "WooCommerce: an order or checkout that was never placed."),
    (("created",), "Olist: placed, payment not yet approved."),
    (("invoiced",), "Olist: paid and invoiced, not yet shipped."),
    (("unavailable",), "Olist: the items could not be supplied, so the order was cancelled."),
    (("closed",), "ambiguous across systems (Shopify: archived; Magento: refunded; a translation of "
                  "交易关闭: did not go through). Read as cancelled so a closed order is never counted as "
                  "revenue by mistake; use --status-map closed=completed when your shop means done."),
]
#: why a debatable word means what it does, keyed by the normalised word (shown in the docs)
STATUS_NOTES: dict[str, str] = {normalise_word(w): note for words, note in _NOTES for w in words}


def _merge(tables: dict[str, dict[str, str]]) -> dict[str, str]:
    """One dict normalised word -> status; a word with two meanings is a ValueError."""
    merged: dict[str, str] = {}
    source: dict[str, str] = {}
    for platform, table in tables.items():
        for word, status in table.items():
            if status not in STATUSES:
                raise ValueError(f"{platform}: {word!r} maps to {status!r}, not one of {STATUSES}")
            key = normalise_word(word)
            if key in merged and merged[key] != status:
                raise ValueError(f"status word {word!r} means {merged[key]} in {source[key]} "
                                 f"but {status} in {platform}")
            merged.setdefault(key, status)
            source.setdefault(key, platform)
    return merged


#: normalised status word -> one of STATUSES, merged from every platform table
STATUS_WORDS: dict[str, str] = _merge(STATUS_VOCABULARIES)


def status_of(word: object) -> str | None:
    """The ecomkit status a platform's status word means, or None when the word is unknown or blank."""
    if word is None or (isinstance(word, float) and word != word):
        return None
    return STATUS_WORDS.get(normalise_word(word))


# ------------------------------------------------------------------------------ flags and groups

def _words(raw: Iterable[str]) -> frozenset[str]:
    """Each word normalised and also just lower-cased, so plain ``str.lower()`` readers match too."""
    raw = list(raw)
    return frozenset({normalise_word(w) for w in raw} | {w.strip().lower() for w in raw})


#: values of a yes/no column that mean yes
YES_WORDS = _words(["1", "1.0", "1.00", "true", "t", "yes", "y", "是", "有", "对", "会员", "√", "✓"])
#: values of a yes/no column that mean no
NO_WORDS = _words(["0", "0.0", "0.00", "false", "f", "no", "n", "否", "无", "没有", "不是", "非会员", "×"])

#: A/B group labels of the treated group (1/0 and yes/no are in YES_WORDS / NO_WORDS)
TREATED_WORDS = _words([
    "treatment", "treated", "treat", "test", "variant", "coupon", "offer", "email", "e-mail",
    "mens e-mail", "womens e-mail", "实验组", "处理组", "测试组", "干预组", "发券组",
])
#: A/B group labels of the control group (Hillstrom's "No E-Mail" included)
CONTROL_WORDS = _words([
    "control", "holdout", "hold-out", "hold out", "no e-mail", "no email", "no_email", "none",
    "no coupon", "no offer", "对照组", "控制组", "空白组", "未发券",
])

# ------------------------------------------------------------------------------ totals rows

_TOTALS = ["合计", "总计", "小计", "总和", "汇总", "total", "totals", "grand total", "sum", "subtotal",
           "sub total"]
#: first-cell (or key-column) words of a totals row, bare or with a trailing colon (: or ：)
TOTALS_WORDS = _words(_TOTALS + [w + ":" for w in _TOTALS] + [w + "：" for w in _TOTALS])

# ------------------------------------------------------------------------------ shipments

DIRECTIONS = ("outbound", "return")

#: shipment direction words -> "outbound" (shop to customer) or "return" (back to the shop)
DIRECTION_WORDS: dict[str, str] = {
    normalise_word(w): d
    for d, words in {
        "outbound": ["outbound", "out", "outgoing", "forward", "delivery", "发货", "正向", "正向物流",
                     "出库", "配送"],
        # in a shipments table "inbound" means a parcel coming back from the customer
        "return": ["return", "returns", "reverse", "inbound", "退货", "逆向", "逆向物流", "退回", "退件"],
    }.items()
    for w in words
}

# ------------------------------------------------------------------------------ currencies

_MARKS = [
    ("R$", "BRL"), ("US$", "USD"), ("HK$", "HKD"), ("NT$", "TWD"), ("AU$", "AUD"), ("CA$", "CAD"),
    ("S$", "SGD"), ("$", "USD"),
    # ¥ is read as CNY, the kit's home currency; Japanese exports usually write 円 or JPY
    ("人民币", "CNY"), ("RMB", "CNY"), ("CNY", "CNY"), ("¥", "CNY"), ("￥", "CNY"), ("元", "CNY"),
    ("€", "EUR"), ("EUR", "EUR"), ("£", "GBP"), ("GBP", "GBP"), ("USD", "USD"), ("BRL", "BRL"),
    ("HKD", "HKD"), ("TWD", "TWD"), ("JPY", "JPY"), ("円", "JPY"), ("KRW", "KRW"), ("₩", "KRW"),
    ("INR", "INR"), ("₹", "INR"), ("SGD", "SGD"), ("AUD", "AUD"), ("CAD", "CAD"),
]
#: (literal mark, ISO 4217 code) for amounts text, longest mark first so "US$" wins over "$"
CURRENCY_MARKS: list[tuple[str, str]] = sorted(_MARKS, key=lambda m: -len(m[0]))
