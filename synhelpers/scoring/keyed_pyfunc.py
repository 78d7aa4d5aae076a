"""The keyed model as an MLflow pyfunc: ``mlflow.pyfunc.load_model(uri).predict(frame)``.

The pyfunc holds the per-group ONNX graphs and ``routing.json`` (:mod:`.keyed`) as artifacts and
routes each row of a pandas DataFrame to its group's model with the same :class:`.scorer.Scorer`
as Spark scoring. It returns one row per input row: the primary output (``variable_out1`` or
``output_label``) and ``scored_by`` (``name:version`` of the model used; null, with a null score,
for a row whose group has no model and no fallback). Loading it needs ``synhelpers`` installed.
"""
from __future__ import annotations

import tempfile

import mlflow.pyfunc

from .._compat import log_model_name
from .keyed import Routing, find_routing_folder, read_routing
from .model import KEYED_KIND, KIND_TAG

ARTIFACT = "keyed"


class KeyedOnnxModel(mlflow.pyfunc.PythonModel):
    """Routes rows to per-group ONNX models (see the module docstring)."""

    def load_context(self, context):
        from .batch import build_scorer
        self.routing = read_routing(find_routing_folder(context.artifacts[ARTIFACT]))
        self.scorer = build_scorer(self.routing, {}, "the DataFrame", lenient=True,
                                   primary_only=True)
        self.blobs = {m.key: m.model_bytes for m in self.routing.models}

    def predict(self, context, model_input, params=None):
        import pandas as pd
        import pyarrow as pa
        table = pa.Table.from_pandas(pd.DataFrame(model_input), preserve_index=False)
        arrays, _ = self.scorer.score(table, self.blobs.__getitem__)
        names = [n for n, _ in self.scorer.added_columns]
        return pd.DataFrame({n: a.to_pandas() for n, a in zip(names, arrays)})


def _signature(routing: Routing):
    from mlflow.models.signature import ModelSignature
    from mlflow.types.schema import ColSpec, Schema

    from ..onnx_export.types import BY_ONNX_TYPE

    def column_type(onnx_type: str, field: str) -> str:
        element = BY_ONNX_TYPE.get(onnx_type)
        return getattr(element, field) or "string" if element else "string"

    columns = {routing.group_column: "long" if routing.group_type != "string" else "string"}
    for model in routing.models:
        for info in model.inputs:
            columns.setdefault(info.name, column_type(info.onnx_type, "mlflow_input"))
    label = routing.outputs[0]
    return ModelSignature(
        inputs=Schema([ColSpec(t, n, required=n == routing.group_column)
                       for n, t in columns.items()]),
        outputs=Schema([ColSpec(column_type(label.onnx_type, "mlflow_output"), label.name),
                        ColSpec("string", "scored_by")]))


def log_keyed_model(routing: Routing, name: str = "model") -> str:
    """Log ``routing`` as a pyfunc into the active run; return its model URI."""
    from ..registry.models import pinned_requirements
    with tempfile.TemporaryDirectory() as folder:
        routing.write(folder)
        info = mlflow.pyfunc.log_model(
            **log_model_name(name), python_model=KeyedOnnxModel(), artifacts={ARTIFACT: folder},
            signature=_signature(routing), metadata={KIND_TAG: KEYED_KIND,
                                                     "group_column": routing.group_column,
                                                     "task": routing.task},
            pip_requirements=pinned_requirements("mlflow", "onnx", "onnxruntime", "numpy",
                                                 "pandas", "pyarrow", "synhelpers"))
    return info.model_uri
