"""Azure AutoML's primary metrics, computed the way Azure defines them (pure).

Each metric knows its tasks, whether greater is better, and how to compute it from the truth and
the predictions (probabilities for the ranking metrics). FLAML minimizes a loss: ``loss(value)`` is
``1 - value`` for metrics where greater is better (all bounded by 1), the value itself otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..exceptions import ConfigError

REGRESSION, CLASSIFICATION, FORECASTING = "regression", "classification", "forecasting"


def _range(y) -> float:
    span = float(np.max(y) - np.min(y)) if len(y) else 0.0
    return span if span > 0 else 1.0


def spearman_correlation(y, pred, proba=None) -> float:
    from scipy.stats import spearmanr
    value = spearmanr(y, pred).statistic
    return 0.0 if np.isnan(value) else float(value)


def normalized_root_mean_squared_error(y, pred, proba=None) -> float:
    return float(np.sqrt(np.mean((np.asarray(y) - np.asarray(pred)) ** 2)) / _range(y))


def normalized_mean_absolute_error(y, pred, proba=None) -> float:
    return float(np.mean(np.abs(np.asarray(y) - np.asarray(pred))) / _range(y))


def r2_score(y, pred, proba=None) -> float:
    from sklearn.metrics import r2_score as r2
    return float(r2(y, pred))


def auc_weighted(y, pred, proba=None, labels=None) -> float:
    from sklearn.metrics import roc_auc_score
    proba = np.asarray(proba)
    if proba.ndim == 2 and proba.shape[1] == 2:
        return float(roc_auc_score(y, proba[:, 1]))
    return float(roc_auc_score(y, proba, average="weighted", multi_class="ovr", labels=labels))


def accuracy(y, pred, proba=None) -> float:
    return float(np.mean(np.asarray(y) == np.asarray(pred)))


def average_precision_score_weighted(y, pred, proba=None, labels=None) -> float:
    from sklearn.metrics import average_precision_score
    from sklearn.preprocessing import label_binarize
    proba = np.asarray(proba)
    classes = labels if labels is not None else np.unique(y)
    if proba.ndim == 2 and proba.shape[1] == 2:
        return float(average_precision_score(np.asarray(y) == classes[1], proba[:, 1]))
    return float(average_precision_score(label_binarize(y, classes=classes), proba,
                                         average="weighted"))


def norm_macro_recall(y, pred, proba=None, labels=None) -> float:
    """Macro recall rescaled so that random guessing scores 0 and perfect 1 (Azure's definition)."""
    from sklearn.metrics import recall_score
    n_classes = len(labels) if labels is not None else len(np.unique(y))
    chance = 1.0 / max(n_classes, 2)
    recall = recall_score(y, pred, average="macro", zero_division=0)
    return float(max(0.0, (recall - chance) / (1 - chance)))


def precision_score_weighted(y, pred, proba=None) -> float:
    from sklearn.metrics import precision_score
    return float(precision_score(y, pred, average="weighted", zero_division=0))


@dataclass(frozen=True)
class Metric:
    name: str
    tasks: tuple[str, ...]
    greater_is_better: bool
    needs_proba: bool
    fn: Callable

    def loss(self, value: float) -> float:
        return 1.0 - value if self.greater_is_better else value


_R, _C, _F = (REGRESSION, FORECASTING), (CLASSIFICATION,), (FORECASTING,)
METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("spearman_correlation", _R, True, False, spearman_correlation),
    Metric("normalized_root_mean_squared_error", _R, False, False, normalized_root_mean_squared_error),
    Metric("r2_score", _R, True, False, r2_score),
    Metric("normalized_mean_absolute_error", _R, False, False, normalized_mean_absolute_error),
    Metric("AUC_weighted", _C, True, True, auc_weighted),
    Metric("accuracy", _C, True, False, accuracy),
    Metric("average_precision_score_weighted", _C, True, True, average_precision_score_weighted),
    Metric("norm_macro_recall", _C, True, False, norm_macro_recall),
    Metric("precision_score_weighted", _C, True, False, precision_score_weighted),
]}

DEFAULT_METRIC = {REGRESSION: "spearman_correlation", CLASSIFICATION: "AUC_weighted",
                  FORECASTING: "normalized_root_mean_squared_error"}


def get_metric(name: str, task: str) -> Metric:
    """The metric ``name`` for ``task``.

    Raises:
        ConfigError: unknown metric, or one that does not fit the task (valid names listed).
    """
    valid = [m for m in METRICS.values() if task in m.tasks]
    if name not in METRICS:
        raise ConfigError(f"primary_metric={name!r} is not an Azure AutoML metric: for task={task!r} "
                          f"use one of {', '.join(m.name for m in valid)}.")
    metric = METRICS[name]
    if task not in metric.tasks:
        raise ConfigError(f"primary_metric={name!r} does not fit task={task!r}: use one of "
                          f"{', '.join(m.name for m in valid)}.")
    return metric


def evaluate(metric: Metric, y, pred, proba=None, labels=None) -> float:
    """Compute ``metric``; ranking metrics use ``proba`` (columns in ``labels`` order)."""
    if metric.fn in (auc_weighted, average_precision_score_weighted, norm_macro_recall):
        return metric.fn(y, pred, proba, labels=labels)
    return metric.fn(y, pred, proba)


def report_metrics(task: str, y, pred, proba=None, labels=None) -> dict[str, float]:
    """Every metric of the task, plus the usual absolute ones (RMSE, MAE, MAPE for regression)."""
    out = {}
    for metric in METRICS.values():
        if task in metric.tasks and (proba is not None or not metric.needs_proba):
            try:
                out[metric.name] = evaluate(metric, y, pred, proba, labels)
            except ValueError:       # e.g. a single class in y
                continue
    if task != CLASSIFICATION:
        y, pred = np.asarray(y, dtype=float), np.asarray(pred, dtype=float)
        out["root_mean_squared_error"] = float(np.sqrt(np.mean((y - pred) ** 2)))
        out["mean_absolute_error"] = float(np.mean(np.abs(y - pred)))
        total = np.abs(y).sum()
        # the Azure tutorial's MAPE: sum |actual - predicted| / sum actual
        out["mean_absolute_percentage_error"] = float(np.abs(y - pred).sum() / total) if total else 0.0
    return out
