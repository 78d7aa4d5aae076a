"""ONNX models behind PREDICT: one cached onnxruntime session per model bytes, batched scoring.

A session is created once per distinct model (keyed by the SHA-256 of its bytes, LRU of
:data:`CACHE_SIZE`), never per batch or row; PREDICT scores batches of :data:`BATCH_ROWS` rows. Models whose inputs have a fixed batch dimension of
1 (``[1, 1]``, as the tips tutorial notebook converts them) get that dimension made symbolic so
they can score a whole batch; if onnxruntime refuses that, they are scored one row at a time.
"""
from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass

from ...onnx_export.serialized import as_bytes
from ...exceptions import PredictError

CACHE_SIZE = 8
BATCH_ROWS = int(os.environ.get("SYNHELPERS_PREDICT_BATCH_ROWS", "131072"))
CORRUPT = ("Error occurred during execution of the builtin function 'PREDICT' with HRESULT "
           "0x80070057. Model is corrupt or invalid.")

_cache: "OrderedDict[str, OnnxModel]" = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class Tensor:
    """A model input or output: name, ONNX type (``tensor(float)``) and shape (None = symbolic)."""
    name: str
    type: str
    shape: tuple | None

    @property
    def shape_text(self) -> str:
        """The shape as PREDICT prints it: symbolic dimensions shown as 1 (``[1,2]``)."""
        return "[" + ",".join(str(d) if isinstance(d, int) else "1" for d in self.shape or ()) + "]"

    @property
    def signature(self) -> str:
        """``name tensor(float)[N,1]`` (symbolic dimensions shown as N)."""
        dims = ",".join(str(d) if isinstance(d, int) else "N" for d in self.shape or ())
        return f"{self.name} {self.type}[{dims}]"


class OnnxModel:
    """An onnxruntime session with its input/output signature."""

    def __init__(self, blob: bytes):
        ort = _onnxruntime()
        try:
            self.session = ort.InferenceSession(as_bytes(blob), _options(ort),
                                                providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise PredictError(f"{CORRUPT} (onnxruntime: {_first_line(exc)})") from exc
        self.inputs = [_tensor(i) for i in self.session.get_inputs()]
        self.outputs = [_tensor(o) for o in self.session.get_outputs()]
        self.row_by_row = False
        if any(t.shape and t.shape[0] == 1 for t in self.inputs):
            self._relax_batch_dimension(blob, ort)

    def _relax_batch_dimension(self, blob: bytes, ort) -> None:
        try:
            from ...onnx_export.serialized import load_graph
            proto = load_graph(blob)
            for value in [*proto.graph.input, *proto.graph.output]:
                if value.type.HasField("tensor_type") and value.type.tensor_type.shape.dim:
                    first = value.type.tensor_type.shape.dim[0]
                    if first.HasField("dim_value") and first.dim_value == 1:
                        first.dim_param = "N"
            del proto.graph.value_info[:]
            self.session = ort.InferenceSession(proto.SerializeToString(), _options(ort),
                                                providers=["CPUExecutionProvider"])
        except Exception:
            self.row_by_row = True

    def score(self, outputs: list[str], feeds: dict) -> list:
        """The arrays of ``outputs`` for one batch of ``feeds`` (row by row when
        :attr:`row_by_row`: a model whose fixed batch dimension of 1 could not be relaxed)."""
        if not self.row_by_row:
            return self._run(outputs, feeds)
        import numpy as np
        rows = len(next(iter(feeds.values()))) if feeds else 0
        parts = [self._run(outputs, {k: v[i:i + 1] for k, v in feeds.items()}) for i in range(rows)]
        if not parts:
            return [np.empty((0,), dtype=object) for _ in outputs]
        return [np.concatenate([p[k] for p in parts]) for k in range(len(outputs))]

    def _run(self, outputs: list[str], feeds: dict) -> list:
        try:
            return self.session.run(outputs, feeds)
        except Exception as exc:
            raise PredictError("Error occurred during execution of the builtin function "
                               f"'PREDICT': onnxruntime failed: {_first_line(exc)}") from exc

    @property
    def batch_rows(self) -> int:
        return 1 if self.row_by_row else max(1, BATCH_ROWS)


def load_model(blob: bytes) -> OnnxModel:
    """The cached :class:`OnnxModel` for ``blob`` (created on first use).

    Raises:
        PredictError: "Model is corrupt or invalid" when onnxruntime cannot load the bytes.
    """
    if not isinstance(blob, (bytes, bytearray, memoryview)) or not blob:
        raise PredictError(f"{CORRUPT} (MODEL is not a non-empty varbinary value)")
    key = hashlib.sha256(blob).hexdigest()
    with _lock:
        model = _cache.get(key)
        if model is not None:
            _cache.move_to_end(key)
            return model
    model = OnnxModel(bytes(blob))
    with _lock:
        _cache[key] = model
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return model


def cached_sessions() -> int:
    """How many sessions are cached (tests check that scoring does not create more)."""
    return len(_cache)


def _tensor(arg) -> Tensor:
    shape = arg.shape
    shape = tuple(d if isinstance(d, int) else None for d in shape) if shape is not None else None
    return Tensor(arg.name, arg.type, shape)


def _options(ort):
    options = ort.SessionOptions()
    threads = int(os.environ.get("SYNHELPERS_PREDICT_THREADS", "0"))
    if threads:
        options.intra_op_num_threads = threads
    options.log_severity_level = 3
    return options


def _onnxruntime():
    from ..._compat import require
    return require("onnxruntime", extra="local")


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
