"""T-SQL PREDICT on the local SQL pool vs onnxruntime directly, 1M NYC-taxi-like rows.

Uses throw-away state directories.

The table has the tutorial's 7 columns (fareAmount real, paymentType bigint, passengerCount bigint,
tripDistance real, tripTimeSecs bigint, pickupTimeBin varchar, tipped int); the model is a
scikit-learn pipeline (one-hot for pickupTimeBin + LightGBM, 100 trees of 31 leaves) converted
with skl2onnx and onnxmltools' LightGBM converter, one [None, 1] input per column, as the PREDICT contract wants.

- "direct": ``InferenceSession.run`` on numpy arrays already in memory (one call, all rows), the
  same session options as the pool's (onnxruntime defaults);
- "PREDICT": ``LocalPool.execute`` of ``SELECT * FROM PREDICT(...)`` (DuckDB scan to Arrow, the
  contract checks, batched scoring, result as Arrow) and of the wizard's CTE procedure.

Each figure is the best of BENCH_ROUNDS (default 3) interleaved rounds after a warm-up; the ratio
is against the faster direct variant (one call, or batches of PREDICT's batch size). The goal is
PREDICT >= 0.9x direct. SYNHELPERS_PREDICT_BATCH_ROWS / SYNHELPERS_PREDICT_THREADS tune the pool.

Then peak memory (``--rss-rows``, default 1M and 10M): for each size a fresh process builds the
pool, and a second fresh process opens it, scores a 1,000-row table once (model session, DuckDB
warm), resets its peak RSS (``/proc/self/clear_refs``) and runs one statement: PREDICT into a
results table (``CREATE TABLE ... AS``, what the wizard's ``write_results`` runs), an aggregate over
PREDICT, and ``SELECT * FROM PREDICT`` (whose result set, returned to the caller, grows with the
table by nature). Each line shows the RSS before, the peak above it, the memory DuckDB's buffer
pool holds afterwards (its cache of the table's blocks, evictable, bounded by DuckDB's
memory_limit: part of the peak that is not PREDICT's), and for reference the size of the table's
rows in Arrow: what PREDICT held at once when it read DATA whole.

Run: .venv/bin/python benchmarks/bench_predict.py [rows] [--rss-rows=1000000,10000000] (0: none)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
ROWS = int(ARGS[0]) if ARGS and ARGS[0].isdigit() else 1_000_000
FEATURES = ["fareAmount", "paymentType", "passengerCount", "tripDistance", "tripTimeSecs", "pickupTimeBin"]
BINS = np.array(["AMRush", "Afternoon", "PMRush", "Night"], dtype=object)


def make_trips(n: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    distance = rng.gamma(2.0, 1.6, n).astype("float32")
    seconds = (distance * rng.uniform(120, 300, n) + 60).astype("int64")
    fare = (2.5 + distance * 2.5 + seconds / 120 + rng.normal(0, 1, n)).clip(1, 250).astype("float32")
    payment = rng.choice([1, 2], n, p=[0.7, 0.3]).astype("int64")
    bins = BINS[rng.integers(0, 4, n)]
    tipped = ((payment == 1) & (rng.uniform(0, 1, n) < 0.85)).astype("int32")
    return {"tipped": tipped, "fareAmount": fare, "paymentType": payment,
            "passengerCount": rng.integers(1, 7, n).astype("int64"), "tripDistance": distance,
            "tripTimeSecs": seconds, "pickupTimeBin": bins}


def train_model(trips: dict) -> bytes:
    """One-hot for pickupTimeBin + LightGBM, converted through skl2onnx with onnxmltools' converter."""
    import pandas as pd
    from lightgbm import LGBMClassifier
    from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder
    from skl2onnx import convert_sklearn, update_registered_converter
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType
    from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes
    update_registered_converter(LGBMClassifier, "LightGbmLGBMClassifier",
                                calculate_linear_classifier_output_shapes, convert_lightgbm,
                                options={"nocl": [True, False], "zipmap": [True, False, "columns"]})
    frame = pd.DataFrame({k: v[:20_000] for k, v in trips.items()})
    numeric = [c for c in FEATURES if c != "pickupTimeBin"]
    model = Pipeline([
        ("pre", ColumnTransformer([("num", "passthrough", numeric),
                                   ("cat", OneHotEncoder(handle_unknown="ignore"), ["pickupTimeBin"])])),
        ("gbm", LGBMClassifier(n_estimators=100, num_leaves=31, random_state=0, verbose=-1)),
    ]).fit(frame[FEATURES], frame.tipped)
    kinds = {"fareAmount": FloatTensorType, "tripDistance": FloatTensorType,
             "pickupTimeBin": StringTensorType}
    inputs = [(c, kinds.get(c, Int64TensorType)([None, 1])) for c in FEATURES]
    onx = convert_sklearn(model, "tips", inputs, target_opset={"": 17, "ai.onnx.ml": 3},
                          options={id(model): {"zipmap": False}},
                          final_types=[("output_label", Int64TensorType([None])),
                                       ("output_probability", FloatTensorType([None, 2]))])
    return onx.SerializeToString()


def interleaved(rounds: int, variants: dict) -> dict:
    """Best wall and CPU time of each variant over ``rounds`` rounds, the order rotating per round.

    Interleaving keeps the comparison fair on a shared machine whose load changes over time; the
    process CPU time (all threads: onnxruntime's, DuckDB's, Python's) is barely affected by other
    processes, so it shows the work PREDICT adds even when the wall clock is noisy.
    """
    names = list(variants)
    for name in names:             # warm-up (sessions, caches, DuckDB buffers)
        variants[name]()
    best = {name: [float("inf"), float("inf")] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            wall, cpu = time.perf_counter(), time.process_time()
            variants[name]()
            best[name][0] = min(best[name][0], time.perf_counter() - wall)
            best[name][1] = min(best[name][1], time.process_time() - cpu)
    return best


def build_pool(rows: int, work: Path):
    """The pool with ``dbo.trips`` (``rows`` trips, loaded with COPY INTO from Parquet in its
    storage root), ``dbo.trips_warm`` (1,000 of them) and ``dbo.models``; returns (pool, trips, model)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from synhelpers.sqlpool import LocalPool
    trips = make_trips(rows)
    blob = train_model(trips)
    pq.write_table(pa.table(trips), work / "trips.parquet")
    pool = LocalPool("benchpool", path=work / "bench.duckdb", storage_roots=[work])
    started = time.perf_counter()
    pool.execute(f"""CREATE TABLE dbo.trips (tipped int, fareAmount real, paymentType bigint, passengerCount bigint,
  tripDistance real, tripTimeSecs bigint, pickupTimeBin varchar(30)) WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)
GO
COPY INTO dbo.trips FROM '{work / "trips.parquet"}' WITH (FILE_TYPE = 'PARQUET')
GO
SELECT TOP (1000) * INTO dbo.trips_warm FROM dbo.trips
GO
CREATE TABLE dbo.models (ID nvarchar(100) NOT NULL, model varbinary(max)) WITH (HEAP, DISTRIBUTION = ROUND_ROBIN)
GO
INSERT INTO dbo.models VALUES ('tips:1', 0x{blob.hex()})""")
    print(f"{rows:,} rows loaded with COPY INTO in {time.perf_counter() - started:.1f} s; "
          f"model {len(blob) / 1024:.0f} KiB", flush=True)
    return pool, trips, blob


# the statements whose peak memory is measured (``{table}``: dbo.trips, or dbo.trips_warm to warm up)
PREDICT_SQL = ("PREDICT (MODEL = (SELECT [model] FROM dbo.models WHERE [ID] = 'tips:1'), DATA = {table} AS d, "
               "RUNTIME = ONNX) WITH ([output_label] [bigint]) AS p")
MEMORY_STATEMENTS = {
    "PREDICT into a results table (CTAS)": "CREATE TABLE dbo.scored_{run} WITH (HEAP) AS SELECT * FROM "
                                           + PREDICT_SQL,
    "aggregate over PREDICT": "SELECT COUNT(*) AS n, SUM(p.output_label) AS tipped FROM " + PREDICT_SQL,
    "SELECT * FROM PREDICT (result set)": "SELECT * FROM " + PREDICT_SQL,
}


def _status(key: str) -> int:
    """A /proc/self/status figure in MiB (VmRSS: now; VmHWM: the peak since the last reset)."""
    with open("/proc/self/status") as handle:
        return int(next(line for line in handle if line.startswith(key)).split()[1]) // 1024


def measure_memory(path: str, label: str) -> dict:
    """In this (fresh) process: warm up, reset the peak RSS, run one statement on dbo.trips."""
    from synhelpers.sqlpool import LocalPool
    pool = LocalPool("benchpool", path=path, storage_roots=[str(Path(path).parent)])
    statement = MEMORY_STATEMENTS[label]
    pool.execute(statement.format(table="dbo.trips_warm", run="warm"))
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")                       # VmHWM := VmRSS
    before = _status("VmRSS")
    started = time.perf_counter()
    results = pool.execute(statement.format(table="dbo.trips", run="big"))
    seconds = time.perf_counter() - started
    peak = _status("VmHWM")
    rows = results[-1].num_rows if results and label.startswith("SELECT *") else None
    cached = pool.con.execute("SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory()").fetchall()[0][0]
    return {"before": before, "peak": peak - before, "seconds": seconds, "rows": rows,
            "duckdb": cached // 2**20}


def memory_figures(sizes: list[int]) -> None:
    """Peak RSS of each statement, at each size, each in a fresh process."""
    script = Path(__file__).resolve()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(script.parents[1]), os.environ.get("PYTHONPATH", "")]))
    print(f"\npeak memory of one statement, each in a fresh process (batch rows "
          f"{os.environ.get('SYNHELPERS_PREDICT_BATCH_ROWS', '131072')})")
    for rows in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"bench-predict-rss-{rows}-"))
        subprocess.run([sys.executable, str(script), "--build", str(rows), str(work)], check=True, env=env)
        arrow_mib = _arrow_mib(str(work / "bench.duckdb"), rows)
        for label in MEMORY_STATEMENTS:
            out = subprocess.run([sys.executable, str(script), "--measure", str(work / "bench.duckdb"), label],
                                 check=True, env=env, capture_output=True, text=True).stdout
            figure = json.loads(out.strip().splitlines()[-1])
            print(f"{rows:>11,} rows  {label:<36} RSS before {figure['before']:4} MiB, peak +{figure['peak']:5} MiB "
                  f"(DuckDB's buffer pool after: {figure['duckdb']:4} MiB) in {figure['seconds']:6.1f} s | "
                  f"the table's rows in Arrow: {arrow_mib:5.0f} MiB", flush=True)
        subprocess.run(["rm", "-rf", str(work)], check=False)


def _arrow_mib(path: str, rows: int) -> float:
    """The Arrow size of dbo.trips (from its first 100,000 rows, scaled): what DATA read whole took."""
    import duckdb
    con = duckdb.connect(path, read_only=True)
    try:
        sample = con.sql('SELECT * FROM "dbo"."trips" LIMIT 100000').to_arrow_table()
    finally:
        con.close()
    return sample.nbytes * rows / sample.num_rows / 2**20


def main() -> None:
    os.environ.setdefault("SYNHELPERS_STATE_DIR", tempfile.mkdtemp(prefix="bench-predict-"))
    import onnxruntime as ort

    work = Path(tempfile.mkdtemp(prefix="bench-predict-data-"))
    pool, trips, blob = build_pool(ROWS, work)

    pool.execute("""CREATE PROCEDURE dbo.score_trips AS
WITH InputData AS (
    SELECT CAST([fareAmount] AS [real]) AS [fareAmount], CAST([paymentType] AS [bigint]) AS [paymentType],
           CAST([passengerCount] AS [bigint]) AS [passengerCount], CAST([tripDistance] AS [real]) AS [tripDistance],
           [tripTimeSecs], CAST([pickupTimeBin] AS [varchar]) AS [pickupTimeBin]
    FROM [dbo].[trips])
SELECT * FROM PREDICT (MODEL = (SELECT [model] FROM dbo.models WHERE [ID] = 'tips:1'), DATA = InputData,
                       RUNTIME = ONNX) WITH ([output_label] [bigint])""")
    query = ("DECLARE @m varbinary(max) = (SELECT model FROM dbo.models WHERE ID = 'tips:1')\n"
             "SELECT * FROM PREDICT(MODEL = @m, DATA = dbo.trips, RUNTIME = ONNX) WITH (output_label bigint)")

    from synhelpers.sqlpool.tsql import onnx_model
    # the same session options as the pool's (SYNHELPERS_PREDICT_THREADS applies to both)
    session = ort.InferenceSession(blob, onnx_model._options(ort), providers=["CPUExecutionProvider"])
    feeds = {c: (trips[c].astype(object) if c == "pickupTimeBin" else trips[c]).reshape(-1, 1) for c in FEATURES}
    step = onnx_model.BATCH_ROWS
    outputs: dict = {}

    def direct_one_call():
        outputs["direct"] = session.run(["output_label"], feeds)[0]

    def direct_batched():
        for i in range(0, ROWS, step):
            session.run(["output_label"], {c: v[i:i + step] for c, v in feeds.items()})

    def predict_table():
        outputs["table"] = pool.execute(query)[-1]

    def predict_procedure():
        outputs["procedure"] = pool.execute("EXEC dbo.score_trips")[-1]

    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    best = interleaved(rounds, {"direct_one_call": direct_one_call, "direct_batched": direct_batched,
                                "predict_table": predict_table, "predict_procedure": predict_procedure})
    pool.close()
    direct = outputs["direct"]
    mismatches = {k: int((outputs[k].column("output_label").to_numpy() != direct).sum())
                  for k in ("table", "procedure")}
    assert outputs["table"].num_rows == ROWS
    wall_base = min(best["direct_one_call"][0], best["direct_batched"][0])
    cpu_base = min(best["direct_one_call"][1], best["direct_batched"][1])

    def line(label: str, name: str) -> str:
        wall, cpu = best[name]
        return (f"{label:<50} wall {wall:6.2f} s {ROWS / wall:>9,.0f} rows/s {wall_base / wall:4.2f}x | "
                f"CPU {cpu:6.2f} s {ROWS / cpu:>9,.0f} rows/CPU-s {cpu_base / cpu:4.2f}x")

    print(f"best of {rounds} interleaved rounds; onnxruntime {ort.__version__}, batch rows {step}, "
          f"threads {os.environ.get('SYNHELPERS_PREDICT_THREADS', 'onnxruntime default')}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}; ratios are against the faster direct variant")
    print(line("onnxruntime directly on numpy, one run() call", "direct_one_call"))
    print(line(f"onnxruntime directly on numpy, batches of {step}", "direct_batched"))
    print(line("PREDICT via LocalPool.execute (DATA = table)", "predict_table"))
    print(line("PREDICT via EXEC of the wizard's CTE procedure", "predict_procedure"))
    print(f"labels differing from direct onnxruntime: {mismatches['table']} (table), "
          f"{mismatches['procedure']} (procedure)")
    print(f"PREDICT / onnxruntime alone (wall, DATA = table): {wall_base / best['predict_table'][0]:.2f}x "
          f"(goal >= 0.90x); procedure {wall_base / best['predict_procedure'][0]:.2f}x", flush=True)
    sizes = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--rss-rows=")), "1000000,10000000")
    if sizes != "0":
        memory_figures([int(n) for n in sizes.split(",")])


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:
        os.environ.setdefault("SYNHELPERS_STATE_DIR", sys.argv[3])
        build_pool(int(sys.argv[2]), Path(sys.argv[3]))[0].close()
    elif sys.argv[1:2] == ["--measure"]:
        os.environ.setdefault("SYNHELPERS_STATE_DIR", str(Path(sys.argv[2]).parent))
        print(json.dumps(measure_memory(sys.argv[2], sys.argv[3])))
    else:
        main()
