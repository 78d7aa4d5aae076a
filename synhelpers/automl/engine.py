"""The search engine: FLAML, with trials sent to Spark executors.

``use_spark=True`` dispatches each trial as a Spark job (joblib-spark), ``max_concurrent_iterations``
at a time. In local mode FLAML sees one executor, so ``FLAML_MAX_CONCURRENT`` is set for the
duration of the search. With ``onnx_compatible``, only families that convert to ONNX are searched.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..exceptions import AutoMLError
from .._compat import has_module
from ..params import as_bool_or_auto
from .metrics import CLASSIFICATION

# families whose fitted models convert (skl2onnx / onnxmltools) and pass the parity gate;
# the linear one is ours on standardized features (:mod:`.linear`; FLAML's lrl1 and sgd, which
# also convert, see the raw or row-normalised columns and are left out of the default)
ONNX_ESTIMATORS = {
    "regression": ["lgbm", "xgboost", "xgb_limitdepth", "rf", "extra_tree", "ridge"],
    "classification": ["lgbm", "xgboost", "xgb_limitdepth", "rf", "extra_tree", "logistic"],
}


@dataclass
class SearchResult:
    best_learner: str
    best_config: dict
    best_loss: float
    estimator: object                 # the fitted underlying model (LGBMRegressor, ...)
    trials: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    estimator_list: list[str] = field(default_factory=list)
    use_spark: bool = False
    concurrency: int = 1
    automl: object = None             # the FLAML AutoML object, when asked for
    n_jobs: int = -1                  # threads per trial (FLAML's n_jobs)


@contextmanager
def _env(name: str, value: str | None):
    before = os.environ.get(name)
    if value is not None:
        os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def _warm(_):
    """Import the search stack in a Python worker (the first import there takes seconds; later
    trials reuse the warmed worker)."""
    import flaml.automl  # noqa: F401
    import lightgbm  # noqa: F401
    import sklearn.ensemble  # noqa: F401
    import xgboost  # noqa: F401
    yield os.getpid()


def start_warmup(spark, workers: int):
    """Warm ``workers`` Python workers in the background while the driver prepares the data."""
    import threading

    def run():
        try:
            spark.sparkContext.setJobDescription("synhelpers: warm up AutoML workers")
            spark.sparkContext.parallelize(range(workers), workers).mapPartitions(_warm).collect()
        except Exception:  # noqa: BLE001 - only an optimisation; the search imports anyway
            pass

    thread = threading.Thread(target=run, name="automl-warmup", daemon=True)
    thread.start()
    return thread


def fitted_model(learner):
    """The scikit-learn-compatible model inside a fitted FLAML learner, with the preprocessing
    that learner applies itself: FLAML's SGD scales every row to unit L2 norm first
    (``Normalizer``), so the model is ``Pipeline(Normalizer, SGD*)`` (both convert to ONNX)."""
    from flaml.automl.model import SGDEstimator
    if isinstance(learner, SGDEstimator):
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import Normalizer
        return Pipeline([("normalize", Normalizer()), ("sgd", learner.estimator)])
    return learner.estimator


def add_learners(automl, task: str) -> None:
    """Our variants of FLAML's learners (same names, same search spaces; :mod:`.learners`) and
    our linear family (:mod:`.linear`), for regression and classification (forecasting keeps
    FLAML's time-series wrappers)."""
    from .learners import BOUNDED
    from .linear import LINEAR
    if task not in ("regression", CLASSIFICATION):
        return
    for name, learner in BOUNDED.items():
        if name != "catboost" or has_module("catboost"):
            automl.add_learner(name, learner)
    automl.add_learner(*LINEAR["classification" if task == CLASSIFICATION else "regression"])


SINGLE_THREAD_ROWS = 20_000


def trial_threads(rows: int, use_spark: bool) -> int:
    """Threads per trial (FLAML's ``n_jobs``): one on executors (a task has one core) and for
    tables up to :data:`SINGLE_THREAD_ROWS` rows, all cores (-1) beyond.

    On small data the boosting libraries' OpenMP threads cost more than they bring, and on a
    busy machine far more: LightGBM, 20 rounds on digits (1,797 rows), 1.7 s with one thread and
    51 s with two on this 2-core machine at load 13 (spinning threads waiting on each other),
    which is how single trials outran the whole budget.
    """
    return 1 if use_spark or rows <= SINGLE_THREAD_ROWS else -1


FOREST_START_MAX_ROWS = 2_000


def starting_points(rows: int, estimator_list) -> dict:
    """Where the search starts each boosting family: the libraries' own well-tried defaults (100
    rounds of 31 leaves, learning rate 0.1), cut to the table's size, instead of FLAML's
    low-cost start (4 rounds of 4 leaves). On small tables one such fit takes a fraction of a
    second, and the search then moves from a model that already matches
    HistGradientBoosting's defaults rather than climbing to it (which a 30 s budget on a mixed
    table did not always finish); on large ones FLAML's low-cost start is kept (its first
    rounds buy the cost model that sizes every later trial).

    The forests likewise start near scikit-learn's defaults (100 deep trees: up to 256 leaves,
    half the rows at most) on tables up to :data:`FOREST_START_MAX_ROWS` rows, where such a fit
    takes well under a second, instead of 4 trees of 4 leaves: a forest is at its best deep and
    wide, the opposite end of FLAML's search space, and it is the ensemble's most different
    member from the boosting families."""
    if rows > SINGLE_THREAD_ROWS:
        return {}
    n, leaves = min(100, max(5, rows)), min(31, max(5, rows))
    defaults = {"lgbm": {"n_estimators": n, "num_leaves": leaves, "learning_rate": 0.1,
                         "min_child_samples": 20},
                "xgboost": {"n_estimators": n, "max_leaves": leaves, "learning_rate": 0.1}}
    if rows <= FOREST_START_MAX_ROWS:
        forest = {"n_estimators": n, "max_leaves": max(5, min(256, rows >> 1))}
        defaults.update(rf=forest, extra_tree=dict(forest))
    names = set(estimator_list or ())
    return {k: v for k, v in defaults.items() if k in names}


def search_deadline(started: float, budget_s: float) -> float:
    """When every fit of the search must have ended, FLAML's final refit included: the budget
    plus a quarter (the refit follows the budget; its usual length is one trial's)."""
    return started + budget_s * 1.25 + 1.0


def estimator_params(config: dict) -> dict:
    """A trial's hyperparameters as the estimator takes them: FLAML's parallel (Spark) search
    logs ``{"ml": {"learner": ..., **params}}``; its sequential search logs the params alone."""
    config = config.get("ml", config)
    return {k: v for k, v in config.items() if k != "learner" and not k.startswith("FLAML_")}


def trial_record(line: str) -> dict | None:
    """One line of FLAML's trial log as a trial record (``None`` for other lines)."""
    record = json.loads(line)
    if "record_id" not in record:
        return None
    record["config"] = estimator_params(record.get("config") or {})
    return record


def _read_log(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [r for r in map(trial_record, handle) if r is not None]


def run_search(X, y, *, task: str, metric, budget_s: float, estimator_list: list[str] | None,
               use_spark: bool, concurrency: int, seed: int, spark=None,
               extra: dict | None = None, keep_automl: bool = False,
               log_file: str | None = None) -> SearchResult:
    """Search with FLAML for ``budget_s`` seconds (its final refit included) and return the best.

    ``log_file``: where FLAML writes its trial log (one JSON line per trial, read while the
    search runs by :class:`.publish.TrialRuns`); a temporary file by default.

    Raises:
        AutoMLError: no trial finished within the budget.
    """
    if log_file is None:        # a trial log of our own, removed with its folder
        with tempfile.TemporaryDirectory(prefix="flaml-") as folder:
            return run_search(X, y, task=task, metric=metric, budget_s=budget_s,
                              estimator_list=estimator_list, use_spark=use_spark,
                              concurrency=concurrency, seed=seed, spark=spark, extra=extra,
                              keep_automl=keep_automl,
                              log_file=os.path.join(folder, "trials.jsonl"))
    from .linear import SearchOnce
    local_master = spark is not None and in_process_master(spark.sparkContext.master)
    # retrain_full=False: with a holdout (tables over 20k rows) FLAML keeps the best trial's own
    # model; "budget" retrained it near the end with whatever time was left, and a refit cut
    # short by that budget was the model handed over (R2 0.28 instead of 0.88 on 100k flights
    # at 120 s). Cross-validation (smaller tables) always refits, within the search's deadline.
    settings = dict(task=task, metric=metric, time_budget=budget_s, log_file_name=log_file,
                    log_type="all", verbose=0, seed=seed, retrain_full=False,
                    mlflow_logging=False,   # FLAML logs into an active run otherwise (and crashes)
                    # FLAML's static starting points (its zero-shot "data" portfolio starts
                    # LightGBM with thousands of trees: one trial fills a 30 s budget and the
                    # model takes ~45 s to convert), overridable through extra
                    estimator_list=estimator_list or "auto")
    if use_spark:
        settings.update(use_spark=True, n_concurrent_trials=concurrency, force_cancel=True)
    settings["n_jobs"] = trial_threads(len(y), use_spark)
    points = starting_points(len(y), estimator_list)
    if points:
        settings["starting_points"] = points
    settings.update(extra or {})
    automl = SearchOnce()
    add_learners(automl, task)
    from .learners import fit_deadline
    started = time.time()
    with _env("FLAML_MAX_CONCURRENT", str(concurrency) if use_spark and local_master else None), \
            fit_deadline(search_deadline(started, budget_s)):
        automl.fit(X, y, **settings)
    seconds = time.time() - started
    model = getattr(automl, "model", None)
    if model is None or getattr(model, "estimator", None) is None:
        raise AutoMLError(f"No trial finished within the search budget of {budget_s:.0f} s: "
                          "raise training_hours, or train on fewer rows.")
    return SearchResult(best_learner=automl.best_estimator, best_config=dict(automl.best_config),
                        best_loss=float(automl.best_loss), estimator=fitted_model(model),
                        trials=_read_log(log_file), seconds=seconds,
                        estimator_list=list(automl.estimator_list),
                        use_spark=bool(use_spark), concurrency=concurrency,
                        automl=automl if keep_automl else None, n_jobs=settings["n_jobs"])


MIN_LOCAL_CORES_FOR_SPARK = 4


def in_process_master(master: str) -> bool:
    """``local``/``local[n]``: executors are threads of the driver's JVM. ``local-cluster[...]``
    and cluster masters run executors in their own processes."""
    return master.startswith("local") and not master.startswith("local-cluster")


def _local_cores(master: str) -> int:
    import re
    match = re.match(r"local\[(\*|\d+)", master)
    if master == "local":
        return 1
    if match is None or match.group(1) == "*":
        return os.cpu_count() or 1
    return int(match.group(1))


def resolve_use_spark(spark, use_spark) -> bool:
    """Whether trials go to Spark executors.

    ``True``/``False`` as given; ``"auto"``: yes on a cluster (any non-local master, as in a
    Synapse pool, or Spark's ``local-cluster``), and in local mode only with at least 4 cores
    -- on a small machine each trial as a Spark job costs more (a job per trial, Python workers
    that import the stack) than running the trials in the driver, and the budget buys fewer
    trials.
    """
    choice = as_bool_or_auto(use_spark, "use_spark")
    if choice != "auto":
        return choice
    if spark is None:
        return False
    master = spark.sparkContext.master
    if not in_process_master(master):
        return True
    return _local_cores(master) >= MIN_LOCAL_CORES_FOR_SPARK


def default_estimators(task: str, onnx_compatible: bool) -> list[str] | None:
    """The families searched: the ONNX-convertible ones (CatBoost too when installed: its ONNX
    export covers our featurized, all-numeric inputs), or FLAML's own choice."""
    if onnx_compatible:
        from .._compat import has_module
        names = list(ONNX_ESTIMATORS["classification" if task == CLASSIFICATION else "regression"])
        return names + ["catboost"] if has_module("catboost") else names
    return None
