"""Train a new model: the wizard's run, end to end.

table -> checks and a bounded sample -> featurizer -> FLAML trials on Spark -> the best
``Pipeline(featurizer, estimator)`` (or the ensemble) -> held-out metrics -> ONNX + parity gate
-> MLflow (parent run, child run per trial, reports, model) -> registered ``name:version``.

Each step returns values (:mod:`.steps`); :mod:`.publish` logs them; this module runs them in
order against the budget (:mod:`.budget`), which is the whole run's.
"""
from __future__ import annotations

import os
import tempfile
import time

from ..exceptions import ParityError
from ..runtime import get_spark, is_synapse, workspace_name
from .budget import budget_margin, search_seconds, warn_overrun
from .config import WizardConfig, make_config
from .metrics import FORECASTING
from .result import TrainResult
from .steps import validation_method


def train_wizard(spark, table_name: str, target_column: str, task: str = "regression",
                 primary_metric: str = "", training_hours: float = 0.25,
                 max_concurrent_iterations: int = 4, onnx_compatible=True,
                 experiment_name: str = "", model_name: str = "", time_column: str = "",
                 horizon: int = 0, show_progress: bool = True, dataframe=None,
                 engine: str = "flaml", **engineering) -> TrainResult:
    """The wizard's form in, a registered model out (see :func:`train_automl`). With
    ``spark=None`` the runtime's session is started once the form is checked.

    ``engine``: ``"flaml"`` (FLAML trials on Spark, here and on pools) or ``"azureml"`` (Azure
    Machine Learning's AutoML on the configured workspace, :mod:`.azureml`).

    Example (a notebook cell)::

        result = train_wizard(spark, "NYC_Taxi", "fareAmount", training_hours=0.05)
        result.model_uri            # 'models:/local-nyc_taxi-20261127120000-Best/1'
    """
    config = make_config(table_name, target_column, task, primary_metric, training_hours,
                         max_concurrent_iterations, onnx_compatible, experiment_name, model_name,
                         time_column, horizon, workspace=workspace_name(spark), engine=engine,
                         **engineering)
    if config.engine == "azureml":           # the workspace is named before anything runs
        from .azureml import resolve_workspace
        resolve_workspace(spark if spark is not None or not is_synapse() else get_spark())
    if spark is None:
        spark = get_spark()
    return train_automl(spark, config, show_progress=show_progress, dataframe=dataframe)


def train_automl(spark, config: WizardConfig, show_progress: bool = True,
                 dataframe=None) -> TrainResult:
    """Run the search, check and register the best model. See the module docstring.

    Raises:
        ConfigError, AutoMLError: bad form or data (nothing registered).
        ParityError: the ONNX graph disagrees with the native model (the run is kept, marked
            FAILED, with its parity report; nothing registered).
    """
    if config.engine == "azureml":
        from .azureml import train_azureml
        return train_azureml(spark, config, show_progress=show_progress, dataframe=dataframe)
    started = time.time()
    if config.task == FORECASTING:
        from .forecast import train_forecast
        return train_forecast(spark, config, started, show_progress, dataframe)
    import mlflow

    from .steps import prepare
    prep = prepare(spark, config, dataframe)
    run = mlflow.start_run(experiment_id=prep.experiment_id, run_name=config.model_name)
    try:
        result = _run_steps(spark, prep, run, started, show_progress)
    except BaseException:
        mlflow.end_run(status="FAILED")
        raise
    mlflow.end_run(status="FINISHED")
    return result


def _run_steps(spark, prep, run, started: float, show_progress: bool) -> TrainResult:
    from . import publish, steps
    from .budget import post_search_reserve
    config, budget = prep.config, prep.config.budget_seconds
    clock = steps.Clock(started)
    publish.log_form(prep)
    clock.lap("prepare")
    share = config.ensemble_share if config.ensemble else 0.0
    search_budget = search_seconds(budget, clock.elapsed(), share, config.training_hours)
    with tempfile.TemporaryDirectory(prefix="flaml-") as folder:    # FLAML's trial log
        log_file = os.path.join(folder, "trials.jsonl")
        trial_runs = publish.TrialRuns(run, prep, started, log_file)
        searched = None
        try:
            searched = steps.search(spark, prep, search_budget, budget - clock.elapsed(),
                                    show_progress, log_file)
        finally:
            trial_runs.finish(searched)
    clock.lap("search")
    chosen = steps.choose(prep, searched, budget - clock.elapsed() - post_search_reserve(budget))
    if config.ensemble:
        clock.lap("ensemble")
    holdout = steps.holdout_scores(prep, chosen)
    onnx_model, parity = steps.onnx_and_parity(prep, chosen)
    publish.log_checks(chosen, holdout, parity)
    if parity is not None and not parity.passed:
        raise ParityError(f"{parity.describe()}. Model {config.model_name!r} was not registered; "
                          f"the run {run.info.run_id} keeps the report.")
    clock.lap("convert_and_parity")
    reports = steps.build_reports(prep, searched, chosen, holdout)
    publish.log_reports(run, prep, searched, reports)
    clock.lap("reports")
    version = publish.register_model(prep, searched, chosen, onnx_model)
    clock.lap("log_and_register")
    elapsed = clock.elapsed()
    publish.log_budget(clock.rounded(), elapsed, budget)
    warn_overrun(elapsed, budget)
    return _result(prep, searched, chosen, holdout, onnx_model, parity, reports, run, version,
                   elapsed, clock.rounded())


def _result(prep, searched, chosen, holdout, onnx_model, parity, reports, run, version: int,
            elapsed: float, timings: dict) -> TrainResult:
    config, data, search = prep.config, prep.data, searched.search
    pids = sorted({int(r["pid"]) for r in searched.evaluations if r.get("spark_task")})
    return TrainResult(
        model_name=config.model_name, model_version=version, run_id=run.info.run_id,
        experiment_name=config.experiment_name, task=config.task,
        primary_metric=prep.metric.name, metrics=holdout.metrics,
        best_estimator=chosen.name or search.best_learner, best_config=search.best_config,
        n_trials=len(search.trials), budget_seconds=config.budget_seconds,
        elapsed_seconds=elapsed, margin_seconds=budget_margin(config.budget_seconds),
        training_rows=len(prep.train), total_rows=data.total_rows, sampled=data.sampled,
        test_rows=len(prep.test), executor_pids=pids,
        ran_on_executors=bool(pids) and any(p != os.getpid() for p in pids),
        parity=parity.to_dict() if parity else {}, leaderboard=reports.leaderboard,
        feature_importance=reports.importance, images=reports.images, model=chosen.model,
        onnx_model=onnx_model, timings=timings, search_budget=searched.budget_s,
        held_out=bool(config.test_size), validation=validation_method(len(prep.y)),
        ensemble=chosen.ensemble.to_dict() if chosen.ensemble else {},
        search_mode="spark executors" if config.use_spark else "driver")
