"""A final ensemble: greedy weighted selection (Caruana et al., 2004) over the best trials.

The best configurations the search found (a few per family) are refit to get validation
predictions (out-of-fold for small tables, a holdout for large ones), members are chosen greedily
with replacement to optimize the primary metric, and the winners are refit on all rows. The
ensemble is a scikit-learn ``VotingRegressor`` / soft ``VotingClassifier`` with the selection's
weights, so ``Pipeline(featurizer, ensemble)`` converts to ONE ONNX graph (a weighted sum of the
members' outputs; for classification, of their probabilities). It replaces the single best model
only when it scores better on the same validation predictions.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import numpy as np

from .metrics import CLASSIFICATION, Metric, evaluate
from .engine import estimator_params, fitted_model

CV_MAX_ROWS = 20_000      # out-of-fold predictions up to here, a holdout beyond
FOLDS = 5
ITERATIONS = 25


@dataclass
class EnsembleResult:
    used: bool
    reason: str
    members: list[dict] = field(default_factory=list)   # learner, config, weight, val_score
    score: float | None = None
    best_single_score: float | None = None
    validation: str = ""
    seconds: float = 0.0
    model: object = None

    def to_dict(self) -> dict:
        return {"used": self.used, "reason": self.reason, "members": self.members,
                "score": self.score, "best_single_score": self.best_single_score,
                "validation": self.validation, "seconds": round(self.seconds, 2)}


def candidates(trials: list[dict], max_members: int = 8, per_learner: int = 3) -> list[dict]:
    """The best distinct configurations, a few per family: each family's best first (best
    first among them), then the others by score.

    The order is the order in which :func:`_affordable` takes them when time is short: two
    configurations of one family predict nearly alike, so a family's runner-up waits behind the
    other families' best. (On 6,500 TLC trips, with 2 s left, the two best XGBoost trials were
    refit and the ridge one point behind them was not: R2 0.84 on the held-out rows, where the
    ridge alone had 0.90.)"""
    seen, taken, out = set(), {}, []
    for trial in sorted(trials, key=lambda t: t.get("validation_loss", np.inf)):
        learner = trial.get("learner")
        key = (learner, json.dumps(trial.get("config"), sort_keys=True, default=str))
        if key in seen or taken.get(learner, 0) >= per_learner or not np.isfinite(
                trial.get("validation_loss", np.inf)):
            continue
        seen.add(key)
        taken[learner] = taken.get(learner, 0) + 1
        out.append(trial)
        if len(out) >= max_members:
            break
    firsts = {}
    for trial in out:
        firsts.setdefault(trial.get("learner"), trial)
    leaders = list(firsts.values())
    return leaders + [t for t in out if not any(t is f for f in leaders)]


def _fit(automl, learner: str, config: dict, X, y, n_jobs: int = -1):
    """A trial's configuration refit (within the deadline of :func:`.learners.fit_deadline`)."""
    config = {**estimator_params(config), "n_jobs": n_jobs}
    estimator = automl._state.learner_classes[learner](task=automl._state.task, **config)
    estimator.fit(X, y)
    return estimator


def _predict(estimator, X, task):
    return estimator.predict_proba(X) if task == CLASSIFICATION else np.asarray(
        estimator.predict(X), dtype=float)


def _score(metric: Metric, y, prediction, task, labels):
    if task == CLASSIFICATION:
        return evaluate(metric, y, np.argmax(prediction, axis=1), prediction, labels=labels)
    return evaluate(metric, y, prediction)


def _splits(n: int, y, task, seed: int):
    from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
    index = np.arange(n)
    if n <= CV_MAX_ROWS:
        splitter = (StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
                    if task == CLASSIFICATION else KFold(FOLDS, shuffle=True, random_state=seed))
        return "cv", list(splitter.split(index, y))
    fit, val = train_test_split(index, test_size=0.2, random_state=seed,
                                stratify=y if task == CLASSIFICATION else None)
    return "holdout", [(fit, val)]


def caruana(predictions: list, y, metric: Metric, task: str, labels, iterations: int = ITERATIONS):
    """Greedy forward selection with replacement; returns weights (summing to 1)."""
    counts = np.zeros(len(predictions))
    total, picked = None, 0
    for _ in range(iterations):
        best, best_loss = None, np.inf
        for i, prediction in enumerate(predictions):
            trial = prediction if total is None else (total + prediction) / (picked + 1)
            loss = metric.loss(_score(metric, y, trial, task, labels))
            if loss < best_loss - 1e-12:
                best, best_loss = i, loss
        counts[best] += 1
        total = predictions[best].copy() if total is None else total + predictions[best]
        picked += 1
    return counts / counts.sum()


def _affordable(pool: list[dict], folds: int, budget_s: float) -> tuple[list[dict], float]:
    """The candidates whose validation folds and final refit fit in ``budget_s``: the search's
    best (the pool's first) always, then the others in the pool's order, passing over one that
    would not fit; and their estimated cost, priced from the search's own timing. When the
    search's best and one other do not fit, those two (whose cost then exceeds ``budget_s``:
    the caller keeps the best single model).

    The blend is only compared with the candidates it was built from, so an ensemble without
    the search's best could replace a better model it never saw: on a 2,344-row housing table
    (ames) the slow boosting trials did not fit the 2 s left, ridge plus a 12-leaf forest (CV R2
    0.867) replaced XGBoost (0.898), and the held-out R2 fell from about 0.88 to 0.81."""
    def cost(trial):
        return float(trial.get("trial_time") or 0.0) * (folds + 1) / max(1, folds) * 1.2

    chosen, spent = pool[:1], sum(map(cost, pool[:1]))
    for trial in pool[1:]:
        if spent + cost(trial) <= budget_s:
            chosen.append(trial)
            spent += cost(trial)
    if len(chosen) < 2:
        chosen = pool[:2]
        spent = sum(map(cost, chosen))
    return chosen, spent


def build_ensemble(automl, trials, X, y, *, task: str, metric: Metric, labels, budget_s: float,
                   seed: int, n_jobs: int = -1) -> EnsembleResult:
    """Select and fit an ensemble within ``budget_s`` seconds (see the module docstring).

    Every refit runs under :func:`.learners.fit_deadline` at the end of ``budget_s`` (the final
    refits with half of ``budget_s`` more, where they are cut); when the final refits end past
    the end of ``budget_s``, the best single model stays.
    """
    from .learners import fit_deadline
    started = time.time()
    pool = candidates(trials)
    if len(pool) < 2:
        return EnsembleResult(False, "fewer than two distinct candidate models")
    validation, splits = _splits(len(y), y, task, seed)
    chosen, spent = _affordable(pool, len(splits), budget_s)
    if spent > budget_s:
        return EnsembleResult(False, f"refitting {len(chosen)} candidates needs about {spent:.0f} s, "
                                     f"{budget_s:.0f} s left", validation=validation)
    deadline = started + budget_s
    truth = np.concatenate([y[val] for _, val in splits])
    predictions = []
    with fit_deadline(deadline):
        for trial in chosen:
            parts = []
            for fit, val in splits:
                parts.append(_predict(_fit(automl, trial["learner"], trial["config"], X[fit],
                                           y[fit], n_jobs), X[val], task))
                if time.time() > deadline:
                    return EnsembleResult(False, "validation refits ran out of time",
                                          validation=validation, seconds=time.time() - started)
            predictions.append(np.concatenate(parts))
    singles = [_score(metric, truth, p, task, labels) for p in predictions]
    weights = caruana(predictions, truth, metric, task, labels)
    blend = sum(w * p for w, p in zip(weights, predictions))
    score = _score(metric, truth, blend, task, labels)
    best_single = max(singles) if metric.greater_is_better else min(singles)
    members = [{"learner": t["learner"], "config": t["config"], "weight": round(float(w), 4),
                "val_score": round(float(s), 6)} for t, w, s in zip(chosen, weights, singles)]
    if metric.loss(score) >= metric.loss(best_single) - 1e-9 or (weights > 0).sum() < 2:
        return EnsembleResult(False, "the ensemble does not beat the best single model",
                              members, score, best_single, validation, time.time() - started)
    models, member_weights = [], []
    # a member cut short would spoil the ensemble: the final refits may run past the deadline
    # by half the ensemble's time (they are cut there), and any that does leaves the best
    # single model in place
    with fit_deadline(deadline + 0.5 * budget_s):
        for trial, weight in zip(chosen, weights):
            if weight > 0:
                models.append(fitted_model(_fit(automl, trial["learner"], trial["config"], X, y,
                                                n_jobs)))
                member_weights.append(float(weight))
    if time.time() > deadline:
        return EnsembleResult(False, "the final refits ran out of time", members, score,
                              best_single, validation, time.time() - started)
    model = voting_model(models, member_weights, task, labels, X.shape[1])
    return EnsembleResult(True, "beats the best single model", members, score, best_single,
                          validation, time.time() - started, model)


def voting_model(models: list, weights: list[float], task: str, labels, n_features: int):
    """A fitted Voting* estimator over already fitted ``models``."""
    from sklearn.ensemble import VotingClassifier, VotingRegressor
    from sklearn.preprocessing import LabelEncoder
    from sklearn.utils import Bunch
    names = [f"{type(m).__name__.lower()}_{i}" for i, m in enumerate(models)]
    if task == CLASSIFICATION:
        ensemble = VotingClassifier(list(zip(names, models)), voting="soft", flatten_transform=False,
                                    weights=np.asarray(weights, dtype=float))
        ensemble.le_ = LabelEncoder().fit(list(labels))
        ensemble.classes_ = ensemble.le_.classes_
    else:
        ensemble = VotingRegressor(list(zip(names, models)), weights=np.asarray(weights, dtype=float))
    ensemble.estimators_ = list(models)
    ensemble.named_estimators_ = Bunch(**dict(zip(names, models)))
    return ensemble
