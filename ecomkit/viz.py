"""The shared plotting theme, number formats and the one ``axes()`` helper. Nothing chapter-specific.

Plotting convention (docs/architecture.md): every ``plot_*(data, ..., *, ax=None, **kwargs)`` draws on
``ax`` (a new figure when None), forwards ``kwargs`` to the matplotlib/seaborn call that draws the
main marks, and returns the Axes. matplotlib and seaborn are imported when a plot is drawn, never when
a chapter module is imported.
"""

from __future__ import annotations

PALETTE = "deep"

__all__ = ["PALETTE", "set_theme", "axes", "money_label", "format_money", "format_yuan", "format_percent",
           "format_thousands"]


def set_theme() -> None:
    """Apply ecomkit's seaborn theme (white grid, readable font sizes)."""
    import seaborn as sns

    sns.set_theme(style="whitegrid", palette=PALETTE, rc={"figure.figsize": (8, 4.5), "axes.titleweight": "bold"})


def axes(ax=None, figsize: tuple[float, float] | None = None):
    """``ax`` itself, or the Axes of a new figure (``figsize`` in inches, default the theme's)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _money_text(value: float, currency: str) -> str:
    # ISO code rather than a symbol: not every font the reports use has the yuan or real glyphs.
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{currency} {value / 1e6:,.1f}M"
    if magnitude >= 1e3:
        return f"{currency} {value / 1e3:,.3g}k"
    return f"{currency} {value:,.0f}"


def money_label(text: str, currency: str = "CNY") -> str:
    """An axis label with its unit: ``money_label("GMV per day", "BRL")`` -> 'GMV per day (BRL)'."""
    return f"{text} ({currency})"


def format_money(ax, axis: str = "y", currency: str = "CNY"):
    """Format an axis of ``ax`` as amounts in ``currency`` (ISO code); returns ``ax``."""
    import matplotlib.ticker as mticker

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(
        mticker.FuncFormatter(lambda value, _pos: _money_text(value, currency)))
    return ax


def format_yuan(ax, axis: str = "y"):
    """Format an axis of ``ax`` as CNY amounts; returns ``ax``."""
    return format_money(ax, axis, "CNY")


def format_percent(ax, axis: str = "y", decimals: int = 0):
    """Format an axis of ``ax`` holding fractions (0.25) as percent (25%); returns ``ax``."""
    import matplotlib.ticker as mticker

    fmt = mticker.PercentFormatter(xmax=1.0, decimals=decimals)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)
    return ax


def format_thousands(ax, axis: str = "y"):
    """Format an axis of counts with thousands separators (12,614); returns ``ax``."""
    import matplotlib.ticker as mticker

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(mticker.StrMethodFormatter("{x:,.0f}"))
    return ax
