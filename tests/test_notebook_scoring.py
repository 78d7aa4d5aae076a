"""05_score_spark and 07_many_models under papermill against local Spark (the notebooks' state
directory holds NYC_Taxi from notebook 01; notebook 07 registers the models notebook 05 scores)."""
from __future__ import annotations

import json

import pytest

from support import run_notebook

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def many_models_run(notebook_taxi, kernel, notebook_state, tmp_path_factory):
    """07 with short budgets: by paymentType, where type 2 (cash) is below min_rows_per_group."""
    nb, exit_value = run_notebook(
        "07_many_models.ipynb",
        {"group_column": "paymentType", "budget_seconds_per_group": 4, "min_rows_per_group": 2000,
         "small_groups": "skip", "max_trial_runs_per_group": 2, "model_name": "nb-many",
         "output_table": "nb_scored_by_payment", "mode": "append"},
        notebook_state, tmp_path_factory.mktemp("nb07"), kernel)
    return nb, json.loads(exit_value)


def test_many_models_notebook_trains_per_group_scores_and_writes_tsql(many_models_run,
                                                                       notebook_taxi):
    nb, summary = many_models_run
    assert summary["model_name"] == "nb-many" and summary["group_column"] == "paymentType"
    assert summary["group_models"] == {"1": "nb-many-1:1"} and summary["global_model"] is None
    groups = {g["key"]: g for g in summary["groups"]}
    assert groups["1"]["status"] == "trained" and groups["2"]["status"] == "small"
    assert groups["1"]["rows"] + groups["2"]["rows"] == notebook_taxi[1]["rows"]
    assert summary["messages"] == [f"Group paymentType=2 has {groups['2']['rows']} labelled rows, "
                                   "fewer than min_rows_per_group=2000: skipped: its rows are not "
                                   "scored."]
    scores = summary["scores"]
    assert scores["kind"] == "keyed" and scores["rows"] == groups["1"]["rows"]
    assert scores["mode"] == "append" and scores["output_table"].endswith("nb_scored_by_payment")
    assert scores["columns_added"] == ["variable_out1", "scored_by"]
    assert summary["model_table_ids"] == ["nb-many-1:1"]
    tsql = summary["tsql"]
    assert "CREATE PROCEDURE [score_NYC_Taxi_by_group]" in tsql and "WHERE [paymentType] = 1" in tsql
    assert tsql.count("PREDICT (") == 1 and "other_groups" not in tsql
    printed = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "skipped: its rows are not scored" in printed and "nb-many-1:1" in printed


def test_score_notebook_scores_every_row_and_registers_a_sql_function(many_models_run,
                                                                      notebook_taxi, kernel,
                                                                      notebook_state, tmp_path):
    nb, exit_value = run_notebook("05_score_spark.ipynb",
                                  {"model_name": "nb-many-1", "output_table": "nb_scored"},
                                  notebook_state, tmp_path, kernel)
    summary = json.loads(exit_value)
    assert summary["model_uri"] == "models:/nb-many-1/1" and summary["kind"] == "onnx"
    assert summary["rows"] == notebook_taxi[1]["rows"] and summary["output_table"] == "default.nb_scored"
    assert summary["columns_added"] == ["variable_out1"]
    assert summary["sql_function"] == "predict_nyc_taxi"
    sql_cell = [c for c in nb.cells if c.source.startswith("%%sql")][0]
    shown = json.dumps(sql_cell.outputs)
    assert "prediction" in shown and "variable_out1" not in shown
