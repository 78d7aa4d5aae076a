"""The one table of tensor element types: ONNX, numpy, Spark, T-SQL PREDICT, MLflow (pure).

Every part that maps a graph's ``tensor(...)`` type to something else reads it here: the ONNX
signature, Spark scoring's feeds and output columns, the SQL pool's PREDICT (inputs it can feed,
WITH-clause types), the scoring wizard's casts, and the MLflow signatures of registered models.
``None`` means "not supported there".
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..exceptions import OnnxExportError


@dataclass(frozen=True)
class ElementType:
    name: str                       # ONNX's name: float, int64, string, ...
    code: int                       # onnx.TensorProto element type
    numpy: str                      # numpy dtype name ("object" for strings)
    spark: str | None = None        # Spark SQL type of a column holding it
    tsql_input: str | None = None   # the T-SQL type PREDICT feeds to an input of this type
    tsql_output: str | None = None  # the WITH-clause type of an output (strings get a length:
                                    # a bare varchar in a column definition is varchar(1); the
                                    # connector's nvarchar(4000) keeps non-ASCII labels)
    mlflow_input: str | None = None   # MLflow column type of an input (pandas float64 feeds float)
    mlflow_output: str | None = None  # MLflow column type of an output
    fed_by: frozenset = frozenset()   # kinds of Spark column that can feed an input of this type
                                      # (scoring.inputs.spark_kind: floating, integer, ...)

    @property
    def onnx_type(self) -> str:
        """``tensor(float)``: how onnxruntime and :class:`.signature.TensorInfo` name it."""
        return f"tensor({self.name})"

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.numpy)


_NUMBERS = frozenset({"floating", "decimal", "integer", "boolean"})
ELEMENT_TYPES = (
    ElementType("float", 1, "float32", "float", "real", "real", "double", "float", _NUMBERS),
    ElementType("uint8", 2, "uint8"),
    ElementType("int8", 3, "int8"),
    ElementType("int16", 5, "int16"),
    ElementType("int32", 6, "int32", "int", "int", "int", "integer", "integer",
                frozenset({"integer"})),
    ElementType("int64", 7, "int64", "bigint", "bigint", "bigint", "long", "long",
                frozenset({"integer", "boolean", "timestamp", "date"})),
    ElementType("string", 8, "object", "string", "varchar", "nvarchar(4000)", "string", "string",
                frozenset({"string"})),
    ElementType("bool", 9, "bool", "boolean", None, "bit", None, "boolean"),
    ElementType("float16", 10, "float16"),
    ElementType("double", 11, "float64", "double", "float", "float", "double", "double", _NUMBERS),
    ElementType("uint32", 12, "uint32"),
    ElementType("uint64", 13, "uint64"),
)
BY_ONNX_TYPE = {e.onnx_type: e for e in ELEMENT_TYPES}
BY_CODE = {e.code: e for e in ELEMENT_TYPES}
BY_SPARK = {e.spark: e for e in ELEMENT_TYPES if e.spark}
# the floating-point inputs: a NULL reaches them as NaN, integer and boolean columns feed them
FLOATING = frozenset({"tensor(float)", "tensor(double)"})


def element_type(onnx_type) -> ElementType:
    """The entry for ``tensor(float)``, ``float`` or TensorProto code 1.

    Raises:
        OnnxExportError: a type this table does not know (a ZipMap or sequence output, a complex
            number, ...).
    """
    if isinstance(onnx_type, int) and onnx_type in BY_CODE:
        return BY_CODE[onnx_type]
    text = str(onnx_type)
    found = BY_ONNX_TYPE.get(text) or BY_ONNX_TYPE.get(f"tensor({text})")
    if found is None:
        raise OnnxExportError(f"Unsupported ONNX type {onnx_type!r}: graph inputs and outputs must "
                              f"be plain tensors of {', '.join(e.name for e in ELEMENT_TYPES)}.")
    return found


def supported(field: str) -> list[str]:
    """The ``tensor(...)`` names that have ``field`` (e.g. ``"spark"``: what Spark scoring
    returns as a column)."""
    return [e.onnx_type for e in ELEMENT_TYPES if getattr(e, field)]
