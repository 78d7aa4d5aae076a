"""Bagging on small tables: a model's five cross-validation fold models averaged, against one
refit on all training rows, for the boosting families' and extra trees' well-tried defaults.

Tried and dropped for the wizard (2026-12-02). On these defaults the bag wins clearly (26 of 30
table-family pairs, mean +0.016, median +0.007, up to +0.10). A wizard whose final ensemble
was the selected members' fold models, on tables up to 4,000 rows, scored as it did with one
refit on the 8 small tables of the quality benchmark at 120 s (one split each: six bagged,
differences -0.002 to +0.001, mean +0.0002). The tuned ensemble already averages different
families, and its linear member averages to itself. Meanwhile the ONNX graph was five times
the size and took up to 4 s more to convert (a multiclass bag up to ~70 s). So the final
ensemble is still refit on all rows.

For each table and seed
the quality benchmark's own split (``qualitybench.datasets.split``) is featurized with the
wizard's featurizer; each family is fit once on all training rows ("refit") and five times on
4/5 of them (stratified 5-fold for classifiers: "bag", the five predictions averaged). Both are
scored on the same held-out rows with the benchmark's metric (R2; ROC AUC, one-vs-rest for
several classes). The figures are a difference per table and family, and how many pairs the bag
won.

Run (after ``make bench-datasets``; ~1 min on 2 cores):
    .venv/bin/python benchmarks/bag_vs_refit.py
    .venv/bin/python benchmarks/bag_vs_refit.py --datasets hitters,titanic --seeds 5
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

SMALL = ("hitters,titanic,mroz,credit_card,seattle_weather,auto_mpg,house_prices,attrition,"
         "concrete,wage")


def families(task: str) -> dict:
    import lightgbm
    import xgboost
    from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor
    regression = task == "regression"
    return {
        "lgbm": lambda: (lightgbm.LGBMRegressor if regression else lightgbm.LGBMClassifier)(
            n_estimators=100, num_leaves=31, verbose=-1, n_jobs=1),
        "xgboost": lambda: (xgboost.XGBRegressor if regression else xgboost.XGBClassifier)(
            n_estimators=100, max_leaves=31, learning_rate=0.1, n_jobs=1),
        "extra_tree": lambda: (ExtraTreesRegressor if regression else ExtraTreesClassifier)(
            100, n_jobs=1, random_state=0)}


def compare(dataset, seed: int) -> dict:
    """{family: (refit score, bag score)} on one split."""
    from sklearn.model_selection import KFold, StratifiedKFold

    from qualitybench.probe import featurized_split
    split = featurized_split(dataset, seed)
    X, y, X_test = split.X, split.y, split.X_test
    folds = (KFold(5, shuffle=True, random_state=seed) if split.regression
             else StratifiedKFold(5, shuffle=True, random_state=seed))
    out = {}
    for family, make in families(dataset.task).items():
        refit = split.score(split.predict(make().fit(X, y), X_test))
        bag = np.mean([split.predict(make().fit(X[fit], y[fit]), X_test)
                       for fit, _ in folds.split(X, y)], axis=0)
        out[family] = (refit, split.score(bag))
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=SMALL)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    from qualitybench import datasets
    from qualitybench.probe import summary_line
    differences = []
    print(f"{'table':16s} {'rows':>5s} {'family':10s} {'refit':>7s} {'bag':>7s} "
          f"{'bag - refit per seed'}")
    for name in args.datasets.split(","):
        dataset = datasets.load(name, None, {})
        pairs = {}
        for seed in range(args.seeds):
            for family, scores in compare(dataset, seed).items():
                pairs.setdefault(family, []).append(scores)
        for family, scores in pairs.items():
            scores = np.asarray(scores)
            gain = scores[:, 1] - scores[:, 0]
            differences.append(gain.mean())
            print(f"{name:16s} {len(dataset.frame):5d} {family:10s} {scores[:, 0].mean():7.4f} "
                  f"{scores[:, 1].mean():7.4f}  {', '.join(f'{g:+.3f}' for g in gain)}")
    print("\n" + summary_line(differences, "bag above refit", "table-family"))

if __name__ == "__main__":
    main()
