"""Chapter 05 end to end: a papermill run on freshly simulated parcels, the analyst's CLI path, and
reports on parcels that are not the demo's (another country with a regions table, one parcel)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ecomkit import runner
from ecomkit.simulate import simulate_shop
from ecomkit.simulate.geography import PROVINCES
from ecomkit.simulate.logistics import simulate_logistics

RENAMES = {"order_id": "订单号", "destination_province": "收货省份", "shipping_cost_cny": "运费",
           "chargeable_weight_kg": "计费重量", "carrier": "快递公司", "actual_days": "时效天数"}


@pytest.fixture(scope="module")
def parcels_csv(tmp_path_factory):
    """A small shop's parcels as a courier export: Chinese headers and province names, and no
    origin id, distance, zone or late flag (the loader derives them from origin_city)."""
    shop = simulate_shop(n_customers=3_000, seed=11)
    ship = simulate_logistics(shop, seed=11).shipments
    ship = ship.drop(columns=["origin", "distance_km", "zone", "late", "customer_id"])
    ship["destination_province"] = ship["destination_province"].map(
        dict(zip(PROVINCES["province"], PROVINCES["province_zh"] + "省")))
    path = tmp_path_factory.mktemp("courier") / "parcels.csv"
    ship.rename(columns=RENAMES).to_csv(path, index=False)
    return path, ship


def test_chapter05_runs_on_a_renamed_parcels_csv_with_non_default_parameters(parcels_csv, tmp_path):
    path, ship = parcels_csv
    result = runner.run_chapter(
        "logistics", data=str(path), columns={v: k for k, v in RENAMES.items()}, out=tmp_path / "out",
        progress=False, params=[("SERVICE_KM", "400"), ("MIN_SERVICE_SHARE", "0.6"), ("SERVICE_LEVEL", "0.9"),
                                ("FIXED_COST_SCALE", "0.8"), ("LEAD_TIME_DAYS", "10")])
    saved = result.results
    params, res = saved["parameters"], saved["results"]
    assert params["SERVICE_KM"] == 400 and params["MIN_SERVICE_SHARE"] == 0.6 and params["SERVICE_LEVEL"] == 0.9
    out = ship[ship["direction"] == "outbound"]
    # cost per order: every parcel's invoice over outbound parcels (no warehouses table, so transport only)
    assert res["cost_per_order"] == pytest.approx(ship["shipping_cost_cny"].sum() / len(out))
    assert res["logistics_cost_share_of_gmv"] == pytest.approx(ship["shipping_cost_cny"].sum()
                                                               / out["order_value_cny"].sum())
    # the rate card estimated from the invoices fits them to the cent
    assert res["rate_card_fit_rmse"] < 0.005
    # the network: the course's candidate sites, the current one found from origin_city
    assert res["network_status"] == "optimal"
    assert res["chosen_warehouses"] and all(isinstance(s, str) for s in res["chosen_warehouses"])
    assert res["service_share_optimal"] >= 0.6 - 1e-9
    assert res["service_share_current"] < 0.6
    assert res["transport_savings_share"] > 0
    scenarios = {row["scenario"]: row for row in res["network_scenarios"]}
    assert scenarios["current"]["open_sites"] == "WH-HZ"
    # inventory from the parcels themselves: every SKU gets a class; turnover is positive
    assert sum(res["abc_counts"].values()) == out["sku"].nunique()
    assert res["turnover_days_policy"] > 0
    assert set(res["achieved_service_level"]) <= {"A", "B", "C"}
    assert res["share_over_5_days_remote"] > res["share_over_5_days_other"]
    assert saved["truth_check"] is None
    assert saved["currency"] == "CNY" and saved["skipped"] == [
        {"section": "Today's stock practice", "reason": saved["skipped"][0]["reason"]}]
    assert saved["ledger"]["rows_in"] == saved["ledger"]["rows_kept"] == len(ship)
    assert (tmp_path / "out" / "logistics.html").exists()


def test_cli_reports_a_bad_shipments_file_in_one_line(tmp_path):
    bad = tmp_path / "parcels.csv"
    bad.write_text("order_id,destination_province,shipping_cost_cny,actual_weight_kg\n"
                   "1,Guangdong,12.5,1.0\n2,Zhejiang,-4,0.5\n3,Hunan,abc,1.0\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "ecomkit.cli", "run", "logistics", "--data", str(bad),
                           "--out", str(tmp_path / "out"), "--quiet"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("ecomkit: error: column 'shipping_cost_cny'")
    assert "row 3" in lines[0]
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "logistics.ipynb").exists()     # failed before a kernel started


def _flat_keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _flat_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _flat_keys(item)


def test_chapter05_reports_on_a_few_parcels_to_another_country_in_its_currency(tmp_path):
    """Five parcels to Brazilian states: a regions table places them, no warehouses table, reals.

    Cost sections run; the sections that need more parcels, zones or candidate sites say why and skip
    (the course's candidate sites are in China and must not be offered for Brazil)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from other_shop import REGIONS

    shop = simulate_shop(n_customers=300, seed=5)
    ship = simulate_logistics(shop, seed=5).shipments.head(5).drop(columns=["distance_km", "zone", "origin_city"])
    ship = ship.assign(destination_province=["SP", "RJ", "AM", "SP", "RS"], origin="BR-SP")
    folder = tmp_path / "br"
    folder.mkdir()
    ship.to_csv(folder / "shipments.csv", index=False)
    REGIONS.to_csv(folder / "regions.csv", index=False)
    result = runner.run_chapter("logistics", data=str(folder), out=tmp_path / "out", progress=False,
                                no_code=True, params=[("CURRENCY", "BRL")])
    saved = result.results
    res = saved["results"]
    out = ship[ship["direction"] == "outbound"]
    assert saved["currency"] == "BRL"
    assert res["cost_per_order"] == pytest.approx(ship["shipping_cost_cny"].sum() / len(out))
    assert not [k for k in _flat_keys(saved) if "cny" in k.lower()]
    skipped = {item["section"]: item["reason"] for item in saved["skipped"]}
    assert "warehouses table" in skipped["Warehouse network"]
    assert "at least 30" in skipped["Delivery time"]
    assert "Inventory policy" in skipped
    page = result.html.read_text(encoding="utf-8")
    page = re.sub(r"data:image/[^\"']+", "", page)       # embedded pictures may hold any letters
    assert "BRL" in page and "CNY" not in page


def test_chapter05_on_one_parcel_writes_a_short_report_not_a_solver_error(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("order_id,destination_province,shipping_cost_cny,actual_weight_kg,origin_city,actual_days\n"
                    "1,广东省,12.5,1.0,Hangzhou,2.5\n", encoding="utf-8")
    result = runner.run_chapter("logistics", data=str(path), out=tmp_path / "out", progress=False)
    saved = result.results
    assert saved["results"]["cost_per_order"] == pytest.approx(12.5)
    skipped = {item["section"] for item in saved["skipped"]}
    assert {"Rate card from the invoices", "Delivery time", "Warehouse network", "Inventory policy"} <= skipped
    assert result.html.exists()
