"""Optional dependencies: import them where they are needed, with a clear error when absent."""
from __future__ import annotations

import importlib
import importlib.util

from .exceptions import MissingDependencyError

_PIP_NAMES = {"sklearn": "scikit-learn", "skl2onnx": "skl2onnx", "yaml": "pyyaml",
              "azure": "azure-ai-ml"}


def has_module(name: str) -> bool:
    """True when ``name`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def require(name: str, extra: str = "local"):
    """Import and return module ``name``; raise :class:`MissingDependencyError` when absent."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        pip_name = _PIP_NAMES.get(name.split(".")[0], name.split(".")[0])
        raise MissingDependencyError(
            f"This step needs the '{pip_name}' package, which is not installed. Install it with "
            f"`pip install 'synhelpers[{extra}]'` (or `pip install {pip_name}`).") from exc


# --- library versions: the Synapse 3.5 pool (MLflow 2.18, numpy 1.26) and our local stack (MLflow 3) ---

def mlflow_major() -> int:
    """The installed MLflow's major version (2 in a Synapse 3.5 pool, 3 locally)."""
    from importlib.metadata import PackageNotFoundError, version
    for dist in ("mlflow", "mlflow-skinny"):
        try:
            return int(version(dist).split(".")[0])
        except PackageNotFoundError:
            continue
    import mlflow
    return int(mlflow.__version__.split(".")[0])


def log_model_name(name: str) -> dict:
    """The keyword that names a logged model: ``name`` in MLflow 3, ``artifact_path`` in MLflow 2
    (where ``name`` is refused: "log_model() got an unexpected keyword argument 'name'")."""
    return {"name": name} if mlflow_major() >= 3 else {"artifact_path": name}


def model_log_name(name: str) -> dict:
    """The same for ``mlflow.models.Model.log``, whose ``artifact_path`` stays a required
    (deprecated, None) argument in MLflow 3."""
    return {"artifact_path": None, "name": name} if mlflow_major() >= 3 else {"artifact_path": name}


def any_column_type():
    """MLflow's ``AnyType`` for a signature column MLflow must not type-check (MLflow 3), or
    None where MLflow has no such type (MLflow 2.18)."""
    try:
        from mlflow.types.schema import AnyType
    except ImportError:
        return None
    return AnyType()


def sqlite_store_artifact_root(root: str) -> None:
    """Make ``root`` the default artifact root of a SQLite tracking store this process opens.

    MLflow 2 gives the client's SQL store ``./mlruns`` and creates that folder in the working
    directory each time it opens the store: a stray empty ``mlruns/`` wherever a notebook or test
    ran in the Synapse profile. MLflow 3's store creates no folder. Our experiments name their own
    artifact location, so only the store's unused default moves (into the state directory)."""
    if mlflow_major() >= 3:
        return
    from mlflow.tracking._tracking_service import utils
    utils.DEFAULT_LOCAL_FILE_AND_ARTIFACT_PATH = root


def mlflow_has_scoring_server() -> bool:
    """True when MLflow's scoring server module imports here (``spark_udf`` and the input-example
    check at logging use it): it needs Flask, which full ``mlflow`` brings and ``mlflow-skinny``
    does not (the Synapse 3.5 pool installs Flask beside it)."""
    return has_module("flask")


def pyspark_major() -> int:
    """The installed pyspark's major version (3 in a Synapse 3.5 pool, 4 locally)."""
    import pyspark
    return int(pyspark.__version__.split(".")[0])


def spark_from_arrow(spark, table, schema=None):
    """A Spark DataFrame of a pyarrow Table (held by the driver: callers bound its size).

    pyspark 4 takes Arrow directly; pyspark 3.5 takes pandas (nullable integers kept as objects,
    so that a null stays a null instead of becoming NaN).
    """
    if pyspark_major() >= 4:
        return spark.createDataFrame(table, schema) if schema else spark.createDataFrame(table)
    frame = table.to_pandas(integer_object_nulls=True, date_as_object=True)
    return spark.createDataFrame(frame, schema) if schema else spark.createDataFrame(frame)


def error_cause(exc: BaseException) -> str:
    """One line saying why a Spark call failed. pyspark 4 puts the cause first; pyspark 3.5's
    ``Py4JJavaError`` starts with "An error occurred while calling o123.parquet." and buries it
    in the Java exception's causes."""
    java = getattr(exc, "java_exception", None)
    if java is not None:
        try:
            root = java
            while root.getCause() is not None:
                root = root.getCause()
            message = str(root.getMessage() or root.toString())
        except Exception:  # noqa: BLE001 - the JVM may be gone
            message = ""
        if message.strip():
            return message.strip().splitlines()[0]
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
