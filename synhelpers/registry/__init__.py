"""The MLflow part: tracking URI per runtime, runs, register, load."""
from __future__ import annotations

from .models import (load_onnx_bytes, load_pyfunc, log_onnx_model, log_sklearn_model,
                     model_description, model_uri, register, registered_onnx, resolve_version,
                     signature_from_onnx)
from .tracking import configure, get_or_create_experiment, tracking_uri

__all__ = ["configure", "get_or_create_experiment", "tracking_uri", "load_onnx_bytes",
           "load_pyfunc", "log_onnx_model", "log_sklearn_model", "model_description",
           "model_uri", "register", "registered_onnx", "resolve_version", "signature_from_onnx"]
