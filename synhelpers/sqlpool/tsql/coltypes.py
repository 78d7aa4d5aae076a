"""T-SQL column types of parsed DDL and of query results (pure; pyarrow imported lazily).

The local pool stores every table in DuckDB but remembers the T-SQL type each column was declared
with (``LocalPool.record_columns``): PREDICT checks those, as Synapse does. This module names the
T-SQL type of a parsed ``DataType`` (``nvarchar(30)``, ``real``, ``varbinary(max)`` ...) and derives
one from a result column's Arrow type when nothing was declared (CTEs, views, ``SELECT INTO``).
"""
from __future__ import annotations

from sqlglot import exp

from ..types import split_type, tsql_to_duckdb

_NAMES = {
    exp.DType.FLOAT: "real", exp.DType.DOUBLE: "float", exp.DType.INT: "int",
    exp.DType.BIGINT: "bigint", exp.DType.SMALLINT: "smallint", exp.DType.UTINYINT: "tinyint",
    exp.DType.TINYINT: "tinyint", exp.DType.BOOLEAN: "bit", exp.DType.TEXT: "text",
    exp.DType.IMAGE: "image", exp.DType.XML: "xml", exp.DType.VARIANT: "sql_variant",
    exp.DType.ROWVERSION: "timestamp", exp.DType.UUID: "uniqueidentifier",
    exp.DType.TIMESTAMPTZ: "datetimeoffset", exp.DType.DATETIME: "datetime",
    exp.DType.DATETIME2: "datetime2", exp.DType.SMALLDATETIME: "smalldatetime",
    exp.DType.DATE: "date", exp.DType.TIME: "time", exp.DType.MONEY: "money",
    exp.DType.SMALLMONEY: "smallmoney", exp.DType.TIMESTAMP: "datetime2",
}
STRING_TYPES = frozenset({"char", "varchar", "nchar", "nvarchar"})


def tsql_type(dtype: exp.DataType) -> str:
    """The T-SQL spelling of a parsed type: ``NVARCHAR(30)`` -> ``nvarchar(30)``, ``REAL`` -> ``real``."""
    params = [p.this.name if isinstance(p, exp.DataTypeParam) else p.name for p in dtype.expressions]
    if dtype.this == exp.DType.USERDEFINED:
        base = (dtype.args.get("kind") or "").lower() or dtype.sql("tsql").lower()
    elif dtype.this in _NAMES:
        base = _NAMES[dtype.this]
    elif dtype.this == exp.DType.DECIMAL:
        base = "decimal"
    else:
        base = dtype.this.value.lower()
    if base in ("datetime2", "datetimeoffset", "time") and params:
        return f"{base}({params[0]})"
    if base in _NAMES.values() and base != "datetime2":
        return base
    return f"{base}({','.join(params).lower()})" if params else base


def duckdb_type(tsql: str) -> str:
    """The DuckDB storage type of a T-SQL type (``real`` -> FLOAT, ``float`` -> DOUBLE)."""
    return tsql_to_duckdb(tsql)


def string_length(tsql: str, default: int) -> int | None:
    """Characters kept by a string type: ``varchar(10)`` -> 10, ``varchar(max)`` -> None (no limit).

    ``default`` applies when no length is given: 30 in CAST/CONVERT, 1 in declarations (T-SQL rules).
    Non-string types give None.
    """
    base, args = split_type(tsql)
    if base not in STRING_TYPES:
        return None
    if args is None:
        return default
    return None if args.strip().lower() == "max" else int(args)


def arrow_to_tsql(arrow_type) -> str:
    """A T-SQL type for a result column's Arrow type (what a CTE or view column would be)."""
    import pyarrow as pa
    t = pa.types
    if t.is_float32(arrow_type):
        return "real"
    if t.is_float64(arrow_type):
        return "float"
    if t.is_int64(arrow_type):
        return "bigint"
    if t.is_int32(arrow_type):
        return "int"
    if t.is_int16(arrow_type):
        return "smallint"
    if t.is_int8(arrow_type) or t.is_uint8(arrow_type):
        return "tinyint"
    if t.is_boolean(arrow_type):
        return "bit"
    if t.is_string(arrow_type) or t.is_large_string(arrow_type) or t.is_string_view(arrow_type):
        return "varchar(max)"
    if t.is_dictionary(arrow_type):
        return arrow_to_tsql(arrow_type.value_type)
    if t.is_binary(arrow_type) or t.is_large_binary(arrow_type) or t.is_binary_view(arrow_type):
        return "varbinary(max)"
    if t.is_decimal(arrow_type):
        return f"decimal({arrow_type.precision},{arrow_type.scale})"
    if t.is_timestamp(arrow_type):
        return "datetimeoffset" if arrow_type.tz else "datetime2"
    if t.is_date(arrow_type):
        return "date"
    if t.is_time(arrow_type):
        return "time"
    return str(arrow_type)
