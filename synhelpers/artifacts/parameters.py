"""Notebook parameters and typed values: the ``parameters`` cell, and the four Synapse types.

A Synapse notebook activity passes parameters typed ``string``, ``int``, ``float`` or ``bool``
(Synapse pipeline JSON); a pipeline parameter may also be ``array``, ``object`` or
``securestring``. :func:`read_parameters` reads a notebook's parameters cell (literal assignments
only) and types each parameter by its literal; :func:`convert_value` converts a value (a command
line string, an expression's result) to a declared type, or says why it cannot.
"""
from __future__ import annotations

import json
from typing import Any

from ..exceptions import ConfigError
from ..params import as_bool, as_float, as_int
from ..runtime.notebook_parameters import (PARAMETERS_TAG, NotebookParameter,  # noqa: F401
                                           parameters_cell_index, read_parameters, type_of)

NOTEBOOK_TYPES = ("string", "int", "float", "bool")
PIPELINE_TYPES = NOTEBOOK_TYPES + ("array", "object", "securestring")


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


def _rule(convert):
    """One of :mod:`synhelpers.params`' rules, failing as a plain ``ValueError``."""
    def apply(value):
        try:
            return convert(value, "value")
        except ConfigError:
            raise ValueError("") from None
    return apply


_to_int, _to_float, _to_bool = _rule(as_int), _rule(as_float), _rule(as_bool)


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
