"""Spark batch scoring (mapInArrow + onnxruntime) vs onnxruntime in one process, per core.

Run: .venv/bin/python benchmarks/bench_scoring.py [rows]   (uses a throw-away state directory)

Data: ``create_taxi_table(spark, rows=1_000_000, sample_rows=0)`` (synthetic trips, the tutorial's
7 columns), saved again in 8 files and read with Spark's default split (what a user gets).

Models, from cheap to costly per row (each converted by synhelpers, one [N, 1] input per column):
- LightGBM 100 trees x 31 leaves over the AutoML featurizer, trained on 50,000 rows;
- the tutorial's model: ``train_wizard`` (AutoML, 60 s budget, ensembling on) on 50,000 rows of
  the same table, loaded back from the registry as notebook 05 loads it;
- LightGBM 500 trees x 63 leaves.

Per model and batch size:
- "direct": one process, one onnxruntime thread, ``session.run`` on feeds already in memory, in
  slices of the batch size: one core's throughput (µs of CPU per row printed).
- "spark": ``score_dataframe`` on the table, written to Spark's ``noop`` sink (the scan, Arrow to
  the Python workers, conversion, scoring, the result back to the JVM) on ``local[*]``; per core =
  rows/s / cores. CPU: the JVM's and every Python worker's (psutil), as rows per CPU-second.
- "bound": the best CPU ratio any scorer could reach on this path, from the transfer floor (an
  identity ``mapInArrow``: the same scan and Arrow round trip with no scoring, whose CPU per row
  is printed split into JVM and Python): direct / (direct + floor).

Rounds alternate direct and Spark (BENCH_ROUNDS, default 3, after a warm-up) and each figure is
the best round, so both see the same machine load. The goal: Spark per core >= 0.8x direct.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time

import numpy as np

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
AUTOML_SECONDS = float(os.environ.get("BENCH_AUTOML_SECONDS", "60"))


def cpu_split(spark) -> tuple[float, float]:
    """CPU seconds used so far by the Spark JVM and by its Python workers (psutil)."""
    import psutil
    jvm = psutil.Process(spark.sparkContext._gateway.proc.pid)
    python = 0.0
    for child in jvm.children(recursive=True):
        try:
            python += sum(child.cpu_times()[:2])
        except psutil.NoSuchProcess:
            continue
    return sum(jvm.cpu_times()[:2]), python


def measure(fn, cpu) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one call; ``cpu()`` returns a number or a tuple."""
    before, started = cpu(), time.perf_counter()
    fn()
    wall, after = time.perf_counter() - started, cpu()
    return wall, (sum(after) - sum(before)) if isinstance(after, tuple) else after - before


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
    trained = TrainedModel(Pipeline([("featurize", featurizer), ("model", model)]), plan.inputs,
                           "regression", "fareAmount")
    from synhelpers.scoring import from_onnx
    return from_onnx(trained.to_onnx(), f"lightgbm-{trees}x{leaves}")


def automl_model(spark, table):
    """The tutorial's flow: AutoML on a 50,000-row table, registered, loaded from the registry."""
    from synhelpers.automl import train_wizard
    from synhelpers.scoring import load_scoring_model
    table.limit(50_000).write.mode("overwrite").saveAsTable("bench_train")
    result = train_wizard(spark, "bench_train", "fareAmount", training_hours=AUTOML_SECONDS / 3600,
                          model_name="bench_fare_automl", show_progress=False)
    print(f"\nAutoML ({AUTOML_SECONDS:.0f} s): best {result.best_estimator}, "
          f"{result.n_trials} trials, registered {result.model_uri}")
    return load_scoring_model("bench_fare_automl")


def noop(df) -> None:
    df.write.format("noop").mode("overwrite").save()


def identity(batches):
    yield from batches


def compare(spark, table, frame, model, batches, threads: int = 1):
    """{batch: (direct (wall, cpu), spark (wall, cpu))}, and whether every score matched."""
    import onnxruntime as ort
    import pyarrow as pa

    from synhelpers.scoring import score_dataframe
    from synhelpers.scoring.batch import ARROW_BATCH_CONF
    from synhelpers.scoring.inputs import feeds as make_feeds
    rows = len(frame)
    feeds = make_feeds(pa.Table.from_pandas(frame, preserve_index=False),
                       [(info, info.name) for info in model.inputs])
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model.model_bytes, options, providers=["CPUExecutionProvider"])
    output = session.get_outputs()[0].name

    def direct(batch):
        def run():
            for start in range(0, rows, batch):
                session.run([output], {k: v[start:start + batch] for k, v in feeds.items()})
        return run

    results = {}
    for batch in batches:
        spark.conf.set(ARROW_BATCH_CONF, str(batch))
        scored = score_dataframe(table, model, batch_size=batch, intra_op_threads=threads)
        noop(scored)                                         # warm the workers and the JIT
        direct(batch)()
        runs = [(measure(direct(batch), time.process_time),
                 measure(lambda: noop(scored), lambda: cpu_split(spark))) for _ in range(ROUNDS)]
        results[batch] = (min(d for d, _ in runs), min(s for _, s in runs))
    spark.conf.set(ARROW_BATCH_CONF, "10000")
    column = model.outputs[0].name
    got = score_dataframe(table, model).select(column).toPandas()[column].to_numpy()
    expected = session.run([output], feeds)[0].ravel()
    return results, np.array_equal(np.sort(got.ravel()), np.sort(expected))


def report(title: str, rows: int, cores: int, results: dict, floor_cpu: float) -> None:
    print(f"\n{title}")
    print(f"{'batch':>8} {'direct':>10} {'direct':>9} {'spark':>9} {'per core':>9} {'ratio':>6} "
          f"{'ratio':>6} {'bound':>6}")
    print(f"{'':>8} {'µs/row':>10} {'rows/s':>9} {'rows/s':>9} {'rows/s':>9} {'wall':>6} "
          f"{'cpu':>6} {'cpu':>6}")
    for batch, ((dw, dc), (sw, sc)) in results.items():
        per_core = rows / sw / cores
        print(f"{batch:>8,} {dc / rows * 1e6:>10.2f} {rows / dw:>9,.0f} {rows / sw:>9,.0f} "
              f"{per_core:>9,.0f} {per_core / (rows / dw):>6.2f} {dc / sc:>6.2f} "
              f"{dc / (dc + floor_cpu):>6.2f}")


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
    table = spark.table("bench_taxi")
    frame = table.toPandas()                 # for "direct" (benchmark only: bounded by ROWS)
    rows = len(frame)
    print(f"table bench_taxi: {rows:,} rows, 8 files, read in {table.rdd.getNumPartitions()} "
          f"partitions ({time.time() - started:.0f} s); {cores} cores; "
          f"load {os.getloadavg()[0]:.1f}")
    cpu = lambda: cpu_split(spark)   # noqa: E731
    mapped = table.mapInArrow(identity, table.schema)
    noop(mapped)                             # warm the workers and the JIT
    noop(table)
    scan = min(measure(lambda: noop(table), cpu) for _ in range(ROUNDS))
    floor, jvm, python = None, 0.0, 0.0
    for _ in range(ROUNDS):
        before, begun = cpu_split(spark), time.perf_counter()
        noop(mapped)
        wall, after = time.perf_counter() - begun, cpu_split(spark)
        if floor is None or wall < floor:
            floor, jvm, python = wall, after[0] - before[0], after[1] - before[1]
    floor_cpu = jvm + python
    print(f"scan only: {rows / scan[0]:,.0f} rows/s, {scan[1] / rows * 1e6:.2f} µs CPU/row; "
          f"identity mapInArrow (the transfer floor): {rows / floor:,.0f} rows/s, "
          f"{floor_cpu / rows * 1e6:.2f} µs CPU/row (JVM {jvm / rows * 1e6:.2f}, Python workers "
          f"{python / rows * 1e6:.2f})")
    sample = frame.head(50_000)
    for model, batches in ((train(sample, dict(table.dtypes)), (2_000, 10_000, 50_000)),
                           (automl_model(spark, table), (10_000, 50_000)),
                           (train(sample, dict(table.dtypes), 500, 63), (10_000,))):
        results, same = compare(spark, table, frame, model, batches)
        report(f"{model.model_id} ({len(model.model_bytes) / 1e6:.1f} MB), 1 ORT thread per "
               f"worker; every score equal to direct: {same}", rows, cores, results, floor_cpu)
    from pyspark.sql import functions as F

    from synhelpers.scoring.sql_function import predict_udf
    udf = predict_udf(spark, model)
    inputs = table.select("*", udf(F.struct(*[i.name for i in model.inputs])).alias("p"))
    noop(inputs)
    via_udf = min(measure(lambda: noop(inputs), cpu) for _ in range(2))
    print(f"\nthe SQL function (pandas UDF on struct(<inputs>)), {model.model_id}: "
          f"{rows / via_udf[0]:,.0f} rows/s, {via_udf[1] / rows * 1e6:.2f} µs CPU/row")
    saved, _ = measure(lambda: save_table_atomically(spark, score_dataframe(table, model),
                                                     "bench_scored"), time.process_time)
    print(f"score_table-like write of the same scores (Parquet table, atomic): "
          f"{rows / saved:,.0f} rows/s ({saved:.1f} s); load {os.getloadavg()[0]:.1f}")
    spark.stop()


if __name__ == "__main__":
    main()
