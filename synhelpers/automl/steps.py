"""The steps of a training run, each returning values (no MLflow here; :mod:`.publish` logs).

prepare -> search -> choose (ensemble) -> holdout scores -> ONNX + parity -> reports.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace

import numpy as np

from ..exceptions import AutoMLError
from .config import WizardConfig
from .data import TrainingData
from .metrics import CLASSIFICATION, METRICS, report_metrics


def validation_method(rows: int) -> str:
    """Cross-validation for small tables, a holdout for large ones (decided per run, reported)."""
    from .ensemble import CV_MAX_ROWS
    return "cv" if rows <= CV_MAX_ROWS else "holdout"


def split_rows(frame, target: str, task: str, test_size: float, seed: int):
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


@dataclass
class Prepared:
    """The checked form and data, split, featurized: what the search starts from."""
    config: WizardConfig
    data: TrainingData
    plan: object                    # featurize.FeaturePlan
    featurizer: object
    X: np.ndarray                   # featurized training rows (float32)
    y: np.ndarray
    train: object                   # pandas.DataFrame (target as codes for classifiers)
    test: object
    experiment_id: str

    @property
    def metric(self):
        return METRICS[self.config.primary_metric]

    @property
    def n_classes(self) -> int:
        return len(self.data.classes or [])

    @property
    def code_labels(self) -> list | None:
        return list(range(self.n_classes)) or None


def prepare(spark, config: WizardConfig, dataframe=None) -> Prepared:
    """Load the bounded sample (while MLflow's store opens), split, plan and fit the featurizer.

    ``config.use_spark`` comes back resolved (``"auto"`` decided for this session)."""
    from concurrent.futures import ThreadPoolExecutor

    from ..registry import get_or_create_experiment
    from .data import load_training_data
    from .engine import resolve_use_spark, start_warmup
    from .featurize import fit_featurizer, plan_features, to_model_frame
    with ThreadPoolExecutor(1) as pool:
        experiment = pool.submit(get_or_create_experiment, config.experiment_name)
        data = load_training_data(spark, config, dataframe)
        experiment_id = experiment.result()
    config = replace(config, use_spark=resolve_use_spark(spark, config.use_spark))
    if config.use_spark:   # workers import the search stack while the driver featurizes
        start_warmup(spark, config.max_concurrent_iterations)
    frame, target = data.frame, data.target
    if config.task == CLASSIFICATION:
        frame = frame.assign(**{target: frame[target].map({c: i for i, c in
                                                           enumerate(data.classes)})})
    train, test = split_rows(frame, target, config.task, config.test_size, config.seed)
    plan = plan_features(train, data.features, data.spark_types)
    if not plan.inputs:
        raise AutoMLError(f"No usable feature column in {config.table_name!r}: "
                          f"{json.dumps(plan.dropped)}.")
    featurizer = fit_featurizer(plan, train)
    X = np.asarray(featurizer.transform(to_model_frame(train, plan.inputs)), dtype=np.float32)
    return Prepared(config, data, plan, featurizer, X, train[target].to_numpy(), train, test,
                    experiment_id)


@dataclass
class Searched:
    search: object                  # engine.SearchResult
    evaluations: list               # the trials' records, from the progress accumulator
    budget_s: float                 # what the search was given


def search(spark, prep: Prepared, budget_s: float, remaining_s: float,
           show_progress: bool, log_file: str | None = None) -> Searched:
    """FLAML's trials (on Spark executors when ``use_spark``), with progress shown; FLAML's
    trial log goes to ``log_file`` (a temporary file by default)."""
    from .engine import default_estimators, run_search
    from .progress import FlamlMetric, SearchMonitor, new_accumulator
    config = prep.config
    accumulator = new_accumulator(spark)
    flaml_metric = FlamlMetric(prep.metric.name, config.task, prep.n_classes, accumulator)
    with SearchMonitor(accumulator, prep.metric.name, remaining_s, show=show_progress) as monitor:
        result = run_search(prep.X, prep.y, task=config.task, metric=flaml_metric,
                            budget_s=budget_s,
                            estimator_list=default_estimators(config.task, config.onnx_compatible),
                            use_spark=config.use_spark,
                            concurrency=config.max_concurrent_iterations, seed=config.seed,
                            spark=spark, keep_automl=config.ensemble,
                            extra={"eval_method": validation_method(len(prep.y)),
                                   **config.extra.get("flaml", {})},
                            log_file=log_file)
    return Searched(result, monitor.records(), budget_s)


@dataclass
class Chosen:
    """The model the run keeps: the best trial's, or the ensemble when it wins."""
    estimator: object
    ensemble: object                # ensemble.EnsembleResult or None
    model: object                   # model.TrainedModel: Pipeline(featurizer, estimator)

    @property
    def name(self) -> str:
        return "ensemble" if self.ensemble is not None and self.ensemble.used else ""


def choose(prep: Prepared, searched: Searched, budget_s: float) -> Chosen:
    """The final (Caruana) ensemble over the trials when the form asks for it, then the model."""
    from sklearn.pipeline import Pipeline

    from .model import TrainedModel
    config = prep.config
    estimator, ensemble = searched.search.estimator, None
    if config.ensemble:
        from .ensemble import build_ensemble
        ensemble = build_ensemble(searched.search.automl, searched.search.trials, prep.X, prep.y,
                                  task=config.task, metric=prep.metric, labels=prep.code_labels,
                                  budget_s=budget_s, seed=config.seed,
                                  n_jobs=searched.search.n_jobs)
        if ensemble.used:
            estimator = ensemble.model
    pipeline = Pipeline([("featurize", prep.featurizer), ("model", estimator)])
    model = TrainedModel(pipeline, prep.plan.inputs, config.task, prep.data.target,
                         prep.code_labels, prep.plan.to_dict())
    if config.task == CLASSIFICATION:
        model.classes = list(prep.data.classes)
    return Chosen(estimator, ensemble, model)


@dataclass
class Holdout:
    """Scores on the held-out rows: ``actual`` (labels for classifiers), ``pred``, ``proba``."""
    metrics: dict
    actual: np.ndarray
    pred: np.ndarray
    proba: np.ndarray | None = None


def holdout_scores(prep: Prepared, chosen: Chosen) -> Holdout:
    model, test, data = chosen.model, prep.test, prep.data
    actual = test[data.target].to_numpy()
    if prep.config.task != CLASSIFICATION:
        pred = model.predict(test)
        return Holdout(report_metrics(prep.config.task, actual, pred), actual, pred)
    labels = np.asarray(data.classes, dtype=object)[actual.astype(int)]
    if model.classes_are_codes:
        labels = labels.astype(np.int64)
    pred, proba = model.predict(test), model.predict_proba(test)
    metrics = report_metrics(CLASSIFICATION, labels, pred, proba, labels=list(data.classes))
    return Holdout(metrics, labels, pred, proba)


def onnx_and_parity(prep: Prepared, chosen: Chosen):
    """``(onnx_model, parity_report)``: the graph and its agreement with the native model on
    held-out rows; ``(None, None)`` when the form turned ONNX off."""
    from ..onnx_export import check_parity, make_feeds, run_onnx
    config = prep.config
    if not config.onnx_compatible:
        return None, None
    onnx_model = chosen.model.to_onnx()
    sample = prep.test.head(config.parity_rows)
    outputs = run_onnx(onnx_model.SerializeToString(),
                       make_feeds(chosen.model.frame(sample), prep.plan.inputs))
    got = ({"label": outputs[0], "probability": outputs[1]} if config.task == CLASSIFICATION
           else {"prediction": outputs[0]})
    parity = check_parity(chosen.model.native_outputs(sample), got, config.task,
                          abs_tol=config.parity_abs_tol, rel_tol=config.parity_rel_tol,
                          max_mismatch_rate=config.parity_max_mismatch_rate)
    return onnx_model, parity


@dataclass
class Reports:
    leaderboard: object             # pandas.DataFrame
    importance: object              # pandas.DataFrame
    images: dict                    # name -> PNG bytes


def build_reports(prep: Prepared, searched: Searched, chosen: Chosen, holdout: Holdout) -> Reports:
    """The leaderboard, best-so-far curve, predicted vs actual / residuals (regression) or
    confusion matrix / ROC (classification), and feature importance."""
    from . import reports
    from .featurize import feature_names
    metric, trials = prep.metric, searched.search.trials
    board = reports.leaderboard(trials, metric.name, metric.greater_is_better,
                                chosen.ensemble.to_dict() if chosen.ensemble else None)
    importance = reports.feature_importance(chosen.estimator, feature_names(prep.featurizer),
                                            [i.name for i in prep.plan.inputs])
    images = {"leaderboard": reports.leaderboard_png(board, metric.name),
              "best_metric_over_time": reports.best_over_time_png(trials, metric.name,
                                                                  metric.greater_is_better)}
    if prep.config.task == CLASSIFICATION:
        classes = list(prep.data.classes)
        images["confusion_matrix"] = reports.confusion_matrix_png(holdout.actual, holdout.pred,
                                                                  classes)
        images["roc"] = reports.roc_png(holdout.actual, holdout.proba, classes)
    else:
        target = prep.data.target
        images["predicted_vs_actual"] = reports.predicted_vs_actual_png(
            holdout.actual, holdout.pred, holdout.metrics.get("r2_score", float("nan")), target)
        images["residuals"] = reports.residuals_png(holdout.actual, holdout.pred, target)
    if len(importance):
        images["feature_importance"] = reports.feature_importance_png(importance)
    return Reports(board, importance, images)


class Clock:
    """Seconds since the run started, and per phase."""

    def __init__(self, started: float):
        self.started, self.mark, self.phases = started, started, {}

    def elapsed(self) -> float:
        return time.time() - self.started

    def lap(self, phase: str) -> None:
        now = time.time()
        self.phases[phase] = now - self.mark
        self.mark = now

    def rounded(self) -> dict:
        return {k: round(v, 2) for k, v in self.phases.items()}
