"""Variants of FLAML learners, registered under FLAML's own names (same search spaces).

- **Every fit ends by the run's deadline.** FLAML hands each trial what is left of the search
  budget, but its final refit of the best configuration gets no limit at all, and its CatBoost
  callback checks memory, never time: on a small multiclass table (wine, 142 rows) CatBoost's
  early stopping never fires and one trial ran all 8192 rounds, 218 s of a 30 s run. While
  :func:`fit_deadline` is active, the gradient-boosting variants take
  ``min(budget, deadline - now)`` and stop between rounds when the next one would end past it.
  (The forests and linear learners are left to FLAML: their trials are sized from timed probe
  fits, and a refit without a budget is a fixed number of trees.)
- **CatBoost writes no files**: it writes a ``train_dir`` into the working directory (a
  notebook's folder) and FLAML removes it only after a fit that finishes; with
  ``allow_writing_files=False`` CatBoost writes nothing. (A constant in FLAML's ``custom_hp``
  would do the same, but breaks FLAML's parallel search space.)

The deadline is process state of the driver: trials on Spark executors are cut by FLAML's own
``force_cancel`` instead. Imported only where flaml may be imported.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

from flaml.automl.model import (CatBoostEstimator, LGBMEstimator, XGBoostLimitDepthEstimator,
                                XGBoostSklearnEstimator)

_deadline: list = [None]          # epoch seconds, or None (no deadline)


@contextmanager
def fit_deadline(deadline: float | None):
    """Every bounded learner's fit ends by ``deadline`` (epoch seconds) inside this block."""
    before = _deadline[0]
    _deadline[0] = deadline
    try:
        yield
    finally:
        _deadline[0] = before


def bounded_budget(budget: float | None, now: float | None = None) -> float | None:
    """``budget`` shortened to the time left before the deadline (at least 0.05 s: one round)."""
    deadline = _deadline[0]
    if deadline is None:
        return budget
    left = max(deadline - (time.time() if now is None else now), 0.05)
    return left if budget is None or budget <= 0 else min(budget, left)


class _Bounded:
    def fit(self, X_train, y_train, budget=None, free_mem_ratio=0, **kwargs):
        return super().fit(X_train, y_train, budget=bounded_budget(budget),
                           free_mem_ratio=free_mem_ratio, **kwargs)


class BoundedLGBMEstimator(_Bounded, LGBMEstimator):
    """FLAML's LightGBM learner, every fit within the deadline."""


class BoundedXGBoostEstimator(_Bounded, XGBoostSklearnEstimator):
    """FLAML's XGBoost learner, every fit within the deadline."""


class BoundedXGBoostLimitDepthEstimator(_Bounded, XGBoostLimitDepthEstimator):
    """FLAML's depth-limited XGBoost learner, every fit within the deadline."""


class _CatBoostDeadline:
    """CatBoost callback: stop when the next round would end past ``deadline``."""

    def __init__(self, start_time: float, deadline: float):
        self.start_time, self.deadline, self.last = start_time, deadline, start_time

    def after_iteration(self, info) -> bool:
        now = time.time()
        per_round, self.last = now - self.last, now
        return now + per_round <= self.deadline


class QuietCatBoostEstimator(CatBoostEstimator):
    """FLAML's CatBoost learner that writes no files and stops at its budget (FLAML's own
    ``fit``, whose callback checks memory only, with a deadline callback added)."""

    def config2params(self, config: dict) -> dict:
        params = super().config2params(config)
        params["allow_writing_files"] = False
        return params

    def fit(self, X_train, y_train, budget=None, free_mem_ratio=0, **kwargs):
        from flaml.automl.model import CatBoostResourceLimit
        kwargs.pop("is_retrain", None)
        kwargs.pop("groups", None)
        start_time = time.time()
        budget = bounded_budget(budget)
        X_train = self._preprocess(X_train)
        cat_features = list(X_train.select_dtypes(include="category").columns) \
            if hasattr(X_train, "select_dtypes") else []
        use_best_model = kwargs.get("use_best_model", True)
        n = max(int(len(y_train) * 0.9), len(y_train) - 1000) if use_best_model else len(y_train)
        from catboost import Pool
        eval_set = Pool(data=X_train[n:], label=y_train[n:], cat_features=cat_features) \
            if use_best_model else None
        weight = kwargs.get("sample_weight")
        if weight is not None:
            kwargs["sample_weight"] = weight[:n]
        callbacks = [CatBoostResourceLimit(start_time, float("inf"),
                                           free_mem_ratio if use_best_model else None)]
        if budget:
            callbacks.append(_CatBoostDeadline(start_time, start_time + budget))
        model = self.estimator_class(**self.params)
        model.fit(X_train[:n], y_train[:n], cat_features=cat_features, eval_set=eval_set,
                  callbacks=callbacks, **kwargs)
        if weight is not None:
            kwargs["sample_weight"] = weight
        self._model = model
        return time.time() - start_time


BOUNDED = {"lgbm": BoundedLGBMEstimator, "xgboost": BoundedXGBoostEstimator,
           "xgb_limitdepth": BoundedXGBoostLimitDepthEstimator,
           "catboost": QuietCatBoostEstimator}
