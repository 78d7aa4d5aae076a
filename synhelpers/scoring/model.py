"""The model a scorer runs: a registered ONNX model, or a keyed (many-models) one.

:func:`load_scoring_model` reads ``name:version`` (None/''/0/'latest' = the newest) from the
registry. An ONNX model becomes a :class:`ScoringModel` (bytes + graph inputs/outputs); a keyed
model registered by :func:`synhelpers.manymodels.train_many_models` becomes a :class:`.keyed.Routing` holding
one :class:`ScoringModel` per group. Both score with the same functions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from ..exceptions import ModelRegistryError
from .sessions import model_key

KEYED_KIND = "synhelpers.keyed_onnx"
KIND_TAG = "synhelpers_kind"


@dataclass
class ScoringModel:
    """One ONNX model: ``model_bytes``, graph ``inputs``/``outputs`` (TensorInfo), metadata."""
    name: str
    version: int
    model_bytes: bytes = field(repr=False)
    inputs: list
    outputs: list
    metadata: dict = field(default_factory=dict)

    @property
    def model_id(self) -> str:
        """``name:version``: the ID of the model's row in a SQL pool model table."""
        return f"{self.name}:{self.version}"

    @cached_property
    def key(self) -> str:
        return model_key(self.model_bytes)

    @property
    def classes(self) -> list | None:
        classes = self.metadata.get("classes")
        return list(classes) if classes else None


def from_onnx(model, name: str = "model", version: int = 0, metadata: dict | None = None):
    """A :class:`ScoringModel` from an ``onnx.ModelProto`` or its bytes (not registered)."""
    from ..onnx_export import model_inputs, model_outputs
    from ..onnx_export.serialized import load_graph
    proto = load_graph(model) if isinstance(model, (bytes, bytearray, memoryview)) else model
    return ScoringModel(name, int(version), proto.SerializeToString(), model_inputs(proto),
                        model_outputs(proto), dict(metadata or {}))


def load_scoring_model(model_name: str, model_version=None):
    """The registered model ``model_name`` at ``model_version`` (None or 'latest': the newest).

    Returns a :class:`ScoringModel` for an ONNX model, a :class:`.keyed.Routing` for a keyed
    (many-models) model.

    Raises:
        ModelRegistryError: unknown model or version (the known versions listed), or a model that
            is neither ONNX nor keyed.
    """
    from mlflow.models import Model

    from ..registry import registered_onnx, resolve_version
    if not str(model_name or "").strip():
        raise ModelRegistryError("model_name is empty: name a registered model (e.g. the "
                                 "model_name notebook 02_automl_wizard printed).")
    number = resolve_version(model_name, model_version)
    uri = f"models:/{model_name}/{number}"
    try:
        info = Model.load(uri)
    except Exception as exc:  # noqa: BLE001 - a broken registry entry
        raise ModelRegistryError(f"Model {model_name!r} version {number} cannot be read: "
                                 f"{exc}") from exc
    if (info.metadata or {}).get(KIND_TAG) == KEYED_KIND:
        from .keyed import load_routing
        return load_routing(model_name, number)
    found = registered_onnx(model_name, number)
    return ScoringModel(model_name, number, found["model_bytes"], found["inputs"],
                        found["outputs"], found["metadata"])
