"""``mlflow.pyfunc.load_model(uri).predict(frame)`` on registered ONNX models: any index, column
order, extra columns, widths and nullable dtypes; equal to onnxruntime on the same rows; the ONNX
flavor and graph untouched; clear errors naming the column."""
from __future__ import annotations

import mlflow.pyfunc
import numpy as np
import pandas as pd
import pytest
from mlflow.exceptions import MlflowException

from synhelpers._compat import mlflow_major
from synhelpers.exceptions import ScoringError

from .pyfunc_testing import BANDS, FEATURES

TASKS = ["regression", "binary", "multiclass"]


def assert_scores(got: pd.DataFrame, registered, frame) -> None:
    """``got`` is one row per row of ``frame`` (same index) equal to onnxruntime's output."""
    assert list(got.columns) == [registered.output]
    assert got.index.equals(frame.index)
    expected = registered.expected(frame)[0].ravel()
    values = got[registered.output].to_numpy()
    if registered.task == "regression":
        assert values.dtype == np.float32
        np.testing.assert_array_equal(values, expected)
    else:
        assert list(values) == list(expected)


def frames(held: pd.DataFrame) -> dict:
    """Held-out rows as users hold them: shuffled, filtered, reordered, a head, inputs only."""
    shuffled = held.sample(frac=1.0, random_state=7)
    return {"held-out split": held,
            "filtered": held[(held.payment == 1) | held.airport],
            "reordered, extra columns": held[list(reversed(held.columns))],
            "head of a shuffled frame": shuffled.head(40),
            "inputs only": shuffled[FEATURES[::-1]].iloc[5:60]}


@pytest.mark.parametrize("task", TASKS)
def test_any_frame_of_held_out_rows_scores_like_onnxruntime(models, split, task):
    registered = models[task]
    held = split[1]
    assert held.index[0] != 0 and not held.index.is_monotonic_increasing
    model = mlflow.pyfunc.load_model(registered.uri)
    for name, frame in frames(held).items():
        assert_scores(model.predict(frame), registered, frame)
    labels = model.predict(held)[registered.output]
    if task == "multiclass":
        assert set(labels) <= set(BANDS) and labels.nunique() == 3
    elif task == "binary":
        assert labels.dtype == np.int64 and set(labels) == {0, 1}


@pytest.mark.parametrize("task", TASKS)
def test_widths_nullable_dtypes_and_missing_values_are_converted(models, split, task):
    registered = models[task]
    held = split[1]
    model = mlflow.pyfunc.load_model(registered.uri)
    assert held.rating.isna().any() and held.zone.isna().any()
    variants = {
        "float64 distance, float32 fare": held.assign(distance=held.distance.astype("float64"),
                                                      fare=held.fare.astype("float32")),
        "int8 passengers, int32 payment": held.assign(passengers=held.passengers.astype("int8"),
                                                      payment=held.payment.astype("int32")),
        "nullable Int32 rating, Float64 fare": held.assign(rating=held.rating.astype("Int32"),
                                                           fare=held.fare.astype("Float64")),
        "nullable boolean airport": held.assign(airport=held.airport.astype("boolean")),
        "NaN for missing text": held.assign(zone=held.zone.where(held.zone.notna(), np.nan)),
    }
    if mlflow_major() >= 3:      # MLflow 2.18 refuses Int64 for a double column (named)
        variants["nullable Int64 rating"] = held.assign(rating=held.rating.astype("Int64"))
    expected = model.predict(held)
    for name, frame in variants.items():
        got = model.predict(frame)
        pd.testing.assert_frame_equal(got, expected, obj=name)
    if mlflow_major() < 3:
        with pytest.raises(MlflowException, match="column rating"):
            model.predict(held.assign(rating=held.rating.astype("Int64")))


def test_a_missing_or_uncastable_column_is_named(models, split):
    model = mlflow.pyfunc.load_model(models["regression"].uri)
    held = split[1]
    with pytest.raises(MlflowException, match=r"missing inputs \['zone'\]"):
        model.predict(held.drop(columns=["zone"]))
    with pytest.raises(MlflowException, match="column fare"):
        model.predict(held.assign(fare=held.fare.map(lambda v: f"{v:.2f} USD")))
    with pytest.raises(MlflowException, match="column payment"):       # a null in an int64 input
        model.predict(held.assign(payment=held.payment.astype(object).where(held.index % 3 > 0)))
    mixed = held.zone.astype(object).copy()
    mixed.iloc[3] = 7
    with pytest.raises(ScoringError, match="Column 'zone' holds values of mixed"):
        model.predict(held.assign(zone=mixed))


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_classifiers_return_probabilities_when_asked(models, split, task):
    registered = models[task]
    frame = split[1].head(120)
    got = mlflow.pyfunc.load_model(registered.uri).predict(frame, params={"probabilities": True})
    labels, probabilities = registered.expected(frame)
    width = probabilities.shape[1]
    assert list(got.columns) == ["output_label"] + [f"output_probability_{i}"
                                                    for i in range(width)]
    assert width == (3 if task == "multiclass" else 2)
    assert list(got.output_label) == list(labels.ravel())
    np.testing.assert_array_equal(got.iloc[:, 1:].to_numpy(), probabilities)
    assert np.allclose(got.iloc[:, 1:].sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("task", TASKS)
def test_the_signature_is_column_based_and_the_onnx_flavor_is_the_graph(models, task):
    import mlflow.onnx
    from mlflow.models import Model

    from synhelpers.registry import registered_onnx
    registered = models[task]
    info = Model.load(registered.uri)
    assert info.flavors["python_function"]["loader_module"] == "synhelpers.registry.onnx_pyfunc"
    assert info.flavors["onnx"]["providers"] == ["CPUExecutionProvider"]
    inputs = info.signature.inputs
    assert not inputs.is_tensor_spec()
    assert inputs.input_names() == [i.name for i in registered.model.inputs]
    types = {spec.name: getattr(spec.type, "name", "any") for spec in inputs.inputs}
    # rating, a bigint with nulls (a float input): Spark 4 hands it over as Int64 with <NA>,
    # which MLflow 3 checks only as Any; MLflow 2.18 (Spark 3.5: float64) checks it as double
    assert types == {"distance": "double", "fare": "double", "passengers": "long",
                     "payment": "long", "airport": "boolean", "zone": "string",
                     "rating": "any" if mlflow_major() >= 3 else "double"}
    outputs = info.signature.outputs.inputs
    assert [(o.name, o.type.name) for o in outputs] == [(registered.output, {
        "regression": "float", "binary": "long", "multiclass": "string"}[task])]
    # the graph PREDICT and Spark scoring read is the one converted, byte for byte
    assert mlflow.onnx.load_model(registered.uri).SerializeToString() == registered.onnx_bytes
    found = registered_onnx(registered.name, registered.version)
    assert all(i.shape == (-1, 1) for i in found["inputs"])
    names = [o.name for o in found["outputs"]]
    assert names == (["variable_out1"] if task == "regression"
                     else ["output_label", "output_probability"])


def test_the_example_request_holds_raw_rows_typed_as_the_signature(models):
    from mlflow.artifacts import download_artifacts
    from mlflow.models import Model
    local = download_artifacts(models["binary"].uri)
    example = Model.load(local).load_input_example(local)
    assert list(example.columns) == [i.name for i in models["binary"].model.inputs]
    assert len(example) == 3 and example.airport.map(type).isin([bool, type(None)]).all()
    assert example.payment.dtype == np.int64


def test_versions_registered_before_keep_loading_for_the_scorers(models):
    """A version logged the old way (onnx flavor, tensor signature, mlflow.onnx's pyfunc) stays
    readable by PREDICT's wizard and Spark scoring; the next version gets the new pyfunc."""
    import mlflow
    import mlflow.onnx
    import onnx
    from mlflow.models import Model
    from mlflow.models.signature import ModelSignature
    from mlflow.types.schema import Schema, TensorSpec

    from synhelpers._compat import log_model_name
    from synhelpers.onnx_export import model_inputs, model_outputs
    from synhelpers.registry import (get_or_create_experiment, log_onnx_model, register,
                                     registered_onnx, resolve_version)
    from synhelpers.scoring import load_scoring_model
    from synhelpers.sqlpool.wizard import load_registered_model
    graph = onnx.load_from_string(models["regression"].onnx_bytes)

    def specs(infos):
        return Schema([TensorSpec(np.dtype(str) if i.onnx_type == "tensor(string)"
                                  else i.numpy_dtype, tuple(i.shape), i.name) for i in infos])

    experiment = get_or_create_experiment("pyfunc-tests")
    with mlflow.start_run(experiment_id=experiment):     # one run each: MLflow 2 logs into the
        old = mlflow.onnx.log_model(graph, **log_model_name("model"), signature=ModelSignature(
            specs(model_inputs(graph)), specs(model_outputs(graph))),   # run's artifacts
            onnx_execution_providers=["CPUExecutionProvider"]).model_uri
    with mlflow.start_run(experiment_id=experiment):
        new = log_onnx_model(graph)
    assert register(old, "pyfunc-upgraded") == 1 and register(new, "pyfunc-upgraded") == 2
    assert resolve_version("pyfunc-upgraded") == 2
    assert Model.load("models:/pyfunc-upgraded/1").flavors["python_function"][
        "loader_module"] == "mlflow.onnx"
    assert Model.load("models:/pyfunc-upgraded/2").flavors["python_function"][
        "loader_module"] == "synhelpers.registry.onnx_pyfunc"
    for version in (1, 2):
        assert registered_onnx("pyfunc-upgraded", version)["model_bytes"] == \
            models["regression"].onnx_bytes
        assert load_scoring_model("pyfunc-upgraded", version).inputs == \
            load_scoring_model(models["regression"].name).inputs
        assert load_registered_model("pyfunc-upgraded", version).model_bytes == \
            models["regression"].onnx_bytes
