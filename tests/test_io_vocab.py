"""ecomkit.io.vocab and ecomkit.io.presets: platform words and column presets, as specifications."""

import pytest

from ecomkit.io import presets, vocab
from ecomkit.io.presets import PRESETS, apply_preset, describe_presets
from ecomkit.io.vocab import (
    CONTROL_WORDS,
    CURRENCY_MARKS,
    DIRECTION_WORDS,
    NO_WORDS,
    STATUS_NOTES,
    STATUS_VOCABULARIES,
    STATUS_WORDS,
    STATUSES,
    TOTALS_WORDS,
    TREATED_WORDS,
    YES_WORDS,
    normalise_word,
    status_of,
)

#: the orders columns of docs/ingestion.md (required and optional)
ORDERS_COLUMNS = {
    "order_id", "customer_id", "order_ts", "net_amount", "channel", "province", "category", "items",
    "unit_price", "gross_amount", "discount_amount", "shipping_fee", "status", "paid_ts",
    "cancelled_ts", "refund_amount", "currency",
}

PLATFORMS = ["Taobao / Tmall", "JD", "Pinduoduo", "Douyin Shop", "Shopify", "WooCommerce", "Olist-style",
             "common English", "common Chinese"]


# --- status words ------------------------------------------------------------------------------

def test_statuses_are_the_five_of_the_docs():
    assert STATUSES == ("completed", "returned", "cancelled", "unpaid", "in_progress")


def test_every_platform_has_a_table():
    assert list(STATUS_VOCABULARIES) == PLATFORMS
    assert all(STATUS_VOCABULARIES[p] for p in PLATFORMS)


def test_every_word_maps_to_a_status():
    for platform, table in STATUS_VOCABULARIES.items():
        for word, status in table.items():
            assert status in STATUSES, (platform, word, status)
    assert set(STATUS_WORDS.values()) == set(STATUSES)


def test_no_word_has_two_meanings_across_platforms():
    seen: dict[str, tuple[str, str]] = {}
    for platform, table in STATUS_VOCABULARIES.items():
        for word, status in table.items():
            key = normalise_word(word)
            if key in seen:
                assert seen[key][1] == status, f"{word!r}: {seen[key]} vs ({platform}, {status})"
            seen.setdefault(key, (platform, status))
    assert set(seen) == set(STATUS_WORDS)


def test_status_words_are_stored_normalised():
    assert all(normalise_word(w) == w for w in STATUS_WORDS)
    assert all(normalise_word(w) == w for w in STATUS_NOTES)


def test_every_note_explains_a_known_word():
    assert set(STATUS_NOTES) <= set(STATUS_WORDS)


def test_each_status_name_reads_as_itself():
    for status in STATUSES:
        assert status_of(status) == status


@pytest.mark.parametrize("word, status", [
    ("交易成功", "completed"),
    ("等待买家付款", "unpaid"),
    ("买家已付款，等待卖家发货", "in_progress"),
    ("卖家已发货，等待买家确认", "in_progress"),
    ("卖家已发货,等待买家确认", "in_progress"),
    ("交易关闭", "cancelled"),
    ("交易关闭（退款）", "returned"),
    ("退款成功", "returned"),
    ("TRADE_FINISHED", "completed"),
    ("等待出库", "in_progress"),
    ("完成", "completed"),
    ("锁定", "cancelled"),
    ("已发货，待签收", "in_progress"),
    ("已签收", "completed"),
    ("未发货，退款成功", "cancelled"),
    ("备货中", "in_progress"),
    ("已关闭", "cancelled"),
    ("delivered", "completed"),
    ("shipped", "in_progress"),
    ("invoiced", "in_progress"),
    ("unavailable", "cancelled"),
    ("created", "unpaid"),
    ("wc-processing", "in_progress"),
    ("wc-on-hold", "unpaid"),
    ("wc-checkout-draft", "unpaid"),
    ("Completed", "completed"),
    ("partially_refunded", "completed"),
    ("refunded", "returned"),
    ("pending", "unpaid"),
    ("paid", "completed"),
    ("voided", "cancelled"),
    ("closed", "cancelled"),
    ("已付款", "in_progress"),
    ("待付款", "unpaid"),
])
def test_platform_words_mean_what_the_platform_means(word, status):
    assert status_of(word) == status


def test_unknown_or_blank_words_have_no_status():
    assert status_of("mystery state") is None
    assert status_of("") is None
    assert status_of(None) is None
    assert status_of(float("nan")) is None


# --- normalising -------------------------------------------------------------------------------

@pytest.mark.parametrize("variants", [
    ["Partially Refunded", "partially_refunded", "partially-refunded", "  PARTIALLY   refunded ",
     "Partially—Refunded"],
    ["on-hold", "On Hold", "wc-on-hold", "ON_HOLD"],
    ["交易关闭(退款)", "交易关闭（退款）", "交易关闭 (退款)"],
    ["卖家已发货，等待买家确认", "卖家已发货, 等待买家确认", "卖家已发货,等待买家确认"],
    ["合计:", "合计：", "合计 ："],
    ["Ｔｏｔａｌ", "total", "TOTAL"],
])
def test_normalise_word_folds_case_separators_and_full_width(variants):
    assert len({normalise_word(v) for v in variants}) == 1


def test_normalise_word_keeps_a_leading_minus_and_plain_words():
    assert normalise_word("-1") == "-1"
    assert normalise_word("wc") == "wc"
    assert normalise_word("wc-completed") == "completed"
    assert normalise_word(" 交易成功 ") == "交易成功"


# --- flags, groups, totals, directions, currencies ----------------------------------------------

def test_yes_and_no_words():
    for w in ["1", "1.0", "true", "t", "yes", "y", "是", "有", "会员"]:
        assert normalise_word(w) in YES_WORDS
    for w in ["0", "0.0", "false", "f", "no", "n", "否", "无", "非会员"]:
        assert normalise_word(w) in NO_WORDS
    assert not YES_WORDS & NO_WORDS


def test_treated_and_control_words():
    for w in ["treatment", "treated", "test", "variant", "coupon", "实验组", "处理组", "Mens E-Mail"]:
        assert normalise_word(w) in TREATED_WORDS
    for w in ["control", "holdout", "对照组", "No E-Mail", "no email", "no_email", "none"]:
        assert normalise_word(w) in CONTROL_WORDS
    assert "no_email" in CONTROL_WORDS  # also matched by readers that only lower-case
    assert not TREATED_WORDS & CONTROL_WORDS


def test_totals_words():
    for w in ["合计", "总计", "小计", "总和", "Total", "Totals", "Grand Total", "Sum", "Subtotal",
              "合计：", "Total:"]:
        assert normalise_word(w) in TOTALS_WORDS
    assert normalise_word("Beijing") not in TOTALS_WORDS


def test_direction_words():
    assert set(DIRECTION_WORDS.values()) == {"outbound", "return"}
    for w in ["outbound", "out", "forward", "delivery", "发货", "正向", "出库"]:
        assert DIRECTION_WORDS[normalise_word(w)] == "outbound"
    for w in ["return", "returns", "reverse", "inbound", "退货", "逆向", "退回"]:
        assert DIRECTION_WORDS[normalise_word(w)] == "return"


def test_currency_marks_longest_first_and_mapped():
    lengths = [len(m) for m, _ in CURRENCY_MARKS]
    assert lengths == sorted(lengths, reverse=True)
    codes = dict(CURRENCY_MARKS)
    assert codes["R$"] == "BRL" and codes["US$"] == "USD" and codes["HK$"] == "HKD"
    assert codes["NT$"] == "TWD" and codes["$"] == "USD"
    assert {codes[m] for m in ["¥", "￥", "元", "RMB", "CNY"]} == {"CNY"}
    assert codes["€"] == codes["EUR"] == "EUR" and codes["£"] == codes["GBP"] == "GBP"
    assert codes["JPY"] == "JPY" and codes["BRL"] == "BRL" and codes["USD"] == "USD"
    marks = [m for m, _ in CURRENCY_MARKS]
    assert marks.index("US$") < marks.index("$") and marks.index("R$") < marks.index("$")


# --- presets -----------------------------------------------------------------------------------

def test_the_platform_presets_exist():
    assert {"taobao", "jd", "pinduoduo", "douyin", "shopify", "woocommerce"} <= set(PRESETS)
    for name, p in PRESETS.items():
        assert p.name == name and p.table == "orders" and p.platform and p.description and p.notes


def test_every_preset_target_is_an_orders_column_named_once():
    for p in PRESETS.values():
        targets = list(p.columns.values())
        assert set(targets) <= ORDERS_COLUMNS, p.name
        assert len(targets) == len(set(targets)), p.name
        assert {"order_ts", "net_amount"} <= set(targets), p.name


def test_each_preset_names_the_headers_it_cannot_do_without():
    for p in PRESETS.values():
        assert sorted(p.columns[h] for h in p.needed) == ["net_amount", "order_ts"], p.name
    assert PRESETS["jd"].needed == ("下单时间", "应付金额")


def test_preset_key_headers():
    assert PRESETS["shopify"].columns["Total"] == "net_amount"
    assert PRESETS["shopify"].columns["Subtotal"] == "gross_amount"
    assert PRESETS["shopify"].columns["Financial Status"] == "status"
    assert PRESETS["taobao"].columns["买家实际支付金额"] == "net_amount"
    assert PRESETS["taobao"].columns["总金额"] == "gross_amount"
    assert PRESETS["taobao"].columns["订单付款时间"] == "paid_ts"


def test_a_preset_cannot_map_two_headers_to_one_column():
    with pytest.raises(ValueError, match="net_amount"):
        presets.Preset(name="x", platform="X", description="x",
                       columns={"Total": "net_amount", "Paid": "net_amount"})


def test_apply_preset_keeps_only_present_headers():
    present = ["订单编号", "买家实际支付金额", "订单创建时间", "我的备注"]
    assert apply_preset(present, "taobao") == {
        "订单编号": "order_id", "买家实际支付金额": "net_amount", "订单创建时间": "order_ts"}
    assert apply_preset([], "shopify") == {}


def test_apply_preset_matches_loosely_but_returns_the_file_headers():
    present = ["收货地址 ", "商品总价（元）", "Lineitem Quantity"]
    assert apply_preset(present, "taobao") == {"收货地址 ": "province"}
    assert apply_preset(present, "pinduoduo") == {"商品总价（元）": "gross_amount"}
    assert apply_preset(present, "shopify") == {"Lineitem Quantity": "items"}


def test_apply_preset_never_maps_two_headers_to_one_target():
    for name, p in PRESETS.items():
        rename = apply_preset(list(p.columns) + [h.upper() for h in p.columns], name)
        assert len(set(rename.values())) == len(rename), name
        assert set(rename) <= set(p.columns), name  # exact spellings win over loose ones


def test_apply_preset_leaves_a_column_the_file_already_names():
    assert apply_preset(["订单编号", "order_id", "订单状态"], "taobao") == {"订单状态": "status"}


def test_apply_preset_accepts_case_and_aliases():
    assert apply_preset(["订单编号"], "Taobao") == apply_preset(["订单编号"], "tmall") == {"订单编号": "order_id"}


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(ValueError) as err:
        apply_preset(["a"], "amazon")
    message = str(err.value)
    assert "amazon" in message
    for name in PRESETS:
        assert name in message


def test_describe_presets_is_a_markdown_table_of_every_preset():
    text = describe_presets()
    lines = text.strip().splitlines()
    assert lines[0].startswith("| preset |") and lines[1].startswith("|---")
    assert len(lines) == 2 + len(PRESETS)
    assert "`买家实际支付金额` → `net_amount`" in text
    assert all(line.count("|") - line.count("\\|") == 5 for line in lines)


def test_modules_are_importable_as_the_docs_say():
    assert vocab.status_of is status_of and presets.PRESETS is PRESETS
