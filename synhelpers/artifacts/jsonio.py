"""Reading and writing artifact JSON: one deterministic text form, errors that name the file."""
from __future__ import annotations

import json
from pathlib import Path

from ..exceptions import ArtifactConversionError

INDENT = "\t"   # what Synapse Studio writes to Git


def dumps(doc) -> str:
    """The text form of an artifact: tab-indented, keys in the order built, one final newline.

    Deterministic for a given dict (no sorting surprises, no timestamps), so ``check_artifacts``
    can compare texts exactly.
    """
    return json.dumps(doc, indent=INDENT, ensure_ascii=False) + "\n"


def loads(text: str, source: str = "<string>"):
    """Parse JSON text.

    Raises:
        ArtifactConversionError: not valid JSON (names ``source``, the line and the column).
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArtifactConversionError(
            f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc


def load(path: str | Path):
    """Read and parse one JSON file (see :func:`loads`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ArtifactConversionError(f"{path}: cannot be read ({exc.strerror}).") from exc
    return loads(text, str(path))


def write(path: str | Path, doc) -> Path:
    """Write ``doc`` with :func:`dumps` (LF line endings, UTF-8), creating the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(dumps(doc))
    return path
