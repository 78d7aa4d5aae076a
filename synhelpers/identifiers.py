"""The plain identifier: letters, digits and underscores, not starting with a digit.

The one pattern behind every name that must be bare: Spark table and SQL function names, SQL pool
names, the scoring wizard's unbracketed name parts, names in pipeline expressions. Each kind of
name keeps its own validator (length, reserved words, the message naming the parameter) built on
this pattern.
"""
from __future__ import annotations

import re

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def is_identifier(value) -> bool:
    """``value`` is a string that is a whole plain identifier (no trailing newline, no dot)."""
    return isinstance(value, str) and IDENTIFIER.fullmatch(value) is not None
