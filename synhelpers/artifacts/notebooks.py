"""``.ipynb`` <-> Synapse Git-format notebook JSON (``notebook/<name>.json``), pure dict to dict.

Synapse's form::

    {"name": ..., "properties": {"description", "folder", "nbformat", "nbformat_minor",
        "bigDataPool": {"referenceName", "type": "BigDataPoolReference"},
        "sessionProperties": {driverMemory, driverCores, executorMemory, executorCores, numExecutors, ...},
        "metadata": {"saveOutput", "enableDebugMode", "kernelspec", "language_info",
                     "a365ComputeOptions", "sessionKeepAliveTimeout", ...},
        "cells": [{"cell_type", "metadata", "source": [lines, newline kept], "execution_count", "outputs"}]}}

Mapping rules:

- cells keep their type, metadata (the ``parameters`` tag included), outputs and execution count;
  ``source`` is one string in the ipynb and an array of lines in Synapse, split after each ``\\n``
  the way Studio does (a text ending in a newline ends with ``""``); empty ``outputs`` are left out
  of Synapse cells, as Studio writes them;
- ``metadata.description`` of the ipynb is ``properties.description``; every other ipynb
  metadata key (kernelspec, language_info, ...) is kept in ``properties.metadata``;
- what only Synapse has (pool, session, folder, saveOutput, ...) comes from
  :class:`~.config.NotebookSettings`; ``from_synapse`` keeps the values that differ from those
  settings under the ipynb's ``metadata["synapse"]`` so ``to_synapse`` restores them. Hence
  ``from_synapse(to_synapse(nb, name)) == nb`` and ``to_synapse(from_synapse(doc), doc["name"]) == doc``
  with the same settings;
- a property neither side knows is carried verbatim (in the same ``metadata["synapse"]`` stash)
  and reported through :func:`~.errors.unsupported` at the given level.
"""
from __future__ import annotations

import copy
from typing import Any

from ..exceptions import ArtifactConversionError
from .config import WORKSPACE, NotebookSettings
from .errors import ErrorLevel, unsupported

SYNAPSE_KERNELS = {"synapse_pyspark": "Synapse PySpark"}
DEFAULT_KERNELSPEC = {"name": "synapse_pyspark", "display_name": "Synapse PySpark"}
STASH = "synapse"                     # ipynb metadata key holding the Synapse-only values

_DOCUMENT_KEYS = ("name", "properties")
_IPYNB_PROPERTIES = ("description", "nbformat", "nbformat_minor", "metadata", "cells")
_SYNAPSE_PROPERTIES = ("folder", "bigDataPool", "sessionProperties")
_SYNAPSE_METADATA = ("saveOutput", "enableDebugMode", "a365ComputeOptions", "sessionKeepAliveTimeout")
_CELL_KEYS = ("id", "cell_type", "metadata", "source", "attachments", "execution_count", "outputs")
_CELL_TYPES = ("code", "markdown", "raw")


def split_source(text: str) -> list[str]:
    """``"a\\nb\\n"`` -> ``["a\\n", "b\\n", ""]``: Synapse's array of lines (``\\r\\n`` kept whole)."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + [parts[-1]]


def join_source(source: str | list[str]) -> str:
    """The one-string form of a cell source (an ipynb in memory, as nbformat reads it)."""
    return source if isinstance(source, str) else "".join(source)


def to_synapse(nb: dict, name: str, settings: NotebookSettings | None = None,
               level: ErrorLevel | str = ErrorLevel.WARN) -> dict:
    """Convert an ipynb (a dict as nbformat reads it) to Synapse's notebook JSON.

    Args:
        nb: the notebook; cell sources may be strings or lists of lines.
        name: the artifact name (the file stem: ``notebook/<name>.json``).
        settings: pool, session and the other Synapse-only values (default: the workspace's).
        level: what to do with a kernelspec Synapse does not run, or a missing one.

    Raises:
        ArtifactConversionError: not a notebook (no cells, bad cell type), or an unsupported
            kernel at ``ErrorLevel.RAISE``.

    >>> doc = to_synapse({"nbformat": 4, "nbformat_minor": 2, "metadata": {"kernelspec":
    ...     DEFAULT_KERNELSPEC, "language_info": {"name": "python"}}, "cells": []}, "empty")
    >>> doc["properties"]["bigDataPool"]["referenceName"]
    'sparkpool01'
    """
    settings = settings or WORKSPACE.notebook
    where = f"notebook '{name}'"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ArtifactConversionError(f"{where}: not an ipynb notebook (no 'cells' list).")
    metadata = copy.deepcopy(dict(nb.get("metadata") or {}))
    stash = metadata.pop(STASH, None) or {}
    description = metadata.pop("description", None)
    has_description = "description" in (nb.get("metadata") or {})
    _check_kernel(metadata, where, level)

    props_defaults = settings.properties()
    props_defaults.update(stash.get("properties", {}))
    meta_defaults = settings.metadata()
    meta_defaults.update(stash.get("metadata", {}))

    properties: dict[str, Any] = {}
    if has_description:
        properties["description"] = description
    if props_defaults.get("folder") is not None:
        properties["folder"] = props_defaults["folder"]
    properties["nbformat"] = nb.get("nbformat", 4)
    properties["nbformat_minor"] = nb.get("nbformat_minor", 2)
    for key in ("bigDataPool", "sessionProperties"):
        if props_defaults.get(key) is not None:
            properties[key] = copy.deepcopy(props_defaults[key])

    syn_meta: dict[str, Any] = {}
    for key in ("saveOutput", "enableDebugMode"):
        if meta_defaults.get(key) is not None:
            syn_meta[key] = meta_defaults[key]
    syn_meta.update(metadata)
    for key in ("a365ComputeOptions", "sessionKeepAliveTimeout"):
        if meta_defaults.get(key) is not None:
            syn_meta[key] = copy.deepcopy(meta_defaults[key])
    properties["metadata"] = syn_meta
    properties["cells"] = [_cell_to_synapse(cell, i, where) for i, cell in enumerate(nb["cells"])]
    for key, value in stash.get("properties", {}).items():       # unknown properties, carried
        if key not in _SYNAPSE_PROPERTIES:
            properties[key] = copy.deepcopy(value)

    doc = {"name": name, "properties": properties}
    doc.update(copy.deepcopy(stash.get("document", {})))
    return doc


def from_synapse(doc: dict, settings: NotebookSettings | None = None,
                 level: ErrorLevel | str = ErrorLevel.WARN) -> dict:
    """Convert Synapse's notebook JSON to an ipynb dict (cell sources as strings).

    The artifact name is not part of the ipynb (it is the file name): pass ``doc["name"]`` back
    to :func:`to_synapse`.

    Raises:
        ArtifactConversionError: not a Synapse notebook (no ``properties.cells``), or, at
            ``ErrorLevel.RAISE``, an unknown property, a cell source that is not an array of
            lines, a kernelspec without ``name``/``display_name``.
    """
    settings = settings or WORKSPACE.notebook
    name = doc.get("name", "?") if isinstance(doc, dict) else "?"
    where = f"notebook '{name}'"
    props = doc.get("properties") if isinstance(doc, dict) else None
    if not isinstance(props, dict) or not isinstance(props.get("cells"), list):
        raise ArtifactConversionError(f"{where}: not a Synapse notebook (no properties.cells list).")

    stash: dict[str, dict] = {}
    extra_doc = {k: v for k, v in doc.items() if k not in _DOCUMENT_KEYS}
    for key in extra_doc:
        unsupported(f"{where}: unknown top-level property {key!r} (kept as is).", level)
    if extra_doc:
        stash["document"] = copy.deepcopy(extra_doc)

    prop_stash = _differences(props, settings.properties(), _SYNAPSE_PROPERTIES)
    for key, value in props.items():
        if key not in _IPYNB_PROPERTIES + _SYNAPSE_PROPERTIES:
            unsupported(f"{where}: unknown property 'properties.{key}' (kept as is).", level)
            prop_stash[key] = copy.deepcopy(value)
    if prop_stash:
        stash["properties"] = prop_stash

    syn_meta = dict(props.get("metadata") or {})
    meta_stash = _differences(syn_meta, settings.metadata(), _SYNAPSE_METADATA)
    if meta_stash:
        stash["metadata"] = meta_stash
    metadata = {k: copy.deepcopy(v) for k, v in syn_meta.items() if k not in _SYNAPSE_METADATA}
    for key in ("description", STASH):
        if key in metadata:
            unsupported(f"{where}: 'properties.metadata.{key}' clashes with the ipynb mapping "
                        "(it is dropped).", level)
            metadata.pop(key)
    kernelspec = metadata.get("kernelspec")
    if not (isinstance(kernelspec, dict) and kernelspec.get("name") and kernelspec.get("display_name")):
        unsupported(f"{where}: metadata.kernelspec needs 'name' and 'display_name' "
                    f"(got {kernelspec!r}).", level)
    if "description" in props:
        metadata["description"] = props["description"]
    if stash:
        metadata[STASH] = stash

    return {
        "cells": [_cell_from_synapse(cell, i, where, level) for i, cell in enumerate(props["cells"])],
        "metadata": metadata,
        "nbformat": props.get("nbformat", 4),
        "nbformat_minor": props.get("nbformat_minor", 2),
    }


def _differences(actual: dict, defaults: dict, keys: tuple[str, ...]) -> dict:
    """The Synapse-only values that differ from the settings (None marks "absent here")."""
    out = {}
    for key in keys:
        value = actual.get(key)
        if value != defaults.get(key):
            out[key] = copy.deepcopy(value)
    return out


def _check_kernel(metadata: dict, where: str, level) -> None:
    spec = metadata.get("kernelspec")
    if not spec:
        unsupported(f"{where}: no metadata.kernelspec; Synapse needs one "
                    f"(using {DEFAULT_KERNELSPEC['name']!r}).", level)
        metadata["kernelspec"] = dict(DEFAULT_KERNELSPEC)
    elif spec.get("name") not in SYNAPSE_KERNELS:
        unsupported(f"{where}: kernel {spec.get('name')!r} is not a Synapse kernel "
                    f"({', '.join(SYNAPSE_KERNELS)}); set metadata.kernelspec to "
                    f"{DEFAULT_KERNELSPEC}.", level)
    if not (metadata.get("language_info") or {}).get("name"):
        unsupported(f"{where}: no metadata.language_info.name; Synapse needs it (using 'python').",
                    level)
        metadata["language_info"] = {**(metadata.get("language_info") or {}), "name": "python"}


def _cell_to_synapse(cell: dict, index: int, where: str) -> dict:
    kind = cell.get("cell_type")
    if kind not in _CELL_TYPES:
        raise ArtifactConversionError(f"{where}, cell {index}: unknown cell_type {kind!r} "
                                      f"(expected one of {', '.join(_CELL_TYPES)}).")
    metadata = copy.deepcopy(dict(cell.get("metadata") or {}))
    cell_stash = metadata.pop(STASH, None) or {}
    out: dict[str, Any] = {}
    if "id" in cell:
        out["id"] = cell["id"]
    out["cell_type"] = kind
    out["metadata"] = metadata
    out["source"] = split_source(join_source(cell.get("source", "")))
    if "attachments" in cell:
        out["attachments"] = copy.deepcopy(cell["attachments"])
    if kind == "code":
        out["execution_count"] = cell.get("execution_count")
        if cell.get("outputs"):
            out["outputs"] = copy.deepcopy(cell["outputs"])
    out.update(copy.deepcopy(cell_stash))
    return out


def _cell_from_synapse(cell: dict, index: int, where: str, level) -> dict:
    here = f"{where}, cell {index}"
    kind = cell.get("cell_type") if isinstance(cell, dict) else None
    if kind not in _CELL_TYPES:
        raise ArtifactConversionError(f"{here}: unknown cell_type {kind!r} "
                                      f"(expected one of {', '.join(_CELL_TYPES)}).")
    source = cell.get("source", [])
    if isinstance(source, str):
        unsupported(f"{here}: 'source' is one string; Synapse stores an array of lines.", level)
    elif any(not line.endswith("\n") for line in source[:-1]):
        unsupported(f"{here}: 'source' lines must each end with a newline (except the last); "
                    "they were joined as they are.", level)
    out: dict[str, Any] = {}
    if "id" in cell:
        out["id"] = cell["id"]
    out["cell_type"] = kind
    out["metadata"] = copy.deepcopy(cell.get("metadata") or {})
    out["source"] = join_source(source)
    if "attachments" in cell:
        out["attachments"] = copy.deepcopy(cell["attachments"])
    if kind == "code":
        out["execution_count"] = cell.get("execution_count")
        out["outputs"] = copy.deepcopy(cell.get("outputs") or [])
    extra = {k: v for k, v in cell.items() if k not in _CELL_KEYS}
    for key in extra:
        unsupported(f"{here}: unknown cell property {key!r} (kept as is).", level)
    if extra:
        out["metadata"][STASH] = copy.deepcopy(extra)
    return out
