"""The form -> Azure AutoML job mapping, checked by the real azure-ai-ml (no Azure needed):
every task and metric built, dumped, validated by ``load_job`` and round-tripped; every error a
user can hit before submission; the "Open in notebook" code."""
from __future__ import annotations

import ast
import json

import nbformat
import pytest
import yaml

from synhelpers.automl import make_config
from synhelpers.automl.azureml import (AZURE_PRIMARY_METRICS, automl_notebook, build_job,
                                       job_spec, job_yaml)
from synhelpers.automl.azureml.job import job_document, load_job_yaml, timeout_minutes
from synhelpers.automl.azureml.notebook import JOB_CELL, literal
from synhelpers.automl.azureml.status import best_child_name, best_trial, progress_line
from synhelpers.automl.azureml.workspace import resolve_workspace
from synhelpers.exceptions import ConfigError

TUTORIAL = dict(table_name="NYC_Taxi", target_column="fareAmount", task="regression",
                primary_metric="spearman_correlation", training_hours=3,
                max_concurrent_iterations=4, onnx_compatible=True,
                experiment_name="synapsews-nyc_taxi-20210525085218", engine="azureml")
FORECAST = dict(time_column="day", horizon=14, onnx_compatible=False)
CASES = [(task, metric) for task, metrics in AZURE_PRIMARY_METRICS.items() for metric in metrics]
SDK_METRICS = {"regression": "RegressionPrimaryMetrics",
               "classification": "ClassificationPrimaryMetrics",
               "forecasting": "ForecastingPrimaryMetrics"}


def form(task: str, metric: str, **extra):
    more = FORECAST if task == "forecasting" else {}
    return make_config("NYC_Taxi", "fareAmount", task=task, primary_metric=metric,
                       training_hours=0.5, max_concurrent_iterations=3, engine="azureml",
                       experiment_name="exp-1", **more, **extra)


def test_the_tutorial_form_makes_a_job_azure_validates_and_that_round_trips():
    spec = job_spec(make_config(**TUTORIAL), "abfss://data@lake.dfs.core.windows.net/nyc/run1")
    text = job_yaml(spec)
    doc = yaml.safe_load(text)
    assert doc["$schema"].endswith("/autoMLRegressionJob.schema.json")
    assert (doc["type"], doc["task"], doc["target_column_name"], doc["primary_metric"]) == (
        "automl", "regression", "fareAmount", "spearman_correlation")
    assert doc["limits"] == {"timeout_minutes": 180, "max_concurrent_trials": 4}
    assert doc["training"] == {"enable_onnx_compatible_models": True}
    assert doc["training_data"] == {"path": "abfss://data@lake.dfs.core.windows.net/nyc/run1",
                                    "type": "mltable"}
    assert doc["experiment_name"] == "synapsews-nyc_taxi-20210525085218"
    assert doc["display_name"] == "synapsews-nyc_taxi-20210525085218-Best"
    loaded = load_job_yaml(text)                                    # azure-ai-ml's own loader
    assert type(loaded).__name__ == "RegressionJob"
    assert (loaded.limits.timeout_minutes, loaded.limits.max_concurrent_trials) == (180, 4)
    assert loaded.training.enable_onnx_compatible_models is True
    assert loaded.training_data.path == "abfss://data@lake.dfs.core.windows.net/nyc/run1"
    assert job_document(loaded, spec.training_data) == doc          # round trip, field for field


@pytest.mark.parametrize("task,metric", CASES, ids=[f"{t}-{m}" for t, m in CASES])
def test_every_task_and_metric_round_trips_through_load_job(task, metric, tmp_path):
    spec = job_spec(form(task, metric), str(tmp_path / "mltable"), compute="cpu-cluster")
    text = job_yaml(spec)
    loaded = load_job_yaml(text)
    assert str(loaded.task_type.value).lower() == task and loaded.compute == "cpu-cluster"
    assert job_document(loaded, spec.training_data) == yaml.safe_load(text)
    assert loaded.training_data.path == str(tmp_path / "mltable")   # no 'azureml:' prefix added
    assert loaded.limits.timeout_minutes == 30 and loaded.limits.max_concurrent_trials == 3
    # the metric Azure stored is ours (it writes some in lower case: AUC_weighted -> auc_weighted)
    assert str(yaml.safe_load(text)["primary_metric"]).lower() == metric.lower()
    if task == "forecasting":
        assert (loaded.forecasting_settings.time_column_name,
                loaded.forecasting_settings.forecast_horizon) == ("day", 14)
        assert loaded.training.enable_onnx_compatible_models is False
        assert "test_data_size" not in yaml.safe_load(text)
    else:
        assert yaml.safe_load(text)["test_data_size"] == 0.1


def test_our_metric_table_is_the_sdks():
    from azure.ai.ml import automl
    for task, enum_name in SDK_METRICS.items():
        names = [m.name.lower() for m in getattr(automl, enum_name)]
        assert sorted(names) == sorted(m.lower() for m in AZURE_PRIMARY_METRICS[task]), task


@pytest.mark.parametrize("task,metric", [("classification", "r2_score"),
                                         ("regression", "accuracy"),
                                         ("forecasting", "AUC_weighted")])
def test_a_metric_azure_does_not_offer_for_the_task_is_refused_by_us_and_by_azure(task, metric):
    with pytest.raises(ConfigError, match=f"primary_metric='{metric}' does not fit task='{task}'"):
        form(task, metric)
    # and Azure's own schema refuses the same document
    text = job_yaml(job_spec(form(task, AZURE_PRIMARY_METRICS[task][0]), "/tmp/data"))
    with pytest.raises(ConfigError, match="does not validate"):
        load_job_yaml(text.replace(f"primary_metric: {yaml.safe_load(text)['primary_metric']}",
                                   f"primary_metric: {metric}"))


def test_forecasting_with_onnx_and_unknown_engines_are_named():
    with pytest.raises(ConfigError, match="onnx_compatible=True is not possible with "
                                          "task='forecasting'"):
        make_config("t", "y", task="forecasting", time_column="d", horizon=3, onnx_compatible=True,
                    engine="azureml")
    with pytest.raises(ConfigError, match="engine='h2o' is not valid: use 'flaml'"):
        make_config("t", "y", engine="h2o")
    with pytest.raises(ConfigError, match="test_size=1.5 must be in"):
        make_config("t", "y", engine="azureml", test_size=1.5)
    assert make_config("t", "y").engine == "flaml"


@pytest.mark.parametrize("hours,minutes", [(0.25, 15), (3, 180), (0.01, 1), (1 / 60 + 1e-6, 2),
                                           (0.5, 30)])
def test_training_hours_become_whole_minutes_rounded_up(hours, minutes):
    assert timeout_minutes(hours) == minutes


# -- the workspace: named, never guessed ----------------------------------------------------------
WS = {"AZUREML_SUBSCRIPTION_ID": "00000000-1111-2222-3333-444444444444",
      "AZUREML_RESOURCE_GROUP": "rg-ml", "AZUREML_WORKSPACE_NAME": "ws-ml"}


def test_no_workspace_names_the_three_settings_and_where_to_set_them():
    with pytest.raises(ConfigError) as caught:
        resolve_workspace(None, {})
    text = str(caught.value)
    for name in ("subscription_id, resource_group, workspace_name are not set", *WS,
                 "spark.synhelpers.azureml.subscriptionId", "spark.synhelpers.azureml.resourceGroup",
                 "spark.synhelpers.azureml.workspaceName", "AZUREML_LINKED_SERVICE",
                 "DefaultAzureCredential"):
        assert name in text, name
    with pytest.raises(ConfigError, match="and workspace_name is not set"):
        resolve_workspace(None, {k: v for k, v in WS.items() if "WORKSPACE" not in k})


def test_settings_come_from_the_environment_then_a_linked_service(monkeypatch):
    settings = resolve_workspace(None, {**WS, "AZUREML_COMPUTE": "cpu"})
    assert (settings.subscription_id, settings.resource_group, settings.workspace_name,
            settings.compute) == (*WS.values(), "cpu")
    monkeypatch.setenv("SYNHELPERS_LINKED_SERVICE_AML_LS", json.dumps(
        {"name": "aml-ls", "properties": {"type": "AzureMLService", "typeProperties": {
            "subscriptionId": "sub-ls", "resourceGroupName": "rg-ls", "mlWorkspaceName": "ws-ls"}}}))
    linked = resolve_workspace(None, {"AZUREML_LINKED_SERVICE": "aml-ls",
                                      "AZUREML_RESOURCE_GROUP": "rg-env"})
    assert (linked.subscription_id, linked.resource_group, linked.workspace_name) == (
        "sub-ls", "rg-env", "ws-ls")                       # the environment wins over the service
    assert ("subscription_id", "linked service aml-ls") in linked.sources
    with pytest.raises(ConfigError, match="Linked service 'missing' .* cannot be read"):
        resolve_workspace(None, {"AZUREML_LINKED_SERVICE": "missing"})


def test_train_wizard_without_a_workspace_fails_before_doing_any_work(monkeypatch, tmp_path):
    from synhelpers.automl import train_wizard
    from synhelpers.runtime import state_dir
    for name in WS:
        monkeypatch.delenv(name, raising=False)
    before = sorted(p.name for p in state_dir().iterdir())
    with pytest.raises(ConfigError, match="needs an Azure Machine Learning workspace"):
        # spark=None: any step touching Spark (table checks, the hand-off) would fail otherwise
        train_wizard(None, **{k: v for k, v in TUTORIAL.items()})
    assert sorted(p.name for p in state_dir().iterdir()) == before     # nothing written


# -- progress and the best trial, from what Azure reports ----------------------------------------
def test_progress_line_and_best_trial_follow_the_metric_direction():
    trials = [{"name": "t1", "properties": {"score": "0.91", "run_algorithm": "LightGBM"}},
              {"name": "t2", "properties": {"score": "0.95", "run_algorithm": "XGBoostRegressor"}},
              {"name": "t3", "properties": {}}]
    assert best_trial(trials, "r2_score")["name"] == "t2"
    assert best_trial(trials, "normalized_root_mean_squared_error")["name"] == "t1"
    assert progress_line("job-1", "Running", trials, "r2_score", 620.4, 10800) == (
        "AutoML (Azure job job-1, Running): 2 trials done | best r2_score 0.9500 "
        "(XGBoostRegressor) | 620 s elapsed, 10180 s left")
    assert best_child_name({"automl_best_child_run_id": "job-1_7"}, {}, trials, "r2_score") == "job-1_7"
    assert best_child_name({}, {}, trials, "r2_score") == "t2"
    assert best_child_name({}, {}, trials[2:], "r2_score") == ""


# -- "Open in notebook" ----------------------------------------------------------------------------
@pytest.mark.parametrize("task,metric", [("regression", "spearman_correlation"),
                                         ("classification", "AUC_weighted"),
                                         ("forecasting", "normalized_root_mean_squared_error")])
def test_the_notebook_submits_exactly_the_job(task, metric, tmp_path):
    spec = job_spec(form(task, metric), "unused", compute="cpu-cluster")
    nb = nbformat.from_dict(automl_notebook(spec))
    nbformat.validate(nb)
    assert nb.metadata.kernelspec == {"name": "synapse_pyspark", "display_name": "Synapse PySpark"}
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    namespace: dict = {}
    for statement in ast.parse(params[0].source).body:        # literals only
        namespace[statement.targets[0].id] = ast.literal_eval(statement.value)
    assert namespace["table_name"] == "NYC_Taxi" and namespace["task"] == task
    for cell in nb.cells:
        if cell.cell_type == "code":
            tree = ast.parse(cell.source)
            assert not any(isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda))
                           for n in ast.walk(tree))
            assert len(cell.source.splitlines()) <= 12 and not cell.outputs
    job_cell = next(c for c in nb.cells if c.source == JOB_CELL)
    from azure.ai.ml import Input, automl
    namespace.update(automl=automl, Input=Input, training_data=str(tmp_path / "data"))
    exec(compile(job_cell.source, "job-cell", "exec"), namespace)   # the notebook's own code
    ours = build_job(job_spec(form(task, metric), str(tmp_path / "data"), compute="cpu-cluster"))
    assert job_document(namespace["job"], str(tmp_path / "data")) == job_document(
        ours, str(tmp_path / "data"))


def test_hostile_values_stay_data_in_the_notebook():
    hostile = 'fare"); import os; os.system("echo owned") #\n\'; x = 1'
    config = make_config("x'; import os #", hostile, engine="azureml", experiment_name="e")
    nb = automl_notebook(job_spec(config, ""), staging_uri="abfss://a'\"@b/c")
    source = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))["source"]
    tree = ast.parse(source)
    assert all(isinstance(s, ast.Assign) for s in tree.body) and len(tree.body) == 14
    values = {s.targets[0].id: ast.literal_eval(s.value) for s in tree.body}
    assert values["target_column"] == hostile and values["table_name"] == "x'; import os #"
    assert values["staging_uri"] == "abfss://a'\"@b/c"
    with pytest.raises(ConfigError, match="cannot be written into a notebook"):
        literal(object())


def test_cli_emits_the_notebook_without_spark_or_a_workspace(tmp_path, capsys, monkeypatch):
    from synhelpers.cli import main
    for name in WS:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "job.ipynb"
    assert main(["train", "--table-name", "NYC_Taxi", "--target-column", "fareAmount",
                 "--training-hours", "3", "--experiment-name", "tutorial", "--emit-notebook",
                 str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["notebook"] == str(path)
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", [])).source
    assert "timeout_minutes = 180" in params and "experiment_name = 'tutorial'" in params
    assert main(["train", "--table-name", "t", "--target-column", "y", "--engine", "azureml"]) == 2
    assert "AZUREML_SUBSCRIPTION_ID" in capsys.readouterr().err
