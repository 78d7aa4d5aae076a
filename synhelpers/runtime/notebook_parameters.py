"""A notebook's parameters: its ``parameters`` cell, the names a caller may pass, and the cell
that injects their values (pure: used by the pipeline runner and ``mssparkutils.notebook.run``).

Parameters are values, never code. Every name a caller passes goes through
:func:`check_parameter_names` (a Python identifier declared in the notebook's ``parameters``
cell); every value through :func:`render_value` (a literal built from the value's own type:
``str``, ``int``, ``float``, ``bool``, ``None``, lists and dicts of them; subclasses are written
as their base type, anything else is refused). A secure value is never written as a literal:
its line reads it from the kernel's environment (:mod:`.secrets`).
"""
from __future__ import annotations

import ast
import keyword
import math
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ..exceptions import ArtifactConversionError, ConfigError

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


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


def check_parameter_names(names: Iterable, declared: Mapping[str, Any] | None, notebook: str,
                          where: str) -> None:
    """Refuse a name that is not a Python identifier, or (``declared`` given) not declared in the
    notebook's parameters cell.

    Raises:
        ConfigError: names ``where``, the parameter (as ``repr``) and the notebook.
    """
    for name in names:
        if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)
                and unicodedata.normalize("NFKC", name) == name):
            raise ConfigError(f"{where}: parameter {name!r} is not a Python identifier "
                              "(letters, digits and '_', not starting with a digit, not a "
                              f"keyword): it would become a variable of notebook {notebook!r}. "
                              "Rename it.")
        if declared is not None and name not in declared:
            raise ConfigError(f"{where}: parameter {name!r} is not declared in the parameters "
                              f"cell of notebook {notebook!r} (it declares: "
                              f"{', '.join(declared) or 'nothing'}): remove it or add it to the "
                              "notebook.")


def render_value(value: Any, what: str = "value") -> str:
    """A Python literal for ``value``, from its type alone (``what`` names it in errors).

    Raises:
        ConfigError: a value that is not data (names ``what`` and the type).
    """
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return float.__repr__(value)
        return "float('nan')" if math.isnan(value) else f"float('{'-' if value < 0 else ''}inf')"
    if isinstance(value, str):
        return str.__repr__(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render_value(v, what) for v in value) + "]"
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise ConfigError(f"{what}: dict keys must be strings (got {type(key).__name__}).")
            items.append(f"{str.__repr__(key)}: {render_value(item, what)}")
        return "{" + ", ".join(items) + "}"
    raise ConfigError(f"{what}: a {type(value).__name__} is not a value a notebook parameter can "
                      "hold: pass a string, number, bool, list or dict.")


def injected_source(values: Mapping[str, Any], secure: Iterable[str] = (),
                    where: str = "parameters") -> str:
    """The injected cell: one ``name = literal`` line per value; a ``secure`` name's line reads
    its value from the kernel's environment instead (:func:`.secrets.secure_parameter`).

    The names must have passed :func:`check_parameter_names`; they are checked again here.
    """
    secure = set(secure)
    check_parameter_names(values, None, "?", where)
    lines = ["# Parameters"]
    if secure & set(values):
        lines.append("from synhelpers.runtime.secrets import secure_parameter")
    for name, value in values.items():
        if name in secure:
            lines.append(f"{name} = secure_parameter({name!r})  # secure: not written anywhere")
        else:
            lines.append(f"{name} = {render_value(value, f'{where}: parameter {name!r}')}")
    source = "\n".join(lines)
    _check_assignments(source, list(values))
    return source


def _check_assignments(source: str, names: list[str]) -> None:
    """The injected cell is exactly one assignment per name, to that name (a last guard)."""
    tree = ast.parse(source)
    targets = [s.targets[0].id for s in tree.body if isinstance(s, ast.Assign)
               and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)]
    others = [s for s in tree.body if not isinstance(s, (ast.Assign, ast.ImportFrom))]
    if targets != names or others:
        raise ConfigError(f"the injected parameters cell would not be one assignment per "
                          f"parameter ({', '.join(map(repr, names))}); nothing was run.")
