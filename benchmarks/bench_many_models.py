"""Many models: one Spark job (applyInPandas, one group per task) vs the groups one after another.

Run: .venv/bin/python benchmarks/bench_many_models.py [rows] [budget_seconds_per_group]
(uses a throw-away state directory; defaults: 100,000 synthetic trips, 10 s per group)

Both sides train the same groups (NYC taxi ``pickupTimeBin``: 4 groups) with the same code
(:func:`synhelpers.manymodels.group_training.train_group`: featurizer, FLAML within the group's budget,
ONNX conversion, parity gate) and the same per-group budget:

- "many models": :func:`train_many_models` - the Spark job (groups in parallel, one per task, on
  every core), then MLflow logging and registration on the driver. Reported: the job's wall time
  and the whole call's;
- "one after another": the same groups in the driver process, sequentially (each group's rows
  collected: bounded by the benchmark's size), no MLflow.

The speed-up of the training part is bounded by min(cores, groups); FLAML imports once per worker
process (a few seconds, paid in the first task of each worker).
"""
from __future__ import annotations

import os
import sys
import tempfile
import time

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
BUDGET = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0


def main() -> None:
    os.environ.setdefault("SYNHELPERS_STATE_DIR", tempfile.mkdtemp(prefix="bench-many-"))
    from synhelpers.runtime import get_spark
    spark = get_spark()
    from synhelpers.automl.metrics import DEFAULT_METRIC
    from synhelpers.data import create_taxi_table
    from synhelpers.manymodels import train_many_models
    from synhelpers.manymodels.group_training import GroupSpec, train_group
    cores = spark.sparkContext.defaultParallelism
    create_taxi_table(spark, rows=ROWS, sample_rows=0, table_name="default.bench_groups")
    table = spark.table("bench_groups")
    counts = {r["pickupTimeBin"]: r["count"] for r in table.groupBy("pickupTimeBin").count().collect()}
    print(f"table: {sum(counts.values()):,} rows; groups {counts}; budget {BUDGET:g} s per group; "
          f"{cores} cores; load {os.getloadavg()[0]:.1f}")

    started = time.time()
    result = train_many_models(spark, "bench_groups", "fareAmount", "pickupTimeBin",
                               budget_seconds_per_group=BUDGET, min_rows_per_group=100,
                               model_name="bench-many", experiment_name="bench-many",
                               max_trial_runs_per_group=20)
    parallel = time.time() - started
    print(f"\nmany models (Spark job, {len(result.trained)} groups): job {result.training_seconds:.1f} s, "
          f"whole call {parallel:.1f} s (timings {result.timings})")
    for g in result.trained:
        print(f"  {g.key:<10} {g.rows:>7,} rows  {g.n_trials:>4} trials  {g.seconds:5.1f} s  "
              f"partition {g.partition}  pid {g.pid}  r2 {g.metrics.get('r2_score', float('nan')):.3f}")

    import pandas as pd
    frame = table.toPandas()                       # benchmark only: bounded by ROWS
    spec = GroupSpec(task="regression", target="fareAmount",
                     features=tuple(c for c in frame.columns if c not in ("fareAmount",
                                                                          "pickupTimeBin")),
                     spark_types=dict(table.dtypes), metric=DEFAULT_METRIC["regression"],
                     budget_s=BUDGET)
    started = time.time()
    rows = []
    for key, part in frame.groupby("pickupTimeBin"):
        group = part.drop(columns=["pickupTimeBin"]).assign(__group_key=key)
        rows.append(train_group(pd.DataFrame(group), spec))
    sequential = time.time() - started
    print(f"\none after another (driver, no MLflow): {sequential:.1f} s")
    for row in rows:
        print(f"  {row['group_key']:<10} {row['rows']:>7,} rows  {row['status']:<8} "
              f"{row['seconds']:5.1f} s")
    print(f"\nspeed-up of training: {sequential / result.training_seconds:.2f}x "
          f"(job vs sequential); whole call incl. MLflow: {sequential / parallel:.2f}x; "
          f"load {os.getloadavg()[0]:.1f}")
    spark.stop()


if __name__ == "__main__":
    main()
