"""Specifications of ecomkit.logistics (chapter 05) and its simulator, on hand-made data.

Statistical tolerances are stated next to each assertion with the sampling error they come from.
"""
from __future__ import annotations

import inspect
import itertools
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from ecomkit import logistics as lg
from ecomkit.io import DataError, read_shipments
from ecomkit.simulate import simulate_shop
from ecomkit.simulate.logistics import (
    LOGISTICS_FILES,
    rate_card_table,
    simulate_logistics,
    write_logistics,
)

DEMO_DIR = Path(__file__).resolve().parents[1] / "datasets" / "demo_shop"

HAND_CARD = pd.DataFrame({
    "carrier": ["fast", "fast", "slow"], "zone": [1, 2, 1], "first_weight_kg": [1.0, 1.0, 0.5],
    "first_weight_cny": [5.0, 6.0, 3.0], "per_kg_cny": [2.0, 3.0, 1.0], "weight_step_kg": [1.0, 1.0, 0.5],
    "remote_surcharge_cny": [8.0, 8.0, 0.0]})


@pytest.fixture(scope="module")
def small():
    shop = simulate_shop(2_000, seed=21)
    return shop, simulate_logistics(shop, seed=21)


# --- weights, distances, tariff ------------------------------------------------------------

def test_chargeable_weight_is_the_larger_of_actual_and_volumetric_weight():
    # a light pillow in a big box: 50*32*17 / 6000 = 4.5333 kg > 0.9 kg
    assert lg.chargeable_weight(0.9, 50, 32, 17, divisor=6000) == pytest.approx(4.533333, rel=1e-6)
    # a heavy small box: 10*10*10 / 6000 = 0.1667 kg < 5 kg
    assert lg.chargeable_weight(5.0, 10, 10, 10, divisor=6000) == pytest.approx(5.0)
    # a larger divisor (12000) halves the volumetric weight
    assert lg.chargeable_weight(0.9, 50, 32, 17, divisor=12000) == pytest.approx(2.266667, rel=1e-6)
    # without dimensions the actual weight is billed
    assert lg.chargeable_weight([1.5, 0.2]).tolist() == [1.5, 0.2]


def test_billable_weight_rounds_up_to_the_step_and_never_below_the_first_weight():
    assert lg.billable_weight([0.1, 1.0, 1.0000000001, 1.01, 2.5]).tolist() == [1.0, 1.0, 1.0, 2.0, 3.0]
    assert lg.billable_weight([0.2, 0.6, 1.2], weight_step_kg=0.5, first_weight_kg=0.5).tolist() == [0.5, 1.0, 1.5]


def test_shipping_cost_is_first_weight_plus_per_kg_plus_remote_surcharge_on_hand_values():
    cost = lg.shipping_cost(HAND_CARD, chargeable_weight_kg=[0.4, 1.0, 1.01, 3.2, 3.2, 1.2],
                            zone=[1, 1, 1, 2, 2, 1], carrier=["fast", "fast", "fast", "fast", "fast", "slow"],
                            remote=[False, False, False, False, True, True])
    # 5 | 5 | 5 + 2*1 | 6 + 3*3 | 6 + 3*3 + 8 | 3 + 1*(1.5-0.5) (no surcharge on the slow card)
    assert cost.tolist() == [5.0, 5.0, 7.0, 15.0, 23.0, 4.0]


def test_shipping_cost_refuses_a_carrier_and_zone_missing_from_the_card():
    with pytest.raises(ValueError, match="no rate-card row"):
        lg.shipping_cost(HAND_CARD, [1.0], [3], carrier=["fast"])
    with pytest.raises(ValueError, match="pass carrier="):
        lg.shipping_cost(HAND_CARD, [1.0], [1])


def test_haversine_matches_hand_values():
    # one degree of latitude on a sphere of radius 6371.0088 km is 2*pi*R/360 km
    assert lg.haversine_km(0, 0, 1, 0) == pytest.approx(2 * np.pi * 6371.0088 / 360, rel=1e-9)
    assert lg.haversine_km(30, 120, 30, 120) == 0
    # Shanghai - Beijing, about 1,067 km; the coordinates are rounded to 0.01 degree (about 1 km)
    assert lg.haversine_km(31.23, 121.47, 39.90, 116.41) == pytest.approx(1067, abs=2)


def test_zones_are_half_open_distance_bands():
    assert lg.zone_for_distance([0, 299.99, 300, 799, 800, 1500, 2499, 2500, 4000]).tolist() == \
        [1, 1, 2, 2, 3, 4, 4, 5, 5]


def test_the_published_rate_card_reproduces_every_simulated_invoice(small):
    _, logi = small
    ship = logi.shipments
    remote = ship["destination_province"].isin(["Xinjiang", "Xizang", "Qinghai", "Gansu", "Ningxia",
                                                "Inner Mongolia", "Hainan"])
    cost = lg.shipping_cost(logi.rate_card, ship["chargeable_weight_kg"], ship["zone"], ship["carrier"].to_numpy(),
                            remote.to_numpy())
    np.testing.assert_allclose(cost, ship["shipping_cost_cny"], atol=1e-9)


def test_estimate_rate_card_recovers_the_tariff_from_invoices(small, tmp_path):
    _, logi = small
    path = tmp_path / "shipments.parquet"
    logi.shipments.to_parquet(path)
    shipments, _ = lg.read_shipments(path)
    gaps = lg.compare_rate_cards(lg.estimate_rate_card(shipments), rate_card_table())
    present = gaps.dropna(subset=["first_weight_cny_estimated"])
    assert present["max_abs_gap_cny"].max() < 1e-6
    est = lg.estimate_rate_card(shipments).set_index("carrier")
    assert est.loc["economy", "volumetric_divisor"].iloc[0] == pytest.approx(12000, rel=1e-3)


def test_cost_breakdown_adds_up_to_invoices_plus_warehouse_costs(small, tmp_path):
    _, logi = small
    ship = logi.shipments.assign(remote=logi.shipments["destination_province"].isin(
        ["Xinjiang", "Xizang", "Qinghai", "Gansu", "Ningxia", "Inner Mongolia", "Hainan"]))
    parts = lg.cost_breakdown_per_order(ship, logi.rate_card, logi.warehouses, months=10.0)
    n_out = int(ship["direction"].eq("outbound").sum())
    transport = parts.drop(["handling", "warehouse fixed"]).sum() * n_out
    assert transport == pytest.approx(ship["shipping_cost_cny"].sum(), rel=1e-9)
    assert "invoice vs rate card" not in parts.index
    site = logi.warehouses.set_index("site_id").loc["WH-HZ"]
    assert parts["handling"] == pytest.approx(site["handling_cny_per_order"])
    assert parts["warehouse fixed"] == pytest.approx(site["fixed_cost_cny_month"] * 10.0 / n_out)


def test_cost_summary_counts_returns_in_cost_but_not_in_orders():
    ship = pd.DataFrame({"direction": ["outbound", "outbound", "return"], "zone": [1, 1, 1],
                         "shipping_cost_cny": [5.0, 7.0, 6.0], "chargeable_weight_kg": [1.0, 2.0, 1.0],
                         "order_value_cny": [100.0, 200.0, np.nan]})
    row = lg.cost_summary(ship).iloc[0]
    assert row["orders"] == 2 and row["parcels"] == 3
    assert row["cost_per_order_cny"] == pytest.approx(9.0)
    assert row["cost_per_kg_cny"] == pytest.approx(18.0 / 4.0)
    assert row["cost_share_of_gmv"] == pytest.approx(18.0 / 300.0)


# --- network design: the MILP against brute force -------------------------------------------

ZONE_COST = pd.DataFrame({False: [4.0, 6.0, 9.0, 13.0, 20.0], True: [9.0, 11.0, 14.0, 18.0, 25.0]},
                         index=pd.Index([1, 2, 3, 4, 5], name="zone"))


def _instance(seed: int, n_sites: int = 5, n_demand: int = 7):
    rng = np.random.default_rng(seed)
    demand = pd.DataFrame({"province": [f"p{j}" for j in range(n_demand)],
                           "lat": rng.uniform(22, 42, n_demand), "lon": rng.uniform(100, 122, n_demand),
                           "orders_month": rng.integers(50, 400, n_demand).astype(float),
                           "remote": rng.random(n_demand) < 0.2})
    sites = pd.DataFrame({"site_id": [f"s{i}" for i in range(n_sites)],
                          "lat": rng.uniform(22, 42, n_sites), "lon": rng.uniform(100, 122, n_sites),
                          "fixed_cost_cny_month": rng.uniform(500, 3000, n_sites).round(),
                          "capacity_orders_month": rng.uniform(300, 1500, n_sites).round(),
                          "handling_cny_per_order": rng.uniform(1, 4, n_sites).round(2),
                          "reach_km": np.where(rng.random(n_sites) < 0.2, 600.0, np.nan),
                          "local_delivery_cny_per_order": np.where(rng.random(n_sites) < 0.2, 3.0, np.nan)})
    return demand, sites


def _brute_force(demand, sites, service_km, min_share, force_open=()):
    """Enumerate every set of open sites; for each, the best split of demand is a linear program."""
    d = demand["orders_month"].to_numpy()
    dist = lg.haversine_km(sites["lat"].to_numpy()[:, None], sites["lon"].to_numpy()[:, None],
                           demand["lat"].to_numpy()[None, :], demand["lon"].to_numpy()[None, :])
    zone = lg.zone_for_distance(dist)
    lane = np.where(demand["remote"].to_numpy()[None, :], ZONE_COST[True].to_numpy()[zone - 1],
                    ZONE_COST[False].to_numpy()[zone - 1])
    nothing = pd.Series(np.nan, index=sites.index)
    local = sites.get("local_delivery_cny_per_order", nothing).to_numpy(dtype=float)
    lane = np.where(np.isfinite(local)[:, None], local[:, None], lane)
    per_order = sites["handling_cny_per_order"].to_numpy()[:, None] + lane
    reach = np.nan_to_num(sites.get("reach_km", nothing).to_numpy(dtype=float), nan=np.inf)
    ok = dist <= reach[:, None]
    within = (dist <= service_km) & ok
    best = (np.inf, None)
    n, m = len(sites), len(demand)
    for opened in itertools.product([0, 1], repeat=n):
        opened = np.array(opened, dtype=bool)
        if not opened.any() or any(not opened[sites.index[sites["site_id"] == f][0]] for f in force_open):
            continue
        idx = np.flatnonzero(opened)
        k = len(idx)
        c = (per_order[idx] * d[None, :]).ravel()
        a_eq = np.zeros((m, k * m))
        for j in range(m):
            a_eq[j, j::m] = 1.0
        a_ub = np.zeros((k + 1, k * m))
        for r, i in enumerate(idx):
            a_ub[r, r * m:(r + 1) * m] = d
        a_ub[k] = -(within[idx] * d[None, :]).ravel()
        b_ub = np.concatenate([sites["capacity_orders_month"].to_numpy()[idx], [-min_share * d.sum()]])
        bounds = [(0, 1 if ok[i, j] else 0) for i in idx for j in range(m)]
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=np.ones(m), bounds=bounds, method="highs")
        if res.status == 0:
            total = res.fun + sites["fixed_cost_cny_month"].to_numpy()[idx].sum()
            if total < best[0]:
                best = (total, set(sites["site_id"].to_numpy()[idx]))
    return best


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_milp_optimum_equals_brute_force_enumeration_on_small_random_instances(seed):
    demand, sites = _instance(seed)
    share = [0.7, 0.5, 0.6, 0.55, 0.3, 0.3][seed - 1]       # above the unconstrained optimum: binding
    plan = lg.design_network(demand, sites, zone_cost=ZONE_COST, service_km=700, min_service_share=share)
    best_cost, _ = _brute_force(demand, sites, 700, share)     # the sites may differ on a tie; the cost may not
    if not np.isfinite(best_cost):
        assert plan.status == "infeasible"
        return
    assert plan.status == "optimal", plan.message
    assert plan.total_cost_cny == pytest.approx(best_cost, rel=1e-7)
    assert plan.service_share >= share - 1e-9
    assert plan.assignment.groupby("demand_id")["share"].sum().to_numpy() == pytest.approx(1.0)
    served = plan.assignment.groupby("site_id")["orders_month"].sum()
    cap = sites.set_index("site_id")["capacity_orders_month"]
    assert (served <= cap.reindex(served.index) + 1e-6).all()


def test_milp_respects_forced_sites_and_matches_brute_force():
    demand, sites = _instance(11)
    plan = lg.design_network(demand, sites, zone_cost=ZONE_COST, service_km=700, min_service_share=0.1,
                             force_open=["s0"])
    best_cost, _ = _brute_force(demand, sites, 700, 0.1, force_open=["s0"])
    assert "s0" in plan.open_sites
    assert plan.total_cost_cny == pytest.approx(best_cost, rel=1e-7)


def test_fixed_cost_scale_multiplies_fixed_costs_only():
    demand, sites = _instance(3)
    base = lg.design_network(demand, sites, zone_cost=ZONE_COST, force_open=list(sites["site_id"]))
    scaled = lg.design_network(demand, sites, zone_cost=ZONE_COST, force_open=list(sites["site_id"]),
                               fixed_cost_scale=2.0)
    assert scaled.fixed_cost_cny == pytest.approx(2 * base.fixed_cost_cny)
    assert scaled.variable_cost_cny == pytest.approx(base.variable_cost_cny)


def test_an_unreachable_service_share_is_reported_as_infeasible_in_plain_words():
    demand, sites = _instance(2)
    plan = lg.design_network(demand, sites, zone_cost=ZONE_COST, service_km=50, min_service_share=0.95)
    assert plan.status == "infeasible" and not plan.feasible
    assert "within 50 km" in plan.message and "95%" in plan.message
    assert np.isnan(plan.total_cost_cny) and plan.open_sites == []
    assert not np.isfinite(_brute_force(demand, sites, 50, 0.95)[0])


def test_near_sites_without_capacity_make_the_service_constraint_infeasible_for_the_solver():
    # all demand sits next to site a, which can only take half of it; site b is far away. Ignoring
    # capacity 100% of orders could ship from within 300 km, so only the solver can see the conflict.
    demand = pd.DataFrame({"province": ["x", "y"], "lat": [30.0, 30.1], "lon": [120.0, 120.1],
                           "orders_month": [100.0, 100.0], "remote": [False, False]})
    sites = pd.DataFrame({"site_id": ["a", "b"], "lat": [30.0, 40.0], "lon": [120.0, 100.0],
                          "fixed_cost_cny_month": [100.0, 100.0], "capacity_orders_month": [100.0, 1000.0],
                          "handling_cny_per_order": [1.0, 1.0]})
    plan = lg.design_network(demand, sites, zone_cost=ZONE_COST, service_km=300, min_service_share=0.9)
    assert plan.status == "infeasible"
    assert "capacity" in plan.message and plan.max_reachable_service_share == pytest.approx(1.0)
    assert not np.isfinite(_brute_force(demand, sites, 300, 0.9)[0])
    relaxed = lg.design_network(demand, sites, zone_cost=ZONE_COST, service_km=300, min_service_share=0.5)
    assert relaxed.status == "optimal" and relaxed.service_share == pytest.approx(0.5)


def test_too_little_total_capacity_is_infeasible():
    demand, sites = _instance(4)
    small = sites.assign(capacity_orders_month=1.0)
    plan = lg.design_network(demand, small, zone_cost=ZONE_COST)
    assert plan.status == "infeasible" and "total capacity" in plan.message


# --- inventory ---------------------------------------------------------------------------------

def test_eoq_and_turnover_days_on_hand_values():
    assert lg.eoq(1200, 100, 6) == pytest.approx(200.0)           # sqrt(2*1200*100/6)
    assert lg.eoq(0, 100, 6) == 0
    assert lg.turnover_days(300, 10) == pytest.approx(30.0)


def test_abc_classes_put_the_item_crossing_each_threshold_in_the_higher_class():
    abc = lg.abc_classes(pd.Series({"w": 4, "x": 70, "y": 20, "z": 6}))
    assert abc.index.tolist() == ["x", "y", "z", "w"]
    assert abc["abc_class"].tolist() == ["A", "A", "B", "C"]       # cumulative before: 0, .7, .9, .96
    assert abc["cumulative_share"].iloc[-1] == pytest.approx(1.0)


def test_textbook_safety_stock_and_reorder_point():
    # z(0.95) = 1.6449; sqrt(9 * 10^2) = 30
    assert lg.safety_stock(10, 9, 0.95) == pytest.approx(1.644854 * 30, rel=1e-5)
    # with lead-time variability: sqrt(9*100 + 20^2 * 2^2) = sqrt(2500) = 50
    assert lg.safety_stock(10, 9, 0.95, mean_daily=20, sd_lead_time_days=2) == pytest.approx(1.644854 * 50, rel=1e-5)
    s = lg.reorder_point(20, 10, 9, 0.95, review="continuous")
    assert s == pytest.approx(20 * 9 + 1.644854 * 30, rel=1e-5)
    # daily review needs more: the position is already below s by about half a day when we look
    daily = lg.reorder_point(20, 10, 9, 0.95)
    assert daily > s + 0.5 * lg.expected_undershoot(20, 10)


@pytest.mark.parametrize("mean, sd, lead_times, q, target", [
    (10.0, 5.0, [7], 100.0, 0.95),            # steady A item, fixed lead time
    (20.0, 15.0, [5, 8, 10, 12], 300.0, 0.90),  # volatile demand, variable lead time
    (0.5, 1.2, [6, 9], 30.0, 0.95),           # intermittent C item
])
def test_the_reorder_point_reaches_its_service_level_in_simulation(mean, sd, lead_times, q, target):
    """Achieved cycle service within 3 binomial standard errors of the target.

    The SE uses the number of completed cycles pooled over 200 independent items; cycles of one
    item are close to independent because each starts after a replenishment.
    """
    s = lg.reorder_point(mean, sd, lead_times, target)
    demand = lg.gamma_demand(np.full(200, mean), np.full(200, sd), 2500, seed=3)
    res = lg.simulate_sq(demand, s, q, [np.array(lead_times)] * 200, seed=4, warmup_days=100).service()
    cycles = int(res["cycles"].sum())
    achieved = 1 - res["stockout_cycles"].sum() / cycles
    se = np.sqrt(target * (1 - target) / cycles)
    assert cycles > 2000
    assert abs(achieved - target) <= 3 * se, (achieved, target, se)


def test_the_textbook_reorder_point_falls_short_under_daily_review():
    s = lg.reorder_point(10.0, 5.0, 7, 0.95, review="continuous")
    demand = lg.gamma_demand(np.full(200, 10.0), np.full(200, 5.0), 2500, seed=3)
    res = lg.simulate_sq(demand, s, 100.0, 7, seed=4, warmup_days=100).service()
    achieved = 1 - res["stockout_cycles"].sum() / res["cycles"].sum()
    # about 0.86: the undershoot eats half the safety stock. Over some 48,000 cycles (200 items x
    # 2,400 days x 10 units / 100 per order) the binomial SE is about 0.002, so 0.90 is far above it.
    assert achieved < 0.90


def test_simulate_sq_books_orders_and_receipts_as_documented():
    # constant demand 10/day, s = 25, Q = 50, lead time 2: an order at the end of day t arrives at
    # the end of day t + 2, before which 20 units are sold; the stock never goes negative.
    res = lg.simulate_sq(np.full((30, 1), 10.0), 25.0, 50.0, 2)
    orders = res.orders
    assert (orders["arrival_day"] - orders["order_day"] == 2).all()
    assert res.net_stock.min() >= 0
    assert res.service()["achieved_service"].iloc[0] == 1.0
    assert res.service()["fill_rate"].iloc[0] == 1.0


def test_inventory_policy_rounds_the_eoq_up_to_the_minimum_order_quantity():
    stats = pd.DataFrame({"mean_daily": [10.0, 0.1], "sd_daily": [4.0, 0.3]}, index=["a", "c"])
    policy = lg.inventory_policy(stats, 7, {"A": 0.95, "C": 0.9}, pd.Series({"a": "A", "c": "C"}), 100.0, 0.25,
                                 pd.Series({"a": 40.0, "c": 40.0}), pd.Series({"a": 50, "c": 50}))
    # EOQ a = sqrt(2*3650*100/10) = 270.2 -> 271 -> 300; c = sqrt(2*36.5*100/10) = 27.0 -> 28 -> 50
    assert policy["order_quantity"].tolist() == [300, 50]
    assert policy.loc["a", "turnover_days"] == pytest.approx(policy.loc["a", "expected_average_stock"] / 10.0)


# --- the package and its plots -----------------------------------------------------------------

def test_importing_the_chapter_loads_neither_pyplot_nor_seaborn_nor_the_simulator():
    code = ("import sys, ecomkit.logistics; "
            "print(sorted(m for m in ('matplotlib.pyplot', 'seaborn', 'ecomkit.simulate') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_every_plot_takes_ax_as_a_keyword_and_forwards_kwargs():
    for name in (n for n in lg.__all__ if n.startswith("plot_")):
        params = inspect.signature(getattr(lg, name)).parameters
        assert params["ax"].kind is inspect.Parameter.KEYWORD_ONLY and params["ax"].default is None, name
        assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()), name


def test_a_plot_draws_on_the_given_axes_with_the_given_style_and_returns_them():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        out = lg.plot_cost_waterfall(pd.Series({"first weight": 5.0, "returns": 1.5}), ax=ax, alpha=0.5)
        assert out is ax
        # two component bars carry the style; the total bar keeps its own
        assert [bar.get_alpha() for bar in ax.patches] == [0.5, 0.5, None]
        assert ax.patches[2].get_height() == pytest.approx(6.5)
    finally:
        plt.close(fig)


# --- loading -----------------------------------------------------------------------------------

def _csv(tmp_path, body: str, name="shipments.csv"):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_read_shipments_maps_columns_and_chinese_provinces_and_derives_zone(tmp_path):
    path = _csv(tmp_path, "单号,省份,运费,重量,origin_city\n1,广东省,12.5,1.2,Hangzhou\n2,新疆维吾尔自治区,30,0.4,Hangzhou\n"
                          "3,shanghai,6,2.0,Hangzhou\n")
    ship, ledger = read_shipments(path, columns={"单号": "order_id", "省份": "destination_province",
                                                 "运费": "shipping_cost_cny", "重量": "actual_weight_kg"})
    assert ship["destination_province"].tolist() == ["Guangdong", "Xinjiang", "Shanghai"]
    assert ship["remote"].tolist() == [False, True, False]
    assert ship["zone"].tolist() == [3, 5, 1]                    # Hangzhou -> Guangzhou about 1,050 km
    assert ship["chargeable_weight_kg"].tolist() == [1.2, 0.4, 2.0]
    assert ship["direction"].eq("outbound").all() and ship["carrier"].eq("all").all()
    assert ledger.rows_kept == 3
    assert lg.read_shipments is read_shipments                   # the chapter's name for the same reader


def test_bad_shipments_raise_one_line_errors_naming_column_count_and_rows(tmp_path):
    path = _csv(tmp_path, "order_id,destination_province,shipping_cost_cny,actual_weight_kg\n"
                          "1,Guangdong,-3,1\n2,Zhejiang,5,1\n3,Hunan,0,1\n4,Hunan,6,1\n5,Hunan,7,1\n")
    with pytest.raises(DataError) as err:
        read_shipments(path)
    first = str(err.value).splitlines()[0]
    assert first.startswith("column 'shipping_cost_cny': zero or negative in 2 rows — row 1: -3.0, row 3: 0.0 ")
    assert first.endswith("pass --clean nonpositive_costs=drop to drop those rows")
    assert (err.value.column, err.value.count, err.value.rows) == ("shipping_cost_cny", 2, [1, 3])
    for options in ({"nonpositive_costs": "drop"}, {"clean": {"nonpositive_costs": "drop"}}):
        ship, ledger = read_shipments(path, **options)
        assert ship["order_id"].tolist() == [2, 4, 5] and ledger.dropped() == {"nonpositive_costs": 2}


def test_blank_shipping_costs_are_dropped_by_default_and_refused_with_nonpositive_costs_error(tmp_path):
    path = _csv(tmp_path, "order_id,destination_province,shipping_cost_cny,actual_weight_kg\n"
                          "1,Guangdong,,1\n2,Zhejiang,5,1\n3,Hunan,6,1\n")
    ship, ledger = read_shipments(path)
    assert ship["order_id"].tolist() == [2, 3] and ledger.dropped() == {"blank_shipping_cost_cny": 1}
    with pytest.raises(DataError, match=r"column 'shipping_cost_cny': blank in 1 row — row 1: <blank>"):
        read_shipments(path, nonpositive_costs="error")


def test_unknown_provinces_are_refused_and_missing_weights_dropped_by_default(tmp_path):
    path = _csv(tmp_path, "order_id,destination_province,shipping_cost_cny,actual_weight_kg\n"
                          "1,Atlantis,5,1\n2,Zhejiang,5,\n3,Hunan,5,2\n4,Hunan,6,2\n")
    with pytest.raises(DataError) as err:
        read_shipments(path)
    first = str(err.value).splitlines()[0]
    assert first.startswith("column 'destination_province': not a mainland province in 1 row — row 1: 'Atlantis'")
    assert "--clean unknown_provinces=drop" in first
    for options in ({"unknown_provinces": "drop"}, {"clean": {"unknown_provinces": "drop"}}):
        ship, ledger = read_shipments(path, **options)
        assert ship["order_id"].tolist() == [3, 4]
        assert ledger.to_dict()["dropped"] == {"unknown_provinces": 1, "missing_weights": 1}
    ship, ledger = read_shipments(path, unknown_provinces="drop", missing_weights="drop")   # the first reader's words
    assert ledger.dropped() == {"unknown_provinces": 1, "missing_weights": 1}
    for options in ({"missing_weights": "error"}, {"clean": {"missing_weights": "error"}}):
        with pytest.raises(DataError, match=r"column 'actual_weight_kg': blank \(no weight at all\) in 1 row — "
                                            r"row 2: <blank> .*--clean missing_weights=drop"):
            read_shipments(path, unknown_provinces="drop", **options)


def test_exact_duplicate_parcels_are_dropped_unless_refused(tmp_path):
    path = _csv(tmp_path, "order_id,destination_province,shipping_cost_cny,actual_weight_kg\n"
                          "1,Hunan,5,1\n1,Hunan,5,1\n2,Hunan,5,1\n")
    for options in ({}, {"duplicates": "drop_exact"}):
        ship, ledger = read_shipments(path, **options)
        assert ship["order_id"].tolist() == [1, 2] and ledger.dropped() == {"duplicate_rows": 1}
    for options in ({"duplicates": "error"}, {"clean": {"duplicate_rows": "error"}}):
        with pytest.raises(DataError, match="an exact repeat of an earlier row in 1 row — row 2"):
            read_shipments(path, **options)
    with pytest.raises(DataError, match="nonpositive_costs='keep' is not one of 'error', 'drop'"):
        read_shipments(path, nonpositive_costs="keep")


def test_a_shipments_file_without_any_weight_is_refused(tmp_path):
    path = _csv(tmp_path, "order_id,destination_province,shipping_cost_cny\n1,Hunan,5\n")
    with pytest.raises(DataError, match=r"need one of 'chargeable_weight_kg', 'actual_weight_kg': map a column to it "
                                        r"with --map THEIRS=chargeable_weight_kg"):
        read_shipments(path)


def test_a_folder_without_shipments_is_refused(tmp_path):
    (tmp_path / "orders.csv").write_text("x\n1\n")
    with pytest.raises(DataError, match="no shipments file"):
        lg.load_shipments(tmp_path)


# --- the simulator and the bundled files --------------------------------------------------------

def test_the_simulator_is_deterministic_for_a_seed_and_varies_with_it():
    shop = simulate_shop(1_000, seed=5)
    a, b, c = simulate_logistics(shop, seed=1), simulate_logistics(shop, seed=1), simulate_logistics(shop, seed=2)
    pd.testing.assert_frame_equal(a.shipments, b.shipments)
    pd.testing.assert_frame_equal(a.inventory_demand, b.inventory_demand)
    assert a.truth == b.truth
    assert not a.shipments["sku"].equals(c.shipments["sku"])


def test_simulated_shipments_are_consistent_with_the_orders(small):
    shop, logi = small
    ship, orders = logi.shipments, shop.orders
    real = orders[orders["status"] != "cancelled"]
    out = ship[ship["direction"] == "outbound"]
    assert len(out) == len(real) and set(out["order_id"]) == set(real["order_id"])
    assert (ship["direction"] == "return").sum() == (orders["status"] == "returned").sum()
    assert out["order_value_cny"].sum() == pytest.approx(real["net_amount"].sum())
    assert (ship["chargeable_weight_kg"] >= ship["actual_weight_kg"]).all()
    assert (ship["late"] == (ship["actual_days"] > ship["promised_days"])).all()
    daily = logi.inventory_demand.groupby("sku")["units"].sum()
    assert daily.sum() == out["units"].sum()


def _same_json(fresh, bundled) -> bool:
    """Equal JSON trees, floats equal to 1e-12 relative: the truth's Zipf weights are powers and sums
    whose last bit (about 2e-16 relative) depends on the platform's math library."""
    if isinstance(fresh, dict):
        return isinstance(bundled, dict) and fresh.keys() == bundled.keys() and \
            all(_same_json(fresh[k], bundled[k]) for k in fresh)
    if isinstance(fresh, list):
        return isinstance(bundled, list) and len(fresh) == len(bundled) and \
            all(_same_json(a, b) for a, b in zip(fresh, bundled))
    if isinstance(fresh, float) and isinstance(bundled, float):
        return math.isclose(fresh, bundled, rel_tol=1e-12, abs_tol=0.0)
    return type(fresh) is type(bundled) and fresh == bundled


def test_bundled_logistics_files_are_the_default_simulation(tmp_path):
    assert all((DEMO_DIR / name).exists() for name in LOGISTICS_FILES), "run `make demo`"
    fresh = write_logistics(simulate_logistics(simulate_shop()), tmp_path)
    for path in fresh:
        bundled = DEMO_DIR / path.name
        if path.suffix == ".parquet":
            pd.testing.assert_frame_equal(pd.read_parquet(path), pd.read_parquet(bundled), check_exact=True)
        elif path.suffix == ".csv":
            pd.testing.assert_frame_equal(pd.read_csv(path), pd.read_csv(bundled), check_exact=True)
        else:
            assert _same_json(json.loads(path.read_text()), json.loads(bundled.read_text())), path.name
    mine = sum((DEMO_DIR / name).stat().st_size for name in LOGISTICS_FILES) / 1e6
    everything = sum(p.stat().st_size for p in DEMO_DIR.parent.rglob("*") if p.is_file()) / 1e6
    assert mine <= 6 and everything <= 25


def test_the_demo_loads_with_all_logistics_tables():
    data = lg.load_shipments("demo")
    assert data.tables == ["products", "warehouses", "rate_card", "inventory_demand", "lead_times"]
    assert data.truth["current_site"] == "WH-HZ"
    assert data.ledger.rows_kept == len(data.shipments)
    assert {"dest_lat", "dest_lon", "remote", "zone", "distance_km"} <= set(data.shipments.columns)


# --- any country, any currency, few parcels (issue 11) -------------------------------------------

BRAZIL = pd.DataFrame({"region": ["SP", "RJ", "AM"], "lat": [-23.55, -22.91, -3.12], "lon": [-46.63, -43.17, -60.02],
                       "remote": [False, False, True]})


def _brazil_parcels():
    return pd.DataFrame({"order_id": [1, 2, 3, 4], "direction": "outbound", "carrier": "x",
                         "destination_province": ["SP", "SP", "RJ", "AM"],
                         "dest_lat": [-23.55, -23.55, -22.91, -3.12], "dest_lon": [-46.63, -46.63, -43.17, -60.02],
                         "remote": [False, False, False, True], "shipping_cost_cny": [10.0, 12.0, 14.0, 30.0],
                         "chargeable_weight_kg": 1.0, "order_value_cny": [100.0, 100.0, 200.0, 300.0],
                         "shipped_ts": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-02-01", "2024-03-01"])})


def test_demand_per_destination_takes_the_coordinates_the_loader_placed_on_the_parcels():
    demand = lg.province_demand(_brazil_parcels()).set_index("province")
    assert sorted(demand.index) == ["AM", "RJ", "SP"]
    assert (demand.loc["AM", "lat"], demand.loc["AM", "lon"], demand.loc["AM", "remote"]) == (-3.12, -60.02, True)
    assert demand.loc["SP", "cost_per_order_cny"] == pytest.approx(11.0)
    assert demand["orders_month"].sum() == pytest.approx(4 / lg.costs.months_covered(_brazil_parcels()))


def test_demand_per_destination_uses_a_regions_table_when_the_parcels_carry_no_coordinates():
    bare = _brazil_parcels().drop(columns=["dest_lat", "dest_lon", "remote"])
    regions = BRAZIL.assign(region=[" sp", "RJ", "am"])             # matched case- and space-insensitively
    demand = lg.province_demand(bare, regions=regions).set_index("province")
    assert demand.loc["SP", "lat"] == -23.55 and bool(demand.loc["AM", "remote"])
    # and China's province capitals by default, as before
    china = pd.DataFrame({"direction": "outbound", "destination_province": ["Guangdong"], "shipping_cost_cny": [8.0]})
    assert lg.province_demand(china).loc[0, "lat"] == pytest.approx(23.13)


def test_candidate_sites_come_from_the_data_and_the_course_sites_serve_chinese_destinations_only():
    brazil = _brazil_parcels()
    sites, why = lg.candidate_sites_for(brazil, None)
    assert sites is None and "warehouses table" in why
    own = pd.DataFrame({"site_id": ["BR-SP"], "city": ["Sao Paulo"], "lat": [-23.55], "lon": [-46.63],
                        "fixed_cost_cny_month": [9000.0]})
    sites, why = lg.candidate_sites_for(brazil, own)
    assert sites["site_id"].tolist() == ["BR-SP"] and "data" in why
    assert lg.current_sites(sites, brazil.assign(origin="BR-SP"))["site_id"].tolist() == ["BR-SP"]
    assert lg.current_sites(sites, brazil).empty                        # the parcels do not say where they left
    china = pd.DataFrame({"destination_province": ["Guangdong", "Xinjiang"], "dest_lat": [23.13, 43.83],
                          "dest_lon": [113.26, 87.62]})
    assert lg.destinations_in_china(china) and not lg.destinations_in_china(brazil)
    sites, _ = lg.candidate_sites_for(china, None)
    assert sites["site_id"].tolist() == lg.default_candidate_sites()["site_id"].tolist()


def test_the_network_runs_on_regions_and_the_data_sites_with_costs_in_any_currency():
    parcels = _brazil_parcels()
    demand = lg.province_demand(parcels)
    sites = pd.DataFrame({"site_id": ["BR-SP", "BR-MAO"], "lat": [-23.55, -3.12], "lon": [-46.63, -60.02],
                          "fixed_cost_cny_month": [100.0, 5000.0]})
    plan = lg.design_network(demand, sites, zone_cost=ZONE_COST, currency="BRL")
    assert plan.status == "optimal" and plan.open_sites == ["BR-SP"]
    assert "BRL" in plan.message and "CNY" not in plan.message


def test_zone_costs_price_each_zone_with_the_carriers_the_card_has_there():
    card = HAND_CARD[~((HAND_CARD["carrier"] == "fast") & (HAND_CARD["zone"] == 1))]    # fast has no zone 1
    parcels = pd.DataFrame({"direction": "outbound", "carrier": ["fast", "slow"], "chargeable_weight_kg": [1.0, 1.0]})
    costs = lg.zone_costs(parcels, card)
    assert costs.loc[1, False] == pytest.approx(3.0 + 1.0 * 0.5)      # only slow: 0.5 kg first weight + 0.5 kg at 1.0
    assert costs.loc[2, False] == pytest.approx(6.0)                   # only fast prices zone 2


def test_the_volumetric_share_needs_only_weights_and_dimensions():
    ship = pd.DataFrame({"direction": ["outbound", "outbound", "return"], "actual_weight_kg": [0.9, 5.0, 0.9],
                         "length_cm": [50, 10, 50], "width_cm": [32, 10, 32], "height_cm": [17, 10, 17]})
    share = lg.volumetric_share(ship)                                   # no SKU, zone, carrier or rate card
    assert share["parcels"] == 2 and share["share_billed_on_volume"] == pytest.approx(0.5)
    air = 50 * 32 * 17 / 6000 - 0.9                                     # the pillow's air at the default divisor
    assert share["air_share_of_billed_kg"] == pytest.approx(air / (50 * 32 * 17 / 6000 + 5.0))
    assert "6000" in share["divisor_source"]
    # the data's own volumetric weights win over the divisor; a carrier's divisor over the default
    assert lg.volumetric_share(ship.assign(volumetric_weight_kg=0.1))["share_billed_on_volume"] == 0.0
    card = pd.DataFrame({"carrier": ["x"], "volumetric_divisor": [100000.0]})
    assert lg.volumetric_share(ship.assign(carrier="x"), card)["share_billed_on_volume"] == 0.0
    assert lg.volumetric_share(ship.drop(columns="height_cm")) is None


def test_currency_neutral_drops_cny_from_names_but_keeps_the_amounts():
    table = pd.DataFrame({"first_weight_cny": [4.0], "first_weight": [1.0], "cost_per_order_cny": [9.5]},
                         index=pd.Index(["x"], name="zone_cny"))
    out = lg.currency_neutral(table)
    assert list(out.columns) == ["first_weight_amount", "first_weight", "cost_per_order"]
    assert out.index.name == "zone" and out["cost_per_order"].iloc[0] == 9.5
    assert lg.currency_neutral(pd.Series([1.0], name="air_cny_total")).name == "air_total"
    assert list(table.columns)[0] == "first_weight_cny"                # the input is left alone


def test_the_transit_model_leaves_out_carriers_with_too_few_parcels():
    ship = pd.DataFrame({"carrier": ["a"] * 40 + ["b"] * 3, "distance_km": np.linspace(100, 2000, 43),
                         "remote": False, "actual_days": np.linspace(1, 6, 43)})
    fit = lg.fit_transit_model(ship)
    assert set(fit["carrier"]) == {"a"}
    empty = lg.fit_transit_model(ship.head(5))
    assert empty.empty and list(empty.columns) == ["carrier", "term", "coef", "se", "n_parcels"]


def test_plots_label_money_in_the_given_currency_and_frame_maps_on_their_points():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    demand = lg.province_demand(_brazil_parcels())
    fig, axes = plt.subplots(1, 3)
    try:
        ax = lg.plot_cost_waterfall(pd.Series({"first weight": 5.0}), ax=axes[0], currency="BRL")
        assert "BRL" in ax.get_ylabel() and "CNY" not in ax.get_ylabel()
        ax = lg.plot_demand_map(demand, ax=axes[1], currency="BRL")
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        assert x0 < -60.02 and x1 > -43.17 and y0 < -23.55 and y1 > -3.12 and x1 < 0   # Brazil, not China
        assert "BRL" in fig.axes[-1].get_ylabel()                                        # the colour bar
        china = pd.DataFrame({"province": ["Guangdong"], "lat": [23.13], "lon": [113.26], "orders_month": [5.0],
                              "cost_per_order_cny": [8.0]})
        ax = lg.plot_demand_map(china, ax=axes[2])
        assert ax.get_xlim() == (84.0, 128.0) and ax.get_ylim() == (17.0, 48.0)           # the course's map of China
    finally:
        plt.close(fig)
