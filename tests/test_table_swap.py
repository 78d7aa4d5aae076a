"""An overwrite never loses the old Spark table: a failed rename, and a real SIGKILL of a real
Spark process between the swap's steps, then the table read back (in a fresh process)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT, run_python

pytestmark = pytest.mark.slow

_WRITE = """
import json, os
from synhelpers.runtime import get_spark
from synhelpers.data.tables import save_table_atomically
spark = get_spark()
def write(label, rows):
    df = spark.createDataFrame([(i, label) for i in range(rows)], "id int, label string")
    return save_table_atomically(spark, df, "default.swapped")
"""

_READ = """
import json
from synhelpers.runtime import get_spark
from synhelpers.data.tables import swap_leftovers
spark = get_spark()
def state():
    names = sorted(t.name for t in spark.catalog.listTables("default"))
    rows = None
    if spark.catalog.tableExists("default.swapped"):
        rows = sorted(set(r.label for r in spark.table("default.swapped").collect()))
        rows = [rows, spark.table("default.swapped").count()]
    return {"tables": names, "swapped": rows,
            "leftovers": [list(x) for x in swap_leftovers(spark, "default", "swapped")]}
"""


def _killed_child(state: Path, point: str) -> subprocess.CompletedProcess:
    """Write 'old' (3 rows), then overwrite with 'new' (5 rows) dying at ``point``."""
    code = _WRITE + (f"write('old', 3)\nos.environ['SYNHELPERS_FAULT'] = '{point}:kill'\n"
                     "write('new', 5)\nprint('not killed')\n")
    env = {**os.environ, "SYNHELPERS_STATE_DIR": str(state)}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=300, cwd=str(ROOT))


@pytest.mark.once     # CI: pool profile only (setup.cfg)
def test_sigkill_after_the_old_table_is_set_aside_then_recover_restores_it(tmp_path):
    child = _killed_child(tmp_path, "tables.swap.retired")
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr[-2000:]
    # the clear command: what the killed run left is restored, staging dropped
    env = {**os.environ, "SYNHELPERS_STATE_DIR": str(tmp_path)}
    cli = subprocess.run([sys.executable, "-m", "synhelpers", "table", "recover",
                          "--table-name", "default.swapped"], env=env, capture_output=True,
                         text=True, timeout=300, cwd=str(ROOT))
    assert cli.returncode == 0, cli.stderr[-2000:]
    report = json.loads(cli.stdout[cli.stdout.index("{"):])
    assert report["table"] == "default.swapped" and report["restored"].startswith("swapped__retired_")
    assert [d.split("__")[1].split("_")[0] for d in report["dropped"]] == ["staging"]
    after = run_python(_READ + "print(json.dumps(state()))", tmp_path)
    assert after == {"tables": ["swapped"], "swapped": [["old"], 3], "leftovers": []}


@pytest.mark.once     # CI: pool profile only (setup.cfg)
def test_sigkill_after_the_new_table_is_placed_then_the_next_run_cleans_up(tmp_path):
    child = _killed_child(tmp_path, "tables.swap.placed")
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr[-2000:]
    code = (_WRITE + _READ + "before = state()\nwritten = write('next', 2)\n"
            "print(json.dumps({'before': before, 'written': written, 'after': state()}))")
    seen = run_python(code, tmp_path)
    assert seen["before"]["swapped"] == [["new"], 5]             # the new table was in place
    assert [kind for kind, _ in seen["before"]["leftovers"]] == ["retired"]
    assert seen["written"] == {"table": "default.swapped", "rows": 2}
    assert seen["after"] == {"tables": ["swapped"], "swapped": [["next"], 2], "leftovers": []}


@pytest.mark.once     # CI: pool profile only (setup.cfg)
def test_the_next_run_restores_first_so_its_own_failure_leaves_the_old_table(tmp_path):
    child = _killed_child(tmp_path, "tables.swap.retired")
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr[-2000:]
    code = (_WRITE + _READ + "from pyspark.sql import functions as F\nbefore = state()\n"
            "broken = spark.range(3).select(F.raise_error(F.lit('broken source')).alias('x'))\n"
            "try:\n    save_table_atomically(spark, broken, 'default.swapped')\n"
            "except Exception as exc:\n    error = type(exc).__name__ + ': ' + str(exc)[:300]\n"
            "print(json.dumps({'before': before, 'error': error, 'after': state()}))")
    seen = run_python(code, tmp_path)
    assert seen["before"]["swapped"] is None                    # the kill left no table...
    assert sorted(k for k, _ in seen["before"]["leftovers"]) == ["retired", "staging"]
    assert seen["error"].startswith("DatasetError: Writing table default.swapped failed")
    # ...the next run put the old one back before writing, and its own failure changed nothing
    assert seen["after"] == {"tables": ["swapped"], "swapped": [["old"], 3], "leftovers": []}


def test_a_rename_that_fails_leaves_the_old_table_in_place(spark, tmp_path):
    """A stray folder where the new table's data must go makes Spark refuse the rename."""
    from synhelpers.data.tables import save_table_atomically, swap_leftovers
    from synhelpers.exceptions import DatasetError
    spark.sql("DROP TABLE IF EXISTS default.renamed_fails")
    old = spark.createDataFrame([(1, "old"), (2, "old")], "id int, label string")
    old.write.option("path", str(tmp_path / "external")).saveAsTable("default.renamed_fails")
    warehouse = Path(spark.conf.get("spark.sql.warehouse.dir").replace("file:", ""))
    stray = warehouse / "renamed_fails"
    stray.mkdir(parents=True, exist_ok=True)
    (stray / "part-0.parquet").write_bytes(b"left by a crashed job")
    try:
        new = spark.createDataFrame([(9, "new")], "id int, label string")
        with pytest.raises(DatasetError, match=r"default\.renamed_fails.*previous table is "
                                               r"unchanged"):
            save_table_atomically(spark, new, "default.renamed_fails")
        assert sorted(r.label for r in spark.table("default.renamed_fails").collect()) == [
            "old", "old"]
        assert swap_leftovers(spark, "default", "renamed_fails") == []
    finally:
        shutil.rmtree(stray, ignore_errors=True)
        spark.sql("DROP TABLE IF EXISTS default.renamed_fails")
