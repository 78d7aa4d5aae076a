"""The in-process methods: this project's AutoML (``train_wizard``), plain FLAML, and
scikit-learn's HistGradientBoosting with its defaults.

Every runner takes the same ``(dataset, train, test, budget, seed)`` and returns a dict with the
test predictions scored by :func:`.scoring.score`, the wall time of fit + predict, and what the
method reports about itself. A failure is returned as ``{"error": ...}``, never hidden.
"""
from __future__ import annotations

import time
import warnings

import numpy as np

from .predict import predict_in_pool
from .scoring import score

# the same primary metric for every AutoML: ours (Azure names) and FLAML's mapping of it
OUR_METRIC = {"regression": "r2_score", "classification": "AUC_weighted"}


def flaml_metric(task: str, n_classes: int) -> str:
    if task == "regression":
        return "r2"
    return "roc_auc" if n_classes <= 2 else "roc_auc_ovr_weighted"


def _classes(dataset):
    return sorted(dataset.frame[dataset.target].unique().tolist())


def run_synhelpers(dataset, train, test, budget, seed, *, spark, use_spark, concurrency, tag):
    """``train_wizard`` on a Spark DataFrame of ``train`` with ``test_size=0``, scored on ``test``
    natively and with the ONNX graph read back from the MLflow registry (plus parity)."""
    from synhelpers.automl import train as automl_train
    from synhelpers.exceptions import BudgetWarning
    from synhelpers.onnx_export import check_parity, make_feeds, run_onnx
    from synhelpers.registry import load_onnx_bytes

    sdf = spark.createDataFrame(train).cache()
    sdf.count()                     # materialised before the clock starts: not the method's cost
    X_test = test[dataset.features]
    started = time.time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BudgetWarning)
        result = automl_train.train_wizard(
            spark, f"bench_{dataset.name}", dataset.target, task=dataset.task,
            primary_metric=OUR_METRIC[dataset.task], training_hours=budget / 3600.0,
            max_concurrent_iterations=concurrency, use_spark=use_spark, dataframe=sdf,
            experiment_name=f"{tag}-{dataset.name}", model_name=f"{tag}-{dataset.name}-{budget}s-s{seed}",
            show_progress=False, test_size=0, seed=seed)
    run_s = time.time() - started            # the user's wait: the call, start to end
    model = result.model
    classes = _classes(dataset)
    if dataset.task == "classification":
        proba = model.predict_proba(X_test)
        native = score(dataset.task, test[dataset.target], proba=proba, classes=classes)
    else:
        native = score(dataset.task, test[dataset.target], prediction=model.predict(X_test))
    wall = time.time() - started
    sdf.unpersist()

    onnx_bytes = load_onnx_bytes(result.model_name, result.model_version)   # the registered graph
    outputs = run_onnx(onnx_bytes, make_feeds(model.frame(X_test), model.inputs))
    if dataset.task == "classification":
        got = {"label": outputs[0], "probability": outputs[1]}
        onnx = score(dataset.task, test[dataset.target], proba=outputs[1], classes=classes)
    else:
        got = {"prediction": np.asarray(outputs[0]).ravel()}
        onnx = score(dataset.task, test[dataset.target], prediction=got["prediction"])
    parity = check_parity(model.native_outputs(X_test), got, dataset.task)
    try:
        predict = predict_in_pool(spark, dataset, test, result.model_name, result.model_version, got)
    except Exception as exc:                    # reported in the table, never hidden
        predict = {"passed": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    overruns = [str(w.message) for w in caught if issubclass(w.category, BudgetWarning)]
    return {**native, "wall_s": wall, "onnx_score": onnx["score"],
            "parity": {"passed": parity.passed, "rows": parity.rows,
                       "max_abs_diff": parity.max_abs_diff,
                       "rows_over_tolerance": parity.rows_over_tolerance},
            "predict": predict,
            "train_parity": {k: result.parity.get(k) for k in
                             ("passed", "max_abs_diff", "rows_over_tolerance")},
            "best_estimator": result.best_estimator, "n_trials": result.n_trials,
            "elapsed_s": run_s, "wizard_elapsed_s": result.elapsed_seconds,
            "search_budget_s": result.search_budget,
            "timings": result.timings, "model_uri": result.model_uri,
            "ensemble": {k: result.ensemble.get(k) for k in
                         ("used", "reason", "score", "best_single_score", "members")},
            "budget_warning": overruns[0] if overruns else ""}


def run_flaml(dataset, train, test, budget, seed):
    """``flaml.AutoML().fit`` with its defaults, on pandas, the same primary metric."""
    from flaml import AutoML
    metric = flaml_metric(dataset.task, dataset.n_classes)
    X, y = train[dataset.features], train[dataset.target]
    X_test = test[dataset.features]
    started = time.time()
    automl = AutoML()
    # mlflow_logging off: with an MLflow run around, FLAML's logging crashes at the end of fit
    # (reference/stack.md); it does not change the search
    automl.fit(X, y, task=dataset.task, time_budget=budget, metric=metric, seed=seed,
               verbose=0, mlflow_logging=False)
    if dataset.task == "classification":
        out = score(dataset.task, test[dataset.target], proba=automl.predict_proba(X_test),
                    classes=list(automl.classes_))
    else:
        out = score(dataset.task, test[dataset.target], prediction=automl.predict(X_test))
    return {**out, "wall_s": time.time() - started, "best_estimator": automl.best_estimator,
            "n_trials": len(automl.config_history), "metric": metric}


def run_hgb(dataset, train, test, budget, seed):
    """HistGradientBoosting with scikit-learn's defaults (string columns as pandas categories,
    which ``categorical_features='from_dtype'`` picks up, or as their category codes when they
    have more values than its 255 bins take; dates as integers); no budget."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    def prepare(frame):
        frame = frame[dataset.features].copy()
        for column in frame.columns:
            if frame[column].dtype == object:
                categories = dataset.frame[column].astype("category").dtype
                frame[column] = frame[column].astype(categories)
                if len(categories.categories) > 255:      # HGB refuses such a categorical
                    frame[column] = frame[column].cat.codes.astype("float64").replace(-1, np.nan)
            elif frame[column].dtype.kind == "M":      # dates as numbers: HGB takes no datetimes
                frame[column] = frame[column].astype("int64")
        return frame

    X, X_test = prepare(train), prepare(test)
    started = time.time()
    if dataset.task == "classification":
        model = HistGradientBoostingClassifier(random_state=seed).fit(X, train[dataset.target])
        out = score(dataset.task, test[dataset.target], proba=model.predict_proba(X_test),
                    classes=list(model.classes_))
    else:
        model = HistGradientBoostingRegressor(random_state=seed).fit(X, train[dataset.target])
        out = score(dataset.task, test[dataset.target], prediction=model.predict(X_test))
    return {**out, "wall_s": time.time() - started, "best_estimator": "hist_gradient_boosting"}
