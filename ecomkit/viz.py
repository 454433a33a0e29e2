"""The shared plotting theme and axis formatters (CNY and percent). Nothing chapter-specific."""

from __future__ import annotations

import matplotlib.ticker as mticker
import seaborn as sns

PALETTE = "deep"


def set_theme() -> None:
    """Apply ecomkit's seaborn theme (white grid, readable font sizes)."""
    sns.set_theme(style="whitegrid", palette=PALETTE, rc={"figure.figsize": (8, 4.5), "axes.titleweight": "bold"})


def _yuan(value: float, _pos=None) -> str:
    # ASCII "CNY" rather than the yuan glyph: not every font the reports use has it.
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"CNY {value / 1e6:,.1f}M"
    if magnitude >= 1e3:
        return f"CNY {value / 1e3:,.3g}k"
    return f"CNY {value:,.0f}"


yuan_formatter = mticker.FuncFormatter(_yuan)
percent_formatter = mticker.PercentFormatter(xmax=1.0, decimals=0)


def format_yuan(ax, axis: str = "y"):
    """Format an axis of ``ax`` as CNY amounts; returns ``ax``."""
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(yuan_formatter)
    return ax


def format_percent(ax, axis: str = "y", decimals: int = 0):
    """Format an axis of ``ax`` holding fractions (0.25) as percent (25%); returns ``ax``."""
    fmt = mticker.PercentFormatter(xmax=1.0, decimals=decimals)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)
    return ax
