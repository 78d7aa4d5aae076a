"""Model inputs from table columns: which column feeds which input, and the exact conversion.

Matching: a model input is fed by the column of the same name (exact, else case-insensitive, as
Spark and PREDICT resolve names). Accepted column types per ONNX input type, and conversions:

=================  ==========================================  ================================
ONNX input         accepted Spark column types                 conversion
=================  ==========================================  ================================
tensor(float)      float, double, decimal, integers, boolean   float32 (double rounds to nearest,
                                                               like ``CAST(x AS real)``)
tensor(double)     the same                                    float64
tensor(int64)      integers, boolean, timestamp, date          int64; timestamps and dates as
                                                               seconds since 1970 of the session
                                                               time zone's wall clock (what the
                                                               AutoML featurizer trained on)
tensor(int32)      integers                                    int32
tensor(string)     string                                      str
=================  ==========================================  ================================

Nulls: float inputs get NaN (the AutoML graph imputes it, as in training); string inputs get
``''`` (training's "missing"); timestamps and dates get 0 (training's NaT); an integer input has
no neutral value (AutoML makes integer columns with nulls float inputs), so a null there raises
:class:`ScoringError` naming the column. Anything else (a string column for a float input, a
double for an int64 input, a missing column) raises before any row is scored.
"""
from __future__ import annotations

import numpy as np

from ..exceptions import ScoringError
from ..onnx_export.types import BY_ONNX_TYPE, ELEMENT_TYPES, FLOATING

_SPARK_KINDS = {"float": "floating", "double": "floating", "tinyint": "integer",
                "smallint": "integer", "int": "integer", "bigint": "integer", "boolean": "boolean",
                "string": "string", "timestamp": "timestamp", "timestamp_ntz": "timestamp",
                "date": "date"}
# graph input type -> the kinds of Spark column that can feed it (the type table's fed_by)
ACCEPTS = {e.onnx_type: e.fed_by for e in ELEMENT_TYPES if e.fed_by}


def _suggest(onnx_type: str) -> str:
    """The Spark SQL type to cast a column to for an input of ``onnx_type`` (in a message)."""
    element = BY_ONNX_TYPE.get(onnx_type)
    return (element.spark if element and element.spark else "string").upper()


def spark_kind(simple_type: str) -> str:
    """The kind of a Spark ``simpleString`` type: floating, integer, string, timestamp, ..."""
    simple = simple_type.lower()
    if simple.startswith("decimal"):
        return "decimal"
    if simple.startswith(("varchar", "char")):
        return "string"
    return _SPARK_KINDS.get(simple, "other")


def find_column(columns, name: str) -> str | None:
    """The column named ``name``: exact match first, then case-insensitive."""
    if name in columns:
        return name
    folded = [c for c in columns if c.lower() == name.lower()]
    return folded[0] if folded else None


def match_inputs(inputs, column_types: dict[str, str], where: str, model: str) -> list[tuple]:
    """[(TensorInfo, column)] for every model input; checked against Spark types.

    Raises:
        ScoringError: an input has no column, or the column's type cannot feed it (names the
            column, both types, and the cast to write).
    """
    plan = []
    for info in inputs:
        if info.onnx_type not in ACCEPTS:
            raise ScoringError(f"Model {model} input {info.name!r} is {info.onnx_type}, which "
                               "Spark scoring cannot feed (float, double, int64, int32, string).")
        if len(info.shape) not in (1, 2) or (len(info.shape) == 2 and info.shape[1] not in (1, -1)):
            raise ScoringError(f"Model {model} input {info.name!r} has shape {list(info.shape)}: "
                               "scoring feeds one column per input ([N] or [N, 1]). Convert the "
                               "model with one [None, 1] input per column.")
        column = find_column(list(column_types), info.name)
        if column is None:
            raise ScoringError(
                f"{where} has no column {info.name!r}, which model {model} needs as an input "
                f"({info.onnx_type}). Its columns are: {', '.join(column_types)}. Add the column "
                f"(or rename one to {info.name!r}) before scoring.")
        kind = spark_kind(column_types[column])
        if kind not in ACCEPTS[info.onnx_type]:
            raise ScoringError(
                f"Column {column!r} of {where} is {column_types[column]}, but model {model} "
                f"takes input {info.name!r} as {info.onnx_type}: cast it first, e.g. "
                f"CAST({column} AS {_suggest(info.onnx_type)}), or score a table whose column "
                "has the type the model was trained on.")
        plan.append((info, column))
    return plan


def _null_error(column: str, info) -> ScoringError:
    return ScoringError(f"Column {column!r} has nulls, which model input {info.name!r} "
                        f"({info.onnx_type}) cannot take: filter or fill them first, e.g. "
                        f"WHERE {column} IS NOT NULL or coalesce({column}, 0).")


def _seconds(array, pa, pc) -> np.ndarray:
    """Timestamps/dates -> int64 seconds of the wall clock (nulls -> 0)."""
    kind = array.type
    if pa.types.is_timestamp(kind):
        if kind.tz and hasattr(pc, "local_timestamp"):
            array = pc.local_timestamp(array)
        elif kind.tz:                                    # pyarrow < 12
            local = array.to_pandas().dt.tz_convert(kind.tz).dt.tz_localize(None)
            array = pa.Array.from_pandas(local).cast(pa.timestamp(kind.unit))
        per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[kind.unit]
        raw = array.cast(pa.int64()).fill_null(0).to_numpy()
        return np.floor_divide(raw, per_second)
    if pa.types.is_date32(kind):
        return array.cast(pa.int32()).fill_null(0).to_numpy().astype(np.int64) * 86400
    return np.floor_divide(array.cast(pa.int64()).fill_null(0).to_numpy(), 1000)   # date64: ms


def to_feed(array, info, column: str, lenient: bool = False) -> np.ndarray:
    """One column (a pyarrow Array) as the model input ``info`` expects ([N, 1] or [N]).

    ``lenient`` is for pandas-UDF input, where Spark types are unknown and integer columns with
    nulls arrive as doubles: whole floating values then feed int64 inputs.

    Raises:
        ScoringError: a null in an integer input, or values of the wrong type.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    kind, target = array.type, info.onnx_type
    if target == "tensor(string)":
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            raise _type_error(column, info, kind)
        values = array.fill_null("").to_numpy(zero_copy_only=False).astype(object)
    elif target in FLOATING:
        if pa.types.is_decimal(kind) or pa.types.is_boolean(kind):
            array = array.cast(pa.float64())
        elif not (pa.types.is_floating(kind) or pa.types.is_integer(kind)
                  or pa.types.is_null(kind)):
            raise _type_error(column, info, kind)
        if pa.types.is_null(kind):
            values = np.full(len(array), np.nan, dtype=BY_ONNX_TYPE[target].dtype)
        else:
            values = array.to_numpy(zero_copy_only=False).astype(BY_ONNX_TYPE[target].dtype, copy=False)
    elif pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        if target != "tensor(int64)":
            raise _type_error(column, info, kind)
        values = _seconds(array, pa, pc)
    elif pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        if array.null_count:
            raise _null_error(column, info)
        values = array.cast(pa.int64()).to_numpy().astype(BY_ONNX_TYPE[target].dtype, copy=False)
    elif pa.types.is_floating(kind) and lenient:
        raw = array.to_numpy(zero_copy_only=False)
        if np.isnan(raw).any():
            raise _null_error(column, info)
        if not np.array_equal(raw, np.trunc(raw)):
            raise _type_error(column, info, kind)
        values = raw.astype(BY_ONNX_TYPE[target].dtype)
    else:
        raise _type_error(column, info, kind)
    return values.reshape(-1, 1) if len(info.shape) == 2 else values


def _type_error(column: str, info, kind) -> ScoringError:
    return ScoringError(f"Column {column!r} holds {kind} values, but model input {info.name!r} "
                        f"is {info.onnx_type}: cast it first, e.g. "
                        f"CAST({column} AS {_suggest(info.onnx_type)}).")


def feeds(batch, plan: list[tuple], lenient: bool = False) -> dict:
    """ONNX feeds from a pyarrow RecordBatch/Table for ``plan`` = [(TensorInfo, column)]."""
    names = batch.schema.names
    out = {}
    for info, column in plan:
        found = column if column in names else find_column(names, column)
        if found is None:
            raise ScoringError(f"The data has no column {column!r}, which the model needs as "
                               f"input {info.name!r} ({info.onnx_type}); it has: "
                               f"{', '.join(names)}. Add the column, e.g. struct(*, x AS "
                               f"{info.name}) for the SQL function.")
        out[info.name] = to_feed(batch.column(names.index(found)), info, found, lenient)
    return out
