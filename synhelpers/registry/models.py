"""Log, register and load models in the MLflow registry.

An ONNX model is logged with two flavors (:mod:`.onnx_pyfunc`): ``onnx``, the graph exactly as
PREDICT and Spark scoring read it (one ``[N, 1]`` input per raw column), and ``python_function``,
which scores any pandas DataFrame holding the input columns, under a column-based signature that
``mlflow.pyfunc``, ``spark_udf``, Synapse's Spark PREDICT and ``mlflow models serve`` all read.
Registry versions only ever increase.
"""
from __future__ import annotations

from ..exceptions import ModelRegistryError

ONNX_ARTIFACT = "model"
SKLEARN_ARTIFACT = "sklearn-model"
CPU = ["CPUExecutionProvider"]


def signature_from_onnx(onnx_model, column_types: dict | None = None):
    """The column-based MLflow ModelSignature of a graph
    (see :func:`.onnx_pyfunc.column_signature`)."""
    from .onnx_pyfunc import column_signature
    return column_signature(onnx_model, column_types)


def filter_string(value: str) -> str:
    """``value`` as a string literal of an MLflow search filter (``name = <literal>``).

    MLflow's filter parser has no escape inside quotes: a value is wrapped in the quote it does
    not contain. A value holding both quote characters cannot be written.

    Raises:
        ModelRegistryError: the value holds both ``'`` and ``"``.
    """
    value = str(value)
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise ModelRegistryError(f"Model name {value!r} holds both ' and \": the MLflow registry "
                             "cannot search for it; register the model under another name.")


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
                   metadata: dict | None = None, extra_requirements: tuple = (),
                   column_types: dict | None = None) -> str:
    """Log into the active run: the ONNX model (and the native sklearn model). Returns its URI.

    ``input_example``: raw rows holding the input columns (a pandas DataFrame; its first rows,
    typed as the signature says, become MLflow's example request); ``column_types``: the
    training table's Spark types by column, for the signature.
    """
    from . import onnx_pyfunc
    signature = signature_from_onnx(onnx_model, column_types)
    info = onnx_pyfunc.log_model(
        onnx_model, ONNX_ARTIFACT, signature,
        input_example=onnx_pyfunc.signature_example(input_example, signature), metadata=metadata,
        pip_requirements=pinned_requirements("mlflow", "onnx", "onnxruntime", "numpy", "pandas",
                                             "pyarrow", "synhelpers"))
    if sklearn_model is not None:
        log_sklearn_model(sklearn_model, SKLEARN_ARTIFACT, extra_requirements=extra_requirements)
    return info.model_uri


def log_sklearn_model(model, name: str = "model", input_example=None,
                      extra_requirements: tuple = ()) -> str:
    """Log a native model (cloudpickle; it may hold LightGBM/XGBoost/synhelpers objects)."""
    import mlflow.sklearn

    from .._compat import log_model_name
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
        found = client.search_model_versions(f"name = {filter_string(name)}")
        versions = sorted(int(v.version) for v in found)
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
