"""Wall time of the demo pipeline (table -> train -> load -> predict) with a 60 s AutoML budget,
per activity and in total (goal: <= 3 minutes in total on 2 cores).

Baseline measured in the same run: a notebook that only starts the local Spark session under
papermill (what every Spark activity pays before doing anything), so each activity's time can be
read as "start-up + work".

Run: .venv/bin/python benchmarks/bench_demo.py [--training-seconds 60]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--training-seconds", type=float, default=60.0)
    args = parser.parse_args()
    os.environ["SYNHELPERS_STATE_DIR"] = tempfile.mkdtemp(prefix="bench-demo-")
    sys.path.insert(0, str(ROOT / "tools"))
    import papermill as pm
    from make_notebook import write_notebook

    from synhelpers.artifacts import run_pipeline
    scratch = Path(tempfile.mkdtemp(prefix="bench-demo-nb-"))
    write_notebook(scratch / "start.ipynb", [("params", "x = 1"), (
        "code", "from synhelpers.runtime import get_spark\nget_spark().range(1).count()")])
    started = time.perf_counter()
    pm.execute_notebook(str(scratch / "start.ipynb"), str(scratch / "out.ipynb"),
                        progress_bar=False)
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    result = run_pipeline(ROOT / "workspace_artifacts/pipeline/AutoML_Train_And_Score.json",
                          parameters={"training_hours": args.training_seconds / 3600},
                          out_dir=scratch / "run", log=None)
    total = time.perf_counter() - started
    print(f"load average at start/end: {os.getloadavg()[0]:.2f} (2 cores)")
    print(f"baseline: a notebook that only starts Spark: {baseline:6.1f} s")
    for run in result.activities:
        print(f"  {run.name:<16} {run.status:<10} {run.duration:6.1f} s  "
              f"({run.duration / baseline:.1f}x the Spark start-up baseline)")
    print(f"total: {total:6.1f} s for an AutoML budget of {args.training_seconds:.0f} s "
          f"(goal <= 180 s): {'met' if total <= 180 else 'NOT met'}; pipeline {result.status}")


if __name__ == "__main__":
    main()
