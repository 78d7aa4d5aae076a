"""Shared test helpers (paths, notebook runs, fresh-process reads). Imported as ``support``."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the project's neighbour shared/data; SYNHELPERS_TEST_DATA points elsewhere (e.g. from a worktree)
SHARED_DATA = Path(os.environ.get("SYNHELPERS_TEST_DATA") or ROOT.parent / "shared" / "data")
TLC_SAMPLE = SHARED_DATA / "nyc_tlc_yellow_sample_2019-03.csv"
NOTEBOOKS = ROOT / "notebooks"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run_notebook(name: str, parameters: dict, state: Path, out_dir: Path, kernel: str | None = None):
    """Run ``notebooks/<name>`` with papermill in a kernel whose state dir is ``state``.

    Returns (output notebook, exit value or None).
    """
    import nbformat
    import papermill as pm
    from synhelpers.runtime.standin import read_exit_value
    out = out_dir / f"out-{name}"
    env_before = os.environ.get("SYNHELPERS_STATE_DIR")
    os.environ["SYNHELPERS_STATE_DIR"] = str(state)
    try:
        pm.execute_notebook(str(NOTEBOOKS / name), str(out), parameters=parameters,
                            kernel_name=kernel, cwd=str(NOTEBOOKS), progress_bar=False)
    finally:
        os.environ["SYNHELPERS_STATE_DIR"] = env_before
    nb = nbformat.read(str(out), as_version=4)
    return nb, read_exit_value(nb)


def run_python(code: str, state: Path, timeout: int = 300) -> dict:
    """Run ``code`` in a fresh interpreter with ``state`` as state dir; it prints one JSON line."""
    env = {**os.environ, "SYNHELPERS_STATE_DIR": str(state)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=str(ROOT))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])
