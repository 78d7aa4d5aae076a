"""Many models: one AutoML model per value of a group column, trained with ``applyInPandas``.

table -> group counts (Spark) -> small groups decided (global fallback or skip) -> every group in
its own Spark task: featurizer + FLAML trials within a per-group budget, ONNX + parity gate ->
the results (one row per group, kept on the executors) streamed to the driver a batch of
:data:`RESULT_BATCH_ROWS` at a time (Spark conf ``spark.synhelpers.manyModels.resultBatchRows``
sets another bound) -> MLflow, as each arrives: one parent run, a child run per
group, a child run per trial under it -> each group model registered as ``<model_name>-<group>``,
the keyed model (routing rows to their group's model) as ``<model_name>``. The driver holds at
most one batch of results (trials JSON, ONNX bytes) plus the ONNX bytes of the trained models,
which the keyed model is made of.

Score with :func:`synhelpers.scoring.score_table` (Spark), the pyfunc (``mlflow.pyfunc.load_model``), or
in a dedicated SQL pool with :func:`synhelpers.scoring.routed_predict_sql`.
"""
from __future__ import annotations

import math
import time

from .results import ManyModelsResult
from .settings import ManyModelsSettings, make_settings, run_names

RESULT_BATCH_ROWS = 8      # group results per Spark job fetching them to the driver
RESULT_BATCH_CONF = "spark.synhelpers.manyModels.resultBatchRows"    # overrides it


def train_many_models(spark, table_name: str, target_column: str, group_column: str,
                      dataframe=None, **form) -> ManyModelsResult:
    """Train and register one model per ``group_column`` value of ``table_name``.

    ``form`` is :func:`.settings.make_settings`'s: ``task``, ``primary_metric``,
    ``budget_seconds_per_group`` (each group's search budget; featurizing and conversion come on
    top, about a second; groups train in parallel, one per Spark task), ``min_rows_per_group``
    (a smaller group, or one whose training fails, gets no model of its own: with
    ``small_groups="global"`` a global model trained on a sample of the whole table scores its
    rows, with ``"skip"`` they are not scored; ``result.messages`` says which),
    ``max_rows_per_group``, ``max_groups``, ``exclude_columns`` (kept out of the features, e.g.
    an ID column), ``experiment_name``, ``model_name``, ``seed``, ``test_size`` and
    ``max_trial_runs_per_group`` (child runs for a group's best trials; all go to its
    ``trials.json``).

    Example (a notebook cell)::

        result = train_many_models(spark, "NYC_Taxi", "fareAmount", "pickupTimeBin",
                                   budget_seconds_per_group=60, min_rows_per_group=500)

    Raises:
        ConfigError: a bad parameter; the table, target, group or excluded column is absent.
        AutoMLError: no group could be trained (each group's reason listed).
        ModelRegistryError: registering failed.
    """
    from ..automl.data import training_frame
    from .groups import plan_groups
    times = {"started": time.time()}
    settings = make_settings(table_name, **form)
    df = training_frame(spark, table_name, dataframe)
    plan = plan_groups(df, table_name, target_column, group_column,
                       min_rows_per_group=settings.min_rows_per_group,
                       small_groups=settings.small_groups, max_groups=settings.max_groups,
                       exclude_columns=settings.exclude_columns)
    times["planned"] = time.time()
    from ..runtime import workspace_name
    experiment, model_name = run_names(settings, workspace_name(spark), plan.group_column)
    results = _train_groups(spark, df, plan, settings, times)
    try:
        finished = results.count()      # the training job: every group, one number back
        times["training"] = time.time() - times["job_started"]
        batch = int(spark.conf.get(RESULT_BATCH_CONF, str(RESULT_BATCH_ROWS)))
        return _register(plan, stream_results(results, finished, batch), settings, experiment,
                         model_name, times)
    finally:
        spark.sparkContext.setJobDescription(None)
        results.unpersist()


def _train_groups(spark, df, plan, settings: ManyModelsSettings, times: dict):
    """The (lazy, persisted) training results: one row per group, trained in its own task."""
    from pyspark import StorageLevel

    from .group_training import RESULT_SCHEMA, GroupSpec, make_trainer, start_warmup
    from .groups import SLOT_COLUMN, training_frame
    # workers import FLAML (seconds) while the driver prepares; the job then reuses them
    warmup = start_warmup(spark, min(len(plan.jobs), spark.sparkContext.defaultParallelism))
    spec = GroupSpec(task=settings.task, target=plan.target, features=tuple(plan.features),
                     spark_types=plan.spark_types, metric=settings.primary_metric,
                     budget_s=settings.budget_seconds_per_group,
                     float_columns=tuple(plan.float_columns), seed=settings.seed,
                     test_size=settings.test_size, max_rows=settings.max_rows_per_group)
    frame = training_frame(spark, df, plan, spec.max_rows, settings.seed)
    warmup.join(timeout=300)
    times["job_started"] = time.time()
    spark.sparkContext.setJobDescription(f"synhelpers: many models by {plan.group_column}")
    return (frame.groupBy(SLOT_COLUMN).applyInPandas(make_trainer(spec), RESULT_SCHEMA)
            .persist(StorageLevel.MEMORY_AND_DISK))


def stream_results(results, rows: int, batch_rows: int = RESULT_BATCH_ROWS):
    """The rows of the (persisted) training results as dicts, fetched by Spark jobs of about
    ``batch_rows`` rows each: the driver never holds more than one batch of group results (ONNX
    bytes, trials JSON) at once, however many groups there are (up to ``max_groups`` + 1), and
    no job returns more than one batch (``spark.driver.maxResultSize`` bounds each job)."""
    batches = max(1, math.ceil(rows / max(1, batch_rows)))
    for row in results.coalesce(batches).toLocalIterator():
        yield row.asDict()


def _register(plan, rows, settings: ManyModelsSettings, experiment: str, model_name: str,
              times: dict) -> ManyModelsResult:
    """Log and register every group as its result arrives (:func:`.runs.record_runs`)."""
    from .runs import record_runs
    mark = time.time()
    params = {**settings.to_params(), "target_column": plan.target,
              "group_column": plan.group_column, "groups": str(len(plan.counts))}
    run_id, groups, glob, routing, failures = record_runs(
        plan, rows, experiment_name=experiment, model_name=model_name, task=settings.task,
        metric=settings.primary_metric, settings=params, started=times["job_started"],
        max_trial_runs=settings.max_trial_runs_per_group)
    timings = {"plan": times["planned"] - times["started"],
               "prepare": times["job_started"] - times["planned"],
               "training": times["training"], "mlflow": time.time() - mark}
    return ManyModelsResult(
        model_name=model_name, model_version=routing.version, run_id=run_id,
        experiment_name=experiment, task=settings.task, target=plan.target,
        group_column=plan.group_column, primary_metric=settings.primary_metric, groups=groups,
        global_model=glob, messages=plan.messages() + failures,
        budget_seconds_per_group=settings.budget_seconds_per_group,
        min_rows_per_group=settings.min_rows_per_group,
        small_groups=settings.small_groups, elapsed_seconds=time.time() - times["started"],
        training_seconds=times["training"], routing=routing,
        timings={k: round(v, 2) for k, v in timings.items()})
