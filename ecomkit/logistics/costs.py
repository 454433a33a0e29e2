"""What the parcels cost: summaries per group, the cost of an order by component, how many parcels
are billed on volume, and which SKUs pay for air.

**cost per order** counts outbound and return parcels, warehouse handling and the monthly fixed cost
of the warehouses, divided by outbound orders; **share of GMV** divides by the goods value of those
orders (``order_value_cny``, after discount, before shipping).

Amounts are in the data's currency. The input columns keep the data contract's names
(``shipping_cost_cny``, ``order_value_cny`` ...) whatever the currency; :func:`currency_neutral`
drops the ``_cny`` from a table's names before a report shows it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecomkit.logistics.tariff import rate_card_rows, shipping_cost

__all__ = ["DAYS_PER_MONTH", "DEFAULT_VOLUMETRIC_DIVISOR", "shipping_time_column", "months_covered",
           "currency_neutral", "cost_summary", "cost_breakdown_per_order", "volumetric_share", "volumetric_by_sku"]

DAYS_PER_MONTH = 365.25 / 12
#: cm³ per kg assumed when the data gives dimensions but neither volumetric weights nor a divisor
DEFAULT_VOLUMETRIC_DIVISOR = 6000.0


def currency_neutral(table):
    """A copy of ``table`` (DataFrame or Series) with ``_cny`` dropped from its column, index and
    series names: ``cost_per_order_cny`` -> ``cost_per_order``, ``fixed_cny_month`` ->
    ``fixed_month``; a name that would collide with another becomes ``..._amount``. The amounts
    themselves are unchanged (they are in the data's currency, which the report states).

    >>> list(currency_neutral(pd.DataFrame(columns=["orders", "cost_cny", "cost_per_kg_cny"])).columns)
    ['orders', 'cost', 'cost_per_kg']
    """
    def fix(name, taken):
        if not isinstance(name, str) or "_cny" not in name:
            return name
        new = name.replace("_cny", "")
        return name.replace("_cny", "_amount") if new in taken else new

    out = table.copy()
    if isinstance(out, pd.DataFrame):
        taken = set(map(str, out.columns))
        out.columns = [fix(c, taken) for c in out.columns]
    else:
        out.name = fix(out.name, set())
    out.index = out.index.set_names([fix(n, set()) for n in out.index.names])
    return out


def shipping_time_column(shipments: pd.DataFrame) -> str | None:
    """The column that dates a parcel: ``shipped_ts``, else ``order_ts``, else None."""
    if "shipped_ts" in shipments:
        return "shipped_ts"
    return "order_ts" if "order_ts" in shipments else None


def months_covered(shipments: pd.DataFrame) -> float:
    """Months from the first to the last shipping day, both counted: (days + 1) / 30.44; NaN undated."""
    when = shipping_time_column(shipments)
    if when is None:
        return float("nan")
    span = (shipments[when].max().normalize() - shipments[when].min().normalize()).days + 1
    return span / DAYS_PER_MONTH


def cost_summary(shipments: pd.DataFrame, by: str | list[str] | None = None) -> pd.DataFrame:
    """Parcels, orders, kg, cost per order, per kg and share of GMV, overall or per group.

    ``orders`` counts outbound parcels; cost includes the group's return parcels;
    ``cost_share_of_gmv`` divides by ``order_value_cny`` (NaN when the column is absent).

    >>> cost_summary(shipments, by="zone")          # doctest: +SKIP
    """
    frame = shipments.assign(
        _out=shipments["direction"].eq("outbound"),
        _ret=shipments["direction"].eq("return"),
        _gmv=shipments["order_value_cny"].where(shipments["direction"].eq("outbound"), 0.0)
        if "order_value_cny" in shipments else np.nan,
        _all="all")
    keys = by if by is not None else "_all"
    table = frame.groupby(keys, observed=True).agg(
        parcels=("shipping_cost_cny", "size"), orders=("_out", "sum"), return_parcels=("_ret", "sum"),
        chargeable_kg=("chargeable_weight_kg", "sum"), cost_cny=("shipping_cost_cny", "sum"),
        gmv_cny=("_gmv", "sum"))
    if by is None:
        table.index.name = None
    table["cost_per_order_cny"] = table["cost_cny"] / table["orders"].replace(0, np.nan)
    table["cost_per_kg_cny"] = table["cost_cny"] / table["chargeable_kg"]
    table["cost_share_of_gmv"] = (table["cost_cny"] / table["gmv_cny"].replace(0, np.nan)
                                  if "order_value_cny" in shipments else np.nan)
    table["order_share"] = table["orders"] / table["orders"].sum()
    return table


def cost_breakdown_per_order(shipments: pd.DataFrame, rate_card: pd.DataFrame | None = None,
                             warehouses: pd.DataFrame | None = None,
                             months: float | None = None) -> pd.Series:
    """Where the money goes: logistics cost per outbound order, by component, in the data's currency.

    Components (in this order, each an amount per outbound order):
    ``first weight`` (the first-kg price of every outbound parcel), ``extra weight`` (the
    per-kg price on the actual weight above the first kg), ``volumetric (paying for air)`` (the
    extra the carrier bills because the box is bulky), ``remote surcharge``, ``invoice vs rate
    card`` (what the invoices add beyond the rate card; shown only when not zero), ``returns``
    (return parcels), ``handling`` and ``warehouse fixed`` (from ``warehouses`` for the origin
    sites: per-order handling and the monthly fixed cost over ``months``, by default the months
    the shipments cover). Without a rate card the transport is one line, ``outbound transport``.

    >>> cost_breakdown_per_order(data.shipments, data.rate_card, data.warehouses)   # doctest: +SKIP
    """
    out = shipments[shipments["direction"].eq("outbound")]
    ret = shipments[shipments["direction"].eq("return")]
    n = max(len(out), 1)
    parts: dict[str, float] = {}
    if rate_card is not None and "zone" in out:
        rows = rate_card_rows(rate_card, out["carrier"].to_numpy(), out["zone"].to_numpy())
        first = rows["first_weight_cny"].to_numpy(dtype=float)
        actual = out["actual_weight_kg"].to_numpy(dtype=float) if "actual_weight_kg" in out else \
            out["chargeable_weight_kg"].to_numpy(dtype=float)
        at_actual = shipping_cost(rate_card, actual, out["zone"], out["carrier"].to_numpy(), False)
        at_charge = shipping_cost(rate_card, out["chargeable_weight_kg"], out["zone"],
                                  out["carrier"].to_numpy(), False)
        surcharge = rows["remote_surcharge_cny"].to_numpy(dtype=float) * out["remote"].to_numpy(dtype=bool)
        invoice = out["shipping_cost_cny"].to_numpy(dtype=float)
        parts["first weight"] = first.sum() / n
        parts["extra weight"] = (at_actual - first).sum() / n
        parts["volumetric (paying for air)"] = (at_charge - at_actual).sum() / n
        parts["remote surcharge"] = surcharge.sum() / n
        gap = (invoice - at_charge - surcharge).sum() / n
        if abs(gap) >= 0.005:
            parts["invoice vs rate card"] = gap
    else:
        parts["outbound transport"] = out["shipping_cost_cny"].sum() / n
    parts["returns"] = ret["shipping_cost_cny"].sum() / n
    if warehouses is not None and "origin" in shipments:
        sites = warehouses.set_index("site_id")
        origin_counts = out["origin"].value_counts()
        known = origin_counts.index.intersection(sites.index)
        if len(known):
            handling = (origin_counts[known] * sites.loc[known, "handling_cny_per_order"]).sum()
            months = months_covered(shipments) if months is None else float(months)
            fixed = sites.loc[known, "fixed_cost_cny_month"].sum() * months
            parts["handling"] = handling / n
            parts["warehouse fixed"] = fixed / n
    return pd.Series(parts, name="per_order")


def volumetric_share(shipments: pd.DataFrame, rate_card: pd.DataFrame | None = None,
                     divisor: float | None = None) -> dict | None:
    """How much of the outbound parcels' billed weight is air, from weights and dimensions alone
    (no SKU, zone or rate card needed).

    A parcel's volumetric weight is its ``volumetric_weight_kg`` where the data gives it, else
    L x W x H / divisor, the divisor being its carrier's ``volumetric_divisor`` in ``rate_card``,
    else ``divisor``, else :data:`DEFAULT_VOLUMETRIC_DIVISOR`. It is billed on volume when
    max(chargeable, volumetric) exceeds its actual weight.

    Returns None without actual weights, or without both volumetric weights and dimensions; else
    a dict: ``parcels`` (outbound parcels measured), ``share_billed_on_volume``,
    ``air_share_of_billed_kg`` (the kg billed above the actual weight over all billed kg) and
    ``divisor_source`` (how volumetric weights were found).

    >>> ship = pd.DataFrame({"direction": "outbound", "actual_weight_kg": [0.9, 5.0], "length_cm": [50, 10],
    ...                      "width_cm": [32, 10], "height_cm": [17, 10], "chargeable_weight_kg": [0.9, 5.0]})
    >>> volumetric_share(ship)["share_billed_on_volume"]
    0.5
    """
    dims = ["length_cm", "width_cm", "height_cm"]
    out = shipments[shipments["direction"].eq("outbound")] if "direction" in shipments else shipments
    if "actual_weight_kg" not in out or not ({"volumetric_weight_kg"} <= set(out) or set(dims) <= set(out)):
        return None
    actual = out["actual_weight_kg"].to_numpy(dtype=float)
    given = (out["volumetric_weight_kg"].to_numpy(dtype=float) if "volumetric_weight_kg" in out
             else np.full(len(out), np.nan))
    sources = []
    if np.isfinite(given).any():
        sources.append("the volumetric weights in the data")
    if set(dims) <= set(out) and not np.isfinite(given).all():
        div = np.full(len(out), np.nan)
        if rate_card is not None and "volumetric_divisor" in rate_card and "carrier" in out:
            per_carrier = rate_card.groupby("carrier")["volumetric_divisor"].first()
            div = out["carrier"].map(per_carrier).to_numpy(dtype=float)
            if np.isfinite(div).any():
                sources.append("the rate card divisors")
        fallback = float(divisor) if divisor is not None else DEFAULT_VOLUMETRIC_DIVISOR
        if not np.isfinite(div).all():
            sources.append(f"L x W x H / {fallback:g}")
        div = np.where(np.isfinite(div), div, fallback)
        computed = out["length_cm"].to_numpy(dtype=float) * out["width_cm"].to_numpy(dtype=float) \
            * out["height_cm"].to_numpy(dtype=float) / div
        given = np.where(np.isfinite(given), given, computed)
    billed = np.fmax(actual, given)
    if "chargeable_weight_kg" in out:
        billed = np.fmax(billed, out["chargeable_weight_kg"].to_numpy(dtype=float))
    ok = np.isfinite(actual) & np.isfinite(billed)
    if not ok.any():
        return None
    actual, billed = actual[ok], billed[ok]
    return {"parcels": int(ok.sum()), "share_billed_on_volume": float(np.mean(billed > actual + 1e-9)),
            "air_share_of_billed_kg": float((billed - actual).sum() / billed.sum()) if billed.sum() > 0 else 0.0,
            "divisor_source": ", then ".join(sources)}


def volumetric_by_sku(shipments: pd.DataFrame, rate_card: pd.DataFrame) -> pd.DataFrame:
    """Which SKUs pay for air: per SKU, outbound parcels, the share billed on volume, the mean
    actual and chargeable kg, and the extra amount the volume adds (per parcel and in total, in the
    data's currency), largest total first.
    """
    out = shipments[shipments["direction"].eq("outbound")]
    at_actual = shipping_cost(rate_card, out["actual_weight_kg"], out["zone"], out["carrier"].to_numpy())
    at_charge = shipping_cost(rate_card, out["chargeable_weight_kg"], out["zone"], out["carrier"].to_numpy())
    frame = pd.DataFrame({"sku": out["sku"].to_numpy(),
                          "billed_on_volume": (out["chargeable_weight_kg"] > out["actual_weight_kg"]).to_numpy(),
                          "actual_kg": out["actual_weight_kg"].to_numpy(),
                          "chargeable_kg": out["chargeable_weight_kg"].to_numpy(),
                          "air_cny": at_charge - at_actual})
    table = frame.groupby("sku").agg(parcels=("air_cny", "size"), share_billed_on_volume=("billed_on_volume", "mean"),
                                     mean_actual_kg=("actual_kg", "mean"), mean_chargeable_kg=("chargeable_kg", "mean"),
                                     air_cny_per_parcel=("air_cny", "mean"), air_cny_total=("air_cny", "sum"))
    return table.sort_values("air_cny_total", ascending=False)
