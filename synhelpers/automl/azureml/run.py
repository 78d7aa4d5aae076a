"""``train_wizard(..., engine="azureml")``: the form, run by Azure AutoML, registered here.

workspace settings (fail first) -> table checks -> MLTable hand-off (Spark) -> job -> submit and
follow (:mod:`.submit`) -> download -> PREDICT contract + parity -> MLflow registration.
"""
from __future__ import annotations

import time

from ..._compat import require
from ...exceptions import AzureMLJobError
from .handoff import hand_off, staging_root
from .job import build_job, job_spec
from .output import read_output
from .register import register_output
from .workspace import resolve_workspace


def train_azureml(spark, config, show_progress: bool = True, dataframe=None):
    """Run the validated form (``config.engine == 'azureml'``) on Azure; see the module docstring.

    Raises:
        ConfigError: no workspace configured (names the three settings and where to set them;
            raised before anything runs), a bad table or column.
        MissingDependencyError: ``azure-ai-ml`` / ``azure-identity`` not installed
            (``pip install 'synhelpers[azureml]'``).
        AzureMLJobError: the job failed or was canceled; its best model breaks the PREDICT
            contract; its output lacks the model.
        ParityError: the ONNX model disagrees with Azure's reference predictions.
    """
    started = time.time()
    settings = resolve_workspace(spark)
    require("azure.ai.ml", extra="azureml")
    require("azure.identity", extra="azureml")
    handed = hand_off(spark, config, staging_root(spark, settings.staging_uri), dataframe)
    spec = job_spec(config, handed["training_data"], handed["target_column"],
                    handed["time_column"], settings.compute)
    from ...runtime import state_path
    from . import submit
    client = submit.connect(settings)
    created = submit.submit(client, build_job(spec))
    if show_progress:
        print(f"Azure AutoML job {created.name}: {getattr(created, 'studio_url', '')}", flush=True)
    status, trials = submit.follow(client, created.name, config.primary_metric,
                                   config.budget_seconds, show=show_progress)
    if status != "Completed":
        raise AzureMLJobError(f"Azure job {created.name} ended {status}: nothing was registered. "
                              f"See {getattr(created, 'studio_url', '') or 'the Azure ML studio'}.")
    folder = state_path("azureml-outputs", created.name, create_parent=True)
    submit.download(client, created.name, folder, config.primary_metric, trials)
    df = handed["dataframe"]
    sample = df.limit(config.parity_rows).toPandas()      # bounded by parity_rows
    return register_output(read_output(folder, onnx_required=config.onnx_compatible), config,
                           list(df.dtypes), sample, handed["target_column"],
                           total_rows=handed["rows"], started=started)
