"""What an ONNX graph takes and returns: names, element types, shapes (pure)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# ONNX TensorProto element type -> (tensor(...) name, numpy dtype)
_ELEM = {1: ("float", np.float32), 2: ("uint8", np.uint8), 3: ("int8", np.int8),
         5: ("int16", np.int16), 6: ("int32", np.int32), 7: ("int64", np.int64),
         8: ("string", np.object_), 9: ("bool", np.bool_), 10: ("float16", np.float16),
         11: ("double", np.float64), 12: ("uint32", np.uint32), 13: ("uint64", np.uint64)}


@dataclass(frozen=True)
class TensorInfo:
    """One graph input or output: ``onnx_type`` like ``tensor(float)``; shape dims (-1 = any)."""
    name: str
    onnx_type: str
    shape: tuple[int, ...]

    @property
    def numpy_dtype(self):
        for name, dtype in _ELEM.values():
            if self.onnx_type == f"tensor({name})":
                return np.dtype(dtype)
        raise ValueError(f"Unsupported ONNX type {self.onnx_type}")

    def to_dict(self) -> dict:
        return {"name": self.name, "type": self.onnx_type, "shape": list(self.shape)}


def _infos(values) -> list[TensorInfo]:
    infos = []
    for value in values:
        tensor = value.type.tensor_type
        if not value.type.HasField("tensor_type"):
            raise ValueError(f"Graph value {value.name!r} is not a plain tensor (a ZipMap or "
                             "sequence output?); convert with zipmap=False.")
        dims = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in tensor.shape.dim)
        infos.append(TensorInfo(value.name, f"tensor({_ELEM[tensor.elem_type][0]})", dims))
    return infos


def model_inputs(model) -> list[TensorInfo]:
    """The graph inputs of an ``onnx.ModelProto`` (initializers excluded)."""
    initializers = {i.name for i in model.graph.initializer}
    return _infos([v for v in model.graph.input if v.name not in initializers])


def model_outputs(model) -> list[TensorInfo]:
    """The graph outputs of an ``onnx.ModelProto``."""
    return _infos(model.graph.output)
