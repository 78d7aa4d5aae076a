"""Featurization: the plan, unseen categories, datetime parts, and one ONNX graph (pure)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synhelpers.automl.datetime_parts import datetime_parts, epoch_seconds
from synhelpers.automl.featurize import build_featurizer, plan_features, to_model_frame
from synhelpers.onnx_export import make_feeds, run_onnx, to_onnx

TYPES = {"fare": "float", "count": "bigint", "maybe": "int", "bin": "string", "id": "string",
         "const": "string", "when": "timestamp"}


def frame(n=300, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "fare": rng.random(n).astype("float32") * 50,
        "count": rng.integers(1, 7, n),
        "maybe": pd.array(rng.integers(0, 3, n), dtype="Int64"),
        "bin": rng.choice(["AMRush", "PMRush", "Night"], n),
        "id": [f"trip-{i}" for i in range(n)],
        "const": "x",
        "when": pd.Timestamp("2018-05-01") + pd.to_timedelta(rng.integers(0, 86400 * 60, n), "s"),
    })
    df.loc[::7, "fare"] = np.nan
    df.loc[::11, "maybe"] = pd.NA
    return df


def test_plan_roles_and_dropped_columns():
    plan = plan_features(frame(), list(TYPES), TYPES)
    kinds = {i.name: i.kind for i in plan.inputs}
    assert kinds == {"fare": "float", "count": "int64", "maybe": "float", "bin": "string",
                     "when": "int64"}
    assert plan.dropped["const"] == "constant"
    assert plan.dropped["id"].startswith("identifier-like")
    assert plan.onehot == ["bin"] and plan.datetime == ["when"]
    assert plan.numeric == ["fare", "maybe"] and plan.integer == ["count"]


def test_many_categories_are_ordinal_and_unseen_ones_are_handled():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"zone": rng.choice([f"z{i}" for i in range(60)], 400), "x": rng.random(400)})
    plan = plan_features(df, ["zone", "x"], {"zone": "string", "x": "double"})
    assert plan.ordinal == ["zone"]
    featurizer = build_featurizer(plan).fit(to_model_frame(df, plan.inputs))
    unseen = pd.DataFrame({"zone": ["never-seen", None], "x": [0.5, 0.1]})
    out = featurizer.transform(to_model_frame(unseen, plan.inputs))
    assert out[:, 1].tolist() == [-1.0, -1.0] or out[:, 0].tolist() == [-1.0, -1.0]


def test_datetime_parts_match_pandas():
    stamps = pd.Series(pd.to_datetime(["1970-01-01 00:00:00", "2000-02-29 23:59:59",
                                       "2018-05-07 08:15:00", "2024-12-31 12:00:00",
                                       "2100-03-01 01:00:00"]))
    parts = datetime_parts(epoch_seconds(stamps))
    expected = np.stack([stamps.dt.year, stamps.dt.month, stamps.dt.day, stamps.dt.dayofweek,
                         stamps.dt.hour], axis=1)
    np.testing.assert_array_equal(parts, expected.astype(np.float32))


@pytest.mark.parametrize("learner", ["lgbm", "xgboost", "rf"])
def test_the_whole_pipeline_is_one_onnx_graph_with_parity(learner):
    from lightgbm import LGBMRegressor
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.pipeline import Pipeline
    from xgboost import XGBRegressor

    from synhelpers.automl.datetime_parts import register_datetime_converter
    register_datetime_converter()
    df = frame(600)
    y = df["fare"].fillna(10) * 2 + df["count"] + (df["bin"] == "Night") * 5 \
        + df["when"].dt.hour * 0.3
    features = ["fare", "count", "maybe", "bin", "id", "const", "when"]
    plan = plan_features(df, features, TYPES)
    model = {"lgbm": LGBMRegressor(n_estimators=40, verbose=-1),
             "xgboost": XGBRegressor(n_estimators=40),
             "rf": RandomForestRegressor(n_estimators=20, random_state=0)}[learner]
    pipeline = Pipeline([("featurize", build_featurizer(plan)), ("model", model)])
    pipeline.fit(to_model_frame(df, plan.inputs), y)
    onnx_model = to_onnx(pipeline, plan.inputs, "regression")
    assert [i.name for i in onnx_model.graph.input] == [i.name for i in plan.inputs]
    assert [o.name for o in onnx_model.graph.output] == ["variable_out1"]
    test = frame(200, seed=5)
    test.loc[0, "bin"] = "unseen"
    native = pipeline.predict(to_model_frame(test, plan.inputs))
    got = run_onnx(onnx_model.SerializeToString(),
                   make_feeds(to_model_frame(test, plan.inputs), plan.inputs))[0].ravel()
    assert np.abs(got - native).max() < 1e-3
