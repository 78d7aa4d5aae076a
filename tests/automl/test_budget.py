"""The run's budget rules: the margin, what the search gets, the deadline every fit keeps."""
from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

from synhelpers.automl.budget import (budget_margin, post_search_reserve, search_seconds,
                                      warn_overrun)
from synhelpers.exceptions import AutoMLError, BudgetWarning


@pytest.mark.parametrize("budget, margin", [(30, 5.0), (50, 5.0), (120, 12.0), (3600, 360.0)])
def test_the_margin_is_five_seconds_or_ten_percent_whichever_is_larger(budget, margin):
    assert budget_margin(budget) == pytest.approx(margin)


def test_the_search_gets_the_budget_less_loading_the_reserve_and_the_ensemble_share():
    from synhelpers.automl.config import WizardConfig
    share = WizardConfig("t", "y").ensemble_share
    assert share == 0.15
    budget, loaded = 120.0, 2.0
    search = search_seconds(budget, loaded, share, budget / 3600)
    assert search == pytest.approx((budget - loaded - post_search_reserve(budget)) * 0.85)
    assert search_seconds(30.0, 0.6, share, 30 / 3600) == pytest.approx(21.3, abs=0.05)
    assert post_search_reserve(30) == pytest.approx(4.3) and post_search_reserve(120) == pytest.approx(9.7)
    # whatever is planned fits in the budget: the search, the ensemble's share, the reserve
    ensemble = (budget - loaded - post_search_reserve(budget)) * share
    assert loaded + search + ensemble + post_search_reserve(budget) == pytest.approx(budget)


def test_too_small_a_budget_names_the_hours_needed():
    with pytest.raises(AutoMLError, match=r"use at least 0\.00\d+ hours"):
        search_seconds(8.0, 1.0, 0.2, 8 / 3600)


def test_an_overrun_is_warned_only_beyond_the_margin():
    with warnings.catch_warnings():
        warnings.simplefilter("error", BudgetWarning)
        warn_overrun(34.9, 30.0)
        warn_overrun(131.9, 120.0)
    with pytest.warns(BudgetWarning, match="over its budget of 120 s plus the 12 s margin"):
        warn_overrun(133.0, 120.0)


def test_trials_use_one_thread_on_small_tables_and_on_executors():
    from synhelpers.automl.engine import SINGLE_THREAD_ROWS, search_deadline, trial_threads
    assert trial_threads(142, use_spark=False) == 1
    assert trial_threads(SINGLE_THREAD_ROWS, use_spark=False) == 1
    assert trial_threads(SINGLE_THREAD_ROWS + 1, use_spark=False) == -1
    assert trial_threads(500_000, use_spark=True) == 1
    assert search_deadline(1000.0, 20.0) == pytest.approx(1026.0)


def test_a_fit_takes_the_time_left_before_the_deadline():
    from synhelpers.automl.learners import bounded_budget, fit_deadline
    assert bounded_budget(7.0) == 7.0 and bounded_budget(None) is None
    with fit_deadline(100.0):
        assert bounded_budget(None, now=97.0) == pytest.approx(3.0)
        assert bounded_budget(2.0, now=97.0) == pytest.approx(2.0)
        assert bounded_budget(9.0, now=97.0) == pytest.approx(3.0)
        assert bounded_budget(9.0, now=120.0) == pytest.approx(0.05)     # one round
    assert bounded_budget(9.0) == 9.0


def _rounds(model) -> int:
    native = model.model
    if hasattr(native, "tree_count_"):
        return int(native.tree_count_)
    if hasattr(native, "booster_"):
        return int(native.booster_.current_iteration())
    return int(native.get_booster().num_boosted_rounds())


@pytest.mark.parametrize("learner", ["catboost", "lgbm", "xgboost"])
def test_a_refit_without_a_budget_stops_at_the_deadline(learner):
    """FLAML refits its best configuration with no budget, and its CatBoost learner never
    checks the time: 8192 rounds of a multiclass CatBoost on 142 rows took 218 s of a 30 s run.
    Under a deadline that has passed, every boosting learner stops after its first rounds
    instead of training the thousands it was configured for."""
    if learner == "catboost":
        pytest.importorskip("catboost")
    from sklearn.datasets import load_wine
    from synhelpers.automl.learners import BOUNDED, fit_deadline
    X, y = load_wine(return_X_y=True)
    configured = {"catboost": 8192, "lgbm": 30_000, "xgboost": 30_000}[learner]
    rounds = {"catboost": {"n_estimators": 8192, "early_stopping_rounds": 10_000,
                           "learning_rate": 0.01},
              "lgbm": {"n_estimators": 30_000, "num_leaves": 31, "learning_rate": 0.001,
                       "min_child_samples": 2},
              "xgboost": {"n_estimators": 30_000, "max_leaves": 31, "learning_rate": 0.001}}
    model = BOUNDED[learner](task="multiclass", n_jobs=1, **rounds[learner])
    with fit_deadline(time.time()):
        model.fit(X, y)                         # no budget, as FLAML's final refit
    assert 1 <= _rounds(model) < configured / 10
    assert np.asarray(model.predict(X[:5])).ravel().shape == (5,)
    unbounded = BOUNDED[learner](task="multiclass", n_jobs=1, **{**rounds[learner],
                                                                 "n_estimators": 50})
    unbounded.fit(X, y)                         # no deadline: every configured round
    assert _rounds(unbounded) == 50 or learner == "catboost"


def test_small_tables_start_the_boosting_families_at_their_libraries_defaults():
    from synhelpers.automl.engine import starting_points
    points = starting_points(318, ["lgbm", "xgboost", "catboost"])
    assert points == {"lgbm": {"n_estimators": 100, "num_leaves": 31, "learning_rate": 0.1,
                               "min_child_samples": 20},
                      "xgboost": {"n_estimators": 100, "max_leaves": 31, "learning_rate": 0.1}}
    tiny = starting_points(24, ["lgbm"])["lgbm"]       # within FLAML's size-bound search space
    assert tiny["n_estimators"] == 24 and tiny["num_leaves"] == 24
    assert starting_points(50_000, ["lgbm", "xgboost"]) == {}     # FLAML's low-cost start
    assert starting_points(318, ["ridge", "sgd"]) == {}


def test_small_tables_start_the_forests_deep_and_wide():
    from synhelpers.automl.engine import starting_points
    points = starting_points(318, ["rf", "extra_tree", "ridge"])
    assert points == {"rf": {"n_estimators": 100, "max_leaves": 159},
                      "extra_tree": {"n_estimators": 100, "max_leaves": 159}}
    assert starting_points(1_800, ["rf"])["rf"]["max_leaves"] == 256
    assert starting_points(2_001, ["rf", "extra_tree"]) == {}     # FLAML's low-cost start
