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

Score with :func:`..scoring.score_table` (Spark), the pyfunc (``mlflow.pyfunc.load_model``), or
in a dedicated SQL pool with :func:`..scoring.routed_predict_sql`.
"""
from __future__ import annotations

import math
import re
import time

from ..exceptions import ConfigError
from .results import ManyModelsResult

_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,200}$")
RESULT_BATCH_ROWS = 8      # group results per Spark job fetching them to the driver
RESULT_BATCH_CONF = "spark.synhelpers.manyModels.resultBatchRows"    # overrides it
TASKS = ("regression", "classification")


def _number(value, parameter: str, minimum: float, kind=float):
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{parameter}={value!r} is not a number.") from None
    if isinstance(value, bool) or number < minimum:
        raise ConfigError(f"{parameter}={value!r} must be at least {minimum:g}.")
    return number


def _names(spark, table_name: str, experiment_name: str, model_name: str, group: str):
    from ..automl.config import default_experiment_name
    try:
        workspace = spark.conf.get("spark.synapse.workspace.name", None) or "local"
    except Exception:  # noqa: BLE001
        workspace = "local"
    experiment = experiment_name or default_experiment_name(workspace, table_name) + "-groups"
    model = model_name or f"{experiment}-by-{group}"
    for parameter, value in (("experiment_name", experiment), ("model_name", model)):
        if not _NAME.match(value):
            raise ConfigError(f"{parameter}={value!r} is not valid: use letters, digits, '.', "
                              "'_' and '-' (at most 200 characters).")
    return experiment, model


def train_many_models(spark, table_name: str, target_column: str, group_column: str,
                      task: str = "regression", primary_metric: str = "",
                      budget_seconds_per_group: float = 60.0, min_rows_per_group: int = 100,
                      small_groups: str = "global", max_rows_per_group: int = 100_000,
                      max_groups: int = 500, exclude_columns=(), experiment_name: str = "",
                      model_name: str = "", seed: int = 1, test_size: float = 0.1,
                      max_trial_runs_per_group: int = 100, dataframe=None) -> ManyModelsResult:
    """Train and register one model per ``group_column`` value of ``table_name``.

    ``budget_seconds_per_group`` is each group's search budget (featurizing and conversion come
    on top, about a second); groups train in parallel, one per Spark task. A group with fewer
    than ``min_rows_per_group`` labelled rows (or whose training fails) gets no model of its
    own: with ``small_groups="global"`` a global model (trained on a sample of the whole table)
    scores its rows, with ``"skip"`` they are not scored; ``result.messages`` says which.
    ``exclude_columns`` are kept out of the features (e.g. an ID column). Each group's run gets
    child runs for its best ``max_trial_runs_per_group`` trials (all trials go to its
    ``trials.json``).

    Example (a notebook cell)::

        result = train_many_models(spark, "NYC_Taxi", "fareAmount", "pickupTimeBin",
                                   budget_seconds_per_group=60, min_rows_per_group=500)

    Raises:
        ConfigError: a bad parameter; the table, target, group or excluded column is absent.
        AutoMLError: no group could be trained (each group's reason listed).
        ModelRegistryError: registering failed.
    """
    from pyspark import StorageLevel

    from .group_training import RESULT_SCHEMA, GroupSpec, make_trainer, start_warmup
    from .groups import SLOT_COLUMN, plan_groups, training_frame
    times = {"started": time.time()}
    if isinstance(exclude_columns, str):
        exclude_columns = [c.strip() for c in exclude_columns.split(",") if c.strip()]
    exclude_columns = list(exclude_columns)
    settings = _settings(table_name, task, primary_metric, group_column, budget_seconds_per_group,
                         min_rows_per_group, small_groups, max_rows_per_group, exclude_columns,
                         seed, test_size, max_trial_runs_per_group)
    max_groups = _number(max_groups, "max_groups", 1, int)
    if dataframe is None and not spark.catalog.tableExists(table_name):
        raise ConfigError(f"table_name={table_name!r}: no such Spark table. Create it first "
                          "(notebook 01_create_nyc_taxi_table) or check the database name.")
    df = dataframe if dataframe is not None else spark.table(table_name)
    plan = plan_groups(df, table_name, target_column, group_column,
                       min_rows_per_group=settings["min_rows_per_group"],
                       small_groups=small_groups, max_groups=max_groups,
                       exclude_columns=exclude_columns)
    settings.update(target_column=plan.target, group_column=plan.group_column,
                    groups=len(plan.counts))
    times["planned"] = time.time()
    experiment, model_name = _names(spark, table_name, experiment_name, model_name,
                                    plan.group_column)
    # workers import FLAML (seconds) while the driver prepares; the job then reuses them
    warmup = start_warmup(spark, min(len(plan.jobs), spark.sparkContext.defaultParallelism))
    spec = GroupSpec(task=settings["task"], target=plan.target, features=tuple(plan.features),
                     spark_types=plan.spark_types, metric=settings["primary_metric"],
                     budget_s=settings["budget_seconds_per_group"],
                     float_columns=tuple(plan.float_columns), seed=int(seed),
                     test_size=settings["test_size"], max_rows=settings["max_rows_per_group"])
    frame = training_frame(spark, df, plan, spec.max_rows, int(seed))
    warmup.join(timeout=300)
    times["job_started"] = time.time()
    spark.sparkContext.setJobDescription(f"synhelpers: many models by {plan.group_column}")
    results = (frame.groupBy(SLOT_COLUMN).applyInPandas(make_trainer(spec), RESULT_SCHEMA)
               .persist(StorageLevel.MEMORY_AND_DISK))
    try:
        try:
            finished = results.count()      # the training job: every group, one number back
        finally:
            spark.sparkContext.setJobDescription(None)
        times["training"] = time.time() - times["job_started"]
        batch = int(spark.conf.get(RESULT_BATCH_CONF, str(RESULT_BATCH_ROWS)))
        return _register(plan, stream_results(results, finished, batch), settings, experiment,
                         model_name, times)
    finally:
        results.unpersist()


def _settings(table_name, task, primary_metric, group_column, budget_seconds_per_group,
              min_rows_per_group, small_groups, max_rows_per_group, exclude_columns, seed,
              test_size, max_trial_runs_per_group) -> dict:
    """The validated parameters, as the parent run's MLflow params."""
    from ..automl.metrics import DEFAULT_METRIC, get_metric
    task = str(task or "").strip().lower()
    if task not in TASKS:
        raise ConfigError(f"task={task!r} is not valid for many models: use one of "
                          f"{', '.join(TASKS)}.")
    min_rows = _number(min_rows_per_group, "min_rows_per_group", 20, int)
    return {"table_name": table_name, "target_column": "", "task": task,
            "primary_metric": get_metric(primary_metric or DEFAULT_METRIC[task], task).name,
            "group_column": group_column,
            "budget_seconds_per_group": _number(budget_seconds_per_group,
                                                "budget_seconds_per_group", 1.0),
            "min_rows_per_group": min_rows, "small_groups": small_groups,
            "max_rows_per_group": _number(max_rows_per_group, "max_rows_per_group", min_rows, int),
            "exclude_columns": ",".join(exclude_columns), "groups": 0, "seed": seed,
            "test_size": _number(test_size, "test_size", 0.0),
            "max_trial_runs_per_group": _number(max_trial_runs_per_group,
                                                "max_trial_runs_per_group", 0, int)}


def stream_results(results, rows: int, batch_rows: int = RESULT_BATCH_ROWS):
    """The rows of the (persisted) training results as dicts, fetched by Spark jobs of about
    ``batch_rows`` rows each: the driver never holds more than one batch of group results (ONNX
    bytes, trials JSON) at once, however many groups there are (up to ``max_groups`` + 1), and
    no job returns more than one batch (``spark.driver.maxResultSize`` bounds each job)."""
    batches = max(1, math.ceil(rows / max(1, batch_rows)))
    for row in results.coalesce(batches).toLocalIterator():
        yield row.asDict()


def _register(plan, rows, settings: dict, experiment: str, model_name: str,
              times: dict) -> ManyModelsResult:
    """Log and register every group as its result arrives (:func:`.many_runs.record_runs`)."""
    from .many_runs import record_runs
    task, metric = settings["task"], settings["primary_metric"]
    mark = time.time()
    run_id, groups, glob, routing, failures = record_runs(
        plan, rows, experiment_name=experiment, model_name=model_name, task=task,
        metric=metric, settings=settings, started=times["job_started"],
        max_trial_runs=settings["max_trial_runs_per_group"])
    timings = {"plan": times["planned"] - times["started"],
               "prepare": times["job_started"] - times["planned"],
               "training": times["training"], "mlflow": time.time() - mark}
    return ManyModelsResult(
        model_name=model_name, model_version=routing.version, run_id=run_id,
        experiment_name=experiment, task=task, target=plan.target,
        group_column=plan.group_column, primary_metric=metric, groups=groups,
        global_model=glob, messages=plan.messages() + failures,
        budget_seconds_per_group=settings["budget_seconds_per_group"],
        min_rows_per_group=settings["min_rows_per_group"],
        small_groups=settings["small_groups"], elapsed_seconds=time.time() - times["started"],
        training_seconds=times["training"], routing=routing,
        timings={k: round(v, 2) for k, v in timings.items()})
