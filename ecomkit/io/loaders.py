"""Each chapter's data: a ``DATA`` argument (``"demo"``, a file, a folder, a DataFrame) turned into
the validated tables the chapter reads, their ledgers and, for the demo, the simulator's truth.

Every table goes through :func:`ecomkit.io.read_table`; a loader only decides which tables a folder
holds and what travels with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from ecomkit.io.engine import read_table
from ecomkit.io.errors import DataError
from ecomkit.io.ledger import RowLedger
from ecomkit.io.open import SUPPORTED_EXTENSIONS, file_extension
from ecomkit.io.tables.campaign import RESERVED_COLUMNS
from ecomkit.io.tables.logistics import derive_geography
from ecomkit.truth import CampaignTruth, ShopTruth, Truth, load_json_truth

__all__ = ["DEFAULT_DEMO_WINDOW", "DataSource", "resolve_data", "find_table", "demo_dir", "ShopData", "load_shop",
           "load_demo", "load_demo_truth", "PanelData", "load_panel", "CampaignData", "load_campaign",
           "LogisticsData", "load_shipments", "SIDE_OPTIONS"]

DEFAULT_DEMO_WINDOW = ("2023-01-01", "2025-12-31")
#: options that concern how any file is read (passed on to a folder's side tables too)
SIDE_OPTIONS = ("date_format", "dayfirst", "timezone", "decimal", "encoding", "sheet")


def demo_dir() -> Path:
    """The bundled demo shop directory (``datasets/demo_shop``, or the wheel's copy); DataError if it is absent."""
    from ecomkit.resources import demo_shop_dir

    d = demo_shop_dir()
    if not d.is_dir() or not find_table(d, "orders"):
        raise DataError(f"the bundled demo shop is missing: no orders file in {d}; regenerate it with `make demo` "
                        "(or reinstall ecomkit from a full checkout)")
    return d


def find_table(directory: Path, stem: str) -> Path | None:
    """The one file ``stem.*`` (any supported type) in ``directory``, or None."""
    hits = [p for p in sorted(directory.iterdir())
            if p.is_file() and p.name.lower().startswith(stem + ".") and file_extension(p) in SUPPORTED_EXTENSIONS]
    if len(hits) > 1:
        raise DataError(f"{directory}: more than one {stem} file ({', '.join(p.name for p in hits)}); keep one")
    return hits[0] if hits else None


@dataclass(frozen=True)
class DataSource:
    """What a chapter's ``DATA`` parameter points at: a DataFrame, one file, or a folder of tables."""

    kind: str  # "frame" | "file" | "folder"
    frame: pd.DataFrame | None = None
    path: Path | None = None
    is_demo: bool = False

    @property
    def table(self):
        """The DataFrame or the file path, ready for :func:`read_table` (not for folders)."""
        return self.frame if self.kind == "frame" else self.path

    @property
    def label(self) -> str:
        return "DataFrame" if self.kind == "frame" else str(self.path)


def resolve_data(data) -> DataSource:
    """Interpret ``data``: ``"demo"`` (the bundled demo folder), a DataFrame, a file or a folder.

    >>> resolve_data("demo").is_demo
    True
    """
    if isinstance(data, pd.DataFrame):
        return DataSource("frame", frame=data)
    if not isinstance(data, (str, Path)):
        raise DataError(f"data= must be 'demo', a path or a DataFrame, not {type(data).__name__}")
    if isinstance(data, str) and data.strip().lower() == "demo":
        return DataSource("folder", path=demo_dir(), is_demo=True)
    path = Path(data).expanduser()
    if not path.exists():
        raise DataError(f"data not found: {str(path)!r} (working directory: {Path.cwd()})")
    return DataSource("folder" if path.is_dir() else "file", path=path)


def _side(options: Mapping) -> dict:
    return {k: options[k] for k in SIDE_OPTIONS if k in options}


def _missing_table(directory: Path, what: str, expected: str, demo: bool) -> DataError:
    hint = "; regenerate the demo with `make demo`" if demo else ""
    found = ", ".join(p.name for p in sorted(directory.iterdir())) or "nothing"
    return DataError(f"{directory}: no {what} file (expected {expected}){hint}; found: {found}")


# ------------------------------------------------------------------------------------------ shop


@dataclass
class ShopData:
    """The tables of one shop, ready to analyse."""

    orders: pd.DataFrame
    ledger: RowLedger
    customers: pd.DataFrame | None = None
    funnel_daily: pd.DataFrame | None = None
    truth: Any = None  # an ecomkit.truth.ShopTruth for simulated shops, else None
    source: str = ""
    ledgers: dict[str, RowLedger] = field(default_factory=dict)

    @property
    def currency(self) -> str | None:
        """The currency read from the amounts (``None`` when the file did not say)."""
        return self.orders.attrs.get("currency")

    @property
    def has_customers(self) -> bool:
        """True when the orders carry buyer ids (customer-level sections need them)."""
        return "customer_id" in self.orders.columns


def load_shop(data="demo", columns: Mapping[str, str] | None = None, **options) -> ShopData:
    """Load a shop: ``"demo"``, a directory, an orders file, or an orders DataFrame.

    A directory holds ``orders.*`` plus optional ``customers.*``, ``funnel_daily.*`` and ``truth.json``
    (+ ``customer_truth.csv``). ``columns`` maps the *orders* columns; ``options`` are
    :func:`read_table`'s (``start``, ``end``, ``dayfirst``, ``status_map``, ``clean`` ...; rule
    actions may be given by name, e.g. ``zero_amounts="drop"``). ``require=("customer_id",)``
    makes buyer ids required. The demo defaults to the window 2023-01-01..2025-12-31.
    """
    where = resolve_data(data)
    if where.kind != "folder":
        orders, ledger = read_table("orders", where.table, columns, **options)
        return ShopData(orders, ledger, source=where.label, ledgers={"orders": ledger})
    directory, is_demo = where.path, where.is_demo
    if is_demo:
        options.setdefault("start", DEFAULT_DEMO_WINDOW[0])
        options.setdefault("end", DEFAULT_DEMO_WINDOW[1])
    orders_path = find_table(directory, "orders")
    if orders_path is None:
        raise _missing_table(directory, "orders", "orders.csv, orders.csv.gz, orders.xlsx or orders.parquet", is_demo)
    orders, ledger = read_table("orders", orders_path, columns, **options)
    tables, ledgers = {}, {"orders": ledger}
    for kind in ("customers", "funnel_daily"):
        path = find_table(directory, kind)
        if path is None:
            tables[kind] = None
            continue
        tables[kind], ledgers[kind] = read_table(kind, path, **_side(options))
    truth = None
    if (directory / "truth.json").exists():
        truth = ShopTruth.from_files(directory)
    source = f"demo ({directory})" if is_demo else str(directory)
    return ShopData(orders, ledger, tables["customers"], tables["funnel_daily"], truth, source, ledgers)


def load_demo(**options) -> ShopData:
    """The bundled demo shop (window 2023-01-01..2025-12-31 unless ``start``/``end`` are given)."""
    return load_shop("demo", **options)


def load_demo_truth():
    """The demo shop's ground truth (``ShopTruth``: ``params`` dict and per-customer ``customers``)."""
    return ShopTruth.from_files(demo_dir())


# --------------------------------------------------------------------------------------- pricing


@dataclass
class PanelData:
    """A validated price panel, its row ledger and, where available, baskets and the truth."""

    panel: pd.DataFrame
    ledger: RowLedger
    baskets: pd.DataFrame | None = None
    truth: Truth | None = None
    source: str = ""


def load_panel(data="demo", columns: Mapping[str, str] | None = None, **options) -> PanelData:
    """Load a price panel: ``"demo"``, a panel file, a folder, or a DataFrame.

    A folder holds ``price_panel.*`` and optionally ``baskets.*`` and ``pricing_truth.json``.
    ``columns`` maps the panel's columns; ``options`` are :func:`read_table`'s (``start``, ``end``,
    ``zero_units``, ``nonpositive_prices`` ...).
    """
    where = resolve_data(data)
    if where.kind != "folder":
        panel, ledger = read_table("price_panel", where.table, columns, **options)
        return PanelData(panel, ledger, source=where.label)
    directory, is_demo = where.path, where.is_demo
    panel_path = find_table(directory, "price_panel")
    if panel_path is None:
        raise _missing_table(directory, "price panel", "price_panel.csv or price_panel.parquet", is_demo)
    panel, ledger = read_table("price_panel", panel_path, columns, **options)
    baskets_path = find_table(directory, "baskets")
    baskets = read_table("baskets", baskets_path, **_side(options))[0] if baskets_path else None
    truth = load_json_truth(directory / "pricing_truth.json")
    return PanelData(panel, ledger, baskets, truth, f"demo ({directory})" if is_demo else str(directory))


# -------------------------------------------------------------------------------------- campaign


@dataclass
class CampaignData:
    """A validated campaign: one row per customer; ``arm`` the group's label (text), ``treatment``
    int64 (1 in any arm, 0 in the control), ``converted`` int64 0/1, ``revenue``/``coupon_cost`` float64
    when present, every other column a candidate pre-period feature (``features``; chapter 04's guards
    choose the model's features from them).

    ``control`` is the control's label and ``arms`` the other labels, sorted; :meth:`versus` gives one
    arm against the control as a two-group campaign.
    """

    campaign: pd.DataFrame
    ledger: Any
    features: list[str] = field(default_factory=list)
    truth: Any = None
    targeted: pd.DataFrame | None = None
    source: str = ""
    control: str = "0"
    arms: list[str] = field(default_factory=lambda: ["1"])

    @property
    def several_arms(self) -> bool:
        return len(self.arms) > 1

    def versus(self, arm: str | None = None) -> "CampaignData":
        """The customers of ``arm`` (default: the first arm) and of the control, ``treatment`` 1 for the arm;
        the truth (demo) becomes that arm's. With one arm, the data itself."""
        arm = self.arms[0] if arm is None or str(arm).strip() == "" else str(arm).strip()
        if arm not in self.arms:
            raise DataError(f"ARM {arm!r} is not an arm of this campaign; its arms are {', '.join(map(repr, self.arms))} "
                            f"(control {self.control!r})", column="treatment")
        if not self.several_arms:
            return self
        keep = self.campaign["arm"].isin([arm, self.control]).to_numpy()
        truth = self.truth
        if truth is not None:
            truth = type(truth)(truth.params, truth.customers.loc[keep].reset_index(drop=True))
            truth = truth.for_arm(arm) if arm in truth.arms else truth
        return CampaignData(self.campaign.loc[keep].reset_index(drop=True), self.ledger, list(self.features), truth,
                            self.targeted, self.source, self.control, [arm])


def _campaign_map(columns: Mapping[str, str] | None, treatment_col: str, outcome_col: str,
                  revenue_col: str | None = None) -> dict[str, str]:
    """The user's map plus the renaming of the treatment, outcome and revenue columns they named."""
    mapping = dict(columns or {})
    named = [(treatment_col, "treatment"), (outcome_col, "converted")]
    if revenue_col:
        named.append((revenue_col, "revenue"))
    for given, ours in named:
        if given == ours:
            continue
        source = next((k for k, v in mapping.items() if v == given), None)
        mapping[source or given] = ours
    return mapping


def _revenue_by_name(frame: pd.DataFrame, ledger) -> pd.DataFrame:
    """Take the one column named like revenue (``spend``, ``sales`` ...) as ``revenue`` when none is named."""
    from ecomkit.io.tables.campaign import REVENUE_NAMES

    if "revenue" in frame.columns:
        return frame
    hits = [c for c in frame.columns if str(c).strip().lower() in REVENUE_NAMES]
    if len(hits) != 1 or not pd.api.types.is_numeric_dtype(frame[hits[0]].dtype):
        return frame
    values = frame[hits[0]].astype("float64")
    if values.isna().any() or (values < 0).any():
        return frame
    ledger.note(f"{hits[0]!r} read as the revenue column (REVENUE_COL names another)")
    return frame.drop(columns=hits[0]).assign(revenue=values.to_numpy())


def _with_arms(frame: pd.DataFrame, control: str) -> pd.DataFrame:
    """``arm`` (the label) and ``treatment`` (1 in any arm) in place of the raw group column."""
    labels = frame["treatment"].astype(str)
    position = list(frame.columns).index("treatment")
    frame = frame.drop(columns="treatment")
    frame.insert(position, "arm", labels.to_numpy(dtype=object))
    frame.insert(position + 1, "treatment", (labels != control).astype("int64").to_numpy())
    return frame


def load_campaign(data="demo", columns: Mapping[str, str] | None = None, *, treatment_col: str = "treatment",
                  outcome_col: str = "converted", revenue_col: str | None = None, control_value=None,
                  features: Sequence[str] | None = None, **options) -> CampaignData:
    """Read, type and validate a campaign table (``"demo"``, a file, a folder with ``campaign.*``,
    or a DataFrame).

    ``treatment_col``/``outcome_col``/``revenue_col`` name (after ``columns``) the group column (any
    labels: the control and one or more arms), the 0/1 outcome and the amount per customer; without
    ``revenue_col`` a column ``revenue``, else the one column called ``spend``, ``sales``, ``gmv`` ... is
    the revenue (said in the ledger's notes). ``control_value`` names the control group (default: the
    label meaning no treatment, see :func:`~ecomkit.io.tables.campaign.resolve_arms`). ``features`` keeps
    only those feature columns (default: every other column).
    """
    from ecomkit.io.tables.campaign import resolve_arms

    where = resolve_data(data)
    truth_dir, source = None, where.table
    if where.is_demo:
        truth_dir = where.path
        source = truth_dir / "campaign.csv"
        if not source.exists():
            raise DataError(f"the bundled demo campaign is missing: no {source}; regenerate it with `make demo`")
    elif where.kind == "folder":
        source = find_table(where.path, "campaign")
        if source is None:
            raise _missing_table(where.path, "campaign", "campaign.csv or campaign.parquet", False)
        truth_dir = where.path if (where.path / "campaign_truth.json").exists() else None
    frame, ledger = read_table("campaign", source, _campaign_map(columns, treatment_col, outcome_col, revenue_col),
                               **options)
    if "arm" in frame.columns:
        raise DataError("column 'arm' is reserved for the group label; rename yours, e.g. --map arm=arm_original "
                        "(or name it as the group column with -p TREATMENT_COL arm)", column="arm")
    if not revenue_col:
        frame = _revenue_by_name(frame, ledger)
    control, arms = resolve_arms(frame["treatment"], control_value)
    frame = _with_arms(frame, control)
    if features is not None:
        missing = [f for f in features if f not in frame.columns]
        if missing:
            raise DataError(f"FEATURES names {missing}, not columns of the campaign; columns: {list(frame.columns)}",
                            column=missing[0])
        frame = frame[[c for c in frame.columns if c in RESERVED_COLUMNS or c in features]]
    feature_names = [c for c in frame.columns if c not in RESERVED_COLUMNS]
    truth = targeted = None
    if truth_dir is not None and (truth_dir / "campaign_truth.json").exists():
        truth = CampaignTruth.from_files(truth_dir)
        if "customer_id" in frame.columns:
            truth = CampaignTruth(truth.params, truth.customers.set_index("customer_id")
                                  .reindex(frame["customer_id"]).reset_index())
        targeted_path = truth_dir / "campaign_targeted.csv"
        if targeted_path.exists() and "customer_id" in frame.columns:
            assigned, _ = read_table("campaign", targeted_path)
            assigned = _with_arms(assigned, resolve_arms(assigned["treatment"], control)[0])
            assigned = assigned[[c for c in assigned.columns if c in RESERVED_COLUMNS]]
            targeted = frame[["customer_id", *feature_names]].merge(assigned, on="customer_id", how="inner",
                                                                     validate="one_to_one")
    label = f"demo ({source})" if where.is_demo else ("DataFrame" if where.kind == "frame" else str(source))
    return CampaignData(frame, ledger, feature_names, truth, targeted, label, control, arms)


# ------------------------------------------------------------------------------------- logistics

_AUX_TABLES = ("products", "warehouses", "rate_card", "inventory_demand", "inventory_demand_lead_times", "regions")


@dataclass
class LogisticsData:
    """Shipments plus whatever other logistics tables came with them.

    ``shipments`` is validated and always has ``direction``, ``carrier``, ``remote``,
    ``dest_lat``/``dest_lon`` and ``chargeable_weight_kg``. The other tables are ``None`` unless
    the data is the demo shop or a folder holding them.
    """

    shipments: pd.DataFrame
    ledger: RowLedger
    products: pd.DataFrame | None = None
    warehouses: pd.DataFrame | None = None
    rate_card: pd.DataFrame | None = None
    inventory_demand: pd.DataFrame | None = None
    lead_times: pd.DataFrame | None = None
    truth: Truth | None = None
    source: str = ""
    regions: pd.DataFrame | None = None

    @property
    def tables(self) -> list[str]:
        """Names of the tables present besides the shipments."""
        names = ("products", "warehouses", "rate_card", "inventory_demand", "lead_times", "regions")
        return [n for n in names if getattr(self, n) is not None]


def read_shipments(source, columns: Mapping[str, str] | None = None, *, warehouses: pd.DataFrame | None = None,
                   volumetric_divisor: float | None = None, **options) -> tuple[pd.DataFrame, RowLedger]:
    """Read shipments and add the derived geography (see :func:`derive_geography`).

    ``regions`` (a regions table, a path to one, or None for mainland China's provinces) says where
    destinations are."""
    regions = options.get("regions")
    if regions is not None and not isinstance(regions, pd.DataFrame):
        regions = read_table("regions", regions, **_side(options))[0]
        options["regions"] = regions
    shipments, ledger = read_table("shipments", source, columns, **options)
    return derive_geography(shipments, ledger, warehouses, volumetric_divisor, regions), ledger


def load_shipments(data="demo", columns: Mapping[str, str] | None = None, **options) -> LogisticsData:
    """Load validated shipments, and the other logistics tables of the demo shop or a folder.

    ``data`` is ``"demo"``, a shipments file, a DataFrame, or a folder holding ``shipments.*`` plus
    optional ``products``, ``warehouses``, ``rate_card``, ``inventory_demand``,
    ``inventory_demand_lead_times`` and ``regions`` tables and ``logistics_truth.json``. A regions
    table (region, lat, lon, remote; in the folder or as ``regions=``) lets shipments go to any
    country's regions; without one, destinations are mainland China's provinces.
    """
    where = resolve_data(data)
    if where.kind != "folder":
        shipments, ledger = read_shipments(where.table, columns, **options)
        return LogisticsData(shipments, ledger, source=where.label)
    directory, is_demo = where.path, where.is_demo
    ship_path = find_table(directory, "shipments")
    if ship_path is None:
        raise _missing_table(directory, "shipments", "shipments.csv or shipments.parquet", is_demo)
    tables: dict[str, pd.DataFrame | None] = {}
    for kind in _AUX_TABLES:
        found = find_table(directory, kind)
        tables[kind] = read_table(kind, found, **_side(options))[0] if found else None
    options.setdefault("warehouses", tables["warehouses"])
    if tables["regions"] is not None:
        options.setdefault("regions", tables["regions"])
    shipments, ledger = read_shipments(ship_path, columns, **options)
    truth = load_json_truth(directory / "logistics_truth.json")
    return LogisticsData(shipments, ledger, tables["products"], tables["warehouses"], tables["rate_card"],
                         tables["inventory_demand"], tables["inventory_demand_lead_times"], truth,
                         f"demo ({directory})" if is_demo else str(directory), options.get("regions"))
