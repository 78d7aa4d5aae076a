"""Names and values in the SQL the package writes: the one quoting path (pure).

Every identifier or value that reaches generated T-SQL or DuckDB SQL goes through here:

- T-SQL identifiers: :func:`bracket` (``[x]]y]``, ``]`` doubled);
- DuckDB identifiers: :func:`dquote` (``"x""y"``);
- T-SQL strings: :func:`nstring` (``N'o''brien'``; control characters as ``NCHAR(n)`` pieces of a
  ``CONCAT``, so no line break, carriage return or NUL is ever raw in the script);
- DuckDB strings: :func:`sql_string` (``'...'``; control characters as ``chr(n)``).

Names cannot hold control characters and have at most 128 characters (T-SQL's ``sysname``):
:func:`check_name` refuses them with :class:`~synhelpers.exceptions.ConfigError` naming the name.
Generated text never puts a name or value inside a ``--`` or ``/* */`` comment. Pool and table
names from parameters are parsed with :func:`parse_table_name` and :func:`check_pool_name`, which
match the whole text (never ``re.match(...$)``, which accepts a trailing newline).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..exceptions import ConfigError
from ..identifiers import is_identifier

MAX_NAME = 128                      # sysname
_CONCAT_ARGS = 254                  # CONCAT takes at most 254 arguments
_PART = r'(?:\[(?:[^\]]|\]\])+\]|"(?:[^"]|"")+"|[^.\[\]"]+)'
_NAME = re.compile(rf"\s*({_PART})(?:\.({_PART}))?(?:\.({_PART}))?\s*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def control_character(text: str) -> str | None:
    """The first control character of ``text`` (line break, carriage return, NUL, ...), or None."""
    found = _CONTROL.search(text)
    return found.group() if found else None


def check_name(name: str, what: str = "name", max_length: int | None = MAX_NAME) -> str:
    """``name`` if an identifier can hold it: non-empty text, no control character, at most
    ``max_length`` characters.

    Raises:
        ConfigError: naming ``what`` and the name.
    """
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{what}={name!r} is empty: name it.")
    bad = control_character(name)
    if bad is not None:
        raise ConfigError(f"{what}={name!r} contains a control character ({bad!r}): a name cannot "
                          "hold line breaks, tabs or NUL. Rename it.")
    if max_length is not None and len(name) > max_length:
        raise ConfigError(f"{what}={name[:40]!r}... is longer than {max_length} characters "
                          f"({len(name)}), the T-SQL limit for a name: use a shorter name.")
    return name


def bracket(name: str, what: str = "name") -> str:
    """A T-SQL identifier: ``x]; DROP`` -> ``[x]]; DROP]`` (never breaks out of the brackets).

    Raises:
        ConfigError: the name holds a control character or is longer than 128 characters.
    """
    return "[" + check_name(name, what).replace("]", "]]") + "]"


def dquote(name: str, what: str = "name") -> str:
    """A DuckDB identifier: ``a"b`` -> ``"a""b"`` (control characters refused)."""
    return '"' + check_name(name, what, max_length=None).replace('"', '""') + '"'


def nstring(value: str) -> str:
    """A T-SQL Unicode string: ``N'...'`` with ``'`` doubled.

    Control characters are never raw in the text: ``"a\\nb"`` becomes
    ``CONCAT(N'a', NCHAR(10), N'b')`` (nested when it needs more than 254 pieces).
    """
    value = str(value)
    if control_character(value) is None:
        return "N'" + value.replace("'", "''") + "'"
    pieces = []
    for part in re.split(r"([\x00-\x1f\x7f])", value):
        if len(part) == 1 and _CONTROL.fullmatch(part):
            pieces.append(f"NCHAR({ord(part)})")
        elif part:
            pieces.append("N'" + part.replace("'", "''") + "'")
    return _concat(pieces if len(pieces) > 1 else ["N''", *pieces])


def _concat(pieces: list[str]) -> str:
    while len(pieces) > _CONCAT_ARGS:
        pieces = [f"CONCAT({', '.join(group)})" if len(group) > 1 else group[0]
                  for group in (pieces[i:i + _CONCAT_ARGS] for i in range(0, len(pieces), _CONCAT_ARGS))]
    return f"CONCAT({', '.join(pieces)})"


def sql_string(value: str) -> str:
    """A DuckDB string literal ``'...'`` with ``'`` doubled; control characters as ``chr(n)``
    pieces of a ``concat(...)`` (a tab field terminator stays a tab, never raw in the text)."""
    value = str(value)
    if control_character(value) is None:
        return "'" + value.replace("'", "''") + "'"
    pieces = [f"chr({ord(part)})" if len(part) == 1 and _CONTROL.fullmatch(part)
              else "'" + part.replace("'", "''") + "'"
              for part in re.split(r"([\x00-\x1f\x7f])", value) if part]
    return f"concat({', '.join(pieces)})"


def unquote(part: str) -> str:
    """``[a]]b]`` -> ``a]b``; ``"x"`` -> ``x``; plain names unchanged."""
    part = part.strip()
    if part.startswith("[") and part.endswith("]"):
        return part[1:-1].replace("]]", "]")
    if part.startswith('"') and part.endswith('"'):
        return part[1:-1].replace('""', '"')
    return part


@dataclass(frozen=True)
class TableName:
    """A pool table: ``database`` (the pool) may be empty; ``schema`` defaults to ``dbo``."""
    database: str
    schema: str
    table: str

    @property
    def tsql(self) -> str:
        return f"{bracket(self.schema, 'schema')}.{bracket(self.table, 'table')}"

    @property
    def duckdb(self) -> str:
        """``"schema"."table"`` for DuckDB."""
        return f"{dquote(self.schema, 'schema')}.{dquote(self.table, 'table')}"

    def __str__(self) -> str:
        prefix = f"{self.database}." if self.database else ""
        return f"{prefix}{self.schema}.{self.table}"


def parse_table_name(name: str, parameter: str = "table", default_schema: str = "dbo",
                     require_database: bool = False) -> TableName:
    """Parse ``[pool.]schema.table`` or ``table`` (brackets and quotes allowed).

    Raises:
        ConfigError: empty name, too many parts, a part with a control character or over 128
            characters, or a missing pool when required.
    """
    match = _NAME.fullmatch(name or "") if isinstance(name, str) else None
    if not match:
        raise ConfigError(f"{parameter}={name!r} is not a table name: use "
                          f"{'<pool>.' if require_database else '[<pool>.]'}<schema>.<table>, "
                          "e.g. 'mlverifypool.dbo.NYC_Taxi'.")
    parts = [unquote(p) for p in match.groups() if p is not None]
    if any(not p.strip() for p in parts):
        raise ConfigError(f"{parameter}={name!r} has an empty part.")
    for part in parts:
        check_name(part, parameter)
    if len(parts) == 3:
        database, schema, table = parts
    elif require_database:
        raise ConfigError(f"{parameter}={name!r} must name the pool: <pool>.<schema>.<table>, "
                          "e.g. 'mlverifypool.dbo.NYC_Taxi'.")
    elif len(parts) == 2:
        database, (schema, table) = "", parts
    else:
        database, schema, table = "", default_schema, parts[0]
    return TableName(database, schema, table)


def check_pool_name(name: str, parameter: str = "sql_pool_name") -> str:
    """A pool name is a plain identifier (it becomes a file name locally), matched whole."""
    if not is_identifier(name) or len(name) > MAX_NAME:
        raise ConfigError(f"{parameter}={name!r} is not a valid SQL pool name: use letters, "
                          "digits and underscores (e.g. 'mlverifypool').")
    return name
