"""The ``python_function`` flavor of a registered ONNX model: a pandas DataFrame in, one
prediction per row out.

A model logged by :func:`log_model` keeps the ``onnx`` flavor exactly as ``mlflow.onnx`` writes it
(the graph with one ``[N, 1]`` input per raw column: T-SQL PREDICT, Spark scoring and
``registered_onnx()`` read it) and gets a ``python_function`` flavor whose loader is this module.
Its MLflow signature is column-based, one :class:`ColSpec` per graph input, so that every MLflow
consumer can use it: ``mlflow.pyfunc.load_model(uri).predict(frame)``,
``mlflow.pyfunc.spark_udf(spark, uri)`` (``udf(struct(*cols))`` or ``udf(*cols)`` in signature
order), Synapse's Spark ``PREDICT`` (``azure.synapse.ml.predict``, ``runtime="mlflow"``), and
``mlflow models serve`` (JSON ``dataframe_split``).

Input: MLflow first checks the frame against the signature (a missing column, or a column MLflow
cannot safely cast, is an ``MlflowException`` naming it; extra columns are dropped; any index).
The signature types are those of the training table where known (``column_types``: a boolean
column stays ``boolean``, a timestamp ``datetime``), else of the graph: ``double`` for a float
input (float32 and float64, narrower integers), ``long`` for int64, ``string`` for strings (None
and NaN allowed). A nullable integer or boolean column that feeds a float input is ``Any`` under
MLflow 3: Spark 4 gives pandas UDFs such a column as ``Int64``/``boolean`` with ``<NA>``, which
MLflow's type check refuses (MLflow 2.18, with Spark 3.5, has no ``Any`` and gets float64).
Then each input column is converted exactly as Spark scoring converts it
(:func:`synhelpers.scoring.inputs.to_feed`: float32 for the graph, nulls to NaN or ``''``,
booleans and whole floats to int64, timestamps to epoch seconds; a null in an int64 input or a
value of the wrong type raises :class:`ScoringError` naming the column) and the graph runs in
onnxruntime on CPU (one session per process, shared with Spark scoring).

Output: a DataFrame with the input's index and one column named after the graph's first output:
``variable_out1`` (regression) or ``output_label`` (classification). With
``params={"probabilities": True}`` a classifier also returns ``output_probability_0`` ..
``output_probability_<k-1>`` (class ``i`` of ``metadata["classes"]``), the columns notebook 05
and the local pool's PREDICT return. Loading needs ``synhelpers`` installed (as for the keyed
model).
"""
from __future__ import annotations

import os

from ..exceptions import ModelRegistryError, ScoringError
from ..onnx_export.types import ELEMENT_TYPES, FLOATING

PROBABILITIES = "probabilities"
CPU = ["CPUExecutionProvider"]
# graph input/output type -> the signature's column type (the type table's MLflow columns;
# an input's when the table's type does not say more)
_COLUMN_TYPES = {e.onnx_type: e.mlflow_input for e in ELEMENT_TYPES if e.mlflow_input}
_OUTPUT_TYPES = {e.onnx_type: e.mlflow_output for e in ELEMENT_TYPES if e.mlflow_output}


def _column_type(info, spark_type: str | None):
    from .._compat import any_column_type
    from ..scoring.inputs import ACCEPTS, spark_kind
    if info.onnx_type not in _COLUMN_TYPES:
        raise ModelRegistryError(f"Graph input {info.name!r} is {info.onnx_type}: a registered "
                                 "model takes float, double, int64, int32 or string inputs.")
    kind = spark_kind(spark_type) if spark_type else ""
    if kind not in ACCEPTS[info.onnx_type]:
        return _COLUMN_TYPES[info.onnx_type]
    if kind in ("integer", "boolean") and info.onnx_type in FLOATING:
        # a nullable integer or boolean column: Spark 4 hands it to pandas UDFs as Int64 /
        # boolean with <NA>, which MLflow's check refuses for double / boolean
        any_type = any_column_type()
        if any_type is not None:
            return any_type
    if kind == "boolean":
        return "boolean"
    if kind in ("timestamp", "date"):
        return "datetime"
    return _COLUMN_TYPES[info.onnx_type]


def column_signature(onnx_model, column_types: dict | None = None):
    """The model's MLflow signature: one ColSpec per graph input (in graph order), typed by the
    training table's Spark type when ``column_types`` (name -> Spark simple type) has it; the
    first graph output as the one output column; a ``probabilities`` parameter for classifiers.

    Raises:
        ModelRegistryError: a graph input or output of a type no signature column can carry.
    """
    from mlflow.models.signature import ModelSignature
    from mlflow.types.schema import ColSpec, ParamSchema, ParamSpec, Schema

    from ..onnx_export import model_inputs, model_outputs
    types = {str(k).lower(): v for k, v in (column_types or {}).items()}
    inputs = [ColSpec(_column_type(info, types.get(info.name.lower())), info.name)
              for info in model_inputs(onnx_model)]
    outputs = model_outputs(onnx_model)
    first = outputs[0]
    if first.onnx_type not in _OUTPUT_TYPES:
        raise ModelRegistryError(f"Graph output {first.name!r} is {first.onnx_type}: the pyfunc "
                                 "returns a column of numbers, strings or booleans.")
    params = None
    if len(outputs) > 1:
        params = ParamSchema([ParamSpec(PROBABILITIES, "boolean", False)])
    return ModelSignature(inputs=Schema(inputs),
                          outputs=Schema([ColSpec(_OUTPUT_TYPES[first.onnx_type], first.name)]),
                          params=params)


def signature_example(frame, signature, rows: int = 3):
    """The first ``rows`` rows of ``frame``'s input columns, typed as ``signature`` declares
    them (what MLflow stores as the input example and serves as the example request), or None
    when ``frame`` cannot give one (a column missing or not convertible)."""
    import numpy as np
    import pandas as pd
    from mlflow.types import DataType
    if frame is None:
        return None
    out = {}
    try:
        for spec in signature.inputs.inputs:
            column = frame[spec.name].head(rows)
            kind = spec.type.name if isinstance(spec.type, DataType) else "any"
            if kind in ("double", "float"):
                out[spec.name] = pd.to_numeric(column, errors="raise").astype(np.float64)
            elif kind in ("long", "integer"):
                out[spec.name] = column.astype(np.int64)
            elif kind == "datetime":
                out[spec.name] = pd.to_datetime(column)
            elif kind in ("boolean", "any"):
                out[spec.name] = column.astype(object).where(column.notna(), None)
            else:
                out[spec.name] = column.astype(object).where(column.notna(), None).map(
                    lambda v: v if v is None else str(v))
    except (KeyError, TypeError, ValueError):
        return None
    return pd.DataFrame(out).reset_index(drop=True)


def save_model(onnx_model, path, mlflow_model=None, **kwargs):
    """``mlflow.onnx.save_model`` (the graph and its ``onnx`` flavor, untouched), with the
    ``python_function`` flavor's loader set to this module. Called by ``Model.log``."""
    import mlflow.onnx
    from mlflow.models import Model
    from mlflow.pyfunc import FLAVOR_NAME, MAIN
    mlflow_model = mlflow_model if mlflow_model is not None else Model()
    kwargs.pop("validate_serving_input", None)
    mlflow.onnx.save_model(onnx_model, path, mlflow_model=mlflow_model, **kwargs)
    mlflow_model.flavors[FLAVOR_NAME][MAIN] = __name__
    mlflow_model.save(os.path.join(path, "MLmodel"))


def log_model(onnx_model, name: str, signature, input_example=None, metadata=None,
              pip_requirements=None):
    """Log ``onnx_model`` with both flavors into the active run; returns MLflow's ModelInfo.

    MLflow checks the input example through its scoring server where that imports (not with a
    bare mlflow-skinny, which lacks Flask)."""
    import sys

    from mlflow.models import Model

    from .._compat import mlflow_has_scoring_server, model_log_name
    return Model.log(**model_log_name(name), flavor=sys.modules[__name__], onnx_model=onnx_model,
                     signature=signature, input_example=input_example, metadata=metadata,
                     pip_requirements=pip_requirements, onnx_execution_providers=CPU,
                     validate_serving_input=mlflow_has_scoring_server())


class OnnxFramePredictor:
    """What ``mlflow.pyfunc.load_model`` wraps: scores pandas DataFrames with the graph."""

    def __init__(self, model_bytes: bytes, metadata: dict | None = None):
        from ..scoring.batch import build_scorer
        from ..scoring.model import from_onnx
        self.model = from_onnx(model_bytes, "pyfunc", 0, metadata)
        where = "the DataFrame"
        self._primary = build_scorer(self.model, {}, where, lenient=True, primary_only=True)
        self._full, self._why_not = None, "it has one output"
        if len(self.model.outputs) > 1:
            try:
                self._full = build_scorer(self.model, {}, where, lenient=True, probabilities=True)
            except ScoringError as exc:      # e.g. [N, k] probabilities without metadata classes
                self._why_not = str(exc)

    def _arrow(self, frame):
        """The graph's input columns of ``frame`` as a pyarrow Table (nothing else converted)."""
        import pyarrow as pa

        from ..scoring.inputs import find_column
        arrays = {}
        for info in self.model.inputs:
            column = find_column([str(c) for c in frame.columns], info.name)
            if column is None:
                raise ScoringError(f"The DataFrame has no column {info.name!r}, which the model "
                                   f"needs ({info.onnx_type}); it has: "
                                   f"{', '.join(map(str, frame.columns))}.")
            try:
                arrays[info.name] = pa.array(frame[column], from_pandas=True)
            except (pa.ArrowException, TypeError, ValueError) as exc:
                raise ScoringError(f"Column {column!r} holds values of mixed or unsupported "
                                   f"types ({exc}); model input {info.name!r} is "
                                   f"{info.onnx_type}: cast the column first.") from exc
        return pa.table(arrays)

    def predict(self, model_input, params=None):
        """One row per input row (same index): the primary output, and with
        ``params={"probabilities": True}`` the class probabilities."""
        import pandas as pd
        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        scorer = self._primary
        if (params or {}).get(PROBABILITIES):
            if self._full is None:
                raise ScoringError(f"This model cannot return probabilities: {self._why_not}")
            scorer = self._full
        blob = self.model.model_bytes
        arrays, _ = scorer.score(self._arrow(frame), lambda key: blob)
        names = [n for n, _ in scorer.added_columns]
        return pd.DataFrame({n: a.to_numpy(zero_copy_only=False) for n, a in zip(names, arrays)},
                            index=frame.index)


def _load_pyfunc(path):
    """The pyfunc loader MLflow calls with the flavor's ``data`` path (``model.onnx``)."""
    import onnx
    from mlflow.models import Model
    folder = os.path.dirname(os.path.abspath(path))
    metadata = Model.load(os.path.join(folder, "MLmodel")).metadata or {}
    return OnnxFramePredictor(onnx.load(path).SerializeToString(), metadata)
