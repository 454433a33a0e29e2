"""One reader for every table ecomkit reads (docs/ingestion.md).

>>> from ecomkit.io import read_table
>>> orders, ledger = read_table("orders", "my_orders.csv", columns={"下单时间": "order_ts"})  # doctest: +SKIP
"""

from ecomkit.io.engine import OPTION_NAMES, ReadOptions, read_table
from ecomkit.io.errors import DataError
from ecomkit.io.ledger import RowLedger
from ecomkit.io.loaders import (DEFAULT_DEMO_WINDOW, CampaignData, DataSource, LogisticsData, PanelData, ShopData,
                                demo_dir, find_table, load_campaign, load_demo, load_demo_truth, load_panel,
                                load_shipments, load_shop, read_shipments, resolve_data)
from ecomkit.io.open import SUPPORTED_EXTENSIONS

__all__ = ["read_table", "ReadOptions", "OPTION_NAMES", "DataError", "RowLedger", "SUPPORTED_EXTENSIONS",
           "DEFAULT_DEMO_WINDOW", "DataSource", "resolve_data", "find_table", "demo_dir", "ShopData", "load_shop",
           "load_demo", "load_demo_truth", "PanelData", "load_panel", "CampaignData", "load_campaign",
           "LogisticsData", "load_shipments", "read_shipments"]
