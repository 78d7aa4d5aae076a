"""The table handed to Azure: Spark writes it as Parquet with an ``MLTable`` file beside it.

The executors write the Parquet files (nothing is collected to the driver); the driver then
writes the small ``MLTable`` file through Hadoop's file system, so the same code writes to a local
folder and to ``abfss://`` storage. Each run gets a new folder
``<staging root>/<experiment>/<yyyyMMddHHmmss>-<8 hex>``: a re-run never overwrites the data of a
job that may still be reading it, and a failed write leaves no ``MLTable`` (Azure cannot load a
half-written folder).

The staging root is the ``staging_uri`` setting (:mod:`.workspace`); by default, in Synapse,
``/synhelpers/azureml`` on the workspace's default storage (``fs.defaultFS``), and locally the
``azureml`` folder of the state directory. Azure reads the folder from the job's ``training_data``:
a local path is uploaded by ``azure-ai-ml`` when the job is submitted; a storage URI
(``abfss://``, ``wasbs://``, ``azureml://``) is read by the compute itself, which therefore needs
access to that storage (identity-based data access).
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime

from ...registry.names import check_mlflow_name
from ...exceptions import AutoMLError
from ..data import _is_numeric, _resolve, training_frame
from ..metrics import FORECASTING

MLTABLE_FILE = "MLTable"
MLTABLE_TEXT = """\
$schema: https://azuremlschemas.azureedge.net/latest/MLTable.schema.json
type: mltable
paths:
- pattern: ./*.parquet
transformations:
- read_parquet:
    include_path_column: false
"""
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def staging_root(spark, configured: str = "") -> str:
    """Where run folders go: ``configured``, else the default storage (Synapse) or the state
    directory (locally)."""
    if configured:
        return configured.rstrip("/")
    from ...runtime import is_synapse, state_path
    if is_synapse():
        default_fs = spark.sparkContext._jsc.hadoopConfiguration().get("fs.defaultFS")
        return f"{str(default_fs).rstrip('/')}/synhelpers/azureml"
    return str(state_path("azureml", create_parent=False))


def run_folder(root: str, experiment_name: str, now: datetime | None = None,
               token: str | None = None) -> str:
    """``<root>/<experiment>/<yyyyMMddHHmmss>-<8 hex>`` (``experiment_name`` checked as the form
    checks it: :func:`synhelpers.registry.names.check_mlflow_name`)."""
    check_mlflow_name(experiment_name, "experiment_name")
    stamp = (now or datetime.now()).strftime("%Y%m%d%H%M%S")
    return f"{root.rstrip('/')}/{experiment_name}/{stamp}-{token or uuid.uuid4().hex[:8]}"


def job_path(qualified: str) -> str:
    """The job's ``training_data`` for a qualified folder: a local path for ``file:`` (uploaded on
    submit), the URI itself otherwise."""
    if qualified.startswith("file:"):
        path = re.sub(r"^file:(//)?", "", qualified)
        return path if path.startswith("/") else "/" + path
    return qualified


def table_columns(spark, config, dataframe=None) -> tuple[object, str, str]:
    """The Spark DataFrame to hand over, and the table's spelling of the target and time columns.

    Raises:
        ConfigError: no such table or column.
        AutoMLError: a regression or forecasting target that is not numeric; only the target.
    """
    df = training_frame(spark, config.table_name, dataframe)
    types = dict(df.dtypes)
    target = _resolve(df.columns, config.target_column, "target_column", config.table_name)
    time_column = ""
    if config.task == FORECASTING:
        time_column = _resolve(df.columns, config.time_column, "time_column", config.table_name)
    if len(df.columns) < 2:
        raise AutoMLError(f"Table {config.table_name!r} holds only the target column {target!r}: "
                          "there is nothing to learn from. Add feature columns.")
    if config.task != "classification" and not _is_numeric(types[target]):
        raise AutoMLError(f"task={config.task!r} needs a numeric target, but {target!r} is "
                          f"{types[target]}: use task='classification' for categories.")
    return df, target, time_column


def write_mltable(spark, df, folder: str) -> str:
    """Write ``df`` as Parquet into ``folder`` (which must not exist), then its ``MLTable`` file.
    Returns the folder's qualified URI (``file:/...`` locally, ``abfss://...`` on storage)."""
    from ..._compat import error_cause
    try:
        df.write.mode("errorifexists").parquet(folder)
    except Exception as exc:  # noqa: BLE001 - Spark's error, named
        raise AutoMLError(f"Writing the training data to {folder} failed: {error_cause(exc)}") from exc
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(folder)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    stream = fs.create(jvm.org.apache.hadoop.fs.Path(path, MLTABLE_FILE), False)
    try:
        stream.write(bytearray(MLTABLE_TEXT.encode("utf-8")))
    finally:
        stream.close()
    return str(fs.makeQualified(path).toString())


def hand_off(spark, config, root: str, dataframe=None) -> dict:
    """Check the table, write its MLTable folder under ``root``; returns ``{"training_data",
    "folder", "target_column", "time_column", "rows", "dataframe"}`` (``training_data`` is what
    :func:`.job.job_spec` takes; ``rows`` is counted from the written files' metadata)."""
    df, target, time_column = table_columns(spark, config, dataframe)
    folder = run_folder(root, config.experiment_name)
    qualified = write_mltable(spark, df, folder)
    rows = spark.read.parquet(f"{folder}/*.parquet").count()     # the files' metadata
    if rows == 0:
        raise AutoMLError(f"Table {config.table_name!r} is empty: nothing to train on.")
    return {"training_data": job_path(qualified), "folder": qualified, "target_column": target,
            "time_column": time_column, "rows": int(rows), "dataframe": df}
