"""Featurization we own: a scikit-learn ColumnTransformer fixed at fit time.

Float columns are median-imputed, integer columns without nulls pass through (no scaling: tree thresholds sit on data values, and any
arithmetic in the graph that differs by one float32 ulp from the native path would move rows
across them); low-cardinality strings are one-hot encoded, others ordinal-encoded, both with
unseen categories handled (all zeros / -1); datetimes become parts; constant and ID-like columns
are dropped, and the plan says why. The output is dense (XGBoost reads sparse zeros as missing).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..onnx_export import InputSpec

MAX_ONEHOT = 30
_INTEGER = ("tinyint", "smallint", "int", "bigint", "boolean")
_FLOAT = ("float", "double", "decimal")
_DATETIME = ("timestamp", "date")


@dataclass
class FeaturePlan:
    """Which raw columns feed the model, as what, and which were dropped (with the reason)."""
    inputs: list[InputSpec]
    numeric: list[str] = field(default_factory=list)      # float inputs, median-imputed
    integer: list[str] = field(default_factory=list)      # int64 inputs without nulls
    onehot: list[str] = field(default_factory=list)
    ordinal: list[str] = field(default_factory=list)
    datetime: list[str] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"inputs": [{"name": i.name, "kind": i.kind} for i in self.inputs],
                "numeric": self.numeric, "integer": self.integer, "onehot": self.onehot, "ordinal": self.ordinal,
                "datetime": self.datetime, "dropped": self.dropped}


def plan_features(frame, features: list[str], spark_types: dict[str, str]) -> FeaturePlan:
    """Decide each column's role from its Spark type and the sample's values."""
    plan = FeaturePlan(inputs=[])
    n = len(frame)
    for column in features:
        spark_type = spark_types.get(column, "string")
        values = frame[column]
        distinct = values.nunique(dropna=False)
        if distinct <= 1:
            plan.dropped[column] = "constant"
            continue
        if spark_type.startswith(_DATETIME):
            plan.datetime.append(column)
            plan.inputs.append(InputSpec(column, "int64"))
        elif spark_type.startswith(_INTEGER):
            if values.isna().any():
                plan.numeric.append(column)
                plan.inputs.append(InputSpec(column, "float"))
            else:
                plan.integer.append(column)
                plan.inputs.append(InputSpec(column, "int64"))
        elif spark_type.startswith(_FLOAT):
            plan.numeric.append(column)
            plan.inputs.append(InputSpec(column, "float"))
        elif spark_type == "string":
            if n >= 50 and distinct > 0.9 * n:
                plan.dropped[column] = f"identifier-like ({distinct} distinct values in {n} rows)"
                continue
            (plan.onehot if distinct <= MAX_ONEHOT else plan.ordinal).append(column)
            plan.inputs.append(InputSpec(column, "string"))
        else:
            plan.dropped[column] = f"unsupported type {spark_type}"
    return plan


def _holds_dates(column) -> bool:
    """datetime64 columns, or object columns of dates (Spark's DateType comes back that way)."""
    import datetime

    import pandas as pd
    if pd.api.types.is_datetime64_any_dtype(column):
        return True
    first = column.dropna().head(1) if column.dtype == object else ()
    return len(first) > 0 and isinstance(first.iloc[0], (datetime.date, datetime.datetime))


def to_model_frame(frame, inputs: list[InputSpec]):
    """The raw columns with the model's input dtypes: float32, int64 (datetimes as epoch
    seconds), strings (missing as ''). Native predictions and ONNX feeds both start here."""
    import pandas as pd
    from .datetime_parts import epoch_seconds
    out = {}
    for spec in inputs:
        column = frame[spec.name]
        if spec.kind == "float":
            out[spec.name] = pd.to_numeric(column, errors="coerce").astype(np.float32)
        elif spec.kind == "int64":
            out[spec.name] = (epoch_seconds(pd.to_datetime(column)) if _holds_dates(column)
                              else column.astype(np.int64))
        else:
            out[spec.name] = column.astype(object).where(column.notna(), "").astype(str)
    return pd.DataFrame(out, index=frame.index)


def _integer_step(plan: FeaturePlan):
    """``passthrough`` when another transformer makes the output float; when integers (and
    booleans) are all there is, a cast to float32: the ONNX tree and linear operators take no
    int64 feature tensor."""
    if plan.numeric or plan.onehot or plan.ordinal or plan.datetime:
        return "passthrough"
    from .as_float import AsFloat32
    return AsFloat32()


def build_featurizer(plan: FeaturePlan):
    """An unfitted ColumnTransformer for ``plan`` (dense output)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder
    from .datetime_parts import DatetimeParts
    transformers = []
    if plan.numeric:
        transformers.append(("numeric", SimpleImputer(strategy="median"), plan.numeric))
    if plan.integer:   # one ONNX type per transformer: int64 columns pass through unchanged
        transformers.append(("integer", _integer_step(plan), plan.integer))
    if plan.onehot:
        transformers.append(("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False,
                                                     dtype=np.float32), plan.onehot))
    if plan.ordinal:
        transformers.append(("ordinal", OrdinalEncoder(handle_unknown="use_encoded_value",
                                                       unknown_value=-1, dtype=np.float32),
                             plan.ordinal))
    if plan.datetime:
        transformers.append(("datetime", DatetimeParts(), plan.datetime))
    return ColumnTransformer(transformers, sparse_threshold=0, verbose_feature_names_out=False)


def fit_featurizer(plan: FeaturePlan, frame):
    """Fit the featurizer on ``frame``; imputed values are rounded to float32, so that every
    feature value is one the ONNX graph (float32) represents exactly."""
    featurizer = build_featurizer(plan).fit(to_model_frame(frame, plan.inputs))
    for name, transformer, _ in featurizer.transformers_:
        statistics = getattr(transformer, "statistics_", None)
        if statistics is not None and statistics.dtype.kind == "f":
            transformer.statistics_ = statistics.astype(np.float32).astype(statistics.dtype)
    return featurizer


def feature_names(featurizer) -> list[str]:
    """The featurized columns' names (one-hot and datetime parts carry their column's name)."""
    return [str(n) for n in featurizer.get_feature_names_out()]
