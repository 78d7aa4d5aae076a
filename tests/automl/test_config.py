"""The wizard form: defaults and validation (pure)."""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from synhelpers.automl.config import default_experiment_name, make_config
from synhelpers.exceptions import ConfigError


def test_wizard_defaults():
    config = make_config("NYC_Taxi", "fareAmount", workspace="ws")
    assert config.task == "regression"
    assert config.primary_metric == "spearman_correlation"
    assert config.onnx_compatible is True
    assert config.max_concurrent_iterations == 4
    assert re.fullmatch(r"ws-nyc_taxi-\d{14}", config.experiment_name)
    assert config.model_name == config.experiment_name + "-Best"
    assert make_config("t", "tipped", task="classification").primary_metric == "AUC_weighted"


def test_experiment_name_is_workspace_table_timestamp():
    name = default_experiment_name("myws", "default.NYC_Taxi", datetime(2021, 5, 25, 8, 52, 18))
    assert name == "myws-nyc_taxi-20210525085218"


def test_fractions_of_hours_and_strings_from_pipelines_are_accepted():
    config = make_config("t", "y", training_hours="0.5", max_concurrent_iterations="2",
                         onnx_compatible="false")
    assert config.budget_seconds == 1800.0
    assert config.max_concurrent_iterations == 2 and config.onnx_compatible is False


@pytest.mark.parametrize("kwargs, message", [
    (dict(primary_metric="rmse"), "primary_metric='rmse' is not an Azure AutoML metric"),
    (dict(primary_metric="AUC_weighted"), "primary_metric='AUC_weighted' does not fit task='regression'"),
    (dict(task="classification", primary_metric="r2_score"), "does not fit task='classification'"),
    (dict(task="clustering"), "task='clustering' is not valid"),
    (dict(training_hours=0), "training_hours=0 must be more than 0"),
    (dict(training_hours=-1), "training_hours=-1 must be more than 0"),
    (dict(training_hours="soon"), "training_hours='soon' is not a number"),
    (dict(max_concurrent_iterations=0), "max_concurrent_iterations=0 must be"),
    (dict(task="forecasting", onnx_compatible=True, time_column="d", horizon=3),
     "onnx_compatible=True is not possible with task='forecasting'"),
    (dict(task="forecasting", onnx_compatible=False, horizon=3), "needs time_column"),
    (dict(task="forecasting", onnx_compatible=False, time_column="d"), "horizon=0 must be"),
    (dict(model_name="bad name!"), "model_name='bad name!' is not valid"),
    (dict(onnx_compatible="maybe"), "onnx_compatible='maybe' is not true or false"),
])
def test_bad_form_values_are_named(kwargs, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        make_config("NYC_Taxi", "fareAmount", **kwargs)


def test_valid_metrics_are_listed_in_the_error():
    with pytest.raises(ConfigError) as err:
        make_config("t", "y", task="classification", primary_metric="spearman_correlation")
    for name in ("AUC_weighted", "accuracy", "average_precision_score_weighted",
                 "norm_macro_recall", "precision_score_weighted"):
        assert name in str(err.value)


def test_empty_table_or_target_are_refused():
    with pytest.raises(ConfigError, match="table_name is empty"):
        make_config("", "y")
    with pytest.raises(ConfigError, match="target_column is empty"):
        make_config("t", " ")
