"""What a training run leaves in MLflow: the form, the trials as child runs, the reports, the
parity report, the model (ONNX flavor + the native one), and the registered version."""
from __future__ import annotations

import os
import tempfile

from .steps import Chosen, Holdout, Prepared, Reports, Searched


def log_form(prep: Prepared) -> None:
    """The wizard's form and the data's shape, on the parent run (before the search)."""
    import mlflow

    from ..runtime.secrets import mask
    mlflow.log_params(mask(prep.config.to_params()))
    mlflow.set_tags(mask({"synhelpers.table": prep.config.table_name,
                          "synhelpers.target": prep.data.target,
                          "synhelpers.training_rows": str(len(prep.train)),
                          "synhelpers.sampled": str(prep.data.sampled)}))


def log_checks(chosen: Chosen, holdout: Holdout, parity) -> None:
    """Ensemble composition, held-out metrics and the parity report (kept on a failed run)."""
    import mlflow
    if chosen.ensemble is not None:
        mlflow.log_dict(chosen.ensemble.to_dict(), "ensemble.json")
    mlflow.log_metrics({f"test_{k}": v for k, v in holdout.metrics.items()})
    if parity is not None:
        mlflow.log_dict(parity.to_dict(), "parity.json")
        mlflow.log_metrics({"parity_max_abs_diff": parity.max_abs_diff,
                            "parity_rows_over_tolerance": parity.rows_over_tolerance})


class TrialRuns:
    """One child run per trial, written by a background thread while the search runs: it
    follows FLAML's trial log (``log_file``) and logs each trial as it appears, so the database
    time (~10 ms per commit, several commits per trial) overlaps the search instead of following
    it. :meth:`finish` logs the trials not seen yet, joins the thread and re-raises what it
    raised; nothing else writes to MLflow in between."""

    def __init__(self, run, prep: Prepared, started: float, log_file: str, interval: float = 0.5):
        import threading
        self.run_id, self.prep, self.started, self.log_file = run.info.run_id, prep, started, log_file
        self.interval, self.logged, self.error = interval, set(), None
        self._offset, self._stop = 0, threading.Event()
        self.thread = threading.Thread(target=self._follow, name="automl-trial-runs", daemon=True)
        self.thread.start()

    def _log(self, trials: list[dict]) -> None:
        from ..registry.runs import log_trial_runs
        new = [t for t in trials if t.get("record_id") not in self.logged]
        log_trial_runs(self.prep.experiment_id, self.run_id, new, self.prep.metric.name,
                       self.started)
        self.logged.update(t.get("record_id") for t in new)

    def _complete_lines(self) -> list[dict]:
        from .engine import trial_record
        if not os.path.exists(self.log_file):
            return []
        with open(self.log_file) as handle:
            handle.seek(self._offset)
            text = handle.read()
        end = text.rfind("\n") + 1               # a line FLAML is still writing waits
        self._offset += len(text[:end].encode())
        return [r for r in map(trial_record, text[:end].splitlines()) if r is not None]

    def _follow(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                self._log(self._complete_lines())
        except BaseException as exc:  # noqa: BLE001 - handed to the driver by finish()
            self.error = exc

    def finish(self, searched: Searched | None) -> None:
        """Stop following and log the search's remaining trials; when the search failed
        (``searched`` is None) only stop, so that the search's own error is the one raised."""
        self._stop.set()
        self.thread.join()
        if searched is None:
            return
        if self.error is not None:
            raise self.error
        self._log(searched.search.trials)


def log_reports(run, prep: Prepared, searched: Searched, reports: Reports) -> None:
    """The report images and tables, the featurization plan (the trials' child runs:
    :class:`TrialRuns`)."""
    import mlflow
    with tempfile.TemporaryDirectory() as folder:
        for name, png in reports.images.items():
            with open(os.path.join(folder, f"{name}.png"), "wb") as handle:
                handle.write(png)
        reports.leaderboard.to_csv(os.path.join(folder, "leaderboard.csv"), index=False)
        reports.importance.to_csv(os.path.join(folder, "feature_importance.csv"), index=False)
        mlflow.log_artifacts(folder, "reports")
    mlflow.log_dict(prep.plan.to_dict(), "featurization.json")


def register_model(prep: Prepared, searched: Searched, chosen: Chosen, onnx_model) -> int:
    """Log the model (ONNX flavor with the native pipeline beside it, or the native one alone
    when ONNX is off) and register it under the form's ``model_name``; the new version."""
    from ..registry import log_onnx_model, log_sklearn_model, register
    config, data = prep.config, prep.data
    if onnx_model is not None:      # raw rows as the example, the table's types for the signature
        uri = log_onnx_model(onnx_model, sklearn_model=chosen.model.pipeline,
                             input_example=prep.train, column_types=data.spark_types,
                             metadata={"task": config.task, "target": data.target,
                                       "classes": [str(c) for c in (data.classes or [])]})
    else:
        uri = log_sklearn_model(chosen.model.pipeline, "model",
                                input_example=chosen.model.frame(prep.train.head(3)))
    return register(uri, config.model_name,
                    description=f"{config.task} of {data.target} on {config.table_name} "
                                f"({searched.search.best_learner}, {config.primary_metric})")


def log_budget(timings: dict, elapsed: float, budget: float) -> None:
    import mlflow
    mlflow.log_dict(timings, "timings.json")
    mlflow.log_metrics({"elapsed_seconds": elapsed, "budget_seconds": budget,
                        "overrun_seconds": max(0.0, elapsed - budget)})

