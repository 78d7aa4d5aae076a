"""Many models: one AutoML model per group of a table, beside :mod:`synhelpers.automl`.

``train_many_models`` trains one model per value of a group column with ``applyInPandas``,
registers each group's ONNX model and the keyed model that routes rows to them; score it with
:mod:`synhelpers.scoring` (Spark, the pyfunc, or routed T-SQL PREDICT). Nothing heavy is
imported until a function is called.
"""
from __future__ import annotations

_EXPORTS = {
    "train_many_models": ".train", "ManyModelsResult": ".results",
    "show_many_models": ".results", "ManyModelsSettings": ".settings",
    "make_settings": ".settings",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib
        return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
