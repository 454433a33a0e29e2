"""docs/ingestion.md says what the reader does: its generated tables match the specs."""

from pathlib import Path

from ecomkit.io.presets import describe_presets
from ecomkit.io.spec import describe_all
from ecomkit.io.tables import SPECS

DOC = (Path(__file__).resolve().parent.parent / "docs" / "ingestion.md").read_text(encoding="utf-8")


def test_the_tables_section_is_generated_from_the_current_specs():
    start, end = DOC.index("<!-- tables:start -->\n"), DOC.index("<!-- tables:end -->")
    assert DOC[start + len("<!-- tables:start -->\n"):end] == describe_all()


def test_every_rule_of_every_table_is_named_in_the_docs():
    for spec in SPECS.values():
        for rule in spec.rules:
            assert f"`{rule.name}`" in DOC, f"{spec.name}: rule {rule.name} is not documented"


def test_every_preset_is_documented():
    for line in describe_presets().splitlines()[2:]:
        name = line.split("|")[1].strip()
        assert name in DOC, f"preset {name} is not in docs/ingestion.md"
