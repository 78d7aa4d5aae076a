"""validate_artifacts: a clean workspace passes; each kind of mistake is caught and named."""
from __future__ import annotations

import json
import shutil

import pytest

from support import FIXTURES, NOTEBOOKS, ROOT
from synhelpers.artifacts import validate_artifacts
from synhelpers.artifacts.config import WorkspaceConfig
from synhelpers.artifacts.spec import AUTOML_PIPELINE

WORKSPACE = FIXTURES / "pipelines"
MISSING = sorted(a.notebook for a in AUTOML_PIPELINE.activities
                 if not (NOTEBOOKS / f"{a.notebook}.ipynb").is_file())


def test_the_fixture_workspace_is_valid():
    assert validate_artifacts(WORKSPACE) == []


def test_the_golden_notebook_is_valid_where_its_pool_is_declared():
    folder = FIXTURES / "synapse"
    assert validate_artifacts(folder, WorkspaceConfig(spark_pools=("mediumMO",))) == []
    assert validate_artifacts(folder) == [
        "notebook/golden_notebook.json: bigDataPool refers to Spark pool 'mediumMO', which the "
        "workspace does not declare (sparkpool01); use a declared pool or add it to "
        "synhelpers/artifacts/config.py."]


def test_the_committed_workspace_is_valid_but_for_notebooks_not_written_yet():
    expected = [f"pipeline/AutoML_Train_And_Score.json: activity '{a.name}': notebook "
                f"'{a.notebook}' does not exist (no notebook/{a.notebook}.json); add the notebook "
                "or fix the reference." for a in AUTOML_PIPELINE.activities if a.notebook in MISSING]
    assert validate_artifacts(ROOT) == expected


@pytest.mark.skipif(bool(MISSING), reason=f"notebooks not written yet: {', '.join(MISSING)} "
                    "(the pipeline refers to them; this runs once they are in notebooks/)")
def test_the_real_pipeline_validates_against_the_notebooks():
    assert validate_artifacts(ROOT) == []


# -- each kind of mistake, made in a copy of the fixture workspace -----------------------------
def _edit(folder, rel, change):
    path = folder / rel
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")


def _activity(doc, name):
    return next(a for a in doc["properties"]["activities"] if a["name"] == name)


def _param(doc, activity, name, value, kind="string"):
    _activity(doc, activity)["typeProperties"]["parameters"][name] = {"value": value, "type": kind}


def _remove(rel):
    return lambda folder: (folder / rel).unlink()


def _write(rel, text):
    def write(folder):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    return write


def _change(rel, change):
    return lambda folder: _edit(folder, rel, change)


PV, BR = "pipeline/pass_values.json", "pipeline/branches.json"
EXPR = {"type": "Expression"}
TRIGGER = {"name": "t", "properties": {"type": "ScheduleTrigger", "pipelines": [
    {"pipelineReference": {"referenceName": "pass_values", "type": "PipelineReference"},
     "parameters": {"version": "seven", "colour": "red"}}],
    "typeProperties": {"recurrence": {"frequency": "Fortnight", "interval": 0}}}}
SQLSCRIPT = {"name": "s", "properties": {"type": "SqlQuery", "content": {
    "query": "SELECT 1", "currentConnection": {"databaseName": "dw9", "poolName": "dw9"}}}}

CASES = {
    "missing notebook": (_remove("notebook/echo.json"),
                         "pipeline/pass_values.json: activity 'Report': notebook 'echo' does not "
                         "exist (no notebook/echo.json); add the notebook or fix the reference."),
    "unknown parameter": (_change(PV, lambda d: _param(d, "Score", "colour", "red")),
                          "pipeline/pass_values.json: activity 'Score': parameter 'colour' is not "
                          "declared in the parameters cell of notebook 'consume_model' (it "
                          "declares: model_name, model_version): remove it or add it to the "
                          "notebook."),
    "parameter name that is code": (
        _change(PV, lambda d: _param(d, "Score", "x = 1\nimport os", "v")),
        "pipeline/pass_values.json: activity 'Score': parameter 'x = 1\\nimport os' is not a "
        "Python identifier"),
    "notebook reference out of the workspace": (
        _change(PV, lambda d: _activity(d, "Train")["typeProperties"]["notebook"].update(
            referenceName="../pipeline/pass_values")),
        "activity 'Train': notebook reference '../pipeline/pass_values' is not a notebook name "
        "inside the workspace"),
    "pipeline name unsafe in a path": (
        _change(PV, lambda d: d.update(name="../../runs")),
        "pipeline/pass_values.json: pipeline name '../../runs' is not valid"),
    "bad JSON": (_write("pipeline/broken.json", '{"name": "broken",\n "properties": }'),
                 "pipeline/broken.json: not valid JSON at line 2, column 16: Expecting value"),
    "name is not the file name": (_change(PV, lambda d: d.update(name="other")),
                                  "pipeline/pass_values.json: 'name' is 'other'; it must be the "
                                  "file name 'pass_values'."),
    "literal of the wrong type": (_change(PV, lambda d: _param(d, "Train", "version", "two", "int")),
                                  "pipeline/pass_values.json: activity 'Train': parameter "
                                  "'version': 'two' is not a valid int."),
    "unknown Spark pool": (_change(PV, lambda d: _activity(d, "Train")["typeProperties"][
        "sparkPool"].update(referenceName="bigpool")),
        "activity 'Train': sparkPool refers to Spark pool 'bigpool', which the workspace does not "
        "declare (sparkpool01)"),
    "undeclared pipeline parameter": (
        _change(PV, lambda d: _param(d, "Train", "name", {"value": "@pipeline().parameters.modl",
                                                          **EXPR})),
        "activity 'Train': reads pipeline parameter 'modl', which the pipeline does not declare "
        "(model, version) (in '@pipeline().parameters.modl')"),
    "activity that is not upstream": (
        _change(PV, lambda d: _param(d, "Train", "name", {"value": "@activity('Report').output",
                                                          **EXPR})),
        "activity 'Train': reads activity('Report'), which is not upstream of it; add a dependsOn "
        "on 'Report'"),
    "unsupported function": (
        _change(PV, lambda d: _param(d, "Report", "message", "at @{utcnow()}")),
        "activity 'Report': unsupported function 'utcnow' (supported: activity, bool, concat, "
        "float, int, json, pipeline, string) (in 'at @{utcnow()}')"),
    "expression syntax": (
        _change(PV, lambda d: _param(d, "Report", "message", {"value": "@concat('a'", **EXPR})),
        "activity 'Report': expected ',' or ')', found the end"),
    "unknown activity type": (_change(BR, lambda d: _activity(d, "Always").update(type="Copy")),
                              "pipeline/branches.json: activity 'Always': type 'Copy' is not "
                              "supported here (supported: SynapseNotebook)."),
    "cycle": (_change(BR, lambda d: _activity(d, "Fail")["dependsOn"].append(
        {"activity": "Always", "dependencyConditions": ["Succeeded"]})),
        "pipeline/branches.json: the activities depend on each other in a cycle: Fail -> Always "
        "-> Fail."),
    "unknown dependency": (_change(BR, lambda d: _activity(d, "Always")["dependsOn"].append(
        {"activity": "Nobody", "dependencyConditions": ["Succeeded"]})),
        "activity 'Always' depends on unknown activity 'Nobody'"),
    "SQL pool parameter": (_change(PV, lambda d: d["properties"]["parameters"].update(
        sql_pool_name={"type": "string", "defaultValue": "dw9"})),
        "pipeline/pass_values.json: parameter 'sql_pool_name' names SQL pool 'dw9', which the "
        "workspace does not declare (mlverifypool); use a declared pool or add it to "
        "synhelpers/artifacts/config.py."),
    "pipeline parameter type": (_change(PV, lambda d: d["properties"]["parameters"].update(
        when={"type": "datetime"})), "parameter 'when' has type 'datetime'; use one of string"),
    "trigger problems": (_write("trigger/t.json", json.dumps(TRIGGER)),
                         "trigger/t.json: passes parameter 'colour', which pipeline 'pass_values' "
                         "does not declare (model, version)."),
    "trigger value type": (_write("trigger/t.json", json.dumps(TRIGGER)),
                           "trigger/t.json: parameter 'version': 'seven' is not a valid int."),
    "trigger schedule": (_write("trigger/t.json", json.dumps(TRIGGER)),
                         "trigger/t.json: recurrence.frequency 'Fortnight' is not one of Minute"),
    "trigger of a missing pipeline": (
        _write("trigger/t.json", json.dumps(TRIGGER).replace('"pass_values"', '"gone"')),
        "trigger/t.json: starts pipeline 'gone', which does not exist (no pipeline/gone.json)."),
    "SQL script pool": (_write("sqlscript/s.json", json.dumps(SQLSCRIPT)),
                        "sqlscript/s.json: content.currentConnection refers to dedicated SQL pool "
                        "'dw9', which the workspace does not declare (mlverifypool)"),
    "notebook source as a string": (
        _change("notebook/echo.json", lambda d: d["properties"]["cells"][0].update(source="x = 1")),
        "notebook/echo.json: cell 0: 'source' must be an array of strings (one per line)."),
    "session properties": (
        _change("notebook/echo.json", lambda d: d["properties"]["sessionProperties"].pop("driverCores")),
        "notebook/echo.json: sessionProperties.driverCores must be an int (got None)."),
    "kernelspec": (
        _change("notebook/echo.json", lambda d: d["properties"]["metadata"]["kernelspec"].pop("name")),
        "notebook/echo.json: metadata.kernelspec needs 'name' and 'display_name'."),
    "parameters cell with code": (
        _change("notebook/echo.json", lambda d: d["properties"]["cells"][0].update(
            source=["message = input()"])),
        "notebook/echo.json: parameters cell (cell 0): line 1: the value is not a literal"),
}


@pytest.mark.parametrize("break_it, message", CASES.values(), ids=list(CASES))
def test_validation_catches(tmp_path, break_it, message):
    folder = tmp_path / "ws"
    shutil.copytree(WORKSPACE, folder)
    break_it(folder)
    errors = validate_artifacts(folder)
    assert any(message in error for error in errors), "\n".join(errors)
