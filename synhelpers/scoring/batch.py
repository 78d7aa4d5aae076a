"""Spark batch scoring: ONNX with onnxruntime inside ``mapInArrow`` (Spark 3.3+), to a table.

The driver checks the table against the model (every input has a column of a type that can feed
it; the appended columns are new), broadcasts the model bytes once, and maps Arrow batches on the
executors: each batch is cut into ``batch_size``-row slices, converted exactly as the model
expects (:mod:`.inputs`), scored by the worker's cached session (:mod:`.sessions`) and returned
with the output columns appended (:mod:`.outputs`). Nothing is collected to the driver.

A keyed model (many models) scores the same way, each row by its group's model (rows of a group
without a model and no fallback are left out; the column ``scored_by`` says which model scored
each row).
"""
from __future__ import annotations

import re
import time
from contextlib import contextmanager

from ..exceptions import ConfigError, ScoringError
from ..params import as_int
from . import inputs as _inputs
from . import outputs as _outputs
from .scorer import ModelPlan, Route, Scorer

DEFAULT_BATCH_SIZE = 10_000
ARROW_BATCH_CONF = "spark.sql.execution.arrow.maxRecordsPerBatch"


def build_scorer(model, column_types: dict, where: str, probabilities: bool = True,
                 intra_op_threads: int = 1, debug: bool = False, lenient: bool = False,
                 primary_only: bool = False) -> Scorer:
    """A :class:`Scorer` for ``model`` (ScoringModel or Routing) over columns ``column_types``
    (name -> Spark type; empty to skip the checks, e.g. for the SQL function).

    Raises:
        ScoringError: a missing input column, a column of the wrong type, a clash with an
            appended column, or group models with different outputs.
    """
    from .keyed import Routing
    keyed = isinstance(model, Routing)
    models = model.models if keyed else [model]
    if keyed and column_types and _inputs.find_column(list(column_types),
                                                      model.group_column) is None:
        raise ScoringError(f"{where} has no group column {model.group_column!r}, which keyed "
                           f"model {model.model_id} routes rows by. Its columns are: "
                           f"{', '.join(column_types)}.")
    plans = {}
    for item in models:
        if column_types:
            matched = _inputs.match_inputs(item.inputs, column_types, where, item.model_id)
        else:
            matched = [(info, info.name) for info in item.inputs]
        plans[item.key] = ModelPlan(item.key, item.model_id, tuple(matched))
    first = models[0]
    columns = _outputs.output_columns(first.outputs, probabilities=probabilities and not keyed,
                                      primary_only=primary_only or keyed, classes=first.classes)
    for item in models[1:]:
        other = _outputs.output_columns(item.outputs, primary_only=True)
        if [(c.name, c.spark_type) for c in other] != [(c.name, c.spark_type) for c in columns]:
            raise ScoringError(f"Models {first.model_id} and {item.model_id} of keyed model "
                               f"{model.model_id} return different outputs.")
    route = None
    if keyed:
        route = Route(model.group_column, {g.key: g.model.key for g in model.groups},
                      model.fallback.model.key if model.fallback else None)
    scorer = Scorer(plans, columns, route, intra_op_threads, lenient, debug)
    if column_types:
        _outputs.check_no_clash([], column_types, where, [n for n, _ in scorer.added_columns])
    return scorer


def _spark_type(name: str):
    from pyspark.sql import types as T
    return {"float": T.FloatType(), "double": T.DoubleType(), "bigint": T.LongType(),
            "int": T.IntegerType(), "string": T.StringType(), "boolean": T.BooleanType()}[name]


def _mapper(scorer: Scorer, blobs, batch_size: int):
    def score_batches(batches):
        import pyarrow as pa
        names = [n for n, _ in scorer.added_columns]
        fetch = lambda key: blobs.value[key]   # noqa: E731 - read only on a session miss
        for batch in batches:
            for start in range(0, batch.num_rows, batch_size):
                part = batch.slice(start, batch_size)
                arrays, routed = scorer.score(part, fetch)
                out = pa.RecordBatch.from_arrays(list(part.columns) + arrays,
                                                 names=list(part.schema.names) + names)
                yield out if routed is None else out.filter(pa.array(routed))
    return score_batches


def score_dataframe(df, model, batch_size: int = DEFAULT_BATCH_SIZE, intra_op_threads: int = 1,
                    probabilities: bool = True, debug: bool = False, where: str = "the DataFrame"):
    """``df`` with the model's output columns appended (lazy; runs when an action runs).

    ``model`` is a :class:`.model.ScoringModel` or :class:`.keyed.Routing` (see
    :func:`.model.load_scoring_model`). ``debug`` appends ``_scoring_pid`` and
    ``_scoring_sessions`` (sessions that worker process created for the row's model). Batches
    reaching the workers hold at most ``spark.sql.execution.arrow.maxRecordsPerBatch`` rows
    (10,000 by default; :func:`score_table` raises it to ``batch_size``).

    Raises:
        ScoringError: see :func:`build_scorer`.
        ConfigError: ``batch_size`` or ``intra_op_threads`` out of range.
    """
    from pyspark.sql import types as T
    batch_size, threads = as_int(batch_size, "batch_size", 1), as_int(intra_op_threads,
                                                                         "intra_op_threads", 0)
    scorer = build_scorer(model, dict(df.dtypes), where, probabilities, threads, debug)
    from .keyed import Routing
    models = model.models if isinstance(model, Routing) else [model]
    blobs = df.sparkSession.sparkContext.broadcast({m.key: m.model_bytes for m in models})
    schema = T.StructType(list(df.schema.fields) + [
        T.StructField(name, _spark_type(kind), True) for name, kind in scorer.added_columns])
    return df.mapInArrow(_mapper(scorer, blobs, batch_size), schema)


@contextmanager
def _conf(spark, key: str, value: str):
    before = spark.conf.get(key, None)
    spark.conf.set(key, value)
    try:
        yield
    finally:
        if before is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, before)


def _scoring_cause(exc: BaseException) -> str | None:
    """The ScoringError message raised on an executor, from the Spark error text."""
    match = re.search(r"ScoringError: (.+)", str(exc))
    return match.group(1).strip() if match else None


def _check_output(spark, table_name: str, output_table: str, mode: str, scored) -> None:
    from ..data.tables import parse_table_name
    if mode not in ("overwrite", "append"):
        raise ConfigError(f"mode={mode!r} is not valid: use 'overwrite' or 'append'.")
    target = parse_table_name(output_table, "output_table")
    same = [p.lower() for p in target] == [p.lower() for p in parse_table_name(table_name)]
    if mode == "append" and same:
        raise ConfigError(f"output_table={output_table!r} is the table being scored: appending "
                          "scores to it would mix scored and unscored rows. Name another table.")
    name = ".".join(target)
    if mode == "append" and spark.catalog.tableExists(name):
        have = [(f.name.lower(), f.dataType.simpleString()) for f in spark.table(name).schema]
        want = [(f.name.lower(), f.dataType.simpleString()) for f in scored.schema]
        if have != want:
            raise ScoringError(f"output_table={output_table!r} exists with columns {have}, but "
                               f"the scores have {want}: use mode='overwrite' or another table.")


def score_table(spark, table_name: str, model_name: str, model_version=None,
                output_table: str = "", mode: str = "overwrite",
                batch_size: int = DEFAULT_BATCH_SIZE, intra_op_threads: int = 1,
                probabilities: bool = True) -> dict:
    """Score Spark table ``table_name`` with registered model ``model_name`` (``model_version``;
    None/'latest' = the newest) and save the result as ``output_table`` atomically.

    ``mode``: ``overwrite`` (the table is replaced only once the new one is complete) or
    ``append``. Returns a JSON-ready summary.

    Example (a notebook cell)::

        summary = score_table(spark, "NYC_Taxi", "nyc-fare", output_table="NYC_Taxi_scored")

    Raises:
        ConfigError: bad ``table_name``/``output_table``/``mode``; the table does not exist.
        ModelRegistryError: unknown model or version.
        ScoringError: the table does not fit the model (column named), or scoring failed.
    """
    from ..data.tables import parse_table_name, save_table_atomically
    from .keyed import Routing
    from .model import load_scoring_model
    started = time.time()
    source = ".".join(parse_table_name(table_name, "table_name"))
    if not str(output_table or "").strip():
        raise ConfigError("output_table is empty: name the Spark table to write the scores to "
                          "(e.g. 'NYC_Taxi_scored').")
    if not spark.catalog.tableExists(source):
        raise ConfigError(f"table_name={table_name!r}: no such Spark table. Create it first "
                          "(notebook 01_create_nyc_taxi_table) or check the database name.")
    model = load_scoring_model(model_name, model_version)
    scored = score_dataframe(spark.table(source), model, batch_size, intra_op_threads,
                             probabilities, where=f"table {table_name!r}")
    _check_output(spark, table_name, output_table, mode, scored)
    added = [name for name, _ in scored.dtypes[len(spark.table(source).columns):]]
    try:
        with _conf(spark, ARROW_BATCH_CONF, str(int(batch_size))):
            saved = save_table_atomically(spark, scored, output_table, mode)
    except Exception as exc:  # noqa: BLE001 - re-raised unless an executor's ScoringError
        cause = _scoring_cause(exc)
        if cause:
            raise ScoringError(f"Scoring table {table_name!r} failed: {cause}") from exc
        raise
    keyed = isinstance(model, Routing)
    return {"table": source, "model_name": model.name, "model_version": model.version,
            "model_uri": f"models:/{model.name}/{model.version}",
            "kind": "keyed" if keyed else "onnx", "output_table": saved["table"], "mode": mode,
            "rows": saved["rows"], "columns_added": added, "batch_size": int(batch_size),
            "seconds": round(time.time() - started, 2),
            **({"groups": len(model.groups), "fallback": bool(model.fallback),
                "unrouted_groups": model.unrouted} if keyed else {})}
