"""What an Azure AutoML job reports while it runs, as the FLAML engine shows it (pure).

:mod:`.submit` polls the job and its trials; these functions turn what it read into the same
progress line as :class:`synhelpers.automl.progress.SearchMonitor` (trials done, best so far,
time left) and pick the best trial.
"""
from __future__ import annotations

from ..metrics import METRICS

TERMINAL = ("Completed", "Failed", "Canceled", "NotResponding", "Paused")
# the properties Azure AutoML sets on each trial (child job) and on the parent job
SCORE_PROPERTY = "score"
ALGORITHM_PROPERTY = "run_algorithm"
BEST_CHILD_KEY = "automl_best_child_run_id"


def is_terminal(status: str) -> bool:
    return str(status) in TERMINAL


def trial_score(properties: dict) -> float | None:
    try:
        value = float((properties or {}).get(SCORE_PROPERTY))
    except (TypeError, ValueError):
        return None
    return value if value == value else None      # NaN: not scored yet


def best_trial(trials: list[dict], metric_name: str) -> dict | None:
    """The best of ``[{"name", "properties"}, ...]`` by the primary metric's direction (trials
    without a score yet are skipped); None when none is scored."""
    metric = METRICS[metric_name]
    best, best_loss = None, None
    for trial in trials:
        score = trial_score(trial.get("properties"))
        if score is None:
            continue
        loss = metric.loss(score)
        if best_loss is None or loss < best_loss:
            best, best_loss = trial, loss
    return best


def progress_line(job_name: str, status: str, trials: list[dict], metric_name: str,
                  elapsed: float, budget_s: float) -> str:
    """``AutoML (Azure job <name>, Running): 12 trials done | best r2_score 0.9132 (LightGBM) |
    620 s elapsed, 10180 s left``."""
    best = best_trial(trials, metric_name)
    shown = "-"
    if best is not None:
        algorithm = (best.get("properties") or {}).get(ALGORITHM_PROPERTY) or "?"
        shown = f"{trial_score(best['properties']):.4f} ({algorithm})"
    done = sum(1 for t in trials if trial_score(t.get("properties")) is not None)
    return (f"AutoML (Azure job {job_name}, {status}): {done} trials done | best {metric_name} "
            f"{shown} | {elapsed:.0f} s elapsed, {max(0.0, budget_s - elapsed):.0f} s left")


def best_child_name(tags: dict, properties: dict, trials: list[dict], metric_name: str) -> str:
    """The best trial's job name: the parent's ``automl_best_child_run_id`` tag or property,
    else the best scored trial; '' when there is none."""
    for source in (tags or {}, properties or {}):
        if source.get(BEST_CHILD_KEY):
            return str(source[BEST_CHILD_KEY])
    best = best_trial(trials, metric_name)
    return str(best["name"]) if best else ""
