"""The Spark session seam.

In Synapse, :func:`get_spark` returns the pool's live session. Locally it builds a session with
Hive support, a Derby metastore and a warehouse in the state directory, so that tables persist
across notebooks as in a Synapse lake database. It must run before anything imports flaml: with
pandas<3, ``import flaml.automl`` starts a default ``local[*]`` session whose settings (warehouse,
memory) would win otherwise.
"""
from __future__ import annotations

import logging
import os
import sys

from ..exceptions import RuntimeSeamError
from .detect import is_synapse
from .state import state_dir

log = logging.getLogger(__name__)

MASTER_ENV = "SYNHELPERS_SPARK_MASTER"
DRIVER_MEMORY_ENV = "SYNHELPERS_DRIVER_MEMORY"
SHUFFLE_PARTITIONS_ENV = "SYNHELPERS_SHUFFLE_PARTITIONS"
_OWNER_CONF = "spark.synhelpers.stateDir"
_LOG4J = os.path.join(os.path.dirname(__file__), "log4j2.properties")


def _default_driver_memory() -> str:
    """A quarter of the machine's memory, between 1 and 8 GiB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "2g"
    gib = max(1, min(8, int(total / 4 / 2**30)))
    return f"{gib}g"


def local_spark_conf(state: str | os.PathLike | None = None) -> dict[str, str]:
    """The Spark configuration of the local runtime (pure; used by :func:`get_spark`)."""
    root = os.fspath(state or state_dir())
    cores = os.cpu_count() or 2
    return {
        "spark.app.name": "synhelpers-local",
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": os.path.join(root, "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL":
            f"jdbc:derby:;databaseName={os.path.join(root, 'metastore_db')};create=true",
        "spark.driver.extraJavaOptions": (f"-Dderby.system.home={root} "
                                          f"-Dlog4j2.configurationFile={_LOG4J}"),
        "spark.driver.memory": os.environ.get(DRIVER_MEMORY_ENV, _default_driver_memory()),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": os.environ.get(SHUFFLE_PARTITIONS_ENV, str(max(4, 2 * cores))),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.executorEnv.PYSPARK_PYTHON": sys.executable,
        _OWNER_CONF: root,
    }


def _session_state_dir(session) -> str | None:
    try:
        return session.conf.get(_OWNER_CONF, None)
    except Exception:  # a stopped or foreign session
        return None


def get_spark(app_name: str | None = None):
    """Return the Spark session: Synapse's live one, or the local one (built once).

    Raises:
        MissingDependencyError: pyspark is not installed.
        RuntimeSeamError: the local metastore is locked by another Spark process.
    """
    from .._compat import require
    require("pyspark", extra="local")
    from pyspark.sql import SparkSession

    if is_synapse():
        return SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()

    root = str(state_dir())
    active = SparkSession.getActiveSession()
    if active is not None:
        if _session_state_dir(active) == root:
            return active
        log.warning("A Spark session not built by synhelpers is running (was flaml imported "
                    "before get_spark()?); stopping it to build the local runtime session.")
        active.stop()

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    builder = SparkSession.builder.master(os.environ.get(MASTER_ENV, "local[*]"))
    for key, value in local_spark_conf(root).items():
        builder = builder.config(key, value)
    if app_name:
        builder = builder.appName(app_name)
    session = builder.enableHiveSupport().getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    try:  # open the metastore now, so a lock shows here with a clear message
        session.sql("SHOW DATABASES").collect()
    except Exception as exc:
        session.stop()
        raise RuntimeSeamError(
            f"The local metastore in {root} cannot be opened ({type(exc).__name__}). Another "
            "Spark session (a running notebook or process) probably holds it: stop it, or set "
            "SYNHELPERS_STATE_DIR to another folder.") from exc
    return session


def workspace_name(spark=None) -> str:
    """The Synapse workspace's name (``spark.synapse.workspace.name``), ``local`` elsewhere.

    With ``spark=None`` no session is started locally (the answer is ``local`` there)."""
    if spark is None:
        if not is_synapse():
            return "local"
        spark = get_spark()
    try:
        return spark.conf.get("spark.synapse.workspace.name", None) or "local"
    except Exception:  # noqa: BLE001 - a stopped session
        return "local"
