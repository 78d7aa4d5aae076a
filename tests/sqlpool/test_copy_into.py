"""COPY INTO from local CSV and Parquet files."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synhelpers.exceptions import SqlPoolError, UnsupportedSqlError

from pool_testing import TAXI_COLUMNS, load_taxi


def test_the_tutorial_copy_into_loads_every_row_with_its_types(sql, taxi, tmp_path):
    load_taxi(sql.pool, taxi, tmp_path)
    table = sql.pool.execute("SELECT * FROM dbo.nyc_taxi")[0]
    assert table.column_names == TAXI_COLUMNS
    assert [str(t) for t in table.schema.types] == ["int32", "double", "int32", "int32", "double", "int64", "string"]
    loaded = table.to_pandas()
    for column in TAXI_COLUMNS:
        assert loaded[column].tolist() == pytest.approx(taxi[column].tolist()) if column in (
            "fareAmount", "tripDistance") else loaded[column].tolist() == taxi[column].tolist(), column


def test_csv_options(sql, tmp_path):
    sql.pool.execute("CREATE TABLE t (id int, name nvarchar(20), flag bit, blob varbinary(max), note varchar(10) "
                     "NULL) WITH (HEAP)")
    (tmp_path / "semi.csv").write_text('junk\r\nid;name;flag;blob\r\n1;"a;b";true;0x0A0B\r\n2;"say ""hi""";0;FF\r\n')
    (tmp_path / "part1.csv").write_text("3|c\n")
    (tmp_path / "part2.csv").write_text("4|\n")
    for tsql, expected in [
        (f"COPY INTO t (id 1, name 2, flag 3, blob 4) FROM '{tmp_path / 'semi.csv'}' WITH (FILE_TYPE = 'CSV', "
         "FIELDTERMINATOR = ';', ROWTERMINATOR = '0x0D0A', FIRSTROW = 3)",
         [(1, "a;b", True, b"\x0a\x0b", None), (2, 'say "hi"', False, b"\xff", None)]),
        # ordinals pick fields; a column missing from the list gets NULL, DEFAULT replaces NULLs
        (f"COPY INTO t (name 2, id 1, note DEFAULT 'dflt' 2) FROM '{tmp_path / 'part*.csv'}' "
         "WITH (FIELDTERMINATOR = '|')", [(3, "c", None, None, "c"), (4, None, None, None, "dflt")]),
    ]:
        sql.pool.execute("TRUNCATE TABLE t\n" + tsql)
        assert sql.rows("SELECT id, name, flag, blob, note FROM t ORDER BY id") == expected


def test_parquet_maps_columns_by_name(sql, tmp_path):
    pq.write_table(pa.table({"b": ["x", "y"], "a": pa.array([1.5, 2.5], pa.float64()), "extra": [0, 0]}),
                   tmp_path / "f.parquet")
    sql.pool.execute("CREATE TABLE p (a real, b nvarchar(5), c int)")
    sql.pool.execute(f"COPY INTO p FROM 'file://{tmp_path / 'f.parquet'}' WITH (FILE_TYPE = 'PARQUET')")
    sql.assert_rows("SELECT a, b, c FROM p ORDER BY a", [(1.5, "x", None), (2.5, "y", None)])
    sql.pool.execute(f"COPY INTO p (b, a) FROM '{tmp_path / 'f.parquet'}' WITH (FILE_TYPE = 'PARQUET')")
    sql.assert_rows("SELECT COUNT(*) FROM p", [(4,)])


@pytest.mark.parametrize("tsql, error, match", [
    ("COPY INTO t FROM '{dir}/missing.csv'", SqlPoolError, "could not be opened"),
    ("COPY INTO missing FROM '{dir}/a.csv'", SqlPoolError, "Invalid object name"),
    ("COPY INTO t (nope 1) FROM '{dir}/a.csv'", SqlPoolError, r"\[nope\] is not a column"),
    ("COPY INTO t FROM 'https://acct.blob.core.windows.net/c/a.csv'", UnsupportedSqlError, "local files only"),
    ("COPY INTO t FROM 'abfss://c@acct.dfs.core.windows.net/a.csv'", UnsupportedSqlError, "local files only"),
    ("COPY INTO t FROM '{dir}/a.csv' WITH (FILE_TYPE = 'ORC')", UnsupportedSqlError, "FILE_TYPE = 'ORC'"),
    ("COPY INTO t FROM '{dir}/a.csv' WITH (MAXERRORS = 10)", UnsupportedSqlError, "MAXERRORS"),
    ("COPY INTO t FROM '{dir}/a.csv' WITH (DATEFORMAT = 'dmy')", UnsupportedSqlError, "DATEFORMAT"),
    ("COPY INTO t FROM '{dir}/a.csv' WITH (ENCODING = 'UTF16')", UnsupportedSqlError, "ENCODING"),
    ("COPY INTO t FROM '{dir}/bad.csv'", SqlPoolError, "Conversion failed|Could not convert"),
])
def test_copy_into_errors(sql, tmp_path, tsql, error, match):
    (tmp_path / "a.csv").write_text("1\n")
    (tmp_path / "bad.csv").write_text("one\n")
    sql.pool.execute("CREATE TABLE t (id int)")
    sql.assert_raises(tsql.format(dir=tmp_path), error, match)
    sql.assert_rows("SELECT COUNT(*) FROM t", [(0,)])
