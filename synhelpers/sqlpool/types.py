"""Type mappings between Spark, Synapse T-SQL, DuckDB (the local pool) and ONNX tensors (pure).

Spark -> T-SQL follows the dedicated-pool connector (strings become NVARCHAR(4000), new tables are
ROUND_ROBIN). T-SQL -> DuckDB keeps the widths PREDICT checks: ``real`` is float32 (DuckDB FLOAT),
``float`` is float64 (DuckDB DOUBLE).
"""
from __future__ import annotations

import re

from ..exceptions import UnsupportedSqlError

SPARK_TO_TSQL = {
    "string": "NVARCHAR(4000)",
    "bigint": "BIGINT",
    "int": "INT",
    "smallint": "SMALLINT",
    "tinyint": "TINYINT",
    "boolean": "BIT",
    "float": "REAL",
    "double": "FLOAT",
    "date": "DATE",
    "timestamp": "DATETIME2",
    "timestamp_ntz": "DATETIME2",
    "binary": "VARBINARY(MAX)",
}

# T-SQL base type -> DuckDB type
_TSQL_TO_DUCKDB = {
    "bigint": "BIGINT", "int": "INTEGER", "integer": "INTEGER", "smallint": "SMALLINT",
    "tinyint": "UTINYINT", "bit": "BOOLEAN", "real": "FLOAT", "float": "DOUBLE",
    "decimal": "DECIMAL", "numeric": "DECIMAL", "money": "DECIMAL(19,4)",
    "smallmoney": "DECIMAL(10,4)", "char": "VARCHAR", "varchar": "VARCHAR", "nchar": "VARCHAR",
    "nvarchar": "VARCHAR", "text": "VARCHAR", "ntext": "VARCHAR", "date": "DATE",
    "datetime": "TIMESTAMP", "datetime2": "TIMESTAMP", "smalldatetime": "TIMESTAMP",
    "datetimeoffset": "TIMESTAMPTZ", "time": "TIME", "binary": "BLOB", "varbinary": "BLOB",
    "uniqueidentifier": "UUID", "image": "BLOB", "xml": "VARCHAR", "sql_variant": "VARCHAR",
    "timestamp": "BLOB", "hierarchyid": "BLOB",
}

_TYPE = re.compile(r"\s*\[?([A-Za-z0-9_]+)\]?\s*(?:\(\s*([^)]*)\s*\))?\s*")   # fullmatch


def spark_to_tsql(spark_type: str) -> str:
    """The T-SQL column type the connector creates for a Spark type (``simpleString``)."""
    simple = spark_type.lower()
    if simple.startswith("decimal"):
        return simple.upper()
    try:
        return SPARK_TO_TSQL[simple]
    except KeyError:
        raise UnsupportedSqlError(f"Spark type {spark_type!r} has no dedicated SQL pool "
                                  "equivalent: cast the column first.") from None


def split_type(tsql_type: str) -> tuple[str, str | None]:
    """``NVARCHAR(4000)`` -> (``nvarchar``, ``4000``)."""
    match = _TYPE.fullmatch(tsql_type)
    if not match:
        raise UnsupportedSqlError(f"Unknown T-SQL type {tsql_type!r}.")
    return match.group(1).lower(), match.group(2)


def tsql_to_duckdb(tsql_type: str) -> str:
    """The DuckDB type that stores a T-SQL type."""
    base, args = split_type(tsql_type)
    try:
        duck = _TSQL_TO_DUCKDB[base]
    except KeyError:
        raise UnsupportedSqlError(f"T-SQL type {tsql_type!r} is not supported by the local "
                                  "SQL pool.") from None
    if duck == "DECIMAL" and args:
        return f"DECIMAL({args})"
    if duck == "DECIMAL":
        return "DECIMAL(18,0)"
    return duck


_DUCKDB_TO_TSQL = {
    "BIGINT": "bigint", "INTEGER": "int", "SMALLINT": "smallint", "TINYINT": "tinyint",
    "UTINYINT": "tinyint", "BOOLEAN": "bit", "FLOAT": "real", "DOUBLE": "float",
    "VARCHAR": "nvarchar(4000)", "DATE": "date", "TIMESTAMP": "datetime2",
    "TIMESTAMP WITH TIME ZONE": "datetimeoffset", "TIME": "time", "BLOB": "varbinary(max)",
    "UUID": "uniqueidentifier", "HUGEINT": "decimal(38,0)",
}


def duckdb_to_tsql(duckdb_type: str) -> str:
    """A T-SQL type for a DuckDB column type (for tables created without declared types)."""
    upper = duckdb_type.upper()
    if upper.startswith("DECIMAL"):
        return upper.lower()
    return _DUCKDB_TO_TSQL.get(upper, "nvarchar(4000)")
