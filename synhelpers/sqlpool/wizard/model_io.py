"""What the scoring wizard knows of a model: its ``name:version`` and its ONNX inputs and outputs.

The same description drives both uses of the generator: the wizard reads it from the registered
model's graph (:func:`describe_onnx`), the workspace build uses the tutorial model's declared one
(:data:`TUTORIAL_MODEL_IO`), so the Score_NYC_Taxi sqlscript and the notebook's script come from
one code path. ``onnx`` is imported only by :func:`describe_onnx`.

The model table's ``inputs_schema`` / ``outputs_schema`` hold :meth:`ModelIO.schema_json`: the ONNX
graph's inputs (outputs) as a JSON list of ``{"name", "type", "shape"}`` (``type`` like
``tensor(float)``, ``-1`` for a symbolic dimension), in graph order. That is exactly what PREDICT
matches (names, element types, shapes); it is what ``synhelpers.onnx_export.TensorInfo.to_dict``
gives, in a form T-SQL users can read. (The model's MLflow signature describes the pyfunc's
DataFrame columns instead: see :mod:`synhelpers.registry.onnx_pyfunc`.)
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from ...onnx_export.signature import TensorInfo
from ...onnx_export.types import ELEMENT_TYPES
from ..types import spark_to_tsql

# ONNX element type -> the T-SQL type PREDICT feeds an input of that type (int, bigint, real,
# float, char, varchar, nvarchar; no bool) and the WITH-clause type of an output (one table:
# synhelpers.onnx_export.types)
INPUT_TYPES = {e.onnx_type: e.tsql_input for e in ELEMENT_TYPES if e.tsql_input}
OUTPUT_TYPES = {e.onnx_type: e.tsql_output for e in ELEMENT_TYPES if e.tsql_output}


@dataclass(frozen=True)
class ModelIO:
    """A registered model as PREDICT sees it: name, version, graph inputs and outputs (in order).

    ``inputs`` / ``outputs`` are :class:`~synhelpers.onnx_export.TensorInfo`; a value that is not
    a plain tensor (a ZipMap output) has a type like ``seq(map(int64,tensor(float)))``.
    """
    name: str
    version: int
    inputs: tuple[TensorInfo, ...]
    outputs: tuple[TensorInfo, ...]

    @property
    def model_id(self) -> str:
        """The model table's ``[ID]``: ``'<registered name>:<version>'`` (reference §2.4)."""
        return f"{self.name}:{self.version}"

    def schema_json(self, which: str) -> str:
        """``inputs`` or ``outputs`` as compact JSON (what the model table stores)."""
        values = self.inputs if which == "inputs" else self.outputs
        return json.dumps([v.to_dict() for v in values], separators=(",", ":"))


def is_row_value(info: TensorInfo) -> bool:
    """True when the tensor holds one value per row: shape ``[N]`` or ``[N, 1]``."""
    shape = tuple(info.shape)
    return info.onnx_type.startswith("tensor(") and (
        len(shape) == 1 or (len(shape) == 2 and shape[1] == 1))


def shape_text(info: TensorInfo) -> str:
    """``[N,1]`` (symbolic dimensions shown as N); ``-`` for a value that is not a tensor."""
    if not info.onnx_type.startswith("tensor("):
        return "-"
    return "[" + ",".join("N" if d < 0 else str(d) for d in info.shape) + "]"


def describe_onnx(model_bytes: bytes) -> tuple[tuple[TensorInfo, ...], tuple[TensorInfo, ...]]:
    """The graph inputs (initializers excluded) and outputs of a serialized ONNX model.

    Unlike :func:`synhelpers.onnx_export.model_outputs` it does not refuse values that are not
    plain tensors: the contract check reports them with the rest.

    Raises:
        ValueError: the bytes are not an ONNX model.
    """
    from ...onnx_export.serialized import load_graph
    try:
        proto = load_graph(model_bytes)
    except Exception as exc:  # noqa: BLE001  (protobuf's DecodeError and friends)
        raise ValueError(f"not an ONNX model ({exc})") from exc
    initializers = {i.name for i in proto.graph.initializer}
    inputs = tuple(_info(v) for v in proto.graph.input if v.name not in initializers)
    return inputs, tuple(_info(v) for v in proto.graph.output)


def _info(value) -> TensorInfo:
    kind = value.type.WhichOneof("value")
    shape: tuple[int, ...] = ()
    if kind == "tensor_type":
        shape = tuple(d.dim_value if d.HasField("dim_value") else -1
                      for d in value.type.tensor_type.shape.dim)
    return TensorInfo(value.name, _type_text(value.type), shape)


def _type_text(type_proto) -> str:
    import onnx
    kind = type_proto.WhichOneof("value")
    if kind == "tensor_type":
        return f"tensor({onnx.TensorProto.DataType.Name(type_proto.tensor_type.elem_type).lower()})"
    if kind == "sequence_type":
        return f"seq({_type_text(type_proto.sequence_type.elem_type)})"
    if kind == "map_type":
        key = onnx.TensorProto.DataType.Name(type_proto.map_type.key_type).lower()
        return f"map({key},{_type_text(type_proto.map_type.value_type)})"
    return kind or "unknown"


# -- the tutorial's model, as declared (used when no registered model exists: the artifact build) --
TUTORIAL_MODEL_NAME = "nyc_taxi_fare_predict"
_ROW = (-1, 1)
TUTORIAL_MODEL_IO = ModelIO(
    name=TUTORIAL_MODEL_NAME, version=1,
    # the AutoML regression model predicts fareAmount from the table's other six columns, one
    # [N, 1] input per column in table order, and returns variable_out1 (reference §1.5)
    inputs=(TensorInfo("tipped", "tensor(int64)", _ROW),
            TensorInfo("paymentType", "tensor(int64)", _ROW),
            TensorInfo("passengerCount", "tensor(int64)", _ROW),
            TensorInfo("tripDistance", "tensor(float)", _ROW),
            TensorInfo("tripTimeSecs", "tensor(int64)", _ROW),
            TensorInfo("pickupTimeBin", "tensor(string)", _ROW)),
    outputs=(TensorInfo("variable_out1", "tensor(float)", _ROW),))

# The pool table notebook 03 loads: the Spark table's types as the connector declares them.
_TUTORIAL_SPARK_SCHEMA = (("tipped", "bigint"), ("fareAmount", "float"), ("paymentType", "bigint"),
                          ("passengerCount", "bigint"), ("tripDistance", "float"),
                          ("tripTimeSecs", "bigint"), ("pickupTimeBin", "string"))
TUTORIAL_TABLE_COLUMNS = tuple((name, spark_to_tsql(kind)) for name, kind in _TUTORIAL_SPARK_SCHEMA)
