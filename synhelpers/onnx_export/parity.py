"""The parity gate: the ONNX graph must predict what the native pipeline predicts.

ONNX tree ensembles compare in float32 while LightGBM keeps float64 thresholds, so a value lying
between a threshold and its float32 rounding takes the other branch: parity is measured, not
assumed. A row is "over tolerance" when ``|onnx - native| > abs_tol + rel_tol * |native|``
(regression), or when a class probability differs by more than ``abs_tol`` or its label differs
while the native probabilities are not tied (classification). The gate passes when at most ``max_mismatch_rate`` of the rows are over.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass
class ParityReport:
    rows: int
    max_abs_diff: float
    mean_abs_diff: float
    rows_over_tolerance: int
    label_mismatches: int
    abs_tol: float
    rel_tol: float
    max_mismatch_rate: float
    passed: bool
    worst_row: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return (f"ONNX parity {verdict} on {self.rows} rows: max |diff| {self.max_abs_diff:.3g}, "
                f"mean {self.mean_abs_diff:.3g}, {self.rows_over_tolerance} rows over tolerance "
                f"(abs {self.abs_tol:g} + rel {self.rel_tol:g}; allowed rate "
                f"{self.max_mismatch_rate:g}), {self.label_mismatches} label mismatches")


def make_feeds(frame, inputs) -> dict:
    """ONNX feeds from a DataFrame: one ``[N, 1]`` array per input, of the input's type."""
    feeds = {}
    for spec in inputs:
        column = frame[spec.name]
        if spec.kind == "float":
            feeds[spec.name] = column.to_numpy(dtype=np.float32, na_value=np.nan).reshape(-1, 1)
        elif spec.kind == "int64":
            feeds[spec.name] = column.to_numpy(dtype=np.int64).reshape(-1, 1)
        else:
            values = column.astype(object).where(column.notna(), "")
            feeds[spec.name] = values.astype(str).to_numpy(dtype=object).reshape(-1, 1)
    return feeds


def run_onnx(model_bytes: bytes, feeds: dict, session=None) -> list:
    """Run a serialized model on CPU; returns the outputs in graph order."""
    if session is None:
        import onnxruntime as ort
        session = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def check_parity(native_outputs: dict, onnx_outputs: dict, task: str, abs_tol: float = 1e-3,
                 rel_tol: float = 1e-4, max_mismatch_rate: float = 1e-3) -> ParityReport:
    """Compare native and ONNX predictions.

    ``native_outputs``/``onnx_outputs``: regression ``{"prediction": [N]}``; classification
    ``{"label": [N], "probability": [N, k]}`` (probabilities in the same class order).
    """
    if task == "classification":
        native_p = np.asarray(native_outputs["probability"], dtype=np.float64)
        onnx_p = np.asarray(onnx_outputs["probability"], dtype=np.float64)
        diff = np.abs(native_p - onnx_p).max(axis=1)
        top2 = np.sort(native_p, axis=1)[:, -2:] if native_p.shape[1] > 1 else native_p
        decided = (top2[:, -1] - top2[:, 0]) > abs_tol      # ties may go either way
        labels_differ = (np.asarray(native_outputs["label"]).ravel() != np.asarray(
            onnx_outputs["label"]).ravel()) & decided
        over = (diff > abs_tol) | labels_differ
        mismatches = int(labels_differ.sum())
    else:
        native = np.asarray(native_outputs["prediction"], dtype=np.float64).ravel()
        got = np.asarray(onnx_outputs["prediction"], dtype=np.float64).ravel()
        diff = np.abs(native - got)
        over = diff > abs_tol + rel_tol * np.abs(native)
        mismatches = 0
    rows = int(len(diff))
    n_over = int(over.sum())
    return ParityReport(
        rows=rows, max_abs_diff=float(diff.max()) if rows else 0.0,
        mean_abs_diff=float(diff.mean()) if rows else 0.0, rows_over_tolerance=n_over,
        label_mismatches=mismatches, abs_tol=abs_tol, rel_tol=rel_tol,
        max_mismatch_rate=max_mismatch_rate,
        passed=rows > 0 and n_over <= max_mismatch_rate * rows,
        worst_row=int(diff.argmax()) if rows else None)
