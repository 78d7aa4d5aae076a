"""The MLflow tracking seam: a SQLite tracking store and registry locally, the configured URI in
Synapse (``MLFLOW_TRACKING_URI``, or the Spark conf ``spark.synhelpers.mlflow.trackingUri``, e.g.
the Azure ML workspace's MLflow URI)."""
from __future__ import annotations

import os
from pathlib import Path

from ..exceptions import ConfigError

SPARK_CONF_KEY = "spark.synhelpers.mlflow.trackingUri"


def local_tracking_uri() -> str:
    from ..runtime.state import state_dir
    return f"sqlite:///{state_dir() / 'mlflow.db'}"


def local_artifact_root() -> Path:
    from ..runtime.state import state_dir
    return state_dir() / "mlartifacts"


def tracking_uri() -> str:
    """The tracking URI for this runtime.

    Raises:
        ConfigError: in Synapse, when no tracking URI is configured.
    """
    from ..runtime import is_synapse
    configured = os.environ.get("MLFLOW_TRACKING_URI")
    if configured:
        return configured
    if not is_synapse():
        return local_tracking_uri()
    try:
        from pyspark.sql import SparkSession
        session = SparkSession.getActiveSession()
        value = session.conf.get(SPARK_CONF_KEY, None) if session else None
    except ImportError:
        value = None
    if value:
        return value
    raise ConfigError("No MLflow tracking URI in Synapse: set MLFLOW_TRACKING_URI or the Spark "
                      f"conf {SPARK_CONF_KEY} (e.g. your Azure ML workspace's MLflow URI).")


def configure() -> str:
    """Point MLflow (tracking and registry) at this runtime's store; return the URI."""
    import logging

    import mlflow
    from .._compat import sqlite_store_artifact_root
    uri = tracking_uri()
    if uri.startswith("sqlite:"):
        sqlite_store_artifact_root(local_artifact_root().as_uri())
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return uri


def get_or_create_experiment(name: str) -> str:
    """The experiment id of ``name`` (created with a local artifact root when local)."""
    import mlflow
    configure()
    experiment = mlflow.get_experiment_by_name(name)
    if experiment is not None:
        if experiment.lifecycle_stage == "deleted":
            mlflow.tracking.MlflowClient().restore_experiment(experiment.experiment_id)
        return experiment.experiment_id
    location = None
    if tracking_uri().startswith("sqlite:"):
        location = (local_artifact_root() / name).as_uri()
    return mlflow.create_experiment(name, artifact_location=location)
