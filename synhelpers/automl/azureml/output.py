"""An Azure AutoML output folder, read: the best trial's model and what checks it.

The folder (what :func:`.submit.download` leaves; the tests build one from a model they train)::

    job.json                      job id, best trial, status, studio link, trials, metrics
    .../outputs/model.onnx        the ONNX model (enable_onnx_compatible_models)
    .../outputs/model_onnx.json   its resource: RawColumnNameToOnnxNameMap, InputRawColumnSchema
    .../outputs/mlflow-model/     the native model, an MLflow model folder (MLmodel)
    .../predictions.csv           optional: Azure's test run of the best model (test_data_size)

``outputs`` may sit at any depth (``jobs.download`` nests it); the first ``outputs`` folder
holding ``model.onnx`` or ``mlflow-model`` is used. The predictions file holds the test rows' raw
columns and Azure's prediction in ``<target>_predicted`` (or ``predicted``), classification
probabilities in ``<class>_predicted_proba`` columns.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ...exceptions import AzureMLJobError

ONNX_FILE = "model.onnx"
ONNX_RESOURCE = "model_onnx.json"
NATIVE_DIR = "mlflow-model"
PREDICTIONS_FILE = "predictions.csv"
RAW_TO_ONNX = "RawColumnNameToOnnxNameMap"


@dataclass
class AutoMLOutput:
    folder: Path
    job: dict
    onnx_path: Path | None
    input_map: dict = field(default_factory=dict)     # ONNX input name -> table column
    native_dir: Path | None = None
    predictions_path: Path | None = None

    @property
    def job_id(self) -> str:
        return str(self.job.get("job_id", ""))


def find_outputs(root: Path) -> Path | None:
    """The first ``outputs`` folder under ``root`` (breadth first, sorted) with the model."""
    candidates = sorted((p for p in root.rglob("outputs") if p.is_dir()),
                        key=lambda p: (len(p.parts), str(p)))
    for path in candidates:
        if (path / ONNX_FILE).is_file() or (path / NATIVE_DIR / "MLmodel").is_file():
            return path
    return None


def read_output(folder: str | Path, onnx_required: bool = True) -> AutoMLOutput:
    """Locate the model files in ``folder`` (see the module docstring).

    Raises:
        AzureMLJobError: no ``job.json``; no model; ``model.onnx`` missing while ONNX was asked
            for; an unreadable ``model_onnx.json``.
    """
    folder = Path(folder)
    try:
        job = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AzureMLJobError(f"{folder}: no readable job.json ({exc}); download the job's output "
                              "again.") from None
    where = f"Azure job {job.get('job_id', '?')} (best trial {job.get('best_child_id', '?')})"
    outputs = find_outputs(folder)
    if outputs is None:
        raise AzureMLJobError(f"{where}: no outputs/{ONNX_FILE} or outputs/{NATIVE_DIR} under "
                              f"{folder}: the trial produced no model to register.")
    onnx_path = outputs / ONNX_FILE if (outputs / ONNX_FILE).is_file() else None
    if onnx_required and onnx_path is None:
        raise AzureMLJobError(f"{where}: onnx_compatible=True but the best trial has no "
                              f"outputs/{ONNX_FILE}; Azure could not convert it. Re-run, or set "
                              "onnx_compatible=False (the model is then not usable by PREDICT).")
    input_map = {}
    if (outputs / ONNX_RESOURCE).is_file():
        try:
            resource = json.loads((outputs / ONNX_RESOURCE).read_text(encoding="utf-8"))
        except ValueError as exc:
            raise AzureMLJobError(f"{where}: {outputs / ONNX_RESOURCE} is not JSON ({exc}).") from None
        input_map = {str(onnx): str(raw) for raw, onnx in (resource.get(RAW_TO_ONNX) or {}).items()}
    native = outputs / NATIVE_DIR
    predictions = sorted(folder.rglob(PREDICTIONS_FILE))
    return AutoMLOutput(folder=folder, job=job, onnx_path=onnx_path, input_map=input_map,
                        native_dir=native if (native / "MLmodel").is_file() else None,
                        predictions_path=predictions[0] if predictions else None)
