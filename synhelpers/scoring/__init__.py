"""Scoring on Spark: a registered model over a table, and many models (one per group).

``score_table`` scores a Spark table with a registered ONNX model (``mapInArrow`` +
onnxruntime, one session per worker process) or a keyed many-models model, and saves the scores
atomically; ``register_predict_function`` makes a Spark SQL function of a model;
``routed_predict_sql`` and ``model_table_rows`` take a keyed model (trained by
:mod:`synhelpers.manymodels`) to a dedicated SQL pool.

Nothing heavy is imported until a function is called.
"""
from __future__ import annotations

_EXPORTS = {
    "score_table": ".batch", "score_dataframe": ".batch", "build_scorer": ".batch",
    "load_scoring_model": ".model", "from_onnx": ".model", "ScoringModel": ".model",
    "register_predict_function": ".sql_function", "function_name_for": ".sql_function",
    "Routing": ".keyed", "load_routing": ".keyed",
    "routed_predict_sql": ".routing_sql", "model_table_rows": ".model_table",
    "model_table_ddl": ".model_table", "model_table_dataframe": ".model_table",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib
        return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
