"""Parent and child runs: the wizard's settings on the parent, one child run per trial."""
from __future__ import annotations

import time


def log_trial_runs(experiment_id: str, parent_run_id: str, trials: list[dict], metric_name: str,
                   started_at: float) -> list[str]:
    """Create one finished child run per FLAML trial record; return their ids.

    Each child holds the estimator, its config (params), the primary metric, the validation loss,
    the duration and sample size, and where the trial ran (``executor_pid``, ``spark_task``).
    """
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient
    client = MlflowClient()
    ids = []
    for trial in trials:
        end = started_at + float(trial.get("wall_clock_time") or 0.0)
        start = end - float(trial.get("trial_time") or 0.0)
        logged = trial.get("logged_metric") or {}
        learner = trial.get("learner", "?")
        tags = {"mlflow.parentRunId": parent_run_id, "estimator": learner,
                "flaml.record_id": str(trial.get("record_id")),
                "executor_pid": str(int(logged.get("pid", -1))),
                "spark_task": str(bool(logged.get("spark_task", 0))),
                "spark_task_attempt": str(int(logged.get("task_attempt", -1)))}
        run = client.create_run(experiment_id, start_time=int(start * 1000),
                                tags=tags, run_name=f"{learner}-{trial.get('record_id')}")
        params = [Param("estimator", learner)] + [
            Param(k, str(v)[:500]) for k, v in sorted((trial.get("config") or {}).items())]
        now = int(time.time() * 1000)
        metrics = [Metric("val_loss", float(trial.get("validation_loss", 0.0)), now, 0),
                   Metric("trial_time", float(trial.get("trial_time") or 0.0), now, 0),
                   Metric("sample_size", float(trial.get("sample_size") or 0), now, 0)]
        if metric_name in logged:
            metrics.append(Metric(metric_name, float(logged[metric_name]), now, 0))
        client.log_batch(run.info.run_id, metrics=metrics, params=params,
                         tags=[RunTag(k, v) for k, v in tags.items() if k != "mlflow.parentRunId"])
        client.set_terminated(run.info.run_id, end_time=int(end * 1000))
        ids.append(run.info.run_id)
    return ids
