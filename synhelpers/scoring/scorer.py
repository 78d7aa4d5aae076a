"""The batch scorer every path shares: Spark ``mapInArrow``, the SQL function, the keyed pyfunc.

A :class:`Scorer` is small and picklable (model keys and input plans, no model bytes): it travels
in the task closure; the bytes come from ``fetch(key)`` (a broadcast on Spark) only when the
worker has no session for that model yet (:mod:`.sessions`). With a :class:`Route`, each row goes
to the model of its group (the group column's value as a string, as Spark's ``CAST(x AS
STRING)`` writes it), else to the fallback model, else it is left unscored (``routed`` False).
Rows keep their order: outputs are filled per model into full-length arrays.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import inputs as _inputs
from . import outputs as _outputs
from .sessions import get_session, sessions_created

SCORED_BY = "scored_by"
DEBUG_PID = "_scoring_pid"
DEBUG_SESSIONS = "_scoring_sessions"


@dataclass(frozen=True)
class ModelPlan:
    """One ONNX model: its cache ``key`` (SHA-256), ``model_id`` (``name:version``) and
    ``inputs`` = ((TensorInfo, column), ...)."""
    key: str
    model_id: str
    inputs: tuple


@dataclass(frozen=True)
class Route:
    """Rows to models by group: ``models`` maps a group key to a model key; ``fallback`` (a model
    key or None) takes the rows of every other group and of null groups."""
    group_column: str
    models: dict = field(default_factory=dict)
    fallback: str | None = None


def group_keys(array) -> np.ndarray:
    """The group column as strings (object array, None for null): integers as Spark casts them."""
    import pyarrow as pa
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        if pa.types.is_floating(array.type):       # pandas holds nullable integers as floats
            array = array.cast(pa.int64())
        array = array.cast(pa.string())
    return array.to_numpy(zero_copy_only=False)


class Scorer:
    """Scores pyarrow batches with one model, or routed per group."""

    def __init__(self, models: dict, columns: list, route: Route | None = None,
                 threads: int = 1, lenient: bool = False, debug: bool = False):
        self.models = dict(models)              # model key -> ModelPlan
        self.columns = list(columns)            # OutputColumn
        self.route = route
        self.threads, self.lenient, self.debug = int(threads), bool(lenient), bool(debug)
        self._needed = sorted({c.output for c in self.columns})

    @property
    def added_columns(self) -> list[tuple[str, str]]:
        """(name, Spark type) of every appended column, in order."""
        added = [(c.name, c.spark_type) for c in self.columns]
        if self.route is not None:
            added.append((SCORED_BY, "string"))
        if self.debug:
            added += [(DEBUG_PID, "bigint"), (DEBUG_SESSIONS, "bigint")]
        return added

    def _run(self, plan: ModelPlan, batch, fetch) -> dict:
        session = get_session(plan.key, lambda: fetch(plan.key), self.threads)
        values = session.run(self._needed, _inputs.feeds(batch, list(plan.inputs), self.lenient))
        return dict(zip(self._needed, values))

    def _assignments(self, batch) -> list[tuple[ModelPlan, np.ndarray | None]]:
        if self.route is None:
            return [(next(iter(self.models.values())), None)]
        import pandas as pd
        column = _inputs.find_column(batch.schema.names, self.route.group_column)
        keys = group_keys(batch.column(batch.schema.names.index(column)))
        codes, uniques = pd.factorize(keys)          # null -> -1
        wanted: dict[str, list] = {}
        for code, key in enumerate(uniques):
            model = self.route.models.get(key, self.route.fallback)
            if model is not None:
                wanted.setdefault(model, []).append(code)
        if (codes < 0).any() and self.route.fallback is not None:
            wanted.setdefault(self.route.fallback, []).append(-1)
        return [(self.models[model], np.flatnonzero(np.isin(codes, code_list)))
                for model, code_list in wanted.items()]

    def score(self, batch, fetch):
        """Score ``batch`` (pyarrow RecordBatch/Table).

        Returns ``(arrays, routed)``: one pyarrow Array per :attr:`added_columns`, and a boolean
        mask of the rows a model scored (None when every row was).
        """
        import os
        rows = batch.num_rows
        holders = [_outputs.new_values(c, rows) for c in self.columns]
        valid = np.zeros(rows, dtype=bool)
        scored_by = np.full(rows, None, dtype=object)
        sessions = np.zeros(rows, dtype=np.int64)
        for plan, index in self._assignments(batch):
            part = batch if index is None else batch.take(index)
            results = self._run(plan, part, fetch)
            where = slice(None) if index is None else index
            for column, holder in zip(self.columns, holders):
                holder[where] = _outputs.take(column, results)
            valid[where] = True
            scored_by[where] = plan.model_id
            sessions[where] = sessions_created(plan.key)
        all_valid = bool(valid.all())
        arrays = [_outputs.to_arrow(c, h, None if all_valid else valid)
                  for c, h in zip(self.columns, holders)]
        import pyarrow as pa
        if self.route is not None:
            arrays.append(pa.array(scored_by, type=pa.string()))
        if self.debug:
            arrays += [pa.array(np.full(rows, os.getpid(), dtype=np.int64)), pa.array(sessions)]
        return arrays, (None if all_valid else valid)
