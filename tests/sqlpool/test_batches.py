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
