"""Where to ship from: demand per destination (a Chinese province or a region of a regions table), the
cost of a zone, the candidate and current sites, and the warehouse network chosen by a mixed-integer
program (HiGHS through ``scipy.optimize.milp``), alone or as the chapter's scenarios."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from ecomkit.logistics.costs import months_covered, shipping_time_column
from ecomkit.logistics.tariff import ZONE_BANDS_KM, haversine_km, shipping_cost, zone_for_distance
from ecomkit.reference import PROVINCES

__all__ = ["default_candidate_sites", "destinations_in_china", "candidate_sites_for", "current_sites",
           "province_demand", "zone_costs", "NetworkPlan", "design_network", "network_scenarios"]


def default_candidate_sites() -> pd.DataFrame:
    """The course's candidate sites (the demo shop's ``warehouses`` table).

    Real cities with public coordinates; the fixed costs, capacities and fees are the course's
    assumptions, sized for the demo shop. Use your own quotes (a ``warehouses`` table in your
    data folder) for real decisions.
    """
    from ecomkit.reference import candidate_sites

    return candidate_sites()


def destinations_in_china(shipments: pd.DataFrame) -> bool:
    """True when every destination is a mainland Chinese province placed at its capital (the
    default geography), False for another country's regions (a regions table) or an empty file."""
    dest = shipments["destination_province"].dropna()
    if dest.empty or not dest.isin(set(PROVINCES["province"])).all():
        return False
    if {"dest_lat", "dest_lon"} <= set(shipments.columns):
        capitals = PROVINCES.set_index("province")
        lat = capitals["lat"].reindex(dest).to_numpy(dtype=float)
        lon = capitals["lon"].reindex(dest).to_numpy(dtype=float)
        frame = shipments.loc[dest.index]
        near = (np.abs(frame["dest_lat"].to_numpy(dtype=float) - lat) <= 0.5) & \
               (np.abs(frame["dest_lon"].to_numpy(dtype=float) - lon) <= 0.5)
        return bool(near.all())
    return True


def candidate_sites_for(shipments: pd.DataFrame, warehouses: pd.DataFrame | None = None
                        ) -> tuple[pd.DataFrame | None, str]:
    """The sites a network may open, and where they come from.

    The data's ``warehouses`` table when given; else, for Chinese destinations only, the course's
    candidate sites (:func:`default_candidate_sites`, assumed costs); else ``None`` with the reason
    (candidate sites in China cannot serve another country's regions).
    """
    if warehouses is not None and len(warehouses):
        return warehouses.copy(), "the warehouses table of the data"
    if destinations_in_china(shipments):
        return default_candidate_sites(), ("the course default candidate sites in China (assumed costs; put your "
                                           "own warehouses table in the data folder for real decisions)")
    return None, ("the data has no warehouses table and its destinations are not mainland Chinese provinces, so "
                  "the course candidate sites (in China) do not apply: add a warehouses table (site_id, city, lat, "
                  "lon, fixed_cost_cny_month) to the data folder")


def current_sites(sites: pd.DataFrame, shipments: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``sites`` the parcels leave from: site ids matching ``origin``, else (not front
    warehouses) cities matching ``origin_city``; empty when the shipments do not say."""
    origins = shipments["origin"].dropna().astype(str).unique().tolist() if "origin" in shipments else []
    found = sites[sites["site_id"].astype(str).isin(origins)]
    if found.empty and "origin_city" in shipments and "city" in sites:
        cities = shipments["origin_city"].dropna().astype(str).str.lower().unique()
        kind = sites["kind"] if "kind" in sites else pd.Series("regional", index=sites.index)
        found = sites[sites["city"].astype(str).str.lower().isin(cities) & kind.ne("front")].drop_duplicates("city")
    return found


def _destination_geography(shipments: pd.DataFrame, regions: pd.DataFrame | None) -> pd.DataFrame:
    """lat, lon and remote per destination, indexed by destination name: the coordinates the loader
    placed on the parcels (``dest_lat``/``dest_lon``), else a ``regions`` table (region, lat, lon,
    remote), else mainland China's province capitals."""
    if {"dest_lat", "dest_lon"} <= set(shipments.columns):
        cols = ["dest_lat", "dest_lon"] + (["remote"] if "remote" in shipments else [])
        geo = (shipments.dropna(subset=["dest_lat", "dest_lon"]).groupby("destination_province")[cols].first()
               .rename(columns={"dest_lat": "lat", "dest_lon": "lon"}))
    elif regions is not None:
        from ecomkit.io.tables.logistics import region_keys

        table = regions.assign(_key=region_keys(regions["region"]).to_numpy()).drop_duplicates("_key")
        names = pd.Series(shipments["destination_province"].dropna().unique())
        geo = table.set_index("_key").reindex(region_keys(names).to_numpy())
        geo.index = names.to_numpy()
        geo = geo[["lat", "lon"] + (["remote"] if "remote" in geo else [])].dropna(subset=["lat", "lon"])
    else:
        geo = PROVINCES.set_index("province")[["lat", "lon", "remote"]]
    if "remote" not in geo:
        geo["remote"] = False
    geo["remote"] = geo["remote"].fillna(False).astype(bool)
    return geo


def province_demand(shipments: pd.DataFrame, months: int = 12, as_of=None,
                    regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Outbound orders per month by destination (province or region) over the last ``months`` months.

    Columns: province (the destination's name, as in ``destination_province``), lat, lon, remote,
    orders_month, cost_per_order_cny (invoiced transport of the window's outbound and return parcels
    per outbound order, in the data's currency), and gmv_month when ``order_value_cny`` is present.
    Destinations are placed where the loader put them (``dest_lat``/``dest_lon``: a province capital
    or a ``regions`` table's coordinates); shipments without those columns use ``regions`` or, by
    default, China's province capitals. ``as_of`` defaults to the last shipping date.
    """
    when = shipping_time_column(shipments)
    frame = shipments
    n_months = float(months)
    if when is not None and frame[when].notna().any():
        end = pd.Timestamp(as_of) if as_of is not None else shipments[when].max()
        begin = end - pd.DateOffset(months=months)
        frame = shipments[(shipments[when] > begin) & (shipments[when] <= end)]
        n_months = min(float(months), max(months_covered(frame), 1e-9)) if len(frame) else float(months)
    out = frame["direction"].eq("outbound")
    grouped = frame.assign(_out=out).groupby("destination_province")
    table = grouped.agg(orders=("_out", "sum"), cost=("shipping_cost_cny", "sum"))
    if "order_value_cny" in frame:
        table["gmv"] = frame[out].groupby("destination_province")["order_value_cny"].sum()
    geo = _destination_geography(shipments, regions)
    table = geo.join(table, how="inner")
    table = table[table["orders"] > 0]
    result = pd.DataFrame({"province": table.index, "lat": table["lat"].to_numpy(dtype=float),
                           "lon": table["lon"].to_numpy(dtype=float), "remote": table["remote"].to_numpy(dtype=bool),
                           "orders_month": table["orders"].to_numpy() / n_months,
                           "cost_per_order_cny": (table["cost"] / table["orders"]).to_numpy()})
    if "gmv" in table:
        result["gmv_month"] = table["gmv"].fillna(0).to_numpy() / n_months
    return result.sort_values("orders_month", ascending=False).reset_index(drop=True)


def zone_costs(shipments: pd.DataFrame, rate_card: pd.DataFrame, zones: Sequence[int] | None = None) -> pd.DataFrame:
    """Expected transport cost per outbound order if the shop's parcel mix shipped in each zone.

    For each zone and remote flag: mean rate-card cost of the outbound parcels (their own
    chargeable weight and carrier) + (return parcels per outbound order) x mean cost of the
    return parcels. Parcels of a carrier the card does not price in a zone are left out of that
    zone. Index: zone; columns ``False`` / ``True`` (remote destination).
    """
    zones = sorted(rate_card["zone"].unique()) if zones is None else list(zones)
    out = shipments[shipments["direction"].eq("outbound")]
    ret = shipments[shipments["direction"].eq("return")]
    ret_per_order = len(ret) / max(len(out), 1)
    table = {}
    for remote in (False, True):
        values = []
        for zone in zones:
            cost = 0.0
            priced = set(rate_card.loc[rate_card["zone"] == zone, "carrier"])   # carriers the card prices here
            for part, weight in ((out, 1.0), (ret, ret_per_order)):
                part = part[part["carrier"].isin(priced)]
                if len(part) == 0 or weight == 0:
                    continue
                cost += weight * shipping_cost(rate_card, part["chargeable_weight_kg"], np.full(len(part), zone),
                                               part["carrier"].to_numpy(), remote).mean()
            values.append(cost)
        table[remote] = values
    return pd.DataFrame(table, index=pd.Index(zones, name="zone"))


@dataclass
class NetworkPlan:
    """The result of :func:`design_network`.

    ``status`` is ``"optimal"``, ``"infeasible"``, ``"time_limit"`` or ``"error"``; ``message``
    says why in plain words. Costs are per month in the data's currency (the ``_cny`` names are the
    data contract's, whatever the currency); shares are fractions of orders.
    """

    status: str
    message: str
    open_sites: list[str]
    sites: pd.DataFrame
    assignment: pd.DataFrame
    fixed_cost_cny: float
    variable_cost_cny: float
    total_cost_cny: float
    service_share: float
    service_km: float
    min_service_share: float
    max_reachable_service_share: float
    handling_cost_cny: float = float("nan")
    transport_cost_cny: float = float("nan")
    same_day_share: float = float("nan")
    extra: dict = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        return self.status in ("optimal", "time_limit") and bool(self.open_sites)

    def summary(self) -> dict:
        """JSON-able headline numbers."""
        return {"status": self.status, "open_sites": list(self.open_sites),
                "fixed_cost_cny_month": _finite_or_none(self.fixed_cost_cny),
                "variable_cost_cny_month": _finite_or_none(self.variable_cost_cny),
                "handling_cost_cny_month": _finite_or_none(self.handling_cost_cny),
                "transport_cost_cny_month": _finite_or_none(self.transport_cost_cny),
                "same_day_share": _finite_or_none(self.same_day_share),
                "total_cost_cny_month": _finite_or_none(self.total_cost_cny),
                "service_share": _finite_or_none(self.service_share), "service_km": float(self.service_km),
                "min_service_share": float(self.min_service_share), "message": self.message}


def _finite_or_none(value) -> float | None:
    """``value`` as a float, or None when it is NaN or infinite (JSON has no NaN)."""
    value = float(value)
    return value if math.isfinite(value) else None


def _saving(cost: float, base: float) -> float:
    """1 - cost / base; NaN when the base is not a positive finite number."""
    cost, base = float(cost), float(base)
    return 1.0 - cost / base if math.isfinite(base) and base > 0 else float("nan")


def _column_or_default(frame: pd.DataFrame, name: str, default) -> np.ndarray:
    """Column ``name`` as floats, or ``default`` on every row when the frame lacks it."""
    if name in frame:
        return frame[name].to_numpy(dtype=float)
    return np.full(len(frame), default, dtype=float)


def design_network(demand: pd.DataFrame, candidates: pd.DataFrame, rate_card: pd.DataFrame | None = None,
                   service_km: float = 300.0, min_service_share: float = 0.0, *,
                   parcels: pd.DataFrame | None = None, zone_cost: pd.DataFrame | None = None,
                   fixed_cost_scale: float = 1.0, force_open: Sequence[str] = (),
                   allowed: Sequence[str] | None = None, zone_bands_km: Sequence[float] = ZONE_BANDS_KM,
                   time_limit_s: float = 60.0, currency: str = "CNY") -> NetworkPlan:
    """Choose warehouses to open and assign demand to them at least monthly cost (MILP, HiGHS).

    minimise   sum_i fixed_i * scale * y_i + sum_ij orders_j * c_ij * x_ij
    subject to sum_i x_ij = 1 (every destination served), x_ij <= y_i (only from open sites),
               sum_j orders_j x_ij <= capacity_i y_i, x_ij = 0 beyond a site's reach,
               sum_ij orders_j [d_ij <= service_km] x_ij >= min_service_share * sum_j orders_j,
               y binary, 0 <= x <= 1 (a destination may be split between sites).

    c_ij = handling_i + transport per order: the site's flat local delivery price when it has
    one (front warehouses), else the zone cost of the distance d_ij (:func:`zone_costs`, remote
    destinations with the surcharge).

    Parameters
    ----------
    demand : province (or demand_id), lat, lon, orders_month, optional remote (:func:`province_demand`).
    candidates : site_id, lat, lon, fixed_cost_cny_month; optional capacity_orders_month
        (default unlimited), handling_cny_per_order (0), reach_km (unlimited),
        local_delivery_cny_per_order (none).
    rate_card, parcels : used to build ``zone_cost`` when it is not given: ``parcels`` are the
        shop's shipments (their weights and carriers); without them one 1-kg parcel per order on
        the rate card's first carrier.
    service_km, min_service_share : the service constraint (share of orders shipped from a site
        within ``service_km``).
    fixed_cost_scale : multiplies every fixed cost (sensitivity to rents and minimum fees).
    force_open : site ids that must open; ``allowed``: the only site ids considered.
    currency : ISO code the costs are in, used in ``message`` only.

    Returns a :class:`NetworkPlan`; an infeasible problem is reported in ``status`` and
    ``message`` (never raised).

    >>> plan = design_network(demand, sites, rate_card, parcels=shipments, min_service_share=0.5)  # doctest: +SKIP
    >>> plan.status, plan.open_sites, plan.total_cost_cny                                        # doctest: +SKIP
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    if not 0.0 <= float(min_service_share) <= 1.0:
        raise ValueError(f"min_service_share must be between 0 and 1, got {min_service_share!r}")
    dem = demand[demand["orders_month"] > 0].reset_index(drop=True)
    ids = dem["province"] if "province" in dem else dem["demand_id"]
    sites = candidates.reset_index(drop=True)
    if allowed is not None:
        unknown = set(allowed) - set(sites["site_id"])
        if unknown:
            raise ValueError(f"allowed names unknown site ids: {sorted(unknown)}")
        sites = sites[sites["site_id"].isin(list(allowed))].reset_index(drop=True)
    unknown = set(force_open) - set(sites["site_id"])
    if unknown:
        raise ValueError(f"force_open names site ids that are not candidates: {sorted(unknown)}")
    n, m = len(sites), len(dem)
    orders = dem["orders_month"].to_numpy(dtype=float)
    total_orders = orders.sum()
    remote = dem["remote"].to_numpy(dtype=bool) if "remote" in dem else np.zeros(m, dtype=bool)

    if zone_cost is None:
        if rate_card is None:
            raise ValueError("design_network needs rate_card (and parcels) or zone_cost")
        if parcels is None:
            first = rate_card["carrier"].iloc[0]
            parcels = pd.DataFrame({"direction": "outbound", "carrier": first, "chargeable_weight_kg": [1.0]})
        zone_cost = zone_costs(parcels, rate_card)
    dist = haversine_km(sites["lat"].to_numpy()[:, None], sites["lon"].to_numpy()[:, None],
                        dem["lat"].to_numpy()[None, :], dem["lon"].to_numpy()[None, :])
    zones = zone_for_distance(dist, zone_bands_km)
    max_zone = int(zone_cost.index.max())
    zc = zone_cost.reindex(range(1, max_zone + 1)).ffill().bfill()     # zones the card lacks: the nearest
    lane = np.where(remote[None, :], zc[True].to_numpy()[np.minimum(zones, max_zone) - 1],
                    zc[False].to_numpy()[np.minimum(zones, max_zone) - 1])
    local = _column_or_default(sites, "local_delivery_cny_per_order", np.nan)
    lane = np.where(np.isfinite(local)[:, None], local[:, None], lane)
    handling = _column_or_default(sites, "handling_cny_per_order", 0.0)
    per_order = handling[:, None] + lane                                  # (n, m) money per order
    reach = _column_or_default(sites, "reach_km", np.inf)
    reach = np.where(np.isfinite(reach), reach, np.inf)
    reachable = dist <= reach[:, None]
    capacity = _column_or_default(sites, "capacity_orders_month", np.inf)
    capacity = np.where(np.isfinite(capacity), capacity, total_orders + 1.0)
    fixed = sites["fixed_cost_cny_month"].to_numpy(dtype=float) * float(fixed_cost_scale)
    within = (dist <= float(service_km)) & reachable
    max_service = float(orders[within.any(axis=0)].sum() / total_orders) if total_orders else 0.0

    def no_plan(status: str, message: str) -> NetworkPlan:
        return NetworkPlan(status, message, [], sites.assign(open=False), pd.DataFrame(), np.nan, np.nan, np.nan,
                           np.nan, float(service_km), float(min_service_share), max_service)

    if m == 0:
        return no_plan("infeasible", "infeasible: there is no demand to serve")
    orphan = ~reachable.any(axis=0)
    if orphan.any():
        names = ", ".join(map(str, ids[orphan][:5]))
        return no_plan("infeasible", f"infeasible: no candidate site can reach {int(orphan.sum())} demand point(s) ({names})")
    if capacity.sum() < total_orders - 1e-9:
        return no_plan("infeasible", f"infeasible: the candidates' total capacity {capacity.sum():,.0f} orders/month is "
                                     f"below the demand of {total_orders:,.0f}")
    if max_service < float(min_service_share) - 1e-12:
        return no_plan("infeasible", f"infeasible: min_service_share={min_service_share:.0%} but only {max_service:.1%} "
                                     f"of orders lie within {service_km:g} km of any candidate site")

    # variables: y (n), then x (n*m) in row-major order (site i, demand j) -> n + i*m + j
    nx = n * m
    xi = np.repeat(np.arange(n), m)
    xj = np.tile(np.arange(m), n)
    xcol = n + np.arange(nx)
    c = np.concatenate([fixed, (per_order * orders[None, :]).ravel()])
    a_assign = coo_matrix((np.ones(nx), (xj, xcol)), shape=(m, n + nx))
    a_link = coo_matrix((np.concatenate([np.ones(nx), -np.ones(nx)]),
                         (np.concatenate([np.arange(nx), np.arange(nx)]), np.concatenate([xcol, xi]))),
                        shape=(nx, n + nx))
    a_cap = coo_matrix((np.concatenate([orders[xj], -capacity]),
                        (np.concatenate([xi, np.arange(n)]), np.concatenate([xcol, np.arange(n)]))),
                       shape=(n, n + nx))
    a_serv = coo_matrix(((orders[None, :] * within).ravel(), (np.zeros(nx, dtype=int), xcol)), shape=(1, n + nx))
    constraints = [LinearConstraint(a_assign.tocsr(), 1.0, 1.0),
                   LinearConstraint(a_link.tocsr(), -np.inf, 0.0),
                   LinearConstraint(a_cap.tocsr(), -np.inf, 0.0)]
    if min_service_share > 0:
        constraints.append(LinearConstraint(a_serv.tocsr(), float(min_service_share) * total_orders, np.inf))
    lower = np.zeros(n + nx)
    upper = np.ones(n + nx)
    lower[:n][sites["site_id"].isin(list(force_open)).to_numpy()] = 1.0
    upper[n:][~reachable.ravel()] = 0.0
    integrality = np.concatenate([np.ones(n), np.zeros(nx)])
    res = milp(c, constraints=constraints, integrality=integrality, bounds=Bounds(lower, upper),
               options={"time_limit": float(time_limit_s), "mip_rel_gap": 1e-9})
    if res.x is None:
        if res.status == 2:
            return no_plan("infeasible", f"infeasible: no set of sites serves every destination within capacity while "
                                         f"shipping {min_service_share:.0%} of orders from within {service_km:g} km "
                                         f"(ignoring capacity {max_service:.1%} would be reachable; the sites near "
                                         f"demand lack capacity)")
        status = "time_limit" if res.status == 1 else "error"
        return no_plan(status, f"{status}: HiGHS stopped without a solution ({res.message})")
    y = np.round(res.x[:n]).astype(bool)
    x = res.x[n:].reshape(n, m)
    x[x < 1e-9] = 0.0
    fixed_cost = float(fixed[y].sum())
    variable = float((x * per_order * orders[None, :]).sum())
    service = float((x * orders[None, :] * within).sum() / total_orders)
    ii, jj = np.nonzero(x)
    assignment = pd.DataFrame({
        "site_id": sites["site_id"].to_numpy()[ii], "demand_id": ids.to_numpy()[jj], "share": x[ii, jj],
        "orders_month": x[ii, jj] * orders[jj], "distance_km": dist[ii, jj], "zone": zones[ii, jj],
        "within_service": within[ii, jj], "cost_per_order_cny": per_order[ii, jj],
        "cost_cny_month": x[ii, jj] * orders[jj] * per_order[ii, jj]})
    served = (x * orders[None, :]).sum(axis=1)
    site_table = sites.assign(open=y, orders_month=served, utilisation=served / capacity,
                              fixed_cost_cny_month_scaled=np.where(y, fixed, 0.0),
                              variable_cost_cny_month=(x * per_order * orders[None, :]).sum(axis=1))
    status = "optimal" if res.status == 0 else "time_limit"
    open_sites = list(sites["site_id"].to_numpy()[y])
    handling_cost = float((x * handling[:, None] * orders[None, :]).sum())
    same_day = float((x * orders[None, :])[np.isfinite(local)].sum() / total_orders)
    message = (f"{status}: open {', '.join(open_sites)}; {service:.1%} of orders shipped from within "
               f"{service_km:g} km; {currency} {fixed_cost + variable:,.0f} per month")
    return NetworkPlan(status, message, open_sites, site_table, assignment, fixed_cost, variable,
                       fixed_cost + variable, service, float(service_km), float(min_service_share), max_service,
                       handling_cost_cny=handling_cost, transport_cost_cny=variable - handling_cost,
                       same_day_share=same_day,
                       extra={"objective": float(res.fun), "mip_gap": getattr(res, "mip_gap", None)})


def network_scenarios(demand: pd.DataFrame, sites: pd.DataFrame, zone_cost: pd.DataFrame,
                      current: Sequence[str], service_km: float = 300.0, min_service_share: float = 0.5,
                      fixed_cost_scale: float = 1.0, n_front: int = 3,
                      currency: str = "CNY") -> tuple[pd.DataFrame, dict]:
    """The chapter's four networks, each solved by :func:`design_network`:

    - ``current``: only the current site(s), no service requirement (today's network);
    - ``optimal``: any current or regional site (``kind`` not ``front``) under the service
      requirement;
    - ``optimal, keep current``: the same, with the current site(s) forced open;
    - ``optimal + front``: the regional choice redone with the ``n_front`` front warehouses of
      the destinations with most orders forced open (the handbooks' 1-hour delivery sites).

    Returns ``(table, plans)``: one table row per scenario (status, sites, monthly fixed,
    handling, transport and total cost in the data's currency, savings vs current, service and
    same-day shares) and the :class:`NetworkPlan` objects by name. ``currency`` labels the plans'
    messages.
    """
    kind = sites["kind"] if "kind" in sites else pd.Series("regional", index=sites.index)
    regional = sites.loc[kind.ne("front").to_numpy(), "site_id"].tolist()
    common = {"zone_cost": zone_cost, "service_km": service_km, "fixed_cost_scale": fixed_cost_scale,
              "currency": currency}
    plans = {"current": design_network(demand, sites, allowed=list(current), force_open=list(current), **common),
             "optimal": design_network(demand, sites, allowed=regional, min_service_share=min_service_share,
                                       **common),
             "optimal, keep current": design_network(demand, sites, allowed=regional, force_open=list(current),
                                                     min_service_share=min_service_share, **common)}
    fronts = sites[kind.eq("front").to_numpy()]
    if len(fronts) and n_front > 0:
        rank = demand.set_index("province")["orders_month"] if "province" in demand else None
        order = fronts.assign(_demand=fronts["province"].map(rank).fillna(0) if rank is not None and
                              "province" in fronts else 0.0).sort_values("_demand", ascending=False)
        chosen = order["site_id"].head(n_front).tolist()
        plans["optimal + front"] = design_network(demand, sites, allowed=regional + chosen, force_open=chosen,
                                                  min_service_share=min_service_share, **common)
    base = plans["current"]
    rows = []
    for name, plan in plans.items():
        row = {"scenario": name, "status": plan.status, "open_sites": ", ".join(plan.open_sites),
               "n_sites": len(plan.open_sites), "fixed_cny_month": plan.fixed_cost_cny,
               "handling_cny_month": plan.handling_cost_cny, "transport_cny_month": plan.transport_cost_cny,
               "total_cny_month": plan.total_cost_cny, "service_share": plan.service_share,
               "same_day_share": plan.same_day_share}
        row["savings_vs_current"] = _saving(plan.total_cost_cny, base.total_cost_cny) if base.feasible else np.nan
        row["transport_savings_vs_current"] = (_saving(plan.transport_cost_cny, base.transport_cost_cny)
                                               if base.feasible else np.nan)
        rows.append(row)
    return pd.DataFrame(rows).set_index("scenario"), plans
