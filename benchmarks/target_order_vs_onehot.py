"""Categories as target-ordered codes: the wizard's featurized table (one-hot up to 30 levels,
arbitrary ordinal codes above) against the same table plus, for every string column, an ordinal
code ordered by the column's smoothed mean target, for HistGradientBoosting and LightGBM
defaults.

Tried and not adopted (2026-12-02). The idea: a tree splits a target-ordered code as it would a
native categorical split (LightGBM sorts categories by their gradient statistics the same way),
and an ``OrdinalEncoder`` with given categories converts to ONNX, where native categorical
splits have no converter. On ames, split 0, where HistGradientBoosting reached R2 0.912 with
native categorical splits and 0.877 on our one-hot features, the codes brought it to 0.907
(LightGBM 0.870 to 0.906). Over 3 splits of 11 tables with string columns it did not carry:
ames splits 1 and 2 moved -0.002 and +0.006, attrition, wage, credit_data and lending_club by
-0.03 to +0.03 around zero, and on auto_mpg (a car-name column, nearly one name per row) R2 fell
from 0.88 to 0.18: with few rows per category the ordering is the rows' own targets, a leak the
smoothing does not stop. Cross-fitted codes (each row's code from the other folds) would stop
the leak, but have no fixed mapping to put in an ONNX graph.

Run (after ``make bench-datasets``; ~1 min on 2 cores):
    .venv/bin/python benchmarks/target_order_vs_onehot.py
    .venv/bin/python benchmarks/target_order_vs_onehot.py --datasets ames --seeds 3
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

TABLES = ("ames,titanic,hitters,auto_mpg,attrition,wage,credit_data,lending_club,hpc,penguins,"
          "house_prices")
SMOOTHING = 10.0     # rows of the overall mean added to each category's mean


def _strings(column) -> np.ndarray:
    return column.astype(object).where(column.notna(), "").astype(str).to_numpy()


def target_codes(train_column, y, test_column) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..k-1 in the order of each category's smoothed mean of ``y``; -1 when unseen."""
    import pandas as pd
    means = pd.DataFrame({"k": _strings(train_column), "y": y}).groupby("k")["y"].agg(
        ["sum", "count"])
    order = ((means["sum"] + SMOOTHING * y.mean()) / (means["count"] + SMOOTHING)).sort_values()
    codes = {k: i for i, k in enumerate(order.index)}

    def encode(column):
        return np.array([codes.get(v, -1) for v in _strings(column)], dtype=np.float32)
    return encode(train_column), encode(test_column)


def compare(dataset, seed: int) -> dict | None:
    """{model: (one-hot score, with target-ordered codes)} on one split; None: no strings."""
    import lightgbm
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    from qualitybench.probe import featurized_split
    split = featurized_split(dataset, seed)
    strings = split.plan.onehot + split.plan.ordinal
    if not strings:
        return None
    regression = split.regression
    # the ordering target: the value, or (classification) the last class's indicator
    order_by = split.y.astype(float) if regression else (
        split.y == split.y.max()).astype(float)
    codes = [target_codes(split.train[c], order_by, split.test[c]) for c in strings]
    X_coded = np.column_stack([split.X] + [a for a, _ in codes])
    X_test_coded = np.column_stack([split.X_test] + [b for _, b in codes])

    def score(model, rows, test_rows):
        return split.score(split.predict(model.fit(rows, split.y), test_rows))

    models = {"hgb": lambda: (HistGradientBoostingRegressor if regression else
                              HistGradientBoostingClassifier)(random_state=seed),
              "lgbm": lambda: (lightgbm.LGBMRegressor if regression else lightgbm.LGBMClassifier)(
                  verbose=-1, n_jobs=1, random_state=seed)}
    return {name: (score(make(), split.X, split.X_test), score(make(), X_coded, X_test_coded))
            for name, make in models.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=TABLES)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    from qualitybench import datasets
    from qualitybench.probe import summary_line
    differences = []
    print(f"{'table':14s} {'model':5s} {'one-hot':>8s} {'+codes':>8s}  +codes - one-hot per seed")
    for name in args.datasets.split(","):
        dataset = datasets.load(name, None, {})
        pairs = {}
        for seed in range(args.seeds if dataset.small else 1):
            for model, scores in (compare(dataset, seed) or {}).items():
                pairs.setdefault(model, []).append(scores)
        for model, scores in pairs.items():
            scores = np.asarray(scores)
            gain = scores[:, 1] - scores[:, 0]
            differences.append(gain.mean())
            print(f"{name:14s} {model:5s} {scores[:, 0].mean():8.4f} {scores[:, 1].mean():8.4f}  "
                  f"{', '.join(f'{g:+.3f}' for g in gain)}")
    print("\n" + summary_line(differences, "codes above one-hot", "table-model"))

if __name__ == "__main__":
    main()
