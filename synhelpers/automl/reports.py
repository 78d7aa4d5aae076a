"""The pictures users expect from AutoML, as PNG bytes (logged to MLflow, shown in notebooks).

Leaderboard by estimator, best metric over time, predicted vs actual and residuals (regression),
confusion matrix and ROC (classification), feature importance by raw column.
"""
from __future__ import annotations

import io

import numpy as np


def _figure(width=6.4, height=4.2):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def leaderboard(trials: list[dict], metric_name: str, greater_is_better: bool,
                ensemble: dict | None = None):
    """A DataFrame: one row per estimator family (best score, trials, total time), best first;
    the final ensemble, when it was built, as a row of its own (its score on the ensemble's own
    validation predictions)."""
    import pandas as pd
    rows = []
    for t in trials:
        value = (t.get("logged_metric") or {}).get(metric_name)
        rows.append({"estimator": t.get("learner"), metric_name: value,
                     "trial_time": t.get("trial_time") or 0.0,
                     "sample_size": t.get("sample_size")})
    if not rows:
        return pd.DataFrame(columns=["estimator", metric_name, "trials", "total_time_s"])
    df = pd.DataFrame(rows)
    best = df.groupby("estimator")[metric_name].max() if greater_is_better else \
        df.groupby("estimator")[metric_name].min()
    board = pd.DataFrame({metric_name: best, "trials": df.groupby("estimator").size(),
                          "total_time_s": df.groupby("estimator")["trial_time"].sum().round(2)})
    board = board.reset_index()
    if ensemble and ensemble.get("used"):
        members = " + ".join(f"{m['weight']:.2f}*{m['learner']}" for m in ensemble["members"]
                             if m["weight"] > 0)
        board = pd.concat([board, pd.DataFrame([{
            "estimator": f"ensemble ({members})", metric_name: ensemble["score"],
            "trials": len([m for m in ensemble["members"] if m["weight"] > 0]),
            "total_time_s": ensemble["seconds"]}])], ignore_index=True)
    return board.sort_values(metric_name, ascending=not greater_is_better).reset_index(drop=True)


def leaderboard_png(board, metric_name: str) -> bytes:
    fig = _figure()
    ax = fig.add_subplot()
    ax.barh(board["estimator"][::-1], board[metric_name][::-1], color="#4C72B0")
    ax.set_xlabel(metric_name)
    ax.set_title("Leaderboard: best score per estimator")
    return _png(fig)


def best_over_time_png(trials: list[dict], metric_name: str, greater_is_better: bool) -> bytes:
    points = sorted(((t.get("wall_clock_time") or 0.0, (t.get("logged_metric") or {}).get(metric_name))
                     for t in trials if (t.get("logged_metric") or {}).get(metric_name) is not None))
    fig = _figure()
    ax = fig.add_subplot()
    if points:
        times = [p[0] for p in points]
        values = np.array([p[1] for p in points])
        best = np.maximum.accumulate(values) if greater_is_better else np.minimum.accumulate(values)
        ax.scatter(times, values, s=10, alpha=0.4, label="trial")
        ax.step(times, best, where="post", color="#C44E52", label="best so far")
        ax.legend()
    ax.set_xlabel("seconds since start")
    ax.set_ylabel(metric_name)
    ax.set_title("Best metric over time")
    return _png(fig)


def predicted_vs_actual_png(actual, predicted, r2: float, target: str) -> bytes:
    fig = _figure(6.4, 5.2)
    ax = fig.add_subplot()
    ax.scatter(actual, predicted, s=6, alpha=0.5)
    low, high = float(np.min(actual)), float(np.max(actual))
    ax.plot([low, high], [low, high], color="lightblue")
    ax.set_xlabel(f"Actual {target}")
    ax.set_ylabel(f"Predicted {target}")
    ax.set_title(f"Actual vs predicted {target}, R^2={r2:.3f}")
    return _png(fig)


def residuals_png(actual, predicted, target: str) -> bytes:
    residuals = np.asarray(actual, dtype=float) - np.asarray(predicted, dtype=float)
    fig = _figure(9, 4)
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    left.scatter(predicted, residuals, s=6, alpha=0.5)
    left.axhline(0, color="gray")
    left.set_xlabel(f"Predicted {target}")
    left.set_ylabel("Residual (actual - predicted)")
    right.hist(residuals, bins=50, color="#55A868")
    right.set_xlabel("Residual")
    right.set_title("Residual distribution")
    return _png(fig)


def confusion_matrix_png(actual, predicted, labels) -> bytes:
    from sklearn.metrics import confusion_matrix
    matrix = confusion_matrix(actual, predicted, labels=labels)
    fig = _figure(5, 4.4)
    ax = fig.add_subplot()
    image = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(image)
    ax.set_xticks(range(len(labels)), [str(x) for x in labels])
    ax.set_yticks(range(len(labels)), [str(x) for x in labels])
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, str(count), ha="center", va="center",
                color="white" if count > matrix.max() / 2 else "black")
    ax.set_xlabel("Predicted")
    ax.set_ylabel("Actual")
    ax.set_title("Confusion matrix")
    return _png(fig)


def roc_png(actual, proba, labels) -> bytes:
    from sklearn.metrics import auc, roc_curve
    fig = _figure(5.2, 4.6)
    ax = fig.add_subplot()
    targets = [labels[1]] if len(labels) == 2 else list(labels)
    for label in targets:
        column = list(labels).index(label)
        fpr, tpr, _ = roc_curve(np.asarray(actual) == label, np.asarray(proba)[:, column])
        ax.plot(fpr, tpr, label=f"{label} (AUC {auc(fpr, tpr):.3f})")
    ax.plot([0, 1], [0, 1], linestyle="--", color="gray")
    ax.set_xlabel("False positive rate")
    ax.set_ylabel("True positive rate")
    ax.set_title("ROC")
    ax.legend(loc="lower right")
    return _png(fig)


def _importances(estimator, width: int):
    """Normalized importances of a model; a vote's are its members', weighted; a pipeline's
    are its last step's (|coef| of row-normalised inputs, for FLAML's SGD)."""
    if hasattr(estimator, "steps"):
        return _importances(estimator.steps[-1][1], width)
    members = getattr(estimator, "estimators_", None)
    if members is not None and hasattr(estimator, "weights"):
        weights = np.asarray(estimator.weights if estimator.weights is not None
                             else np.ones(len(members)), dtype=float)
        parts = [(_importances(m, width), w) for m, w in zip(members, weights)]
        parts = [(v, w) for v, w in parts if v is not None]
        return sum(v * w for v, w in parts) / sum(w for _, w in parts) if parts else None
    values = getattr(estimator, "feature_importances_", None)
    if values is None and hasattr(estimator, "coef_"):
        values = np.abs(np.asarray(estimator.coef_)).reshape(-1, width).sum(axis=0)
    if values is None:
        return None
    values = np.asarray(values, dtype=float)
    return values / values.sum() if values.sum() else values


def feature_importance(estimator, featurized_names: list[str], raw_columns: list[str]):
    """Importance per raw column (one-hot and datetime parts summed back), normalized to 1."""
    import pandas as pd
    values = _importances(estimator, len(featurized_names))
    if values is None:
        return pd.DataFrame(columns=["feature", "importance"])
    values = np.asarray(values, dtype=float)
    totals = {c: 0.0 for c in raw_columns}
    for name, value in zip(featurized_names, values):
        owner = next((c for c in sorted(raw_columns, key=len, reverse=True)
                      if name == c or name.startswith(c + "_")), name)
        totals[owner] = totals.get(owner, 0.0) + value
    total = sum(totals.values()) or 1.0
    frame = pd.DataFrame({"feature": list(totals), "importance": [v / total for v in totals.values()]})
    return frame.sort_values("importance", ascending=False).reset_index(drop=True)


def feature_importance_png(importance) -> bytes:
    fig = _figure()
    ax = fig.add_subplot()
    ax.barh(importance["feature"][::-1], importance["importance"][::-1], color="#8172B2")
    ax.set_xlabel("share of importance")
    ax.set_title("Feature importance (by raw column)")
    return _png(fig)
