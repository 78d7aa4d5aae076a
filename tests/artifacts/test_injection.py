"""Parameters are values, never code: hostile parameter names, values, notebook references and
pipeline names, through the pipeline runner and ``mssparkutils.notebook.run`` (real kernels,
real papermill; each refusal is checked to have run nothing)."""
from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from support import FIXTURES, ROOT
from synhelpers.artifacts import PipelineDefinitionError, run_pipeline
from synhelpers.exceptions import ConfigError
from synhelpers.runtime import mssparkutils

WORKSPACE = FIXTURES / "pipelines"
NB = FIXTURES / "notebooks"
HOSTILE_NAMES = [
    "x = 1\nimport os; os.system('touch {marker}')\ny",
    "message\nimport os; os.system('touch {marker}')#",
    "message; __import__('os').system('touch {marker}')",
    "__import__('os').system('touch {marker}') or message",
    "1message", "message-2", "", " message", "class", "mess\x00age",
]
HOSTILE_VALUES = [
    "x'; import os; os.system('id'); '",
    '"""\nimport os\n"""',
    "back\\slash\\\" quote \\n not a newline",
    "line one\nline two\r\nthree\ttab",
    "naïve — 東京 \U0001F600",
    "{message} %s {{}}",
    "\x00nul and \x1b[31m escape",
    "a" * 5000,
]


def _workspace(tmp_path, activities, parameters=None, name="hostile"):
    """A copy of the fixture workspace with pipeline ``name`` holding ``activities``."""
    folder = tmp_path / "ws"
    if not folder.exists():
        shutil.copytree(WORKSPACE, folder)
    doc = {"name": name, "properties": {"activities": activities,
                                        "parameters": parameters or {}}}
    path = folder / "pipeline" / f"{name}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _activity(name, notebook, parameters, depends=()):
    return {"name": name, "type": "SynapseNotebook",
            "dependsOn": [{"activity": d, "dependencyConditions": ["Succeeded"]} for d in depends],
            "typeProperties": {"notebook": {"referenceName": notebook,
                                            "type": "NotebookReference"},
                               "parameters": {k: {"value": v, "type": "string"}
                                              for k, v in parameters.items()}}}


# -- the pipeline runner ----------------------------------------------------------------------
@pytest.mark.parametrize("hostile", HOSTILE_NAMES)
def test_a_parameter_name_that_is_not_a_declared_identifier_fails_the_activity_unrun(
        kernel, tmp_path, hostile):
    marker = tmp_path / "PWNED"
    name = hostile.format(marker=marker)
    path = _workspace(tmp_path, [_activity("Echo", "echo", {"message": "hi", name: "v"}),
                                 _activity("After", "echo", {"message": "after"}, ["Echo"])])
    result = run_pipeline(path, {}, tmp_path / "out", log=None)
    echo = result.activity("Echo")
    assert (echo.status, echo.error.ename) == ("Failed", "ConfigError")
    assert f"parameter {name!r}" in echo.error.evalue and "notebook 'echo'" in echo.error.evalue
    assert echo.output_notebook is None and result.activity("After").status == "Skipped"
    assert not marker.exists() and not (tmp_path / "out" / "01_Echo.ipynb").exists()


def test_an_undeclared_parameter_is_named_with_what_the_notebook_declares(tmp_path):
    path = _workspace(tmp_path, [_activity("Echo", "echo", {"mesage": "typo"})])
    error = run_pipeline(path, {}, tmp_path / "out", log=None).activity("Echo").error
    assert error.evalue == ("activity 'Echo': parameter 'mesage' is not declared in the parameters "
                            "cell of notebook 'echo' (it declares: message): remove it or add it "
                            "to the notebook.")


def test_hostile_values_reach_the_notebook_as_the_same_values(kernel, tmp_path):
    activities = [_activity(f"Echo{i}", "echo", {"message": v})
                  for i, v in enumerate(HOSTILE_VALUES)]
    result = run_pipeline(_workspace(tmp_path, activities), {}, tmp_path / "out", log=None)
    assert [a.status for a in result.activities] == ["Succeeded"] * len(HOSTILE_VALUES)
    assert [a.exit_value for a in result.activities] == HOSTILE_VALUES
    nb = nbformat.read(str(result.activity("Echo0").output_notebook), as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert injected[0].source.splitlines()[-1] == f"message = {HOSTILE_VALUES[0]!r}"


@pytest.mark.parametrize("reference", [
    "../notebook/echo", "../../notebook/echo", "./echo", "sub/../echo", "/echo", "..",
    "{root}/tests/fixtures/pipelines/notebook/echo", "echo\x00", "echo\n",
])
def test_a_notebook_reference_resolves_only_inside_the_workspace(kernel, tmp_path, reference):
    path = _workspace(tmp_path, [_activity("Echo", reference.format(root=ROOT), {"message": "x"})])
    echo = run_pipeline(path, {}, tmp_path / "out", log=None).activity("Echo")
    assert (echo.status, echo.error.ename) == ("Failed", "ConfigError")
    assert "notebook reference" in echo.error.evalue and echo.output_notebook is None


def test_a_symlink_out_of_the_workspace_is_not_followed(kernel, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(WORKSPACE / "notebook" / "echo.json", outside / "echo.json")
    path = _workspace(tmp_path, [_activity("Echo", "evil", {"message": "x"})])
    (path.parent.parent / "notebook" / "evil.json").symlink_to(outside / "echo.json")
    echo = run_pipeline(path, {}, tmp_path / "out", log=None).activity("Echo")
    assert echo.error.ename == "ConfigError" and "outside" in echo.error.evalue


@pytest.mark.parametrize("name", ["../../escaped", "a/b", "run.1", "x\ny", "", "a" * 141])
def test_a_pipeline_name_unsafe_in_a_path_is_refused_before_anything_runs(
        tmp_path, monkeypatch, name):
    monkeypatch.setenv("SYNHELPERS_STATE_DIR", str(tmp_path / "state"))
    path = _workspace(tmp_path, [_activity("Echo", "echo", {"message": "x"})], name="plain")
    doc = json.loads(path.read_text())
    doc["name"] = name
    path.write_text(json.dumps(doc))
    with pytest.raises(PipelineDefinitionError, match="pipeline name"):
        run_pipeline(path, {}, log=None)
    assert not (tmp_path / "state" / "runs").exists() and not (tmp_path / "escaped").exists()


# -- mssparkutils.notebook.run ------------------------------------------------------------------
@pytest.mark.parametrize("hostile", HOSTILE_NAMES)
def test_notebook_run_refuses_argument_names_that_are_not_declared_identifiers(
        monkeypatch, tmp_path, hostile):
    monkeypatch.chdir(NB)
    marker = tmp_path / "PWNED"
    name = hostile.format(marker=marker)
    with pytest.raises(ConfigError, match="notebook 'child'") as refused:
        mssparkutils.notebook.run("child", 30, {"x": 1, name: "v"})
    assert repr(name) in str(refused.value) and not marker.exists()


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_notebook_run_passes_hostile_values_as_the_same_values(monkeypatch, value):
    monkeypatch.chdir(NB)
    assert mssparkutils.notebook.run("child", 30, {"x": 0, "label": value}) == f"{value}:0"


@pytest.mark.parametrize("reference", ["../notebooks/child", "../../fixtures/notebooks/child",
                                       "{nb}/child", "{nb}/child.ipynb", "child\x00", "/../child"])
def test_notebook_run_resolves_only_inside_the_workspace(monkeypatch, reference):
    monkeypatch.chdir(NB)
    # '/x' is x from the workspace root (Synapse's form): a host path is simply not found there
    with pytest.raises(ConfigError, match="notebook reference|notebook '/.*' not found"):
        mssparkutils.notebook.run(reference.format(nb=NB), 30, {"x": 1})


def test_notebook_run_refuses_values_that_are_not_data(monkeypatch):
    monkeypatch.chdir(NB)

    class Sneaky(str):
        def __repr__(self):
            return "__import__('os').getcwd()"

    assert mssparkutils.notebook.run("child", 30, {"x": 1, "label": Sneaky("s")}) == "s:2"
    with pytest.raises(ConfigError, match="parameter .label.*PosixPath"):
        mssparkutils.notebook.run("child", 30, {"x": 1, "label": NB})
