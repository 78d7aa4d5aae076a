"""AutoGluon-Tabular runner, executed by benchmarks/.venv-autogluon/bin/python (its own venv).

Usage: run_autogluon.py WORKDIR
WORKDIR holds ``train.parquet``, ``test.parquet`` (features only) and ``spec.json``:
``{"target", "problem_type", "eval_metric", "presets", "time_limit"}``.
Writes ``WORKDIR/result.json``: predictions (regression) or class probabilities with the class
order, fit/predict seconds, the best model, the number of models trained, AutoGluon's version.
Scoring is left to the caller, so every method is scored by the same code.
With ``{"probe": true}`` it only reports the version (used to check the venv works).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(workdir: Path) -> None:
    spec = json.loads((workdir / "spec.json").read_text())
    import autogluon.tabular
    out = {"version": autogluon.tabular.__version__}
    if spec.get("probe"):
        (workdir / "result.json").write_text(json.dumps(out))
        return
    import pandas as pd
    from autogluon.tabular import TabularPredictor
    train = pd.read_parquet(workdir / "train.parquet")
    test = pd.read_parquet(workdir / "test.parquet")
    started = time.time()
    predictor = TabularPredictor(label=spec["target"], problem_type=spec["problem_type"],
                                 eval_metric=spec["eval_metric"], path=str(workdir / "ag_model"),
                                 verbosity=spec.get("verbosity", 0))
    # no seed: AutoGluon's models use their fixed default seed (0); only the split varies
    predictor.fit(train, presets=spec["presets"], time_limit=spec["time_limit"])
    fit_s = time.time() - started
    mark = time.time()
    if spec["problem_type"] == "regression":
        out["prediction"] = predictor.predict(test).astype(float).tolist()
    else:
        proba = predictor.predict_proba(test)
        columns = sorted(proba.columns.tolist())
        out["classes"] = [c.item() if hasattr(c, "item") else c for c in columns]
        out["proba"] = proba[columns].to_numpy(dtype=float).tolist()
    out.update(fit_s=fit_s, predict_s=time.time() - mark, best_model=predictor.model_best,
               n_models=len(predictor.model_names()))
    (workdir / "result.json").write_text(json.dumps(out))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
