"""PREDICT runs batch by batch: its memory does not grow with the table.

Each measurement runs in a fresh process on a pool file prepared beforehand: the process scores
once to warm up (model session, DuckDB), resets its peak RSS (``/proc/self/clear_refs``), runs
the statement and reports the peak above the warmed-up RSS. The table carries a 2,000-character
column that DuckDB stores compressed but that is 2 KB per row once read into Arrow: reading the
whole DATA at once (what PREDICT did) costs 2 KB x rows of memory, streaming it costs a batch.
"""
from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest

from pool_testing import run_in_new_process

WIDE = 2000
BATCH = 4096

SETUP = """
import json, sys
from synhelpers.sqlpool import LocalPool
from synhelpers.sqlpool.names import TableName
pool = LocalPool("stream", path={path!r})
pool.execute("CREATE TABLE dbo.wide (id bigint, fareAmount real, tripDistance real, note nvarchar(max)) "
             "WITH (HEAP)\\nGO\\nCREATE TABLE dbo.models (ID nvarchar(100), model varbinary(max))")
pool.con.execute('INSERT INTO "dbo"."wide" SELECT range, (range % 50) + 2.5, (range % 17) + 0.5, '
                 "repeat('x', {wide}) FROM range({rows})")
pool.con.execute('CREATE TABLE "dbo"."tiny" AS SELECT * FROM "dbo"."wide" LIMIT 10')
pool.con.execute('INSERT INTO "dbo"."models" VALUES (?, ?)', ["fare:1", bytes.fromhex({blob!r})])
pool.con.execute("CHECKPOINT")
pool.close()
print(json.dumps({{"ok": True}}))
"""

MEASURE = """
import json, os
os.environ["SYNHELPERS_PREDICT_BATCH_ROWS"] = "{batch}"
from synhelpers.sqlpool import LocalPool
pool = LocalPool("stream", path={path!r})
model = "DECLARE @m varbinary(max) = (SELECT model FROM dbo.models WHERE ID = 'fare:1')\\n"
query = model + ("{select} FROM PREDICT(MODEL = @m, DATA = dbo.wide AS d, RUNTIME = ONNX) "
                 "WITH (variable_out1 real) AS p")
pool.execute(query.replace("dbo.wide", "dbo.tiny").replace("dbo.scored", "dbo.warm"))  # warm up

def status(key):
    return int(next(l for l in open("/proc/self/status") if l.startswith(key)).split()[1]) // 1024

open("/proc/self/clear_refs", "w").write("5")
before = status("VmRSS")
results = pool.execute(query)
result = results[-1].to_pylist() if results else pool.execute("SELECT COUNT(*) AS n FROM dbo.scored")[-1].to_pylist()
peak = status("VmHWM")
print(json.dumps({{"peak_mib": peak - before, "result": result}}, default=str))
"""

QUERIES = {
    "aggregate": "SELECT COUNT(*) AS n, SUM(CAST(p.variable_out1 AS float)) AS s, MAX(LEN(p.note)) AS l",
    "into a table": "SELECT d.id, p.variable_out1 INTO dbo.scored",
}


def measure(tmp_path, rows: int, blob: bytes, select: str) -> dict:
    path = str(tmp_path / f"wide_{rows}.duckdb")
    run_in_new_process(SETUP.format(path=path, rows=rows, wide=WIDE, blob=blob.hex()))
    return run_in_new_process(MEASURE.format(path=path, batch=BATCH, select=select))


@pytest.mark.parametrize("kind", list(QUERIES))
def test_predict_memory_does_not_grow_with_the_table(tmp_path, fare_model, kind):
    small, large = 20_000, 160_000
    measured = {rows: measure(tmp_path, rows, fare_model, QUERIES[kind]) for rows in (small, large)}
    grown = measured[large]["peak_mib"] - measured[small]["peak_mib"]
    arrow_mib = (large - small) * WIDE / 2**20                 # what reading DATA whole would add
    assert grown < arrow_mib / 4, (measured, arrow_mib)
    if kind == "aggregate":
        result = measured[large]["result"][0]
        assert result["n"] == large and result["l"] == WIDE
        ids = np.arange(large)
        session = ort.InferenceSession(fare_model, providers=["CPUExecutionProvider"])
        expected = session.run(["variable_out1"], {
            "fareAmount": ((ids % 50) + 2.5).astype("float32").reshape(-1, 1),
            "tripDistance": ((ids % 17) + 0.5).astype("float32").reshape(-1, 1)})[0]
        assert result["s"] == pytest.approx(float(expected.astype("float64").sum()), rel=1e-6)


def test_batches_across_chunks_score_every_row_once(pool, fare_model, monkeypatch):
    """Small batches, a DATA table read in several DuckDB chunks, and every statement form."""
    from synhelpers.sqlpool.tsql import onnx_model
    monkeypatch.setattr(onnx_model, "BATCH_ROWS", 1000)
    pool.execute("CREATE TABLE dbo.t (id bigint, fareAmount real, tripDistance real)\nGO\n"
                 "CREATE TABLE dbo.models (ID nvarchar(100), model varbinary(max))")
    pool.con.execute('INSERT INTO "dbo"."t" SELECT range, (range % 50) + 2.5, (range % 17) + 0.5 '
                     "FROM range(5003)")
    pool.con.execute('INSERT INTO "dbo"."models" VALUES (?, ?)', ["fare:1", fare_model])
    ids = np.arange(5003)
    session = ort.InferenceSession(fare_model, providers=["CPUExecutionProvider"])
    expected = session.run(["variable_out1"], {
        "fareAmount": ((ids % 50) + 2.5).astype("float32").reshape(-1, 1),
        "tripDistance": ((ids % 17) + 0.5).astype("float32").reshape(-1, 1)})[0].ravel()
    predict = ("PREDICT(MODEL = (SELECT model FROM dbo.models WHERE ID = 'fare:1'), DATA = dbo.t AS d, "
               "RUNTIME = ONNX) WITH (variable_out1 real) AS p")
    selected = pool.execute(f"SELECT * FROM {predict}")[-1]
    assert selected.column_names == ["id", "fareAmount", "tripDistance", "variable_out1"]
    assert np.array_equal(np.asarray(selected.column("variable_out1"))[np.argsort(selected.column("id"))],
                          expected)
    pool.execute(f"SELECT d.id, p.variable_out1 INTO dbo.s FROM {predict}\nGO\n"
                 f"CREATE TABLE dbo.c WITH (HEAP) AS SELECT * FROM {predict}\nGO\n"
                 f"INSERT INTO dbo.s SELECT d.id + 10000, p.variable_out1 FROM {predict} WHERE d.id < 3")
    stored = pool.execute("SELECT id, variable_out1 FROM dbo.s ORDER BY id")[-1]
    assert stored.num_rows == 5006
    assert np.array_equal(np.asarray(stored.column("variable_out1"))[:5003], expected)
    assert pool.execute("SELECT COUNT(*) AS n FROM dbo.c")[-1].to_pylist() == [{"n": 5003}]
    empty = pool.execute(f"SELECT * FROM {predict} WHERE d.id < 0")[-1]
    assert empty.num_rows == 0 and empty.column_names[-1] == "variable_out1"
    from synhelpers.runtime.state import state_dir
    leftovers = list((state_dir() / "sqlpool-staging" / pool.name).glob("predict-*"))
    assert leftovers == []                                        # spilled batches are removed
