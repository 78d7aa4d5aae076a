"""03_load_sql_pool.ipynb under papermill: PySpark synapsesql and the tutorial's Scala cell."""
from __future__ import annotations

import json
import re

import pytest

from support import run_notebook, run_python

pytestmark = pytest.mark.notebooks

CREATE_TABLE = """
import json
from synhelpers.runtime import get_spark
from synhelpers.data import create_taxi_table
print(json.dumps(create_taxi_table(get_spark(), rows=2500, sample_rows=0)))
"""


def test_load_notebook_loads_every_row_twice_over_and_reruns_cleanly(kernel, tmp_path_factory,
                                                                      tmp_path):
    import duckdb
    notebook_state = tmp_path_factory.mktemp("load-state")    # keeps NYC_Taxi of the TLC sample
    created = run_python(CREATE_TABLE, notebook_state)
    rows = created["rows"]
    assert rows > 1000
    for _ in range(2):                       # a re-run gives the same result
        nb, exit_value = run_notebook("03_load_sql_pool.ipynb", {}, notebook_state, tmp_path, kernel)
        summary = json.loads(exit_value)
        assert summary == {"pool": "mlverifypool", "source_table": "NYC_Taxi", "rows": rows,
                           "mode": "overwrite",
                           "tables": {"dbo.NYC_Taxi": rows, "dbo.NYC_Taxi_spark": rows}}
        scala_cell = next(c for c in nb.cells if c.source.startswith("%%spark"))
        shown = "".join(o.get("text", "") for o in scala_cell.outputs)
        assert re.search(r"(?m)^(val )?df: org.apache.spark.sql.DataFrame = \[tipped: bigint", shown)
        assert re.search(r"(?m)^(val )?sql_pool_name: String = mlverifypool$", shown)

    # the pool's tables hold the Spark table's rows (read independently: the table's Parquet files)
    spark_files = str(notebook_state / "warehouse" / "nyc_taxi" / "*.parquet")
    con = duckdb.connect(str(notebook_state / "sqlpools" / "mlverifypool.duckdb"), read_only=True)
    try:
        aggregate = ("SELECT count(*), sum(tipped), sum(tripTimeSecs), sum(passengerCount), "
                     "count(DISTINCT pickupTimeBin), round(sum(fareAmount), 0) FROM {}")
        expected = con.execute(aggregate.format(f"read_parquet('{spark_files}')")).fetchall()
        for table in ('dbo."NYC_Taxi"', 'dbo."NYC_Taxi_spark"'):
            assert con.execute(aggregate.format(table)).fetchall() == expected
        types = con.execute("SELECT column_name, tsql_type FROM __synhelpers.columns WHERE "
                            "table_name = 'NYC_Taxi_spark' ORDER BY ordinal").fetchall()
    finally:
        con.close()
    assert expected[0][0] == rows
    assert dict(types) == {"tipped": "BIGINT", "fareAmount": "REAL", "paymentType": "BIGINT",
                           "passengerCount": "BIGINT", "tripDistance": "REAL",
                           "tripTimeSecs": "BIGINT", "pickupTimeBin": "NVARCHAR(4000)"}
