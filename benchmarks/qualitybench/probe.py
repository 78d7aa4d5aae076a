"""What the one-off probes of the wizard's choices share (``bag_vs_refit.py``,
``target_order_vs_onehot.py``): a benchmark split featurized as the wizard featurizes it, the
benchmark's metric on it, and the line that sums up the differences."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def spark_types(frame) -> dict:
    """The Spark type each pandas column would have (what the wizard's featurizer plans from)."""
    import pandas as pd
    out = {}
    for name, column in frame.items():
        if pd.api.types.is_bool_dtype(column):
            out[name] = "boolean"
        elif pd.api.types.is_integer_dtype(column):
            out[name] = "bigint"
        elif pd.api.types.is_float_dtype(column):
            out[name] = "double"
        elif pd.api.types.is_datetime64_any_dtype(column):
            out[name] = "timestamp"
        else:
            out[name] = "string"
    return out


@dataclass
class FeaturizedSplit:
    """One seeded split of a benchmark table through the wizard's featurizer (float32 matrices;
    class labels as their index among the training labels, -1 when unseen)."""
    train: object            # the raw pandas frames
    test: object
    plan: object             # synhelpers' FeaturePlan
    X: np.ndarray
    X_test: np.ndarray
    y: np.ndarray
    y_test: np.ndarray
    regression: bool

    def score(self, prediction) -> float:
        """R2, or ROC AUC (one-vs-rest over several classes) of predicted probabilities."""
        from sklearn.metrics import r2_score, roc_auc_score
        if self.regression:
            return r2_score(self.y_test, prediction)
        if prediction.shape[1] == 2:
            return roc_auc_score(self.y_test, prediction[:, 1])
        return roc_auc_score(self.y_test, prediction, multi_class="ovr")

    def predict(self, model, rows):
        return model.predict(rows) if self.regression else model.predict_proba(rows)


def featurized_split(dataset, seed: int) -> FeaturizedSplit:
    """``qualitybench.datasets.split(dataset, seed)`` featurized with the wizard's featurizer."""
    from synhelpers.automl.featurize import fit_featurizer, plan_features, to_model_frame

    from . import datasets
    train, test = datasets.split(dataset, seed)
    target, regression = dataset.target, dataset.task == "regression"
    features = [c for c in train.columns if c != target]
    plan = plan_features(train, features, spark_types(train[features]))
    featurizer = fit_featurizer(plan, train)
    X = np.asarray(featurizer.transform(to_model_frame(train, plan.inputs)), dtype=np.float32)
    X_test = np.asarray(featurizer.transform(to_model_frame(test, plan.inputs)), dtype=np.float32)
    y, y_test = train[target].to_numpy(), test[target].to_numpy()
    if not regression:
        classes = {c: i for i, c in enumerate(np.unique(y))}
        y = np.array([classes[v] for v in y])
        y_test = np.array([classes.get(v, -1) for v in y_test])
    return FeaturizedSplit(train, test, plan, X, X_test, y, y_test, regression)


def summary_line(differences, above: str, unit: str) -> str:
    """``"<above> in k of n <unit> pairs; mean, median, range"`` of per-pair differences."""
    differences = np.asarray(differences)
    return (f"{above} in {(differences > 0).sum()} of {len(differences)} {unit} pairs; mean "
            f"{differences.mean():+.4f}, median {np.median(differences):+.4f}, range "
            f"{differences.min():+.4f} to {differences.max():+.4f}")
