"""The local state directory: metastore, warehouse, MLflow database, SQL pools, outputs.

Default ``<project>/.synapse-local`` where ``<project>`` is the nearest ancestor of the working
directory holding ``setup.cfg`` or ``.git`` (so notebooks run from ``notebooks/`` share the state
of the project); ``SYNHELPERS_STATE_DIR`` overrides it.
"""
from __future__ import annotations

import os
from pathlib import Path

STATE_DIR_ENV = "SYNHELPERS_STATE_DIR"
DEFAULT_STATE_DIRNAME = ".synapse-local"


def _project_root(start: Path) -> Path:
    for folder in (start, *start.parents):
        if (folder / "setup.cfg").is_file() or (folder / ".git").exists():
            return folder
    return start


def state_dir(create: bool = True) -> Path:
    """Return the absolute local state directory, creating it unless ``create`` is False."""
    configured = os.environ.get(STATE_DIR_ENV)
    path = Path(configured).expanduser() if configured else (
        _project_root(Path.cwd().resolve()) / DEFAULT_STATE_DIRNAME)
    path = path.resolve()
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def state_path(*parts: str, create_parent: bool = True) -> Path:
    """A path inside the state directory (its parent folder created)."""
    path = state_dir().joinpath(*parts)
    if create_parent:
        path.parent.mkdir(parents=True, exist_ok=True)
    return path
