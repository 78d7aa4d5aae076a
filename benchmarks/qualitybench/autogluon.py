"""AutoGluon-Tabular as a baseline, run by its own venv (``benchmarks/.venv-autogluon``, made by
``make bench-quality``; see benchmarks/autogluon/). The splits go over as Parquet in a temp dir,
``run_autogluon.py`` writes predictions back, and they are scored here like every method."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .scoring import score

HERE = Path(__file__).resolve().parents[1]
VENV_PYTHON = Path(os.environ.get("AUTOGLUON_PYTHON",
                                  HERE / ".venv-autogluon" / "bin" / "python"))
RUNNER = HERE / "autogluon" / "run_autogluon.py"
PRESETS = {"ag_medium": "medium_quality", "ag_best": "best_quality"}


def _call(workdir: Path, spec: dict, timeout: float) -> dict:
    (workdir / "spec.json").write_text(json.dumps(spec))
    proc = subprocess.run([str(VENV_PYTHON), str(RUNNER), str(workdir)], capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]   # the exception line
        raise RuntimeError(f"AutoGluon runner exit {proc.returncode}: {' | '.join(tail)}")
    return json.loads((workdir / "result.json").read_text())


def availability() -> tuple[bool, str]:
    """(usable, version or the reason it is not)."""
    if not VENV_PYTHON.exists():
        return False, (f"{VENV_PYTHON} does not exist: create it with `make bench-quality` "
                       "(or the venv target in benchmarks/autogluon/Makefile.snippet)")
    workdir = Path(tempfile.mkdtemp(prefix="ag-probe-"))
    try:
        return True, _call(workdir, {"probe": True}, timeout=120)["version"]
    except Exception as exc:  # noqa: BLE001 - reported as the reason
        return False, f"{VENV_PYTHON} cannot run AutoGluon: {exc}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def eval_metric(task: str, n_classes: int) -> str:
    if task == "regression":
        return "r2"
    return "roc_auc" if n_classes <= 2 else "roc_auc_ovr_weighted"


def run_autogluon(dataset, train, test, budget, seed, *, method: str):
    """AutoGluon ``presets`` for ``method`` with ``time_limit=budget``. ``wall_s`` is AutoGluon's
    fit + predict inside the runner; ``process_s`` adds the process start, imports and Parquet."""
    problem = "regression" if dataset.task == "regression" else (
        "binary" if dataset.n_classes <= 2 else "multiclass")
    workdir = Path(tempfile.mkdtemp(prefix="ag-run-"))
    started = time.time()
    try:
        train.to_parquet(workdir / "train.parquet", index=False)
        test[dataset.features].to_parquet(workdir / "test.parquet", index=False)
        spec = {"target": dataset.target, "problem_type": problem, "presets": PRESETS[method],
                "eval_metric": eval_metric(dataset.task, dataset.n_classes),
                "time_limit": budget}
        out = _call(workdir, spec, timeout=budget * 6 + 300)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if dataset.task == "regression":
        scored = score(dataset.task, test[dataset.target], prediction=out["prediction"])
    else:
        scored = score(dataset.task, test[dataset.target], proba=out["proba"],
                       classes=out["classes"])
    return {**scored, "wall_s": out["fit_s"] + out["predict_s"],
            "process_s": time.time() - started, "best_estimator": out["best_model"],
            "n_trials": out["n_models"], "metric": spec["eval_metric"],
            "presets": spec["presets"], "version": out["version"]}
