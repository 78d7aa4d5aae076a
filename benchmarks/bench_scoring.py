"""Spark batch scoring (mapInArrow + onnxruntime) vs onnxruntime in one process, per core.

Run: .venv/bin/python benchmarks/bench_scoring.py [rows]   (uses a throw-away state directory)

Data: ``create_taxi_table(spark, rows=1_000_000, sample_rows=0)`` (synthetic trips, the tutorial's
7 columns), saved again in 8 files so that every core gets tasks. Model: the AutoML featurizer +
LightGBM (100 trees, 31 leaves) regression of fareAmount, trained on 50,000 rows and converted with
synhelpers' ONNX conversion (one [N, 1] input per column; string one-hot inside the graph).

- "direct": one process, one onnxruntime thread, ``session.run`` on numpy feeds already in memory
  (float32/int64/object), in slices of the batch size; this is one core's throughput.
- "spark": ``score_dataframe`` on the table written to Spark's ``noop`` sink (the scan, Arrow
  transfer to the Python workers, conversion, scoring and the result back to the JVM), on
  ``local[*]`` (every core); per core = rows/s divided by the cores. Also ``scan only`` (the same
  scan with no scoring), an identity ``mapInArrow`` (the transfer floor no scorer can beat), a
  heavier model (500 trees x 63 leaves: the per-row transfer cost then weighs less), and the
  scores saved as a Parquet table, atomically.

Each figure is the best of BENCH_ROUNDS (default 3) rounds, in wall time and in CPU time (the
driver's for "direct"; the JVM's and every Python worker's for "spark", read with psutil): rows
per CPU-second compares per-core cost even when other processes share the cores. The goal: Spark
per core >= 0.8x direct. On a shared machine wall figures vary with the load (printed).
"""
from __future__ import annotations

import os
import sys
import tempfile
import time

import numpy as np

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
BATCHES = (2_000, 10_000, 50_000)


def spark_cpu(spark) -> float:
    """CPU seconds used so far by the Spark JVM and its Python workers (psutil)."""
    import psutil
    jvm = psutil.Process(spark.sparkContext._gateway.proc.pid)
    total = sum(jvm.cpu_times()[:2])
    for child in jvm.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.NoSuchProcess:
            continue
    return total


def best(fn, rounds: int = ROUNDS, cpu=time.process_time) -> tuple[float, float]:
    """(best wall seconds, CPU seconds of that round) over ``rounds`` rounds."""
    runs = []
    for _ in range(rounds):
        started, used = time.perf_counter(), cpu()
        fn()
        runs.append((time.perf_counter() - started, cpu() - used))
    return min(runs)


def train(frame, spark_types, trees: int = 100, leaves: int = 31):
    from lightgbm import LGBMRegressor
    from sklearn.pipeline import Pipeline

    from synhelpers.automl.featurize import fit_featurizer, plan_features, to_model_frame
    from synhelpers.automl.model import TrainedModel
    features = [c for c in frame.columns if c != "fareAmount"]
    plan = plan_features(frame, features, spark_types)
    featurizer = fit_featurizer(plan, frame)
    X = np.asarray(featurizer.transform(to_model_frame(frame, plan.inputs)), dtype=np.float32)
    model = LGBMRegressor(n_estimators=trees, num_leaves=leaves, verbose=-1, random_state=0)
    model.fit(X, frame["fareAmount"])
    return TrainedModel(Pipeline([("featurize", featurizer), ("model", model)]), plan.inputs,
                        "regression", "fareAmount")


def noop(df) -> None:
    df.write.format("noop").mode("overwrite").save()


def identity(batches):
    yield from batches


def compare(spark, table, frame, trained, batches, threads: int = 1, rounds: int = ROUNDS):
    """{batch: ((direct wall, cpu), (spark wall, cpu))} and whether every score matched."""
    import onnxruntime as ort

    from synhelpers.automl.featurize import to_model_frame
    from synhelpers.onnx_export import make_feeds
    from synhelpers.scoring import from_onnx, score_dataframe
    from synhelpers.scoring.batch import ARROW_BATCH_CONF
    model = from_onnx(trained.to_onnx(), "bench-fare")
    rows = len(frame)
    feeds = make_feeds(to_model_frame(frame, trained.inputs), trained.inputs)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model.model_bytes, options, providers=["CPUExecutionProvider"])

    def direct(batch):
        def run():
            for start in range(0, rows, batch):
                session.run(None, {k: v[start:start + batch] for k, v in feeds.items()})
        return run

    cpu = lambda: spark_cpu(spark)   # noqa: E731
    results = {}
    for batch in batches:
        spark.conf.set(ARROW_BATCH_CONF, str(batch))
        scored = score_dataframe(table, model, batch_size=batch, intra_op_threads=threads)
        noop(scored)                                         # warm the workers
        results[batch] = (best(direct(batch), rounds), best(lambda: noop(scored), rounds, cpu))
    spark.conf.set(ARROW_BATCH_CONF, "10000")
    got = score_dataframe(table, model).select("variable_out1").toPandas()["variable_out1"]
    expected = session.run(None, feeds)[0].ravel()
    return model, results, np.array_equal(np.sort(got.to_numpy()), np.sort(expected))


def report(title: str, rows: int, cores: int, results: dict) -> None:
    print(f"\n{title}")
    print(f"{'batch':>8} {'direct wall':>12} {'spark wall':>11} {'per core':>9} {'ratio':>6} "
          f"{'direct cpu':>11} {'spark cpu':>10} {'ratio':>6}")
    for batch, ((dw, dc), (sw, sc)) in results.items():
        d, s, dcpu, scpu = rows / dw, rows / sw, rows / max(dc, 1e-9), rows / max(sc, 1e-9)
        print(f"{batch:>8,} {d:>12,.0f} {s:>11,.0f} {s / cores:>9,.0f} {s / cores / d:>6.2f} "
              f"{dcpu:>11,.0f} {scpu:>10,.0f} {scpu / dcpu:>6.2f}")


def main() -> None:
    os.environ.setdefault("SYNHELPERS_STATE_DIR", tempfile.mkdtemp(prefix="bench-scoring-"))
    from synhelpers.runtime import get_spark
    spark = get_spark()
    from synhelpers.data import create_taxi_table
    from synhelpers.data.tables import save_table_atomically
    from synhelpers.scoring import score_dataframe
    cores = spark.sparkContext.defaultParallelism
    started = time.time()
    create_taxi_table(spark, rows=ROWS, sample_rows=0, table_name="default.bench_raw")
    spark.table("bench_raw").repartition(8).write.mode("overwrite").saveAsTable("bench_taxi")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "1m")     # one task per file
    table = spark.table("bench_taxi")
    frame = table.toPandas()                 # for "direct" (benchmark only: bounded by ROWS)
    rows = len(frame)
    print(f"table bench_taxi: {rows:,} rows in {table.rdd.getNumPartitions()} partitions "
          f"({time.time() - started:.0f} s); {cores} cores; load {os.getloadavg()[0]:.1f}")
    print("wall: rows/s (direct: 1 thread; spark: every core, per core = / cores); "
          "cpu: rows per CPU-second (spark: the JVM + its Python workers)")
    cpu = lambda: spark_cpu(spark)   # noqa: E731
    scan = best(lambda: noop(table), cpu=cpu)
    mapped = table.mapInArrow(identity, table.schema)
    noop(mapped)
    floor = best(lambda: noop(mapped), cpu=cpu)
    print(f"scan only: {rows / scan[0]:,.0f} rows/s, {rows / scan[1]:,.0f} rows per CPU-s; "
          f"identity mapInArrow (the transfer floor): {rows / floor[0]:,.0f} rows/s, "
          f"{rows / floor[1]:,.0f} rows per CPU-s")
    sample = frame.head(50_000)
    light = train(sample, dict(table.dtypes))
    model, results, same = compare(spark, table, frame, light, BATCHES)
    report(f"LightGBM 100 trees x 31 leaves ({len(model.model_bytes) / 1e6:.1f} MB), "
           f"1 ORT thread per worker; every score equal to direct: {same}", rows, cores, results)
    _, results, _ = compare(spark, table, frame, light, (10_000,), threads=2, rounds=2)
    report("the same, 2 ORT threads per worker (oversubscribed)", rows, cores, results)
    from pyspark.sql import functions as F

    from synhelpers.scoring.sql_function import predict_udf
    udf = predict_udf(spark, model)
    inputs = table.select("*", udf(F.struct(*[i.name for i in model.inputs])).alias("p"))
    noop(inputs)
    via_udf = best(lambda: noop(inputs), rounds=2, cpu=cpu)
    print(f"\nthe SQL function's pandas UDF on struct(<inputs>) (only the inputs cross to Python, "
          f"one column back): {rows / via_udf[0]:,.0f} rows/s, {rows / via_udf[1]:,.0f} rows per "
          "CPU-s")
    heavy = train(sample, dict(table.dtypes), trees=500, leaves=63)
    model, results, same = compare(spark, table, frame, heavy, (10_000,), rounds=2)
    report(f"LightGBM 500 trees x 63 leaves ({len(model.model_bytes) / 1e6:.1f} MB); every "
           f"score equal to direct: {same}", rows, cores, results)
    saved, _ = best(lambda: save_table_atomically(spark, score_dataframe(table, model),
                                                  "bench_scored"), rounds=1)
    print(f"\nscore_table-like write of the 500-tree scores (Parquet table, atomic): "
          f"{rows / saved:,.0f} rows/s ({saved:.1f} s); load {os.getloadavg()[0]:.1f}")
    spark.stop()


if __name__ == "__main__":
    main()
