"""The Synapse dialect: what parses (and prints back), and parse errors with line and column."""
from __future__ import annotations

import pytest
from sqlglot import exp

from synhelpers.exceptions import SqlParseError
from synhelpers.sqlpool.tsql.dialect import SynapseTSQL, parse_batch
from synhelpers.sqlpool.tsql.nodes import CopyInto, Predict, Procedure, TableOption


def assert_parses(tsql: str, write: str | None = None, kind: type = exp.Expr) -> exp.Expr:
    """Like sqlglot's validate_identity: one statement, of ``kind``, printing back as ``write``."""
    statements = parse_batch(tsql)
    assert len(statements) == 1, statements
    assert isinstance(statements[0], kind), type(statements[0])
    assert statements[0].sql(SynapseTSQL) == (write or tsql)
    return statements[0]


def test_predict():
    for tsql, write in [
        ("SELECT * FROM PREDICT(MODEL = @model, DATA = dbo.mytable AS d, RUNTIME = ONNX) WITH (Score FLOAT) AS p", None),
        ("SELECT d.*, p.Score FROM PREDICT(MODEL = (SELECT test_model FROM scoring_model WHERE model_id = 1), "
         "DATA = dbo.mytable AS d, RUNTIME = ONNX) WITH (Score FLOAT) AS p", None),
        ("SELECT * FROM PREDICT (MODEL = 0x0A0B, DATA = [dbo].[#nyc_taxi], RUNTIME = ONNX) WITH ([output_label] [bigint])",
         "SELECT * FROM PREDICT(MODEL = 0x0A0B, DATA = [dbo].[#nyc_taxi], RUNTIME = ONNX) WITH ([output_label] BIGINT)"),
        ("SELECT * FROM PREDICT(MODEL = @m, DATA = t) WITH (x real NOT NULL, y nvarchar(10) NULL)",
         "SELECT * FROM PREDICT(MODEL = @m, DATA = t) WITH (x REAL NOT NULL, y NVARCHAR(10) NULL)"),
        ("SELECT * FROM PREDICT(MODEL = @m, DATA = t, RUNTIME = ONNX) WITH (s REAL) AS p JOIN u ON u.id = p.id", None),
    ]:
        tree = assert_parses(tsql, write)
        assert tree.find(Predict) is not None


def test_table_options_and_types():
    for tsql, write in [
        ("CREATE TABLE t (a INT) WITH (HEAP, DISTRIBUTION = ROUND_ROBIN)", None),
        ("CREATE TABLE t (a INT) WITH (DISTRIBUTION = REPLICATE, CLUSTERED INDEX (a DESC))", None),
        ("CREATE TABLE t (a int) WITH (DISTRIBUTION = HASH(a), CLUSTERED COLUMNSTORE INDEX ORDER (a))",
         "CREATE TABLE t (a INT) WITH (DISTRIBUTION = HASH(a), CLUSTERED COLUMNSTORE INDEX ORDER (a))"),
        # float is 8 bytes, real 4 (stock sqlglot reads both as 4-byte FLOAT); float(n<=24) is real
        ("CREATE TABLE t (b float, c real, d float(24), e float(53), f nvarchar(30), g varbinary(max))",
         "CREATE TABLE t (b FLOAT, c REAL, d REAL, e FLOAT, f NVARCHAR(30), g VARBINARY(MAX))"),
        ("CREATE TABLE t (id INT NOT NULL, CONSTRAINT pk PRIMARY KEY NONCLUSTERED (id) NOT ENFORCED)",
         "CREATE TABLE t (id INT NOT NULL, CONSTRAINT pk PRIMARY KEY (id) NOT ENFORCED)"),
    ]:
        assert_parses(tsql, write, exp.Create)
    tree = parse_batch("CREATE TABLE t (a int) WITH (DISTRIBUTION = HASH(a), CLUSTERED COLUMNSTORE INDEX)")[0]
    options = [o for o in tree.find_all(TableOption)]
    assert [(o.name, o.args.get("value") and o.args["value"].name) for o in options] == [
        ("DISTRIBUTION", "HASH"), ("CLUSTERED COLUMNSTORE INDEX", None)]
    cast = parse_batch("SELECT CAST(x AS float), CAST(x AS [real])")[0]
    assert [c.to.this for c in cast.find_all(exp.Cast)] == [exp.DType.DOUBLE, exp.DType.FLOAT]


def test_copy_into():
    tree = assert_parses(
        "COPY INTO dbo.t (a 1, b DEFAULT 'x' 3) FROM '/tmp/a.csv', '/tmp/b.csv' WITH (FILE_TYPE = 'CSV', "
        "FIRSTROW = 2, CREDENTIAL = (IDENTITY = 'Shared Access Signature', SECRET = 'x'))",
        "COPY INTO dbo.t (a 1, b DEFAULT 'x' 3) FROM '/tmp/a.csv', '/tmp/b.csv' WITH (FILE_TYPE='CSV', "
        "FIRSTROW=2, CREDENTIAL=(IDENTITY='Shared Access Signature', SECRET='x'))", CopyInto)
    assert [c.args["ordinal"].name for c in tree.args["columns"]] == ["1", "3"]


def test_control_flow_without_semicolons():
    for tsql, write, kind in [
        ("IF OBJECT_ID('dbo.t') IS NOT NULL DROP TABLE dbo.t ELSE PRINT 'none'",
         "IF NOT OBJECT_ID('dbo.t') IS NULL\nDROP TABLE dbo.t\nELSE\nPRINT 'none'", exp.IfBlock),
        ("WHILE @i < 3 BEGIN SET @i = @i + 1 IF @i = 2 BREAK END",
         "WHILE @i < 3\nBEGIN\nSET @i = @i + 1;\nIF @i = 2\nBREAK;\nEND", exp.WhileBlock),
        ("CREATE OR ALTER PROCEDURE dbo.p @a INT = 1 AS BEGIN SELECT @a RETURN END",
         "CREATE OR ALTER PROCEDURE dbo.p @a INT = 1\nAS\nBEGIN\nSELECT @a;\nRETURN;\nEND", Procedure),
        ("EXEC dbo.p @a = 2", "EXECUTE dbo.p @a = 2", exp.Execute),
        ("THROW 50001, 'bad input', 1", None, exp.Expr),
        ("DECLARE @model VARBINARY(MAX) = (SELECT model FROM m WHERE id = 1)", None, exp.Declare),
        ("SELECT TOP (5) a FROM t ORDER BY a", "SELECT TOP 5 a FROM t ORDER BY a", exp.Select),
        ("SELECT a INTO #t FROM t", None, exp.Select),
    ]:
        assert_parses(tsql, write, kind)


@pytest.mark.parametrize("script, kinds", [
    # T-SQL needs no ';': a statement ends where its grammar ends; END/ELSE are never aliases
    ("SELECT 1 SELECT 2", ["Select", "Select"]),
    ("DECLARE @x int = 1 SET @x = 2 SELECT @x", ["Declare", "Set", "Select"]),
    ("BEGIN SELECT 1 END", ["Block"]),
    ("IF 1 = 1 SELECT 1 ELSE SELECT 2 SELECT 3", ["IfBlock", "Select"]),
    ("SELECT * FROM t WITH (NOLOCK) SELECT x FROM t t2 WHERE a = 1", ["Select", "Select"]),
    ("INSERT INTO t VALUES (1) UPDATE t SET a = 2 DELETE FROM t WHERE a = 3", ["Insert", "Update", "Delete"]),
    ("SELECT CASE WHEN a = 1 THEN 'x' ELSE 'y' END AS c FROM t PRINT 'done'", ["Select", "Print"]),
    ("CREATE TABLE t (a int) WITH (HEAP) CREATE TABLE u (b int)", ["Create", "Create"]),
    ("CREATE TABLE t (a int) COPY INTO t FROM 'x.csv' SELECT 1", ["Create", "CopyInto", "Select"]),
    ("WITH c AS (SELECT 1 AS a) SELECT * FROM c; WITH d AS (SELECT 2 AS b) SELECT * FROM d", ["Select", "Select"]),
    ("DELETE TOP (5) FROM t SELECT 1", ["Command", "Select"]),   # refused at run time, not swallowed
])
def test_statement_boundaries(script, kinds):
    assert [type(s).__name__ for s in parse_batch(script)] == kinds


@pytest.mark.parametrize("script, line, col, message", [
    ("SELECT 1\nSELECT FROM WHERE", 2, None, "Parse error at line 2"),
    ("SELECT 1 END", 1, 12, "no BEGIN to close"),     # sqlglot reports the column a token ends on
    ("BEGIN\nSELECT 1", 2, None, "Expecting END"),
    ("SELECT 1\nCREATE PROCEDURE p AS SELECT 1", 2, 6, "must be the first statement"),
    ("SELECT * FROM PREDICT(MODEL = @m, DATA = (SELECT 1 AS a), RUNTIME = ONNX) WITH (s real)", 1, None,
     "subquery is not allowed"),
    ("SELECT * FROM PREDICT(MODEL = @m, DATA = t, RUNTIME = ONNX)", 1, None, "needs WITH"),
    ("SELECT * FROM PREDICT(MODEL = @m, DATA = t, FOO = 1) WITH (s real)", 1, None, "Incorrect syntax near 'FOO'"),
    ("DECLARE @x int = 1\nWITH c AS (SELECT 1 AS a) SELECT * FROM c", 2, 4, "previous statement must be terminated"),
    ("SELECT 1 WITH c AS (SELECT 1 AS a) SELECT * FROM c", 1, 13, "previous statement must be terminated"),
])
def test_parse_errors_name_line_and_column(script, line, col, message):
    with pytest.raises(SqlParseError, match=message) as info:
        parse_batch(script, line_offset=0)
    error = info.value.errors[0]
    assert error["line"] == line
    if col is not None:
        assert error["col"] == col


def test_parse_error_lines_count_from_the_script(pool):
    with pytest.raises(SqlParseError, match="line 5") as info:
        pool.execute("SELECT 1\nGO\n\nSELECT 2\nSELECT FROM WHERE\nGO")
    assert info.value.errors[0]["line"] == 5
    assert "SELECT FROM WHERE" in info.value.errors[0]["statement"]
