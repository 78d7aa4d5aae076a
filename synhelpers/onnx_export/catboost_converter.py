"""CatBoost inside a scikit-learn pipeline's ONNX graph.

CatBoost exports its own ONNX (one ``TreeEnsemble*`` node, numeric features only -- its categorical
features cannot be exported, which is why our featurizer encodes categories itself and CatBoost
only ever sees numbers). The converter below inlines that node into the skl2onnx graph, so
``Pipeline(featurizer, CatBoost*)`` and ensembles holding CatBoost members stay one graph.
"""
from __future__ import annotations


def _node_of(model):
    from catboost.utils import convert_to_onnx_object
    from onnx.helper import get_attribute_value
    onx = convert_to_onnx_object(model)
    if onx.graph.initializer or not onx.graph.node[0].op_type.startswith("TreeEnsemble"):
        kinds = ", ".join(n.op_type for n in onx.graph.node)
        raise NotImplementedError(f"CatBoost exported an unexpected graph ({kinds}).")
    node = onx.graph.node[0]
    opsets = {d.domain: d.version for d in onx.opset_import}
    return node, opsets, {a.name: get_attribute_value(a) for a in node.attribute}


def _convert(scope, operator, container):
    node, opsets, attributes = _node_of(operator.raw_operator)
    container.add_node(node.op_type, [operator.inputs[0].full_name],
                       [o.full_name for o in operator.outputs], op_domain=node.domain,
                       op_version=opsets.get(node.domain), **attributes)


def _parse_classifier(scope, model, inputs, custom_parsers=None):
    from skl2onnx._parse import _apply_zipmap, _get_sklearn_operator_name
    from skl2onnx.common.data_types import Int64TensorType, guess_tensor_type
    options = scope.get_options(model, dict(zipmap=True))
    operator = scope.declare_local_operator(_get_sklearn_operator_name(type(model)), model)
    operator.inputs = inputs
    operator.outputs.append(scope.declare_local_variable("label", Int64TensorType()))
    operator.outputs.append(scope.declare_local_variable("probabilities",
                                                         guess_tensor_type(inputs[0].type)))
    if isinstance(options["zipmap"], bool) and not options["zipmap"]:
        return operator.outputs
    return _apply_zipmap(options["zipmap"], scope, model, inputs[0].type, operator.outputs)


def register_catboost() -> bool:
    """Register CatBoost's converters when catboost is installed; True if it is."""
    try:
        from catboost import CatBoostClassifier, CatBoostRegressor
    except ImportError:
        return False
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (calculate_linear_classifier_output_shapes,
                                                  calculate_linear_regressor_output_shapes)
    update_registered_converter(CatBoostRegressor, "CatBoostCatBoostRegressor",
                                calculate_linear_regressor_output_shapes, _convert)
    update_registered_converter(CatBoostClassifier, "CatBoostCatBoostClassifier",
                                calculate_linear_classifier_output_shapes, _convert,
                                parser=_parse_classifier,
                                options={"nocl": [True, False], "zipmap": [True, False, "columns"]})
    return True
