"""The search engine's hand-over: the model FLAML found, with the preprocessing its learner
applies itself, as one scikit-learn pipeline that converts to one exact ONNX graph."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synhelpers.automl.featurize import fit_featurizer, plan_features, to_model_frame
from synhelpers.automl.model import TrainedModel
from synhelpers.onnx_export import check_parity, make_feeds, run_onnx

TYPES = {"fare": "float", "passengers": "bigint", "bin": "string"}


def _frame(n=600, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"fare": (rng.random(n) * 40).astype("float32"),
                       "passengers": rng.integers(1, 6, n),
                       "bin": rng.choice(["AMRush", "PMRush", "Night"], n)})
    return df, (df.fare * 1.5 + df.passengers * 3 + (df.bin == "Night") * 4
                + rng.normal(0, 1, n)).to_numpy()


@pytest.mark.parametrize("task", ["regression", "classification"])
def test_sgd_keeps_flamls_row_normalisation_natively_and_in_onnx(spark, task):
    """FLAML's SGD learner scales each row to unit L2 norm before its SGD model: the registered
    pipeline must do the same, or it predicts something FLAML never validated."""
    from sklearn.pipeline import Pipeline
    from synhelpers.automl.engine import run_search
    df, y = _frame()
    if task == "classification":
        y = (y > np.median(y)).astype(int)
    plan = plan_features(df, list(TYPES), TYPES)
    featurizer = fit_featurizer(plan, df)
    X = featurizer.transform(to_model_frame(df, plan.inputs)).astype(np.float32)
    search = run_search(X, y, task=task, metric="r2" if task == "regression" else "roc_auc",
                        budget_s=3, estimator_list=["sgd"], use_spark=False, concurrency=1,
                        seed=0, keep_automl=True)
    assert search.best_learner == "sgd"
    test, _ = _frame(200, seed=5)
    X_test = featurizer.transform(to_model_frame(test, plan.inputs)).astype(np.float32)
    if task == "classification":
        np.testing.assert_allclose(search.estimator.predict_proba(X_test),
                                   search.automl.predict_proba(X_test), rtol=1e-6)
    else:
        np.testing.assert_allclose(search.estimator.predict(X_test), search.automl.predict(X_test),
                                   rtol=1e-6)
    model = TrainedModel(Pipeline([("featurize", featurizer), ("model", search.estimator)]),
                         plan.inputs, task, "y", [0, 1] if task == "classification" else None)
    outputs = run_onnx(model.to_onnx().SerializeToString(), make_feeds(model.frame(test), model.inputs))
    got = ({"label": outputs[0], "probability": outputs[1]} if task == "classification"
           else {"prediction": outputs[0]})
    report = check_parity(model.native_outputs(test), got, task)
    assert report.passed and report.rows_over_tolerance == 0, report.describe()


@pytest.mark.parametrize("task,learner", [("regression", "ridge"), ("classification", "logistic")])
def test_the_linear_family_standardizes_its_inputs_natively_and_in_onnx(spark, task, learner):
    """Our linear family (``ridge`` / ``logistic``): registered in every search, scaled inside
    the model it hands over, learns a linear target, and converts to one exact graph."""
    from sklearn.metrics import r2_score, roc_auc_score
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from synhelpers.automl.engine import run_search
    df, y = _frame()
    test, y_test = _frame(300, seed=5)
    if task == "classification":
        y, y_test = (y > np.median(y)).astype(int), (y_test > np.median(y)).astype(int)
    plan = plan_features(df, list(TYPES), TYPES)
    featurizer = fit_featurizer(plan, df)
    X = featurizer.transform(to_model_frame(df, plan.inputs)).astype(np.float32)
    search = run_search(X, y, task=task, metric="r2" if task == "regression" else "roc_auc",
                        budget_s=3, estimator_list=[learner], use_spark=False, concurrency=1,
                        seed=0, keep_automl=True)
    assert search.best_learner == learner
    assert isinstance(search.estimator, Pipeline)
    assert isinstance(search.estimator.steps[0][1], StandardScaler)
    model = TrainedModel(Pipeline([("featurize", featurizer), ("model", search.estimator)]),
                         plan.inputs, task, "y", [0, 1] if task == "classification" else None)
    if task == "classification":         # noise sd 1 on a signal of sd ~18: nearly separable
        assert roc_auc_score(y_test, model.predict_proba(test)[:, 1]) > 0.97
    else:
        assert r2_score(y_test, model.predict(test)) > 0.98
    outputs = run_onnx(model.to_onnx().SerializeToString(), make_feeds(model.frame(test), model.inputs))
    got = ({"label": outputs[0], "probability": outputs[1]} if task == "classification"
           else {"prediction": outputs[0]})
    report = check_parity(model.native_outputs(test), got, task)
    assert report.passed and report.rows_over_tolerance == 0, report.describe()
