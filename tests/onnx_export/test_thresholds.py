"""Tree thresholds keep every native decision in float32 ONNX graphs."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synhelpers.onnx_export import InputSpec, make_feeds, run_onnx, to_onnx
from synhelpers.onnx_export.convert import float32_safe_thresholds


def test_rounding_toward_the_branch_keeps_decisions_for_every_float32():
    below = np.float32(4.65)
    t = (float(np.nextafter(below, np.float32(0))) + float(below)) / 2   # between two float32s
    assert np.float32(t) in (below, np.nextafter(below, np.float32(0)))
    leq, gt, lt = float32_safe_thresholds([t, t, t], ["BRANCH_LEQ", "BRANCH_GT", "BRANCH_LT"])
    xs = np.array([np.nextafter(below, np.float32(0)), below], dtype=np.float32)
    assert [x <= t for x in xs.astype(float)] == [x <= np.float32(leq) for x in xs]
    assert [x > t for x in xs.astype(float)] == [x > np.float32(gt) for x in xs]
    assert lt == float(np.float32(t))           # XGBoost's x < t: its threshold is a float32
    assert float32_safe_thresholds([2.5], ["BRANCH_LEQ"]) == [2.5]          # representable: kept


def _adjacent_float32_data(n=4000, seed=0):
    """Values that come in adjacent float32 pairs: LightGBM puts thresholds between them."""
    rng = np.random.default_rng(seed)
    base = np.round(rng.random(n // 2) * 30, 2).astype(np.float32)
    x = np.concatenate([base, np.nextafter(base, np.float32(100))])
    y = np.where(x > base.mean(), 5.0, 0.0) + np.sin(x) + rng.normal(0, 0.01, n)
    rng.shuffle(x)
    return pd.DataFrame({"x": x}), np.sin(x) + (x > np.median(x)) * 3.0


@pytest.mark.parametrize("learner", ["lgbm", "rf"])
def test_lightgbm_and_sklearn_trees_match_exactly_on_threshold_edge_values(learner):
    from lightgbm import LGBMRegressor
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.pipeline import Pipeline
    X, y = _adjacent_float32_data()
    model = (LGBMRegressor(n_estimators=300, num_leaves=64, min_child_samples=1, max_bin=1023,
                           verbose=-1) if learner == "lgbm"
             else RandomForestRegressor(n_estimators=30, min_samples_leaf=1, random_state=0))
    pipeline = Pipeline([("featurize", ColumnTransformer([("n", "passthrough", ["x"])])),
                         ("model", model)]).fit(X, y)
    onnx_model = to_onnx(pipeline, [InputSpec("x", "float")], "regression")
    got = run_onnx(onnx_model.SerializeToString(), make_feeds(X, [InputSpec("x", "float")]))[0]
    diff = np.abs(got.ravel() - pipeline.predict(X))
    assert diff.max() < 1e-3, (int((diff > 1e-3).sum()), float(diff.max()))
