"""write_results never loses the results table: a real SIGKILL of the process between the swap's
two renames (the old results set aside, the new ones not yet in place), then the table read back
in a fresh process, after the next run and after ``synhelpers sqlpool recover``."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import pytest

from support import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.once]     # CI: pool profile only (setup.cfg)

_SETUP = """
import json, os, sys
import numpy as np
from synhelpers.sqlpool import get_pool
from synhelpers.sqlpool.wizard import deploy, plan_scoring, write_results
pool = get_pool("killresults")
def plan():
    return plan_scoring("killresults", "dbo.trips", "kill_fare", 0, procedure_name="dbo.score_trips",
                        model_table="dbo.kill_models", results_table="dbo.trip_scores")
def state():
    tables = sorted(r[0] for r in pool.con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'dbo'").fetchall())
    rows = pool.row_count(pool_table("dbo.trip_scores")) if "trip_scores" in tables else None
    return {"tables": tables, "results_rows": rows}
def pool_table(name):
    from synhelpers.sqlpool import parse_table_name
    return parse_table_name(name)
"""

_FIRST = _SETUP + """
import mlflow
from sklearn.linear_model import LinearRegression
from synhelpers.onnx_export import InputSpec, to_onnx
from synhelpers.registry import configure, get_or_create_experiment, log_onnx_model, register
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
rng = np.random.default_rng(0)
X = rng.uniform(1, 20, size=(40, 2)).astype("float32")
model = Pipeline([("s", StandardScaler()), ("m", LinearRegression())]).fit(X, X @ [2.0, 1.0])
configure()
with mlflow.start_run(experiment_id=get_or_create_experiment("kill-results")):
    uri = log_onnx_model(to_onnx(model, [InputSpec("a", "float"), InputSpec("b", "float")],
                                 "regression"))
register(uri, "kill_fare")
pool.execute("CREATE TABLE dbo.trips (a REAL, b REAL) WITH (HEAP)")
values = ", ".join(f"({a}, {b})" for a, b in X[:30].tolist())
pool.execute(f"INSERT INTO dbo.trips VALUES {values}")
first = plan()
deploy(first)
write_results(first)
old = state()
pool.execute("INSERT INTO dbo.trips VALUES (1, 2), (3, 4)")        # the next results differ
from synhelpers.sqlpool.tsql import interpreter
run = interpreter.execute
def execute(ctx, statement):                # the hook: die right after the first RENAME OBJECT
    run(ctx, statement)
    if type(statement).__name__ == "RenameObject":
        os.kill(os.getpid(), 9)
interpreter.execute = execute
print(json.dumps(old), flush=True)
write_results(plan())
print("not killed")
"""


def _python(code, state, *args):
    env = {**os.environ, "SYNHELPERS_STATE_DIR": str(state)}
    return subprocess.run([sys.executable, *args] if not code else [sys.executable, "-c", code],
                          env=env, capture_output=True, text=True, timeout=300, cwd=str(ROOT))


def _killed(state):
    child = _python(_FIRST, state)
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr[-3000:]
    old = json.loads(child.stdout.strip().splitlines()[-1])
    assert old == {"tables": ["kill_models", "trip_scores", "trips"], "results_rows": 30}
    return old


def test_after_a_kill_between_the_renames_recover_restores_the_old_results(tmp_path):
    _killed(tmp_path)
    seen = _python(_SETUP + "print(json.dumps(state()))", tmp_path)
    left = json.loads(seen.stdout.strip().splitlines()[-1])
    assert left["results_rows"] is None                       # the kill left no results table
    cli = _python(None, tmp_path, "-m", "synhelpers", "sqlpool", "recover", "--sql-pool-name",
                  "killresults", "--table", "dbo.trip_scores")
    assert cli.returncode == 0, cli.stderr[-3000:]
    report = json.loads(cli.stdout[cli.stdout.index("{"):])
    assert {k: report[k] for k in ("pool", "table")} == {"pool": "killresults",
                                                          "table": "dbo.trip_scores"}
    # the killed run's tables, named after its run ID
    assert re.fullmatch(r"dbo\.trip_scores__old_[0-9a-f]{8}", report["restored"]), report
    assert len(report["dropped"]) == 1 and report["dropped"][0] == report["restored"].replace(
        "__old_", "__new_")
    after = _python(_SETUP + "print(json.dumps(state()))", tmp_path)
    assert json.loads(after.stdout.strip().splitlines()[-1]) == {
        "tables": ["kill_models", "trip_scores", "trips"], "results_rows": 30}


def test_after_a_kill_the_next_run_writes_its_results_and_the_old_ones_survive(tmp_path):
    _killed(tmp_path)
    code = _SETUP + """
written = write_results(plan())
print(json.dumps({"written": written["rows"], "after": state()}))
"""
    child = _python(code, tmp_path)
    assert child.returncode == 0, child.stderr[-3000:]
    seen = json.loads(child.stdout.strip().splitlines()[-1])
    assert seen["written"] == 32 and seen["after"]["results_rows"] == 32
    old = [t for t in seen["after"]["tables"] if t.startswith("trip_scores__old_")]
    assert len(old) == 1                                      # the killed run's, left intact
    kept = _python(_SETUP + f"print(pool.row_count(pool_table('dbo.{old[0]}')))", tmp_path)
    assert kept.stdout.strip().splitlines()[-1] == "30"       # the previous results, every row
    cli = _python(None, tmp_path, "-m", "synhelpers", "sqlpool", "recover", "--sql-pool-name",
                  "killresults", "--table", "dbo.trip_scores")
    report = json.loads(cli.stdout[cli.stdout.index("{"):])
    assert report["restored"] is None and len(report["dropped"]) == 2      # __old_ and __new_
    after = _python(_SETUP + "print(json.dumps(state()))", tmp_path)
    assert json.loads(after.stdout.strip().splitlines()[-1]) == {
        "tables": ["kill_models", "trip_scores", "trips"], "results_rows": 32}
