"""The local tracking store leaves the working directory alone: MLflow 2 (the Synapse 3.5
profile) opened the SQLite store with ``./mlruns`` as its default artifact root and created that
folder wherever a notebook, test or CLI ran."""
from __future__ import annotations

import json
import os
import subprocess
import sys

_CODE = """
import json, mlflow
from synhelpers.registry import configure, get_or_create_experiment
uri = configure()
with mlflow.start_run(experiment_id=get_or_create_experiment("cwd-check")) as run:
    mlflow.log_param("a", 1)
    mlflow.log_dict({"a": 1}, "a.json")
print(json.dumps({"uri": uri, "artifacts": run.info.artifact_uri}))
"""


def test_tracking_creates_nothing_in_the_working_directory(tmp_path):
    state, cwd = tmp_path / "state", tmp_path / "cwd"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env["SYNHELPERS_STATE_DIR"] = str(state)
    proc = subprocess.run([sys.executable, "-c", _CODE], env=env, cwd=str(cwd),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["uri"] == f"sqlite:///{state / 'mlflow.db'}"
    assert out["artifacts"].startswith((state / "mlartifacts" / "cwd-check").as_uri())
    assert list(cwd.iterdir()) == []
