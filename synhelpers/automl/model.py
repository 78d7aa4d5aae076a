"""The trained model: ``Pipeline(featurizer, best_estimator)`` plus what it needs around it.

``TrainedModel`` knows its typed raw inputs (one per column), the task and the class labels, so
native predictions and ONNX feeds start from the same frame (:func:`.featurize.to_model_frame`).
Classifiers are trained on label codes 0..k-1; ``classes`` maps them back.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..onnx_export import InputSpec
from .featurize import to_model_frame
from .metrics import CLASSIFICATION


@dataclass
class TrainedModel:
    pipeline: object                      # sklearn Pipeline(featurize, model)
    inputs: list[InputSpec]
    task: str
    target: str
    classes: list | None = None
    plan: dict = field(default_factory=dict)

    @property
    def estimator(self):
        return self.pipeline.steps[-1][1]

    def frame(self, data):
        return to_model_frame(data, self.inputs)

    def predict(self, data) -> np.ndarray:
        """Native predictions (original class labels for classifiers)."""
        codes = self.pipeline.predict(self.frame(data))
        if self.task == CLASSIFICATION:
            return np.asarray(self.classes, dtype=object)[np.asarray(codes, dtype=int)] \
                if not self.classes_are_codes else np.asarray(codes).astype(np.int64)
        return np.asarray(codes, dtype=np.float64).ravel()

    def predict_proba(self, data) -> np.ndarray:
        return np.asarray(self.pipeline.predict_proba(self.frame(data)))

    @property
    def classes_are_codes(self) -> bool:
        return self.classes is not None and list(self.classes) == list(range(len(self.classes)))

    def native_outputs(self, data) -> dict:
        """Predictions shaped for :func:`..onnx_export.check_parity`."""
        if self.task == CLASSIFICATION:
            return {"label": self.predict(data), "probability": self.predict_proba(data)}
        return {"prediction": self.predict(data)}

    def to_onnx(self):
        """One ONNX graph from the raw columns (see :mod:`..onnx_export.convert`)."""
        from ..onnx_export import to_onnx
        from .as_float import register_as_float_converter
        from .datetime_parts import register_datetime_converter
        register_datetime_converter()
        register_as_float_converter()
        labels = None if self.task != CLASSIFICATION or self.classes_are_codes else self.classes
        return to_onnx(self.pipeline, self.inputs, self.task, class_labels=labels)
