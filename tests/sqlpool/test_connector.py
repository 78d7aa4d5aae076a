"""The connector's PySpark API against the local pool: real Spark, real DuckDB.

Every test uses its own pool (a DuckDB file in the session's state directory).
"""
from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid

import pytest

from synhelpers.exceptions import (ConfigError, MissingDependencyError, SqlPoolError,
                                   UnsupportedSqlError)
from synhelpers.sqlpool import get_pool, parse_table_name
from synhelpers.sqlpool.connector import (Constants, drop_table_if_exists, enable_connector,
                                          pool_row_counts)

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def C(spark):
    return enable_connector(spark)


@pytest.fixture
def pool():
    return get_pool(f"p{uuid.uuid4().hex[:10]}")


def rows_of(pool, table: str) -> list[tuple]:
    name = parse_table_name(table)
    return sorted(pool.con.execute(f'SELECT * FROM "{name.schema}"."{name.table}"').fetchall())


def people(spark, n: int, offset: int = 0):
    return spark.createDataFrame([(i + offset, f"name {i + offset}") for i in range(n)],
                                 "id bigint, name string")


def staging_left(pool) -> list:
    from synhelpers.runtime.state import state_dir
    folder = state_dir() / "sqlpool-staging" / pool.name
    return list(folder.iterdir()) if folder.exists() else []


def test_enable_connector_returns_the_local_constants(C):
    assert C is Constants and C.INTERNAL == "internal" and C.EXTERNAL == "external"
    for name in ("SERVER", "USER", "PASSWORD", "DATABASE", "QUERY", "TEMP_FOLDER", "DATA_SOURCE"):
        assert isinstance(getattr(C, name), str)


def test_default_mode_creates_the_table_then_refuses_to_overwrite_it(spark, C, pool):
    table = f"{pool.name}.dbo.People"
    people(spark, 5).write.synapsesql(table)
    assert pool_row_counts(pool.name, ["dbo.People"]) == {"dbo.People": 5}
    with pytest.raises(SqlPoolError, match=rf"Table {pool.name}\.dbo\.People already exists"):
        people(spark, 2, 100).write.synapsesql(table)
    with pytest.raises(SqlPoolError, match="already exists"):
        people(spark, 2, 100).write.mode("error").synapsesql(table)
    assert [r[0] for r in rows_of(pool, "dbo.People")] == [0, 1, 2, 3, 4]
    assert not staging_left(pool)


def test_ignore_leaves_an_existing_table_untouched_and_creates_a_missing_one(spark, C, pool):
    people(spark, 3).write.synapsesql(f"{pool.name}.dbo.T")
    before = rows_of(pool, "dbo.T")
    people(spark, 7, 50).write.mode("ignore").synapsesql(f"{pool.name}.dbo.T")
    assert rows_of(pool, "dbo.T") == before
    people(spark, 7).write.mode("ignore").synapsesql(f"{pool.name}.dbo.New")
    assert pool_row_counts(pool.name, ["dbo.New"]) == {"dbo.New": 7}


def test_overwrite_replaces_rows_and_columns(spark, C, pool):
    people(spark, 4).write.synapsesql(f"{pool.name}.dbo.T")
    other = spark.createDataFrame([(1.5,), (2.5,)], "score double")
    other.write.mode("overwrite").synapsesql(f"{pool.name}.dbo.T")
    assert rows_of(pool, "dbo.T") == [(1.5,), (2.5,)]
    assert pool.declared_columns(parse_table_name("dbo.T")) == [("score", "FLOAT")]


def test_append_adds_rows(spark, C, pool):
    people(spark, 4).write.synapsesql(f"{pool.name}.dbo.T")
    people(spark, 6, 4).write.mode("append").synapsesql(f"{pool.name}.dbo.T")
    assert [r[0] for r in rows_of(pool, "dbo.T")] == list(range(10))
    people(spark, 2).write.mode("append").synapsesql(f"{pool.name}.sales.Fresh")   # new schema too
    assert pool_row_counts(pool.name, ["sales.Fresh"]) == {"sales.Fresh": 2}


def test_an_empty_dataframe_creates_an_empty_table(spark, C, pool):
    people(spark, 0).write.synapsesql(f"{pool.name}.dbo.Empty")
    assert pool_row_counts(pool.name, ["dbo.Empty"]) == {"dbo.Empty": 0}
    assert [c for c, _ in pool.declared_columns(parse_table_name("dbo.Empty"))] == ["id", "name"]


@pytest.mark.parametrize("chain, expected", [
    (lambda w: w, "errorifexists"),
    (lambda w: w.mode("append"), "append"),
    (lambda w: w.mode("OVERWRITE"), "overwrite"),
    (lambda w: w.mode("ignore"), "ignore"),
    (lambda w: w.mode("error"), "errorifexists"),
    (lambda w: w.mode("overwrite").format("parquet").option("k", "v").mode("append"), "append"),
])
def test_the_save_mode_is_read_from_the_jvm_writer(spark, chain, expected):
    from synhelpers.sqlpool.connector_local import save_mode, writer_dataframe
    writer = chain(spark.range(3).write)
    assert save_mode(writer._jwrite) == expected
    assert writer_dataframe(writer._jwrite, spark).count() == 3


def test_types_are_mapped_as_the_connector_maps_them(spark, C, pool):
    df = spark.sql("""SELECT CAST(1 AS BIGINT) AS b, CAST(2 AS INT) AS i, CAST(3 AS SMALLINT) AS s,
        CAST(1.25 AS FLOAT) AS f, CAST(2.5 AS DOUBLE) AS d, 'héllo' AS txt, true AS flag,
        CAST(12.34 AS DECIMAL(10,2)) AS amount, DATE'2018-05-01' AS day,
        TIMESTAMP'2018-05-01 10:11:12' AS ts, X'CAFE' AS raw""")
    df.write.synapsesql(f"{pool.name}.dbo.Typed")
    declared = dict(pool.declared_columns(parse_table_name("dbo.Typed")))
    assert declared == {"b": "BIGINT", "i": "INT", "s": "SMALLINT", "f": "REAL", "d": "FLOAT",
                        "txt": "NVARCHAR(4000)", "flag": "BIT", "amount": "DECIMAL(10,2)",
                        "day": "DATE", "ts": "DATETIME2", "raw": "VARBINARY(MAX)"}
    duck = dict(pool.con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'Typed'").fetchall())
    assert duck["f"] == "FLOAT" and duck["d"] == "DOUBLE" and duck["txt"] == "VARCHAR"
    assert rows_of(pool, "dbo.Typed") == [(1, 2, 3, 1.25, 2.5, "héllo", True,
                                           decimal.Decimal("12.34"), dt.date(2018, 5, 1),
                                           dt.datetime(2018, 5, 1, 10, 11, 12), b"\xca\xfe")]
    back = spark.read.synapsesql(f"{pool.name}.dbo.Typed")            # the round trip
    assert back.schema.simpleString() == df.schema.simpleString()
    assert back.collect() == df.collect()


def test_a_dataframe_failing_midway_leaves_the_previous_table_as_it_was(spark, C, pool):
    people(spark, 5).write.synapsesql(f"{pool.name}.dbo.T")
    before = rows_of(pool, "dbo.T")
    failing = spark.range(1000).selectExpr(
        "id", "CASE WHEN id = 777 THEN raise_error('row 777 is bad') ELSE 'ok' END AS name")
    with pytest.raises(SqlPoolError, match=r"dbo\.T .*while staging.*unchanged.*row 777 is bad"):
        failing.repartition(4).write.mode("overwrite").synapsesql(f"{pool.name}.dbo.T")
    assert rows_of(pool, "dbo.T") == before
    assert not staging_left(pool)


def test_a_load_failing_in_the_pool_rolls_back(spark, C, pool):
    people(spark, 5).write.synapsesql(f"{pool.name}.dbo.T")
    before = rows_of(pool, "dbo.T")
    bad = spark.createDataFrame([(None, "x"), ("not a number", "y")], "id string, name string")
    with pytest.raises(SqlPoolError, match=r"dbo\.T .*while loading.*rolled back.*unchanged"):
        bad.write.mode("append").synapsesql(f"{pool.name}.dbo.T")
    assert rows_of(pool, "dbo.T") == before
    assert not staging_left(pool)


def test_a_staged_count_mismatch_loads_nothing(spark, tmp_path, pool):
    staged = pool.staging_dir / f"test-{uuid.uuid4().hex}"          # where the connector stages
    people(spark, 3).write.parquet(str(staged))
    table = parse_table_name("dbo.T")
    with pytest.raises(SqlPoolError, match="holds 3 rows, expected 4"):
        pool.load_parquet(table, str(staged / "*.parquet"),
                          [("id", "BIGINT"), ("name", "NVARCHAR(4000)")], "overwrite", 4)
    assert not pool.table_exists(table)


def test_hostile_names_are_quoted_or_refused(spark, C, pool):
    people(spark, 2).write.synapsesql(f"{pool.name}.dbo.victim")
    hostile = 'x]; DROP TABLE dbo.victim; --'
    people(spark, 3).write.synapsesql(f"{pool.name}.dbo.[{hostile.replace(']', ']]')}]")
    assert pool_row_counts(pool.name, ["dbo.victim", f"dbo.[{hostile.replace(']', ']]')}]"]) == {
        "dbo.victim": 2, f"dbo.{hostile}": 3}
    with pytest.raises(ConfigError, match="is not a table name"):
        people(spark, 1).write.synapsesql(f"{pool.name}.dbo.{hostile}")
    with pytest.raises(ConfigError, match="not a valid SQL pool name"):
        people(spark, 1).write.synapsesql("[p; DROP TABLE x; --].dbo.t")
    odd = spark.createDataFrame([(1,)], ['a"; DROP TABLE dbo.victim; --'])
    odd.write.synapsesql(f"{pool.name}.dbo.Odd")
    assert pool.declared_columns(parse_table_name("dbo.Odd"))[0][0] == 'a"; DROP TABLE dbo.victim; --'
    assert pool.table_exists(parse_table_name("dbo.victim"))


def test_names_errors_and_external_tables(spark, C, pool):
    df = people(spark, 1)
    with pytest.raises(ConfigError, match="must name the pool"):
        df.write.synapsesql("dbo.T")
    with pytest.raises(UnsupportedSqlError, match="external tables are not supported by the local pool"):
        df.write.synapsesql(f"{pool.name}.dbo.T", C.EXTERNAL)
    with pytest.raises(UnsupportedSqlError, match=r"Column 'tags' .* array<string>"):
        spark.sql("SELECT array('a') AS tags").write.synapsesql(f"{pool.name}.dbo.T")
    with pytest.raises(ConfigError, match="differ only by case"):
        spark.sql("SELECT 1 AS a, 2 AS A").write.synapsesql(f"{pool.name}.dbo.T")
    assert not pool.table_exists(parse_table_name("dbo.T")) and not staging_left(pool)


def test_query_reads(spark, C, pool):
    people(spark, 6).write.synapsesql(f"{pool.name}.dbo.P")
    query = "SELECT TOP 2 id, name FROM dbo.P WHERE id >= 3 ORDER BY id"
    by_option = spark.read.option(C.DATABASE, pool.name).option(C.QUERY, query).synapsesql()
    assert [tuple(r) for r in by_option.collect()] == [(3, "name 3"), (4, "name 4")]
    inline = spark.read.option(C.DATABASE, pool.name).synapsesql(
        "select count(*) as n from dbo.P")
    assert inline.collect()[0]["n"] == 6
    with pytest.raises(ConfigError, match="needs the pool"):
        spark.read.synapsesql("SELECT 1 AS one")
    with pytest.raises(UnsupportedSqlError, match="one SELECT"):
        spark.read.option(C.DATABASE, pool.name).option(C.QUERY, "DELETE FROM dbo.P").synapsesql()
    with pytest.raises(UnsupportedSqlError, match="one SELECT"):
        spark.read.option(C.DATABASE, pool.name).option(C.QUERY, "SELECT * INTO dbo.Q FROM dbo.P").synapsesql()
    with pytest.raises(UnsupportedSqlError, match="PREDICT in a connector query"):
        spark.read.option(C.DATABASE, pool.name).option(
            C.QUERY, "SELECT * FROM PREDICT(MODEL = 0x00, DATA = dbo.P, RUNTIME = ONNX) WITH (y real) AS p"
        ).synapsesql()
    assert pool_row_counts(pool.name, ["dbo.P"]) == {"dbo.P": 6}
    assert not pool.table_exists(parse_table_name("dbo.Q"))


def test_reads_are_bounded_and_name_missing_tables(spark, C, pool):
    people(spark, 5).write.synapsesql(f"{pool.name}.dbo.P")
    spark.conf.set("spark.synhelpers.sqlpool.readMaxRows", "4")
    try:
        with pytest.raises(SqlPoolError, match="5 rows, more than the local read bound of 4"):
            spark.read.synapsesql(f"{pool.name}.dbo.P")
    finally:
        spark.conf.unset("spark.synhelpers.sqlpool.readMaxRows")
    assert spark.read.synapsesql(f"{pool.name}.dbo.P").count() == 5
    with pytest.raises(SqlPoolError, match=rf"Table {pool.name}\.dbo\.Nope does not exist"):
        spark.read.synapsesql(f"{pool.name}.dbo.Nope")


def test_drop_table_if_exists_and_counts(spark, C, pool):
    people(spark, 2).write.synapsesql(f"{pool.name}.dbo.T")
    assert drop_table_if_exists(f"{pool.name}.dbo.T") is True
    assert drop_table_if_exists(f"{pool.name}.dbo.T") is False
    assert pool.declared_columns(parse_table_name("dbo.T")) == []
    with pytest.raises(SqlPoolError, match="does not exist"):
        pool_row_counts(pool.name, ["dbo.T"])
    people(spark, 2).write.synapsesql(f"{pool.name}.dbo.T")         # the default mode works again


def test_in_synapse_without_the_connector_the_error_says_so(monkeypatch):
    monkeypatch.setenv("SYNHELPERS_RUNTIME", "synapse")
    with pytest.raises(MissingDependencyError, match="com.microsoft.spark.sqlanalytics"):
        enable_connector()


def test_query_reads_see_pool_tables_only_never_host_files(spark, C, pool, tmp_path):
    people(spark, 2).write.synapsesql(f"{pool.name}.dbo.P")
    (tmp_path / "s.csv").write_text("secret\nhunter2\n")
    path = str(tmp_path / "s.csv")
    reader = spark.read.option(C.DATABASE, pool.name)
    for query, name in [(f"SELECT * FROM read_csv('{path}')", "read_csv"),
                        ("SELECT * FROM read_text('/etc/passwd')", "read_text"),
                        (f"SELECT * FROM [{path}]", path),
                        ("SELECT * FROM [https://example.com/x.csv]", "https://example.com/x.csv"),
                        (f"SELECT * FROM (WITH [{path}] AS (SELECT 1 AS a) SELECT * FROM [{path}]) q "
                         f"CROSS JOIN [{path}]", path),
                        ("SELECT * FROM dbo.P CROSS JOIN read_json_auto('/etc/passwd')", "read_json_auto")]:
        with pytest.raises(SqlPoolError, match=rf"(?i)Invalid object name '(dbo\.)?{re.escape(name)}'") as error:
            reader.option(C.QUERY, query).synapsesql().collect()
        assert "hunter2" not in str(error.value)
    # T-SQL over the pool's own tables still reads, with its names and views
    rows = reader.synapsesql("SELECT TOP 1 name FROM dbo.P WHERE name LIKE N'name%' ORDER BY id")
    assert [tuple(r) for r in rows.collect()] == [("name 0",)]
    tables = reader.option(C.QUERY, "SELECT name FROM sys.tables").synapsesql().collect()
    assert [r["name"] for r in tables] == ["P"]


@pytest.mark.parametrize("name", ["new\nline", "cr\rreturn", "nul\x00byte", "l" * 300])
def test_names_a_pool_cannot_hold_are_refused_before_any_job(spark, C, pool, name):
    with pytest.raises(ConfigError, match="table_name"):
        people(spark, 1).write.synapsesql(f"{pool.name}.dbo.[{name}]")
    odd = spark.createDataFrame([(1,)], [name])
    with pytest.raises(ConfigError, match="Column .* control character|Column .* 128"):
        odd.write.synapsesql(f"{pool.name}.dbo.Odd")
    assert not pool.table_exists(parse_table_name("dbo.Odd")) and not staging_left(pool)
