"""Our checks on Azure's best model, before it is registered: the PREDICT contract and parity.

- Contract: the ONNX graph against the table's columns as the SQL pool connector declares them
  (:func:`synhelpers.sqlpool.types.spark_to_tsql`), with the scoring wizard's own check
  (:func:`synhelpers.sqlpool.wizard.check_contract`): what notebook 04 will ask of it.
- Parity (:func:`synhelpers.onnx_export.check_parity`): the ONNX scores against a reference, the
  first available of: the native model (``outputs/mlflow-model``) on a bounded sample of the
  table; Azure's own predictions on its test rows (``predictions.csv``). Azure's native model
  needs Azure's training packages to load; where they are absent, the test predictions serve.
"""
from __future__ import annotations

import numpy as np

from ...exceptions import AzureMLJobError
from ..metrics import CLASSIFICATION



def _numeric_dtype(onnx_type: str):
    """The numpy dtype of a numeric graph input (float32 for anything else, as Azure's are)."""
    from ...onnx_export.types import BY_ONNX_TYPE
    element = BY_ONNX_TYPE.get(onnx_type)
    return element.dtype if element is not None and element.numpy != "object" else np.float32


def pool_columns(spark_types: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``[(column, T-SQL type)]`` as the connector creates them (a type without a pool
    equivalent is passed as is: the contract check names it)."""
    from ...exceptions import UnsupportedSqlError
    from ...sqlpool.types import spark_to_tsql
    out = []
    for name, spark_type in spark_types:
        try:
            out.append((name, spark_to_tsql(spark_type)))
        except UnsupportedSqlError:
            out.append((name, spark_type))
    return out


def check_model_contract(model_bytes: bytes, model_name: str, spark_types, table: str):
    """The :class:`~synhelpers.sqlpool.wizard.ContractReport` of the model on the pool table."""
    from ...sqlpool.wizard import ModelIO, check_contract, describe_onnx
    inputs, outputs = describe_onnx(model_bytes)
    return check_contract(ModelIO(model_name, 1, inputs, outputs), pool_columns(spark_types), table)


def onnx_feeds(frame, inputs, input_map: dict) -> dict:
    """One ``[N, 1]`` array per graph input, from the table column it maps to."""
    feeds = {}
    for info in inputs:
        column = input_map.get(info.name, info.name)
        if column not in frame.columns:
            raise AzureMLJobError(f"The ONNX model's input {info.name!r} reads column {column!r}, "
                                  f"which the rows do not have ({', '.join(frame.columns)}).")
        values = frame[column]
        if info.onnx_type == "tensor(string)":
            array = values.astype(object).where(values.notna(), "").astype(str).to_numpy(object)
        else:
            array = values.to_numpy(dtype=_numeric_dtype(info.onnx_type))
        feeds[info.name] = array.reshape(-1, 1)
    return feeds


def _probabilities(value) -> np.ndarray:
    """A [N, k] array from a probability tensor or a ZipMap (a list of {class: p})."""
    if len(value) and isinstance(value[0], dict):
        return np.asarray([[row[key] for key in sorted(row)] for row in value], dtype=np.float64)
    return np.asarray(value, dtype=np.float64)


def onnx_scores(model_bytes: bytes, frame, input_map: dict, task: str) -> dict:
    """The graph's scores on ``frame``, shaped for :func:`~synhelpers.onnx_export.check_parity`."""
    import onnxruntime as ort
    session = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    from ...onnx_export import model_inputs
    from ...onnx_export.serialized import load_graph
    feeds = onnx_feeds(frame, model_inputs(load_graph(model_bytes)), input_map)
    outputs = session.run(None, feeds)
    if task == CLASSIFICATION:
        return {"label": np.asarray(outputs[0]).ravel().astype(str),
                "probability": _probabilities(outputs[1]) if len(outputs) > 1 else None}
    return {"prediction": np.asarray(outputs[0], dtype=np.float64).ravel()}


def native_scores(native_dir, frame, task: str) -> tuple[dict | None, str]:
    """The native model's scores on ``frame``, or (None, why not)."""
    try:
        from mlflow.models import Model
        flavors = Model.load(str(native_dir)).flavors
        if "sklearn" in flavors:
            import mlflow.sklearn
            model = mlflow.sklearn.load_model(str(native_dir))
        else:
            import mlflow.pyfunc
            model = mlflow.pyfunc.load_model(str(native_dir))
    except Exception as exc:  # noqa: BLE001 - Azure's model needs Azure's packages to load
        return None, f"the native model does not load here ({type(exc).__name__}: {exc})"
    if task == CLASSIFICATION:
        labels = np.asarray(model.predict(frame)).ravel().astype(str)
        proba = model.predict_proba(frame) if hasattr(model, "predict_proba") else None
        return {"label": labels, "probability": None if proba is None else np.asarray(proba)}, ""
    return {"prediction": np.asarray(model.predict(frame), dtype=np.float64).ravel()}, ""


def predictions_reference(path, target: str, task: str, max_rows: int) -> tuple:
    """(rows, scores) from Azure's test predictions, or (None, why not)."""
    import pandas as pd
    frame = pd.read_csv(path, nrows=max_rows)
    column = next((c for c in (f"{target}_predicted", "predicted", "prediction")
                   if c in frame.columns), None)
    if column is None:
        return None, f"{path.name} has no {target}_predicted column"
    if task == CLASSIFICATION:
        proba_columns = [c for c in frame.columns if c.endswith("_predicted_proba")]
        proba = frame[sorted(proba_columns)].to_numpy(dtype=np.float64) if proba_columns else None
        return frame, {"label": frame[column].to_numpy().astype(str), "probability": proba}
    return frame, {"prediction": frame[column].to_numpy(dtype=np.float64)}


def check_azure_parity(output, model_bytes: bytes, sample, task: str, target: str, config):
    """Parity of the ONNX model against the first reference available; returns
    ``(ParityReport or None, source, note)``."""
    from ...onnx_export import check_parity
    notes = []
    rows, reference, source = None, None, ""
    if output.native_dir is not None and sample is not None and len(sample):
        features = sample.drop(columns=[target], errors="ignore")
        reference, why = native_scores(output.native_dir, features, task)
        rows, source = (features, "native model (outputs/mlflow-model)") if reference else (None, "")
        if why:
            notes.append(why)
    if reference is None and output.predictions_path is not None:
        rows, reference = predictions_reference(output.predictions_path, target, task,
                                                config.parity_rows)
        if rows is None:
            notes.append(reference)
            reference = None
        else:
            source = f"Azure's test predictions ({output.predictions_path.name})"
    if reference is None:
        return None, "", "; ".join(notes) or "Azure provided no native model or test predictions"
    got = onnx_scores(model_bytes, rows, output.input_map, task)
    if task == CLASSIFICATION and (reference["probability"] is None or got["probability"] is None):
        decided = np.tile([1.0, 0.0], (len(rows), 1))      # labels only: every row is decided
        reference = {"label": reference["label"], "probability": decided}
        got = {"label": got["label"], "probability": decided}
    report = check_parity(reference, got, task, abs_tol=config.parity_abs_tol,
                          rel_tol=config.parity_rel_tol,
                          max_mismatch_rate=config.parity_max_mismatch_rate)
    return report, source, "; ".join(notes)
