"""ONNX: one graph from raw columns to scores, its parity with the native model, its IO spec.

Knows nothing else of the package: it converts a fitted scikit-learn pipeline given the typed raw
inputs, checks parity, and describes the graph's inputs and outputs.
"""
from __future__ import annotations

from .convert import InputSpec, to_onnx
from .parity import ParityReport, check_parity, make_feeds, run_onnx
from .signature import TensorInfo, model_inputs, model_outputs

__all__ = ["InputSpec", "to_onnx", "ParityReport", "check_parity", "make_feeds", "run_onnx", "TensorInfo",
           "model_inputs", "model_outputs"]
