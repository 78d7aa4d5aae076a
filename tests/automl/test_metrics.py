"""Azure's primary metrics, checked against independent computations (pure)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import precision_score, recall_score, roc_auc_score

from synhelpers.automl.metrics import METRICS, evaluate, get_metric, report_metrics

Y = np.array([3.0, 5.0, 9.0, 1.0, 7.0])
P = np.array([2.5, 5.5, 8.0, 2.0, 7.5])


def test_regression_metrics():
    span = 9.0 - 1.0
    assert evaluate(METRICS["normalized_root_mean_squared_error"], Y, P) == pytest.approx(
        np.sqrt(np.mean((Y - P) ** 2)) / span)
    assert evaluate(METRICS["normalized_mean_absolute_error"], Y, P) == pytest.approx(
        np.mean(np.abs(Y - P)) / span)
    assert evaluate(METRICS["spearman_correlation"], Y, P) == pytest.approx(spearmanr(Y, P)[0])
    r2 = 1 - np.sum((Y - P) ** 2) / np.sum((Y - Y.mean()) ** 2)
    assert evaluate(METRICS["r2_score"], Y, P) == pytest.approx(r2)
    report = report_metrics("regression", Y, P)
    assert report["mean_absolute_percentage_error"] == pytest.approx(np.abs(Y - P).sum() / Y.sum())


def test_losses_point_the_right_way():
    assert get_metric("r2_score", "regression").loss(0.9) == pytest.approx(0.1)
    assert get_metric("normalized_root_mean_squared_error", "regression").loss(0.2) == 0.2


def test_classification_metrics():
    y = np.array([0, 0, 1, 1, 2, 2, 2])
    proba = np.array([[.8, .1, .1], [.3, .6, .1], [.2, .7, .1], [.1, .8, .1], [.1, .1, .8],
                      [.2, .2, .6], [.5, .2, .3]])
    pred = proba.argmax(axis=1)
    auc = evaluate(METRICS["AUC_weighted"], y, pred, proba, labels=[0, 1, 2])
    assert auc == pytest.approx(roc_auc_score(y, proba, average="weighted", multi_class="ovr"))
    assert evaluate(METRICS["accuracy"], y, pred) == pytest.approx(np.mean(y == pred))
    recall = recall_score(y, pred, average="macro")
    assert evaluate(METRICS["norm_macro_recall"], y, pred, labels=[0, 1, 2]) == pytest.approx(
        (recall - 1 / 3) / (1 - 1 / 3))
    assert evaluate(METRICS["precision_score_weighted"], y, pred) == pytest.approx(
        precision_score(y, pred, average="weighted"))


def test_binary_auc_uses_the_positive_class_and_random_recall_scores_zero():
    y = np.array([0, 1, 0, 1])
    proba = np.array([[.9, .1], [.2, .8], [.6, .4], [.3, .7]])
    assert evaluate(METRICS["AUC_weighted"], y, proba.argmax(1), proba, labels=[0, 1]) == 1.0
    assert evaluate(METRICS["norm_macro_recall"], y, np.zeros(4, int), labels=[0, 1]) == 0.0
