"""The linear family (synhelpers/automl/linear.py): each fit picks its own penalty from the data,
and the search gives it one trial, then moves on to the other families."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from synhelpers.automl.linear import logistic_c, ridge_alpha


def _linear(n=400, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    return X, X @ np.array([3.0, -2.0, 1.0, 0.5, 0.0, 0.0]) + rng.normal(0, noise, n)


def test_the_ridge_penalty_is_light_on_a_clean_signal_and_heavy_on_noise():
    X, y = _linear()
    assert ridge_alpha(X, y) <= 0.1
    noise = np.random.default_rng(1).normal(size=len(y))
    assert ridge_alpha(X, noise) >= 100


def test_the_logistic_penalty_is_light_on_a_clean_signal_and_heavy_on_noise():
    X, y = _linear(noise=0.5)
    assert logistic_c(X, (y > 0).astype(int)) >= 1
    coin = np.random.default_rng(2).integers(0, 2, len(y))
    assert logistic_c(X, coin) <= 0.01


def test_a_class_too_small_for_the_folds_keeps_the_default_penalty():
    X, y = _linear(n=60)
    labels = (y > 0).astype(int)
    labels[0] = 2                       # one row of a third class
    assert logistic_c(X, labels) == 1.0


@pytest.mark.parametrize("task,learner,metric", [("regression", "ridge", "r2"),
                                                 ("classification", "logistic", "roc_auc")])
def test_the_search_gives_the_linear_learner_one_trial(spark, task, learner, metric):
    """The learner has no search space; without :class:`SearchOnce` FLAML re-ran it all search
    long (1,932 of 1,944 trials on a 436-row table) and starved the tree families."""
    from synhelpers.automl.engine import run_search
    X, y = _linear()
    if task == "classification":
        y = (y > 0).astype(int)
    # A count of trials, not a time: 4 s gave only 3 trials on a loaded CI machine, and the
    # point is what the search does with the trials after the linear learner's first.
    search = run_search(X.astype(np.float32), y, task=task, metric=metric, budget_s=120,
                        estimator_list=["lgbm", learner, "rf"], use_spark=False, concurrency=1,
                        seed=0, extra={"max_iter": 8})
    trials = Counter(t["learner"] for t in search.trials)
    assert trials[learner] == 1, trials
    assert len(search.trials) == 8, trials
    assert trials["lgbm"] >= 1 and trials["rf"] >= 1, trials       # 7 trials between them
    assert search.best_learner == learner      # the target is linear
