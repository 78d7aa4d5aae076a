"""Helpers for scoring tests: train and register a small real model; score rows directly."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnxruntime as ort


@dataclass
class Registered:
    name: str
    version: int
    model: object            # synhelpers.automl.model.TrainedModel
    onnx_bytes: bytes

    @property
    def inputs(self):
        return self.model.inputs


def train_model(frame, features, target, spark_types, task="regression", trees=40):
    """featurizer + LightGBM (``trees`` trees) as AutoML builds it, without the search."""
    from lightgbm import LGBMClassifier, LGBMRegressor
    from sklearn.pipeline import Pipeline

    from synhelpers.automl.featurize import fit_featurizer, plan_features, to_model_frame
    from synhelpers.automl.model import TrainedModel
    plan = plan_features(frame, features, spark_types)
    featurizer = fit_featurizer(plan, frame)
    X = np.asarray(featurizer.transform(to_model_frame(frame, plan.inputs)), dtype=np.float32)
    estimator = (LGBMClassifier if task == "classification" else LGBMRegressor)(
        n_estimators=trees, num_leaves=15, verbose=-1, n_jobs=1)
    y = frame[target].to_numpy()
    estimator.fit(X, y)
    classes = sorted(set(y.tolist())) if task == "classification" else None
    return TrainedModel(Pipeline([("featurize", featurizer), ("model", estimator)]), plan.inputs,
                        task, target, classes, plan.to_dict())


def register_model(model, name: str) -> Registered:
    import mlflow

    from synhelpers.registry import get_or_create_experiment, log_onnx_model, register
    onnx_model = model.to_onnx()
    with mlflow.start_run(experiment_id=get_or_create_experiment("scoring-tests")):
        classes = [str(c) for c in model.classes or []]
        uri = log_onnx_model(onnx_model, metadata={"task": model.task, "target": model.target,
                                                   "classes": classes})
    version = register(uri, name)
    return Registered(name, version, model, onnx_model.SerializeToString())


def input_specs(tensors) -> list:
    """InputSpecs (float/int64/string) of a graph's inputs (TensorInfo)."""
    from synhelpers.onnx_export import InputSpec
    kinds = {"tensor(float)": "float", "tensor(int64)": "int64"}
    return [InputSpec(t.name, kinds.get(t.onnx_type, "string")) for t in tensors]


def direct(model_bytes: bytes, frame, inputs, threads: int = 1) -> list:
    """onnxruntime on ``frame`` as the AutoML code feeds it (one thread, as a Spark worker)."""
    from synhelpers.automl.featurize import to_model_frame
    from synhelpers.onnx_export import make_feeds
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
    return session.run(None, make_feeds(to_model_frame(frame, inputs), inputs))
