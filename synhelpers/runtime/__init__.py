"""The runtime seam: where am I, the Spark session, ``mssparkutils``, the local state directory.

``from synhelpers.runtime import get_spark, mssparkutils`` works in both places: in Synapse,
``mssparkutils`` is the pool's own; locally, the stand-in in :mod:`.standin`.
"""
from __future__ import annotations

from .detect import current_runtime, is_synapse
from .spark import get_spark, workspace_name
from .state import state_dir, state_path

__all__ = ["current_runtime", "is_synapse", "get_spark", "workspace_name", "state_dir", "state_path",
           "mssparkutils", "notebookutils"]


def __getattr__(name: str):
    if name in ("mssparkutils", "notebookutils"):
        if is_synapse():
            import notebookutils as real  # provided by the Synapse pool
            return real.mssparkutils if name == "mssparkutils" else real
        from . import standin as local
        return getattr(local, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
