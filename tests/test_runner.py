"""The runner contract: parameters, failures, HTML without code, results.json, the CLI's errors."""

import json
import subprocess
import sys

import nbformat
import pytest

from ecomkit import runner


def _notebook(path, body: str, parameters: str = 'DATA = "demo"\nCOLUMNS = {}\nOUTPUT_DIR = None\nHORIZON = 52'):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# tiny"), params, nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, str(path))
    return path


RECORDING = (
    "from ecomkit import course\n"
    "course.start_run('tiny', OUTPUT_DIR, data=DATA, parameters={'HORIZON': HORIZON})\n"
    "course.record('horizon_doubled', HORIZON * 2)\n"
    "print('visible output')"
)


def test_column_map_parses_pairs_and_rejects_malformed_entries():
    assert runner.parse_column_map("buyer=customer_id, paid = net_amount") == {"buyer": "customer_id", "paid": "net_amount"}
    with pytest.raises(runner.RunnerError, match="their_name=ecomkit_name"):
        runner.parse_column_map("buyer")


def test_parameter_values_are_parsed_by_the_declared_type():
    assert runner.parse_value("52", "int") == 52
    assert runner.parse_value("0.3", "float") == 0.3
    assert runner.parse_value('{"a": 1}', "dict") == {"a": 1}
    assert runner.parse_value("2024-01-01", "str") == "2024-01-01"
    assert runner.parse_value("None", "None") is None


def test_unknown_parameter_is_refused_before_anything_runs(tmp_path):
    nb = _notebook(tmp_path / "tiny.ipynb", "raise SystemExit('must not run')")
    with pytest.raises(runner.RunnerError, match="unknown parameter 'HORIZN'.*HORIZON"):
        runner.run_chapter(str(nb), params=[("HORIZN", "3")], out=tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_run_writes_notebook_html_without_code_and_results(tmp_path):
    nb = _notebook(tmp_path / "tiny.ipynb", RECORDING)
    result = runner.run_chapter(str(nb), params=[("HORIZON", "26")], out=tmp_path / "out", no_code=True, progress=False)
    saved = json.loads(result.results_path.read_text())
    assert saved["results"] == {"horizon_doubled": 52}
    assert saved["parameters"]["HORIZON"] == 26
    assert saved["elapsed_s"] > 0 and saved["ecomkit_version"]
    assert set(saved) >= {"chapter", "notebook", "data", "parameters", "results", "ledger", "truth_check"}
    page = result.html.read_text()
    assert "visible output" in page
    assert "course.record" not in page  # the code is hidden


def test_a_failing_cell_is_named_with_the_errors_first_line(tmp_path):
    nb = _notebook(tmp_path / "tiny.ipynb", "raise ValueError('column net_amount: 3 negative values\\nmore detail')")
    with pytest.raises(runner.ChapterFailed) as failure:
        runner.run_chapter(str(nb), out=tmp_path / "out", progress=False)
    message = str(failure.value)
    assert "cell" in message and "ValueError: column net_amount: 3 negative values" in message
    assert "more detail" not in message


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "ecomkit.cli", *args], capture_output=True, text=True, timeout=300)


def test_cli_prints_one_error_line_and_exits_non_zero(tmp_path):
    done = _cli("run", "no_such_chapter")
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "unknown chapter" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_refuses_a_missing_data_file(tmp_path):
    nb = _notebook(tmp_path / "tiny.ipynb", RECORDING)
    done = _cli("run", str(nb), "--data", str(tmp_path / "missing.csv"), "--quiet")
    assert done.returncode == 1 and "data file not found" in done.stderr and "Traceback" not in done.stderr


def test_index_page_links_reports_and_shows_scalar_headlines(tmp_path):
    html_path = tmp_path / "start" / "start.html"
    html_path.parent.mkdir()
    html_path.write_text("<html></html>")
    run = runner.RunResult("start", tmp_path / "start" / "start.ipynb", html_path, tmp_path / "start" / "results.json",
                           {"results": {"gmv_cny": 1234567.0, "table": [1, 2]}, "truth_check": {"all_passed": True},
                            "elapsed_s": 3.2})
    page = runner.render_index([run], tmp_path)
    assert "href='start/start.html'" in page and "gmv_cny" in page and "1,234,567" in page
    assert "table" not in page.split("<table>")[1].split("</table>")[0].replace("<table", "")
    assert "passed" in page


def test_preflight_forwards_the_uplift_column_parameters_to_its_loader(tmp_path):
    import pandas as pd

    from ecomkit.io import DataError

    source = pd.read_csv(runner.NOTEBOOK_DIR.parent / "datasets" / "demo_shop" / "campaign.csv", nrows=400)
    path = tmp_path / "campaign.csv"
    source.rename(columns={"treatment": "grp"}).to_csv(path, index=False)
    with pytest.raises(DataError):
        runner.preflight("uplift", {"DATA": str(path)})
    runner.preflight("uplift", {"DATA": str(path), "TREATMENT_COL": "grp"})   # no error: the name is forwarded


def test_preflight_passes_cleaning_and_the_chapters_required_columns_to_the_orders_loader(tmp_path):
    from ecomkit.io import DataError

    path = tmp_path / "orders.csv"
    path.write_text("order_id,buyer,order_ts,net_amount\n1,7,2024-06-18,12\n2,8,2024-06-19,0\n", encoding="utf-8")
    runner.preflight("start", {"DATA": str(path)})       # order-level chapters run without buyer ids
    with pytest.raises(DataError, match="required column 'customer_id' is missing .*--map"):
        runner.preflight("clv", {"DATA": str(path)})
    runner.preflight("clv", {"DATA": str(path), "COLUMNS": {"buyer": "customer_id"}})
    with pytest.raises(DataError, match="column 'net_amount': zero in 1 row"):
        runner.preflight("start", {"DATA": str(path), "CLEANING": {"clean": {"zero_amounts": "error"}}})
    with pytest.raises(DataError, match="after cleaning"):
        runner.preflight("start", {"DATA": str(path), "END": "2023-12-31"})   # START/END are forwarded too


def test_headline_numbers_flatten_nested_results_to_dotted_names():
    results = {"gmv_cny": 10.0, "bgnbd": {"r": 0.5, "se": {"r": 0.01}}, "deciles": [1, 2], "deep": {"a": {"b": {"c": 1}}}}
    assert runner.headline_numbers(results) == {"gmv_cny": 10.0, "bgnbd.r": 0.5, "bgnbd.se.r": 0.01}
