"""What a training run returns, and how a notebook shows it."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TrainResult:
    model_name: str
    model_version: int
    run_id: str
    experiment_name: str
    task: str
    primary_metric: str
    metrics: dict
    best_estimator: str
    best_config: dict
    n_trials: int
    budget_seconds: float
    elapsed_seconds: float
    margin_seconds: float
    training_rows: int
    total_rows: int
    sampled: bool
    test_rows: int
    ran_on_executors: bool
    executor_pids: list = field(default_factory=list)
    parity: dict = field(default_factory=dict)
    leaderboard: object = None           # pandas DataFrame
    feature_importance: object = None    # pandas DataFrame
    images: dict = field(default_factory=dict)   # name -> PNG bytes
    model: object = None                 # TrainedModel (native), None for forecasting
    onnx_model: object = None
    timings: dict = field(default_factory=dict)   # seconds per phase
    held_out: bool = True                # False: metrics are on training rows (test_size=0)
    validation: str = ""                 # how the search validated: cv | holdout
    search_mode: str = ""                # where trials ran: "spark executors" | "driver"
    ensemble: dict = field(default_factory=dict)  # composition, scores, used or why not
    search_budget: float = 0.0

    @property
    def overrun_seconds(self) -> float:
        return max(0.0, self.elapsed_seconds - self.budget_seconds)

    @property
    def model_uri(self) -> str:
        return f"models:/{self.model_name}/{self.model_version}"

    def summary(self) -> dict:
        """JSON-ready: what the notebook hands to ``mssparkutils.notebook.exit``."""
        return {"model_name": self.model_name, "model_version": self.model_version,
                "model_uri": self.model_uri, "run_id": self.run_id,
                "experiment_name": self.experiment_name, "task": self.task,
                "primary_metric": self.primary_metric,
                "metrics": {k: round(float(v), 6) for k, v in self.metrics.items()},
                "best_estimator": self.best_estimator, "trials": self.n_trials,
                "training_rows": self.training_rows, "total_rows": self.total_rows,
                "sampled": self.sampled, "test_rows": self.test_rows, "held_out": self.held_out,
                "validation": self.validation, "search_mode": self.search_mode,
                "ensemble": {k: self.ensemble.get(k) for k in ("used", "reason", "score",
                                                                "best_single_score")}
                if self.ensemble else {},
                "ran_on_executors": self.ran_on_executors,
                "budget_seconds": round(self.budget_seconds, 1),
                "elapsed_seconds": round(self.elapsed_seconds, 1),
                "overrun_seconds": round(self.overrun_seconds, 1),
                "margin_seconds": round(self.margin_seconds, 1), "timings": self.timings,
                "parity": {k: self.parity.get(k) for k in
                           ("passed", "rows", "max_abs_diff", "rows_over_tolerance")}}


def show_report(result: TrainResult) -> None:
    """Display the leaderboard, metrics and plots (in a notebook; printed on a terminal)."""
    try:
        from IPython import get_ipython
        from IPython.display import Image, Markdown, display
        interactive = get_ipython() is not None
    except ImportError:
        interactive = False
    s = result.summary()
    head = (f"Registered {result.model_uri} ({result.best_estimator}, {result.n_trials} trials, "
            f"{result.elapsed_seconds:.0f} s of {result.budget_seconds:.0f} s)")
    metrics = "\n".join(f"- {k}: {v:.4f}" for k, v in s["metrics"].items())
    if not interactive:
        print(head)
        print(metrics)
        if result.leaderboard is not None:
            print(result.leaderboard.to_string(index=False))
        return
    display(Markdown(f"**{head}**\n\nHeld-out metrics ({result.test_rows} rows):\n{metrics}"))
    if result.leaderboard is not None:
        display(result.leaderboard)
    if result.ensemble.get("members"):
        import pandas as pd
        verdict = "used" if result.ensemble["used"] else f"not used: {result.ensemble['reason']}"
        display(Markdown(f"**Ensemble ({verdict})**, validated by {result.ensemble['validation']}"))
        display(pd.DataFrame(result.ensemble["members"]))
    for png in result.images.values():
        display(Image(data=png))
