"""What an ONNX graph takes and returns: names, element types, shapes (pure)."""
from __future__ import annotations

from dataclasses import dataclass

from ..exceptions import OnnxExportError
from .types import element_type


@dataclass(frozen=True)
class TensorInfo:
    """One graph input or output: ``onnx_type`` like ``tensor(float)``; shape dims (-1 = any)."""
    name: str
    onnx_type: str
    shape: tuple[int, ...]

    @property
    def numpy_dtype(self):
        """Raises :class:`OnnxExportError` for a type outside :mod:`.types`."""
        return element_type(self.onnx_type).dtype

    def to_dict(self) -> dict:
        return {"name": self.name, "type": self.onnx_type, "shape": list(self.shape)}


def _infos(values) -> list[TensorInfo]:
    infos = []
    for value in values:
        tensor = value.type.tensor_type
        if not value.type.HasField("tensor_type"):
            raise OnnxExportError(f"Graph value {value.name!r} is not a plain tensor (a ZipMap or "
                                  "sequence output?); convert with zipmap=False.")
        dims = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in tensor.shape.dim)
        infos.append(TensorInfo(value.name, element_type(tensor.elem_type).onnx_type, dims))
    return infos


def model_inputs(model) -> list[TensorInfo]:
    """The graph inputs of an ``onnx.ModelProto`` (initializers excluded)."""
    initializers = {i.name for i in model.graph.initializer}
    return _infos([v for v in model.graph.input if v.name not in initializers])


def model_outputs(model) -> list[TensorInfo]:
    """The graph outputs of an ``onnx.ModelProto``."""
    return _infos(model.graph.output)
