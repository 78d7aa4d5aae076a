"""DDL: Synapse CREATE TABLE options, declared T-SQL types, CTAS / SELECT INTO, views, DROP."""
from __future__ import annotations

import pytest

from synhelpers.exceptions import SqlPoolError, UnsupportedSqlError
from synhelpers.sqlpool.names import TableName

from pool_testing import MODEL_TABLE_DDL, TAXI_DDL


def dbo(name: str) -> TableName:
    return TableName("", "dbo", name)


def duck_types(pool, name: str) -> list[str]:
    rows = pool.con.execute("SELECT data_type FROM information_schema.columns WHERE table_schema = 'dbo' "
                            "AND table_name = ? ORDER BY ordinal_position", [name]).fetchall()
    return [r[0] for r in rows]


def test_create_table_records_the_declared_tsql_types(sql):
    sql.pool.execute(TAXI_DDL + "\nGO\n" + MODEL_TABLE_DDL)
    assert sql.pool.declared_columns(dbo("nyc_taxi")) == [
        ("tipped", "int"), ("fareAmount", "float"), ("paymentType", "int"), ("passengerCount", "int"),
        ("tripDistance", "float"), ("tripTimeSecs", "bigint"), ("pickupTimeBin", "nvarchar(30)")]
    assert duck_types(sql.pool, "nyc_taxi") == ["INTEGER", "DOUBLE", "INTEGER", "INTEGER", "DOUBLE",
                                               "BIGINT", "VARCHAR"]
    assert sql.pool.declared_columns(dbo("aml_models"))[4:8] == [
        ("created_time", "datetime2(7)"), ("created_by", "nvarchar(128)"), ("framework", "nvarchar(64)"),
        ("model", "varbinary(max)")]
    # IF NOT EXISTS (... sys.objects ...) makes the tutorial DDL re-runnable
    sql.pool.execute(TAXI_DDL)
    sql.assert_rows("SELECT COUNT(*) FROM sys.tables", [(2,)])


def test_table_options_and_constraints(sql):
    for ddl, declared in [
        ("CREATE TABLE a (x real, y float(24), z float(53), w tinyint) WITH (DISTRIBUTION = REPLICATE)",
         [("x", "real"), ("y", "real"), ("z", "float"), ("w", "tinyint")]),
        ("CREATE TABLE b (id int NOT NULL, v nvarchar(5) DEFAULT 'none') WITH (DISTRIBUTION = HASH(id), "
         "CLUSTERED COLUMNSTORE INDEX ORDER (id))", [("id", "int"), ("v", "nvarchar(5)")]),
        ("CREATE TABLE c (id int NOT NULL, CONSTRAINT pk PRIMARY KEY NONCLUSTERED (id) NOT ENFORCED) "
         "WITH (CLUSTERED INDEX (id), PARTITION (id RANGE RIGHT FOR VALUES (10, 20)))", [("id", "int")]),
        ("CREATE TABLE d (id int PRIMARY KEY NONCLUSTERED NOT ENFORCED, u int UNIQUE NOT ENFORCED)",
         [("id", "int"), ("u", "int")]),
        ("CREATE TABLE e ([Id] int IDENTITY(1,1), [Model] varbinary(max), [Description] varchar(200)) "
         "WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)",
         [("Id", "int"), ("Model", "varbinary(max)"), ("Description", "varchar(200)")]),
    ]:
        sql.pool.execute(ddl)
        assert sql.pool.declared_columns(dbo(ddl.split()[2])) == declared
    sql.assert_rows("INSERT INTO b (id) VALUES (1) SELECT v FROM b", [("none",)])
    # not enforced, as in Synapse
    sql.assert_rows("INSERT INTO c VALUES (1), (1) SELECT COUNT(*) FROM c", [(2,)])
    sql.assert_rows("INSERT INTO e (Description) VALUES ('a'), ('b') SELECT Id, Description FROM e ORDER BY Id",
                    [(1, "a"), (2, "b")])
    for ddl, error, match in [
        ("CREATE TABLE f (id int) WITH (DISTRIBUTION = HASH(nope))", SqlPoolError, "'nope' named in DISTRIBUTION"),
        ("CREATE TABLE f (id int) WITH (DISTRIBUTION = EVEN)", SqlPoolError, "DISTRIBUTION = EVEN is not valid"),
        ("CREATE TABLE f (id int) WITH (DISTRIBUTION = HASH)", SqlPoolError, "needs a column list"),
        ("CREATE TABLE f (id int PRIMARY KEY)", SqlPoolError, "NOT ENFORCED"),
        ("CREATE TABLE a (x int)", SqlPoolError, "There is already an object named 'a'"),
        ("CREATE TABLE nope.f (x int)", SqlPoolError, 'schema name "nope" either does not exist'),
        ("CREATE TABLE f (x int) WITH (LOCATION = 'abfss://x')", UnsupportedSqlError, "table option"),
    ]:
        sql.assert_raises(ddl, error, match)


def test_ctas_select_into_views_and_schemas(sql):
    sql.pool.execute("CREATE TABLE src (id bigint, f real, s nvarchar(10))\nGO\n"
                     "INSERT INTO src VALUES (1, 1.5, 'a'), (2, 2.5, 'b')")
    for tsql, expected in [
        ("CREATE TABLE c1 WITH (DISTRIBUTION = ROUND_ROBIN) AS SELECT id, f FROM src WHERE id > 1 "
         "SELECT * FROM c1", [(2, 2.5)]),
        ("SELECT id * 10 AS id10, s INTO dbo.c2 FROM src SELECT * FROM c2 ORDER BY id10", [(10, "a"), (20, "b")]),
        ("CREATE VIEW dbo.v AS SELECT s FROM src WHERE id = 1\nGO\nSELECT * FROM v", [("a",)]),
        ("CREATE OR ALTER VIEW dbo.v AS SELECT s FROM src WHERE id = 2\nGO\nSELECT * FROM v", [("b",)]),
        ("CREATE SCHEMA ml\nGO\nCREATE TABLE ml.t (a int)\nINSERT INTO ml.t VALUES (5)\nSELECT a FROM ml.t", [(5,)]),
    ]:
        sql.assert_rows(tsql, expected)
    # CTAS types are derived from the query: real stays real, bigint bigint
    assert sql.pool.declared_columns(dbo("c1")) == [("id", "bigint"), ("f", "real")]
    sql.assert_raises("SELECT id INTO c2 FROM src", SqlPoolError, "There is already an object named 'c2'")
    sql.assert_raises("CREATE VIEW v2 AS SELECT * FROM PREDICT(MODEL = 0x00, DATA = src, RUNTIME = ONNX) "
                      "WITH (x real)", UnsupportedSqlError, "views over PREDICT")


def test_drop_and_truncate(sql):
    sql.pool.execute("CREATE TABLE x (a int) CREATE TABLE #tmp (a int) CREATE VIEW vx AS SELECT 1 AS one")
    sql.pool.execute("INSERT INTO x VALUES (1) TRUNCATE TABLE x")
    sql.assert_rows("SELECT COUNT(*) FROM x", [(0,)])
    sql.pool.execute("DROP TABLE x DROP TABLE #tmp DROP VIEW vx DROP TABLE IF EXISTS x")
    sql.assert_rows("SELECT COUNT(*) FROM sys.objects", [(0,)])
    assert sql.pool.declared_columns(dbo("x")) == []
    for tsql, match in [
        ("DROP TABLE x", "Cannot drop the table 'x', because it does not exist"),
        ("DROP VIEW vx", "Cannot drop the view 'vx'"),
        ("TRUNCATE TABLE x", 'Cannot find the object "x"'),
        ("DROP INDEX ix ON x", "DROP INDEX"),
    ]:
        with pytest.raises((SqlPoolError, UnsupportedSqlError), match=match):
            sql.pool.execute(tsql)
