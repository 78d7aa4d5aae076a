"""One way to score every method: R² for regression, ROC AUC for classification (binary: AUC
of the positive class; multiclass: one-vs-rest, macro as the headline, weighted kept too)."""
from __future__ import annotations

import numpy as np


def score(task: str, y_true, prediction=None, proba=None, classes=None) -> dict:
    """``proba`` columns are in ``classes`` order (sorted labels)."""
    from sklearn.metrics import r2_score, roc_auc_score
    if task == "regression":
        return {"score": float(r2_score(y_true, np.asarray(prediction, dtype=float)))}
    proba = np.asarray(proba, dtype=float)
    if proba.shape[1] == 2:
        value = float(roc_auc_score(np.asarray(y_true) == classes[1], proba[:, 1]))
        return {"score": value, "auc_weighted": value}
    proba = proba / proba.sum(axis=1, keepdims=True)   # float32 ONNX rows may not sum to 1 exactly
    return {"score": float(roc_auc_score(y_true, proba, multi_class="ovr", average="macro",
                                         labels=classes)),
            "auc_weighted": float(roc_auc_score(y_true, proba, multi_class="ovr",
                                                average="weighted", labels=classes))}


def metric_name(task: str, n_classes: int) -> str:
    if task == "regression":
        return "R2"
    return "ROC AUC" if n_classes <= 2 else "ROC AUC (OvR macro)"
