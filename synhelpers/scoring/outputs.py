"""The columns scoring appends, named and typed after the model's outputs (pure).

One column per graph output, named as the output: ``variable_out1`` (float) for AutoML
regression; ``output_label`` (bigint or string) for classification. An output of shape
``[N, k]`` (``output_probability``) becomes ``k`` columns ``output_probability_0`` ..
``output_probability_<k-1>`` (float; class ``i`` in the order of the model's classes, the
``metadata["classes"]`` of an AutoML model): the names the local SQL pool's PREDICT uses for them.
``probabilities=False`` keeps only single-value outputs; ``primary_only`` keeps the first output.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..exceptions import ScoringError
from ..onnx_export.types import BY_ONNX_TYPE, BY_SPARK, supported


@dataclass(frozen=True)
class OutputColumn:
    """A column to append: ``name``, taken from graph output ``output`` (column ``index`` of a
    ``[N, k]`` output, else None), of Spark type ``spark_type``."""
    name: str
    output: str
    index: int | None
    spark_type: str
    onnx_type: str

    def to_dict(self) -> dict:
        return {"name": self.name, "output": self.output, "index": self.index,
                "spark_type": self.spark_type}


def output_columns(outputs, probabilities: bool = True, primary_only: bool = False,
                   classes: list | None = None) -> list[OutputColumn]:
    """The columns for graph ``outputs`` (TensorInfo list, graph order).

    Raises:
        ScoringError: an output of a type Spark cannot hold, or a ``[N, k]`` output whose ``k``
            is unknown and not given by ``classes``.
    """
    columns = []
    for position, info in enumerate(outputs):
        if primary_only and position > 0:
            break
        element = BY_ONNX_TYPE.get(info.onnx_type)
        if element is None or element.spark is None:
            raise ScoringError(f"Model output {info.name!r} is {info.onnx_type}: scoring returns "
                               f"{', '.join(supported('spark'))} outputs only.")
        spark_type = element.spark
        width = info.shape[1] if len(info.shape) == 2 else 1
        if len(info.shape) > 2:
            raise ScoringError(f"Model output {info.name!r} has shape {list(info.shape)}: "
                               "scoring returns [N] or [N, k] outputs only.")
        if width == 1:
            columns.append(OutputColumn(info.name, info.name, None, spark_type, info.onnx_type))
            continue
        if not probabilities:
            continue
        if width == -1:
            width = len(classes) if classes else -1
        if width < 1:
            raise ScoringError(f"Model output {info.name!r} has an unknown number of columns: "
                               "score with probabilities=False, or register the model with its "
                               "classes in metadata.")
        columns += [OutputColumn(f"{info.name}_{i}", info.name, i, spark_type, info.onnx_type)
                    for i in range(width)]
    return columns


def check_no_clash(columns: list[OutputColumn], existing, where: str, extra=()) -> None:
    """Raise when an appended column already exists in the input (case-insensitive)."""
    taken = {c.lower(): c for c in existing}
    for name in [c.name for c in columns] + list(extra):
        if name.lower() in taken:
            raise ScoringError(f"{where} already has a column {taken[name.lower()]!r}, which "
                               f"scoring appends (was it scored before?): drop or rename it "
                               "first, or score the table it came from.")


def new_values(column: OutputColumn, rows: int):
    """An empty holder for ``rows`` values of ``column`` (filled per model, then to Arrow)."""
    if column.spark_type == "string":
        return np.full(rows, None, dtype=object)
    return np.zeros(rows, dtype=BY_SPARK[column.spark_type].dtype)


def take(column: OutputColumn, results: dict) -> np.ndarray:
    """The values of ``column`` from ``results`` (graph output name -> array)."""
    values = np.asarray(results[column.output])
    if column.index is not None:
        return values[:, column.index]
    return values.reshape(len(values), -1)[:, 0] if values.ndim > 1 else values


def to_arrow(column: OutputColumn, values: np.ndarray, valid: np.ndarray | None = None):
    """The pyarrow Array of ``values`` (null where ``valid`` is False)."""
    import pyarrow as pa
    mask = None if valid is None or valid.all() else ~valid
    if column.spark_type == "string":
        kind, values = pa.string(), np.asarray(values, dtype=object)
    else:
        kind = pa.from_numpy_dtype(BY_SPARK[column.spark_type].dtype)
    return pa.array(values, type=kind, mask=mask)
