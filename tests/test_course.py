"""Recording results for reports, and checking exercise answers."""

import json

import numpy as np
import pandas as pd
import pytest

from ecomkit import course
from ecomkit.exercises.grading import close_enough


def test_record_writes_results_json_as_it_goes(tmp_path):
    course.start_run("start", output_dir=tmp_path, data="demo", parameters={"HORIZON": 52})
    course.record("gmv_cny", np.float64(1234.5))
    course.record("orders_by_channel", pd.Series({"search": 3, "social": np.int64(4)}))
    course.record_ledger({"rows_in": 10, "rows_kept": 9, "dropped": {"cancelled": 1}, "notes": []})
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["chapter"] == "start"
    assert saved["parameters"] == {"HORIZON": 52}
    assert saved["results"] == {"gmv_cny": 1234.5, "orders_by_channel": {"search": 3, "social": 4}}
    assert saved["ledger"]["dropped"] == {"cancelled": 1}
    assert saved["truth_check"] is None


def test_non_finite_numbers_become_null_in_json():
    assert course.to_jsonable({"x": float("nan"), "y": [np.inf, 1.0]}) == {"x": None, "y": [None, 1.0]}


def test_truth_check_row_passes_only_inside_the_tolerance():
    assert course.truth_check_row("r", 0.52, 0.55, 0.05, "3 SE")["passed"] is True
    assert course.truth_check_row("r", 0.40, 0.55, 0.05, "3 SE")["passed"] is False


def test_close_enough_explains_a_percent_versus_fraction_mistake():
    verdict = close_enough(25.0, 0.25)
    assert not verdict.correct and "100x too large" in verdict.message
    assert close_enough(0.2501, 0.25, rel=1e-3).correct


def test_check_says_not_answered_for_none(capsys):
    assert course.check("00.1", None) is False
    assert "not answered yet" in capsys.readouterr().out


def test_check_refuses_an_unknown_exercise():
    with pytest.raises(KeyError, match="known exercises"):
        course.check("99.9", 1)
