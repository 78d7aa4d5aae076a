"""The wizard's form ("Train a new model"), validated up front (pure).

Parameter names are those of the notebook ``02_automl_wizard`` (fixed: the pipeline and the CLI
pass them). Defaults mirror the wizard: regression with Spearman correlation, classification
with AUC_weighted, ONNX compatibility on, experiment ``<workspace>-<table>-<yyyyMMddHHmmss>`` and
best model ``<experiment>-Best``.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

from ..exceptions import ConfigError
from ..registry.names import check_mlflow_name
from ..params import as_bool, as_bool_or_auto, as_float, as_int
from .metrics import CLASSIFICATION, DEFAULT_METRIC, FORECASTING, REGRESSION, get_metric

TASKS = (REGRESSION, CLASSIFICATION, FORECASTING)
ENGINES = ("flaml", "azureml")


@dataclass(frozen=True)
class WizardConfig:
    """The validated form. ``training_hours`` is the whole run's budget, final refit included."""
    table_name: str
    target_column: str
    task: str = REGRESSION
    primary_metric: str = ""
    training_hours: float = 0.25
    max_concurrent_iterations: int = 4
    onnx_compatible: bool = True
    experiment_name: str = ""
    model_name: str = ""
    time_column: str = ""
    horizon: int = 0
    engine: str = "flaml"              # "flaml" (here and on pools) or "azureml" (Azure AutoML)
    # not on the form: engineering knobs with safe defaults
    seed: int = 1
    max_training_rows: int = 500_000
    test_size: float = 0.1
    parity_rows: int = 10_000
    parity_abs_tol: float = 1e-3
    parity_rel_tol: float = 1e-4
    parity_max_mismatch_rate: float = 1e-3
    use_spark: object = "auto"        # True | False | "auto" (see engine.resolve_use_spark)
    ensemble: bool = True              # a final weighted ensemble when it beats the best model
    ensemble_share: float = 0.15       # of the time after loading and the reserve: the ensemble's
    extra: dict = field(default_factory=dict)

    @property
    def budget_seconds(self) -> float:
        return float(self.training_hours) * 3600.0

    def to_params(self) -> dict:
        """The settings as MLflow params (strings, no secrets)."""
        params = asdict(self)
        params.pop("extra")
        return {k: str(v) for k, v in params.items()}


def default_experiment_name(workspace: str, table: str, now: datetime | None = None) -> str:
    """``<workspace>-<table>-<yyyyMMddHHmmss>`` as the wizard proposes it."""
    stamp = (now or datetime.now()).strftime("%Y%m%d%H%M%S")
    return f"{workspace}-{table.split('.')[-1].lower()}-{stamp}"


def make_config(table_name: str, target_column: str, task: str = REGRESSION,
                primary_metric: str = "", training_hours: float = 0.25,
                max_concurrent_iterations: int = 4, onnx_compatible=True,
                experiment_name: str = "", model_name: str = "", time_column: str = "",
                horizon: int = 0, workspace: str = "local", engine: str = "flaml",
                **engineering) -> WizardConfig:
    """Validate the form and fill the wizard's defaults.

    Raises:
        ConfigError: empty table or target; unknown task; unknown metric or one that does not
            fit the task; a budget <= 0; concurrency < 1; forecasting without ``time_column`` or
            ``horizon``; ``onnx_compatible`` with forecasting (the wizard has no ONNX for it);
            names MLflow would refuse; an unknown ``engine``, or a form Azure AutoML refuses
            (``engine='azureml'``, see :func:`.azureml.job.check_form`).
    """
    if not str(table_name or "").strip():
        raise ConfigError("table_name is empty: name the Spark table to train on (e.g. 'NYC_Taxi').")
    if not str(target_column or "").strip():
        raise ConfigError("target_column is empty: name the column to predict (e.g. 'fareAmount').")
    engine = str(engine or "flaml").strip().lower()
    if engine not in ENGINES:
        raise ConfigError(f"engine={engine!r} is not valid: use 'flaml' (FLAML on Spark, the "
                          "default) or 'azureml' (Azure Machine Learning's AutoML).")
    task = str(task or "").strip().lower()
    if task not in TASKS:
        raise ConfigError(f"task={task!r} is not valid: use one of {', '.join(TASKS)}.")
    metric = get_metric(primary_metric or DEFAULT_METRIC[task], task).name
    hours = as_float(training_hours, "training_hours", above=0)   # 0.25 is 15 minutes
    concurrency = as_int(max_concurrent_iterations, "max_concurrent_iterations", minimum=1)
    onnx = as_bool(onnx_compatible, "onnx_compatible")
    if task == FORECASTING:
        if onnx:
            raise ConfigError("onnx_compatible=True is not possible with task='forecasting': the "
                              "wizard has no ONNX for forecasting models. Set onnx_compatible=False.")
        if not str(time_column or "").strip():
            raise ConfigError("task='forecasting' needs time_column: the column holding the dates.")
        horizon = as_int(horizon, "horizon", minimum=1)    # periods ahead
    table_short = str(table_name).split(".")[-1]
    experiment = experiment_name or default_experiment_name(workspace, table_short)
    model = model_name or f"{experiment}-Best"
    check_mlflow_name(experiment, "experiment_name")
    check_mlflow_name(model, "model_name")
    config = WizardConfig(table_name=str(table_name).strip(), target_column=str(target_column).strip(),
                          task=task, primary_metric=metric, training_hours=hours,
                          max_concurrent_iterations=concurrency, onnx_compatible=onnx,
                          experiment_name=experiment, model_name=model,
                          time_column=str(time_column or "").strip(),
                          horizon=int(horizon or 0), engine=engine)
    known = {f for f in WizardConfig.__dataclass_fields__}
    unknown = set(engineering) - known
    if unknown:
        raise ConfigError(f"Unknown setting(s): {', '.join(sorted(unknown))}.")
    if "use_spark" in engineering:    # checked now, decided per session (engine.resolve_use_spark)
        engineering["use_spark"] = as_bool_or_auto(engineering["use_spark"], "use_spark")
    config = replace(config, **engineering)
    if engine == "azureml":
        from .azureml.job import check_form
        check_form(config)
    return config
