"""The corpus of messy real-world order exports (tests/data/exports) read by ``ecomkit.io.read_table``.

Each file imitates a platform's documented export format (Tmall, Taobao, JD, Pinduoduo, Douyin Shop,
Shopify, WooCommerce, an Olist-style extract, a CDNOW-style log, UCI Online Retail-style lines, a
PrestaShop export, Excel, TSV, gzip ...) with invented orders. ``manifest.json`` says, for each, the
column map an analyst would type and what a correct reader must report (docs/ingestion.md); the
numbers come from how ``build_corpus.py`` built the file, not from ecomkit.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

EXPORTS = Path(__file__).resolve().parent / "data" / "exports"
MANIFEST = json.loads((EXPORTS / "manifest.json").read_text(encoding="utf-8"))["files"]

LOADABLE = [e for e in MANIFEST if "expect" in e]
BROKEN = [e for e in MANIFEST if "error_contains" in e]
NEEDS_AN_OPTION = [e for e in MANIFEST if "error_without_options" in e]
WITH_PRESET = [e for e in LOADABLE if e.get("preset")]
CLI_FILES = ["tmall_order_report.csv", "shopify_orders.csv", "online_retail_lines.csv"]


def _ids(entries):
    return [e["file"] for e in entries]


def _presets_exist() -> bool:
    try:
        return importlib.util.find_spec("ecomkit.io.presets") is not None
    except ModuleNotFoundError:  # ecomkit.io itself is not there yet
        return False


def _read(entry: dict, *, with_options: bool = True, **overrides):
    from ecomkit.io import read_table

    options = dict(entry.get("options", {})) if with_options else {}
    options.update(overrides)
    columns = options.pop("columns", entry["columns"])
    return read_table("orders", EXPORTS / entry["file"], columns=columns, **options)


def _summary(frame, ledger, expect: dict) -> dict:
    """What the reader reported, in the manifest's shape (only the flags and facts the manifest asserts)."""
    got = ledger.to_dict()
    out = {
        "rows_in": got["rows_in"],
        "rows_kept": got["rows_kept"],
        "dropped": {rule: n for rule, n in got["dropped"].items() if n},
        "flagged": {rule: got["flagged"].get(rule, 0) for rule in expect["flagged"]},
        "frame_rows": len(frame),
        "net_amount_sum": round(float(frame["net_amount"].sum()), 2),
        "orders": int(frame["order_id"].nunique()) if "order_id" in frame.columns else len(frame),
    }
    if expect.get("customers") is not None:
        out["customers"] = int(frame["customer_id"].nunique()) if "customer_id" in frame.columns else None
    if expect.get("currency"):
        out["currency"] = frame.attrs.get("currency")
    return out


def _wanted(expect: dict) -> dict:
    want = {k: expect[k] for k in ("rows_in", "rows_kept", "dropped", "flagged", "net_amount_sum", "orders")}
    want["frame_rows"] = expect["rows_kept"]
    if expect.get("customers") is not None:
        want["customers"] = expect["customers"]
    if expect.get("currency"):
        want["currency"] = expect["currency"]
    return want


def _assert_one_line_data_error(exc: BaseException, fragments: list[str]) -> None:
    assert type(exc).__name__ == "DataError", f"expected a DataError, got {type(exc).__name__}: {exc}"
    message = str(exc)
    assert message and message == message.lstrip(), f"the message starts with blank noise: {message!r}"
    first = message.splitlines()[0]
    assert first.strip(), f"the first line is empty: {message!r}"
    assert "\n\n" not in message, f"the message has blank lines: {message!r}"
    assert "Traceback" not in message
    for fragment in fragments:
        assert fragment.lower() in first.lower(), f"{fragment!r} is not on the first line: {first!r}"


# ------------------------------------------------------------------------------------------------
# the manifest itself (no ecomkit needed)
# ------------------------------------------------------------------------------------------------


def test_the_manifest_accounts_for_every_row_of_every_export():
    assert len(LOADABLE) >= 14
    for entry in MANIFEST:
        assert (EXPORTS / entry["file"]).is_file(), entry["file"]
        assert entry["columns"], f"{entry['file']}: every file needs the --map an analyst would type"
        assert ("expect" in entry) != ("error_contains" in entry), entry["file"]
        if "expect" in entry:
            x = entry["expect"]
            assert x["rows_in"] - sum(x["dropped"].values()) == x["rows_kept"], entry["file"]
            assert 20 <= x["rows_in"] <= 200, entry["file"]
            assert x["orders"] == x["rows_kept"], entry["file"]


def test_the_corpus_is_exactly_what_build_corpus_writes(tmp_path):
    spec = importlib.util.spec_from_file_location("build_corpus", EXPORTS / "build_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path)
    assert json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["files"] == MANIFEST
    for entry in MANIFEST:
        name = entry["file"]
        if name.endswith(".xlsx"):  # zip timestamps differ between runs: compare the cells
            from openpyxl import load_workbook

            def cells(path):
                return [list(r) for r in load_workbook(path).active.iter_rows(values_only=True)]

            assert cells(tmp_path / name) == cells(EXPORTS / name), name
        else:
            assert (tmp_path / name).read_bytes() == (EXPORTS / name).read_bytes(), name


# ------------------------------------------------------------------------------------------------
# the reader on every export
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", LOADABLE, ids=_ids(LOADABLE))
def test_every_export_loads_with_only_a_column_map_and_accounts_for_every_row(entry):
    frame, ledger = _read(entry)
    got = ledger.to_dict()
    assert got["rows_in"] - sum(got["dropped"].values()) == got["rows_kept"], "the ledger does not add up"
    assert _summary(frame, ledger, entry["expect"]) == _wanted(entry["expect"]), entry["what_it_tests"]


@pytest.mark.parametrize("entry", BROKEN, ids=_ids(BROKEN))
def test_a_broken_export_stops_with_one_line_that_names_the_problem(entry):
    with pytest.raises(ValueError) as info:
        _read(entry)
    _assert_one_line_data_error(info.value, entry["error_contains"])


@pytest.mark.parametrize("entry", NEEDS_AN_OPTION, ids=_ids(NEEDS_AN_OPTION))
def test_dates_that_read_both_ways_stop_and_ask_for_the_day_first_option(entry):
    with pytest.raises(ValueError) as info:
        _read(entry, with_options=False)
    _assert_one_line_data_error(info.value, entry["error_without_options"])
    frame, ledger = _read(entry)  # with the option the manifest gives, it loads
    assert ledger.to_dict()["rows_kept"] == entry["expect"]["rows_kept"]


@pytest.mark.skipif(not _presets_exist(), reason="ecomkit.io.presets is not written yet")
@pytest.mark.parametrize("entry", WITH_PRESET, ids=_ids(WITH_PRESET))
def test_a_platform_preset_loads_its_export_like_the_column_map(entry):
    frame, ledger = _read(entry, columns=None, preset=entry["preset"])
    x = entry["expect"]
    assert (ledger.to_dict()["rows_kept"], round(float(frame["net_amount"].sum()), 2)) == \
        (x["rows_kept"], x["net_amount_sum"])


# ------------------------------------------------------------------------------------------------
# the command line on a few of them
# ------------------------------------------------------------------------------------------------

CLI_ENTRIES = [e for e in LOADABLE if e["file"] in CLI_FILES]


@pytest.mark.slow
@pytest.mark.parametrize("entry", CLI_ENTRIES, ids=_ids(CLI_ENTRIES))
def test_the_start_chapter_runs_from_the_command_line_on_a_real_world_export(entry, tmp_path):
    assert not entry.get("options"), "the CLI test only takes files that need no option"
    column_map = ",".join(f"{theirs}={ours}" for theirs, ours in entry["columns"].items())
    out = tmp_path / "report"
    done = subprocess.run(
        [sys.executable, "-m", "ecomkit.cli", "run", "start", "--data", str(EXPORTS / entry["file"]),
         "--map", column_map, "--out", str(out), "--quiet"],
        capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "results.json").is_file()
