"""Object names of a dedicated SQL pool: parsing ``pool.schema.table`` and safe quoting (pure)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..exceptions import ConfigError

_PART = r'(?:\[(?:[^\]]|\]\])+\]|"(?:[^"]|"")+"|[^.\[\]"]+)'
_NAME = re.compile(rf"^\s*({_PART})(?:\.({_PART}))?(?:\.({_PART}))?\s*$")
_PLAIN = re.compile(r"^[A-Za-z_#][A-Za-z0-9_@$#]*$")


def unquote(part: str) -> str:
    """``[a]]b]`` -> ``a]b``; ``"x"`` -> ``x``; plain names unchanged."""
    part = part.strip()
    if part.startswith("[") and part.endswith("]"):
        return part[1:-1].replace("]]", "]")
    if part.startswith('"') and part.endswith('"'):
        return part[1:-1].replace('""', '"')
    return part


def bracket(name: str) -> str:
    """Quote for T-SQL: ``x]; DROP`` -> ``[x]]; DROP]`` (never breaks out of the brackets)."""
    return "[" + name.replace("]", "]]") + "]"


def dquote(name: str) -> str:
    """Quote for DuckDB: ``a"b`` -> ``"a""b"``."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class TableName:
    """A pool table: ``database`` (the pool) may be empty; ``schema`` defaults to ``dbo``."""
    database: str
    schema: str
    table: str

    @property
    def tsql(self) -> str:
        return f"{bracket(self.schema)}.{bracket(self.table)}"

    def __str__(self) -> str:
        prefix = f"{self.database}." if self.database else ""
        return f"{prefix}{self.schema}.{self.table}"


def parse_table_name(name: str, parameter: str = "table", default_schema: str = "dbo",
                     require_database: bool = False) -> TableName:
    """Parse ``[pool.]schema.table`` or ``table`` (brackets and quotes allowed).

    Raises:
        ConfigError: empty name, too many parts, or a missing pool when required.
    """
    match = _NAME.match(name or "")
    if not match:
        raise ConfigError(f"{parameter}={name!r} is not a table name: use "
                          f"{'<pool>.' if require_database else '[<pool>.]'}<schema>.<table>, "
                          "e.g. 'mlverifypool.dbo.NYC_Taxi'.")
    parts = [unquote(p) for p in match.groups() if p is not None]
    if any(not p.strip() for p in parts):
        raise ConfigError(f"{parameter}={name!r} has an empty part.")
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
    """A pool name is a plain identifier (it becomes a file name locally)."""
    if not name or not _PLAIN.match(name) or name.startswith("#"):
        raise ConfigError(f"{parameter}={name!r} is not a valid SQL pool name: use letters, "
                          "digits and underscores (e.g. 'mlverifypool').")
    return name
