"""Azure's best model into our registry: the checks, then one MLflow run and a new version.

:func:`register_output` takes a downloaded output folder (:mod:`.output`), refuses a model that
breaks the PREDICT contract or fails the parity gate (nothing registered; a parity failure keeps
its report in a FAILED run), and registers the rest under ``model_name`` with the ONNX flavor
(:func:`synhelpers.registry.log_onnx_model`), tagged with the Azure job, its best trial, its
metrics and the studio link. Notebooks 03-05 then use it like a model of the FLAML engine.
"""
from __future__ import annotations

import time
import warnings

from ...exceptions import AzureMLJobError, ParityError, SynHelpersWarning
from ..metrics import METRICS
from ..result import TrainResult
from .checks import check_azure_parity, check_model_contract


def azure_tags(job: dict) -> dict:
    """The Azure facts a registered version carries (strings; no secrets)."""
    return {"azureml.job_id": str(job.get("job_id", "")),
            "azureml.best_child_id": str(job.get("best_child_id", "")),
            "azureml.status": str(job.get("status", "")),
            "azureml.studio_url": str(job.get("studio_url", "")),
            "azureml.best_algorithm": str(job.get("best_algorithm", ""))}


def register_output(output, config, spark_types: list[tuple[str, str]], sample, target: str,
                    total_rows: int = 0, started: float | None = None) -> TrainResult:
    """Check and register the model of ``output`` (see the module docstring).

    ``spark_types``: the table's ``(column, Spark type)``; ``sample``: a bounded pandas sample of
    the table (at most ``config.parity_rows`` rows) for the parity gate.

    Raises:
        AzureMLJobError: the ONNX model breaks the PREDICT contract (every issue listed) or is
            not a valid ONNX graph; nothing is registered.
        ParityError: the ONNX scores differ from the reference; the run keeps the report.
    """
    import mlflow

    from ...registry import get_or_create_experiment, register
    started = time.time() if started is None else started
    job, where = output.job, f"Azure job {output.job_id}"
    features = [(c, t) for c, t in spark_types if c != target]
    model_bytes, onnx_model, report, parity, source, note = None, None, None, None, "", ""
    if output.onnx_path is not None:
        import onnx
        model_bytes = output.onnx_path.read_bytes()
        try:
            onnx_model = onnx.load_from_string(model_bytes)
            onnx.checker.check_model(onnx_model)
        except Exception as exc:  # noqa: BLE001 - onnx's message, named
            raise AzureMLJobError(f"{where}: {output.onnx_path} is not a valid ONNX model: {exc}") \
                from exc
        report = check_model_contract(model_bytes, config.model_name, features, config.table_name)
        if not report.ok:
            raise AzureMLJobError(f"{where}: the best model cannot be scored by PREDICT on "
                                  f"{config.table_name}; it was not registered.\n{report}")
    experiment_id = get_or_create_experiment(config.experiment_name)
    with mlflow.start_run(experiment_id=experiment_id, run_name=config.model_name) as run:
        mlflow.log_params(config.to_params())
        mlflow.set_tags({**azure_tags(job), "synhelpers.engine": "azureml",
                         "synhelpers.table": config.table_name, "synhelpers.target": target})
        metrics = {k: float(v) for k, v in (job.get("metrics") or {}).items()}
        if metrics:
            mlflow.log_metrics({f"azureml_{k}": v for k, v in metrics.items()})
        if onnx_model is not None:
            mlflow.log_dict(report.to_dict(), "contract.json")
            parity, source, note = check_azure_parity(output, model_bytes, sample, config.task,
                                                      target, config)
            uri = _log_onnx(onnx_model, model_bytes, output, sample, target, config, parity,
                            source, note, where)
        else:
            mlflow.log_artifacts(str(output.native_dir), "model")
            uri = f"runs:/{run.info.run_id}/model"
        version = register(uri, config.model_name, tags=azure_tags(job),
                           description=f"{config.task} of {target} on {config.table_name} by "
                                       f"Azure AutoML ({job.get('best_algorithm') or 'best trial'}, "
                                       f"{config.primary_metric}; job {output.job_id})")
        elapsed = time.time() - started
        mlflow.log_metrics({"elapsed_seconds": elapsed, "budget_seconds": config.budget_seconds})
    from ..train import budget_margin
    return TrainResult(
        model_name=config.model_name, model_version=version, run_id=run.info.run_id,
        experiment_name=config.experiment_name, task=config.task,
        primary_metric=METRICS[config.primary_metric].name, metrics=metrics,
        best_estimator=str(job.get("best_algorithm") or "azureml"), best_config={},
        n_trials=int(job.get("trials") or 0), budget_seconds=config.budget_seconds,
        elapsed_seconds=elapsed, margin_seconds=budget_margin(config.budget_seconds),
        training_rows=int(total_rows), total_rows=int(total_rows), sampled=False,
        test_rows=int(parity.rows) if parity else 0, ran_on_executors=False,
        parity=parity.to_dict() if parity else {}, onnx_model=onnx_model, validation="azureml",
        search_mode=f"Azure ML job {output.job_id}",
        timings={"total": round(elapsed, 2)})


def _log_onnx(onnx_model, model_bytes, output, sample, target, config, parity, source, note,
              where) -> str:
    import mlflow

    from ...registry import log_onnx_model
    if parity is not None:
        mlflow.log_dict({**parity.to_dict(), "reference": source}, "parity.json")
        mlflow.log_metrics({"parity_max_abs_diff": parity.max_abs_diff,
                            "parity_rows_over_tolerance": parity.rows_over_tolerance})
        mlflow.set_tag("synhelpers.parity", f"checked against {source}")
        if not parity.passed:
            raise ParityError(f"{where}: {parity.describe()} (reference: {source}). Model "
                              f"{config.model_name!r} was not registered; the run "
                              f"{mlflow.active_run().info.run_id} keeps the report.")
    else:
        mlflow.set_tag("synhelpers.parity", f"unchecked: {note}")
        warnings.warn(f"{where}: the ONNX model's parity was not checked ({note}); it is "
                      "registered with the tag synhelpers.parity=unchecked.", SynHelpersWarning,
                      stacklevel=3)
    example = None       # raw rows, their columns named as the graph's inputs
    if sample is not None and len(sample):
        example = sample.head(3).rename(columns={v: k for k, v in output.input_map.items()})
    return log_onnx_model(onnx_model, input_example=example,
                          metadata={"task": config.task, "target": target, "engine": "azureml",
                                    "azureml_job_id": output.job_id})
