"""What a many-models run returns, and its JSON summary for ``mssparkutils.notebook.exit``."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class GroupResult:
    """One group (or the global model, ``key`` = ``__global__``)."""
    key: str
    value: object
    status: str                 # trained | failed | small
    message: str
    rows: int
    model_name: str = ""
    model_version: int = 0
    run_id: str = ""
    best_estimator: str = ""
    metrics: dict = field(default_factory=dict)
    n_trials: int = 0
    seconds: float = 0.0
    search_seconds: float = 0.0
    pid: int = -1
    partition: int = -1
    scored_by: str = ""         # name:version of the model scoring this group's rows ('' = none)

    @property
    def model_id(self) -> str:
        return f"{self.model_name}:{self.model_version}" if self.model_version else ""

    def summary(self) -> dict:
        return {"key": self.key, "status": self.status, "rows": self.rows,
                "model": self.model_id, "scored_by": self.scored_by,
                "best_estimator": self.best_estimator, "trials": self.n_trials,
                "metrics": {k: round(float(v), 6) for k, v in self.metrics.items()},
                "seconds": round(self.seconds, 1), "message": self.message}


@dataclass
class ManyModelsResult:
    model_name: str
    model_version: int
    run_id: str
    experiment_name: str
    task: str
    target: str
    group_column: str
    primary_metric: str
    groups: list[GroupResult]
    global_model: GroupResult | None
    messages: list[str]
    budget_seconds_per_group: float
    min_rows_per_group: int
    small_groups: str
    elapsed_seconds: float
    training_seconds: float
    routing: object = None      # keyed.Routing
    timings: dict = field(default_factory=dict)    # seconds: plan, prepare, training, mlflow

    @property
    def model_uri(self) -> str:
        return f"models:/{self.model_name}/{self.model_version}"

    @property
    def trained(self) -> list[GroupResult]:
        return [g for g in self.groups if g.status == "trained"]

    def summary(self) -> dict:
        """JSON-ready: what notebook 07 hands to ``mssparkutils.notebook.exit``."""
        return {"model_name": self.model_name, "model_version": self.model_version,
                "model_uri": self.model_uri, "run_id": self.run_id,
                "experiment_name": self.experiment_name, "task": self.task,
                "target": self.target, "group_column": self.group_column,
                "primary_metric": self.primary_metric,
                "groups": [g.summary() for g in self.groups],
                "global_model": self.global_model.summary() if self.global_model else None,
                "group_models": {g.key: g.model_id for g in self.trained},
                "messages": list(self.messages),
                "budget_seconds_per_group": self.budget_seconds_per_group,
                "min_rows_per_group": self.min_rows_per_group, "small_groups": self.small_groups,
                "training_seconds": round(self.training_seconds, 1), "timings": self.timings,
                "elapsed_seconds": round(self.elapsed_seconds, 1)}


def show_many_models(result: ManyModelsResult) -> None:
    """Print (or display in a notebook) one line per group and the messages."""
    import pandas as pd
    rows = [g.summary() for g in result.groups + ([result.global_model] if result.global_model
                                                   else [])]
    table = pd.DataFrame([{k: r[k] for k in ("key", "status", "rows", "model", "scored_by",
                                             "best_estimator", "trials", "seconds")}
                          for r in rows])
    head = (f"Registered keyed model {result.model_uri} ({len(result.trained)} group models, "
            f"{result.training_seconds:.0f} s training, {result.elapsed_seconds:.0f} s in all)")
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
        interactive = get_ipython() is not None
    except ImportError:
        interactive = False
    if interactive:
        display(Markdown(f"**{head}**\n\n" + "\n".join(f"- {m}" for m in result.messages)))
        display(table)
    else:
        print(head)
        for message in result.messages:
            print(f"- {message}")
        print(table.to_string(index=False))
