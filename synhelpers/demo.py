"""``make demo``: the whole tutorial, locally, on the built-in synthetic data.

It runs the workspace's own pipeline, ``workspace_artifacts/pipeline/AutoML_Train_And_Score.json``
(table -> train -> load -> predict), with the local pipeline runner and the offline defaults (the
synthetic source, a 60 s AutoML budget), then says what each step produced and where to look.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from ._compat import has_module
from .params import as_float

PIPELINE = Path("workspace_artifacts") / "pipeline" / "AutoML_Train_And_Score.json"


def _exit_json(run) -> dict:
    try:
        return json.loads(run.exit_value) if run.exit_value else {}
    except (TypeError, ValueError):
        return {}


def _report(result) -> list[str]:
    lines = []
    for run in result.activities:
        out = _exit_json(run)
        if run.name == "CreateTable" and out:
            lines.append(f"Spark table {out.get('table')}: {out.get('rows')} rows "
                         f"({', '.join(f'{c} {t}' for c, t in out.get('columns', {}).items())})")
        elif run.name == "TrainModel" and out:
            metrics = ", ".join(f"{k} {v:.4f}" for k, v in out.get("metrics", {}).items()
                                if k in ("r2_score", "spearman_correlation", "AUC_weighted",
                                         "root_mean_squared_error", "accuracy"))
            lines.append(f"Registered model {out.get('model_name')} version "
                         f"{out.get('model_version')} ({out.get('best_estimator')}, "
                         f"{out.get('trials')} trials): {metrics}")
        elif run.name == "LoadSqlPool" and out:
            counts = ", ".join(f"{t}: {n} rows" for t, n in out.get("tables", {}).items())
            lines.append(f"SQL pool {out.get('pool')}: {counts}")
        elif run.name == "PredictSqlPool" and out:
            lines.append(f"PREDICT scored {out.get('rows_scored')} rows of {out.get('table')} with "
                         f"{out.get('model')} into {out.get('results_table')} "
                         f"({out.get('results_rows')} rows); T-SQL: {out.get('script')}")
            lines += _first_scored_rows(out)
    return lines


def _first_scored_rows(summary: dict, rows: int = 5) -> list[str]:
    """The first rows of the results table, read back from the pool."""
    from .sqlpool import get_pool
    try:
        frame = get_pool(summary["pool"]).query(
            f"SELECT TOP ({rows}) * FROM {summary['results_table']}")
    except Exception as exc:  # noqa: BLE001 - the report goes on without the preview
        return [f"    (could not read {summary.get('results_table')}: {exc})"]
    return ["    " + line for line in frame.to_string(index=False).splitlines()]


def run_demo(out_dir: str | None = None, training_seconds: float = 60.0) -> int:
    """Run the tutorial pipeline; print the summary and where to look. Returns an exit code."""
    from .artifacts import run_pipeline
    from .runtime.state import _project_root, state_dir
    root = _project_root(Path.cwd().resolve())
    out = Path(out_dir) if out_dir else state_dir() / "runs" / time.strftime("demo-%Y%m%d-%H%M%S")
    training_seconds = as_float(training_seconds, "--training-seconds", above=0)
    parameters = {"training_hours": training_seconds / 3600, "source": "synthetic"}
    print(f"Running {PIPELINE} locally (AutoML budget {training_seconds:.0f} s) ...", flush=True)
    result = run_pipeline(root / PIPELINE, parameters=parameters, out_dir=out)  # prints progress
    print()
    for line in _report(result):
        print(line)
    state, bin_dir = state_dir(), Path(sys.executable).parent
    print("\nWhere to look:")
    print(f"  output notebooks : {result.out_dir}")
    if has_module("flask"):     # mlflow-skinny (a Synapse pool's) has no UI server
        print(f"  MLflow UI        : {bin_dir / 'mlflow'} ui --backend-store-uri "
              f"sqlite:///{state}/mlflow.db (then http://127.0.0.1:5000)")
    print(f"  SQL pool tables  : SYNHELPERS_STATE_DIR={state} {bin_dir / 'synhelpers'} sqlpool "
          "exec --query \"SELECT TOP 5 * FROM dbo.NYC_Taxi_spark\"")
    print(f"  local state      : {state}")
    return 0 if result.status == "Succeeded" else 1
