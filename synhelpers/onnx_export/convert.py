"""Convert a fitted scikit-learn pipeline (featurizer + estimator) to one ONNX graph.

One input per raw column, each ``[None, 1]`` (what Synapse PREDICT needs): float columns as
``tensor(float)``, integer columns as ``tensor(int64)``, strings as ``tensor(string)``. Outputs
are renamed to what the scoring wizard expects: ``variable_out1`` for regression;
``output_label`` and ``output_probability`` (a plain ``[N, classes]`` tensor, no ZipMap) for
classification. LightGBM and XGBoost converters (onnxmltools) are registered with skl2onnx.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ..exceptions import OnnxExportError

REGRESSION_OUTPUT = "variable_out1"
LABEL_OUTPUT = "output_label"
PROBABILITY_OUTPUT = "output_probability"
TARGET_OPSET = {"": 15, "ai.onnx.ml": 2}

_registered = False


@dataclass(frozen=True)
class InputSpec:
    """A raw input column and its ONNX element kind: ``float``, ``int64`` or ``string``."""
    name: str
    kind: str

    def tensor_type(self):
        from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType
        types = {"float": FloatTensorType, "int64": Int64TensorType, "string": StringTensorType}
        if self.kind not in types:
            raise OnnxExportError(f"Column {self.name!r} has kind {self.kind!r}; ONNX inputs "
                                  "must be float, int64 or string.")
        return types[self.kind]([None, 1])


def register_converters() -> None:
    """Register the LightGBM and XGBoost converters with skl2onnx (once)."""
    global _registered
    if _registered:
        return
    from lightgbm import LGBMClassifier, LGBMRegressor
    from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm
    from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (calculate_linear_classifier_output_shapes,
                                                  calculate_linear_regressor_output_shapes)
    from xgboost import XGBClassifier, XGBRegressor
    update_registered_converter(LGBMRegressor, "LightGbmLGBMRegressor",
                                calculate_linear_regressor_output_shapes, convert_lightgbm,
                                options={"split": None})
    update_registered_converter(LGBMClassifier, "LightGbmLGBMClassifier",
                                calculate_linear_classifier_output_shapes, convert_lightgbm,
                                options={"nocl": [True, False], "zipmap": [True, False, "columns"]})
    update_registered_converter(XGBRegressor, "XGBoostXGBRegressor",
                                calculate_linear_regressor_output_shapes, convert_xgboost)
    update_registered_converter(XGBClassifier, "XGBoostXGBClassifier",
                                calculate_linear_classifier_output_shapes, convert_xgboost,
                                options={"nocl": [True, False], "zipmap": [True, False, "columns"]})
    from .catboost_converter import register_catboost
    register_catboost()
    _registered = True


def float32_safe_thresholds(values, modes) -> list[float]:
    """Tree thresholds as float32 values that keep every decision for float32 inputs.

    ONNX tree ensembles hold float32 thresholds; LightGBM and scikit-learn split with ``x <= t``
    on float64 thresholds. Rounding ``t`` to the *nearest* float32 can land on a data value and
    send it down the other branch. For a float32 ``x``, ``x <= t`` iff ``x <= down(t)`` (and
    ``x > t`` iff ``x > down(t)``), ``down`` rounding toward -inf: that keeps native decisions
    exact. XGBoost splits with ``x < t`` on float32 thresholds (printed with ~8 digits), for which
    the nearest float32 *is* the threshold: ``BRANCH_LT``/``BRANCH_GTE`` stay nearest.
    """
    v = np.asarray(values, dtype=np.float64)
    nearest = v.astype(np.float32)
    down = np.where(nearest.astype(np.float64) > v, np.nextafter(nearest, np.float32(-np.inf)), nearest)
    out = []
    for i, mode in enumerate(modes):
        mode = mode.decode() if isinstance(mode, bytes) else str(mode)
        out.append(float(down[i]) if mode in ("BRANCH_LEQ", "BRANCH_GT") else float(nearest[i]))
    return out


@contextmanager
def _exact_tree_thresholds():
    """While converting, store tree thresholds with :func:`float32_safe_thresholds`."""
    from skl2onnx.common._container import ModelComponentContainer
    original = ModelComponentContainer.add_node

    def add_node(self, op_type, inputs, outputs, op_domain="", op_version=None, name=None, **attrs):
        if op_type.startswith("TreeEnsemble") and "nodes_values" in attrs and "nodes_modes" in attrs:
            attrs["nodes_values"] = float32_safe_thresholds(attrs["nodes_values"],
                                                            attrs["nodes_modes"])
        return original(self, op_type, inputs, outputs, op_domain, op_version, name, **attrs)

    ModelComponentContainer.add_node = add_node
    try:
        yield
    finally:
        ModelComponentContainer.add_node = original


def _prepare_estimator(estimator) -> None:
    """XGBoost trained on named features refuses to convert (names must be f%d): clear them
    (in ensemble members too)."""
    for member in [estimator, *getattr(estimator, "estimators_", [])]:
        booster = getattr(member, "get_booster", None)
        if booster is not None:
            booster().feature_names = None


def _rename_outputs(model, names: list[str]) -> None:
    """Rename graph outputs in order (and every node output feeding them)."""
    for output, new in zip(model.graph.output, names):
        old = output.name
        if old == new:
            continue
        for node in model.graph.node:
            node.output[:] = [new if o == old else o for o in node.output]
            node.input[:] = [new if i == old else i for i in node.input]
        output.name = new


def _explicit_binary_probabilities(model) -> None:
    """For two classes, ``output_probability`` = ``[1 - p1, p1]`` from the converter's ``p1``.

    A binary tree ensemble converts with weights for class 1 only, and onnxruntime derives
    class 0 itself -- as ``1 - p1`` in recent releases, as ``-p1`` when some leaf weight is 0 in
    onnxruntime <= 1.26 (the newest that runs on numpy 1.x, i.e. on a Synapse 3.5 pool), and
    as whatever the SQL pool's PREDICT engine does. ``p1`` is right in all of them.
    """
    from onnx import TensorProto, helper, numpy_helper
    probability = model.graph.output[1]
    dims = probability.type.tensor_type.shape.dim
    dtype = {TensorProto.FLOAT: np.float32,
             TensorProto.DOUBLE: np.float64}.get(probability.type.tensor_type.elem_type)
    if dtype is None or len(dims) != 2 or not dims[1].HasField("dim_value") or dims[1].dim_value != 2:
        return
    raw = probability.name + "_converter"
    for node in model.graph.node:
        node.output[:] = [raw if o == probability.name else o for o in node.output]
        node.input[:] = [raw if i == probability.name else i for i in node.input]
    constants = {"binary_p1_start": np.array([1], np.int64), "binary_p1_end": np.array([2], np.int64),
                 "binary_p1_axis": np.array([1], np.int64), "binary_one": np.array(1.0, dtype)}
    model.graph.initializer.extend(numpy_helper.from_array(v, k) for k, v in constants.items())
    model.graph.node.extend([
        helper.make_node("Slice", [raw, "binary_p1_start", "binary_p1_end", "binary_p1_axis"],
                         ["binary_p1"], name="binary_p1"),
        helper.make_node("Sub", ["binary_one", "binary_p1"], ["binary_p0"], name="binary_p0"),
        helper.make_node("Concat", ["binary_p0", "binary_p1"], [probability.name], axis=1,
                         name="binary_probabilities")])


def _labels_from_probabilities(model, class_labels: list | None) -> None:
    """Make ``output_label`` = the class of the highest probability (first on ties), as the
    native ``predict`` of every family we search does, then map codes to ``class_labels``.

    Converters derive the label in their own way (and break probability ties differently);
    taking it from ``output_probability`` keeps labels and probabilities consistent.
    """
    from onnx import TensorProto, helper
    label, probability = model.graph.output[0], model.graph.output[1]
    unused = label.name + "_converter"
    for node in model.graph.node:
        node.output[:] = [unused if o == label.name else o for o in node.output]
    codes = label.name if class_labels is None else label.name + "_codes"
    model.graph.node.append(helper.make_node("ArgMax", [probability.name], [codes], axis=1,
                                             keepdims=0, name="label_from_probability"))
    label.type.tensor_type.elem_type = TensorProto.INT64
    del label.type.tensor_type.shape.dim[1:]
    if class_labels is None:
        return
    strings = any(isinstance(c, str) for c in class_labels)
    attrs = {"keys_int64s": list(range(len(class_labels)))}
    if strings:
        attrs.update(values_strings=[str(c) for c in class_labels], default_string="")
        label.type.tensor_type.elem_type = TensorProto.STRING
    else:
        attrs.update(values_int64s=[int(c) for c in class_labels], default_int64=-1)
    model.graph.node.append(helper.make_node("LabelEncoder", [codes], [label.name],
                                             domain="ai.onnx.ml", name="decode_labels", **attrs))
    ml = [o for o in model.opset_import if o.domain == "ai.onnx.ml"]
    if ml:                      # keys_int64s needs ai.onnx.ml opset 2
        ml[0].version = max(ml[0].version, 2)
    else:
        model.opset_import.append(helper.make_opsetid("ai.onnx.ml", 2))


def to_onnx(pipeline, inputs: list[InputSpec], task: str, name: str = "synhelpers_model",
            class_labels: list | None = None):
    """Convert ``pipeline`` (fitted; last step the estimator) to an ``onnx.ModelProto``.

    Args:
        pipeline: a fitted ``sklearn.pipeline.Pipeline`` taking a DataFrame of ``inputs``.
        inputs: the raw columns, in order, with their ONNX kinds.
        task: ``regression`` or ``classification``.
        class_labels: for a classifier trained on codes 0..k-1, the original labels (added to
            the graph as a LabelEncoder on ``output_label``). ``output_label`` is always the
            argmax of ``output_probability``.

    Raises:
        OnnxExportError: the pipeline holds a step with no converter, or conversion failed.
    """
    from skl2onnx import convert_sklearn
    register_converters()
    estimator = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
    _prepare_estimator(estimator)
    options = {id(estimator): {"zipmap": False}} if task == "classification" else None
    try:
        with _exact_tree_thresholds():
            model = convert_sklearn(pipeline, name=name,
                                    initial_types=[(i.name, i.tensor_type()) for i in inputs],
                                    target_opset=TARGET_OPSET, options=options)
    except Exception as exc:
        raise OnnxExportError(f"Converting {type(estimator).__name__} to ONNX failed: "
                              f"{type(exc).__name__}: {exc}") from exc
    if task == "classification":
        _rename_outputs(model, [LABEL_OUTPUT, PROBABILITY_OUTPUT])
        _explicit_binary_probabilities(model)
        _labels_from_probabilities(model, list(class_labels) if class_labels is not None else None)
    else:
        _rename_outputs(model, [REGRESSION_OUTPUT])
    import onnx
    try:
        onnx.checker.check_model(model)
    except Exception as exc:
        raise OnnxExportError(f"The converted ONNX model is invalid: {exc}") from exc
    return model
