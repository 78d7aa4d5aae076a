"""Time series forecasting (``task='forecasting'``): FLAML's ``ts_forecast``, no ONNX (as in the
wizard), registered with the pyfunc flavor. The last ``horizon`` periods are held out."""
from __future__ import annotations

import time

import numpy as np

from .._compat import log_model_name
from ..exceptions import AutoMLError
from ..runtime.secrets import mask
from .data import load_training_data
from .metrics import FORECASTING, METRICS, report_metrics
from .result import TrainResult


def forecast_estimators() -> list[str]:
    """Tree regressors over lagged features; ARIMA-family models when statsmodels is there."""
    from .._compat import has_module
    names = ["lgbm", "rf", "xgboost", "extra_tree", "xgb_limitdepth"]
    if has_module("statsmodels"):
        names += ["arima", "sarimax", "holt-winters"]
    return names


def _forecaster_class():
    import mlflow.pyfunc

    class Forecaster(mlflow.pyfunc.PythonModel):
        """Predicts the target for the rows given (the time column first, then any regressors)."""

        def __init__(self, automl, columns):
            self.automl, self.columns = automl, list(columns)

        def predict(self, context, model_input, params=None):
            import pandas as pd
            frame = model_input[self.columns].copy()
            frame[self.columns[0]] = pd.to_datetime(frame[self.columns[0]])
            return np.asarray(self.automl.predict(frame), dtype=float)

    return Forecaster


def train_forecast(spark, config, started: float, show_progress: bool = True,
                   dataframe=None) -> TrainResult:
    """Train and register a forecaster; see :func:`.train.train_automl`."""
    import mlflow
    import pandas as pd

    from ..registry import get_or_create_experiment, register
    from ..registry.models import pinned_requirements
    from ..registry.runs import log_trial_runs
    from . import reports
    from .engine import resolve_use_spark, run_search
    from .progress import FlamlMetric, SearchMonitor, new_accumulator
    from .budget import budget_margin, post_search_reserve

    data = load_training_data(spark, config, dataframe)
    time_column = data.features[0]
    frame = data.frame.copy()
    frame[time_column] = pd.to_datetime(frame[time_column])
    frame = frame.sort_values(time_column).reset_index(drop=True)
    if len(frame) <= 2 * config.horizon + 10:
        raise AutoMLError(f"{len(frame)} rows are too few to forecast horizon={config.horizon}: "
                          "need more than 2 x horizon + 10.")
    train, test = frame.iloc[:-config.horizon], frame.iloc[-config.horizon:]
    columns = data.features
    metric = METRICS[config.primary_metric]
    experiment_id = get_or_create_experiment(config.experiment_name)
    with mlflow.start_run(experiment_id=experiment_id, run_name=config.model_name) as run:
        mlflow.log_params(mask(config.to_params()))
        budget = config.budget_seconds
        search_budget = budget - (time.time() - started) - post_search_reserve(budget)
        if search_budget < 5:
            raise AutoMLError(f"training_hours={config.training_hours} leaves no time to search.")
        accumulator = new_accumulator(spark)
        with SearchMonitor(accumulator, metric.name, budget - (time.time() - started),
                           show=show_progress):
            search = run_search(train[columns], train[data.target].to_numpy(dtype=float),
                                task="ts_forecast", metric=FlamlMetric(metric.name, FORECASTING, 0,
                                                                       accumulator),
                                budget_s=search_budget, estimator_list=forecast_estimators(),
                                use_spark=resolve_use_spark(spark, config.use_spark),
                                concurrency=config.max_concurrent_iterations, seed=config.seed,
                                spark=spark, extra={"period": config.horizon, "eval_method": "holdout",
                                                    **config.extra.get("flaml", {})},
                                keep_automl=True)
        forecaster = _forecaster_class()(search.automl, columns)
        pred = forecaster.predict(None, test[columns])
        actual = test[data.target].to_numpy(dtype=float)
        metrics = report_metrics(FORECASTING, actual, pred)
        mlflow.log_metrics({f"test_{k}": v for k, v in metrics.items()})
        log_trial_runs(experiment_id, run.info.run_id, search.trials, metric.name, started)
        images = {"predicted_vs_actual": reports.predicted_vs_actual_png(
            actual, pred, metrics.get("r2_score", float("nan")), data.target)}
        for name, png in images.items():
            mlflow.log_image(_png_array(png), f"reports/{name}.png")
        info = mlflow.pyfunc.log_model(**log_model_name("model"), python_model=forecaster,
                                       input_example=test[columns].head(3),
                                       pip_requirements=pinned_requirements(
                                           "mlflow", "flaml", "pandas", "numpy", "scikit-learn",
                                           "lightgbm", "xgboost"))
        version = register(info.model_uri, config.model_name,
                           description=f"forecast of {data.target} on {config.table_name}, "
                                       f"horizon {config.horizon}")
        elapsed = time.time() - started
        mlflow.log_metrics({"elapsed_seconds": elapsed, "budget_seconds": budget})
    board = reports.leaderboard(search.trials, metric.name, metric.greater_is_better)
    return TrainResult(
        model_name=config.model_name, model_version=version, run_id=run.info.run_id,
        experiment_name=config.experiment_name, task=FORECASTING, primary_metric=metric.name,
        metrics=metrics, best_estimator=search.best_learner, best_config=search.best_config,
        n_trials=len(search.trials), budget_seconds=budget, elapsed_seconds=elapsed,
        margin_seconds=budget_margin(budget), training_rows=len(train),
        total_rows=data.total_rows, sampled=data.sampled, test_rows=len(test),
        ran_on_executors=False, leaderboard=board, images=images, model=forecaster,
        search_budget=search_budget)


def _png_array(png: bytes):
    import io

    from matplotlib.image import imread
    return (imread(io.BytesIO(png), format="png") * 255).astype(np.uint8)
