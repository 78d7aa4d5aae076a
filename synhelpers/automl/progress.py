"""What the search is doing, while it runs: trials done, best so far, time left.

Every evaluation of the primary metric (on the driver, or inside a Spark task on an executor)
adds a record to a Spark accumulator; the driver's monitor thread reads it every second and
updates one line in the notebook (or prints it on a terminal). The records also say where each
trial ran (process id, Spark task attempt id), which is how a run proves its trials ran on
executors.
"""
from __future__ import annotations

import json
import os
import threading
import time

import numpy as np

from .metrics import CLASSIFICATION, METRICS, evaluate


class ListParam:
    """A Spark AccumulatorParam (duck-typed, so this module does not import pyspark)."""

    def zero(self, value):
        return []

    def addInPlace(self, a, b):  # noqa: N802 - Spark's name
        a.extend(b)
        return a


def _where() -> dict:
    try:
        from pyspark import TaskContext
        context = TaskContext.get()
    except ImportError:
        context = None
    return {"pid": os.getpid(), "spark_task": int(context is not None),
            "task_attempt": int(context.taskAttemptId()) if context is not None else -1,
            "stage": int(context.stageId()) if context is not None else -1}


class FlamlMetric:
    """A picklable FLAML custom metric: Azure's primary metric as a loss, recorded per call."""

    def __init__(self, metric_name: str, task: str, n_classes: int = 0, accumulator=None):
        self.metric_name, self.task, self.n_classes = metric_name, task, n_classes
        self.accumulator = accumulator

    def __call__(self, X_val, y_val, estimator, labels, X_train, y_train, weight_val=None,
                 weight_train=None, config=None, groups_val=None, groups_train=None):
        metric = METRICS[self.metric_name]
        if y_val is None and hasattr(X_val, "test_data"):     # FLAML's TimeSeriesDataset
            y_val = X_val.test_data[X_val.target_names].to_numpy().ravel()
            y_train = X_val.train_data[X_val.target_names].to_numpy().ravel()
        proba = None
        if self.task == CLASSIFICATION:
            if metric.needs_proba:
                proba = estimator.predict_proba(X_val)
                pred = np.asarray(labels)[np.argmax(proba, axis=1)] if labels is not None \
                    else np.argmax(proba, axis=1)
            else:
                pred = estimator.predict(X_val)
            value = evaluate(metric, y_val, pred, proba, labels=list(range(self.n_classes)))
        else:
            value = evaluate(metric, np.asarray(y_val, dtype=float),
                             np.asarray(estimator.predict(X_val), dtype=float).ravel())
        where = _where()
        if self.accumulator is not None:
            self.accumulator.add([{
                "learner": type(estimator).__name__,
                "config": json.dumps(config or {}, sort_keys=True, default=str),
                "value": float(value), "sample_size": int(len(y_train)), "at": time.time(), **where}])
        return metric.loss(value), {self.metric_name: float(value), **where}


class SearchMonitor:
    """Reads the accumulator every ``interval`` seconds and shows progress."""

    def __init__(self, accumulator, metric_name: str, budget_s: float, interval: float = 1.0,
                 show: bool = True):
        self.accumulator, self.metric = accumulator, METRICS[metric_name]
        self.budget_s, self.interval, self.show = budget_s, interval, show
        self.started = time.time()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="automl-progress", daemon=True)
        self._handle = None
        self.lines: list[str] = []

    def records(self) -> list[dict]:
        try:
            return list(self.accumulator.value)
        except Exception:  # noqa: BLE001 - a read racing an update: try again next tick
            return []

    def trials(self) -> list[dict]:
        """One entry per trial: cross-validation folds of a config averaged, as FLAML does."""
        grouped: dict = {}
        for r in self.records():
            grouped.setdefault((r["learner"], r["config"]), []).append(r)
        return [{"learner": key[0], "config": key[1], "folds": len(rows),
                 "value": float(np.mean([r["value"] for r in rows]))}
                for key, rows in grouped.items()]

    def summary(self) -> dict:
        trials = self.trials()
        best = None
        for t in trials:
            if best is None or self.metric.loss(t["value"]) < self.metric.loss(best["value"]):
                best = t
        elapsed = time.time() - self.started
        return {"trials": len(trials), "best": best["value"] if best else None,
                "best_learner": best["learner"].replace("Estimator", "") if best else None,
                "elapsed": elapsed, "left": max(0.0, self.budget_s - elapsed)}

    def render(self) -> str:
        s = self.summary()
        best = "-" if s["best"] is None else f"{s['best']:.4f} ({s['best_learner']})"
        return (f"AutoML: {s['trials']} trials done | best {self.metric.name} {best} | "
                f"{s['elapsed']:.0f} s elapsed, {s['left']:.0f} s left")

    def _emit(self, line: str) -> None:
        self.lines.append(line)
        if not self.show:
            return
        try:
            from IPython import get_ipython
            shell = get_ipython()
        except ImportError:
            shell = None
        if shell is not None and getattr(shell, "kernel", None) is not None:
            from IPython.display import display
            if self._handle is None:
                self._handle = display({"text/plain": line}, raw=True, display_id=True)
            else:
                self._handle.update({"text/plain": line}, raw=True)
        else:
            print(line, flush=True)

    def _loop(self) -> None:
        last = None
        while not self._stop.wait(self.interval):
            line = self.render()
            key = line.split("|")[:2]
            if key != last:
                self._emit(line)
                last = key

    def __enter__(self):
        self._emit(self.render())
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        self._emit(self.render())
        return False


def new_accumulator(spark):
    """An accumulator of evaluation records on ``spark``."""
    return spark.sparkContext.accumulator([], ListParam())
