"""What a table is: its columns (kind, required, meaning, unit) and its cleaning rules.

A spec reads like a data dictionary; :mod:`ecomkit.io.engine` does the work. Column kinds:

=========== ===================================================================================
id          an identifier: int64 when every value is a whole number without leading zeros, else text
timestamp   a date and time of day (naive, local time)
date        a calendar day (time of day must be midnight)
money       an amount of money (float64); currency symbols, thousands and decimal separators handled
count       a whole number >= 0 (int64)
number      a measurement (float64); units such as kg, cm, km, days stripped
flag        yes/no (bool)
text        free text or a category label (stripped, blanks are missing)
status      an order status word mapped to completed / returned / cancelled / unpaid / in_progress
region      a province (Chinese names resolved to pinyin) or any other region label kept as given
=========== ===================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Column", "Rule", "TableSpec", "LegacyOption", "translate_legacy", "KINDS", "COMMON_RULES", "describe_spec", "describe_all"]

KINDS = ("id", "timestamp", "date", "money", "count", "number", "flag", "text", "status", "region")


@dataclass(frozen=True)
class Column:
    """One column of a table: ecomkit's name, its kind, whether it must be present, and its meaning."""

    name: str
    kind: str
    required: bool = False
    meaning: str = ""
    unit: str = ""
    positive: bool = False   # values must be > 0 (weights, prices)
    minimum: float | None = None
    maximum: float | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: unknown kind {self.kind!r}")


@dataclass(frozen=True)
class Rule:
    """A cleaning rule: its name (the key of ``--clean NAME=ACTION``), default and other actions."""

    name: str
    default: str
    actions: tuple[str, ...]
    meaning: str


#: rules every table has, applied by the engine before the table's own rules
COMMON_RULES = (
    Rule("blank_rows", "drop", ("drop",), "rows with no value in any column"),
    Rule("totals_rows", "drop", ("drop", "keep", "error"),
         "a totals row (合计, 总计, 小计, Total, Grand total, Sum) in the first or the key column"),
    Rule("duplicate_rows", "drop", ("drop", "keep", "error"), "rows identical to an earlier row in every column"),
)


@dataclass(frozen=True)
class LegacyOption:
    """A keyword of the first readers (``nonpositive_amounts="drop"``) and the rule actions each of
    its values means, so old notebooks' ``CLEANING`` keeps working."""

    name: str
    values: dict


def translate_legacy(options: dict, legacy: tuple) -> dict:
    """``options`` with every legacy keyword replaced by the rule actions it means (explicit
    ``clean`` entries win)."""
    from ecomkit.io.errors import DataError

    clean = dict(options.pop("clean", None) or {})
    for old in legacy:
        if old.name not in options:
            continue
        value = options.pop(old.name)
        if value not in old.values:
            raise DataError(f"{old.name}={value!r} is not one of {', '.join(map(repr, old.values))}")
        for rule, action in old.values[value].items():
            clean.setdefault(rule, action)
    if clean:
        options["clean"] = clean
    return options


@dataclass(frozen=True)
class TableSpec:
    """A table: columns, rules, and the table's own cleaning step.

    ``clean(reading)`` runs after every column is parsed; it applies the table's own rules in
    order through ``reading.drop`` / ``reading.flag`` (see :class:`ecomkit.io.engine.Reading`).
    Without it the engine drops rows with blank required cells (``blank_<column>``).
    ``derivable`` names required columns that may be computed from others instead, and
    ``one_of`` groups of columns of which at least one must be present.
    """

    name: str
    label: str
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...] = ()
    keep_other_columns: bool = True
    key: tuple[str, ...] = ()
    time_column: str | None = None
    sort_by: tuple[str, ...] = ()
    clean: Callable | None = None
    derivable: dict[str, tuple[str, ...]] = field(default_factory=dict)
    one_of: tuple[tuple[str, ...], ...] = ()
    aliases: dict[str, list[str]] = field(default_factory=dict)
    legacy: tuple = ()  # LegacyOption entries

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def all_rules(self, present: tuple[str, ...] = ()) -> dict[str, Rule]:
        """Every rule of this table by name: common, per-column blank/unreadable, then its own."""
        rules = {r.name: r for r in COMMON_RULES}
        for col in self.columns:
            rules[f"blank_{col.name}"] = Rule(f"blank_{col.name}", "drop", ("drop", "error"),
                                              f"a blank {col.name} in a row (when the column is required)")
            if col.kind not in ("text", "region"):
                rules[f"unreadable_{col.name}"] = Rule(f"unreadable_{col.name}", "error", ("error", "drop"),
                                                       f"a {col.name} that cannot be read as {col.kind}")
        rules.update({r.name: r for r in self.rules})
        return rules


def describe_spec(spec: TableSpec) -> str:
    """The Markdown data dictionary of a table: its columns and its own rules (docs/ingestion.md)."""
    lines = [f"### `{spec.name}` — the {spec.label}", "", "| column | kind | required | unit | meaning |",
             "|---|---|---|---|---|"]
    for col in spec.columns:
        required = "yes" if col.required else ""
        if col.name in spec.derivable:
            required = f"yes, or {' and '.join(f'`{c}`' for c in spec.derivable[col.name])}"
        lines.append(f"| `{col.name}` | {col.kind} | {required} | {col.unit} | {col.meaning} |")
    for group in spec.one_of:
        lines.append(f"\nAt least one of {', '.join(f'`{c}`' for c in group)} is required.")
    if spec.rules:
        lines += ["", "| rule | default | other actions | what it does |", "|---|---|---|---|"]
        for rule in spec.rules:
            others = ", ".join(a for a in rule.actions if a != rule.default)
            lines.append(f"| `{rule.name}` | {rule.default} | {others} | {rule.meaning} |")
    if spec.keep_other_columns:
        lines.append("\nOther columns are kept as they are.")
    return "\n".join(lines) + "\n"


def describe_all() -> str:
    """Every table's data dictionary, in the order of :data:`ecomkit.io.tables.SPECS`."""
    from ecomkit.io.tables import SPECS

    return "\n".join(describe_spec(spec) for spec in SPECS.values())
