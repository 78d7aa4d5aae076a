"""Linear families on standardized features: ridge regression and L2 logistic regression.

FLAML's own linear learners see the featurized columns raw: ``lrl1``/``lrl2`` fit a logistic
regression to unscaled values (a year next to a one-hot 0/1: the solver stops far from the
optimum) and ``sgd`` scales each *row* to unit length. On small tables whose target is close to
linear in the inputs (the econometric tables of the quality benchmark: house prices, the Mroz
labour-force data, credit-card acceptance), a well-fit linear model is one of the strongest and
most different members the final ensemble can pick, and the tree families cannot stand in for it.

Each model is ``Pipeline(StandardScaler, Ridge | LogisticRegression)``: plain scikit-learn
estimators that skl2onnx converts (a scale-and-shift and one matrix product), so the model, alone
or inside the ensemble, stays one ONNX graph.

The regularization strength is not searched by FLAML: each fit chooses it itself, by efficient
leave-one-out (ridge) or 3-fold cross-validated log loss (logistic, on at most
:data:`SELECT_MAX_ROWS` rows) over :data:`STRENGTHS`, then refits on all rows. A one-parameter
FLAML search space on a learner this cheap took the search over: on a 436-row table it ran 1,932
of 1,944 trials (each a few milliseconds of fit and tens of FLAML bookkeeping) and the boosting
families and forests got a dozen between them. With no search space the learner is one trial
(one more per sample size on large tables), and the ensemble refits it as it was chosen. FLAML
itself keeps re-running a learner whose space is empty (185 identical fits, 4 s of a 21 s
search): :class:`SearchOnce` retires these learners after their full-size trial.
Imported only where flaml may be imported.
"""
from __future__ import annotations

import time
import warnings

import numpy as np
from flaml import AutoML
from flaml.automl.model import SKLearnEstimator

STRENGTHS = np.logspace(-3, 3, 13)   # ridge alpha; logistic C (the inverse)
SELECT_MAX_ROWS = 20_000
SELECT_FOLDS = 3


def scaled_ridge(alpha: float = 1.0):
    """``Pipeline(StandardScaler, Ridge(alpha))``."""
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    return Pipeline([("scale", StandardScaler()), ("ridge", Ridge(alpha=alpha))])


def scaled_logistic(C: float = 1.0):  # noqa: N803 - scikit-learn's name
    """``Pipeline(StandardScaler, LogisticRegression(C))``: L2, lbfgs, multinomial for several
    classes (scikit-learn's defaults), up to 1,000 iterations."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    return Pipeline([("scale", StandardScaler()),
                     ("logistic", LogisticRegression(C=C, max_iter=1000))])


def ridge_alpha(X, y) -> float:
    """The ridge penalty with the lowest leave-one-out error (RidgeCV's closed form)."""
    from sklearn.linear_model import RidgeCV
    from sklearn.preprocessing import StandardScaler
    return float(RidgeCV(alphas=STRENGTHS).fit(StandardScaler().fit_transform(X), y).alpha_)


def logistic_c(X, y, seed: int = 0) -> float:
    """The inverse penalty with the lowest cross-validated log loss (1.0 when a class has too
    few rows for the folds), chosen on a stratified sample of at most :data:`SELECT_MAX_ROWS`."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    y = np.asarray(y)
    if len(y) > SELECT_MAX_ROWS:
        X, _, y, _ = train_test_split(X, y, train_size=SELECT_MAX_ROWS, random_state=seed,
                                      stratify=y)
    folds = min(SELECT_FOLDS, int(np.unique(y, return_counts=True)[1].min()))
    if folds < 2:
        return 1.0
    with warnings.catch_warnings():     # C_ is read in either of its layouts (scikit-learn 1.9
        warnings.simplefilter("ignore", ConvergenceWarning)   # warns of the one to come)
        warnings.simplefilter("ignore", FutureWarning)
        search = LogisticRegressionCV(Cs=1 / STRENGTHS, cv=folds, scoring="neg_log_loss",
                                      max_iter=1000).fit(StandardScaler().fit_transform(X), y)
    return float(np.atleast_1d(search.C_)[0])


class _SelfTuned(SKLearnEstimator):
    """A learner with no search space: each fit picks its regularization, then refits."""

    classification = False      # the task it is for
    cost = 0.1                  # FLAML's cost relative to LightGBM

    @classmethod
    def search_space(cls, data_size=None, task=None, **params):
        return {}

    @classmethod
    def cost_relative2lgbm(cls):
        return cls.cost

    def __init__(self, task=None, **config):
        super().__init__(task or ("binary" if self.classification else "regression"), **config)
        if self._task.is_classification() != self.classification:
            raise ValueError("ridge is a regression learner; use logistic for classification"
                             if not self.classification else
                             "logistic is a classification learner; use ridge for regression")

    def _fit(self, X_train, y_train, **kwargs):
        started = time.time()
        X = self._preprocess(X_train)
        model = self._model_for(X, y_train)
        with warnings.catch_warnings():
            from sklearn.exceptions import ConvergenceWarning
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y_train)
        self._model = model
        return time.time() - started


class RidgeEstimator(_SelfTuned):
    """Ridge regression on standardized features (regression only)."""

    def _model_for(self, X, y):
        return scaled_ridge(ridge_alpha(X, y))


class LogisticEstimator(_SelfTuned):
    """L2 logistic regression on standardized features (classification only)."""

    classification, cost = True, 0.5

    def _model_for(self, X, y):
        return scaled_logistic(logistic_c(X, y, self.params.get("random_state", 0) or 0))


LINEAR = {"regression": ("ridge", RidgeEstimator), "classification": ("logistic", LogisticEstimator)}


class SearchOnce(AutoML):
    """FLAML's AutoML whose sequential search drops a self-tuned linear learner from the learners
    it picks from once it has had a trial on all rows (FLAML's own way of retiring a learner:
    removal from its active list). Trials on Spark executors are one parallel search in which an
    empty configuration is one trial already."""

    def _select_estimator(self, estimator_list):
        done = getattr(self, "_iter_per_learner_fullsize", {})
        for name, _ in LINEAR.values():
            if name in estimator_list and len(estimator_list) > 1 and done.get(name, 0) >= 1:
                estimator_list.remove(name)       # in place: it is FLAML's active list
        return super()._select_estimator(estimator_list)
