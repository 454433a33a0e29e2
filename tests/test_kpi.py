"""Core indicators, funnel and cohorts on small hand-made tables; the plotting rules of chapters 00 and 01."""

import inspect
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from ecomkit import cohorts, kpi, profiling


@pytest.fixture
def orders():
    return pd.DataFrame({
        "customer_id": [1, 1, 2, 3, 3, 3],
        "order_ts": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-01-20", "2024-02-03", "2024-03-04", "2024-03-05"]),
        "net_amount": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
        "gross_amount": [10.0, 25.0, 30.0, 40.0, 50.0, 80.0],
        "discount_amount": [0.0, 5.0, 0.0, 0.0, 0.0, 20.0],
        "status": ["completed"] * 5 + ["returned"],
        "channel": ["search", "social", "search", "search", "social", "social"],
    })


def test_core_kpis_follow_the_stated_definitions(orders):
    k = kpi.core_kpis(orders)
    assert k["orders"] == 6 and k["buyers"] == 3
    assert k["gmv"] == 210.0
    assert k["net_sales"] == 150.0          # the returned order's 60 is refunded
    assert k["aov"] == 35.0                 # GMV per order
    assert k["spend_per_buyer"] == 70.0     # GMV per buyer
    assert k["return_rate"] == pytest.approx(1 / 6)
    assert k["repeat_purchase_rate"] == pytest.approx(2 / 3)
    assert k["discount_share"] == pytest.approx(25 / 235)
    assert "refunds" not in k                   # no refund_amount column
    assert not [key for key in k.index if "cny" in key]


def test_partial_refunds_come_off_net_sales_and_returns_count_whole(orders):
    with_refunds = orders.assign(refund_amount=[0.0, 5.0, 0.0, 100.0, 0.0, 0.0])
    k = kpi.core_kpis(with_refunds)
    # order 2 gives back 5; order 4's refund is capped at its 40; the returned order 6 gives back its 60
    assert k["refunds"] == 105.0 and k["net_sales"] == 105.0
    assert k["refund_share"] == pytest.approx(105 / 210)


def test_paid_rate_counts_the_unpaid_and_cancelled_orders_the_loader_dropped(orders):
    ledger = {"rows_in": 10, "rows_kept": 6, "dropped": {"unpaid": 3, "cancelled": 1}}
    paid = kpi.paid_rate(orders, ledger)
    assert paid["placed_orders"] == 10 and paid["unpaid_orders"] == 3
    assert paid["paid_rate"] == pytest.approx(0.7)
    kept = kpi.paid_rate(orders.assign(status=["unpaid"] + ["completed"] * 5), None)
    assert kept["unpaid_orders"] == 1 and kept["paid_rate"] == pytest.approx(5 / 6)


def test_a_buyerless_order_report_still_gets_its_order_level_indicators(orders):
    anonymous = orders.drop(columns="customer_id").assign(province=["Zhejiang", "Zhejiang", None, "SP", "SP", "SP"])
    k = kpi.core_kpis(anonymous)
    assert "buyers" not in k and "repeat_purchase_rate" not in k and k["orders"] == 6
    mix = kpi.channel_mix(anonymous)
    assert "buyers" not in mix and mix.loc["social", "orders"] == 3
    regions = kpi.province_mix(anonymous)
    assert list(regions.index) == ["SP", "Zhejiang", "(blank)"]          # largest GMV first
    assert regions.loc["SP", "gmv"] == 150.0 and regions["order_share"].sum() == pytest.approx(1.0)


def test_orders_by_hour_has_every_hour_and_needs_times_of_day(orders):
    assert not kpi.has_time_of_day(orders["order_ts"])                    # dates only
    timed = orders.assign(order_ts=orders["order_ts"] + pd.to_timedelta([20, 20, 21, 9, 0, 20], unit="h"))
    assert kpi.has_time_of_day(timed["order_ts"])
    hours = kpi.orders_by_hour(timed)
    assert list(hours.index) == list(range(24)) and hours.loc[20, "orders"] == 3
    assert hours.loc[3, "orders"] == 0 and hours["order_share"].sum() == pytest.approx(1.0)


def test_format_kpis_labels_units_in_the_given_currency(orders):
    table = kpi.format_kpis(kpi.core_kpis(orders), currency="BRL")
    assert table.loc["Average order value (客单价)", "value"] == "BRL 35.00"
    assert table.loc["Return rate (退货率)", "value"] == "16.7%"
    assert table.loc["Orders", "value"] == "6"
    assert "CNY" not in table.to_string()

@pytest.fixture
def funnel():
    return pd.DataFrame({"date": pd.to_datetime(["2024-01-05"] * 2), "channel": ["search", "social"],
                         "visitors": [100, 300], "product_views": [50, 100], "add_to_cart": [10, 20],
                         "orders": [2, 4]})


def test_conversion_rate_comes_from_the_funnel(orders, funnel):
    assert kpi.core_kpis(orders, funnel)["conversion_rate"] == pytest.approx(6 / 400)
    summary = kpi.funnel_summary(funnel)
    assert summary.loc["search", "conversion_rate"] == pytest.approx(0.02)
    assert summary.loc["social", "cart_rate"] == pytest.approx(0.2)
    assert list(summary.index) == ["search", "social"]  # best converting first


def test_cohort_retention_counts_buyers_per_month_since_first_order(orders):
    result = kpi.cohort_retention(orders)
    matrix = result.matrix
    assert [str(p) for p in matrix.index] == ["2024-01", "2024-02"]
    assert result.sizes.tolist() == [2, 1]
    assert matrix.loc["2024-01", 1] == 0.5      # customer 1 bought again in February
    assert matrix.loc["2024-01", 2] == 0.0      # nobody from January bought in March
    assert matrix.loc["2024-02", 1] == 1.0      # customer 3 bought in March
    assert np.isnan(matrix.loc["2024-02", 2])   # April is not observed: unknown, not churn
    assert result.active.loc["2024-01"].tolist() == [2, 1, 0]
    assert result.curves["retention"].notna().all() and len(result.curves) == 3 + 2


def test_cohort_retention_without_as_of_observes_the_month_of_the_last_order_even_if_partial(orders):
    # the data stop on 2024-03-05: March is observed (chapter 00) unless an as_of says it is incomplete
    through_last_order = kpi.cohort_retention(orders)
    assert list(through_last_order.matrix.columns) == [0, 1, 2]
    complete_only = kpi.cohort_retention(orders, as_of="2024-03-06")
    assert list(complete_only.matrix.columns) == [0, 1]
    assert np.isnan(complete_only.matrix.loc["2024-02", 1])      # March is not complete: unknown
    # a complete month after the last order is an observed zero, not unknown
    later = kpi.cohort_retention(orders, as_of="2024-05-01")
    assert later.matrix.loc["2024-01"].tolist() == [1.0, 0.5, 0.0, 0.0]


def test_retention_claim_uses_cohort_sizes_for_the_pooled_rate(orders):
    next_month = kpi.next_period_retention(kpi.cohort_retention(orders))
    assert next_month.per_cohort.tolist() == [0.5, 1.0]
    claim = kpi.retention_claim(next_month)
    assert claim["median_next_month_retention"] == 0.75
    assert claim["pooled_next_month_retention"] == pytest.approx(2 / 3)   # 2 of the 3 customers
    assert claim["share_of_cohorts_below_claim"] == 0.0
    assert claim["cohorts"] == 2 and not claim["claim_holds_for_median_cohort"]


def test_funnel_matches_orders_reports_disagreements(orders):
    funnel = (orders.assign(date=orders["order_ts"].dt.normalize()).groupby(["date", "channel"]).size()
              .rename("orders").reset_index())
    assert kpi.funnel_matches_orders(funnel, orders).empty
    funnel.loc[0, "orders"] += 1
    assert len(kpi.funnel_matches_orders(funnel, orders)) == 1


def test_festival_lift_compares_the_week_before_the_festival_with_the_year():
    days = pd.date_range("2024-01-01", "2024-12-31", freq="D")
    daily = pd.DataFrame({"orders": 10.0}, index=days)
    daily.loc["2024-11-05":"2024-11-11", "orders"] = 40.0
    lift = kpi.festival_lift(daily).set_index("festival")
    assert lift.loc["618", "lift"] == pytest.approx(10 / daily["orders"].mean())
    assert lift.loc["11.11", "lift"] == pytest.approx(40 / daily["orders"].mean())


def test_festivals_are_a_parameter_and_skip_outside_the_window():
    assert kpi.festival_days(None) == {"618": (6, 18), "11.11": (11, 11)}
    assert kpi.festival_days(["1212", "Dia do Consumidor 03-15"]) == {"12.12": (12, 12), "Dia do Consumidor": (3, 15)}
    assert kpi.festival_days([]) == {}
    with pytest.raises(ValueError, match="MM-DD"):
        kpi.festival_days(["Carnaval"])
    january_to_may = pd.DataFrame({"orders": 5.0}, index=pd.date_range("2024-01-01", "2024-05-31", freq="D"))
    assert kpi.festivals_in_window("2024-01-01", "2024-05-31").empty
    assert kpi.festival_lift(january_to_may).empty
    lift = kpi.festival_lift(january_to_may, festivals=["Dia do Consumidor 03-15"])
    assert lift["festival"].tolist() == ["Dia do Consumidor"] and lift["lift"].tolist() == [1.0]


def test_kpis_by_period_fills_empty_days_with_zero(orders):
    daily = kpi.kpis_by_period(orders, "D")
    assert daily.loc["2024-01-06", "orders"] == 0
    assert daily["orders"].sum() == 6 and daily["new_buyers"].sum() == 3


def test_plots_label_their_axes(orders):
    import matplotlib
    matplotlib.use("Agg")
    result = kpi.cohort_retention(orders)
    ax = kpi.plot_cohort_heatmap(result)
    assert ax.get_xlabel() == "Months since first order" and ax.get_ylabel()
    ax = kpi.plot_daily_trend(kpi.kpis_by_period(orders, "D"))
    assert "CNY" in ax.get_ylabel()
    ax = kpi.plot_daily_trend(kpi.kpis_by_period(orders, "W"), currency="BRL", festivals=[])
    assert ax.get_ylabel() == "GMV per week (BRL)" and "festival" not in ax.get_title()
    regions = kpi.province_mix(orders.assign(province=["SP", "RJ", "SP", "AM", "SP", "RJ"]))
    ax = kpi.plot_province_mix(regions, top=2)
    assert ax.get_xlabel() and ax.get_ylabel() and "top 2 of 3" in ax.get_title()
    ax = kpi.plot_orders_by_hour(kpi.orders_by_hour(orders))
    assert ax.get_xlabel().startswith("hour of day") and ax.get_ylabel() == "share of orders"
    ax = kpi.plot_next_period_retention(kpi.next_period_retention(result), claim=0.4)
    assert ax.get_ylabel() == "next-month retention"
    assert ax.get_legend().get_texts()[0].get_text() == "handbook claim: below 40%"
    ax = kpi.plot_next_period_retention(kpi.next_period_retention(result), claim=0.3, claim_label="target")
    assert ax.get_legend().get_texts()[0].get_text() == "target: below 30%"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024-01", "2024-02"]


PLOTS = {f"{module.__name__}.{name}": getattr(module, name)
         for module in (kpi, cohorts, profiling) for name in module.__all__ if name.startswith("plot_")}


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_every_plot_takes_ax_as_a_keyword_and_forwards_other_keywords(name):
    parameters = inspect.signature(PLOTS[name]).parameters
    assert parameters["ax"].kind is inspect.Parameter.KEYWORD_ONLY and parameters["ax"].default is None
    assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())


def test_plots_draw_on_the_given_axes_with_the_given_style(orders, funnel):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    assert kpi.plot_funnel(kpi.funnel_summary(funnel), ax=ax, color="red") is ax
    assert {line.get_color() for line in ax.get_lines()} == {"red"}
    _, ax = plt.subplots()
    kpi.plot_daily_trend(kpi.kpis_by_period(orders, "D"), "orders", ax=ax, lw=3)
    assert ax.get_lines()[0].get_linewidth() == 3
    plt.close("all")


def test_importing_the_chapter_modules_loads_neither_pyplot_nor_seaborn():
    code = ("import sys, ecomkit.kpi, ecomkit.cohorts, ecomkit.profiling; "
            "print('matplotlib.pyplot' in sys.modules, 'seaborn' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
