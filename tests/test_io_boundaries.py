"""Every table enters through ecomkit.io: no other module reads files with pandas."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ecomkit"
READERS = {"read_csv", "read_parquet", "read_excel", "read_table", "read_json", "read_fwf"}


def _pandas_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in READERS and isinstance(node.value, ast.Name) \
                and node.value.id in ("pd", "pandas"):
            found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} pd.{node.attr}")
    return found


def test_no_module_outside_io_reads_files_with_pandas():
    offenders = [hit for path in PACKAGE.rglob("*.py") if "io" not in path.relative_to(PACKAGE).parts[:1]
                 for hit in _pandas_reads(path)]
    assert offenders == []


def test_the_check_finds_a_pandas_read(tmp_path):
    sample = PACKAGE / "io" / "open.py"
    assert any("pd.read_csv" in hit for hit in _pandas_reads(sample))
