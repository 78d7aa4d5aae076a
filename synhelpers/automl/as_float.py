"""Integer columns as float32, as a scikit-learn transformer with its own ONNX converter (a Cast).

Used when a table has integer (and boolean) columns only: the featurized tensor would stay
int64, which the ONNX tree and linear operators do not take. The native transform rounds the same
way the graph does (float32), so native and ONNX predictions see identical values.
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


class AsFloat32(BaseEstimator, TransformerMixin):
    """``X`` as a float32 array (no learned state)."""

    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).reshape(len(X), -1).shape[1]
        return self

    def transform(self, X):
        return np.asarray(X).reshape(len(X), -1).astype(np.float32)

    def get_feature_names_out(self, input_features=None):
        names = input_features if input_features is not None else [
            f"x{i}" for i in range(self.n_features_in_)]
        return np.asarray(names, dtype=object)


def _shape_calculator(operator):
    from skl2onnx.common.data_types import FloatTensorType
    operator.outputs[0].type = FloatTensorType([operator.inputs[0].get_first_dimension(),
                                                operator.inputs[0].get_second_dimension()])


def _converter(scope, operator, container):
    from onnx import TensorProto
    container.add_node("Cast", [operator.inputs[0].full_name], [operator.outputs[0].full_name],
                       name=scope.get_unique_operator_name("Cast"), to=TensorProto.FLOAT)


def register_as_float_converter() -> None:
    from skl2onnx import update_registered_converter
    update_registered_converter(AsFloat32, "SynhelpersAsFloat32", _shape_calculator, _converter)
