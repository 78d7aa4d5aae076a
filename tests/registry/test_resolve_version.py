"""Model names reach the MLflow registry filter through one quoting helper: a quote in a name
finds that model and nothing else; a name cannot widen the search to another model."""
from __future__ import annotations

import pytest

from synhelpers.exceptions import ModelRegistryError
from synhelpers.registry import register, resolve_version
from synhelpers.registry.models import filter_string


@pytest.fixture(scope="module")
def logged_uri() -> str:
    """A tiny ONNX regression logged once through log_onnx_model (no Spark)."""
    import mlflow
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LinearRegression

    from synhelpers.onnx_export import InputSpec, to_onnx
    from synhelpers.registry import get_or_create_experiment, log_onnx_model
    frame = pd.DataFrame({"a": np.arange(20, dtype=np.float32)})
    pipeline = LinearRegression().fit(frame, frame.a * 2 + 1)
    graph = to_onnx(pipeline, [InputSpec("a", "float")], "regression")
    with mlflow.start_run(experiment_id=get_or_create_experiment("hostile-names")):
        return log_onnx_model(graph, input_example=frame)


def test_filter_values_are_quoted_with_the_quote_they_do_not_hold():
    assert filter_string("fare") == "'fare'"
    assert filter_string("o'brien") == '"o\'brien"'
    assert filter_string('say "hi"') == "'say \"hi\"'"
    with pytest.raises(ModelRegistryError, match="holds both"):
        filter_string("""it's "both\"""")


def test_a_name_with_a_quote_resolves_to_its_own_versions(logged_uri):
    for _ in range(2):
        register(logged_uri, "o'brien's fare")
    assert resolve_version("o'brien's fare") == 2
    assert resolve_version("o'brien's fare", 1) == 1


def test_a_hostile_name_cannot_reach_another_models_versions(logged_uri):
    for _ in range(3):
        register(logged_uri, "victim")
    assert resolve_version("victim") == 3
    # unquoted, this filter read name='victim' AND name != '' and found victim's versions
    hostile = "victim' AND name != '"
    with pytest.raises(ModelRegistryError, match="is not in the registry"):
        resolve_version(hostile)
    with pytest.raises(ModelRegistryError, match="holds both"):
        resolve_version("""victim' OR "x""")
