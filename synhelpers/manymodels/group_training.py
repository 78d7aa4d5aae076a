"""Many models, the executor's side: one group's AutoML run inside one Spark task.

:func:`train_group` is plain pandas (callable without Spark): the AutoML pieces the wizard uses
(featurizer plan and fit, FLAML search with the ONNX-convertible families, ``TrainedModel``, ONNX
conversion, parity gate, Azure metrics) on one group's rows, with one core (``n_jobs=1``: groups
already run in parallel, one per task). It never raises: a failure becomes ``status="failed"``
with the reason. Executors have no MLflow access (in Synapse either): everything the driver logs
comes back in the result row (ONNX bytes, metrics, trials as JSON).
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field

import numpy as np

RESULT_SCHEMA = ("group_key string, status string, message string, rows long, train_rows long, "
                 "test_rows long, model binary, best_estimator string, best_config string, "
                 "metrics string, parity string, trials string, classes string, inputs string, "
                 "seconds double, search_seconds double, pid long, partition int")


@dataclass(frozen=True)
class GroupSpec:
    """What every group's run needs (picklable; sent to the executors in the closure)."""
    task: str
    target: str
    features: tuple
    spark_types: dict
    metric: str
    budget_s: float
    float_columns: tuple = ()
    seed: int = 1
    test_size: float = 0.1
    max_rows: int = 100_000
    parity_rows: int = 10_000
    parity: dict = field(default_factory=lambda: {"abs_tol": 1e-3, "rel_tol": 1e-4,
                                                  "max_mismatch_rate": 1e-3})
    drop_columns: tuple = ("__group_key", "__slot")


def _align_kinds(plan, float_columns) -> None:
    """Integer columns with nulls anywhere in the table are float inputs in every group model
    (one kind per column across groups: one CAST list serves every group in T-SQL)."""
    from ..onnx_export import InputSpec
    for name in [c for c in plan.integer if c in float_columns]:
        plan.integer.remove(name)
        plan.numeric.append(name)
        plan.inputs = [InputSpec(i.name, "float") if i.name == name else i for i in plan.inputs]


def _split(frame, target: str, task: str, test_size: float, seed: int):
    from sklearn.model_selection import train_test_split
    if not test_size:
        return frame, frame.sample(min(len(frame), 10_000), random_state=seed)
    counts = frame[target].value_counts()
    stratify = frame[target] if task == "classification" and counts.min() >= 2 else None
    return train_test_split(frame, test_size=test_size, random_state=seed, stratify=stratify)


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def _fit(frame, spec: GroupSpec) -> dict:
    from sklearn.pipeline import Pipeline

    from ..automl.engine import default_estimators, run_search
    from ..automl.featurize import fit_featurizer, plan_features, to_model_frame
    from ..automl.metrics import CLASSIFICATION, report_metrics
    from ..automl.model import TrainedModel
    from ..automl.progress import FlamlMetric
    from ..exceptions import AutoMLError
    from ..onnx_export import check_parity, make_feeds, run_onnx
    target, task = spec.target, spec.task
    classes = None
    if task == CLASSIFICATION:
        classes = sorted(frame[target].unique().tolist())
        if len(classes) < 2:
            raise AutoMLError(f"target {target!r} is constant ({classes[0]!r}) in this group: a "
                              "model cannot learn from a single class.")
        frame = frame.assign(**{target: frame[target].map({c: i for i, c in enumerate(classes)})})
    elif frame[target].nunique() < 2:
        raise AutoMLError(f"target {target!r} is constant in this group: nothing to predict.")
    train, test = _split(frame, target, task, spec.test_size, spec.seed)
    plan = plan_features(train, list(spec.features), spec.spark_types)
    _align_kinds(plan, spec.float_columns)
    if not plan.inputs:
        raise AutoMLError(f"No usable feature in this group: {json.dumps(plan.dropped)}.")
    featurizer = fit_featurizer(plan, train)
    X = np.asarray(featurizer.transform(to_model_frame(train, plan.inputs)), dtype=np.float32)
    n_classes = len(classes or [])
    mark = time.time()
    search = run_search(X, train[target].to_numpy(), task=task,
                        metric=FlamlMetric(spec.metric, task, n_classes), budget_s=spec.budget_s,
                        estimator_list=default_estimators(task, True), use_spark=False,
                        concurrency=1, seed=spec.seed, extra={"n_jobs": 1})
    search_seconds = time.time() - mark
    pipeline = Pipeline([("featurize", featurizer), ("model", search.estimator)])
    model = TrainedModel(pipeline, plan.inputs, task, target,
                         list(range(n_classes)) if n_classes else None, plan.to_dict())
    y_test = test[target].to_numpy()
    if task == CLASSIFICATION:
        model.classes = [_plain(c) for c in classes]
        labels = np.asarray(model.classes, dtype=object)[y_test.astype(int)]
        if model.classes_are_codes:
            labels = labels.astype(np.int64)
        metrics = report_metrics(task, labels, model.predict(test), model.predict_proba(test),
                                 labels=list(model.classes))
    else:
        metrics = report_metrics(task, y_test, model.predict(test))
    onnx_bytes = model.to_onnx().SerializeToString()
    sample = test.head(spec.parity_rows)
    got = run_onnx(onnx_bytes, make_feeds(model.frame(sample), plan.inputs))
    got = ({"label": got[0], "probability": got[1]} if task == CLASSIFICATION
           else {"prediction": got[0]})
    parity = check_parity(model.native_outputs(sample), got, task, **spec.parity)
    return {"status": "trained" if parity.passed else "failed",
            "message": "" if parity.passed else f"{parity.describe()}: not registered.",
            "train_rows": len(train), "test_rows": len(test), "model": onnx_bytes,
            "best_estimator": search.best_learner,
            "best_config": json.dumps(search.best_config, default=str),
            "metrics": json.dumps({k: float(v) for k, v in metrics.items()}),
            "parity": json.dumps(parity.to_dict()),
            "trials": json.dumps(search.trials, default=str),
            "classes": json.dumps(model.classes if classes else None, default=str),
            "inputs": json.dumps([{"name": i.name, "kind": i.kind} for i in plan.inputs]),
            "search_seconds": search_seconds}


def train_group(frame, spec: GroupSpec) -> dict:
    """Train, convert and check one group's model; a dict of :data:`RESULT_SCHEMA` fields."""
    started = time.time()
    key = str(frame["__group_key"].iloc[0]) if "__group_key" in frame and len(frame) else ""
    frame = frame.drop(columns=[c for c in spec.drop_columns if c in frame.columns])
    frame = frame[frame[spec.target].notna()]
    if len(frame) > spec.max_rows:
        frame = frame.sample(spec.max_rows, random_state=spec.seed)
    row = {"group_key": key, "status": "failed", "message": "", "rows": len(frame),
           "train_rows": 0, "test_rows": 0, "model": None, "best_estimator": "",
           "best_config": "{}", "metrics": "{}", "parity": "{}", "trials": "[]",
           "classes": "null", "inputs": "[]", "search_seconds": 0.0, "pid": os.getpid(),
           "partition": -1}
    try:
        row.update(_fit(frame.reset_index(drop=True), spec))
    except Exception as exc:  # noqa: BLE001 - one group's failure must not fail the others
        row["message"] = f"{type(exc).__name__}: {exc}"
    row["seconds"] = time.time() - started
    return row


def _warm(batches):
    """Import what :func:`train_group` needs, in a DataFrame-UDF Python worker."""
    import pandas as pd

    import flaml.automl  # noqa: F401
    import lightgbm  # noqa: F401
    import onnxruntime  # noqa: F401
    import sklearn.ensemble  # noqa: F401
    import xgboost  # noqa: F401

    from ..automl import featurize, model  # noqa: F401
    from ..automl.datetime_parts import register_datetime_converter
    from ..onnx_export.convert import register_converters
    register_converters()
    register_datetime_converter()
    for _ in batches:
        pass
    yield pd.DataFrame({"pid": [os.getpid()]})


def start_warmup(spark, workers: int):
    """Warm ``workers`` Python workers in the background (a thread running a ``mapInPandas``
    job); join the returned thread before the training job, which then reuses them.

    DataFrame UDFs (``applyInPandas``) run in another pool of Python workers than RDD jobs, so
    :func:`..automl.engine.start_warmup` (an RDD job) would not warm them.
    """
    import threading

    def run():
        try:
            spark.sparkContext.setJobDescription("synhelpers: warm up many-models workers")
            (spark.range(workers).repartition(workers).mapInPandas(_warm, "pid long")
             .collect())                                   # ``workers`` rows
        except Exception:  # noqa: BLE001 - only an optimisation: the tasks import anyway
            pass

    thread = threading.Thread(target=run, name="many-models-warmup", daemon=True)
    thread.start()
    return thread


def make_trainer(spec: GroupSpec):
    """The ``applyInPandas`` function: one group's rows in, one result row out."""
    def train(frame):
        import pandas as pd
        from pyspark import TaskContext
        row = train_group(frame, spec)
        context = TaskContext.get()
        row["partition"] = context.partitionId() if context is not None else -1
        return pd.DataFrame([row])
    return train
