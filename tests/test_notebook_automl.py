"""02_automl_wizard and 06_automl_sdk_tutorial under papermill against local Spark."""
from __future__ import annotations

import json

import pytest

from support import run_notebook

pytestmark = pytest.mark.notebooks


def _outputs(nb, kind):
    return [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == kind]


def test_wizard_notebook_trains_registers_and_shows_its_report(notebook_taxi, kernel,
                                                                notebook_state, tmp_path):
    nb, exit_value = run_notebook("02_automl_wizard.ipynb",
                                  {"training_hours": 60 / 3600, "max_concurrent_iterations": 2,
                                   "model_name": "nb-fare",
                                   "experiment_name": "nb-fare"},
                                  notebook_state, tmp_path, kernel)
    summary = json.loads(exit_value)
    assert summary["model_name"] == "nb-fare" and summary["model_version"] >= 1
    assert summary["task"] == "regression" and summary["primary_metric"] == "spearman_correlation"
    assert summary["parity"]["passed"] and summary["metrics"]["r2_score"] > 0.7
    # trials in the driver: "auto" on 2 cores (executors: tests/automl/test_cluster.py)
    assert summary["search_mode"] in ("driver", "spark executors") and summary["trials"] >= 3
    images = [o for o in _outputs(nb, "display_data") if "image/png" in o.get("data", {})]
    assert len(images) >= 5                       # leaderboard, over time, pred/actual, residuals, importance
    progress = [o for o in _outputs(nb, "display_data") if "AutoML:" in o["data"].get("text/plain", "")]
    assert progress, "progress is shown while training runs"


def test_sdk_tutorial_notebook_reports_validation_metrics(notebook_taxi, kernel, notebook_state,
                                                          tmp_path):
    nb, exit_value = run_notebook("06_automl_sdk_tutorial.ipynb",
                                  {"training_hours": 50 / 3600, "max_concurrent_iterations": 2},
                                  notebook_state, tmp_path, kernel)
    summary = json.loads(exit_value)
    validation = summary["validation"]
    rows = notebook_taxi[1]["rows"]
    assert 0.1 * rows < validation["rows"] < 0.3 * rows          # the 80/20 randomSplit
    assert summary["training_rows"] + summary["test_rows"] < 0.9 * rows
    for metric in ("root_mean_squared_error", "mean_absolute_percentage_error", "r2_score"):
        assert metric in validation
    assert validation["r2_score"] > 0.6
    assert summary["model_name"] == "NYCYellowTaxiModel"
