"""Build the corpus of messy order exports in this folder, and its manifest.

    python tests/data/exports/build_corpus.py [OUT_DIR]      (default: this folder)

Each file imitates the *documented format* of a real platform's order export or of a public
dataset (headers, date and amount styles, status words, encodings, layout quirks), filled with
invented orders drawn from a fixed numpy seed: no real record is copied and nothing is downloaded.

The expected reading of every file (``manifest.json``) is computed here from how the file was
built — which rows are blank, duplicated, continuation lines, unpaid, cancelled, refunds, zero,
totals ... — following the rule table and rule order of ``docs/ingestion.md``, never by running
ecomkit. Every order is built with its *fate* (the rule that removes it, or "kept") and at most one
flag, so the manifest's counts are sums over those fates.

Deterministic: running it twice writes the same bytes (the .xlsx differs only in its zip
timestamps; the test compares its cell values).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------

PROVINCES = [  # as Chinese exports write them (with and without suffix)
    "上海", "北京", "天津", "重庆", "浙江省", "江苏省", "广东省", "山东省", "四川省", "湖北省", "湖南省",
    "河南省", "河北省", "福建省", "安徽省", "陕西省", "辽宁省", "云南省", "江西省", "黑龙江省",
    "内蒙古自治区", "广西壮族自治区", "新疆维吾尔自治区", "西藏自治区", "宁夏回族自治区",
]
CITIES = {  # province -> (city, district) used to write full addresses
    "上海": ("上海市", "浦东新区"), "北京": ("北京市", "朝阳区"), "天津": ("天津市", "南开区"),
    "重庆": ("重庆市", "渝中区"), "浙江省": ("杭州市", "西湖区"), "江苏省": ("南京市", "鼓楼区"),
    "广东省": ("广州市", "天河区"), "山东省": ("济南市", "历下区"), "四川省": ("成都市", "武侯区"),
    "湖北省": ("武汉市", "洪山区"), "湖南省": ("长沙市", "岳麓区"), "河南省": ("郑州市", "金水区"),
    "河北省": ("石家庄市", "长安区"), "福建省": ("厦门市", "思明区"), "安徽省": ("合肥市", "蜀山区"),
    "陕西省": ("西安市", "雁塔区"), "辽宁省": ("沈阳市", "和平区"), "云南省": ("昆明市", "五华区"),
    "江西省": ("南昌市", "东湖区"), "黑龙江省": ("哈尔滨市", "南岗区"),
    "内蒙古自治区": ("呼和浩特市", "赛罕区"), "广西壮族自治区": ("南宁市", "青秀区"),
    "新疆维吾尔自治区": ("乌鲁木齐市", "天山区"), "西藏自治区": ("拉萨市", "城关区"),
    "宁夏回族自治区": ("银川市", "兴庆区"),
}
_PROVINCE_WEIGHTS = np.array([6, 5, 2, 3, 9, 9, 12, 7, 6, 4, 4, 5, 4, 4, 3, 3, 3, 2, 2, 2, 1, 2, 1, 1, 1], float)
PROVINCE_P = _PROVINCE_WEIGHTS / _PROVINCE_WEIGHTS.sum()


def province(rng) -> str:
    return str(rng.choice(PROVINCES, p=PROVINCE_P))


def full_address(rng, prov: str) -> str:
    city, district = CITIES[prov]
    road = str(rng.choice(["文一路", "建设路", "人民路", "解放路", "中山路", "学府路", "长江路", "新华路"]))
    short = prov.replace("省", "") if prov in ("上海", "北京", "天津", "重庆") else prov
    return f"{short} {city} {district} {road}{int(rng.integers(1, 300))}号"


def cents(rng, median: float, sigma: float = 0.6, lo: float = 5.0, step: int = 1) -> int:
    """A price in cents, lognormal around ``median``; ``step`` rounds (10 -> whole dimes)."""
    v = max(lo, float(rng.lognormal(np.log(median), sigma)))
    c = int(round(v * 100 / step)) * step
    return max(c, step)


def plain(c: int) -> str:
    """1234.50 -- cents as a plain decimal with two places (negative with a leading minus)."""
    sign = "-" if c < 0 else ""
    c = abs(c)
    return f"{sign}{c // 100}.{c % 100:02d}"


def grouped(c: int, thousands: str = ",", decimal: str = ".") -> str:
    """1,234.50 (or 1.234,50 with thousands='.', decimal=',')."""
    sign = "-" if c < 0 else ""
    c = abs(c)
    whole = f"{c // 100:,}".replace(",", thousands)
    return f"{sign}{whole}{decimal}{c % 100:02d}"


def floaty(c: int) -> str:
    """178.8 / 21.0 -- how pandas-written reports show amounts (Python float repr)."""
    return repr(c / 100)


def seconds_between(rng, start: dt.datetime, end: dt.datetime, n: int) -> list[dt.datetime]:
    span = int((end - start).total_seconds())
    offs = np.sort(rng.integers(0, span, size=n))
    return [start + dt.timedelta(seconds=int(s)) for s in offs]


def shuffled_labels(rng, counts: dict[str, int]) -> list[str]:
    labels = [k for k, n in counts.items() for _ in range(n)]
    rng.shuffle(labels)
    return labels


def csv_text(rows: list[list[str]], sep: str = ",", eol: str = "\r\n") -> str:
    """Rows as delimited text the way spreadsheet exports write them: a field is quoted only when it
    holds the separator, a quote at its start, or a line break; Excel's ="123" protection is kept raw."""
    out = []
    for row in rows:
        cells = []
        for cell in row:
            cell = "" if cell is None else str(cell)
            protected = cell.startswith('="') and cell.endswith('"') and cell.count('"') == 2
            if not protected and (sep in cell or "\n" in cell or "\r" in cell or cell.startswith('"')):
                cell = '"' + cell.replace('"', '""') + '"'
            cells.append(cell)
        out.append(sep.join(cells))
    return eol.join(out) + eol


class Book:
    """Orders of one file with their fate ('kept' or the rule that drops them) and flag, plus the
    row-level drops (blank_rows, totals_rows, duplicate_rows, order_lines) counted while writing."""

    def __init__(self):
        self.orders: list[dict] = []
        self.row_drops: Counter = Counter()
        self.rows_in = 0

    def add(self, net: int | None, fate: str = "kept", flag: str | None = None, customer=None, **extra) -> dict:
        if fate != "kept" and flag:
            raise ValueError("a dropped order carries no flag in this corpus (keeps the counts certain)")
        order = {"net": net, "fate": fate, "flag": flag, "customer": customer, **extra}
        self.orders.append(order)
        return order

    def expect(self, *, customers: bool, currency: str | None) -> dict:
        kept = [o for o in self.orders if o["fate"] == "kept"]
        dropped = Counter(self.row_drops)
        dropped.update(o["fate"] for o in self.orders if o["fate"] != "kept")
        flagged = Counter(o["flag"] for o in kept if o["flag"])
        rows_kept = len(kept)
        dropped = {k: v for k, v in dropped.items() if v}
        assert self.rows_in - sum(dropped.values()) == rows_kept, (self.rows_in, dropped, rows_kept)
        total = sum(o["net"] for o in kept)
        return {
            "rows_in": self.rows_in,
            "rows_kept": rows_kept,
            "dropped": dict(sorted(dropped.items())),
            "flagged": dict(sorted(flagged.items())),
            "net_amount_sum": round(total / 100, 2),
            "orders": rows_kept,
            "customers": len({str(o["customer"]) for o in kept}) if customers else None,
            "currency": currency,
        }


def write_text(out: Path, name: str, text: str, encoding: str = "utf-8") -> None:
    (out / name).write_bytes(text.encode(encoding))


# ---------------------------------------------------------------------------------------------
# the files
# ---------------------------------------------------------------------------------------------


def tmall_order_report(out: Path) -> dict:
    """Tmall 订单报表 (the shape of the public Tmall order report): one row per order, province only."""
    rng = np.random.default_rng(101)
    n = 120
    fates = shuffled_labels(rng, {"kept": 85, "refund_full": 18, "refund_part": 3, "unpaid": 14})
    created = seconds_between(rng, dt.datetime(2020, 2, 1), dt.datetime(2020, 2, 29, 23, 59, 59), n)
    book = Book()
    rows = [["订单编号", "总金额", "买家实际支付金额", "收货地址", "订单创建时间", "订单付款时间", "退款金额"]]
    for i, (fate, ts) in enumerate(zip(fates, created), start=1):
        gross = cents(rng, 90, 0.8, lo=9, step=10)
        paid = gross - int(gross * rng.choice([0, 0, 0.05, 0.1, 0.2]) / 10) * 10
        pay_ts = ts + dt.timedelta(seconds=int(rng.integers(2, 900)))
        if fate == "unpaid":
            rows.append([str(i), floaty(gross), "0.0", province(rng), f"{ts:%Y-%m-%d %H:%M:%S}", "", "0.0"])
            book.add(0, "unpaid")
            continue
        refund = paid if fate == "refund_full" else (paid * 3 // 10 if fate == "refund_part" else 0)
        rows.append([str(i), floaty(gross), floaty(paid), province(rng), f"{ts:%Y-%m-%d %H:%M:%S}",
                     f"{pay_ts:%Y-%m-%d %H:%M:%S}", floaty(refund)])
        book.add(paid, "kept", "returned" if fate == "refund_full" else None)
    book.rows_in = n
    write_text(out, "tmall_order_report.csv", csv_text(rows), "utf-8-sig")
    return {
        "file": "tmall_order_report.csv",
        "platform": "Tmall / Taobao 订单报表 (order report)",
        "what_it_tests": (
            "UTF-8 with BOM; Chinese headers; no buyer id column (order-level only); amounts written as "
            "floats (178.8, 21.0); 收货地址 holds the province alone, with and without suffix (上海, 浙江省, "
            "内蒙古自治区, 广西壮族自治区). 14 unpaid orders: blank 订单付款时间 and 买家实际支付金额 0.0 while "
            "总金额 > 0 -> dropped as unpaid (before zero_amounts ever sees them). 18 full refunds "
            "(退款金额 = paid) -> kept, flagged returned; 3 partial refunds (30%) are neither."),
        "columns": {"订单编号": "order_id", "总金额": "gross_amount", "买家实际支付金额": "net_amount",
                    "收货地址": "province", "订单创建时间": "order_ts", "订单付款时间": "paid_ts",
                    "退款金额": "refund_amount"},
        "preset": "taobao",
        "expect": book.expect(customers=False, currency=None),
    }


def taobao_gbk(out: Path) -> dict:
    """Taobao seller-centre export re-saved by Excel: GB18030, 2024/1/5 20:15 stamps, a 合计 row."""
    rng = np.random.default_rng(102)
    n = 90
    statuses = shuffled_labels(rng, {"交易成功": 55, "卖家已发货，等待买家确认": 10, "买家已付款，等待卖家发货": 7,
                                     "等待买家付款": 6, "交易关闭/unpaid": 7, "交易关闭/paid": 5})
    created = seconds_between(rng, dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 31, 23, 59), n)
    buyers = [f"tb{int(rng.integers(10**7, 10**8))}" if k % 3 else f"小{'鹿猫熊兔鱼鸟'[k % 6]}{k:02d}_{int(rng.integers(100, 999))}"
              for k in range(48)]
    book = Book()
    rows = [["订单编号", "买家会员名", "买家实际支付金额", "买家应付邮费", "总金额", "宝贝总数量", "订单状态",
             "订单创建时间", "订单付款时间"]]
    total_paid = total_items = 0

    def stamp(t: dt.datetime) -> str:
        return f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}"

    used_ids = set()
    for status, ts in zip(statuses, created):
        oid = int(rng.integers(3_600_000_000_000_000_000, 3_999_999_999_999_999_999, dtype=np.int64))
        assert oid not in used_ids
        used_ids.add(oid)
        buyer = str(rng.choice(buyers))
        goods = cents(rng, 80, 0.7, lo=9.9, step=10)
        post = int(rng.choice([0, 0, 0, 600, 1000]))
        gross = goods + post
        items = int(rng.choice([1, 1, 1, 2, 3]))
        word = status.split("/")[0]
        never_paid = status in ("等待买家付款", "交易关闭/unpaid")
        paid = 0 if never_paid else gross - int(rng.choice([0, 0, 500, 1000]) if goods > 3000 else 0)
        pay = "" if never_paid else stamp(ts + dt.timedelta(minutes=int(rng.integers(0, 30))))
        rows.append([str(oid), buyer, plain(paid), plain(post), plain(gross), str(items), word, stamp(ts), pay])
        total_paid += paid
        total_items += items
        if never_paid:  # blank 订单付款时间: unpaid runs before cancelled, so a never-paid 交易关闭 is unpaid
            book.add(paid, "unpaid", customer=buyer)
        elif word == "交易关闭":
            book.add(paid, "cancelled", customer=buyer)
        elif word == "交易成功":
            book.add(paid, "kept", customer=buyer)
        else:
            book.add(paid, "kept", "in_progress", customer=buyer)
    rows.append(["合计", "", plain(total_paid), "", "", str(total_items), "", "", ""])
    book.row_drops["totals_rows"] = 1
    text = csv_text(rows) + ",,,,,,,,\r\n" + "\r\n"  # two blank trailing lines: one of commas, one empty
    book.row_drops["blank_rows"] = 2
    book.rows_in = n + 1 + 2
    write_text(out, "taobao_gbk.csv", text, "gb18030")
    return {
        "file": "taobao_gbk.csv",
        "platform": "Taobao seller centre (千牛) order export, re-saved by Excel",
        "what_it_tests": (
            "GB18030 encoding; 19-digit order ids (beyond float precision: must stay text); Excel-style "
            "stamps 2024/1/5 20:15 (no zero padding, no seconds); Taobao status words with a full-width "
            "comma (卖家已发货，等待买家确认 / 买家已付款，等待卖家发货 -> in_progress, 交易成功, 交易关闭, "
            "等待买家付款); a 合计 totals row; two blank trailing lines (one of commas, one empty). "
            "Rule order: 7 交易关闭 trades were never paid (blank 订单付款时间, paid 0) and count as unpaid, "
            "not cancelled; the 5 closed after payment count as cancelled."),
        "columns": {"订单编号": "order_id", "买家会员名": "customer_id", "买家实际支付金额": "net_amount",
                    "买家应付邮费": "shipping_fee", "总金额": "gross_amount", "宝贝总数量": "items",
                    "订单状态": "status", "订单创建时间": "order_ts", "订单付款时间": "paid_ts"},
        "preset": "taobao",
        "expect": book.expect(customers=True, currency=None),
    }


def jd_export(out: Path) -> dict:
    """JD merchant export: one row per item, order amounts repeated on each item row, ="..." ids."""
    rng = np.random.default_rng(103)
    n = 80
    statuses = shuffled_labels(rng, {"完成": 52, "等待出库": 8, "等待确认收货": 9, "等待付款": 3,
                                     "已取消/unpaid": 3, "已取消/paid": 5})
    created = seconds_between(rng, dt.datetime(2024, 1, 1), dt.datetime(2024, 2, 15), n)
    accounts = [f"jd_{int(rng.integers(16**5, 16**6)):06x}" for _ in range(46)]
    products = [(f"{int(rng.integers(10**11, 10**12))}", name) for name in
                ["保温杯 500ml", "蓝牙耳机", "电动牙刷", "洗衣凝珠 52颗", "机械键盘", "空气炸锅 5L", "儿童绘本套装",
                 "不粘锅 28cm", "移动电源 20000mAh", "运动袜 6双装", "坚果礼盒", "智能手环", "床上四件套"]]
    book = Book()
    header = ["订单号", "商品ID", "商品名称", "订购数量", "京东价", "订单金额", "应付金额", "运费金额", "下单帐号",
              "订单状态", "下单时间", "付款确认时间", "客户地址"]
    body: list[list[str]] = []
    extra_lines = 0
    for k, (status, ts) in enumerate(zip(statuses, created)):
        oid = 301_234_560_000 + k * 37 + int(rng.integers(0, 30))
        n_items = int(rng.choice([1, 1, 1, 1, 2, 2, 3]))
        picks = rng.choice(len(products), size=n_items, replace=False)
        lines = []
        for p in picks:
            price = cents(rng, 120, 0.9, lo=9.9, step=100) - 10  # ¥129.90 style
            while price in [pr for _, _, pr in lines]:  # item rows of one order differ in 京东价
                price += 100
            qty = int(rng.choice([1, 1, 1, 2]))
            lines.append((products[p], qty, price))
        goods = sum(q * pr for _, q, pr in lines)
        discount = int(goods * float(rng.choice([0, 0, 0.05, 0.1])) / 100) * 100
        freight = 0 if goods >= 9900 else 600
        net = goods - discount + freight
        account = str(rng.choice(accounts))
        word = status.split("/")[0]
        never_paid = status in ("等待付款", "已取消/unpaid")
        pay = "" if never_paid else f"{ts + dt.timedelta(seconds=int(rng.integers(5, 600))):%Y-%m-%d %H:%M:%S}"
        prov = province(rng)
        address = full_address(rng, prov)
        for (pid, pname), qty, price in lines:
            body.append([f'="{oid}"', pid, pname, str(qty), f"¥{grouped(price)}", f"¥{grouped(goods)}",
                         f"¥{grouped(net)}", f"¥{grouped(freight)}", account, word,
                         f"{ts:%Y-%m-%d %H:%M:%S}", pay, address])
        extra_lines += len(lines) - 1
        if never_paid:
            book.add(net, "unpaid", customer=account)
        elif word == "已取消":
            book.add(net, "cancelled", customer=account)
        elif word == "完成":
            book.add(net, "kept", customer=account)
        else:
            book.add(net, "kept", "in_progress", customer=account)
    # the export was pulled twice over an overlapping window: three item rows appear again, verbatim
    dup_at = sorted(rng.choice(len(body) - 10, size=3, replace=False))
    for j, at in enumerate(dup_at):
        body.insert(int(at) + 10 + j, list(body[int(at) + j]))
    book.row_drops["duplicate_rows"] = 3
    book.row_drops["order_lines"] = extra_lines
    book.rows_in = len(body)
    write_text(out, "jd_export.csv", csv_text([header] + body))
    return {
        "file": "jd_export.csv",
        "platform": "JD (京东) merchant back office (商家后台) order export",
        "what_it_tests": (
            "One row per item with the order's amounts (订单金额, 应付金额, 运费金额) repeated on every item "
            "row, so it loads with --clean order_lines=keep_first (merging would add the repeated amounts "
            "up); order ids protected from Excel as =\"301234560000\"; amounts ¥1,234.00 with thousands "
            "separators (CNY); stamps 2024-01-05 20:15:00; JD statuses 完成 / 等待出库 / 等待确认收货 "
            "(in_progress) / 已取消 / 等待付款; full addresses in 客户地址 (浙江 杭州市 西湖区 …, "
            "内蒙古自治区 呼和浩特市 …). Three item rows appear twice verbatim (overlapping exports): "
            "duplicate_rows runs before order_lines, so they count as duplicates, not as extra lines. "
            "3 cancelled orders were never paid (blank 付款确认时间) and count as unpaid."),
        "columns": {"订单号": "order_id", "下单帐号": "customer_id", "下单时间": "order_ts",
                    "付款确认时间": "paid_ts", "应付金额": "net_amount", "订单金额": "gross_amount",
                    "运费金额": "shipping_fee", "订单状态": "status", "客户地址": "province",
                    "订购数量": "items", "京东价": "unit_price"},
        "options": {"clean": {"order_lines": "keep_first"}},
        "preset": "jd",
        "expect": book.expect(customers=True, currency="CNY"),
    }


def pdd_orders(out: Path) -> dict:
    """Pinduoduo merchant export: product column first, (元)-suffixed amount headers, no buyer id."""
    rng = np.random.default_rng(104)
    n = 75
    statuses = shuffled_labels(rng, {"已签收": 42, "待发货": 8, "已发货，待签收": 8, "待支付": 3, "已取消": 5,
                                     "未发货，退款成功": 4, "已发货，退款成功": 5})
    created = seconds_between(rng, dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 31, 23, 59), n)
    goods_names = ["纯棉毛巾 3条装", "手机支架", "收纳箱 大号", "抽纸 24包", "洗碗布 10片", "拖鞋 男女款",
                   "数据线 1米", "保鲜袋 200只"]
    book = Book()
    rows = [["商品", "订单号", "订单状态", "商品总价(元)", "店铺优惠折扣(元)", "平台优惠折扣(元)", "邮费(元)",
             "用户实付金额(元)", "商家实收金额(元)", "商品数量(件)", "省", "市", "区", "拼单成功时间",
             "订单成交时间", "发货时间", "确认收货时间", "商品规格", "售后状态"]]
    for k, (status, ts) in enumerate(zip(statuses, created)):
        oid = f"{ts:%y%m%d}-{int(rng.integers(10**14, 10**15))}"
        qty = int(rng.choice([1, 1, 2, 3]))
        unit = cents(rng, 19, 0.5, lo=2.9, step=10)
        goods = qty * unit
        shop_off = int(rng.choice([0, 0, 100, 200]))
        plat_off = int(rng.choice([0, 0, 0, 100, 300]))
        shop_off = min(shop_off, goods // 4)
        plat_off = min(plat_off, goods // 4)
        paid = goods - shop_off - plat_off
        prov = province(rng)
        city, district = CITIES[prov]
        grouped_ts = "" if status == "待支付" else f"{ts + dt.timedelta(minutes=1):%Y-%m-%d %H:%M:%S}"
        shipped = f"{ts + dt.timedelta(hours=20):%Y-%m-%d %H:%M:%S}" if status in ("已签收", "已发货，待签收", "已发货，退款成功") else ""
        signed = f"{ts + dt.timedelta(days=3):%Y-%m-%d %H:%M:%S}" if status == "已签收" else ""
        after = "退款成功" if "退款成功" in status else "无售后或售后取消"
        rows.append([str(rng.choice(goods_names)), oid, status, plain(goods), plain(shop_off), plain(plat_off),
                     "0.00", plain(paid), plain(paid + plat_off), str(qty), prov, city, district, grouped_ts,
                     f"{ts:%Y-%m-%d %H:%M:%S}", shipped, signed, str(rng.choice(["默认", "白色", "灰色", "L码"])),
                     after])
        fate = {"待支付": "unpaid", "已取消": "cancelled", "未发货，退款成功": "cancelled"}.get(status, "kept")
        flag = {"待发货": "in_progress", "已发货，待签收": "in_progress", "已发货，退款成功": "returned"}.get(status)
        book.add(paid, fate, flag if fate == "kept" else None)
    book.rows_in = n
    write_text(out, "pdd_orders.csv", csv_text(rows))
    return {
        "file": "pdd_orders.csv",
        "platform": "Pinduoduo (拼多多) merchant back office order export",
        "what_it_tests": (
            "Headers with (元)/(件) unit suffixes; the first column is the product title, not the key; "
            "order ids like 240301-123456789012345; no buyer id (customer-level sections say they need "
            "it). Status words (invented from PDD's back office, as written in its order list): 已签收 "
            "(completed), 待发货 and 已发货，待签收 (in_progress), 待支付 (unpaid), 已取消 and "
            "未发货，退款成功 (refunded before shipping = cancelled), 已发货，退款成功 (returned). "
            "用户实付金额(元) is what the buyer paid; 商家实收金额(元) adds the platform subsidy and is not mapped."),
        "columns": {"订单号": "order_id", "订单状态": "status", "商品总价(元)": "gross_amount",
                    "店铺优惠折扣(元)": "discount_amount", "邮费(元)": "shipping_fee",
                    "用户实付金额(元)": "net_amount", "商品数量(件)": "items", "订单成交时间": "order_ts",
                    "省": "province"},
        "preset": "pinduoduo",
        "expect": book.expect(customers=False, currency=None),
    }


def douyin_orders(out: Path) -> dict:
    """Douyin Shop (抖店) export: one row per sub-order (子订单), 19-digit ids, 流量来源 channel."""
    rng = np.random.default_rng(105)
    n = 50
    statuses = shuffled_labels(rng, {"已完成": 31, "已发货": 7, "备货中": 5, "待支付": 3, "已关闭/unpaid": 3,
                                     "已关闭/paid": 1})
    created = seconds_between(rng, dt.datetime(2024, 5, 1), dt.datetime(2024, 5, 31, 23, 59), n)
    goods_names = ["玻尿酸面膜 10片", "防晒喷雾 150ml", "牛肉干 500g", "速干T恤", "卷发棒", "螺蛳粉 5袋",
                   "氨基酸洗面奶", "瑜伽垫"]
    sources = ["直播", "直播", "直播", "短视频", "商品卡", "橱窗"]
    book = Book()
    rows = [["主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "商品金额", "订单应付金额",
             "运费", "优惠总金额", "订单提交时间", "支付完成时间", "订单状态", "售后状态", "流量来源", "省", "市"]]
    extra_lines = 0
    mixed_done = False
    for status, ts in zip(statuses, created):
        main_id = int(rng.integers(6_900_000_000_000_000_000, 6_999_999_999_999_999_999, dtype=np.int64))
        n_lines = int(rng.choice([1, 1, 1, 2, 2, 3]))
        word = status.split("/")[0]
        if word == "已完成" and not mixed_done and n_lines == 1:
            n_lines = 2  # the order whose second sub-order was refunded and closed, see below
        never_paid = status in ("待支付", "已关闭/unpaid")
        pay = "" if never_paid else f"{ts + dt.timedelta(seconds=int(rng.integers(3, 120))):%Y/%m/%d %H:%M:%S}"
        prov = province(rng)
        city = CITIES[prov][0]
        src = str(rng.choice(sources))
        nets = set()
        order_net = 0
        for j in range(n_lines):
            qty = int(rng.choice([1, 1, 2]))
            unit = cents(rng, 69, 0.5, lo=9.9, step=10)
            off = int(rng.choice([0, 0, 500, 1000])) if unit * qty > 3000 else 0
            net = unit * qty - off
            while net in nets:  # sub-orders of one order differ in amount
                net += 10
            nets.add(net)
            freight = 0
            line_word = word
            after = "-"
            if word == "已完成" and not mixed_done and j == 1:
                line_word, after = "已关闭", "退款成功"
            sub_id = main_id + 1 + j if n_lines > 1 else main_id
            rows.append([str(main_id), str(sub_id), str(rng.choice(goods_names)), "默认", str(qty),
                         str(int(rng.integers(3_500_000_000_000_000_000, 3_699_999_999_999_999_999, dtype=np.int64))),
                         plain(unit), plain(net), plain(freight), plain(off), f"{ts:%Y/%m/%d %H:%M:%S}", pay,
                         line_word, after, src, prov, city])
            order_net += net
        if word == "已完成" and not mixed_done:
            mixed_done = True
        extra_lines += n_lines - 1
        fate = "unpaid" if never_paid else ("cancelled" if word == "已关闭" else "kept")
        flag = "in_progress" if word in ("已发货", "备货中") else None
        book.add(order_net, fate, flag if fate == "kept" else None)
    book.row_drops["order_lines"] = extra_lines
    book.rows_in = len(rows) - 1
    write_text(out, "douyin_orders.csv", csv_text(rows))
    return {
        "file": "douyin_orders.csv",
        "platform": "Douyin Shop (抖店) order export",
        "what_it_tests": (
            "One row per sub-order (子订单) carrying its own 订单应付金额: order_lines=merge sums them under "
            "the 19-digit 主订单编号 (ids beyond float precision). Stamps 2024/05/01 20:15:03. Status words "
            "(as 抖店 writes them): 已完成, 已发货 and 备货中 (in_progress), 待支付, 已关闭. 3 closed orders "
            "were never paid (blank 支付完成时间) and count as unpaid, 1 was paid then closed (cancelled). "
            "One completed order has a second sub-order that was refunded (订单状态 已关闭, 售后状态 退款成功): "
            "per the contract the merged order takes its status from the first line (已完成) and sums both "
            "lines' amounts. 流量来源 (直播/短视频/商品卡/橱窗) becomes channel. No buyer id in the export."),
        "columns": {"主订单编号": "order_id", "订单提交时间": "order_ts", "支付完成时间": "paid_ts",
                    "订单应付金额": "net_amount", "优惠总金额": "discount_amount", "运费": "shipping_fee",
                    "订单状态": "status", "省": "province", "商品数量": "items", "商品金额": "unit_price",
                    "流量来源": "channel"},
        "preset": "douyin",
        "expect": book.expect(customers=False, currency=None),
    }


def shopify_orders(out: Path) -> dict:
    """Shopify Admin -> Orders -> Export: one row per line item, order fields on the first row only."""
    rng = np.random.default_rng(106)
    n = 45
    kinds = shuffled_labels(rng, {"paid": 29, "paid/pos": 2, "refunded": 2, "refunded/cancelled": 2,
                                  "partially_refunded": 3, "pending": 3, "pending/cancelled": 1, "voided": 3})
    created = seconds_between(rng, dt.datetime(2024, 1, 3, 8), dt.datetime(2024, 4, 28, 22), n)
    emails = [f"{a}.{b}{int(rng.integers(1, 99))}@example.com" for a, b in
              zip(rng.choice(["sam", "alex", "jo", "kim", "lee", "pat", "robin", "casey", "drew", "jamie"], 32),
                  rng.choice(["r", "m", "t", "w", "k", "b", "s"], 32))]
    catalogue = [("Ceramic Pour-Over Set", "CPO-01", 3800), ("Single Origin Beans 250g", "SOB-250", 1650),
                 ("Enamel Camp Mug", "ECM-12", 1800), ("Bamboo Coaster (4)", "BC-4", 1200),
                 ("Gooseneck Kettle", "GK-09", 6900), ("Paper Filters x100", "PF-100", 700),
                 ("Hand Grinder", "HG-3", 8900), ("Gift Card", "GC", 2500), ("Travel Tumbler", "TT-16", 2900)]
    states = ["NY", "NJ", "CA", "TX", "MA", "IL", "WA", "PA"]
    header = ["Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
              "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code",
              "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name",
              "Lineitem price", "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
              "Lineitem taxable", "Lineitem fulfillment status", "Billing Province", "Billing Country",
              "Shipping Province", "Shipping Country", "Cancelled at", "Payment Method", "Refunded Amount",
              "Source", "Id"]
    col = {h: i for i, h in enumerate(header)}

    def stamp(t: dt.datetime) -> str:  # New York wall clock; DST from 2024-03-10 02:00
        off = "-0400" if t >= dt.datetime(2024, 3, 10, 2) else "-0500"
        return f"{t:%Y-%m-%d %H:%M:%S} {off}"

    book = Book()
    body = []
    extra_lines = 0
    for k, (kind, ts) in enumerate(zip(kinds, created)):
        status = kind.split("/")[0]
        n_lines = int(rng.choice([1, 1, 1, 1, 1, 2, 2, 2, 3]))
        picks = rng.choice(len(catalogue), size=n_lines, replace=False)
        qtys = rng.choice([1, 2, 3], size=n_lines, replace=False)
        lines = [(catalogue[p], int(q)) for p, q in zip(picks, qtys)]
        items_value = sum(price * q for (_, _, price), q in lines)
        code = str(rng.choice(["", "", "", "WELCOME10"]))
        discount = items_value // 10 if code else 0
        subtotal = items_value - discount
        shipping = 0 if subtotal >= 7500 else int(rng.choice([599, 999]))
        taxes = int(round(subtotal * 0.08875))
        total = subtotal + shipping + taxes
        paid = status in ("paid", "refunded", "partially_refunded")
        refunded = total if status == "refunded" else (int(total * 0.3) if status == "partially_refunded" else 0)
        email = "" if kind == "paid/pos" else str(rng.choice(emails))
        cancelled = ""
        if kind in ("refunded/cancelled", "pending/cancelled") or status == "voided":
            cancelled = stamp(ts + dt.timedelta(hours=int(rng.integers(1, 48))))
        fulfilled = status in ("paid", "partially_refunded") and ts < dt.datetime(2024, 4, 20)
        state = str(rng.choice(states))
        for j, ((name, sku, price), q) in enumerate(lines):
            row = [""] * len(header)
            row[col["Name"]] = f"#{1001 + k}"
            row[col["Lineitem quantity"]] = str(q)
            row[col["Lineitem name"]] = name
            row[col["Lineitem price"]] = plain(price)
            row[col["Lineitem compare at price"]] = ""
            row[col["Lineitem sku"]] = sku
            row[col["Lineitem requires shipping"]] = "false" if sku == "GC" else "true"
            row[col["Lineitem taxable"]] = "true"
            row[col["Lineitem fulfillment status"]] = "fulfilled" if fulfilled else "pending"
            if j == 0:
                row[col["Email"]] = email
                row[col["Financial Status"]] = status
                row[col["Paid at"]] = stamp(ts + dt.timedelta(seconds=int(rng.integers(1, 30)))) if paid else ""
                row[col["Fulfillment Status"]] = "fulfilled" if fulfilled else "unfulfilled"
                row[col["Fulfilled at"]] = stamp(ts + dt.timedelta(days=2)) if fulfilled else ""
                row[col["Accepts Marketing"]] = str(rng.choice(["yes", "no"]))
                row[col["Currency"]] = "USD"
                row[col["Subtotal"]] = plain(subtotal)
                row[col["Shipping"]] = plain(shipping)
                row[col["Taxes"]] = plain(taxes)
                row[col["Total"]] = plain(total)
                row[col["Discount Code"]] = code
                row[col["Discount Amount"]] = plain(discount)
                row[col["Shipping Method"]] = "Free Shipping" if shipping == 0 else "Standard"
                row[col["Created at"]] = stamp(ts)
                row[col["Billing Province"]] = state
                row[col["Billing Country"]] = "US"
                row[col["Shipping Province"]] = state
                row[col["Shipping Country"]] = "US"
                row[col["Cancelled at"]] = cancelled
                row[col["Payment Method"]] = "Cash" if kind == "paid/pos" else "Shopify Payments"
                row[col["Refunded Amount"]] = plain(refunded)
                row[col["Source"]] = "pos" if kind == "paid/pos" else "web"
                row[col["Id"]] = str(5_600_000_000_000 + k * 7919)
            body.append(row)
        extra_lines += n_lines - 1
        # rule order: blank_customer_id, then unpaid (blank Paid at or 'pending'), then cancelled (Cancelled at)
        if kind == "paid/pos":
            book.add(total, "blank_customer_id")
        elif not paid:  # pending and voided: no Paid at -> unpaid, whatever the status word or Cancelled at says
            book.add(total, "unpaid", customer=email)
        elif cancelled:
            book.add(total, "cancelled", customer=email)
        elif status == "refunded":
            book.add(total, "kept", "returned", customer=email)
        else:  # paid, partially_refunded (a partial refund leaves the sale standing)
            book.add(total, "kept", customer=email)
    book.row_drops["order_lines"] = extra_lines
    book.rows_in = len(body)
    write_text(out, "shopify_orders.csv", csv_text([header] + body, eol="\n"))
    return {
        "file": "shopify_orders.csv",
        "platform": "Shopify Admin > Orders > Export (orders CSV)",
        "what_it_tests": (
            "One row per line item; order-level fields (Email, Financial Status, Paid at, Subtotal, "
            "Shipping, Taxes, Total, Created at, Cancelled at ...) only on an order's first row, blank on "
            "continuation rows: merging must take them once, and blank_* rules must run after the merge. "
            "Name #1001; Created at with a UTC offset that changes at DST (-0500 / -0400). 2 POS orders "
            "without Email -> blank_customer_id. pending (3) and voided (3) orders have no Paid at -> "
            "unpaid (unpaid runs before cancelled, so a voided or pending order with Cancelled at still "
            "counts as unpaid); 2 refunded orders also have Cancelled at -> cancelled (cancelled runs "
            "before returned); 2 refunded orders stay, flagged returned (Refunded Amount = Total); "
            "partially_refunded (3) is a standing sale (not flagged: refund < net and the word means "
            "completed). net_amount = Total (incl. shipping and tax), as the shopify preset maps it; "
            "the Currency column is mapped, amounts carry no symbol, so currency is not asserted."),
        "columns": {"Name": "order_id", "Email": "customer_id", "Created at": "order_ts", "Paid at": "paid_ts",
                    "Cancelled at": "cancelled_ts", "Total": "net_amount", "Subtotal": "gross_amount",
                    "Discount Amount": "discount_amount", "Shipping": "shipping_fee",
                    "Refunded Amount": "refund_amount", "Financial Status": "status", "Currency": "currency",
                    "Shipping Province": "province", "Lineitem quantity": "items", "Lineitem price": "unit_price",
                    "Source": "channel"},
        "preset": "shopify",
        "expect": book.expect(customers=True, currency=None),
    }


def woocommerce_orders(out: Path) -> dict:
    """A WooCommerce order export made by an export plugin straight from the database (wc-* statuses)."""
    rng = np.random.default_rng(107)
    n = 70
    statuses = shuffled_labels(rng, {"wc-completed": 40, "wc-processing": 8, "wc-on-hold": 4, "wc-cancelled": 5,
                                     "wc-refunded": 5, "wc-failed": 4, "wc-pending": 4})
    created = seconds_between(rng, dt.datetime(2024, 1, 2), dt.datetime(2024, 3, 30), n)
    emails = [f"buyer{int(rng.integers(100, 999))}@example.org" for _ in range(40)]
    user_ids = {e: (int(rng.integers(2, 900)) if i % 4 else 0) for i, e in enumerate(emails)}  # 0 = guest
    states = ["CA", "NY", "TX", "FL", "OR", "CO", "GA"]
    book = Book()
    rows = [["Order ID", "Order Date", "Order Status", "Customer User ID", "Billing Email", "Billing State",
             "Billing Country", "Payment Method Title", "Order Currency", "Order Subtotal", "Cart Discount",
             "Order Shipping", "Order Tax", "Order Total"]]
    big = set(rng.choice(n, size=4, replace=False).tolist())
    for k, (status, ts) in enumerate(zip(statuses, created)):
        subtotal = cents(rng, 60, 0.7, lo=8) if k not in big else int(rng.integers(100_000, 260_000))
        discount = subtotal // 5 if rng.random() < 0.2 else 0
        shipping = 0 if subtotal - discount >= 5000 else 795
        tax = int(round((subtotal - discount) * 0.0725))
        total = subtotal - discount + shipping + tax
        email = str(rng.choice(emails))
        rows.append([str(4100 + k * 3), f"{ts:%m/%d/%Y %H:%M}", status, str(user_ids[email]), email,
                     str(rng.choice(states)), "US", str(rng.choice(["Credit Card (Stripe)", "PayPal", "Direct bank transfer"])),
                     "USD", f"${grouped(subtotal)}", f"${grouped(discount)}", f"${grouped(shipping)}",
                     f"${grouped(tax)}", f"${grouped(total)}"])
        fate = {"wc-on-hold": "unpaid", "wc-failed": "unpaid", "wc-pending": "unpaid",
                "wc-cancelled": "cancelled"}.get(status, "kept")
        flag = {"wc-processing": "in_progress", "wc-refunded": "returned"}.get(status)
        book.add(total, fate, flag if fate == "kept" else None, customer=email)
    book.rows_in = n
    write_text(out, "woocommerce_orders.csv", csv_text(rows))
    return {
        "file": "woocommerce_orders.csv",
        "platform": "WooCommerce order export from a plugin reading the database (post statuses wc-*)",
        "what_it_tests": (
            "Statuses with the database prefix: wc-completed, wc-processing (paid, awaiting fulfilment: "
            "in_progress), wc-on-hold / wc-pending / wc-failed (unpaid, per WooCommerce's own status "
            "definitions), wc-cancelled, wc-refunded (returned, kept). Month-first dates 01/15/2024 14:03 "
            "(some days > 12 decide the order); amounts $1,234.56 quoted because of the thousands comma "
            "(USD, four orders above $1,000). Customer User ID is 0 for guest checkouts, so the key is "
            "Billing Email. net_amount = Order Total (the usual analyst choice; it includes shipping and "
            "tax). Not a preset: the woocommerce preset targets the Analytics report."),
        "columns": {"Order ID": "order_id", "Order Date": "order_ts", "Order Status": "status",
                    "Billing Email": "customer_id", "Order Total": "net_amount", "Order Shipping": "shipping_fee",
                    "Billing State": "province"},
        "preset": None,
        "expect": book.expect(customers=True, currency="USD"),
    }


def woocommerce_analytics(out: Path) -> dict:
    """WooCommerce Analytics -> Orders -> Download: the built-in report, one row per order."""
    rng = np.random.default_rng(117)
    n = 40
    statuses = shuffled_labels(rng, {"Completed": 27, "Processing": 6, "On hold": 3, "Refunded": 4})
    created = seconds_between(rng, dt.datetime(2024, 2, 1), dt.datetime(2024, 2, 29, 23), n)
    first = ["Maya", "Owen", "Lena", "Ravi", "Iris", "Theo", "Nora", "Ezra", "Lucia", "Felix", "Ada", "Milo"]
    last = ["Hart", "Quinn", "Vale", "Stone", "Reyes", "Nakamura", "Okafor", "Berg"]
    names = sorted({f"{a} {b}" for a, b in zip(rng.choice(first, 30), rng.choice(last, 30))})
    products = ["Linen Apron", "Oak Cutting Board", "Cast Iron Skillet", "Spice Jar Set", "Chef Knife"]
    book = Book()
    rows = [["Date", "Order #", "Status", "Customer", "Customer type", "Product(s)", "Items sold", "Coupon(s)",
             "Net Sales"]]
    seen = set()
    for k, (status, ts) in enumerate(zip(statuses, created)):
        name = str(rng.choice(names))
        items = int(rng.choice([1, 1, 2, 3]))
        prods = ", ".join(sorted(rng.choice(products, size=min(items, 2), replace=False).tolist()))
        net = cents(rng, 55, 0.6, lo=12, step=5)
        rows.append([f"{ts:%Y-%m-%d %H:%M:%S}", str(2301 + k), status, name,
                     "returning" if name in seen else "new", prods, str(items),
                     str(rng.choice(["", "", "", "spring15"])), plain(net)])
        seen.add(name)
        fate = "unpaid" if status == "On hold" else "kept"
        flag = {"Processing": "in_progress", "Refunded": "returned"}.get(status)
        book.add(net, fate, flag if fate == "kept" else None, customer=name)
    book.rows_in = n
    write_text(out, "woocommerce_analytics_orders.csv", csv_text(rows, eol="\n"))
    return {
        "file": "woocommerce_analytics_orders.csv",
        "platform": "WooCommerce Analytics > Orders > Download (built-in orders report)",
        "what_it_tests": (
            "The built-in report's headers (Date, Order #, Status, Customer, Customer type, Product(s), "
            "Items sold, Coupon(s), Net Sales); status labels as the admin shows them (Completed, "
            "Processing -> in_progress, On hold -> unpaid, Refunded -> returned, kept); Product(s) holds "
            "commas inside quoted cells; Customer is a person's name (invented), the only customer key "
            "the report offers. No currency in the file."),
        "columns": {"Order #": "order_id", "Date": "order_ts", "Customer": "customer_id", "Net Sales": "net_amount",
                    "Status": "status", "Items sold": "items"},
        "preset": "woocommerce",
        "expect": book.expect(customers=True, currency=None),
    }


def olist_style_brl(out: Path) -> dict:
    """An Olist-like Brazilian marketplace extract: ';'-separated, decimal commas, R$ amounts."""
    rng = np.random.default_rng(108)
    n = 100
    statuses = shuffled_labels(rng, {"delivered": 70, "shipped": 8, "invoiced": 4, "processing": 3, "approved": 2,
                                     "created": 3, "canceled": 6, "unavailable": 4})
    created = seconds_between(rng, dt.datetime(2017, 10, 1), dt.datetime(2018, 3, 31), n)
    people = [rng.bytes(16).hex() for _ in range(72)]
    cities = {"SP": ["sao paulo", "campinas", "santos"], "RJ": ["rio de janeiro", "niteroi"], "MG": ["belo horizonte"],
              "RS": ["porto alegre"], "PR": ["curitiba"], "BA": ["salvador"], "SC": ["florianopolis"]}
    state_p = np.array([42, 13, 12, 6, 5, 4, 4], float)
    book = Book()
    rows = [["order_id", "customer_unique_id", "order_status", "order_purchase_timestamp", "order_approved_at",
             "order_delivered_customer_date", "customer_city", "customer_state", "payment_type",
             "payment_installments", "payment_value"]]
    big = set(rng.choice(n, size=5, replace=False).tolist())
    for k, (status, ts) in enumerate(zip(statuses, created)):
        value = cents(rng, 110, 0.7, lo=10) if k not in big else int(rng.integers(110_000, 480_000))
        approved = "" if status == "created" or (status == "canceled" and k % 2) else \
            f"{ts + dt.timedelta(minutes=int(rng.integers(5, 600))):%Y-%m-%d %H:%M:%S}"
        delivered = f"{ts + dt.timedelta(days=int(rng.integers(4, 25)), hours=3):%Y-%m-%d %H:%M:%S}" \
            if status == "delivered" else ""
        uf = str(rng.choice(list(cities), p=state_p / state_p.sum()))
        text = f"R$ {grouped(value, '.', ',')}" if (value >= 100_000 or rng.random() < 0.4) else grouped(value, ".", ",")
        person = str(rng.choice(people))
        ptype = str(rng.choice(["credit_card", "credit_card", "boleto", "voucher", "debit_card"]))
        rows.append([rng.bytes(16).hex(), person, status, f"{ts:%Y-%m-%d %H:%M:%S}", approved,
                     delivered, str(rng.choice(cities[uf])), uf, ptype,
                     str(int(rng.integers(1, 10)) if ptype == "credit_card" else 1), text])
        fate = {"created": "unpaid", "canceled": "cancelled", "unavailable": "cancelled"}.get(status, "kept")
        flag = "in_progress" if status in ("shipped", "invoiced", "processing", "approved") else None
        book.add(value, fate, flag if fate == "kept" else None, customer=person)
    book.rows_in = n
    write_text(out, "olist_style_brl.csv", csv_text(rows, sep=";", eol="\n"))
    return {
        "file": "olist_style_brl.csv",
        "platform": "Olist-style Brazilian marketplace orders (the public Olist dataset's orders, customers "
                    "and payments joined into one extract)",
        "what_it_tests": (
            "';' separator; decimal commas with '.' thousands: 'R$ 1.234,56' and bare '89,90' mixed in one "
            "column (R$ seen -> BRL); ISO timestamps; 32-hex ids; customer_unique_id is the person "
            "(Olist's per-order customer_id is left out of this extract); Brazilian state codes (SP, RJ) "
            "kept as regions. Olist statuses: delivered (completed); shipped, invoiced, processing, "
            "approved (in_progress); created (placed, payment not approved: unpaid); canceled, unavailable "
            "(cancelled). order_approved_at is not mapped (some canceled orders lack it; mapped, they would "
            "move from cancelled to unpaid)."),
        "columns": {"order_id": "order_id", "customer_unique_id": "customer_id", "order_status": "status",
                    "order_purchase_timestamp": "order_ts", "payment_value": "net_amount",
                    "customer_state": "province"},
        "preset": None,
        "expect": book.expect(customers=True, currency="BRL"),
    }


def transaction_log(out: Path) -> dict:
    """A CDNOW-like transaction log: customer, YYYYMMDD date, number of CDs, dollars; no order id."""
    rng = np.random.default_rng(109)
    n_cust = 25
    ids = [f"{int(x):05d}" for x in np.sort(rng.choice(np.arange(1, 2400), size=n_cust, replace=False))]
    records = []
    for cid in ids:
        first = dt.date(1997, 1, 1) + dt.timedelta(days=int(rng.integers(0, 90)))
        k = 1 + int(rng.poisson(2.2))
        days = sorted({first} | {first + dt.timedelta(days=int(d)) for d in rng.integers(1, 540, size=k - 1)})
        for d in days:
            cds = int(rng.choice([1, 1, 2, 2, 3, 4, 6]))
            amount = sum(cents(rng, 13, 0.25, lo=5.99, step=1) for _ in range(cds))
            records.append([cid, d, cds, amount])
    # zero-dollar transactions (the real log has a few): kept and flagged
    for at in rng.choice(len(records), size=4, replace=False):
        records[int(at)][3] = 0
    keyset = Counter((r[0], r[1], r[2], r[3]) for r in records)
    assert max(keyset.values()) == 1
    book = Book()
    rows = [["cust_id", "date", "num_cds", "dollar_value"]]
    for cid, d, cds, amount in records:
        rows.append([cid, f"{d:%Y%m%d}", str(cds), plain(amount)])
        book.add(amount, "kept", "zero_amounts" if amount == 0 else None, customer=cid)
    # one line written twice (identical in every column): without an order id nothing says it is one
    # purchase exported twice rather than two identical purchases, so it is kept and flagged
    dup = next(i for i, r in enumerate(records) if r[3] > 0 and i > 10)
    rows.insert(dup + 2, list(rows[dup + 1]))
    book.add(records[dup][3], "kept", "identical_rows", customer=records[dup][0])
    book.rows_in = len(records) + 1
    write_text(out, "transaction_log.csv", csv_text(rows, eol="\n"))
    return {
        "file": "transaction_log.csv",
        "platform": "CDNOW-style transaction log (the classic BG/NBD teaching data's layout)",
        "what_it_tests": (
            "No order id: every row is one order. Dates as YYYYMMDD integers (19970105); zero-padded "
            "customer ids (00042) that must stay text; 4 zero-dollar transactions kept and flagged "
            "zero_amounts; one line appears twice verbatim and is kept, flagged identical_rows (without an "
            "order id two identical purchases cannot be told from a double export). No currency symbol."),
        "columns": {"cust_id": "customer_id", "date": "order_ts", "num_cds": "items", "dollar_value": "net_amount"},
        "preset": None,
        "expect": book.expect(customers=True, currency=None),
    }


def online_retail_lines(out: Path) -> dict:
    """UCI Online Retail-like invoice lines: no line total, credit notes C..., blank CustomerID."""
    rng = np.random.default_rng(110)
    stock = []
    words1 = ["RED", "BLUE", "WHITE", "PINK", "GREEN", "VINTAGE", "SET OF 3", "JUMBO", "SMALL", "REGENCY"]
    words2 = ["ENAMEL MUG", "HEART T-LIGHT HOLDER", "LUNCH BAG", "PAPER BUNTING", "CAKE STAND", "TEA TOWEL",
              "GLASS STAR LANTERN", "WOODEN FRAME", "RIBBON REEL", "BIRD ORNAMENT"]
    for i in range(40):
        code = f"{int(rng.integers(20000, 90000))}{'' if i % 3 else str(rng.choice(list('ABCDE')))}"
        stock.append((code, f"{rng.choice(words1)} {rng.choice(words2)}", int(rng.choice([42, 85, 125, 165, 210, 255, 295, 375, 495, 850, 1275]))))
    customers = [int(x) for x in rng.choice(np.arange(12346, 18288), size=30, replace=False)]
    country_of = {c: str(rng.choice(["United Kingdom"] * 7 + ["France", "Germany", "EIRE"])) for c in customers}
    kinds = shuffled_labels(rng, {"sale": 48, "sale_nocust": 5, "credit": 4, "free": 1})
    days = sorted(rng.choice(
        [dt.date(2010, 12, 1) + dt.timedelta(days=int(d)) for d in range(62) if
         (dt.date(2010, 12, 1) + dt.timedelta(days=int(d))).weekday() != 5
         and not dt.date(2010, 12, 24) <= dt.date(2010, 12, 1) + dt.timedelta(days=int(d)) <= dt.date(2011, 1, 3)],
        size=len(kinds)))
    book = Book()
    header = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
    body = []
    extra_lines = 0
    number = 536365
    for kind, day in zip(kinds, days):
        t = dt.datetime.combine(day, dt.time(int(rng.integers(8, 18)), int(rng.integers(0, 60))))
        stamp = f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}"
        n_lines = 1 if kind == "free" else int(rng.choice([1, 1, 1, 1, 2, 2, 3] if kind != "credit" else [1, 2]))
        picks = rng.choice(len(stock), size=n_lines, replace=False)
        cust = None if kind == "sale_nocust" else int(rng.choice(customers))
        inv = f"C{number}" if kind == "credit" else str(number)
        number += int(rng.integers(1, 40))
        total = 0
        seen_pairs = set()
        for p in picks:
            code, desc, price = stock[p]
            qty = int(rng.choice([1, 2, 3, 4, 6, 12, 24]))
            while (qty, price) in seen_pairs:
                qty += 1
            seen_pairs.add((qty, price))
            if kind == "credit":
                qty = -qty
            if kind == "free":
                price, qty, desc = 0, 12, "SAMPLE " + desc
            body.append([inv, code, desc, str(qty), stamp, plain(price), "" if cust is None else str(cust),
                         "United Kingdom" if cust is None else country_of[cust]])
            total += qty * price
        extra_lines += n_lines - 1
        if kind == "sale_nocust":
            book.add(total, "blank_customer_id")
        elif kind == "credit":
            book.add(total, "negative_amounts", customer=cust)
        else:
            book.add(total, "kept", "zero_amounts" if total == 0 else None, customer=cust)
    # three lines repeated verbatim right after themselves (as in the public data)
    for j, at in enumerate(sorted(rng.choice(len(body), size=3, replace=False))):
        body.insert(int(at) + 1 + j, list(body[int(at) + j]))
    book.row_drops["duplicate_rows"] = 3
    book.row_drops["order_lines"] = extra_lines
    book.rows_in = len(body)
    write_text(out, "online_retail_lines.csv", csv_text([header] + body, eol="\n"))
    return {
        "file": "online_retail_lines.csv",
        "platform": "UCI Online Retail-style invoice lines (UK gift wholesaler layout)",
        "what_it_tests": (
            "No line total: net_amount is derived per line as Quantity x UnitPrice (items and unit_price "
            "mapped, net_amount absent), then the lines of an invoice are merged and summed. Dates "
            "12/1/2010 8:26 (month first, no padding; 12/13/2010 etc. decide the order). Three lines "
            "repeated verbatim (duplicate_rows before order_lines, so they are not summed). 5 invoices "
            "without CustomerID -> blank_customer_id (after the merge: counted per invoice). 4 credit "
            "notes (InvoiceNo C536..., negative quantities) -> negative_amounts. One free-sample invoice "
            "(UnitPrice 0.00) kept and flagged zero_amounts. No currency symbol (GBP in the original)."),
        "columns": {"InvoiceNo": "order_id", "InvoiceDate": "order_ts", "Quantity": "items",
                    "UnitPrice": "unit_price", "CustomerID": "customer_id"},
        "preset": None,
        "expect": book.expect(customers=True, currency=None),
    }


def day_first_eu(out: Path) -> dict:
    """A French PrestaShop back-office order export: ';', day-first dates, '€ 12,50', French statuses."""
    rng = np.random.default_rng(111)
    n = 60
    statuses = shuffled_labels(rng, {"Livré": 37, "Expédié": 6, "Paiement accepté": 5,
                                     "En attente de paiement par chèque": 3, "Annulé": 5, "Remboursé": 4})
    created = seconds_between(rng, dt.datetime(2018, 7, 2), dt.datetime(2018, 9, 28), n)
    clients = [int(x) for x in rng.choice(np.arange(100, 2000), size=38, replace=False)]
    book = Book()
    rows = [["ID", "Référence", "ID client", "Nouveau client", "Livraison", "Total", "Paiement", "État", "Date"]]
    big = set(rng.choice(n, size=3, replace=False).tolist())
    seen = set()
    for k, (status, ts) in enumerate(zip(statuses, created)):
        total = cents(rng, 48, 0.6, lo=6) if k not in big else int(rng.integers(100_000, 250_000))
        ref = "".join(rng.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), 9))
        client = int(rng.choice(clients))
        rows.append([str(311 + k), ref, str(client), "Non" if client in seen else "Oui",
                     str(rng.choice(["France", "France", "France", "Belgique", "Suisse"])), f"€ {grouped(total, '.', ',')}",
                     str(rng.choice(["Carte bancaire", "PayPal", "Chèque"])), status, f"{ts:%d/%m/%Y %H:%M}"])
        seen.add(client)
        fate = {"En attente de paiement par chèque": "unpaid", "Annulé": "cancelled"}.get(status, "kept")
        flag = {"Expédié": "in_progress", "Paiement accepté": "in_progress", "Remboursé": "returned"}.get(status)
        book.add(total, fate, flag if fate == "kept" else None, customer=client)
    book.rows_in = n
    write_text(out, "day_first_eu.csv", csv_text(rows, sep=";"))
    return {
        "file": "day_first_eu.csv",
        "platform": "PrestaShop (French back office) order export",
        "what_it_tests": (
            "';' separator; day-first stamps 24/07/2018 20:41 (days above 12 decide the order); euro "
            "amounts '€ 12,50' and '€ 1.234,50' (decimal comma, '.' thousands; EUR); French status words "
            "that no table knows, so the file needs status_map (--status-map): Livré=completed, "
            "Expédié=in_progress, Paiement accepté=in_progress, En attente de paiement par chèque=unpaid, "
            "Annulé=cancelled, Remboursé=returned. Accented headers (Référence, État)."),
        "columns": {"Référence": "order_id", "ID client": "customer_id", "Total": "net_amount", "État": "status",
                    "Date": "order_ts", "Livraison": "province"},
        "options": {"status_map": {"Livré": "completed", "Expédié": "in_progress", "Paiement accepté": "in_progress",
                                   "En attente de paiement par chèque": "unpaid", "Annulé": "cancelled",
                                   "Remboursé": "returned"}},
        "preset": None,
        "expect": book.expect(customers=True, currency="EUR"),
    }


def ambiguous_dates(out: Path) -> dict:
    """A UK shop's order sheet whose every date could be read either way (dd/mm or mm/dd)."""
    rng = np.random.default_rng(112)
    n = 30
    book = Book()
    rows = [["Order Ref", "Customer No", "Order Date", "Order Total"]]
    custs = [f"C{int(x):04d}" for x in rng.choice(np.arange(1, 900), size=20, replace=False)]
    dates = sorted({dt.date(2024, int(m), int(d)) for m, d in zip(rng.integers(1, 13, 60), rng.integers(1, 13, 60))})
    dates = [dates[i] for i in sorted(rng.choice(len(dates), size=n, replace=len(dates) < n))]
    assert any(d.day != d.month for d in dates)
    for k, d in enumerate(dates):
        total = cents(rng, 35, 0.6, lo=4) if k != 7 else 120_400
        cust = str(rng.choice(custs))
        rows.append([f"UK-{5001 + k}", cust, f"{d:%d/%m/%Y}", f"£{grouped(total)}"])
        book.add(total, "kept", customer=cust)
    book.rows_in = n
    write_text(out, "ambiguous_dates.csv", csv_text(rows))
    return {
        "file": "ambiguous_dates.csv",
        "platform": "UK shop order sheet (generic spreadsheet export)",
        "what_it_tests": (
            "Every date has day and month <= 12 (03/04/2024): the order cannot be decided from the data, "
            "so loading without options must stop with one line asking for --dayfirst (or --date-format); "
            "with dayfirst=True it loads. Amounts £12.50 / £1,204.00 (GBP)."),
        "columns": {"Order Ref": "order_id", "Customer No": "customer_id", "Order Date": "order_ts",
                    "Order Total": "net_amount"},
        "options": {"dayfirst": True},
        "error_without_options": ["--dayfirst"],
        "preset": None,
        "expect": book.expect(customers=True, currency="GBP"),
    }


def excel_export(out: Path) -> dict:
    """An .xlsx report: a title row above the header, Excel serial stamps, real datetimes, a 合计 row."""
    from openpyxl import Workbook

    rng = np.random.default_rng(113)
    kinds = shuffled_labels(rng, {"done": 29, "voucher": 2, "zero_no_discount": 1, "returned": 3, "cancelled": 3,
                                  "unpaid": 2})
    n = len(kinds)
    created = seconds_between(rng, dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 31, 23), n)
    custs = [int(x) for x in rng.choice(np.arange(10_001, 10_500), size=28, replace=False)]
    wb = Workbook()
    ws = wb.active
    ws.title = "订单报表"
    ws["A1"] = "订单报表 2024-01-01 至 2024-01-31"
    header = ["订单号", "客户ID", "下单时间", "付款时间", "商品金额", "优惠金额", "实付金额", "订单状态"]
    ws.append([])
    ws.append(header)
    book = Book()
    sums = [0, 0, 0]
    for k, (kind, ts) in enumerate(zip(kinds, created)):
        ts = ts.replace(second=0)
        serial = round((ts - dt.datetime(1899, 12, 30)).total_seconds() / 86400, 10)
        gross = cents(rng, 150, 0.6, lo=19, step=10)
        discount = gross if kind == "voucher" else (0 if kind == "zero_no_discount" else int(rng.choice([0, 0, 500, 1000])))
        net = 0 if kind in ("voucher", "zero_no_discount") else gross - discount
        paid_at = None if kind in ("unpaid", "zero_no_discount") else ts + dt.timedelta(minutes=int(rng.integers(1, 20)))
        word = {"done": "已完成", "voucher": "已完成", "zero_no_discount": None, "returned": "已退货",
                "cancelled": "已取消", "unpaid": "待付款"}[kind]
        cust = int(rng.choice(custs))
        ws.append([202401000000 + k * 13 + 7, cust, serial, paid_at, gross / 100, discount / 100, net / 100, word])
        ws.cell(row=ws.max_row, column=4).number_format = "yyyy-mm-dd hh:mm:ss"
        for c in (5, 6, 7):
            ws.cell(row=ws.max_row, column=c).number_format = "0.00"
        sums = [sums[0] + gross, sums[1] + discount, sums[2] + net]
        if kind == "unpaid":
            book.add(net, "unpaid", customer=cust)
        elif kind == "zero_no_discount":  # a draft: no status, no 付款时间, 实付 0 while 商品金额 > 0: unpaid
            book.add(net, "unpaid", customer=cust)
        elif kind == "cancelled":
            book.add(net, "cancelled", customer=cust)
        elif kind == "returned":
            book.add(net, "kept", "returned", customer=cust)
        elif kind == "voucher":  # a full voucher: discount covers gross, a purchase worth 0
            book.add(net, "kept", "zero_amounts", customer=cust)
        else:
            book.add(net, "kept", customer=cust)
    ws.append(["合计", None, None, None, sums[0] / 100, sums[1] / 100, sums[2] / 100, None])
    book.row_drops["totals_rows"] = 1
    book.rows_in = n + 1
    wb.properties.creator = "ecomkit corpus"
    wb.properties.created = wb.properties.modified = dt.datetime(2024, 2, 1, 9, 0, 0)
    wb.save(out / "excel_export.xlsx")
    return {
        "file": "excel_export.xlsx",
        "platform": "Back-office report saved as Excel (.xlsx), Chinese shop",
        "what_it_tests": (
            "A title line in A1 ('订单报表 2024-01-01 至 2024-01-31') and a blank row above the header on "
            "row 3 (not rows); 下单时间 as Excel serial numbers (45296.84375, general format); 付款时间 as "
            "real Excel datetimes, blank for 2 unpaid orders (待付款); numeric amount cells; numeric ids "
            "(客户ID turns float in pandas because the totals row leaves it empty); a 合计 row at the end. "
            "2 full-voucher orders (优惠金额 = 商品金额, 实付金额 0) are purchases: kept, flagged "
            "zero_amounts; 1 draft order (blank 订单状态 and 付款时间, 实付金额 0 with 商品金额 > 0 and no discount) is "
            "unpaid, however the reader weighs the evidence (a blank status alone would read completed)."),
        "columns": {"订单号": "order_id", "客户ID": "customer_id", "下单时间": "order_ts", "付款时间": "paid_ts",
                    "商品金额": "gross_amount", "优惠金额": "discount_amount", "实付金额": "net_amount",
                    "订单状态": "status"},
        "preset": None,
        "expect": book.expect(customers=True, currency=None),
    }


def tab_separated_usd(out: Path) -> dict:
    """A payments-style export: tab-separated, UTC 'Z' stamps, lower-case currency code, refund rows."""
    rng = np.random.default_rng(114)
    kinds = shuffled_labels(rng, {"paid": 44, "refunded": 5, "cancelled": 4, "pending": 4, "refund_row": 3})
    n = len(kinds)
    created = seconds_between(rng, dt.datetime(2024, 3, 1, 0, 0), dt.datetime(2024, 3, 31, 23, 59), n)
    created[0] = dt.datetime(2024, 3, 1, 12, 0, 0)
    emails = [f"user{int(rng.integers(1000, 9999))}@example.net" for _ in range(36)]
    book = Book()
    rows = [["order_ref", "created_utc", "customer_email", "description", "amount", "currency", "status", "type"]]
    for k, (kind, ts) in enumerate(zip(kinds, created)):
        email = str(rng.choice(emails))
        if kind == "refund_row":
            amount = -cents(rng, 30, 0.5, lo=5)
            rows.append([f"re_{k:05d}", f"{ts:%Y-%m-%dT%H:%M:%SZ}", email, "Refund", plain(amount), "usd", "", "refund"])
            book.add(amount, "negative_amounts", customer=email)
            continue
        amount = cents(rng, 42, 0.6, lo=3)
        rows.append([f"ord_{k:05d}", f"{ts:%Y-%m-%dT%H:%M:%SZ}", email, str(rng.choice(["Subscription box", "Gift set", "Refill pack"])),
                     plain(amount), "usd", kind, "charge"])
        fate = {"pending": "unpaid", "cancelled": "cancelled"}.get(kind, "kept")
        book.add(amount, fate, "returned" if kind == "refunded" else None, customer=email)
    book.rows_in = n
    write_text(out, "tab_separated_usd.tsv", csv_text(rows, sep="\t", eol="\n"))
    return {
        "file": "tab_separated_usd.tsv",
        "platform": "Payments-style order export (hosted checkout), tab-separated",
        "what_it_tests": (
            "Tab separator (.tsv); ISO stamps with a Z suffix (2024-03-01T12:00:00Z; wall clock kept, "
            "noted); statuses paid / refunded (kept, flagged returned) / cancelled / pending (unpaid); "
            "3 refund rows with negative amounts and a blank status (blank = completed) -> "
            "negative_amounts; a lower-case currency code column ('usd') mapped as currency, amounts "
            "without symbol, so currency is not asserted."),
        "columns": {"order_ref": "order_id", "created_utc": "order_ts", "customer_email": "customer_id",
                    "amount": "net_amount", "currency": "currency", "status": "status"},
        "preset": None,
        "expect": book.expect(customers=True, currency=None),
    }


def no_customer_id_minimal(out: Path) -> dict:
    """The smallest useful file: id, date, amount; two blank amounts and an empty line in the middle."""
    rng = np.random.default_rng(115)
    n = 25
    blanks = set(rng.choice(np.arange(3, n), size=2, replace=False).tolist())
    days = sorted(dt.date(2024, 2, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 29, size=n))
    book = Book()
    lines = ["id,date,total"]
    for k, d in enumerate(days):
        amount = cents(rng, 25, 0.5, lo=2)
        if k in blanks:
            lines.append(f"A{k + 1:03d},{d:%Y-%m-%d},")
            book.add(None, "blank_net_amount")
        else:
            lines.append(f"A{k + 1:03d},{d:%Y-%m-%d},{plain(amount)}")
            book.add(amount)
        if k == 11:
            lines.append("")  # an empty line typed into the middle of the file
    book.row_drops["blank_rows"] = 1
    book.rows_in = n + 1
    write_text(out, "no_customer_id_minimal.csv", "\n".join(lines) + "\n")
    return {
        "file": "no_customer_id_minimal.csv",
        "platform": "Hand-made minimal orders file",
        "what_it_tests": (
            "Only order id, ISO date and amount (no customer id: order-level only). Two orders with a "
            "blank amount -> blank_net_amount. An empty line in the middle of the file is a data row "
            "(rows_in counts it) removed as blank_rows."),
        "columns": {"id": "order_id", "date": "order_ts", "total": "net_amount"},
        "preset": None,
        "expect": book.expect(customers=False, currency=None),
    }


def youzan_cn_dates(out: Path) -> dict:
    """A Youzan (有赞)-style micro-shop export: 2024年1月5日 20时15分 stamps, ￥ and 元 amounts, masked phones."""
    rng = np.random.default_rng(116)
    statuses = shuffled_labels(rng, {"交易成功": 28, "已发货": 6, "待发货": 5, "待付款": 3, "交易关闭/unpaid": 2,
                                     "交易关闭/paid": 2})
    n = len(statuses)
    created = seconds_between(rng, dt.datetime(2024, 1, 1), dt.datetime(2024, 2, 20), n)
    phones = sorted({f"1{int(rng.choice([3, 5, 8]))}{int(rng.integers(0, 10))}****{int(rng.integers(0, 10_000)):04d}"
                     for _ in range(34)})

    def stamp(t: dt.datetime) -> str:
        return f"{t.year}年{t.month}月{t.day}日 {t.hour}时{t.minute:02d}分"

    book = Book()
    rows = [["订单号", "订单状态", "买家手机号", "下单时间", "付款时间", "商品金额", "运费", "实付金额", "收货省份"]]
    big = set(rng.choice(n, size=3, replace=False).tolist())
    for k, (status, ts) in enumerate(zip(statuses, created)):
        goods = cents(rng, 88, 0.5, lo=9, step=100) if k not in big else int(rng.integers(100_000, 200_000)) // 100 * 100
        off = int(rng.choice([0, 0, 1000])) if goods > 5000 else 0
        freight = 0 if goods >= 9900 else 800
        paid = goods - off + freight
        word = status.split("/")[0]
        never_paid = status in ("待付款", "交易关闭/unpaid")
        phone = str(rng.choice(phones))
        rows.append([f"E{ts:%Y%m%d%H%M%S}{int(rng.integers(10**7, 10**8))}", word, phone, stamp(ts),
                     "" if never_paid else stamp(ts + dt.timedelta(minutes=int(rng.integers(0, 9)))),
                     f"{goods // 100}元", f"￥{grouped(freight)}", f"￥{grouped(paid)}", province(rng)])
        if never_paid:
            book.add(paid, "unpaid", customer=phone)
        elif word == "交易关闭":
            book.add(paid, "cancelled", customer=phone)
        else:
            book.add(paid, "kept", "in_progress" if word in ("已发货", "待发货") else None, customer=phone)
    book.rows_in = n
    write_text(out, "youzan_cn_dates.csv", csv_text(rows))
    return {
        "file": "youzan_cn_dates.csv",
        "platform": "Youzan (有赞) micro-shop order export",
        "what_it_tests": (
            "Chinese date words 2024年1月5日 20时15分; full-width yen with thousands '￥1,288.00' in 实付金额 "
            "and a 元 suffix '128元' in 商品金额 (both CNY); order ids E20240105201530xxxxxxxx; the buyer "
            "key is a masked phone number (138****1234) — masked keys can merge different buyers, the "
            "reader just counts distinct strings. Statuses 交易成功, 已发货 / 待发货 (in_progress), 待付款, "
            "交易关闭 (2 never paid -> unpaid by the blank 付款时间, 2 paid -> cancelled)."),
        "columns": {"订单号": "order_id", "订单状态": "status", "买家手机号": "customer_id", "下单时间": "order_ts",
                    "付款时间": "paid_ts", "商品金额": "gross_amount", "运费": "shipping_fee",
                    "实付金额": "net_amount", "收货省份": "province"},
        "preset": None,
        "expect": book.expect(customers=True, currency="CNY"),
    }


def warehouse_dump(out: Path) -> dict:
    """A data-warehouse extract: pipe-separated, gzip-compressed .txt, compact 20240105201500 stamps."""
    rng = np.random.default_rng(118)
    statuses = shuffled_labels(rng, {"completed": 43, "cancelled": 4, "returned": 3})
    n = len(statuses)
    created = seconds_between(rng, dt.datetime(2024, 6, 1), dt.datetime(2024, 6, 30, 23, 59, 59), n)
    users = [int(x) for x in rng.choice(np.arange(880_000, 899_999), size=31, replace=False)]
    book = Book()
    rows = [["order_no", "user_id", "created", "pay_amount", "order_status", "channel"]]
    for k, (status, ts) in enumerate(zip(statuses, created)):
        amount = cents(rng, 140, 0.7, lo=5)
        user = int(rng.choice(users))
        rows.append([f"{8_100_000 + k * 11}", str(user), f"{ts:%Y%m%d%H%M%S}", f"{amount / 100:.1f}" if amount % 10 == 0 else plain(amount),
                     status, str(rng.choice(["app", "mini_program", "web"]))])
        fate = "cancelled" if status == "cancelled" else "kept"
        book.add(amount, fate, "returned" if status == "returned" else None, customer=user)
    book.rows_in = n
    raw = csv_text(rows, sep="|", eol="\n").encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="warehouse_dump.txt", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(raw)
    (out / "warehouse_dump.txt.gz").write_bytes(buf.getvalue())
    return {
        "file": "warehouse_dump.txt.gz",
        "platform": "Data-warehouse extract (pipe-separated text, gzip)",
        "what_it_tests": (
            "gzip-compressed .txt; '|' separator; compact stamps 20240601201500; amounts with one or two "
            "decimals (128.5, 99.90); English statuses completed / cancelled / returned (kept, flagged)."),
        "columns": {"order_no": "order_id", "user_id": "customer_id", "created": "order_ts",
                    "pay_amount": "net_amount", "order_status": "status", "channel": "channel"},
        "preset": None,
        "expect": book.expect(customers=True, currency=None),
    }


def bad_excel_mangled_ids(out: Path) -> dict:
    """A Taobao export opened and re-saved in Excel: 19-digit order ids became 3.68902E+18."""
    rng = np.random.default_rng(119)
    n = 30
    created = seconds_between(rng, dt.datetime(2024, 4, 1), dt.datetime(2024, 4, 30), n)
    rows = [["订单编号", "买家会员名", "买家实际支付金额", "订单状态", "订单创建时间"]]
    for ts in created:
        oid = int(rng.integers(3_600_000_000_000_000_000, 3_999_999_999_999_999_999, dtype=np.int64))
        mangled = f"{oid:.5E}".replace("E+0", "E+")  # Excel's General format: 6 significant digits
        mantissa, exp = mangled.split("E+")
        mangled = f"{mantissa.rstrip('0').rstrip('.')}E+{int(exp)}"
        rows.append([mangled, f"tb{int(rng.integers(10**7, 10**8))}", plain(cents(rng, 80, 0.6, lo=9)), "交易成功",
                     f"{ts:%Y/%m/%d %H:%M}"])
    write_text(out, "bad_excel_mangled_ids.csv", csv_text(rows), "utf-8-sig")
    return {
        "file": "bad_excel_mangled_ids.csv",
        "platform": "Taobao order export opened and saved again in Excel",
        "what_it_tests": (
            "Excel turned the 19-digit 订单编号 into 3.68902E+18: the ids are lost (many collide), and "
            "merging 'order lines' on them would silently fuse different orders. Loading must stop with "
            "one line naming the order_id column and showing a mangled example (E+18)."),
        "columns": {"订单编号": "order_id", "买家会员名": "customer_id", "买家实际支付金额": "net_amount",
                    "订单状态": "status", "订单创建时间": "order_ts"},
        "preset": None,
        "error_contains": ["order_id", "E+18"],
    }


def bad_unknown_status(out: Path) -> dict:
    """An ERP (旺店通-like) export with a status word no table knows: 挂起 (on hold in the ERP)."""
    rng = np.random.default_rng(120)
    statuses = shuffled_labels(rng, {"已完成": 22, "已取消": 4, "挂起": 4})
    created = seconds_between(rng, dt.datetime(2024, 7, 1), dt.datetime(2024, 7, 31), len(statuses))
    rows = [["订单编号", "客户网名", "下单时间", "实付金额", "订单状态", "店铺"]]
    for k, (status, ts) in enumerate(zip(statuses, created)):
        rows.append([f"JY{ts:%Y%m%d}{k:04d}", f"客户{int(rng.integers(100, 999))}", f"{ts:%Y-%m-%d %H:%M:%S}",
                     plain(cents(rng, 99, 0.5, lo=9)), status, str(rng.choice(["天猫旗舰店", "京东自营店", "抖音小店"]))])
    write_text(out, "bad_unknown_status.csv", csv_text(rows))
    return {
        "file": "bad_unknown_status.csv",
        "platform": "ERP (旺店通-style) order export across shops",
        "what_it_tests": (
            "An ERP-only status word (挂起, 4 rows: an order held in the ERP) that no platform table "
            "knows: loading must stop with one line listing the unknown word and pointing to --status-map."),
        "columns": {"订单编号": "order_id", "客户网名": "customer_id", "下单时间": "order_ts", "实付金额": "net_amount",
                    "订单状态": "status"},
        "preset": None,
        "error_contains": ["挂起", "--status-map"],
    }


BUILDERS = [tmall_order_report, taobao_gbk, jd_export, pdd_orders, douyin_orders, shopify_orders,
            woocommerce_orders, woocommerce_analytics, olist_style_brl, transaction_log, online_retail_lines,
            day_first_eu, ambiguous_dates, excel_export, tab_separated_usd, no_customer_id_minimal,
            youzan_cn_dates, warehouse_dump, bad_excel_mangled_ids, bad_unknown_status]


def build(out: Path = HERE) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    entries = [builder(out) for builder in BUILDERS]
    manifest = {
        "about": ("Messy order exports and what a correct ecomkit.io.read_table('orders', ...) must report for "
                  "each (docs/ingestion.md). Built by build_corpus.py; every number comes from how the file was "
                  "built, not from ecomkit. expect.dropped lists every rule that removes rows (others must be 0); "
                  "expect.flagged lists only the flags the contract makes certain; net_amount_sum is the plain sum "
                  "of the kept orders' net amount, rounded to the cent; customers / currency null = not asserted."),
        "files": entries,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return entries


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for e in build(target):
        x = e.get("expect")
        print(f"{e['file']:<34} " + (f"rows_in={x['rows_in']:<4} kept={x['rows_kept']:<4} sum={x['net_amount_sum']}"
                                      if x else f"error: {e['error_contains']}"))
