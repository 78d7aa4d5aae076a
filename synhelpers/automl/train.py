"""Train a new model: the wizard's run, end to end.

table -> checks and a bounded sample -> featurizer -> FLAML trials on Spark -> the best
``Pipeline(featurizer, estimator)`` -> held-out metrics -> ONNX + parity gate -> MLflow (parent
run, child run per trial, reports, model) -> registered ``name:version``.

The budget is the whole run's: loading, search, final refit, conversion, logging and
registration. The search gets what is left after a reserve for the steps after it; the result
reports the elapsed time and any overrun beyond ``budget + margin``.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
import warnings
from dataclasses import replace

import numpy as np

from ..exceptions import AutoMLError, BudgetWarning, ParityError
from .config import WizardConfig, make_config
from .data import load_training_data
from .metrics import CLASSIFICATION, FORECASTING, METRICS, report_metrics
from .result import TrainResult

MIN_SEARCH_SECONDS = 5.0


def validation_method(rows: int) -> str:
    """Cross-validation for small tables, a holdout for large ones (decided per run, reported)."""
    from .ensemble import CV_MAX_ROWS
    return "cv" if rows <= CV_MAX_ROWS else "holdout"


def budget_margin(budget_s: float) -> float:
    """The stated tolerance on the budget: 5 s or 2 %, whichever is larger."""
    return max(5.0, 0.02 * budget_s)


def post_search_reserve(budget_s: float) -> float:
    """Seconds kept for conversion, parity, reports, registration (about 4 s together) and one
    child run per trial (about 30 ms each, at up to ~4 trials a second): 4 s + 10 % of the
    budget, at most 5 minutes."""
    return min(4.0 + 0.10 * budget_s, 300.0)


def _split(frame, target, task, test_size, seed):
    """Train and held-out parts; with ``test_size=0`` everything trains and the "held-out"
    part is a sample of the training rows (metrics then describe the fit, not generalization:
    use it when an outside test set is scored separately, as the benchmark does)."""
    from sklearn.model_selection import train_test_split
    if len(frame) < 20:
        raise AutoMLError(f"Only {len(frame)} labelled rows: AutoML needs at least 20.")
    if not test_size:
        return frame, frame.sample(min(len(frame), 10_000), random_state=seed)
    stratify = frame[target] if task == CLASSIFICATION and frame[target].value_counts().min() >= 2 \
        else None
    return train_test_split(frame, test_size=test_size, random_state=seed, stratify=stratify)


def _workspace_name(spark) -> str:
    try:
        return spark.conf.get("spark.synapse.workspace.name", None) or "local"
    except Exception:  # noqa: BLE001
        return "local"


def train_wizard(spark, table_name: str, target_column: str, task: str = "regression",
                 primary_metric: str = "", training_hours: float = 0.25,
                 max_concurrent_iterations: int = 4, onnx_compatible=True,
                 experiment_name: str = "", model_name: str = "", time_column: str = "",
                 horizon: int = 0, show_progress: bool = True, dataframe=None,
                 **engineering) -> TrainResult:
    """The wizard's form in, a registered model out (see :func:`train_automl`).

    Example (a notebook cell)::

        result = train_wizard(spark, "NYC_Taxi", "fareAmount", training_hours=0.05)
        result.model_uri            # 'models:/local-nyc_taxi-20261127120000-Best/1'
    """
    config = make_config(table_name, target_column, task, primary_metric, training_hours,
                         max_concurrent_iterations, onnx_compatible, experiment_name, model_name,
                         time_column, horizon, workspace=_workspace_name(spark), **engineering)
    return train_automl(spark, config, show_progress=show_progress, dataframe=dataframe)


def train_automl(spark, config: WizardConfig, show_progress: bool = True,
                 dataframe=None) -> TrainResult:
    """Run the search, check and register the best model. See the module docstring.

    Raises:
        ConfigError, AutoMLError: bad form or data (nothing registered).
        ParityError: the ONNX graph disagrees with the native model (the run is kept, marked
            FAILED, with its parity report; nothing registered).
    """
    started = time.time()
    if config.task == FORECASTING:
        from .forecast import train_forecast
        return train_forecast(spark, config, started, show_progress, dataframe)
    from concurrent.futures import ThreadPoolExecutor

    from ..registry import get_or_create_experiment
    with ThreadPoolExecutor(1) as pool:   # MLflow's store opens while Spark reads the table
        experiment = pool.submit(get_or_create_experiment, config.experiment_name)
        data = load_training_data(spark, config, dataframe)
        experiment_id = experiment.result()
    from .engine import resolve_use_spark, start_warmup
    config = replace(config, use_spark=resolve_use_spark(spark, config.use_spark))
    if config.use_spark:   # workers import the search stack while the driver featurizes
        start_warmup(spark, config.max_concurrent_iterations)
    import mlflow

    from .featurize import fit_featurizer, plan_features, to_model_frame
    from .model import TrainedModel

    target, classes = data.target, data.classes
    frame = data.frame
    if config.task == CLASSIFICATION:
        frame = frame.assign(**{target: frame[target].map({c: i for i, c in enumerate(classes)})})
    train, test = _split(frame, target, config.task, config.test_size, config.seed)
    plan = plan_features(train, data.features, data.spark_types)
    if not plan.inputs:
        raise AutoMLError(f"No usable feature column in {config.table_name!r}: "
                          f"{json.dumps(plan.dropped)}.")
    featurizer = fit_featurizer(plan, train)
    X = np.asarray(featurizer.transform(to_model_frame(train, plan.inputs)), dtype=np.float32)
    y = train[target].to_numpy()

    run = mlflow.start_run(experiment_id=experiment_id, run_name=config.model_name)
    try:
        result = _search_and_register(spark, config, data, plan, featurizer, X, y, train, test,
                                      started, run, experiment_id, show_progress, TrainedModel)
    except BaseException:
        mlflow.end_run(status="FAILED")
        raise
    mlflow.end_run(status="FINISHED")
    return result


def _search_and_register(spark, config, data, plan, featurizer, X, y, train, test, started, run,
                         experiment_id, show_progress, TrainedModel):
    import mlflow
    from sklearn.pipeline import Pipeline

    from ..onnx_export import check_parity, make_feeds, run_onnx
    from ..registry import log_onnx_model, register
    from ..registry.runs import log_trial_runs
    from . import reports
    from .engine import default_estimators, run_search
    from .featurize import feature_names
    from .progress import FlamlMetric, SearchMonitor, new_accumulator

    metric = METRICS[config.primary_metric]
    mlflow.log_params(config.to_params())
    mlflow.set_tags({"synhelpers.table": config.table_name, "synhelpers.target": data.target,
                     "synhelpers.training_rows": str(len(train)),
                     "synhelpers.sampled": str(data.sampled)})
    budget = config.budget_seconds
    timings = {"prepare": time.time() - started}
    available = budget - (time.time() - started) - post_search_reserve(budget)
    search_budget = available * (1 - (config.ensemble_share if config.ensemble else 0.0))
    if search_budget < MIN_SEARCH_SECONDS:
        needed = (budget - available + MIN_SEARCH_SECONDS / (1 - config.ensemble_share)) / 3600
        raise AutoMLError(f"training_hours={config.training_hours} leaves {search_budget:.1f} s for "
                          f"the search after loading and the final steps: use at least "
                          f"{needed:.4f} hours.")
    n_classes = len(data.classes or [])
    accumulator = new_accumulator(spark)
    flaml_metric = FlamlMetric(metric.name, config.task, n_classes, accumulator)
    with SearchMonitor(accumulator, metric.name, budget - (time.time() - started),
                       show=show_progress) as monitor:
        search = run_search(X, y, task=config.task, metric=flaml_metric, budget_s=search_budget,
                            estimator_list=default_estimators(config.task, config.onnx_compatible),
                            use_spark=config.use_spark, concurrency=config.max_concurrent_iterations,
                            seed=config.seed, spark=spark, keep_automl=config.ensemble,
                            extra={"eval_method": validation_method(len(y)),
                                   **config.extra.get("flaml", {})})
    evaluations = monitor.records()
    timings["search"] = time.time() - started - timings["prepare"]
    mark = time.time()
    chosen, ensemble = search.estimator, None
    if config.ensemble:
        from .ensemble import build_ensemble
        ensemble = build_ensemble(search.automl, search.trials, X, y, task=config.task,
                                  metric=metric, labels=list(range(n_classes)) or None,
                                  budget_s=budget - (time.time() - started)
                                  - post_search_reserve(budget), seed=config.seed)
        mlflow.log_dict(ensemble.to_dict(), "ensemble.json")
        if ensemble.used:
            chosen = ensemble.model
        timings["ensemble"] = time.time() - mark
        mark = time.time()
    pipeline = Pipeline([("featurize", featurizer), ("model", chosen)])
    model = TrainedModel(pipeline, plan.inputs, config.task, data.target,
                         list(range(n_classes)) if n_classes else None, plan.to_dict())
    if config.task == CLASSIFICATION:
        model.classes = list(data.classes)

    # held-out metrics
    y_test = test[data.target].to_numpy()
    if config.task == CLASSIFICATION:
        y_test_labels = np.asarray(data.classes, dtype=object)[y_test.astype(int)]
        pred, proba = model.predict(test), model.predict_proba(test)
        if model.classes_are_codes:
            y_test_labels = y_test_labels.astype(np.int64)
        metrics = report_metrics(CLASSIFICATION, y_test_labels, pred, proba, labels=list(data.classes))
    else:
        pred = model.predict(test)
        metrics = report_metrics(config.task, y_test, pred)
    mlflow.log_metrics({f"test_{k}": v for k, v in metrics.items()})

    # ONNX and the parity gate
    onnx_model = model.to_onnx() if config.onnx_compatible else None
    parity = None
    if onnx_model is not None:
        sample = test.head(config.parity_rows)
        outputs = run_onnx(onnx_model.SerializeToString(), make_feeds(model.frame(sample), plan.inputs))
        got = ({"label": outputs[0], "probability": outputs[1]} if config.task == CLASSIFICATION
               else {"prediction": outputs[0]})
        parity = check_parity(model.native_outputs(sample), got, config.task,
                              abs_tol=config.parity_abs_tol, rel_tol=config.parity_rel_tol,
                              max_mismatch_rate=config.parity_max_mismatch_rate)
        mlflow.log_dict(parity.to_dict(), "parity.json")
        mlflow.log_metrics({"parity_max_abs_diff": parity.max_abs_diff,
                            "parity_rows_over_tolerance": parity.rows_over_tolerance})
        if not parity.passed:
            raise ParityError(f"{parity.describe()}. Model {config.model_name!r} was not "
                              f"registered; the run {mlflow.active_run().info.run_id} keeps the "
                              "report.")

    timings["convert_and_parity"] = time.time() - mark
    mark = time.time()
    # child runs, reports
    log_trial_runs(experiment_id, run.info.run_id, search.trials, metric.name, started)
    board = reports.leaderboard(search.trials, metric.name, metric.greater_is_better,
                                ensemble.to_dict() if ensemble else None)
    names = feature_names(featurizer)
    importance = reports.feature_importance(chosen, names, [i.name for i in plan.inputs])
    images = {"leaderboard": reports.leaderboard_png(board, metric.name),
              "best_metric_over_time": reports.best_over_time_png(search.trials, metric.name,
                                                                  metric.greater_is_better)}
    if config.task == CLASSIFICATION:
        images["confusion_matrix"] = reports.confusion_matrix_png(y_test_labels, pred, data.classes)
        images["roc"] = reports.roc_png(y_test_labels, proba, list(data.classes))
    else:
        images["predicted_vs_actual"] = reports.predicted_vs_actual_png(
            y_test, pred, metrics.get("r2_score", float("nan")), data.target)
        images["residuals"] = reports.residuals_png(y_test, pred, data.target)
    if len(importance):
        images["feature_importance"] = reports.feature_importance_png(importance)
    with tempfile.TemporaryDirectory() as folder:
        for name, png in images.items():
            with open(os.path.join(folder, f"{name}.png"), "wb") as handle:
                handle.write(png)
        board.to_csv(os.path.join(folder, "leaderboard.csv"), index=False)
        importance.to_csv(os.path.join(folder, "feature_importance.csv"), index=False)
        mlflow.log_artifacts(folder, "reports")
    mlflow.log_dict(plan.to_dict(), "featurization.json")

    timings["reports_and_trial_runs"] = time.time() - mark
    mark = time.time()
    # the model: ONNX flavor (+ sklearn), registered
    if onnx_model is not None:
        uri = log_onnx_model(onnx_model, sklearn_model=pipeline, input_example=train,
                             column_types=data.spark_types,
                             metadata={"task": config.task, "target": data.target,
                                       "classes": [str(c) for c in (data.classes or [])]})
    else:
        from ..registry import log_sklearn_model
        uri = log_sklearn_model(pipeline, "model", input_example=model.frame(train.head(3)))
    version = register(uri, config.model_name,
                       description=f"{config.task} of {data.target} on {config.table_name} "
                                   f"({search.best_learner}, {config.primary_metric})")
    timings["log_and_register"] = time.time() - mark
    mlflow.log_dict({k: round(v, 2) for k, v in timings.items()}, "timings.json")
    driver = os.getpid()
    pids = sorted({int(r["pid"]) for r in evaluations if r.get("spark_task")})
    elapsed = time.time() - started
    margin = budget_margin(budget)
    mlflow.log_metrics({"elapsed_seconds": elapsed, "budget_seconds": budget,
                        "overrun_seconds": max(0.0, elapsed - budget)})
    if elapsed > budget + margin:
        warnings.warn(f"The run took {elapsed:.0f} s, over its budget of {budget:.0f} s plus the "
                      f"{margin:.0f} s margin.", BudgetWarning, stacklevel=2)
    return TrainResult(
        model_name=config.model_name, model_version=version, run_id=run.info.run_id,
        experiment_name=config.experiment_name, task=config.task,
        primary_metric=metric.name, metrics=metrics,
        best_estimator="ensemble" if ensemble and ensemble.used else search.best_learner,
        best_config=search.best_config, n_trials=len(search.trials), budget_seconds=budget,
        elapsed_seconds=elapsed, margin_seconds=margin, training_rows=len(train),
        total_rows=data.total_rows, sampled=data.sampled, test_rows=len(test),
        ran_on_executors=bool(pids) and any(p != driver for p in pids), executor_pids=pids,
        parity=parity.to_dict() if parity else {}, leaderboard=board,
        feature_importance=importance, images=images, model=model, onnx_model=onnx_model,
        timings={k: round(v, 2) for k, v in timings.items()}, search_budget=search_budget,
        held_out=bool(config.test_size), validation=validation_method(len(y)),
        ensemble=ensemble.to_dict() if ensemble else {},
        search_mode="spark executors" if config.use_spark else "driver")
