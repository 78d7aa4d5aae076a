"""The wizard's form as an Azure Machine Learning AutoML job (pure; ``azure-ai-ml`` is imported
only by :func:`build_job` and :func:`load_job_yaml`).

The mapping, form -> job (``azure.ai.ml.automl.<task>``):

===========================  ===================================================================
form                         job
===========================  ===================================================================
``task``                     ``automl.regression`` / ``classification`` / ``forecasting``
``target_column``            ``target_column_name`` (the table's own spelling of the column)
``primary_metric``           ``primary_metric`` (Azure's names are the form's)
``training_hours``           ``limits.timeout_minutes`` (rounded up to whole minutes)
``max_concurrent_iterations``  ``limits.max_concurrent_trials``
``onnx_compatible``          ``training.enable_onnx_compatible_models``
``time_column``, ``horizon``  ``forecasting.time_column_name``, ``forecasting.forecast_horizon``
``experiment_name``          ``experiment_name``
``model_name``               ``display_name`` and the tag ``synhelpers.model_name``
``test_size``                ``test_data_size`` (regression and classification: Azure scores the
                             best model on that held-out part, which is the parity reference)
the table                    ``training_data``: an ``mltable`` input (:mod:`.handoff`)
compute setting              ``compute`` (empty: serverless compute)
===========================  ===================================================================

The YAML document is what ``job.dump`` writes with one correction: ``dump`` prefixes a data path
that is not an ``azureml://`` URI with ``azureml:`` (an asset reference), which ``load_job`` would
then read as the name of a registered asset; the document keeps the path as given.
"""
from __future__ import annotations

import io
import math
from dataclasses import asdict, dataclass, field

from ...exceptions import ConfigError
from ..metrics import CLASSIFICATION, FORECASTING, REGRESSION

# The primary metrics Azure AutoML offers per task (azure.ai.ml.automl.*PrimaryMetrics; a test
# checks this table against the installed azure-ai-ml).
AZURE_PRIMARY_METRICS = {
    REGRESSION: ("spearman_correlation", "normalized_root_mean_squared_error", "r2_score",
                 "normalized_mean_absolute_error"),
    CLASSIFICATION: ("AUC_weighted", "accuracy", "norm_macro_recall",
                     "average_precision_score_weighted", "precision_score_weighted"),
    FORECASTING: ("spearman_correlation", "normalized_root_mean_squared_error", "r2_score",
                  "normalized_mean_absolute_error"),
}
SCHEMAS = {REGRESSION: "https://azuremlschemas.azureedge.net/latest/autoMLRegressionJob.schema.json",
           CLASSIFICATION: "https://azuremlschemas.azureedge.net/latest/"
                           "autoMLClassificationJob.schema.json",
           FORECASTING: "https://azuremlschemas.azureedge.net/latest/"
                        "autoMLForecastingJob.schema.json"}


@dataclass(frozen=True)
class JobSpec:
    """Everything the job is built from, as plain values (what the notebook's parameters hold)."""
    task: str
    target_column: str
    primary_metric: str
    timeout_minutes: int
    max_concurrent_trials: int
    enable_onnx_compatible_models: bool
    training_data: str                 # an MLTable folder: a local path or a storage URI
    experiment_name: str
    model_name: str
    compute: str = ""                  # empty: serverless compute
    time_column: str = ""
    forecast_horizon: int = 0
    test_data_size: float = 0.0        # 0: no test run
    tags: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def timeout_minutes(training_hours: float) -> int:
    """``training_hours`` as Azure's whole-minute experiment timeout, rounded up (0.25 -> 15)."""
    return max(1, math.ceil(float(training_hours) * 60 - 1e-9))


def check_form(config) -> None:
    """The form's rules for ``engine='azureml'``, before anything runs.

    Raises:
        ConfigError: a primary metric Azure AutoML does not offer for the task (its metrics
            listed); ``onnx_compatible`` with forecasting; a ``test_size`` outside [0, 1).
    """
    offered = AZURE_PRIMARY_METRICS[config.task]
    if config.primary_metric not in offered:
        raise ConfigError(f"primary_metric={config.primary_metric!r}: Azure AutoML does not offer it "
                          f"for task={config.task!r}; use one of {', '.join(offered)}.")
    if config.task == FORECASTING and config.onnx_compatible:
        raise ConfigError("onnx_compatible=True is not possible with task='forecasting' and "
                          "engine='azureml': Azure AutoML has no ONNX for forecasting models. Set "
                          "onnx_compatible=False.")
    if not 0 <= float(config.test_size) < 1:
        raise ConfigError(f"test_size={config.test_size!r} must be in [0, 1) for engine='azureml' "
                          "(the share of rows Azure holds out to test the best model).")


def job_spec(config, training_data: str, target_column: str = "", time_column: str = "",
             compute: str = "") -> JobSpec:
    """The job for a validated form (:func:`..config.make_config`) and the MLTable folder
    ``training_data``; ``target_column``/``time_column``: the table's spelling (default: the form's)."""
    check_form(config)
    forecasting = config.task == FORECASTING
    return JobSpec(
        task=config.task, target_column=target_column or config.target_column,
        primary_metric=config.primary_metric, timeout_minutes=timeout_minutes(config.training_hours),
        max_concurrent_trials=int(config.max_concurrent_iterations),
        enable_onnx_compatible_models=bool(config.onnx_compatible), training_data=training_data,
        experiment_name=config.experiment_name, model_name=config.model_name, compute=compute,
        time_column=(time_column or config.time_column) if forecasting else "",
        forecast_horizon=int(config.horizon) if forecasting else 0,
        test_data_size=0.0 if forecasting else float(config.test_size),
        tags={"synhelpers.model_name": config.model_name, "synhelpers.table": config.table_name,
              "synhelpers.engine": "azureml"})


def build_job(spec: JobSpec):
    """The ``azure.ai.ml`` AutoML job object of ``spec`` (what ``ml_client.jobs.create_or_update``
    submits). The notebook that ``synhelpers train --emit-notebook`` writes makes the same calls."""
    from ..._compat import require
    automl = require("azure.ai.ml.automl", extra="azureml")
    from azure.ai.ml import Input
    job = getattr(automl, spec.task)(
        experiment_name=spec.experiment_name, display_name=spec.model_name,
        compute=spec.compute or None,
        training_data=Input(type="mltable", path=spec.training_data),
        target_column_name=spec.target_column, primary_metric=spec.primary_metric,
        test_data_size=spec.test_data_size or None, tags=dict(spec.tags))
    job.set_limits(timeout_minutes=spec.timeout_minutes,
                   max_concurrent_trials=spec.max_concurrent_trials)
    job.set_training(enable_onnx_compatible_models=spec.enable_onnx_compatible_models)
    if spec.task == FORECASTING:
        job.set_forecast_settings(time_column_name=spec.time_column,
                                  forecast_horizon=spec.forecast_horizon)
    return job


def job_document(job, training_data: str) -> dict:
    """The YAML document of a built job: ``$schema`` first, the data path as given."""
    import yaml
    buffer = io.StringIO()
    job.dump(buffer)
    doc = yaml.safe_load(buffer.getvalue())
    doc["training_data"]["path"] = training_data
    return {"$schema": SCHEMAS[doc["task"]], **doc}


def job_yaml(spec: JobSpec) -> str:
    """The job's YAML (``az ml job create --file``, or ``load_job``)."""
    import yaml
    return yaml.safe_dump(job_document(build_job(spec), spec.training_data), sort_keys=False)


def load_job_yaml(text: str):
    """``azure.ai.ml.load_job`` of a YAML text: Azure's own schema validation.

    Raises:
        ConfigError: the document does not validate (azure-ai-ml's message).
    """
    from ..._compat import require
    ml = require("azure.ai.ml", extra="azureml")
    try:
        return ml.load_job(source=io.StringIO(text))
    except Exception as exc:  # noqa: BLE001 - azure-ai-ml raises several validation errors
        raise ConfigError(f"The Azure AutoML job does not validate: {exc}") from exc
