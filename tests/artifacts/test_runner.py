"""The local pipeline runner on small fixture notebooks (real papermill, real kernels, no Spark)."""
from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from support import FIXTURES, ROOT
from synhelpers.artifacts import PipelineDefinitionError, format_summary, run_pipeline
from synhelpers.exceptions import ConfigError, PipelineActivityError

WORKSPACE = FIXTURES / "pipelines"
PIPELINES = WORKSPACE / "pipeline"


def _statuses(result):
    return {a.name: a.status for a in result.activities}


def _result_of(run):
    return run.output["status"]["Output"]["result"]


@pytest.fixture(scope="module")
def passed(kernel, tmp_path_factory):
    out = tmp_path_factory.mktemp("pass_values")
    return run_pipeline(PIPELINES / "pass_values.json", {"version": "7"}, out, log=None)


@pytest.fixture(scope="module")
def failed(kernel, tmp_path_factory):
    return run_pipeline(PIPELINES / "branches.json", {}, tmp_path_factory.mktemp("branches"),
                        log=None)


def test_values_pass_between_activities_through_exit_values(passed):
    assert passed.status == "Succeeded" and passed.parameters == {"model": "fare", "version": 7}
    train, score, report = passed.activities
    assert json.loads(train.exit_value) == {"model_name": "fare_predict", "model_version": 7,
                                            "metric": 0.5}
    assert train.parameters == {"name": "fare_predict", "version": 7}
    assert score.parameters == {"model_name": "fare_predict", "model_version": 7}
    assert score.exit_value == "fare_predict:7"                # the int reached the notebook as int
    assert report.exit_value == "scored fare_predict:7"


def test_each_activity_output_is_shaped_like_synapse_and_kept_in_the_run_folder(passed):
    for index, run in enumerate(passed.activities, start=1):
        result = _result_of(run)
        assert result["exitValue"] == run.exit_value and result["runStatus"] == "Succeed"
        assert result["errors"] == {"ename": "", "evalue": ""}
        assert result["sparkpool"] == "sparkpool01"
        assert run.output_notebook == passed.out_dir / f"{index:02d}_{run.name}.ipynb"
        assert result["snapshotUrl"] == run.output_notebook.resolve().as_uri()
        assert run.source == (WORKSPACE / "notebook" / f"{run.notebook}.json").resolve()
        assert run.duration > 0 and run.attempts == 1
    nb = nbformat.read(str(passed.activity("Train").output_notebook), as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "version = 7" in injected[0].source
    saved = json.loads((passed.out_dir / "run.json").read_text())
    assert saved["status"] == "Succeeded" and [a["exit_value"] for a in saved["activities"]] == [
        a.exit_value for a in passed.activities]


def test_the_summary_is_a_table_of_activity_status_duration_exit_value_notebook(passed):
    lines = format_summary(passed).splitlines()
    assert lines[0].startswith(f"Pipeline 'pass_values': Succeeded in ")
    assert lines[1].split() == ["activity", "status", "duration", "exit", "value", "output",
                                "notebook"]
    assert set(lines[2]) == {"-", " "}
    score = lines[4].split()
    assert score[:2] == ["Score", "Succeeded"] and score[-2:] == ["fare_predict:7", "02_Score.ipynb"]
    train = passed.activity("Train").exit_value                 # long exit values are clipped
    assert train not in lines[3] and train[:37] + "..." in lines[3]
    assert len(lines) == 6


def test_a_failing_activity_reports_notebook_cell_and_error_and_its_dependents_skip(failed):
    assert _statuses(failed) == {"Fail": "Failed", "OnSuccess": "Skipped", "AfterSuccess": "Skipped",
                                 "OnSkip": "Succeeded", "OnFailure": "Succeeded",
                                 "Always": "Succeeded"}
    fail = failed.activity("Fail")
    error = fail.error
    assert isinstance(error, PipelineActivityError)
    assert (error.activity, error.notebook, error.cell_index, error.ename, error.evalue) == (
        "Fail", "fail_cell", 3, "ValueError", "broken on purpose")
    assert str(error) == ("Activity 'Fail' failed in notebook 'fail_cell', cell 3: "
                          "ValueError: broken on purpose")
    assert fail.attempts == 2                                  # policy.retry = 1
    assert _result_of(fail)["runStatus"] == "Failed"
    assert _result_of(fail)["errors"] == {"ename": "ValueError", "evalue": "broken on purpose"}
    nb = nbformat.read(str(fail.output_notebook), as_version=4)
    assert any(o.get("ename") == "ValueError" for c in nb.cells for o in c.get("outputs", []))
    for name in ("OnSuccess", "AfterSuccess"):
        skipped = failed.activity(name)
        assert skipped.output_notebook is None and skipped.attempts == 0
    assert failed.status == "Failed"
    with pytest.raises(PipelineActivityError, match="cell 3: ValueError: broken on purpose"):
        failed.raise_for_status()


def test_failed_and_completed_branches_run_and_see_the_failure(failed):
    assert failed.activity("OnFailure").exit_value == str(failed.activity("Fail").error)
    assert failed.activity("Always").exit_value == "Failed"
    assert failed.activity("OnSkip").exit_value == "skipped"
    summary = format_summary(failed).splitlines()
    assert summary[-1] == ("FAILED Activity 'Fail' failed in notebook 'fail_cell', cell 3: "
                           "ValueError: broken on purpose")
    assert [line.split()[:3] for line in summary[3:9]][1] == ["OnSuccess", "Skipped", "-"]


def test_when_nothing_fails_the_success_branches_run(kernel, tmp_path):
    result = run_pipeline(PIPELINES / "branches.json", {"fail": "false"}, tmp_path, log=None)
    assert _statuses(result) == {"Fail": "Succeeded", "OnSuccess": "Succeeded",
                                 "AfterSuccess": "Succeeded", "OnSkip": "Skipped",
                                 "OnFailure": "Skipped", "Always": "Succeeded"}
    assert result.activity("Fail").exit_value == "done"
    assert result.activity("Always").exit_value == "Succeed"
    assert result.status == "Succeeded"
    result.raise_for_status()


def test_command_line_parameters_are_converted_to_the_pipeline_types(kernel, tmp_path, capsys):
    result = run_pipeline(PIPELINES / "typed.json",
                          {"s": "hello", "i": "7", "f": "2.5", "b": "true"}, tmp_path)
    assert json.loads(result.activity("Types").exit_value) == {
        "s": ["hello", "str"], "i": [7, "int"], "f": [2.5, "float"], "b": [True, "bool"]}
    printed = capsys.readouterr().out
    assert "Pipeline 'typed': Succeeded" in printed and "01_Types.ipynb" in printed


@pytest.mark.parametrize("parameters, message", [
    ({"colour": "red"}, "pipeline 'typed' has no parameter 'colour' \\(it declares: s, i, f, b\\)"),
    ({"i": "seven"}, "pipeline 'typed', parameter 'i': 'seven' is not a valid int"),
    ({"b": "maybe"}, "pipeline 'typed', parameter 'b': 'maybe' is not a valid bool"),
])
def test_bad_parameters_are_refused_before_anything_runs(tmp_path, parameters, message):
    with pytest.raises(ConfigError, match=message):
        run_pipeline(PIPELINES / "typed.json", parameters, tmp_path, log=None)
    assert not any(tmp_path.iterdir())


def _copy(tmp_path, change=None, name="pass_values"):
    folder = tmp_path / "ws"
    shutil.copytree(WORKSPACE, folder)
    path = folder / "pipeline" / f"{name}.json"
    doc = json.loads(path.read_text())
    if change:
        change(doc)
    path.write_text(json.dumps(doc))
    return path


def _activity(doc, name):
    return next(a for a in doc["properties"]["activities"] if a["name"] == name)


def test_a_parameter_without_default_must_be_given(tmp_path):
    path = _copy(tmp_path, lambda d: d["properties"]["parameters"]["version"].pop("defaultValue"))
    with pytest.raises(ConfigError, match="parameter 'version' has no default: pass a value"):
        run_pipeline(path, {}, tmp_path / "out", log=None)


def test_an_expression_that_fails_fails_its_activity_without_running_it(tmp_path):
    def change(doc):
        _activity(doc, "Train")["typeProperties"]["parameters"]["name"]["value"]["value"] = "@utcnow()"
    result = run_pipeline(_copy(tmp_path, change), {}, tmp_path / "out", log=None)
    assert _statuses(result) == {"Train": "Failed", "Score": "Skipped", "Report": "Skipped"}
    error = result.activity("Train").error
    assert (error.ename, error.cell_index) == ("ExpressionError", None)
    assert error.evalue.startswith("activity 'Train', parameter 'name': unsupported function "
                                   "'utcnow'")
    assert result.activity("Train").output_notebook is None


def test_a_missing_notebook_fails_its_activity_with_the_places_looked_at(tmp_path):
    def change(doc):
        _activity(doc, "Train")["typeProperties"]["notebook"]["referenceName"] = "ghost"
    path = _copy(tmp_path, change)
    result = run_pipeline(path, {}, tmp_path / "out", log=None)
    error = result.activity("Train").error
    assert (error.notebook, error.ename) == ("ghost", "NotebookNotFound")
    assert f"no ghost.json or ghost.ipynb in {path.parent.parent / 'notebook'}" in error.evalue


def test_a_missing_kernel_is_reported_with_how_to_install_it(tmp_path):
    result = run_pipeline(PIPELINES / "typed.json", {}, tmp_path, kernel_name="no_such_kernel",
                          log=None)
    error = result.activity("Types").error
    assert error.ename == "NoSuchKernel" and "python -m synhelpers.runtime.kernel" in error.evalue


def test_inactive_activities_are_marked_without_running(tmp_path):
    path = _copy(tmp_path, lambda d: _activity(d, "Types").update(
        state="Inactive", onInactiveMarkAs="Skipped"), name="typed")
    result = run_pipeline(path, {}, tmp_path / "out", log=None)
    assert _statuses(result) == {"Types": "Skipped"} and result.status == "Succeeded"


@pytest.mark.parametrize("change, message", [
    (lambda d: _activity(d, "Train")["dependsOn"].append(
        {"activity": "Report", "dependencyConditions": ["Succeeded"]}), "cycle: Train -> Report"),
    (lambda d: _activity(d, "Report").update(type="Copy"),
     "activity type 'Copy' cannot run locally \\(supported: SynapseNotebook\\)"),
])
def test_pipelines_that_cannot_run_are_refused_before_anything_runs(tmp_path, change, message):
    with pytest.raises(PipelineDefinitionError, match=message):
        run_pipeline(_copy(tmp_path, change), {}, tmp_path / "out", log=None)
    assert not (tmp_path / "out").exists()


def test_the_real_pipeline_resolves_its_parameters_and_notebooks(tmp_path):
    # a kernel that does not exist stops the first activity at once: no Spark starts
    result = run_pipeline(ROOT / "workspace_artifacts" / "pipeline" / "AutoML_Train_And_Score.json",
                          {"rows": "5000"}, tmp_path, kernel_name="no_such_kernel", log=None)
    assert result.parameters["rows"] == 5000 and result.parameters["source"] == "auto"
    assert _statuses(result) == {"CreateTable": "Failed", "TrainModel": "Skipped",
                                 "LoadSqlPool": "Skipped", "PredictSqlPool": "Skipped"}
    create = result.activity("CreateTable")
    assert create.error.ename == "NoSuchKernel"
    assert create.source == (ROOT / "workspace_artifacts" / "notebook" /
                             "01_create_nyc_taxi_table.json").resolve()
    assert create.parameters["rows"] == 5000 and create.parameters["table_name"] == "default.NYC_Taxi"
