"""Generating workspace_artifacts/ from notebooks/ and the spec; checking it is up to date."""
from __future__ import annotations

import json
import shutil

import pytest

from support import FIXTURES, NOTEBOOKS, ROOT
from synhelpers.artifacts import PipelineDefinitionError, build_artifacts, check_artifacts
from synhelpers.artifacts.evaluation import Context, evaluate_value
from synhelpers.artifacts.jsonio import dumps
from synhelpers.artifacts.parameters import read_parameters
from synhelpers.artifacts.spec import AUTOML_PIPELINE
from synhelpers.artifacts.workspace import generate_artifacts, read_ipynb

PIPELINE = "pipeline/AutoML_Train_And_Score.json"
NOTEBOOK_01 = "01_create_nyc_taxi_table"


@pytest.fixture(scope="module")
def docs():
    return generate_artifacts(ROOT)


def _params(doc, activity):
    act = next(a for a in doc["properties"]["activities"] if a["name"] == activity)
    return act["typeProperties"]["parameters"]


def test_committed_workspace_artifacts_are_up_to_date():
    assert check_artifacts(ROOT) == []


def test_every_existing_notebook_becomes_a_synapse_notebook(docs):
    stems = sorted([p.stem for p in NOTEBOOKS.glob("*.ipynb")] + ["Submit_AzureML_AutoML"])
    assert sorted(k[len("notebook/"):-len(".json")] for k in docs if k.startswith("notebook/")) == stems
    assert {k.split("/")[0] for k in docs} == {"notebook", "pipeline", "sqlscript", "trigger"}


def test_the_pipeline_chains_table_train_load_predict_over_all_four_notebooks(docs):
    activities = docs[PIPELINE]["properties"]["activities"]
    assert [(a["name"], a["typeProperties"]["notebook"]["referenceName"]) for a in activities] == [
        ("CreateTable", NOTEBOOK_01), ("TrainModel", "02_automl_wizard"),
        ("LoadSqlPool", "03_load_sql_pool"), ("PredictSqlPool", "04_predict_sql_pool")]
    assert [a["dependsOn"] for a in activities] == [
        [], [{"activity": "CreateTable", "dependencyConditions": ["Succeeded"]}],
        [{"activity": "TrainModel", "dependencyConditions": ["Succeeded"]}],
        [{"activity": "LoadSqlPool", "dependencyConditions": ["Succeeded"]}]]
    assert all(a["type"] == "SynapseNotebook" and a["typeProperties"]["sparkPool"] == {
        "referenceName": "sparkpool01", "type": "BigDataPoolReference"} for a in activities)


def test_pipeline_parameters_feed_notebook_parameters_typed_by_the_literals(docs):
    pipeline_params = docs[PIPELINE]["properties"]["parameters"]
    nb01 = read_parameters(read_ipynb(NOTEBOOKS / f"{NOTEBOOK_01}.ipynb"))
    passed = _params(docs[PIPELINE], "CreateTable")
    assert list(passed) == list(nb01)                              # read from the notebook
    for name, param in nb01.items():
        assert passed[name] == {"value": {"value": f"@pipeline().parameters.{name}",
                                          "type": "Expression"}, "type": param.type}
        assert pipeline_params[name] == {"type": param.type, "defaultValue": param.default}
    assert pipeline_params["rows"]["type"] == "int" and pipeline_params["source"]["type"] == "string"
    for activity in docs[PIPELINE]["properties"]["activities"]:        # every feed is typed alike
        for value in activity["typeProperties"]["parameters"].values():
            text = value["value"]["value"]
            if text.startswith("@pipeline().parameters."):
                assert pipeline_params[text.rsplit(".", 1)[1]]["type"] == value["type"]


def test_shared_values_flow_through_one_pipeline_parameter(docs):
    load, predict = _params(docs[PIPELINE], "LoadSqlPool"), _params(docs[PIPELINE], "PredictSqlPool")
    assert load["source_table"]["value"]["value"] == "@pipeline().parameters.table_name"
    assert load["target_table"]["value"]["value"] == "@pipeline().parameters.sql_table"
    assert load["mode"]["value"]["value"] == "@pipeline().parameters.load_mode"
    assert predict["table_name"]["value"]["value"] == "@pipeline().parameters.sql_table"
    assert predict["sql_pool_name"]["value"]["value"] == "@pipeline().parameters.sql_pool_name"


def test_the_trained_model_name_and_version_flow_from_train_to_predict(docs):
    predict = _params(docs[PIPELINE], "PredictSqlPool")
    train_exit = json.dumps({"model_name": "nyc_taxi_fare_predict", "model_version": 4,
                             "metric": 0.8})
    context = Context(activities={"TrainModel": {"output": {"status": {"Output": {"result": {
        "exitValue": train_exit}}}}}})
    assert evaluate_value(predict["model_name"]["value"], context) == "nyc_taxi_fare_predict"
    assert evaluate_value(predict["model_version"]["value"], context) == 4
    assert predict["model_version"]["type"] in ("int", "string")
    assert "model_name" in docs[PIPELINE]["properties"]["parameters"]      # 02's, for training


def test_the_weekly_trigger_starts_the_pipeline_with_typed_parameters(docs):
    trigger = docs["trigger/Weekly_Retrain.json"]["properties"]
    assert trigger["type"] == "ScheduleTrigger" and trigger["runtimeState"] == "Stopped"
    recurrence = trigger["typeProperties"]["recurrence"]
    assert (recurrence["frequency"], recurrence["interval"]) == ("Week", 1)
    assert recurrence["schedule"]["weekDays"] == ["Monday"]
    (entry,) = trigger["pipelines"]
    assert entry["pipelineReference"] == {"referenceName": "AutoML_Train_And_Score",
                                          "type": "PipelineReference"}
    declared = docs[PIPELINE]["properties"]["parameters"]
    assert entry["parameters"] == {"source": "open_datasets",
                                   "experiment_name": "nyc_taxi_weekly_retrain"}
    assert set(entry["parameters"]) <= set(declared)


def test_the_scoring_script_comes_from_the_template_with_the_pipeline_defaults(docs):
    script = docs["sqlscript/Score_NYC_Taxi.json"]["properties"]
    assert script["type"] == "SqlQuery"
    assert script["content"]["currentConnection"] == {
        "databaseName": "mlverifypool", "poolName": "mlverifypool", "type": "SqlPool", "name": "mlverifypool"}
    query = script["content"]["query"]
    defaults = {k: v["defaultValue"] for k, v in docs[PIPELINE]["properties"]["parameters"].items()}
    assert f"CREATE PROCEDURE {defaults['procedure_name']}" in query
    assert f"WHERE [ID] = N'{defaults['model_name']}:1'" in query
    assert "RUNTIME = ONNX" in query and "{" not in query


def test_the_sql_text_hook_takes_a_callable_or_text(tmp_path):
    seen = {}

    def wizard(defaults):
        seen.update(defaults)
        return f"EXEC {defaults['procedure_name']}"

    docs = generate_artifacts(ROOT, sql_sources={"Score_NYC_Taxi": wizard})
    assert docs["sqlscript/Score_NYC_Taxi.json"]["properties"]["content"]["query"] == (
        "EXEC dbo.nyc_taxi_procedure")
    assert seen["sql_pool_name"] == "mlverifypool" and "model_name" in seen
    docs = generate_artifacts(ROOT, sql_sources={"Score_NYC_Taxi": "SELECT 1"})
    assert docs["sqlscript/Score_NYC_Taxi.json"]["properties"]["content"]["query"] == "SELECT 1"


def test_the_build_is_deterministic(tmp_path):
    first = build_artifacts(ROOT, out=tmp_path / "a")
    second = build_artifacts(ROOT, out=tmp_path / "b")
    texts = [{p.relative_to(tmp_path / d).as_posix(): p.read_bytes() for p in paths}
             for d, paths in (("a", first), ("b", second))]
    assert texts[0] == texts[1] and len(texts[0]) == len(generate_artifacts(ROOT))
    committed = ROOT / "workspace_artifacts"
    assert all((committed / rel).read_bytes() == data for rel, data in texts[0].items())
    text = next(iter(texts[0].values())).decode()
    assert text.startswith("{\n\t\"name\"") and text.endswith("}\n") and "\r" not in text


# -- a scratch project: notebooks arriving, changing, disagreeing ---------------------------
@pytest.fixture()
def project(tmp_path):
    (tmp_path / "notebooks").mkdir()
    shutil.copy(NOTEBOOKS / f"{NOTEBOOK_01}.ipynb", tmp_path / "notebooks")
    return tmp_path


def _write_notebook(project, stem, params_source):
    nb = read_ipynb(FIXTURES / "notebooks" / "no_exit.ipynb")
    nb["cells"][0]["source"] = params_source
    (project / "notebooks" / f"{stem}.ipynb").write_text(json.dumps(nb), encoding="utf-8")


def test_parameters_are_read_from_notebooks_when_they_exist(project):
    _write_notebook(project, "02_automl_wizard",
                    'table_name = "default.NYC_Taxi"\ntarget_column = "tipped"\n'
                    'task = "classification"\ntraining_hours = 1\nextra_knob = 0.5\n'
                    "time_column = None\nmodel_name = 'tips'\nexperiment_name = 'e'")
    docs = generate_artifacts(project)
    assert "notebook/02_automl_wizard.json" in docs
    train = _params(docs[PIPELINE], "TrainModel")
    assert list(train) == ["table_name", "target_column", "task", "training_hours", "extra_knob",
                           "model_name", "experiment_name"]       # time_column = None: left alone
    params = docs[PIPELINE]["properties"]["parameters"]
    assert params["training_hours"] == {"type": "int", "defaultValue": 1}
    assert params["extra_knob"] == {"type": "float", "defaultValue": 0.5}
    assert params["target_column"]["defaultValue"] == "tipped"
    assert "time_column" not in params and "horizon" not in params
    assert params["table_name"]["defaultValue"] == "default.NYC_Taxi"    # shared with 01


def test_a_notebook_missing_a_parameter_the_spec_wires_is_named(project):
    _write_notebook(project, "04_predict_sql_pool", 'sql_pool_name = "mlverifypool"\nmodel_version = 1')
    with pytest.raises(PipelineDefinitionError,
                       match="activity 'PredictSqlPool': notebook '04_predict_sql_pool' has no "
                             "parameter 'table_name' .*declares: sql_pool_name, model_version"):
        generate_artifacts(project)


def test_the_trigger_must_pass_parameters_the_pipeline_has(project):
    _write_notebook(project, "02_automl_wizard", 'table_name = "default.NYC_Taxi"')
    with pytest.raises(PipelineDefinitionError,
                       match="trigger 'Weekly_Retrain': pipeline 'AutoML_Train_And_Score' has no "
                             "parameter 'experiment_name'"):
        generate_artifacts(project)


def test_shared_parameters_must_agree_on_type(project):
    _write_notebook(project, "03_load_sql_pool",
                    "source_table = 5\ntarget_table = 'dbo.t'\nmode = 'overwrite'")
    with pytest.raises(PipelineDefinitionError,
                       match="notebook parameter 'source_table' \\(int\\) feeds pipeline parameter "
                             "'table_name', which activity 'CreateTable' already types string"):
        generate_artifacts(project)


def test_check_reports_missing_outdated_and_stray_files_and_build_fixes_them(project):
    written = build_artifacts(project)
    assert check_artifacts(project) == [] and all(p.is_file() for p in written)
    target = project / "workspace_artifacts"
    (target / "trigger" / "Weekly_Retrain.json").unlink()
    pipeline = target / PIPELINE
    pipeline.write_text(pipeline.read_text().replace('"retry": 0', '"retry": 3', 1))
    (target / "notebook" / "old.json").write_text("{}")
    problems = check_artifacts(project)
    assert problems == [
        "workspace_artifacts/pipeline/AutoML_Train_And_Score.json: out of date (line 13: expected "
        "'\"retry\": 0,', found '\"retry\": 3,'); run build_artifacts() to regenerate it.",
        "workspace_artifacts/trigger/Weekly_Retrain.json: missing; run build_artifacts() to "
        "generate it.",
        "workspace_artifacts/notebook/old.json: not generated by the build (no such notebook or "
        "spec entry); delete it, or run build_artifacts() which removes it."]
    build_artifacts(project)
    assert check_artifacts(project) == [] and not (target / "notebook" / "old.json").exists()


def test_a_changed_notebook_makes_the_check_fail(project):
    build_artifacts(project)
    path = project / "notebooks" / f"{NOTEBOOK_01}.ipynb"
    path.write_text(path.read_text().replace("rows = 100000", "rows = 5000"))
    problems = check_artifacts(project)
    assert [p.split(":")[0] for p in problems] == [
        f"workspace_artifacts/notebook/{NOTEBOOK_01}.json",
        "workspace_artifacts/pipeline/AutoML_Train_And_Score.json"]


def test_generated_documents_serialize_the_same_as_committed_files(docs):
    for rel, doc in docs.items():
        assert (ROOT / "workspace_artifacts" / rel).read_text(encoding="utf-8") == dumps(doc)
    assert AUTOML_PIPELINE.name == "AutoML_Train_And_Score"
