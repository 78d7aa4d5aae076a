"""Notebook references: a name (or ``folder/name``) resolved only inside the workspace (pure).

The one path for every notebook reference the local runtime follows: a pipeline activity's
``notebook.referenceName`` (a plain name, as Synapse stores notebooks flat) and
``mssparkutils.notebook.run(path)`` (``name``, ``folder/name``, ``/folder/name`` from the
workspace root). No ``..``, ``.``, empty part, backslash or control character, no absolute host
path; the file found must lie inside the folder it was looked up in once symlinks are resolved.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ..exceptions import ConfigError


def reference_parts(reference, where: str, folders: bool = True) -> list[str]:
    """The parts of a notebook reference (``"a/b"`` -> ``["a", "b"]``).

    ``folders``: whether ``folder/name`` (and one leading ``/``, the workspace root) is allowed.

    Raises:
        ConfigError: the reference could leave the workspace or is not a name (names ``where``).
    """
    text = reference if isinstance(reference, str) else ""
    if folders and text.startswith("/"):
        text = text[1:]
    parts = text.split("/")
    bad = (not text or "\\" in text or any(ord(ch) < 32 or ord(ch) == 127 for ch in text)
           or any(p in ("", ".", "..") or p != p.strip() for p in parts)
           or (not folders and len(parts) > 1) or ":" in parts[0])
    if bad:
        shape = "a notebook name or folder/name" if folders else "a notebook name"
        raise ConfigError(f"{where}: notebook reference {reference!r} is not {shape} inside the "
                          "workspace (no '..', '.', empty part, backslash, control character or "
                          "absolute path).")
    return parts


def resolve_notebook(reference, roots: Iterable[Path], suffixes: Iterable[str], where: str,
                     folders: bool = True) -> Path | None:
    """The first ``<root>/<reference><suffix>`` that is a file inside ``root``; None if none.

    A reference already ending in one of ``suffixes`` is also tried as it is.

    Raises:
        ConfigError: a bad reference (:func:`reference_parts`), or a match that resolves outside
            its root (a symlink out of the workspace).
    """
    parts = reference_parts(reference, where, folders)
    suffixes = tuple(suffixes)
    for root in roots:
        base = Path(root).resolve()
        names = [parts[-1] + s for s in suffixes]
        if parts[-1].endswith(suffixes):
            names.insert(0, parts[-1])
        for name in names:
            candidate = base.joinpath(*parts[:-1], name)
            if not candidate.is_file():
                continue
            real = candidate.resolve()
            if not real.is_relative_to(base):
                raise ConfigError(f"{where}: notebook reference {reference!r} leads to {real}, "
                                  f"outside {base}: a notebook must lie inside the workspace.")
            return real
    return None
