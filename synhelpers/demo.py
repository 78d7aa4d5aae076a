"""``make demo``: the tutorial end to end, locally, on the built-in synthetic data."""
from __future__ import annotations

import json
import time
from pathlib import Path

from .runtime.state import _project_root, state_dir

STEPS = [("01_create_nyc_taxi_table.ipynb", {})]


def run_demo(out_dir: str | None = None) -> int:
    """Run the tutorial notebooks with papermill; print what each produced and where to look."""
    import papermill as pm
    import nbformat
    from .runtime.standin import read_exit_value
    notebooks = _project_root(Path.cwd().resolve()) / "notebooks"
    out = Path(out_dir) if out_dir else state_dir() / "runs" / time.strftime("demo-%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    for name, parameters in STEPS:
        started = time.monotonic()
        print(f"== {name}", flush=True)
        target = out / name
        pm.execute_notebook(str(notebooks / name), str(target), parameters=parameters,
                            cwd=str(notebooks), progress_bar=False)
        result = json.loads(read_exit_value(nbformat.read(str(target), as_version=4)) or "{}")
        print(f"   done in {time.monotonic() - started:.0f} s")
        if "rows" in result:
            print(f"   table {result['table']}: {result['rows']} rows")
            for column, dtype in result.get("columns", {}).items():
                print(f"     {column:<16} {dtype}")
    print(f"\nOutput notebooks: {out}")
    return 0
