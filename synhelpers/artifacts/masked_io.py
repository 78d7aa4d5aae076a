"""Output notebooks written through a masker: no secure value reaches the run folder's disk.

papermill saves the output notebook while it runs (after each cell, and on failure) through its
I/O handlers. :func:`masked_output` registers, for one output notebook, a handler that masks
every string of the notebook (:class:`~synhelpers.runtime.secrets.Masker`) before writing it, so
what is on disk is masked at every moment, not only when the run ends.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

from ..runtime.secrets import Masker

SCHEME = "synhelpers-masked://"
_maskers: dict[str, Masker] = {}


class MaskedFileHandler:
    """papermill I/O handler for ``synhelpers-masked://<local path>``."""

    @staticmethod
    def _real(path: str) -> str:
        return path[len(SCHEME):]

    def read(self, path: str) -> str:
        return Path(self._real(path)).read_text(encoding="utf-8")

    def listdir(self, path: str) -> list[str]:
        return [str(p) for p in Path(self._real(path)).iterdir()]

    def write(self, buf: str, path: str) -> None:
        real = self._real(path)
        masker = _maskers.get(real) or Masker()
        doc = masker(json.loads(buf))
        papermill = (doc.get("metadata") or {}).get("papermill")
        if isinstance(papermill, dict):
            papermill["output_path"] = real
        Path(real).write_text(json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                              encoding="utf-8")

    def pretty_path(self, path: str) -> str:
        return self._real(path)


@contextmanager
def masked_output(path: Path, masker: Masker):
    """The output path to give papermill for ``path``, writing through ``masker``."""
    from papermill.iorw import papermill_io
    if not isinstance(papermill_io.get_handler(SCHEME), MaskedFileHandler):
        papermill_io.register(SCHEME, MaskedFileHandler())
    real = str(path)
    _maskers[real] = masker
    try:
        yield SCHEME + real
    finally:
        _maskers.pop(real, None)
