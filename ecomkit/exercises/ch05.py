"""Checks for notebooks/exercises/05_logistics_cost.ipynb."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ecomkit import logistics as lg
from ecomkit.exercises.grading import Verdict, close_enough, exercise

PILLOW = {"actual_weight_kg": 0.9, "length_cm": 50, "width_cm": 32, "height_cm": 17}


@lru_cache(maxsize=1)
def demo_logistics() -> lg.LogisticsData:
    """The demo shop's logistics tables, loaded once per kernel for all checks."""
    return lg.load_shipments("demo")


def _divisor(carrier: str) -> float:
    card = demo_logistics().rate_card
    return float(card.loc[card["carrier"] == carrier, "volumetric_divisor"].iloc[0])


@exercise("05.1", "the chargeable weight (kg) of a 0.9 kg pillow in a 50 x 32 x 17 cm box sent with the economy "
                  "carrier (its divisor is in the demo rate card)")
def pillow_chargeable_weight(answer) -> Verdict:
    expected = float(lg.chargeable_weight(PILLOW["actual_weight_kg"], PILLOW["length_cm"], PILLOW["width_cm"],
                                          PILLOW["height_cm"], _divisor("economy")))
    verdict = close_enough(answer, expected, rel=1e-3, unit=" kg")
    if verdict.correct:
        return Verdict(True, f"{expected:.3f} kg: the box, not the pillow, sets the price.")
    other = float(lg.chargeable_weight(PILLOW["actual_weight_kg"], PILLOW["length_cm"], PILLOW["width_cm"],
                                       PILLOW["height_cm"], _divisor("premium")))
    if close_enough(answer, PILLOW["actual_weight_kg"], rel=1e-3).correct:
        return Verdict(False, "that is the actual weight; compare it with length x width x height / divisor.")
    if close_enough(answer, other, rel=1e-3).correct:
        return Verdict(False, "that uses the premium carrier's divisor; the exercise ships economy.")
    if close_enough(answer, float(np.ceil(expected)), rel=1e-3).correct:
        return Verdict(False, "that is the billed weight (rounded up to a whole kg); the chargeable weight is before "
                              "rounding.")
    return verdict


@exercise("05.2", "the transport cost per outbound order in 2025 (CNY): all parcels shipped in 2025, outbound and "
                  "return, divided by the outbound parcels shipped in 2025")
def transport_cost_per_order_2025(answer) -> Verdict:
    ship = demo_logistics().shipments
    year = ship[ship["shipped_ts"].dt.year == 2025]
    outbound = year["direction"].eq("outbound")
    expected = float(year["shipping_cost_cny"].sum() / outbound.sum())
    verdict = close_enough(answer, expected, rel=1e-3, unit=" CNY")
    if not verdict.correct:
        only_out = float(year.loc[outbound, "shipping_cost_cny"].mean())
        per_parcel = float(year["shipping_cost_cny"].mean())
        if close_enough(answer, only_out, rel=1e-3).correct:
            return Verdict(False, "that leaves out the return parcels; they are part of what an order costs.")
        if close_enough(answer, per_parcel, rel=1e-3).correct:
            return Verdict(False, "that is the cost per parcel; divide by outbound parcels (orders) instead.")
    return verdict


@exercise("05.3", "the share of parcels to remote provinces that took more than 5 days (a fraction)")
def remote_over_five_days(answer) -> Verdict:
    ship = demo_logistics().shipments
    expected = float((ship.loc[ship["remote"], "actual_days"] > 5).mean())
    verdict = close_enough(answer, expected, rel=1e-3)
    if not verdict.correct:
        if close_enough(answer, float((ship["actual_days"] > 5).mean()), rel=1e-3).correct:
            return Verdict(False, "that is the share over all parcels; keep only the remote provinces.")
        if close_enough(answer, float((ship.loc[ship["remote"], "actual_days"] >= 5).mean()), rel=1e-3).correct:
            return Verdict(False, "more than 5 days means actual_days > 5, not >= 5.")
    return verdict


def _top_sku_2025() -> tuple[str, float, float]:
    data = demo_logistics()
    table = data.inventory_demand
    units = table[table["date"].dt.year == 2025].groupby("sku")["units"].sum()
    sku = str(units.idxmax())
    unit_cost = float(data.products.set_index("sku").loc[sku, "unit_cost_cny"])
    return sku, float(units[sku]), unit_cost


@exercise("05.4", "the EOQ (units) of the SKU with the most units demanded in 2025: order cost 200 CNY, holding "
                  "cost 25% of its unit cost per year, demand = its 2025 units")
def eoq_top_sku(answer) -> Verdict:
    sku, demand, unit_cost = _top_sku_2025()
    expected = float(lg.eoq(demand, 200.0, 0.25 * unit_cost))
    verdict = close_enough(answer, expected, rel=2e-3, unit=" units")
    if verdict.correct:
        return Verdict(True, f"{sku}: about {expected:,.0f} units per order, {expected / demand * 365:.0f} days of demand.")
    if close_enough(answer, expected / np.sqrt(2), rel=2e-3).correct:
        return Verdict(False, "the formula is the square root of 2 x demand x order cost / holding cost: the 2 is missing.")
    if close_enough(answer, float(lg.eoq(demand, 200.0, unit_cost)), rel=2e-3).correct:
        return Verdict(False, "the holding cost per unit and year is 25% of the unit cost, not the whole unit cost.")
    return Verdict(False, verdict.message + f" (the SKU is {sku}: check that you used it and its 2025 units)")


@exercise("05.5", "the sites the optimal network opens with the demo's current and regional sites (no front "
                  "warehouses), a 300 km service radius and at least 60% of orders shipped from within it")
def network_sites(answer) -> Verdict:
    data = demo_logistics()
    sites = data.warehouses
    regional = sites.loc[sites["kind"] != "front", "site_id"].tolist()
    demand = lg.province_demand(data.shipments, months=12)
    plan = lg.design_network(demand, sites, data.rate_card, parcels=data.shipments, service_km=300,
                             min_service_share=0.6, allowed=regional)
    expected = set(plan.open_sites)
    if isinstance(answer, str):
        answer = [part.strip() for part in answer.replace(";", ",").split(",") if part.strip()]
    try:
        given = {str(a) for a in answer}
    except TypeError:
        return Verdict(False, "answer with a list of site ids, e.g. ['WH-HZ', 'RG-GZ']")
    if given == expected:
        return Verdict(True, f"{', '.join(sorted(expected))}: CNY {plan.total_cost_cny:,.0f} per month, "
                             f"{plan.service_share:.0%} of orders within 300 km.")
    missing, extra = sorted(expected - given), sorted(given - expected)
    parts = []
    if missing:
        parts.append(f"{len(missing)} site(s) of the optimum missing")
    if extra:
        parts.append(f"{len(extra)} site(s) that the optimum does not open ({', '.join(extra)})")
    unknown = sorted(given - set(sites["site_id"]))
    if unknown:
        parts.append(f"unknown ids {unknown}")
    return Verdict(False, "; ".join(parts) + ". Did you pass min_service_share=0.6 and leave out the front sites?")
