"""Specifications of chapter 02's pricing module (ecomkit.pricing) and its simulator.

Statistical tolerances are stated beside each assertion with the sampling error they come from.
"""
from __future__ import annotations

import inspect
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ecomkit import pricing
from ecomkit.io import DataError, read_table
from ecomkit.pricing.panel import festival_of_week
from ecomkit.simulate.pricing import (
    PRICING_FILES,
    expected_threshold_effect,
    simulate_baskets,
    simulate_price_panel,
    write_pricing_tables,
)

DEMO_DIR = Path(__file__).resolve().parents[1] / "datasets" / "demo_shop"


def first_line(err: pytest.ExceptionInfo) -> str:
    return str(err.value).splitlines()[0]


@pytest.fixture(scope="module")
def small_panel():
    """60 SKUs over two years: about 10 SKUs per category."""
    return simulate_price_panel(n_skus=60, seed=5, start="2024-01-01", end="2025-12-31")


@pytest.fixture(scope="module")
def small_weekly(small_panel):
    panel, _ = small_panel
    return pricing.weekly_panel(panel[panel["units"] > 0])


def tiny_panel(**overrides) -> pd.DataFrame:
    frame = pd.DataFrame({
        "sku": ["A", "A", "B", "B"],
        "date": ["2024-01-01", "2024-01-02", "2024-01-01", "2024-01-02"],
        "price": [10.0, 9.0, 20.0, 20.0],
        "units": [5, 0, 3, 4],
    })
    return frame.assign(**overrides)


# --- the Lerner rule ------------------------------------------------------------------------


def test_lerner_price_marks_up_the_unit_cost_by_e_over_one_plus_e():
    assert pricing.optimal_price(60.0, -3.0) == pytest.approx(90.0)     # 60 * -3 / -2
    assert pricing.optimal_price(50.0, -2.0) == pytest.approx(100.0)    # margin share 1/2 = -1/e
    assert pricing.optimal_price(10.0, -11.0) == pytest.approx(11.0)    # 10% markup when very elastic
    prices = pricing.optimal_price(np.array([60.0, 50.0]), np.array([-3.0, -2.0]))
    np.testing.assert_allclose(prices, [90.0, 100.0])


def test_lerner_margin_share_equals_minus_one_over_elasticity():
    for cost, e in [(12.5, -1.3), (80.0, -2.7), (3.0, -6.0)]:
        price = pricing.optimal_price(cost, e)
        assert (price - cost) / price == pytest.approx(-1 / e)


@pytest.mark.parametrize("elasticity", [-1.0, -0.7, -0.01, 0.5])
def test_lerner_refuses_inelastic_demand_with_a_plain_explanation(elasticity):
    with pytest.raises(pricing.InelasticDemandError) as err:
        pricing.optimal_price(40.0, elasticity)
    assert isinstance(err.value, ValueError)
    message = str(err.value)
    assert "inelastic" in message and "no profit-maximising price" in message and "test" in message


def test_lerner_rejects_missing_or_nonpositive_inputs():
    with pytest.raises(ValueError, match="NaN"):
        pricing.optimal_price(10.0, float("nan"))
    with pytest.raises(ValueError, match="positive"):
        pricing.optimal_price(0.0, -2.0)


def test_price_profit_curve_peaks_at_the_lerner_price_and_its_band_closes_at_the_current_price():
    curve = pricing.price_profit_curve(60.0, -3.0, current_price=100.0, current_units=50.0, elasticity_se=0.3,
                                       prices=np.linspace(70, 130, 601))
    best = curve.loc[curve["profit"].idxmax(), "price"]
    assert best == pytest.approx(90.0, abs=0.1)                 # the grid's step is CNY 0.1
    at_current = curve.iloc[(curve["price"] - 100).abs().argmin()]
    assert at_current["profit_high"] - at_current["profit_low"] == pytest.approx(0.0, abs=1e-6)
    assert ((curve["profit_low"] <= curve["profit"] + 1e-9) & (curve["profit"] <= curve["profit_high"] + 1e-9)).all()


def test_recommendations_are_capped_floored_and_step_up_for_inelastic_skus():
    baseline = pd.DataFrame({"sku": ["elastic", "cheap_cost", "inelastic"], "category": ["x", "x", "y"],
                             "regular_price": [100.0, 100.0, 100.0], "unit_cost": [60.0, 20.0, 50.0],
                             "regular_units": [10.0, 10.0, 10.0], "revenue": [1.0, 1.0, 1.0],
                             "min_price": [80.0, 80.0, 90.0], "max_price": [100.0, 100.0, 100.0]})
    baseline["margin"] = 1 - baseline["unit_cost"] / baseline["regular_price"]
    table = pricing.recommend_prices(baseline, pd.Series({"elastic": -3.0, "cheap_cost": -3.0, "inelastic": -0.5}),
                                     margin_floor=0.5, max_change=0.2).set_index("sku")
    assert table.loc["elastic", "lerner_price"] == pytest.approx(90.0)
    assert table.loc["elastic", "recommended_price"] == pytest.approx(120.0)     # floor 60 / 0.5 = 120 beats 90
    assert table.loc["cheap_cost", "recommended_price"] == pytest.approx(80.0)   # Lerner 30 capped at -20%
    assert "capped" in table.loc["cheap_cost", "note"]
    assert np.isnan(table.loc["inelastic", "lerner_price"])
    assert table.loc["inelastic", "recommended_price"] == pytest.approx(120.0)   # a capped step up
    by_category = pricing.recommend_prices(baseline, pd.Series({"x": -3.0, "y": -0.5}), max_change=None)
    assert np.isnan(by_category.set_index("sku").loc["inelastic", "recommended_price"])


# --- discount economics ----------------------------------------------------------------------


def test_break_even_lift_is_discount_over_margin_minus_discount():
    assert pricing.break_even_lift(0.10, 0.40) == pytest.approx(1 / 3)
    assert pricing.break_even_lift(0.20, 0.50) == pytest.approx(2 / 3)
    assert pricing.break_even_lift(0.0, 0.30) == 0.0
    for d, m in [(0.05, 0.2), (0.3, 0.6), (0.15, 0.16)]:
        lift = pricing.break_even_lift(d, m)
        assert (1 + lift) * (m - d) == pytest.approx(m)       # gross profit unchanged
    assert math.isinf(pricing.break_even_lift(0.25, 0.25))    # every unit sold at cost or below
    np.testing.assert_allclose(pricing.break_even_lift(np.array([0.1, 0.2]), 0.4), [1 / 3, 1.0])


def test_break_even_lift_refuses_percent_inputs():
    with pytest.raises(ValueError, match="fraction"):
        pricing.break_even_lift(10, 0.4)
    with pytest.raises(ValueError, match="fraction"):
        pricing.break_even_lift(0.1, 40)


def test_a_discount_whose_predicted_lift_equals_the_break_even_lift_leaves_profit_unchanged():
    d, m, price = 0.15, 0.45, 200.0
    e = math.log(1 + pricing.break_even_lift(d, m)) / math.log(1 - d)
    assert pricing.predicted_lift(d, e) == pytest.approx(pricing.break_even_lift(d, m))
    assert pricing.discount_profit(price, price * (1 - m), 30.0, e, d) == pytest.approx(0.0, abs=1e-9)
    assert pricing.discount_profit(price, price * (1 - m), 30.0, e - 0.5, d) > 0   # more elastic: it pays


def test_break_even_table_tests_the_claim_against_each_margin():
    margins = pd.Series({"thin": 0.2, "fat": 0.6})
    table = pricing.break_even_table(margins, [0.05, 0.1], elasticities=pd.Series({"thin": -2.0, "fat": -2.0}),
                                     claim=(0.2, 0.3), margin_floor=0.15).set_index(["category", "discount"])
    assert table.loc[("fat", 0.1), "claim_covers"]                # needs 0.1 / 0.5 = 20%
    assert not table.loc[("thin", 0.1), "claim_covers"]           # needs 0.1 / 0.1 = 100%
    assert table.loc[("thin", 0.1), "below_margin_floor"]         # (0.2 - 0.1) / 0.9 = 11% < 15%
    assert table.loc[("fat", 0.05), "pays"] and not table.loc[("thin", 0.1), "pays"]


# --- elasticity estimation -----------------------------------------------------------------


def test_absorbed_fixed_effects_give_the_same_slope_as_the_dummy_regression(small_weekly):
    import statsmodels.api as sm

    rows = small_weekly[small_weekly["category"] == "apparel"]
    table = pricing.estimate_elasticity(rows, by=None)
    dummies = pd.get_dummies(rows[["sku"]].astype(str).assign(week=rows["week"].astype(str)), drop_first=False,
                             dtype=float).iloc[:, :-1]
    exog = np.column_stack([np.log(rows["price"]), dummies.to_numpy()])
    direct = sm.OLS(np.log(rows["units"].to_numpy(float)), exog).fit()
    assert table.loc["all", "elasticity"] == pytest.approx(direct.params[0], abs=1e-8)


def test_controlled_elasticity_recovers_each_category_truth_while_the_naive_one_is_biased(small_panel, small_weekly):
    _, truth = small_panel
    controlled = pricing.estimate_elasticity(small_weekly, by="category")
    naive = pricing.naive_elasticity(small_weekly, by="category")
    target = pd.Series(truth["category_mean_sku_elasticity"])
    # 3 SKU-clustered standard errors: about 3 false alarms in 1,000 per category
    miss = (controlled["elasticity"] - target).abs() / controlled["se"]
    assert (miss <= 3).all(), miss
    # the 95% interval is estimate -/+ t(G - 1) x SE, G the number of SKUs (clusters)
    t = stats.t.ppf(0.975, controlled["n_skus"] - 1)
    np.testing.assert_allclose(controlled["ci_low"], controlled["elasticity"] - t * controlled["se"])
    np.testing.assert_allclose(controlled["ci_high"], controlled["elasticity"] + t * controlled["se"])
    # festival demand arrives with the price cuts: the naive slope is steeper, by many of its SEs
    naive_miss = (naive["elasticity"] - target) / naive["se"]
    assert (naive_miss < -3).sum() >= 5, naive_miss


def test_experimental_estimate_uses_only_the_randomised_price_test_rows(small_panel, small_weekly):
    table = pricing.experimental_elasticity(small_weekly, by=None)
    assert table.loc["all", "n_obs"] == int((small_weekly["price_test"] & (small_weekly["units"] > 0)).sum())
    assert table.loc["all", "method"] == "experimental"
    with pytest.raises(ValueError, match="price_test"):
        pricing.experimental_elasticity(small_weekly.drop(columns="price_test"))


def test_groups_too_small_for_an_estimate_or_a_clustered_se_say_so(small_weekly):
    two = small_weekly[small_weekly["sku"].isin(small_weekly["sku"].unique()[:2])]
    row = pricing.estimate_elasticity(two, by=None).loc["all"]
    assert np.isfinite(row["elasticity"]) and np.isnan(row["se"]) and "standard error" in row["note"]
    one = small_weekly[small_weekly["sku"] == small_weekly["sku"].iloc[0]]
    assert "fewer than 2 SKUs" in pricing.estimate_elasticity(one, by=None).loc["all", "note"]
    with pytest.raises(ValueError, match="unknown control"):
        pricing.estimate_elasticity(small_weekly, controls=("sku", "weather"))


def test_shrunk_sku_elasticities_lie_between_the_own_estimate_and_the_segment_mean(small_weekly):
    table = pricing.shrink_elasticities(pricing.sku_elasticities(small_weekly), by="category").dropna(subset=["shrunk"])
    assert ((table["weight"] >= 0) & (table["weight"] <= 1)).all()
    low = np.minimum(table["elasticity"], table["prior_mean"]) - 1e-12
    high = np.maximum(table["elasticity"], table["prior_mean"]) + 1e-12
    assert ((table["shrunk"] >= low) & (table["shrunk"] <= high)).all()
    assert (table["shrunk_se"] <= table["se"] + 1e-12).all()


def test_weekly_panel_sums_days_and_marks_festival_and_partial_weeks(small_panel):
    panel, _ = small_panel
    weekly = pricing.weekly_panel(panel)
    assert weekly["units"].sum() == panel["units"].sum()
    assert set(weekly["festival"]) == {"", "618", "11.11", "12.12"}
    june = weekly[weekly["week"] == pd.Timestamp("2024-06-10")]
    assert (june["festival"] == "618").all()
    first = weekly[weekly["week"] == weekly["week"].min()]
    assert first["partial_week"].all() == (panel["date"].min().dayofweek != 0)


# --- 满减 thresholds -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def baskets():
    return simulate_baskets(seed=3)


def test_threshold_offer_discount_goes_only_to_qualifying_offer_baskets(baskets):
    table, truth = baskets
    paid = table["threshold_discount"] > 0
    assert (table.loc[paid, "gross_value"] >= truth["threshold"]).all() and table.loc[paid, "promo"].all()
    np.testing.assert_allclose(table["net_paid"], table["gross_value"] - table["threshold_discount"], atol=0.006)


def test_threshold_effect_recovers_the_baskets_pushed_over(baskets):
    table, truth = baskets
    effect = pricing.threshold_effect(table, truth["threshold"])
    assert effect["discount"] == truth["discount"]
    # bin counts are Poisson: 3 standard errors
    assert abs(effect["pushed_over"] - truth["counts"]["pushed_over"]) <= 3 * effect["pushed_over_se"]
    assert effect["margin_effect_per_basket"] < 0        # most of the discount subsidises baskets already over


def test_threshold_design_matches_the_simulators_expected_effect(baskets):
    table, truth = baskets
    response = pricing.topup_response(table, truth["threshold"])
    effect = pricing.threshold_effect(table, truth["threshold"])
    thresholds = [149, 199, 249]
    design = pricing.threshold_design(table.loc[~table["promo"], "gross_value"], thresholds, truth["discount"],
                                      response, effect["margin_rate"])
    expected = expected_threshold_effect(thresholds, truth["discount"])
    # the natural values are a sample of n before-period baskets: the share that qualifies carries a
    # binomial SE; the discount cost per basket, discount x (natural share + pushed share), carries that
    # SE and the pushed share's Poisson SE, both times the discount. 4 SEs each.
    natural = expected["qualify_naturally"]
    natural_se = np.sqrt(natural * (1 - natural) / int((~table["promo"]).sum()))
    pushed_se = effect["pushed_over_se"] / effect["baskets_promo"]
    cost_se = truth["discount"] * np.sqrt(natural_se ** 2 + pushed_se ** 2)
    assert ((design["qualify_naturally"] - natural).abs() <= 4 * natural_se).all()
    assert ((design["margin_effect"] - expected["margin_effect_cny"]).abs() <= 4 * cost_se).all()


def test_bunching_estimate_conserves_baskets_inside_the_window(baskets):
    table, truth = baskets
    values = table.loc[table["promo"], "gross_value"]
    result = pricing.bunching_estimate(values, truth["threshold"], below=75, above=45)
    assert result["missing_below"] == pytest.approx(result["excess_above"])
    # the window's bin counts carry Poisson noise of the same order as the before/after comparison's
    # (pushed_over_se, about 90 of 630 baskets here): within 3 of those
    pushed_over_se = pricing.threshold_effect(table, truth["threshold"])["pushed_over_se"]
    assert abs(result["pushed_over"] - truth["counts"]["pushed_over"]) <= 3 * pushed_over_se


# --- loading ------------------------------------------------------------------------------


def test_load_panel_maps_columns_types_them_and_counts_zero_unit_rows():
    frame = tiny_panel().rename(columns={"sku": "货号", "units": "销量"})
    data = pricing.load_panel(frame, columns={"货号": "sku", "销量": "units"})
    panel = data.panel
    assert list(panel.columns[:2]) == ["sku", "date"] and panel["date"].dtype == "datetime64[ns]"
    assert panel["units"].dtype == "int64" and len(panel) == 3
    assert data.ledger.dropped() == {"zero_units": 1}
    assert any("one category" in note for note in data.ledger.notes)
    kept = pricing.load_panel(tiny_panel(), zero_units="keep")
    assert len(kept.panel) == 4 and kept.ledger.dropped() == {}


def test_load_panel_drops_rows_outside_the_window_and_exact_duplicates_with_counts():
    frame = pd.concat([tiny_panel(), tiny_panel().iloc[[0]]], ignore_index=True)
    data = pricing.load_panel(frame, start="2024-01-02", zero_units="keep")
    assert data.ledger.dropped() == {"duplicate_rows": 1, "before_start": 2}
    assert data.ledger.rows_kept == len(data.panel) == 2


def test_missing_required_column_suggests_the_mapping():
    frame = tiny_panel().rename(columns={"units": "qty"})
    with pytest.raises(DataError) as err:
        pricing.load_panel(frame)
    assert "required column 'units' is missing" in first_line(err) and "pass --map qty=units" in first_line(err)


@pytest.mark.parametrize("column,value,problem", [
    ("price", -5.0, "zero or negative"),
    ("price", "abc", "not an amount"),
    ("units", 2.5, "not a whole number"),
    ("units", -1, "negative"),
    ("date", "someday", "not a readable date"),
])
def test_bad_values_raise_one_line_naming_column_problem_count_and_row(tmp_path, column, value, problem):
    frame = tiny_panel().astype({column: object})
    frame.loc[1, column] = value
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        pricing.load_panel(str(path))
    line = first_line(err)
    assert line.startswith(f"column '{column}': ") and problem in line and "1 row" in line and "row 2" in line
    assert err.value.column == column and err.value.count == 1


def test_conflicting_rows_for_one_sku_and_date_are_an_error():
    frame = tiny_panel()
    frame.loc[1, "date"] = "2024-01-01"
    with pytest.raises(DataError, match=r"\(sku, date\) repeated with different content"):
        pricing.load_panel(frame)


def test_nonpositive_prices_are_refused_by_default_or_dropped_and_counted():
    frame = tiny_panel(price=[10.0, 9.0, 0.0, 20.0])
    with pytest.raises(DataError) as err:
        pricing.load_panel(frame)
    assert first_line(err) == ("column 'price': zero or negative in 1 row — index 2: 0.0 (rows given by DataFrame "
                               "index label); pass --clean nonpositive_prices=drop to drop those rows")
    for options in ({"nonpositive_prices": "drop"}, {"clean": {"nonpositive_prices": "drop"}}):
        data = pricing.load_panel(frame, **options)
        assert data.ledger.dropped() == {"nonpositive_prices": 1, "zero_units": 1}
        assert data.ledger.rows_kept == len(data.panel) == 2


def test_the_first_readers_duplicates_option_still_works():
    frame = pd.concat([tiny_panel(), tiny_panel().iloc[[0]]], ignore_index=True)
    data = pricing.load_panel(frame, duplicates="drop_exact", zero_units="keep")
    assert data.ledger.dropped() == {"duplicate_rows": 1}
    for options in ({"duplicates": "error"}, {"clean": {"duplicate_rows": "error"}}):
        with pytest.raises(DataError, match=r"an exact repeat of an earlier row in 1 row — index 4: 'A'"):
            pricing.load_panel(frame, **options)
    with pytest.raises(DataError, match="duplicates='keep' is not one of 'drop_exact', 'error'"):
        pricing.load_panel(frame, duplicates="keep")


def test_read_table_reads_a_price_panel_or_baskets_with_their_ledger():
    panel, ledger = read_table("price_panel", tiny_panel(price=["¥10", "9", "20", "20"]))
    assert panel["price"].tolist() == [10.0, 20.0, 20.0] and panel.attrs["currency"] == "CNY"
    assert ledger.dropped() == {"zero_units": 1} and ledger.rows_kept == len(panel)
    baskets, ledger = read_table("baskets", pd.DataFrame({"basket_id": [1, 2], "gross_value": ["¥199", "150.5"],
                                                          "promo": ["是", "否"]}))
    assert baskets["gross_value"].tolist() == [199.0, 150.5] and baskets["promo"].tolist() == [True, False]
    assert ledger.rows_in == ledger.rows_kept == 2


def test_load_panel_reads_a_folder_with_baskets(tmp_path):
    panel, _ = simulate_price_panel(n_skus=12, seed=1, start="2024-03-01", end="2024-04-30")
    table, _ = simulate_baskets(seed=1, days_before=2, days_promo=2)
    panel.to_csv(tmp_path / "price_panel.csv", index=False)
    table.to_csv(tmp_path / "baskets.csv", index=False)
    data = pricing.load_panel(str(tmp_path))
    assert len(data.panel) == int((panel["units"] > 0).sum()) and data.truth is None
    assert data.baskets["promo"].dtype == bool and len(data.baskets) == len(table)


def test_an_empty_folder_names_the_expected_file(tmp_path):
    with pytest.raises(DataError, match="no price panel file"):
        pricing.load_panel(str(tmp_path))


# --- the simulator and the bundled files -------------------------------------------------------


def test_simulation_is_deterministic_and_its_truth_is_json():
    a_panel, a_truth = simulate_price_panel(n_skus=12, seed=9, start="2024-01-01", end="2024-03-31")
    b_panel, b_truth = simulate_price_panel(n_skus=12, seed=9, start="2024-01-01", end="2024-03-31")
    pd.testing.assert_frame_equal(a_panel, b_panel)
    assert a_truth == b_truth == json.loads(json.dumps(a_truth))
    assert {s["category"] for s in a_truth["skus"]} == set(a_truth["category_elasticity"])


def test_festival_weeks_have_lower_prices_and_higher_demand(small_weekly):
    index = pricing.weekly_index(small_weekly)
    festival = index["festival"].ne("")
    assert index.loc[festival, "price_index"].mean() < index.loc[~festival, "price_index"].mean() - 0.05
    assert index.loc[festival, "units"].mean() > 1.5 * index.loc[~festival, "units"].mean()


def test_bundled_pricing_files_are_the_default_simulation(tmp_path):
    assert all((DEMO_DIR / name).exists() for name in PRICING_FILES), "run `make demo`"
    write_pricing_tables(tmp_path)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / PRICING_FILES[0]),
                                  pd.read_parquet(DEMO_DIR / PRICING_FILES[0]))
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / PRICING_FILES[1]), pd.read_csv(DEMO_DIR / PRICING_FILES[1]))
    fresh = json.loads((tmp_path / PRICING_FILES[2]).read_text(encoding="utf-8"))
    assert fresh == json.loads((DEMO_DIR / PRICING_FILES[2]).read_text(encoding="utf-8"))
    assert sum((DEMO_DIR / name).stat().st_size for name in PRICING_FILES) < 4e6


def test_demo_loads_with_baskets_truth_and_a_ledger():
    data = pricing.load_panel("demo")
    assert data.ledger.rows_in == 200 * 1096
    assert data.ledger.dropped() == {"zero_units": data.truth["price_panel"]["counts"]["zero_unit_rows"]}
    assert data.baskets is not None and data.truth["baskets"]["threshold"] == 199.0


# --- festival weeks and the reference calendar ------------------------------------------------


def test_a_week_is_a_festival_week_when_any_of_its_days_touches_a_reference_window():
    mondays = pd.Series(pd.to_datetime(["2024-10-07", "2024-10-14", "2024-11-11", "2024-12-02", "2024-12-16",
                                        "2024-05-27", "2024-06-17", "2024-06-24"]))
    # 11.11's window opens on Sunday 2024-10-20 and closes on 11-13; 12.12's runs 12-08 (a Sunday) to 12-13;
    # 618's runs 06-01 (the Saturday of the week of 05-27) to 06-20
    expected = ["", "11.11", "11.11", "12.12", "", "618", "618", ""]
    assert festival_of_week(mondays).tolist() == expected


def test_festival_weeks_follow_the_chosen_windows_none_or_the_shops_own_events():
    mondays = pd.Series(pd.to_datetime(["2024-06-17", "2024-11-11", "2024-11-25", "2024-12-30", "2025-01-06"]))
    assert festival_of_week(mondays, festivals=["1111"]).tolist() == ["", "11.11", "", "", ""]
    assert festival_of_week(mondays, festivals=[]).tolist() == [""] * 5
    # the shop's own events: a window may run over the new year (12-28 to 01-03 touches two weeks)
    own = {"Black Friday": ("11-25", "12-02"), "New Year": ((12, 28), (1, 3))}
    assert festival_of_week(mondays, festivals=own).tolist() == ["", "", "Black Friday", "New Year", ""]
    assert pricing.festival_windows(own)["New Year"] == ((12, 28), (1, 3))
    as_text = ["Black Friday 11-25:12-02", "New Year=12-28..01-03"]        # the forms ecomkit run -p passes
    assert festival_of_week(mondays, festivals=as_text).tolist() == ["", "", "Black Friday", "New Year", ""]
    with pytest.raises(ValueError, match="month and day"):
        pricing.festival_windows({"sale": ("13-01", "13-05")})
    with pytest.raises(ValueError, match="unknown festival"):
        pricing.festival_windows(["Carnaval"])


def test_a_panel_outside_every_festival_window_has_no_festival_week(small_panel):
    panel, _ = small_panel
    spring = panel[(panel["date"] >= "2024-01-01") & (panel["date"] <= "2024-05-26")]
    weekly = pricing.weekly_panel(spring)
    assert weekly["festival"].eq("").all()
    assert pricing.weekly_panel(panel, festivals=[])["festival"].eq("").all()
    assert "revenue" in weekly and not any("cny" in c for c in weekly.columns)


# --- plots ------------------------------------------------------------------------------------


def test_importing_the_chapter_loads_neither_pyplot_nor_seaborn():
    code = ("import sys, ecomkit.pricing; "
            "drawn = sorted({'matplotlib.pyplot', 'seaborn'} & set(sys.modules)); assert not drawn, drawn")
    subprocess.run([sys.executable, "-c", code], check=True)


def _plot_inputs(weekly):
    """The positional arguments each plot draws from, from the small simulated panel and tiny tables."""
    sku = weekly["sku"].iloc[0]
    forest = pd.DataFrame({"category": ["apparel", "apparel", "beauty", "beauty"],
                           "method": ["naive", "controlled"] * 2, "elasticity": [-3.1, -2.0, -2.6, -1.8],
                           "ci_low": [-3.4, -2.4, -2.9, -2.2], "ci_high": [-2.8, -1.6, -2.3, -1.4]})
    baskets = pd.DataFrame({"gross_value": [150.0, 185.0, 199.0, 205.0, 240.0, 170.0, 190.0, 230.0],
                            "promo": [True] * 5 + [False] * 3})
    design = pd.DataFrame({"threshold": [149.0, 199.0, 249.0], "revenue_effect": [-12.0, -6.0, -3.0],
                           "margin_effect": [-16.0, -10.0, -6.0], "pushed_over": [0.05, 0.04, 0.02]})
    return {
        "plot_festival_confounding": (pricing.weekly_index(weekly),),
        "plot_price_units": (weekly, sku, {"controlled": -2.0}),
        "plot_elasticity_forest": (forest,),
        "plot_price_profit_curve": (pricing.price_profit_curve(60.0, -3.0, 100.0, 50.0, elasticity_se=0.2), 100.0),
        "plot_break_even": (pd.Series({"apparel": 0.45, "beauty": 0.6}),),
        "plot_basket_histogram": (pricing.basket_histogram(baskets, 199.0, span=60.0), 199.0),
        "plot_threshold_design": (design, 199.0),
    }


PLOTS = sorted(name for name in pricing.__all__ if name.startswith("plot_"))


@pytest.mark.parametrize("name", PLOTS)
def test_a_plot_draws_on_the_given_axes_with_the_callers_styling_and_returns_them(name, small_weekly):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plot, args = getattr(pricing, name), _plot_inputs(small_weekly)[name]
    parameters = inspect.signature(plot).parameters
    assert parameters["ax"].kind is inspect.Parameter.KEYWORD_ONLY and parameters["ax"].default is None
    assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    fig, ax = plt.subplots()
    try:
        assert plot(*args, ax=ax, alpha=0.35) is ax
        marks = [*ax.lines, *ax.patches, *ax.collections]
        assert 0.35 in {mark.get_alpha() for mark in marks}           # the kwargs reached the main marks
        fresh = plot(*args)
        assert fresh.figure is not fig                                  # without ax: a figure of its own
        plt.close(fresh.figure)
    finally:
        plt.close(fig)


MONEY_PLOTS = ["plot_price_units", "plot_price_profit_curve", "plot_basket_histogram", "plot_threshold_design"]


@pytest.mark.parametrize("name", MONEY_PLOTS)
def test_a_plot_of_amounts_labels_them_in_the_given_currency_only(name, small_weekly):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plot, args = getattr(pricing, name), _plot_inputs(small_weekly)[name]
    ax = plot(*args, currency="BRL")
    try:
        ax.figure.canvas.draw()
        texts = [ax.get_xlabel(), ax.get_ylabel(), ax.get_title()]
        texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        legend = ax.get_legend()
        texts += [t.get_text() for t in legend.get_texts()] if legend else []
        joined = " ".join(texts)
        assert "BRL" in joined and "CNY" not in joined and "¥" not in joined, joined
    finally:
        plt.close(ax.figure)
