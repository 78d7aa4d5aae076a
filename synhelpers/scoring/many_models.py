"""Many models: one AutoML model per value of a group column, trained with ``applyInPandas``.

table -> group counts (Spark) -> small groups decided (global fallback or skip) -> every group in
its own Spark task: featurizer + FLAML trials within a per-group budget, ONNX + parity gate ->
the results (one row per group) back on the driver -> MLflow: one parent run, a child run per
group, a child run per trial under it -> each group model registered as ``<model_name>-<group>``,
the keyed model (routing rows to their group's model) as ``<model_name>``.

Score with :func:`..scoring.score_table` (Spark), the pyfunc (``mlflow.pyfunc.load_model``), or
in a dedicated SQL pool with :func:`..scoring.routed_predict_sql`.
"""
from __future__ import annotations

import re
import time

from ..exceptions import ConfigError
from .results import ManyModelsResult

_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,200}$")
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
    from ..automl.metrics import DEFAULT_METRIC, get_metric
    from .group_training import RESULT_SCHEMA, GroupSpec, make_trainer, start_warmup
    from .groups import SLOT_COLUMN, plan_groups, training_frame
    from .many_runs import record_runs
    started = time.time()
    task = str(task or "").strip().lower()
    if task not in TASKS:
        raise ConfigError(f"task={task!r} is not valid for many models: use one of "
                          f"{', '.join(TASKS)}.")
    metric = get_metric(primary_metric or DEFAULT_METRIC[task], task).name
    budget = _number(budget_seconds_per_group, "budget_seconds_per_group", 1.0)
    min_rows = _number(min_rows_per_group, "min_rows_per_group", 20, int)
    max_rows = _number(max_rows_per_group, "max_rows_per_group", min_rows, int)
    max_groups = _number(max_groups, "max_groups", 1, int)
    test_size = _number(test_size, "test_size", 0.0)
    max_trial_runs = _number(max_trial_runs_per_group, "max_trial_runs_per_group", 0, int)
    if isinstance(exclude_columns, str):
        exclude_columns = [c.strip() for c in exclude_columns.split(",") if c.strip()]
    if dataframe is None and not spark.catalog.tableExists(table_name):
        raise ConfigError(f"table_name={table_name!r}: no such Spark table. Create it first "
                          "(notebook 01_create_nyc_taxi_table) or check the database name.")
    df = dataframe if dataframe is not None else spark.table(table_name)
    plan = plan_groups(df, table_name, target_column, group_column, min_rows_per_group=min_rows,
                       small_groups=small_groups, max_groups=max_groups,
                       exclude_columns=exclude_columns)
    planned = time.time()
    experiment, model_name = _names(spark, table_name, experiment_name, model_name,
                                    plan.group_column)
    # workers import FLAML (seconds) while the driver prepares; the job then reuses them
    warmup = start_warmup(spark, min(len(plan.jobs), spark.sparkContext.defaultParallelism))
    spec = GroupSpec(task=task, target=plan.target, features=tuple(plan.features),
                     spark_types=plan.spark_types, metric=metric, budget_s=budget,
                     float_columns=tuple(plan.float_columns), seed=int(seed),
                     test_size=test_size, max_rows=max_rows)
    frame = training_frame(spark, df, plan, max_rows, int(seed))
    warmup.join(timeout=300)
    job_started = time.time()
    spark.sparkContext.setJobDescription(f"synhelpers: many models by {plan.group_column}")
    try:
        rows = (frame.groupBy(SLOT_COLUMN).applyInPandas(make_trainer(spec), RESULT_SCHEMA)
                .collect())                        # one row per model: at most max_groups + 1
    finally:
        spark.sparkContext.setJobDescription(None)
    training_seconds = time.time() - job_started
    results = {row["group_key"]: row.asDict() for row in rows}
    settings = {"table_name": table_name, "target_column": plan.target, "task": task,
                "primary_metric": metric, "group_column": plan.group_column,
                "budget_seconds_per_group": budget, "min_rows_per_group": min_rows,
                "small_groups": small_groups, "max_rows_per_group": max_rows,
                "exclude_columns": ",".join(exclude_columns), "groups": len(plan.counts),
                "seed": seed, "test_size": test_size, "max_trial_runs_per_group": max_trial_runs}
    mark = time.time()
    run_id, groups, glob, routing, failures = record_runs(
        plan, results, experiment_name=experiment, model_name=model_name, task=task,
        metric=metric, settings=settings, started=job_started, max_trial_runs=max_trial_runs)
    timings = {"plan": planned - started, "prepare": job_started - planned,
               "training": training_seconds, "mlflow": time.time() - mark}
    return ManyModelsResult(
        model_name=model_name, model_version=routing.version, run_id=run_id,
        experiment_name=experiment, task=task, target=plan.target,
        group_column=plan.group_column, primary_metric=metric, groups=groups,
        global_model=glob, messages=plan.messages() + failures,
        budget_seconds_per_group=budget, min_rows_per_group=min_rows,
        small_groups=small_groups, elapsed_seconds=time.time() - started,
        training_seconds=training_seconds, routing=routing,
        timings={k: round(v, 2) for k, v in timings.items()})
