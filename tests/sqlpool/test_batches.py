"""split_batches: GO lines separate batches, GO inside strings, identifiers and comments does not."""
from __future__ import annotations

import pytest

from synhelpers.sqlpool.tsql.batches import iter_batches, split_batches

CASES = [
    ("SELECT 1", ["SELECT 1"]),
    ("SELECT 1\nGO\nSELECT 2", ["SELECT 1", "SELECT 2"]),
    ("SELECT 1\ngo\nSELECT 2\nGo  \n", ["SELECT 1", "SELECT 2"]),
    ("SELECT 1\r\nGO\r\nSELECT 2", ["SELECT 1", "SELECT 2"]),
    ("SELECT 1\n  GO -- end of batch\nSELECT 2", ["SELECT 1", "SELECT 2"]),
    ("SELECT 1\nGO 3\n", ["SELECT 1"] * 3),
    ("GO\nGO\n\nSELECT 1\nGO\n-- only a comment\nGO\n/* x */\nGO", ["SELECT 1"]),
    ("SELECT 'a\nGO\nb'", ["SELECT 'a\nGO\nb'"]),
    ("SELECT 'it''s\nGO\n'", ["SELECT 'it''s\nGO\n'"]),
    ("SELECT 1 AS [x\nGO\ny]", ["SELECT 1 AS [x\nGO\ny]"]),
    ('SELECT 1 AS "x\nGO\n"', ['SELECT 1 AS "x\nGO\n"']),
    ("/* a\nGO\n/* nested\nGO\n*/ still comment\nGO\n*/ SELECT 1", ["/* a\nGO\n/* nested\nGO\n*/ still comment\nGO\n*/ SELECT 1"]),
    ("SELECT 1 -- GO\nGO\nSELECT 2", ["SELECT 1 -- GO", "SELECT 2"]),
    ("SELECT GO FROM t\nGOTO x\nGO", ["SELECT GO FROM t\nGOTO x"]),
    ("EXEC p\nGO;\nSELECT 1", ["EXEC p\nGO;\nSELECT 1"]),   # sqlcmd: 'GO;' is not a separator
    ("", []),
]


@pytest.mark.parametrize("script, expected", CASES)
def test_split_batches(script, expected):
    assert split_batches(script) == expected


def test_batches_keep_their_first_script_line():
    batches = iter_batches("\n\nSELECT 1\nGO\n\n\nSELECT 2\nGO 2")
    assert [(b.text, b.line, b.repeat) for b in batches] == [("SELECT 1", 3, 1), ("SELECT 2", 7, 2)]


@pytest.mark.parametrize("count", ["100001", "100000000", "99999999999999999999"])
def test_a_repeat_count_over_the_limit_is_refused_before_anything_runs(count, tmp_path):
    from synhelpers.exceptions import SqlParseError
    from synhelpers.sqlpool import LocalPool
    from synhelpers.sqlpool.tsql.batches import MAX_REPEAT
    script = f"CREATE TABLE dbo.t (a int)\nGO\nINSERT INTO dbo.t VALUES (1)\nGO {count}\nSELECT 2"
    for split in (split_batches, iter_batches):
        with pytest.raises(SqlParseError, match=rf"GO {count} at line 4: .*at most {MAX_REPEAT:,}"):
            split(script)
    pool = LocalPool("go", path=tmp_path / "p.duckdb")
    try:
        with pytest.raises(SqlParseError, match=f"GO {count}"):
            pool.execute(script)
        assert not pool.table_exists(_dbo("t"))                       # nothing ran
        pool.execute("CREATE TABLE dbo.t (a int)\nGO\nINSERT INTO dbo.t VALUES (1)\nGO 3")
        assert pool.row_count(_dbo("t")) == 3
    finally:
        pool.close()


def test_repeats_are_not_expanded_into_a_list():
    batches = iter_batches("SELECT 1\nGO 100000")
    assert [(b.text, b.repeat) for b in batches] == [("SELECT 1", 100_000)]


def _dbo(name):
    from synhelpers.sqlpool.names import TableName
    return TableName("", "dbo", name)
