"""Datetime parts as a scikit-learn transformer with its own ONNX converter.

ONNX has no datetime tensor (and Synapse PREDICT takes no ``datetime2``), so a datetime column
enters the model as ``int64`` seconds since 1970-01-01 (UTC); the graph derives year, month,
day, day of week (Monday = 0) and hour with integer arithmetic (Howard Hinnant's
``civil_from_days``), the same arithmetic the native transformer uses.
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

PARTS = ("year", "month", "day", "dayofweek", "hour")


def epoch_seconds(values) -> np.ndarray:
    """pandas/NumPy datetimes (or numbers of seconds) -> int64 seconds since 1970 (NaT -> 0)."""
    import pandas as pd
    series = pd.Series(np.asarray(values).ravel())
    if pd.api.types.is_datetime64_any_dtype(series):
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        seconds = series.astype("datetime64[s]").astype("int64").to_numpy()
        seconds[series.isna().to_numpy()] = 0
        return seconds
    return series.fillna(0).astype("int64").to_numpy()


def datetime_parts(seconds: np.ndarray) -> np.ndarray:
    """[N] int64 seconds -> [N, 5] float32 (year, month, day, dayofweek, hour); pure integer math."""
    s = np.asarray(seconds, dtype=np.int64).ravel()
    days = np.floor_divide(s, 86400)
    hour = np.floor_divide(np.mod(s, 86400), 3600)
    dow = np.mod(days + 3, 7)                        # 1970-01-01 was a Thursday
    z = days + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return np.stack([year, month, day, dow, hour], axis=1).astype(np.float32)


class DatetimeParts(BaseEstimator, TransformerMixin):
    """Expand each datetime column (given as epoch seconds) into year, month, day, dow, hour."""

    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).reshape(len(X), -1).shape[1]
        return self

    def transform(self, X):
        X = np.asarray(X).reshape(len(X), -1)
        return np.hstack([datetime_parts(epoch_seconds(X[:, i])) for i in range(X.shape[1])])

    def get_feature_names_out(self, input_features=None):
        names = input_features if input_features is not None else [
            f"x{i}" for i in range(self.n_features_in_)]
        return np.array([f"{n}_{p}" for n in names for p in PARTS], dtype=object)


def _shape_calculator(operator):
    from skl2onnx.common.data_types import FloatTensorType
    n = operator.inputs[0].get_first_dimension()
    width = operator.inputs[0].get_second_dimension() or 1
    operator.outputs[0].type = FloatTensorType([n, len(PARTS) * width])


def _converter(scope, operator, container):
    """Integer ONNX arithmetic mirroring :func:`datetime_parts` (inputs are >= 1970 here, so
    truncating division equals floor division)."""
    from onnx import TensorProto

    def const(value, dims=()):
        name = scope.get_unique_variable_name("c")
        container.add_initializer(name, TensorProto.INT64, list(dims), [int(value)])
        return name

    def op(kind, *inputs, **attrs):
        out = scope.get_unique_variable_name(kind.lower())
        container.add_node(kind, list(inputs), [out], name=scope.get_unique_operator_name(kind),
                           **attrs)
        return out

    def div(a, b):
        return op("Div", a, const(b))

    def mod(a, b):
        return op("Mod", a, const(b))

    def mul(a, b):
        return op("Mul", a, const(b))

    x = op("Cast", operator.inputs[0].full_name, to=TensorProto.INT64)
    days = div(x, 86400)
    hour = div(mod(x, 86400), 3600)
    dow = mod(op("Add", days, const(3)), 7)
    z = op("Add", days, const(719468))
    era = div(z, 146097)
    doe = op("Sub", z, mul(era, 146097))
    yoe = div(op("Sub", op("Add", op("Sub", doe, div(doe, 1460)), div(doe, 36524)),
                 div(doe, 146096)), 365)
    doy = op("Sub", doe, op("Sub", op("Add", mul(yoe, 365), div(yoe, 4)), div(yoe, 100)))
    mp = div(op("Add", mul(doy, 5), const(2)), 153)
    day = op("Add", op("Sub", doy, div(op("Add", mul(mp, 153), const(2)), 5)), const(1))
    month = op("Where", op("Less", mp, const(10)), op("Add", mp, const(3)),
               op("Sub", mp, const(9)))
    early = op("Cast", op("LessOrEqual", month, const(2)), to=TensorProto.INT64)
    year = op("Add", op("Add", yoe, mul(era, 400)), early)
    # [N, k] columns -> parts grouped per column, like the native transform
    width = operator.inputs[0].get_second_dimension() or 1
    pieces = []
    for i in range(width):
        start, end, axis = const(i, [1]), const(i + 1, [1]), const(1, [1])
        for part in (year, month, day, dow, hour):
            pieces.append(op("Slice", part, start, end, axis))
    merged = op("Concat", *pieces, axis=1)
    container.add_node("Cast", [merged], [operator.outputs[0].full_name],
                       name=scope.get_unique_operator_name("Cast"), to=TensorProto.FLOAT)


def register_datetime_converter() -> None:
    from skl2onnx import update_registered_converter
    update_registered_converter(DatetimeParts, "SynhelpersDatetimeParts", _shape_calculator,
                                _converter)
