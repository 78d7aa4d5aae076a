"""Log, register and load models in the MLflow registry.

An ONNX model is logged with the ``onnx`` flavor and a *tensor* signature derived from the graph
(one ``[-1, 1]`` tensor per raw column): with it, ``mlflow.pyfunc.load_model("models:/n/v")``
predicts on a DataFrame (a column signature would feed rank-1 arrays and onnxruntime would refuse
them: "Invalid rank for input"). Registry versions only ever increase.
"""
from __future__ import annotations

import numpy as np

from .._compat import log_model_name
from ..exceptions import ModelRegistryError

ONNX_ARTIFACT = "model"
SKLEARN_ARTIFACT = "sklearn-model"
CPU = ["CPUExecutionProvider"]


def signature_from_onnx(onnx_model):
    """An MLflow ModelSignature of TensorSpecs named and typed after the graph's IO."""
    from mlflow.models.signature import ModelSignature
    from mlflow.types.schema import Schema, TensorSpec

    from ..onnx_export import model_inputs, model_outputs

    def specs(infos):
        out = []
        for info in infos:
            dtype = np.dtype(str) if info.onnx_type == "tensor(string)" else info.numpy_dtype
            out.append(TensorSpec(dtype, tuple(info.shape), info.name))
        return Schema(out)

    return ModelSignature(inputs=specs(model_inputs(onnx_model)),
                          outputs=specs(model_outputs(onnx_model)))


def pinned_requirements(*packages: str) -> list[str]:
    """``name==version`` of installed packages (given explicitly, MLflow skips its slow
    requirement inference, which imports the model in a subprocess)."""
    from importlib.metadata import PackageNotFoundError, version
    pins = []
    for package in packages:
        try:
            pins.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            continue
    return pins


def log_onnx_model(onnx_model, *, sklearn_model=None, input_example=None,
                   metadata: dict | None = None, extra_requirements: tuple = ()) -> str:
    """Log into the active run: the ONNX model (and the native sklearn model). Returns its URI."""
    import mlflow
    import mlflow.onnx
    info = mlflow.onnx.log_model(onnx_model, **log_model_name(ONNX_ARTIFACT),
                                 signature=signature_from_onnx(onnx_model),
                                 input_example=input_example, metadata=metadata,
                                 onnx_execution_providers=CPU,
                                 pip_requirements=pinned_requirements("mlflow", "onnx",
                                                                      "onnxruntime", "numpy"))
    if sklearn_model is not None:
        log_sklearn_model(sklearn_model, SKLEARN_ARTIFACT, extra_requirements=extra_requirements)
    return info.model_uri


def log_sklearn_model(model, name: str = "model", input_example=None,
                      extra_requirements: tuple = ()) -> str:
    """Log a native model (cloudpickle; it may hold LightGBM/XGBoost/synhelpers objects)."""
    import mlflow.sklearn
    return mlflow.sklearn.log_model(
        model, **log_model_name(name), input_example=input_example,
        serialization_format="cloudpickle",
        pip_requirements=pinned_requirements("mlflow", "scikit-learn", "numpy", "pandas",
                                             "lightgbm", "xgboost", "synhelpers",
                                             *extra_requirements)).model_uri


def register(model_uri: str, name: str, description: str = "", tags: dict | None = None) -> int:
    """Register ``model_uri`` under ``name``; return the new version (always a new one)."""
    import mlflow
    from mlflow.tracking import MlflowClient
    try:
        version = mlflow.register_model(model_uri, name, tags=tags)
    except Exception as exc:
        raise ModelRegistryError(f"Registering {model_uri} as {name!r} failed: {exc}") from exc
    if description:
        MlflowClient().update_model_version(name, version.version, description=description)
    return int(version.version)


def resolve_version(name: str, version=None) -> int:
    """``version`` as an int; None, '', 0 or 'latest' mean the highest version.

    Raises:
        ModelRegistryError: unknown model or version (the known ones listed).
    """
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    from .tracking import configure
    configure()
    client = MlflowClient()
    try:
        versions = sorted(int(v.version) for v in client.search_model_versions(f"name='{name}'"))
    except MlflowException as exc:
        raise ModelRegistryError(f"Model {name!r} cannot be read from the registry: {exc}") from exc
    if not versions:
        raise ModelRegistryError(f"Model {name!r} is not in the registry: train and register it "
                                 "first (notebook 02_automl_wizard), or check model_name.")
    if version in (None, "", 0, "0", "latest"):
        return versions[-1]
    try:
        wanted = int(version)
    except (TypeError, ValueError):
        raise ModelRegistryError(f"model_version={version!r} is not a version number.") from None
    if wanted not in versions:
        raise ModelRegistryError(f"Model {name!r} has no version {wanted}; it has "
                                 f"{', '.join(map(str, versions))}.")
    return wanted


def model_uri(name: str, version=None) -> str:
    return f"models:/{name}/{resolve_version(name, version)}"


def load_onnx_bytes(name: str, version=None) -> bytes:
    """The serialized ONNX graph of a registered model (what the SQL pool's model table holds)."""
    import mlflow.onnx
    model = mlflow.onnx.load_model(model_uri(name, version))
    return model.SerializeToString()


def load_pyfunc(name: str, version=None):
    import mlflow.pyfunc
    return mlflow.pyfunc.load_model(model_uri(name, version))


def model_description(name: str, version=None) -> dict:
    """Name, version, description, created time, creator, run id and flavors of a version."""
    from mlflow.tracking import MlflowClient
    number = resolve_version(name, version)
    item = MlflowClient().get_model_version(name, str(number))
    return {"name": name, "version": number, "description": item.description or "",
            "created_time": item.creation_timestamp, "created_by": item.user_id or "",
            "run_id": item.run_id, "source": item.source, "tags": dict(item.tags or {})}


def registered_onnx(name: str, version=None) -> dict:
    """Everything a scorer needs of a registered ONNX model.

    Returns ``{"name", "version", "model_bytes", "inputs", "outputs", "metadata", "description"}``
    where ``inputs``/``outputs`` are :class:`..onnx_export.TensorInfo` lists read from the graph.

    Raises:
        ModelRegistryError: unknown model or version, or a model without the ONNX flavor.
    """
    import mlflow.onnx
    import onnx
    from mlflow.models import Model

    from ..onnx_export import model_inputs, model_outputs
    number = resolve_version(name, version)
    uri = f"models:/{name}/{number}"
    try:
        info = Model.load(uri)
    except Exception as exc:  # noqa: BLE001
        raise ModelRegistryError(f"Model {name!r} version {number} cannot be read: {exc}") from exc
    if "onnx" not in info.flavors:
        raise ModelRegistryError(f"Model {name!r} version {number} is not an ONNX model (flavors: "
                                 f"{', '.join(info.flavors)}): PREDICT and Spark scoring need ONNX. "
                                 "Train it with onnx_compatible=True.")
    model = mlflow.onnx.load_model(uri)
    onnx.checker.check_model(model)
    return {"name": name, "version": number, "model_bytes": model.SerializeToString(),
            "inputs": model_inputs(model), "outputs": model_outputs(model),
            "metadata": dict(info.metadata or {}), "description": model_description(name, number)}
