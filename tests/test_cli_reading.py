"""`ecomkit run` and the reader: options reach the loader, errors are one line, --debug shows more.

Each command runs chapter ``start`` (or ``clv``) on a small CSV written here. A file the reader
refuses fails in the runner's preflight, before any kernel starts, so those tests take a few
seconds; the one test that runs a notebook is marked slow.
"""

import json
import re
import subprocess
import sys

import pytest

from ecomkit import runner

HEADER = "order_id,customer_id,order_ts,net_amount,status\n"
AMBIGUOUS = HEADER + ("1,7,05/07/2024 10:00,120.5,completed\n2,8,06/08/2024 11:00,30,completed\n"
                      "3,7,03/09/2024 12:30,45,completed\n4,9,04/10/2024 09:15,80,completed\n")


def _csv(tmp_path, body: str, name: str = "orders.csv"):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def _run(tmp_path, *args, timeout=120):
    return subprocess.run([sys.executable, "-m", "ecomkit.cli", "run", *args, "--out", str(tmp_path / "out"), "--quiet"],
                          capture_output=True, text=True, timeout=timeout, cwd=tmp_path)


def _one_error_line(done) -> str:
    """The CLI's contract for an error: exit 1, one stderr line starting `ecomkit: error:`, no traceback."""
    assert done.returncode == 1, done.stderr
    text = done.stderr.strip()
    assert "\n" not in text, text
    assert text.startswith("ecomkit: error: ") and "Traceback" not in text
    return text


def test_ambiguous_dates_stop_with_one_line_naming_dayfirst(tmp_path):
    done = _run(tmp_path, "start", "--data", str(_csv(tmp_path, AMBIGUOUS)))
    line = _one_error_line(done)
    assert "column 'order_ts': dates like '05/07/2024 10:00'" in line
    assert "--dayfirst" in line and "--date-format" in line
    assert not (tmp_path / "out").exists()  # refused before anything ran


@pytest.mark.slow
def test_dayfirst_reads_the_ambiguous_file_and_the_chapter_runs(tmp_path):
    done = _run(tmp_path, "start", "--data", str(_csv(tmp_path, AMBIGUOUS)), "--dayfirst", timeout=600)
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert results["parameters"]["CLEANING"] == {"dayfirst": True}
    assert results["ledger"]["rows_in"] == results["ledger"]["rows_kept"] == 4
    assert results["results"]["orders"] == 4 and results["results"]["gmv"] == pytest.approx(275.5)


def test_debug_prints_the_traceback(tmp_path):
    done = _run(tmp_path, "start", "--data", str(_csv(tmp_path, AMBIGUOUS)), "--debug")
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr
    assert "DataError" in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("ecomkit: error: column 'order_ts'")


def test_clean_reaches_the_loader(tmp_path):
    path = _csv(tmp_path, HEADER + "1,7,2024-06-18,12,completed\n2,8,2024-06-19,0,completed\n")
    line = _one_error_line(_run(tmp_path, "start", "--data", str(path), "--clean", "zero_amounts=error"))
    assert "column 'net_amount': zero in 1 row — row 2: 0.0" in line
    assert "--clean zero_amounts=keep" in line


def test_repeated_clean_options_all_reach_the_loader(tmp_path):
    path = _csv(tmp_path, HEADER + "1,7,2024-06-18,12,completed\n2,8,2024-06-19,-3,completed\n"
                                   "3,9,2024-06-19,0,completed\n")
    line = _one_error_line(_run(tmp_path, "start", "--data", str(path), "--clean", "zero_amounts=drop",
                                "--clean", "negative_amounts=error"))
    assert "column 'net_amount': negative (a refund or credit note) in 1 row — row 2: -3.0" in line


def test_an_unknown_clean_rule_is_refused_with_the_list_of_rules(tmp_path):
    path = _csv(tmp_path, HEADER + "1,7,2024-06-18,12,completed\n")
    line = _one_error_line(_run(tmp_path, "start", "--data", str(path), "--clean", "zero_amount=drop"))
    assert "unknown cleaning rule 'zero_amount' for the orders (did you mean 'zero_amounts'?)" in line
    assert "its rules are: " in line and "negative_amounts" in line


def test_status_map_reaches_the_loader(tmp_path):
    path = _csv(tmp_path, HEADER + "1,7,2024-06-18,12,completed\n2,8,2024-06-19,0,on its way\n")
    line = _one_error_line(_run(tmp_path, "start", "--data", str(path)))
    assert "1 status word ecomkit does not know: 'on its way' (1)" in line and "--status-map" in line
    # mapped, the word is read; the run then stops at the next refusal, which proves it got that far
    line = _one_error_line(_run(tmp_path, "start", "--data", str(path), "--status-map", "on its way=in_progress",
                                "--clean", "zero_amounts=error"))
    assert "column 'net_amount': zero in 1 row — row 2" in line


def test_the_guard_stops_the_run_and_max_drop_share_reaches_the_loader(tmp_path):
    path = _csv(tmp_path, HEADER + "1,7,2024-06-18,12,cancelled\n2,8,2024-06-19,5,cancelled\n"
                                   "3,9,2024-06-19,5,completed\n")
    line = _one_error_line(_run(tmp_path, "start", "--data", str(path)))
    assert "rule 'cancelled' would drop 2 of 3 rows" in line and "--clean cancelled=drop" in line
    line = _one_error_line(_run(tmp_path, "start", "--data", str(path), "--max-drop-share", "0"))
    assert re.search(r"--max-drop-share 0(\.0)?: give a share between 0 and 1", line), line


def test_a_chapter_that_needs_buyer_ids_names_the_map_option(tmp_path):
    path = _csv(tmp_path, "order_id,buyer,order_ts,net_amount\n1,7,2024-06-18,12\n2,8,2024-06-19,5\n")
    line = _one_error_line(_run(tmp_path, "clv", "--data", str(path)))
    assert "required column 'customer_id' is missing" in line and "--map" in line


def test_a_malformed_clean_option_is_one_line(tmp_path):
    path = _csv(tmp_path, HEADER + "1,7,2024-06-18,12,completed\n")
    line = _one_error_line(_run(tmp_path, "start", "--data", str(path), "--clean", "zero_amounts"))
    assert "--clean" in line and "'zero_amounts'" in line


# --- -p values are checked against the parameter's type before a kernel starts ---------------------


def test_check_value_refuses_a_value_of_the_wrong_type():
    with pytest.raises(runner.RunnerError, match=r"-p HORIZON 'abc': HORIZON takes a whole number \(default 52\)"):
        runner.check_value("HORIZON", "abc", runner.parse_value("abc", "int"), "int", "52")
    runner.check_value("HORIZON", "26", 26, "int", "52")


def test_a_parameter_of_the_wrong_type_is_refused_when_the_parameters_are_built(tmp_path):
    _, notebook = runner.resolve_chapter("clv")
    with pytest.raises(runner.RunnerError, match="HORIZON takes a whole number"):
        runner.build_parameters(notebook, None, None, [("HORIZON", "abc")], tmp_path / "out")


def test_cli_refuses_a_parameter_of_the_wrong_type_before_any_kernel_starts(tmp_path):
    """The data file lacks customer_id, which clv's preflight refuses: had the -p check not come first,
    the message would be about the data, so the test stays fast either way and never starts a kernel."""
    path = _csv(tmp_path, "order_id,buyer,order_ts,net_amount\n1,7,2024-06-18,12\n")
    line = _one_error_line(_run(tmp_path, "clv", "--data", str(path), "-p", "HORIZON", "abc"))
    assert "HORIZON takes a whole number" in line
