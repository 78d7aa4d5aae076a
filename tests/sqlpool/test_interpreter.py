"""The interpreter: variables, control flow, temp tables, DML, system views, procedures, refusals."""
from __future__ import annotations

import json
import textwrap

import pytest

from synhelpers.exceptions import SqlParseError, SqlPoolError, UnsupportedSqlError
from synhelpers.sqlpool import LocalPool

from pool_testing import run_in_new_process

SETUP = """CREATE TABLE dbo.t (id int NOT NULL, name nvarchar(20), score real) WITH (DISTRIBUTION = HASH(id), HEAP)
GO
INSERT INTO dbo.t VALUES (1, 'one', 1.5), (2, 'two', 2.5), (3, 'Three', NULL)"""


@pytest.fixture
def t(sql):
    sql.pool.execute(SETUP)
    return sql


def test_variables(t):
    for tsql, expected in [
        ("DECLARE @x int = 5 SELECT @x / 2 AS half", [(2,)]),                       # integer division
        ("DECLARE @x int; SET @x = 7; SELECT @x + 1", [(8,)]),
        ("DECLARE @a int = 1, @b varchar(5) = 'abcdefg' SELECT @a, @b", [(1, "abcde")]),
        ("DECLARE @s varchar = 'abc' SELECT @s", [("a",)]),                         # varchar alone: 1 char
        ("DECLARE @r real = 1.25 SELECT @r * 2", [(2.5,)]),
        ("DECLARE @n int SELECT @n", [(None,)]),
        ("DECLARE @m int = (SELECT MAX(id) FROM t) SELECT @m", [(3,)]),
        ("DECLARE @n nvarchar(20) SELECT @n = name FROM t WHERE id = 2 SELECT @n", [("two",)]),
        ("DECLARE @a int, @b nvarchar(20) SELECT @a = id, @b = name FROM t ORDER BY id SELECT @a, @b",
         [(3, "Three")]),                                                            # last row wins
        ("DECLARE @k int = 2 SELECT name FROM t WHERE id = @k", [("two",)]),
        ("DECLARE @b varbinary(max) = 0x0A0B SELECT @b", [(b"\x0a\x0b",)]),
        ("UPDATE t SET score = 0 WHERE id < 3 SELECT @@ROWCOUNT", [(2,)]),
        ("DECLARE @x int = 1\nGO\nDECLARE @x int = 2 SELECT @x", [(2,)]),            # batch scoped
    ]:
        t.assert_rows(tsql, expected)
    t.assert_raises("SELECT @nope", SqlPoolError, 'Must declare the scalar variable "@nope"')
    t.assert_raises("DECLARE @x int = 1\nGO\nSELECT @x", SqlPoolError, 'Must declare the scalar variable "@x"')


def test_tsql_semantics(t):
    for tsql, expected in [
        ("SELECT COUNT(*) FROM t WHERE name = 'THREE'", [(1,)]),                      # CI collation
        ("SELECT CAST('abcdefghijklmnopqrstuvwxyz0123456789' AS varchar)", [("abcdefghijklmnopqrstuvwxyz0123",)]),
        ("SELECT CAST('abcdef' AS varchar(3)), CAST('abcdef' AS nvarchar(max))", [("abc", "abcdef")]),
        ("SELECT CONVERT(varchar(2), 'xyz')", [("xy",)]),
        ("SELECT LEN('ab  '), 'a' + 'b', 7 / 2, 7.0 / 2", [(2, "ab", 3, 3.5)]),
        ("SELECT ISNULL(score, -1) FROM t WHERE id = 3", [(-1.0,)]),
        ("SELECT IIF(id > 1, 'big', 'small') FROM t ORDER BY id", [("small",), ("big",), ("big",)]),
        ("SELECT COUNT_BIG(*) AS n FROM [dbo].[t]", [(3,)]),
        ("SELECT name FROM t WITH (NOLOCK) WHERE id = 1 OPTION (LABEL = 'x')", [("one",)]),
        ("SELECT id FROM t ORDER BY score", [(3,), (1,), (2,)]),                      # NULLs first
    ]:
        t.assert_rows(tsql, expected)
    t.assert_raises("SELECT CONVERT(int, name) FROM t", SqlPoolError, "Conversion failed|Could not convert")


def test_control_flow(t):
    for tsql, expected in [
        ("IF 1 = 1 SELECT 'yes' ELSE SELECT 'no'", [("yes",)]),
        ("IF EXISTS (SELECT * FROM t WHERE id = 9) SELECT 'yes' ELSE SELECT 'no'", [("no",)]),
        ("IF (SELECT COUNT(*) FROM t) > 2 BEGIN SELECT 'many' END", [("many",)]),
        ("IF NULL = NULL SELECT 'true' ELSE SELECT 'unknown is false'", [("unknown is false",)]),
        ("DECLARE @i int = 0, @s int = 0 WHILE @i < 5 BEGIN SET @i = @i + 1 IF @i = 2 CONTINUE "
         "IF @i = 4 BREAK SET @s = @s + @i END SELECT @i, @s", [(4, 4)]),
        ("IF 1 = 1 BEGIN SELECT 1 RETURN SELECT 2 END", [(1,)]),
        ("PRINT 'hello' SELECT 'after print'", [("after print",)]),
    ]:
        t.assert_rows(tsql, expected)
    assert t.results("IF 1 = 0 SELECT 1") == []
    assert t.results("SELECT 1 AS a\nGO\nSELECT 2 AS b UNION ALL SELECT 3") == [[(1,)], [(2,), (3,)]]
    t.assert_raises("THROW 50001, 'bad input', 1", SqlPoolError, "Msg 50001, Level 16: bad input")
    t.assert_raises("RAISERROR('custom failure', 16, 1)", SqlPoolError, "custom failure")


def test_top_and_temp_tables(t, tmp_path):
    for tsql, expected in [
        ("SELECT TOP (2) id FROM t ORDER BY id DESC", [(3,), (2,)]),
        ("SELECT TOP 1 name FROM dbo.t ORDER BY id", [("one",)]),
        ("SELECT id, name INTO #small FROM t WHERE id < 3 SELECT * FROM #small ORDER BY id",
         [(1, "one"), (2, "two")]),
        ("SELECT COUNT(*) FROM [dbo].[#small]", [(2,)]),                             # same temp table
        ("SELECT #small.id, s2.name FROM #small JOIN #small AS s2 ON #small.id = s2.id WHERE #small.id = 2",
         [(2, "two")]),
        ("SELECT CAST(score AS [real]) AS s INTO [dbo].[#typed] FROM t SELECT COUNT(*) FROM #typed", [(3,)]),
        ("CREATE TABLE #c (a int) INSERT INTO #c VALUES (4) SELECT a FROM #c", [(4,)]),
        ("SELECT OBJECT_ID('tempdb..#small') IS NOT NULL, OBJECT_ID('tempdb..#none') IS NULL", [(True, True)]),
        ("SELECT COUNT(*) FROM sys.objects WHERE name LIKE '%small%'", [(0,)]),       # temp: in tempdb
        ("DROP TABLE #small SELECT OBJECT_ID('tempdb..#small')", [(None,)]),
    ]:
        t.assert_rows(tsql, expected)
    # a temp table of one pool session is invisible to another, even on the same file
    other = LocalPool("testpool", path=t.pool.path)
    with pytest.raises(SqlPoolError, match="Invalid object name"):
        other.execute("SELECT * FROM #c")
    assert other.query("SELECT COUNT(*) AS n FROM t").n[0] == 3
    other.close()
    t.assert_raises("SELECT a INTO #c FROM t", SqlPoolError, "There is already an object named 'c'")


def test_dml(t):
    for tsql, expected in [
        ("INSERT INTO t (id, name) VALUES (4, 'four') SELECT name, score FROM t WHERE id = 4", [("four", None)]),
        ("INSERT INTO t SELECT id + 10, name, score FROM t WHERE id = 1 SELECT COUNT(*) FROM t", [(5,)]),
        ("UPDATE t SET score = score * 2 WHERE id = 2 SELECT score FROM t WHERE id = 2", [(5.0,)]),
        ("DELETE FROM t WHERE id IN (1, 4, 11) SELECT COUNT(*) FROM t", [(2,)]),
        ("WITH s AS (SELECT 2 AS id, 'deux' AS name) UPDATE t SET name = s.name FROM s WHERE t.id = s.id "
         "SELECT name FROM t WHERE id = 2", [("deux",)]),
        ("MERGE INTO t USING (SELECT 3 AS id, 'trois' AS name UNION ALL SELECT 9, 'neuf') AS s ON t.id = s.id "
         "WHEN MATCHED THEN UPDATE SET name = s.name WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.name); "
         "SELECT id, name FROM t ORDER BY id", [(2, "deux"), (3, "trois"), (9, "neuf")]),
        ("TRUNCATE TABLE dbo.t SELECT COUNT(*) FROM t", [(0,)]),
    ]:
        t.assert_rows(tsql, expected)
    t.assert_raises("INSERT INTO t (name) VALUES ('no id')", SqlPoolError, "Cannot insert the value NULL")
    t.assert_raises("SELECT * FROM dbo.missing", SqlPoolError, "Invalid object name")


def test_system_views(t):
    t.pool.execute("CREATE VIEW dbo.v AS SELECT id FROM t\nGO\nCREATE PROCEDURE dbo.p AS SELECT 1")
    for tsql, expected in [
        ("SELECT name, type, type_desc FROM sys.objects ORDER BY name",
         [("p", "P", "SQL_STORED_PROCEDURE"), ("t", "U", "USER_TABLE"), ("v", "V", "VIEW")]),
        ("SELECT COUNT(*) FROM sys.objects WHERE NAME = 'T' AND TYPE = 'U'", [(1,)]),
        ("SELECT s.name, o.name FROM sys.tables o JOIN sys.schemas s ON o.schema_id = s.schema_id", [("dbo", "t")]),
        ("SELECT name FROM sys.views", [("v",)]),
        ("SELECT name FROM sys.procedures", [("p",)]),
        ("SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM INFORMATION_SCHEMA.TABLES ORDER BY TABLE_NAME",
         [("dbo", "t", "BASE TABLE"), ("dbo", "v", "VIEW")]),
        ("SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH FROM INFORMATION_SCHEMA.COLUMNS "
         "WHERE TABLE_NAME = 't' ORDER BY ORDINAL_POSITION",
         [("id", "int", None), ("name", "nvarchar", 20), ("score", "real", None)]),
        ("SELECT ROUTINE_NAME, ROUTINE_TYPE FROM INFORMATION_SCHEMA.ROUTINES", [("p", "PROCEDURE")]),
        ("SELECT c.name, c.type_name FROM sys.columns c JOIN sys.tables o ON c.object_id = o.object_id "
         "ORDER BY c.column_id", [("id", "int"), ("name", "nvarchar(20)"), ("score", "real")]),
        ("SELECT OBJECT_ID('dbo.t', 'U') IS NOT NULL, OBJECT_ID('[dbo].[v]') IS NOT NULL, "
         "OBJECT_ID('dbo.p', 'P') IS NOT NULL, OBJECT_ID('dbo.t', 'V') IS NULL", [(True, True, True, True)]),
        ("IF OBJECT_ID('dbo.t') IS NOT NULL SELECT 'exists'", [("exists",)]),
    ]:
        t.assert_rows(tsql, expected)
    t.assert_raises("SELECT * FROM sys.indexes", UnsupportedSqlError, "sys.indexes is not emulated")


PROCEDURE = """CREATE PROCEDURE dbo.score_above @min real = 2, @label nvarchar(10) = 'hit'
AS
BEGIN
    SET NOCOUNT ON
    SELECT id, @label AS label FROM t WHERE score >= @min ORDER BY id
END"""


def test_procedures(t):
    t.pool.execute(PROCEDURE)
    for tsql, expected in [
        ("EXEC dbo.score_above", [(2, "hit")]),
        ("EXEC score_above 1", [(1, "hit"), (2, "hit")]),
        ("EXECUTE dbo.score_above @label = 'x', @min = 1.5", [(1, "x"), (2, "x")]),
        ("DECLARE @m real = 0 EXEC score_above @min = @m", [(1, "hit"), (2, "hit")]),
    ]:
        t.assert_rows(tsql, expected)
    t.pool.execute("CREATE OR ALTER PROCEDURE dbo.score_above @min real AS SELECT COUNT(*) FROM t WHERE score >= @min")
    t.assert_rows("EXEC dbo.score_above @min = 0", [(2,)])
    t.pool.execute("CREATE PROCEDURE rc AS BEGIN RETURN 7 END")
    t.assert_rows("DECLARE @r int EXEC @r = rc SELECT @r", [(7,)])
    t.pool.execute("CREATE PROCEDURE outer_p AS EXEC dbo.score_above @min = 2")
    t.assert_rows("EXEC outer_p", [(1,)])
    for tsql, error in [
        (PROCEDURE, "There is already an object named 'score_above'"),
        ("CREATE PROCEDURE t AS SELECT 1", "There is already an object named 't'"),
        ("EXEC dbo.score_above", "expects parameter '@min', which was not supplied"),
        ("EXEC dbo.score_above 1, 2", "too many arguments"),
        ("EXEC dbo.score_above @nope = 1", "@nope is not a parameter"),
        ("EXEC dbo.missing", "Could not find stored procedure 'missing'"),
        ("ALTER PROCEDURE dbo.missing AS SELECT 1", "Cannot alter procedure 'missing'"),
        ("DROP PROCEDURE dbo.missing", "Cannot drop the procedure"),
        ("CREATE PROCEDURE self AS EXEC self\nGO\nEXEC self", "nesting level exceeded"),
        ("CREATE PROCEDURE bad AS\nSELECT 1\nSELECT * FROM nowhere\nGO\nEXEC bad",
         r"Invalid object name.*\[procedure dbo.bad, line 3: SELECT \* FROM nowhere\]"),
    ]:
        t.assert_raises(tsql, SqlPoolError, error)
    t.pool.execute("DROP PROCEDURE dbo.score_above DROP PROCEDURE IF EXISTS dbo.score_above")
    t.assert_rows("SELECT COUNT(*) FROM sys.procedures WHERE name = 'score_above'", [(0,)])


def test_procedures_persist_in_the_duckdb_file(t, tmp_path):
    t.pool.execute(PROCEDURE)
    t.pool.close()
    code = textwrap.dedent(f"""
        import json
        from synhelpers.sqlpool import LocalPool
        pool = LocalPool("testpool", path={str(t.pool.path)!r})
        rows = pool.execute("EXEC dbo.score_above @min = 1")[-1].to_pylist()
        print(json.dumps(rows))
    """)
    assert run_in_new_process(code) == [{"id": 1, "label": "hit"}, {"id": 2, "label": "hit"}]


@pytest.mark.parametrize("tsql, match", [
    ("DECLARE @t TABLE (a int)", "table variables"),
    ("DELETE TOP (1) FROM t", "does not support this statement: DELETE TOP"),
    ("BEGIN TRY SELECT 1 END TRY BEGIN CATCH SELECT 2 END CATCH", "does not support this statement"),
    ("INSERT INTO t OUTPUT inserted.id VALUES (9, 'x', 1)", "OUTPUT clause"),
    ("SELECT id FROM t FOR JSON AUTO", "FOR JSON"),
    ("SELECT id FROM t OPTION (MAXDOP 1)", r"OPTION \(MAXDOP\)"),
    ("SELECT CONVERT(varchar(10), GETDATE(), 120)", "CONVERT with a style"),
    ("SELECT * FROM otherdb.dbo.t", "another database"),
    ("SELECT @@SPID", "@@SPID"),
    ("EXEC ('SELECT 1')", "dynamic SQL"),
    ("SET DATEFORMAT dmy", "SET"),
    ("CREATE TABLE u (a int) WITH (LOCATION = 'x')", "table option"),
    ("CREATE TABLE u (a int COLLATE Latin1_General_BIN)", "column constraint"),
    ("SELECT * FROM STRING_SPLIT('a,b', ',')", "table-valued function"),
    ("CREATE INDEX ix ON t (id)", "CREATE INDEX"),
    ("SELECT 1 CREATE PROCEDURE p AS SELECT 1", "must be the first statement"),
    ("SELECT id INTO #u FROM t UNION SELECT 4", "INTO inside UNION"),
])
def test_unsupported_statements_are_refused(t, tsql, match):
    with pytest.raises((UnsupportedSqlError, SqlParseError), match=match):
        t.pool.execute(tsql)


@pytest.mark.parametrize("refused", ["DELETE TOP (1) FROM t", "INSERT INTO t OUTPUT inserted.id VALUES (9, 'x', 1)",
                                     "IF 1 = 1 BEGIN SELECT @@SPID END", "DECLARE @t TABLE (a int)",
                                     "SELECT * FROM otherdb.dbo.t", "EXEC ('SELECT 1')"])
def test_a_refused_batch_runs_nothing(t, refused):
    with pytest.raises(UnsupportedSqlError):
        t.pool.execute(f"INSERT INTO t VALUES (100, 'before', 0)\n{refused}")
    t.assert_rows("SELECT COUNT(*) FROM t WHERE id = 100", [(0,)])


HOSTILE = ["x]; DROP TABLE t; --", 'y"; DROP TABLE t; --', "z'); DROP TABLE t; --"]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_identifiers_are_quoted_never_executed(t, name):
    bracketed = "[" + name.replace("]", "]]") + "]"
    t.pool.execute(f"CREATE TABLE dbo.{bracketed} ({bracketed} int) WITH (HEAP)\n"
                   f"INSERT INTO dbo.{bracketed} VALUES (42)")
    t.assert_rows(f"SELECT {bracketed} FROM {bracketed}", [(42,)])
    t.assert_rows(f"SELECT name FROM sys.tables WHERE name = '{name.replace(chr(39), chr(39) * 2)}'", [(name,)])
    procedure = "[" + (name + "_p").replace("]", "]]") + "]"
    t.pool.execute(f"CREATE PROCEDURE {procedure} AS SELECT COUNT(*) AS n FROM {bracketed}")
    t.assert_rows(f"EXEC {procedure}", [(1,)])
    t.pool.execute(f"DROP PROCEDURE {procedure}\nDROP TABLE {bracketed}")
    t.assert_rows("SELECT COUNT(*) FROM t", [(3,)])             # the other table is still there
    assert [c for c, _ in t.pool.declared_columns(_dbo("t"))] == ["id", "name", "score"]


def _dbo(name):
    from synhelpers.sqlpool.names import TableName
    return TableName("", "dbo", name)


def test_hostile_strings_in_copy_into_and_names(t, tmp_path):
    path = tmp_path / "it's; DROP TABLE t; --.csv"
    path.write_text("id,name\n7,seven\n")
    t.pool.execute("CREATE TABLE dbo.c (id int, name nvarchar(10))")
    quoted = str(path).replace("'", "''")
    t.pool.execute(f"COPY INTO dbo.c (id 1, name 2) FROM '{quoted}' WITH (FIRSTROW = 2)")
    t.assert_rows("SELECT id, name FROM c", [(7, "seven")])
    t.assert_rows("SELECT COUNT(*) FROM t", [(3,)])
    assert json.loads(json.dumps(t.results("SELECT OBJECT_ID('dbo.[x]]; DROP TABLE t; --]')")))[0] == [[None]]
