"""Held-out evaluation of a trained model on a Spark DataFrame, as the SDK tutorial does it:
RMSE, MAPE (sum |actual - predicted| / sum actual), R^2 and the actual-vs-predicted scatter."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..exceptions import AutoMLError
from .metrics import CLASSIFICATION, report_metrics

MAX_EVAL_ROWS = 200_000


@dataclass
class Evaluation:
    rows: int
    metrics: dict
    images: dict = field(default_factory=dict)
    bounded: bool = False

    def summary(self) -> dict:
        return {"rows": self.rows, "bounded": self.bounded,
                **{k: round(float(v), 6) for k, v in self.metrics.items()}}


def evaluate_holdout(result, test_df, max_rows: int = MAX_EVAL_ROWS) -> Evaluation:
    """Score ``test_df`` with ``result.model`` (native) on the driver, at most ``max_rows`` rows
    (a stated bound: larger test sets are sampled; score them on Spark with
    :mod:`synhelpers.scoring` instead)."""
    from . import reports
    if result.model is None:
        raise AutoMLError("This result holds no native model to evaluate.")
    total = test_df.count()
    bounded = total > max_rows
    frame = (test_df.sample(False, max_rows / total * 1.05, seed=1) if bounded else test_df) \
        .limit(max_rows).toPandas()
    target = result.model.target
    frame = frame[frame[target].notna()]
    actual = frame[target].to_numpy()
    predicted = result.model.predict(frame)
    if result.task == CLASSIFICATION:
        metrics = report_metrics(CLASSIFICATION, actual, predicted,
                                 result.model.predict_proba(frame), labels=result.model.classes)
        images = {"confusion_matrix": reports.confusion_matrix_png(actual, predicted,
                                                                   result.model.classes)}
    else:
        actual = actual.astype(float)
        metrics = report_metrics(result.task, actual, predicted)
        images = {"actual_vs_predicted": reports.predicted_vs_actual_png(
            actual, predicted, metrics["r2_score"], target)}
    return Evaluation(rows=len(frame), metrics=metrics, images=images, bounded=bounded)


def show_evaluation(evaluation: Evaluation) -> None:
    try:
        from IPython.display import Image, Markdown, display
        display(Markdown("\n".join(f"- {k}: {v}" for k, v in evaluation.summary().items())))
        for png in evaluation.images.values():
            display(Image(data=png))
    except ImportError:
        print(evaluation.summary())
