"""Core indicators, funnel and cohorts on small hand-made tables."""

import numpy as np
import pandas as pd
import pytest

from ecomkit import kpi


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
    assert k["gmv_cny"] == 210.0
    assert k["net_sales_cny"] == 150.0          # the returned order's 60 is refunded
    assert k["aov_cny"] == 35.0                 # GMV per order
    assert k["spend_per_buyer_cny"] == 70.0     # GMV per buyer
    assert k["return_rate"] == pytest.approx(1 / 6)
    assert k["repeat_purchase_rate"] == pytest.approx(2 / 3)
    assert k["discount_share"] == pytest.approx(25 / 235)


def test_conversion_rate_comes_from_the_funnel(orders):
    funnel = pd.DataFrame({"date": pd.to_datetime(["2024-01-05"] * 2), "channel": ["search", "social"],
                           "visitors": [100, 300], "product_views": [50, 100], "add_to_cart": [10, 20], "orders": [2, 4]})
    assert kpi.core_kpis(orders, funnel)["conversion_rate"] == pytest.approx(6 / 400)
    summary = kpi.funnel_summary(funnel)
    assert summary.loc["search", "conversion_rate"] == pytest.approx(0.02)
    assert summary.loc["social", "cart_rate"] == pytest.approx(0.2)
    assert list(summary.index) == ["search", "social"]  # best converting first


def test_cohort_retention_counts_buyers_per_month_since_first_order(orders):
    matrix = kpi.cohort_retention(orders)
    assert list(matrix.index) == ["2024-01", "2024-02"]
    assert matrix.loc["2024-01", "cohort_size"] == 2
    assert matrix.loc["2024-01", 1] == 0.5      # customer 1 bought again in February
    assert matrix.loc["2024-01", 2] == 0.0      # nobody from January bought in March
    assert matrix.loc["2024-02", 1] == 1.0      # customer 3 bought in March
    assert np.isnan(matrix.loc["2024-02", 2])   # April is not observed: unknown, not churn


def test_retention_claim_uses_cohort_sizes_for_the_pooled_rate(orders):
    claim = kpi.retention_claim(kpi.next_period_retention(kpi.cohort_retention(orders)))
    assert claim["median_next_month_retention"] == 0.75
    assert claim["pooled_next_month_retention"] == pytest.approx(2 / 3)
    assert claim["share_of_cohorts_below_claim"] == 0.0


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


def test_kpis_by_period_fills_empty_days_with_zero(orders):
    daily = kpi.kpis_by_period(orders, "D")
    assert daily.loc["2024-01-06", "orders"] == 0
    assert daily["orders"].sum() == 6 and daily["new_buyers"].sum() == 3


def test_plots_label_their_axes(orders):
    import matplotlib
    matplotlib.use("Agg")
    ax = kpi.plot_cohort_heatmap(kpi.cohort_retention(orders))
    assert ax.get_xlabel() and ax.get_ylabel()
    ax = kpi.plot_daily_trend(kpi.kpis_by_period(orders, "D"))
    assert "CNY" in ax.get_ylabel()
