"""ONNX conversion of every family we search, output naming, label decoding, the parity gate."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synhelpers.automl.featurize import build_featurizer, plan_features, to_model_frame
from synhelpers.automl.model import TrainedModel
from synhelpers.onnx_export import check_parity, make_feeds, model_inputs, model_outputs, run_onnx

TYPES = {"fare": "float", "passengers": "bigint", "bin": "string"}


def data(n=800, seed=0, classes=("no", "yes")):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"fare": rng.random(n).astype("float32") * 40,
                       "passengers": rng.integers(1, 6, n),
                       "bin": rng.choice(["AMRush", "PMRush", "Night", "Afternoon"], n)})
    score = df.fare / 40 + (df.bin == "Night") * 0.5 + rng.normal(0, 0.2, n)
    labels = np.asarray(classes)[np.digitize(score, np.quantile(score, np.linspace(0, 1, len(classes) + 1)[1:-1]))]
    return df, labels


def estimator(name):
    from lightgbm import LGBMClassifier
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from xgboost import XGBClassifier
    from synhelpers.automl.linear import scaled_logistic
    return {"logistic": scaled_logistic(C=0.5), "lgbm": LGBMClassifier(n_estimators=30, verbose=-1),
            "xgboost": XGBClassifier(n_estimators=30), "rf": RandomForestClassifier(20, random_state=0),
            "extra_tree": ExtraTreesClassifier(20, random_state=0),
            "lrl1": LogisticRegression(penalty="l1", solver="saga", max_iter=200),
            "sgd": SGDClassifier(loss="log_loss", random_state=0),           # FLAML's two
            "sgd_huber": SGDClassifier(loss="modified_huber", random_state=0)}[name]  # losses


def fitted(name, classes):
    from sklearn.pipeline import Pipeline
    df, labels = data(classes=classes)
    codes = pd.Series(labels).map({c: i for i, c in enumerate(classes)}).to_numpy()
    plan = plan_features(df, list(TYPES), TYPES)
    pipeline = Pipeline([("featurize", build_featurizer(plan)), ("model", estimator(name))])
    pipeline.fit(to_model_frame(df, plan.inputs), codes)
    return TrainedModel(pipeline, plan.inputs, "classification", "label", list(classes))


@pytest.mark.parametrize("classes", [(0, 1), (0, 1, 2)], ids=["binary", "multiclass"])
@pytest.mark.parametrize("name", ["lgbm", "xgboost", "rf", "extra_tree", "logistic", "lrl1", "sgd",
                                  "sgd_huber"])
def test_classifiers_convert_with_plain_tensor_outputs_and_match(name, classes):
    model = fitted(name, classes)
    onnx_model = model.to_onnx()
    outputs = {o.name: o for o in model_outputs(onnx_model)}
    assert list(outputs) == ["output_label", "output_probability"]
    assert outputs["output_label"].onnx_type == "tensor(int64)"
    assert outputs["output_probability"].onnx_type == "tensor(float)"   # no ZipMap
    assert [(i.name, i.onnx_type, i.shape) for i in model_inputs(onnx_model)] == [
        ("fare", "tensor(float)", (-1, 1)), ("passengers", "tensor(int64)", (-1, 1)),
        ("bin", "tensor(string)", (-1, 1))]
    test, _ = data(300, seed=9)
    label, proba = run_onnx(onnx_model.SerializeToString(), make_feeds(model.frame(test), model.inputs))
    report = check_parity(model.native_outputs(test), {"label": label, "probability": proba},
                          "classification")
    assert report.passed and report.label_mismatches == 0, report.describe()


@pytest.mark.parametrize("name", ["lgbm", "xgboost", "xgb_limitdepth", "rf", "extra_tree", "ridge",
                                  "sgd"])
def test_regressors_convert_to_one_variable_out1_and_match(name):
    from lightgbm import LGBMRegressor
    from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
    from sklearn.linear_model import SGDRegressor
    from sklearn.pipeline import Pipeline
    from xgboost import XGBRegressor
    from synhelpers.automl.linear import scaled_ridge
    df, _ = data()
    y = df.fare * 2.5 + df.passengers + (df.bin == "Night") * 3
    model = {"lgbm": LGBMRegressor(n_estimators=40, verbose=-1),
             "xgboost": XGBRegressor(n_estimators=40),
             "xgb_limitdepth": XGBRegressor(n_estimators=40, max_depth=4),
             "rf": RandomForestRegressor(20, random_state=0),
             "extra_tree": ExtraTreesRegressor(20, random_state=0),
             "ridge": scaled_ridge(alpha=0.1),
             "sgd": SGDRegressor(loss="huber", random_state=0)}[name]
    plan = plan_features(df, list(TYPES), TYPES)
    pipeline = Pipeline([("featurize", build_featurizer(plan)), ("model", model)])
    pipeline.fit(to_model_frame(df, plan.inputs), y)
    trained = TrainedModel(pipeline, plan.inputs, "regression", "fare_total", None)
    onnx_model = trained.to_onnx()
    assert [(o.name, o.onnx_type) for o in model_outputs(onnx_model)] == [
        ("variable_out1", "tensor(float)")]
    test, _ = data(300, seed=4)
    (prediction,) = run_onnx(onnx_model.SerializeToString(),
                             make_feeds(trained.frame(test), trained.inputs))
    report = check_parity(trained.native_outputs(test), {"prediction": prediction}, "regression")
    assert report.passed and report.rows_over_tolerance == 0, report.describe()


def test_string_labels_are_decoded_inside_the_graph():
    model = fitted("lgbm", ("cheap", "mid", "pricey"))
    onnx_model = model.to_onnx()
    test, _ = data(200, seed=3)
    label, proba = run_onnx(onnx_model.SerializeToString(), make_feeds(model.frame(test), model.inputs))
    assert set(label.ravel()) <= {"cheap", "mid", "pricey"}
    np.testing.assert_array_equal(label.ravel(), model.predict(test))
    assert proba.shape == (200, 3)


def test_the_parity_gate_counts_rows_over_tolerance():
    native = {"prediction": np.array([1.0, 2.0, 3.0, 4.0])}
    close = {"prediction": np.array([1.0, 2.0000001, 3.0, 4.0])}
    far = {"prediction": np.array([1.0, 2.5, 3.0, 4.0])}
    assert check_parity(native, close, "regression").passed
    report = check_parity(native, far, "regression")
    assert not report.passed and report.rows_over_tolerance == 1 and report.worst_row == 1
    assert report.max_abs_diff == pytest.approx(0.5)
    lenient = check_parity(native, far, "regression", max_mismatch_rate=0.25)
    assert lenient.passed


def test_a_flipped_label_fails_the_gate():
    native = {"label": np.array([0, 1, 1]), "probability": np.array([[.9, .1], [.4, .6], [.2, .8]])}
    onnx = {"label": np.array([0, 0, 1]), "probability": np.array([[.9, .1], [.4, .6], [.2, .8]])}
    report = check_parity(native, onnx, "classification")
    assert not report.passed and report.label_mismatches == 1


def test_labels_follow_the_probabilities_on_ties_as_native_predict_does():
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline
    df, labels = data(n=600, seed=4)
    codes = (labels == "yes").astype(int)
    plan = plan_features(df, list(TYPES), TYPES)
    pipeline = Pipeline([("featurize", build_featurizer(plan)),
                         ("model", RandomForestClassifier(n_estimators=2, max_features=1, random_state=1))])
    pipeline.fit(to_model_frame(df, plan.inputs), codes)
    model = TrainedModel(pipeline, plan.inputs, "classification", "label", [0, 1])
    proba = model.predict_proba(df)
    assert (proba[:, 0] == proba[:, 1]).sum() > 10              # many exact ties
    label, _ = run_onnx(model.to_onnx().SerializeToString(), make_feeds(model.frame(df), model.inputs))
    np.testing.assert_array_equal(label.ravel(), model.predict(df))


@pytest.mark.parametrize("task", ["regression", "classification"])
def test_catboost_converts_inside_the_pipeline_graph(task):
    catboost = pytest.importorskip("catboost")
    from sklearn.pipeline import Pipeline
    df, labels = data(n=600, seed=2)
    y = (labels == "yes").astype(int) if task == "classification" else df.fare * 2.0 + df.passengers
    estimator = (catboost.CatBoostClassifier if task == "classification"
                 else catboost.CatBoostRegressor)(iterations=50, verbose=0, allow_writing_files=False)
    plan = plan_features(df, list(TYPES), TYPES)
    pipeline = Pipeline([("featurize", build_featurizer(plan)), ("model", estimator)])
    pipeline.fit(to_model_frame(df, plan.inputs), y)
    model = TrainedModel(pipeline, plan.inputs, task, "y", [0, 1] if task == "classification" else None)
    outputs = run_onnx(model.to_onnx().SerializeToString(), make_feeds(model.frame(df), model.inputs))
    got = ({"label": outputs[0], "probability": outputs[1]} if task == "classification"
           else {"prediction": outputs[0]})
    report = check_parity(model.native_outputs(df), got, task)
    assert report.passed and report.rows_over_tolerance == 0, report.describe()


@pytest.mark.parametrize("name", ["lgbm", "xgboost", "rf", "sgd"])
def test_a_table_of_integers_and_booleans_alone_converts_and_matches(name):
    """No float column at all (a house-price table of counts and yes/no flags): the featurized
    tensor must still reach the tree and linear operators as float."""
    from lightgbm import LGBMRegressor
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import SGDRegressor
    from sklearn.pipeline import Pipeline
    from xgboost import XGBRegressor
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"rooms": rng.integers(1, 7, 600), "lot": rng.integers(1_000, 16_000, 600),
                       "garage": rng.random(600) < 0.4})
    y = df.rooms * 3.0 + df.lot / 1000 + df.garage * 5 + rng.normal(0, 1, 600)
    types = {"rooms": "bigint", "lot": "int", "garage": "boolean"}
    plan = plan_features(df, list(types), types)
    assert plan.integer == ["rooms", "lot", "garage"] and not plan.numeric
    model = {"lgbm": LGBMRegressor(n_estimators=30, verbose=-1), "xgboost": XGBRegressor(n_estimators=30),
             "rf": RandomForestRegressor(20, random_state=0),
             "sgd": SGDRegressor(random_state=0)}[name]
    pipeline = Pipeline([("featurize", build_featurizer(plan)), ("model", model)])
    pipeline.fit(to_model_frame(df, plan.inputs), y)
    trained = TrainedModel(pipeline, plan.inputs, "regression", "price", None)
    onnx_model = trained.to_onnx()
    assert [i.onnx_type for i in model_inputs(onnx_model)] == ["tensor(int64)"] * 3
    (prediction,) = run_onnx(onnx_model.SerializeToString(),
                             make_feeds(trained.frame(df.head(200)), trained.inputs))
    report = check_parity(trained.native_outputs(df.head(200)), {"prediction": prediction},
                          "regression")
    assert report.passed and report.rows_over_tolerance == 0, report.describe()
