"""The local pool's overwrite load survives a real SIGKILL mid-load: the process dies with the old
table dropped and the new rows inserted but not committed; the next process sees the old table."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from support import ROOT

_CHILD = """
import json, os, sys
import pyarrow as pa, pyarrow.parquet as pq
from synhelpers.sqlpool import LocalPool, parse_table_name
folder, step = sys.argv[1], sys.argv[2]
pool = LocalPool("killpool", path=os.path.join(folder, "pool.duckdb"))
table = parse_table_name("dbo.loaded")
def load(label, rows, columns):
    os.makedirs(pool.staging_dir, exist_ok=True)       # the only folder a load reads from
    path = os.path.join(str(pool.staging_dir), label + ".parquet")
    pq.write_table(pa.table({"id": list(range(rows)), "label": [label] * rows}), path)
    return pool.load_parquet(table, path, columns, mode="overwrite")
if step == "load":
    load("old", 3, [("id", "int"), ("label", "nvarchar(10)")])
    os.environ["SYNHELPERS_FAULT"] = "pool.load.inserted:kill"
    load("new", 5, [("id", "bigint"), ("label", "nvarchar(20)")])
    print("not killed")
else:
    rows = pool.con.execute('SELECT label, count(*) FROM dbo."loaded" GROUP BY label').fetchall()
    seen = {"rows": [list(r) for r in rows], "columns": pool.declared_columns(table),
            "tables": sorted(r[0] for r in pool.con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'dbo'"
            ).fetchall())}
    seen["next"] = load("next", 2, [("id", "int"), ("label", "nvarchar(10)")])["rows_in_table"]
    print(json.dumps(seen))
"""


def _child(folder, step):
    env = {**os.environ}
    env.pop("SYNHELPERS_FAULT", None)
    return subprocess.run([sys.executable, "-c", _CHILD, str(folder), step], env=env,
                          capture_output=True, text=True, timeout=120, cwd=str(ROOT))


def test_sigkill_inside_an_overwrite_load_leaves_the_old_table(tmp_path):
    killed = _child(tmp_path, "load")
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr[-2000:]
    assert (tmp_path / "pool.duckdb.wal").exists()          # it died with work in the log
    read = _child(tmp_path, "read")
    assert read.returncode == 0, read.stderr[-2000:]
    seen = json.loads(read.stdout.strip().splitlines()[-1])
    assert seen["rows"] == [["old", 3]] and seen["tables"] == ["loaded"]
    assert seen["columns"] == [["id", "int"], ["label", "nvarchar(10)"]]
    assert seen["next"] == 2                                  # and the pool takes the next load
