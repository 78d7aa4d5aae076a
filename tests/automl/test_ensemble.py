"""The greedy ensemble: selection, and one ONNX graph for a weighted vote of different families."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synhelpers.automl.ensemble import caruana, candidates, voting_model
from synhelpers.automl.featurize import fit_featurizer, plan_features, to_model_frame
from synhelpers.automl.metrics import METRICS
from synhelpers.automl.model import TrainedModel
from synhelpers.onnx_export import check_parity, make_feeds, run_onnx

TYPES = {"fare": "float", "passengers": "bigint", "bin": "string"}


def test_caruana_prefers_a_blend_that_cancels_errors():
    y = np.linspace(0, 10, 200)
    over, under, noise = y + 1.0, y - 1.0, y + np.random.default_rng(0).normal(0, 3, 200)
    weights = caruana([over, under, noise], y, METRICS["normalized_root_mean_squared_error"],
                      "regression", None)
    assert weights[0] == pytest.approx(0.5, abs=0.05) and weights[1] == pytest.approx(0.5, abs=0.05)
    assert weights[2] < 0.1 and weights.sum() == pytest.approx(1.0)


def test_candidates_are_distinct_a_few_per_family_each_familys_best_first():
    trials = [{"learner": "lgbm", "config": {"n": i}, "validation_loss": 1 - i / 10} for i in range(6)]
    trials += [{"learner": "rf", "config": {"n": 1}, "validation_loss": 0.55},
               {"learner": "rf", "config": {"n": 1}, "validation_loss": 0.55},
               {"learner": "ridge", "config": {}, "validation_loss": 0.75},
               {"learner": "lgbm", "config": {"n": 9}, "validation_loss": float("nan")}]
    picked = candidates(trials, max_members=8, per_learner=3)
    assert [(t["learner"], t["config"].get("n")) for t in picked] == [
        ("lgbm", 5), ("rf", 1), ("ridge", None), ("lgbm", 4), ("lgbm", 3)]
    # the cap counts the best configurations overall, whatever their order
    assert [(t["learner"], t["config"].get("n")) for t in candidates(trials, max_members=3)] == [
        ("lgbm", 5), ("rf", 1), ("lgbm", 4)]


def test_when_time_is_short_the_other_familys_best_is_refit_before_a_runner_up():
    from synhelpers.automl.ensemble import _affordable
    trials = [{"learner": "xgboost", "config": {"n": i}, "validation_loss": 0.070 + i / 1000,
               "trial_time": 0.5} for i in range(3)]
    trials.append({"learner": "ridge", "config": {}, "validation_loss": 0.073, "trial_time": 0.1})
    chosen, spent = _affordable(candidates(trials), folds=5, budget_s=1.0)
    assert [t["learner"] for t in chosen] == ["xgboost", "ridge"]
    assert spent == pytest.approx((0.5 + 0.1) * 6 / 5 * 1.2)
    # a slow candidate is passed over for a cheaper one behind it
    slow = [{**trials[0], "trial_time": 0.5}, {**trials[3], "trial_time": 2.0},
            {**trials[1], "trial_time": 0.1}]
    assert [t["config"] for t in _affordable(slow, folds=5, budget_s=1.0)[0]] == [{"n": 0}, {"n": 1}]
    # fewer than two fit: the first two, priced over the budget (the caller keeps the best one)
    chosen, spent = _affordable(slow, folds=5, budget_s=0.5)
    assert [t["learner"] for t in chosen] == ["xgboost", "ridge"] and spent > 0.5


def test_without_time_for_the_searchs_best_there_is_no_ensemble_of_the_cheaper_ones():
    """ames, 30 s: the boosting trials did not fit the 2 s left, and ridge plus a small forest
    (CV R2 0.867) replaced XGBoost (0.898); held-out R2 0.81 instead of 0.88."""
    from synhelpers.automl.ensemble import _affordable
    trials = [{"learner": "xgboost", "config": {}, "validation_loss": 0.102, "trial_time": 2.5},
              {"learner": "lgbm", "config": {}, "validation_loss": 0.103, "trial_time": 1.5},
              {"learner": "ridge", "config": {}, "validation_loss": 0.163, "trial_time": 0.1},
              {"learner": "rf", "config": {}, "validation_loss": 0.227, "trial_time": 0.2}]
    chosen, spent = _affordable(candidates(trials), folds=5, budget_s=2.0)
    assert chosen[0]["learner"] == "xgboost" and spent > 2.0       # priced over: no ensemble
    chosen, spent = _affordable(candidates(trials), folds=5, budget_s=4.5)
    assert [t["learner"] for t in chosen] == ["xgboost", "ridge", "rf"] and spent <= 4.5


def _frame(n=700, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"fare": (rng.random(n) * 40).astype("float32"),
                       "passengers": rng.integers(1, 6, n),
                       "bin": rng.choice(["AMRush", "PMRush", "Night"], n)})
    return df, df.fare * 1.5 + df.passengers + (df.bin == "Night") * 4 + rng.normal(0, 1, n)


@pytest.mark.parametrize("task", ["regression", "classification"])
def test_a_weighted_vote_of_trees_a_normalised_sgd_and_a_scaled_linear_is_one_exact_graph(task):
    from lightgbm import LGBMClassifier, LGBMRegressor
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.linear_model import SGDClassifier, SGDRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import Normalizer
    from xgboost import XGBClassifier, XGBRegressor
    from synhelpers.automl.linear import scaled_logistic, scaled_ridge
    df, y = _frame()
    if task == "classification":
        y = (y > np.median(y)).astype(int).to_numpy()
        members = [LGBMClassifier(n_estimators=40, verbose=-1), XGBClassifier(n_estimators=40),
                   RandomForestClassifier(20, random_state=0),
                   Pipeline([("normalize", Normalizer()), ("sgd", SGDClassifier(loss="log_loss"))]),
                   scaled_logistic(C=0.3)]
    else:
        members = [LGBMRegressor(n_estimators=40, verbose=-1), XGBRegressor(n_estimators=40),
                   RandomForestRegressor(20, random_state=0),
                   Pipeline([("normalize", Normalizer()), ("sgd", SGDRegressor())]),
                   scaled_ridge(alpha=3.0)]
    plan = plan_features(df, list(TYPES), TYPES)
    featurizer = fit_featurizer(plan, df)
    X = featurizer.transform(to_model_frame(df, plan.inputs)).astype(np.float32)
    fitted = [m.fit(X, y) for m in members]
    ensemble = voting_model(fitted, [0.35, 0.3, 0.2, 0.1, 0.05], task, [0, 1], X.shape[1])
    model = TrainedModel(Pipeline([("featurize", featurizer), ("model", ensemble)]), plan.inputs,
                         task, "y", [0, 1] if task == "classification" else None)
    test, _ = _frame(300, seed=3)
    outputs = run_onnx(model.to_onnx().SerializeToString(), make_feeds(model.frame(test), model.inputs))
    if task == "classification":
        expected = sum(w * m.predict_proba(featurizer.transform(to_model_frame(test, plan.inputs)))
                       for w, m in zip([0.35, 0.3, 0.2, 0.1, 0.05], fitted))
        np.testing.assert_allclose(model.predict_proba(test), expected, atol=1e-6)
        got = {"label": outputs[0], "probability": outputs[1]}
    else:
        got = {"prediction": outputs[0]}
    report = check_parity(model.native_outputs(test), got, task, abs_tol=1e-4)
    assert report.passed and report.rows_over_tolerance == 0, report.describe()


def test_trials_logged_by_the_parallel_search_refit_for_every_family(spark):
    """FLAML's Spark (parallel) search logs ``{"ml": {"learner": ..., **params}}``; the
    ensemble refits those configs, CatBoost's fixed ``early_stopping_rounds`` included."""
    pytest.importorskip("catboost")
    from flaml import AutoML
    from synhelpers.automl.engine import estimator_params
    from synhelpers.automl.ensemble import build_ensemble
    assert estimator_params({"ml": {"learner": "catboost", "early_stopping_rounds": 10,
                                    "learning_rate": 0.1, "FLAML_sample_size": 500}}) == {
        "early_stopping_rounds": 10, "learning_rate": 0.1}
    df, y = _frame(n=600)
    plan = plan_features(df, list(TYPES), TYPES)
    X = fit_featurizer(plan, df).transform(to_model_frame(df, plan.inputs)).astype(np.float32)
    y = y.to_numpy(dtype=np.float32)
    automl = AutoML()
    automl.fit(X, y, task="regression", estimator_list=["lgbm", "catboost"], max_iter=2,
               verbose=0, seed=0)
    trials = [{"learner": "catboost", "validation_loss": 0.2, "trial_time": 0.1,
               "config": {"ml": {"learner": "catboost", "early_stopping_rounds": 10,
                                 "learning_rate": 0.2, "n_estimators": 30}}},
              {"learner": "lgbm", "validation_loss": 0.25, "trial_time": 0.1,
               "config": {"ml": {"learner": "lgbm", "n_estimators": 30, "num_leaves": 8}}}]
    result = build_ensemble(automl, trials, X, y, task="regression", metric=METRICS["r2_score"],
                            labels=None, budget_s=60, seed=0)
    assert [m["learner"] for m in result.members] == ["catboost", "lgbm"]
    assert all(np.isfinite(m["val_score"]) and m["val_score"] > 0.5 for m in result.members)


def test_catboost_trials_write_nothing_into_the_working_directory(spark, tmp_path, monkeypatch):
    """CatBoost's train_dir would land in the notebook's folder (and stay there when a trial is
    cancelled at the deadline)."""
    pytest.importorskip("catboost")
    from synhelpers.automl.engine import run_search
    monkeypatch.chdir(tmp_path)
    df, y = _frame(n=500)
    plan = plan_features(df, list(TYPES), TYPES)
    X = fit_featurizer(plan, df).transform(to_model_frame(df, plan.inputs)).astype(np.float32)
    result = run_search(X, y.to_numpy(), task="regression", metric="r2", budget_s=4,
                        estimator_list=["catboost"], use_spark=False, concurrency=1, seed=0,
                        keep_automl=True)
    assert result.best_learner == "catboost" and result.trials
    from synhelpers.automl.learners import QuietCatBoostEstimator
    assert result.automl._state.learner_classes["catboost"] is QuietCatBoostEstimator
    assert list(tmp_path.iterdir()) == []
    # a trial cancelled mid-fit never reaches FLAML's clean-up: the learner's own settings must
    # keep CatBoost from writing
    from catboost import CatBoostRegressor
    learner = QuietCatBoostEstimator(task="regression", **result.trials[-1]["config"])
    CatBoostRegressor(train_dir="cancelled", **learner.params).fit(X, y.to_numpy())
    assert not (tmp_path / "cancelled").exists()
