"""Notebook parameters and typed values: the ``parameters`` cell, and the four Synapse types.

A Synapse notebook activity passes parameters typed ``string``, ``int``, ``float`` or ``bool``
(reference/synapse.md §5.2); a pipeline parameter may also be ``array``, ``object`` or
``securestring``. :func:`read_parameters` reads a notebook's parameters cell (literal assignments
only) and types each parameter by its literal; :func:`convert_value` converts a value (a command
line string, an expression's result) to a declared type, or says why it cannot.
"""
from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from ..exceptions import ArtifactConversionError, ConfigError

NOTEBOOK_TYPES = ("string", "int", "float", "bool")
PIPELINE_TYPES = NOTEBOOK_TYPES + ("array", "object", "securestring")
PARAMETERS_TAG = "parameters"
_INT = re.compile(r"^[+-]?\d+$")
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


@dataclass(frozen=True)
class NotebookParameter:
    """One assignment of a parameters cell. ``type`` is None when the literal has no Synapse type
    (``None``, a list, a dict): such a parameter cannot be passed by a pipeline as it is."""

    name: str
    default: Any
    type: str | None


def type_of(value: Any) -> str | None:
    """The Synapse parameter type of a Python literal: ``True`` -> ``"bool"``, ``1.5`` -> ``"float"``."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return None


def parameters_cell_index(nb: dict) -> int | None:
    """Index of the cell tagged ``parameters`` (None when there is none).

    Raises:
        ArtifactConversionError: more than one cell is tagged ``parameters``.
    """
    found = [i for i, cell in enumerate(nb.get("cells", []))
             if PARAMETERS_TAG in ((cell.get("metadata") or {}).get("tags") or [])]
    if len(found) > 1:
        raise ArtifactConversionError(f"cells {found} are all tagged 'parameters': keep one.")
    return found[0] if found else None


def read_parameters(nb: dict, notebook: str = "notebook") -> dict[str, NotebookParameter]:
    """The parameters a notebook declares, in order (empty when it has no parameters cell).

    Works on an ipynb dict (source as a string or lines); for a Synapse notebook JSON, convert it
    with :func:`~.notebooks.from_synapse` first.

    Raises:
        ArtifactConversionError: the parameters cell holds something other than assignments of
            literals (names ``notebook`` and the line).

    >>> nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
    ...                  "source": "rows = 10\\nname = 'x'"}]}
    >>> [(p.name, p.type) for p in read_parameters(nb).values()]
    [('rows', 'int'), ('name', 'string')]
    """
    index = parameters_cell_index(nb)
    if index is None:
        return {}
    source = nb["cells"][index].get("source", "")
    source = source if isinstance(source, str) else "".join(source)
    where = f"{notebook}: parameters cell (cell {index})"
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ArtifactConversionError(f"{where}: line {exc.lineno}: {exc.msg}.") from exc
    found: dict[str, NotebookParameter] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        else:
            raise ArtifactConversionError(f"{where}: line {statement.lineno} is not an assignment; "
                                          "a parameters cell holds only `name = literal` lines.")
        try:
            default = ast.literal_eval(value)
        except ValueError:
            raise ArtifactConversionError(
                f"{where}: line {statement.lineno}: the value is not a literal; a parameters "
                "cell holds only `name = literal` lines.") from None
        for target in targets:
            if not isinstance(target, ast.Name):
                raise ArtifactConversionError(f"{where}: line {statement.lineno}: assign to plain "
                                              "names only.")
            found[target.id] = NotebookParameter(target.id, default, type_of(default))
    return found


def convert_value(value: Any, type_name: str, what: str) -> Any:
    """Convert ``value`` to the Synapse/ADF type ``type_name``.

    Strings are parsed (``"7"`` -> 7, ``"true"`` -> True, ``'[1]'`` -> [1] for arrays); numbers
    convert when no precision is lost; ``string`` turns anything into text the way pipeline
    expressions do (``True`` -> ``"True"``, dicts as JSON).

    Raises:
        ConfigError: the value cannot be that type (names ``what``, e.g. the parameter).
    """
    kind = (type_name or "").lower()
    if kind not in PIPELINE_TYPES:
        raise ConfigError(f"{what}: unknown type {type_name!r}; use one of {', '.join(PIPELINE_TYPES)}.")
    try:
        return _CONVERTERS[kind](value)
    except (TypeError, ValueError) as exc:
        detail = f" ({exc})" if str(exc) else ""
        raise ConfigError(f"{what}: {value!r} is not a valid {kind}{detail}.") from None


def to_text(value: Any) -> str:
    """How a pipeline expression turns a value into a string (interpolation, ``string()``)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _to_int(value):
    if isinstance(value, bool):
        raise ValueError("a bool is not an int")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise ValueError("it has a fractional part")
    if isinstance(value, str) and _INT.match(value.strip()):
        return int(value.strip())
    raise ValueError("")


def _to_float(value):
    if isinstance(value, bool):
        raise ValueError("a bool is not a float")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value.strip():
        return float(value.strip())
    raise ValueError("")


def _to_bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError("use true or false")


def _to_json(kind):
    def convert(value):
        if isinstance(value, str):
            value = json.loads(value)
        if kind == "array" and isinstance(value, (list, tuple)):
            return list(value)
        if kind == "object" and isinstance(value, dict):
            return value
        raise ValueError(f"expected a JSON {kind}")
    return convert


_CONVERTERS = {
    "string": to_text,
    "securestring": to_text,
    "int": _to_int,
    "float": _to_float,
    "bool": _to_bool,
    "array": _to_json("array"),
    "object": _to_json("object"),
}
