"""The runtime seam: detection, state directory, local Spark, the mssparkutils stand-in."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import nbformat
import pytest

from support import FIXTURES, ROOT, run_python
from synhelpers.exceptions import ConfigError
from synhelpers.runtime import current_runtime, is_synapse, state_dir
from synhelpers.runtime.spark import local_spark_conf
from synhelpers.runtime.standin import EXIT_MIME, mssparkutils, read_exit_value

NB = FIXTURES / "notebooks"


@pytest.mark.parametrize("env, expected", [
    ({}, "local"),
    ({"AZURE_SERVICE": "Microsoft.ProjectArcadia"}, "synapse"),
    ({"AZURE_SERVICE": "Microsoft.ProjectArcadia", "SYNHELPERS_RUNTIME": "local"}, "local"),
    ({"SYNHELPERS_RUNTIME": "Synapse"}, "synapse"),
])
def test_runtime_detection(monkeypatch, env, expected):
    monkeypatch.delenv("AZURE_SERVICE", raising=False)
    monkeypatch.delenv("SYNHELPERS_RUNTIME", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert current_runtime() == expected
    assert is_synapse() == (expected == "synapse")


def test_a_bad_runtime_override_is_named(monkeypatch):
    monkeypatch.setenv("SYNHELPERS_RUNTIME", "fabric")
    with pytest.raises(ConfigError, match="SYNHELPERS_RUNTIME='fabric' is not valid"):
        current_runtime()


def test_state_dir_defaults_to_the_project_and_env_overrides(monkeypatch, tmp_path):
    monkeypatch.delenv("SYNHELPERS_STATE_DIR")
    monkeypatch.chdir(ROOT / "notebooks")
    assert state_dir(create=False) == ROOT / ".synapse-local"
    monkeypatch.setenv("SYNHELPERS_STATE_DIR", str(tmp_path / "s"))
    assert state_dir() == tmp_path / "s" and (tmp_path / "s").is_dir()


def test_local_spark_conf_keeps_everything_in_the_state_dir(tmp_path):
    conf = local_spark_conf(tmp_path)
    assert conf["spark.sql.catalogImplementation"] == "hive"
    assert conf["spark.sql.warehouse.dir"] == str(tmp_path / "warehouse")
    assert str(tmp_path / "metastore_db") in conf["spark.hadoop.javax.jdo.option.ConnectionURL"]
    assert conf["spark.ui.enabled"] == "false"
    assert conf["spark.driver.memory"].endswith("g")


@pytest.mark.spark
def test_local_session_uses_hive_the_state_dir_and_this_python(spark):
    assert spark.conf.get("spark.sql.catalogImplementation") == "hive"
    assert spark.conf.get("spark.sql.warehouse.dir").endswith("warehouse")
    assert os.environ["PYSPARK_PYTHON"] == sys.executable
    from synhelpers.runtime import get_spark
    assert get_spark() is spark                       # built once, then reused
    # Python workers run this interpreter (pyarrow importable there)
    got = spark.range(1).rdd.map(lambda _: __import__("sys").executable).collect()
    assert got == [sys.executable]


@pytest.mark.spark
def test_tables_persist_across_sessions(tmp_path):
    code = ("from synhelpers.runtime import get_spark; s = get_spark();"
            "s.range(7).write.mode('overwrite').saveAsTable('default.persisted'); print('{}')")
    run_python(code, tmp_path)
    again = run_python("import json; from synhelpers.runtime import get_spark;"
                       "print(json.dumps({'n': get_spark().table('default.persisted').count()}))",
                       tmp_path)
    assert again == {"n": 7}


def test_import_synhelpers_imports_no_heavy_dependency():
    code = ("import sys, synhelpers, synhelpers.runtime, synhelpers.data, synhelpers.exceptions;"
            "print([m for m in ('pyspark', 'flaml', 'mlflow', 'duckdb', 'onnxruntime') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_exit_raises_a_clean_system_exit_outside_notebooks(capsys):
    with pytest.raises(SystemExit) as stop:
        mssparkutils.notebook.exit({"a": 1})
    assert stop.value.code == 0
    assert 'Notebook exit value: {"a": 1}' in capsys.readouterr().out


def test_run_returns_the_callee_exit_value_and_stops_at_exit(monkeypatch):
    monkeypatch.chdir(NB)
    assert mssparkutils.notebook.run("child", 30, {"x": 21, "label": "z"}) == "z:42"
    assert mssparkutils.notebook.run("child.ipynb") == "a:2"             # defaults kept
    assert mssparkutils.notebook.run("no_exit", 30, {"x": 3}) == ""


def test_run_reports_unknown_notebooks_and_callee_errors(monkeypatch):
    monkeypatch.chdir(NB)
    with pytest.raises(ConfigError, match="notebook 'nope' not found"):
        mssparkutils.notebook.run("nope")
    with pytest.raises(ValueError, match="broken on purpose"):
        mssparkutils.notebook.run("broken", 30, {"fail": True})
    assert mssparkutils.notebook.run("broken", 30, {"fail": False}) == "done"


def test_run_enforces_the_timeout(monkeypatch, tmp_path):
    import sys as _sys
    _sys.path.insert(0, str(ROOT / "tools"))
    from make_notebook import write_notebook
    write_notebook(tmp_path / "slow.ipynb", [("params", "s = 5"), ("code", "import time; time.sleep(s)")])
    with pytest.raises(TimeoutError, match="timeout_seconds=1"):
        monkeypatch.chdir(tmp_path)
        mssparkutils.notebook.run("slow", 1)


def test_secrets_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SYNHELPERS_SECRET_SQLPOOL_PASSWORD", "s3cret")
    assert mssparkutils.credentials.getSecret("kv", "sqlpool-password", "ls") == "s3cret"
    with pytest.raises(ConfigError, match="export SYNHELPERS_SECRET_OTHER="):
        mssparkutils.credentials.getSecret("kv", "other")


@pytest.mark.notebooks
def test_under_papermill_the_exit_value_is_recorded_and_later_cells_skipped(kernel, tmp_path):
    import papermill as pm
    out = tmp_path / "parent.ipynb"
    pm.execute_notebook(str(NB / "parent.ipynb"), str(out), parameters={"x": 4},
                        kernel_name=kernel, cwd=str(NB), progress_bar=False)
    nb = nbformat.read(str(out), as_version=4)
    assert read_exit_value(nb) == "parent saw p:8"           # the parent's, not the child's
    exits = [o for c in nb.cells for o in c.get("outputs", []) if EXIT_MIME in o.get("data", {})]
    assert len(exits) == 1

    out = tmp_path / "child.ipynb"
    pm.execute_notebook(str(NB / "child.ipynb"), str(out), kernel_name=kernel, progress_bar=False)
    nb = nbformat.read(str(out), as_version=4)
    assert read_exit_value(nb) == "a:2"
    assert not nb.cells[-1].get("outputs")                   # the cell after exit did not run


@pytest.mark.notebooks
def test_the_local_kernel_has_synapse_cell_magics(kernel, tmp_path, notebook_state):
    import papermill as pm
    out = tmp_path / "magic.ipynb"
    os.environ["SYNHELPERS_STATE_DIR"], before = str(notebook_state), os.environ["SYNHELPERS_STATE_DIR"]
    try:
        pm.execute_notebook(str(NB / "magic.ipynb"), str(out), kernel_name=kernel,
                            progress_bar=False)
    finally:
        os.environ["SYNHELPERS_STATE_DIR"] = before
    nb = nbformat.read(str(out), as_version=4)
    sql_cell = next(c for c in nb.cells if c.source.startswith("%%sql"))
    html = json.dumps(sql_cell.outputs)
    assert "one" in html and read_exit_value(nb) == "2"
