"""The registered model the wizard deploys: its IO, bytes and metadata, read from MLflow.

Unlike :func:`synhelpers.registry.registered_onnx`, a model without the ONNX flavor or with an
output PREDICT cannot return (a ZipMap) is not refused here: its description goes to the contract
check, which reports it with every other mismatch.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from ...exceptions import ModelRegistryError
from .model_io import ModelIO, describe_onnx
from .script import ModelRow


@dataclass(frozen=True)
class RegisteredModel:
    """One registered model version as the wizard needs it (``model_bytes`` None unless ONNX)."""
    io: ModelIO
    flavors: tuple[str, ...]
    model_bytes: bytes | None
    description: str = ""
    created_time: datetime | None = None
    created_by: str = ""

    @property
    def model_id(self) -> str:
        return self.io.model_id

    def row(self) -> ModelRow:
        """The model table row (reference §2.4) of this version.

        Raises:
            ModelRegistryError: the model has no ONNX bytes (not an ONNX model).
        """
        if self.model_bytes is None:
            raise ModelRegistryError(f"Model {self.model_id} has no ONNX flavor: nothing to deploy.")
        return ModelRow(model_id=self.model_id, name=self.io.name, version=self.io.version,
                        model_bytes=self.model_bytes, inputs_schema=self.io.schema_json("inputs"),
                        outputs_schema=self.io.schema_json("outputs"), description=self.description,
                        created_time=self.created_time, created_by=self.created_by,
                        framework="ONNX")


def latest_model_name() -> str:
    """The registered model updated last (what an empty ``model_name`` scores).

    Raises:
        ModelRegistryError: the registry holds no model.
    """
    from mlflow.tracking import MlflowClient

    from ...registry import configure
    configure()
    models = MlflowClient().search_registered_models(order_by=["last_updated_timestamp DESC"],
                                                     max_results=1)
    if not models:
        raise ModelRegistryError("No model is registered: train one first (notebook "
                                 "02_automl_wizard), or pass model_name.")
    return models[0].name


def load_registered_model(model_name: str = "", model_version=0) -> RegisteredModel:
    """Read ``model_name`` (empty: :func:`latest_model_name`) at ``model_version`` (0, None or
    'latest': the highest) from the MLflow registry.

    Raises:
        ModelRegistryError: unknown model or version, or an unreadable model.
    """
    from mlflow.models import Model

    from ...registry import model_description, resolve_version
    name = (model_name or "").strip() or latest_model_name()
    number = resolve_version(name, model_version)
    uri = f"models:/{name}/{number}"
    try:
        info = Model.load(uri)
    except Exception as exc:  # noqa: BLE001  (MLflow raises several kinds)
        raise ModelRegistryError(f"Model {name!r} version {number} cannot be read: {exc}") from exc
    meta = model_description(name, number)
    flavors = tuple(info.flavors)
    blob, inputs, outputs = None, (), ()
    if "onnx" in flavors:
        import mlflow.onnx
        try:
            blob = mlflow.onnx.load_model(uri).SerializeToString()
            inputs, outputs = describe_onnx(blob)
        except Exception as exc:  # noqa: BLE001
            raise ModelRegistryError(f"The ONNX model of {name!r} version {number} cannot be "
                                     f"loaded: {exc}") from exc
    created = meta.get("created_time")
    return RegisteredModel(
        io=ModelIO(name, number, inputs, outputs), flavors=flavors, model_bytes=blob,
        description=meta.get("description") or "",
        created_time=datetime.fromtimestamp(created / 1000, tz=timezone.utc) if created else None,
        created_by=meta.get("created_by") or "")
