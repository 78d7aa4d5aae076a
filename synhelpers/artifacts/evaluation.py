"""Evaluating pipeline expressions: the functions registry and the evaluator.

Supported functions (:data:`expression_functions`; register more with ``register``):

============================  ==========================================================
``pipeline()``                ``{"parameters", "Pipeline", "RunId", "TriggerType"}``
``activity('Name')``          ``{"output", "error", "status"}`` of an activity that has run
``concat(a, b, ...)``         the arguments as text, joined
``json(text)``                parse JSON text (a dict or list is returned as is)
``string(x)``                 ``x`` as text (``True`` -> ``"True"``, dicts as JSON)
``int(x)``, ``float(x)``,
``bool(x)``                   convert, as parameter types convert
============================  ==========================================================

Property access (``.name``) matches exactly, then case-insensitively, as Data Factory does;
``?.name`` yields null when the property is missing. Any other function is an
:class:`~.errors.ExpressionError` that names it and lists the supported ones.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..exceptions import ConfigError
from .errors import ExpressionError
from .expressions import Call, Index, Literal, Member, Template, is_expression_object, parse
from .parameters import convert_value, to_text


@dataclass
class Context:
    """What expressions can see while one pipeline runs."""

    parameters: Mapping[str, Any] = field(default_factory=dict)
    activities: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    pipeline: str = ""
    run_id: str = ""
    trigger_type: str = "Manual"


@dataclass(frozen=True)
class _Function:
    fn: Callable
    min_args: int
    max_args: int | None
    signature: str


class ExpressionFunctions:
    """A registry of expression functions: ``register(name, fn, ...)``, ``get(name)``."""

    def __init__(self):
        self._functions: dict[str, _Function] = {}

    def register(self, name: str, fn: Callable, min_args: int = 0, max_args: int | None = None,
                 signature: str = "") -> None:
        """Add or replace ``name``; ``fn(context, *args)`` returns the value."""
        self._functions[name] = _Function(fn, min_args, max_args, signature or f"{name}(...)")

    def names(self) -> list[str]:
        return sorted(self._functions)

    def get(self, name: str) -> _Function:
        """Raises ExpressionError naming the function and the supported ones."""
        try:
            return self._functions[name]
        except KeyError:
            raise ExpressionError(f"unsupported function {name!r}: the local runner supports "
                                  f"{', '.join(self.names())}") from None


def evaluate(text_or_template: str | Template, context: Context) -> Any:
    """Evaluate a pipeline JSON string (``@expr``, text with ``@{expr}``, or plain text).

    Raises:
        ExpressionError: bad syntax, an unsupported function, a missing parameter, activity or
            property (the message names it and shows the expression).

    >>> evaluate("@concat('n=', string(pipeline().parameters.n))", Context({"n": 3}))
    'n=3'
    """
    template = text_or_template if isinstance(text_or_template, Template) else parse(text_or_template)
    if template.whole:
        return _Evaluator(template.text, context).eval(template.parts[0])
    evaluator = _Evaluator(template.text, context)
    return "".join(part if isinstance(part, str) else to_text(evaluator.eval(part))
                   for part in template.parts)


def evaluate_value(value: Any, context: Context) -> Any:
    """A pipeline property value, as Data Factory reads it: ``{"value": ..., "type":
    "Expression"}`` and plain strings are evaluated (a string without ``@`` is its own value;
    ``@@`` escapes a leading ``@``); numbers, booleans, null, lists and dicts are literals."""
    if is_expression_object(value):
        value = value["value"]
    if isinstance(value, str):
        return evaluate(value, context)
    return value


class _Evaluator:
    def __init__(self, text: str, context: Context):
        self.text, self.context = text, context

    def fail(self, message: str, node) -> ExpressionError:
        return ExpressionError(message, self.text, getattr(node, "pos", None))

    def eval(self, node) -> Any:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Call):
            function = self._function(node)
            args = [self.eval(arg) for arg in node.args]
            try:
                return function.fn(self.context, *args)
            except ExpressionError as exc:
                raise self.fail(exc.message, node) from None
            except ConfigError as exc:
                raise self.fail(str(exc), node) from None
            except (ValueError, TypeError) as exc:
                raise self.fail(f"{node.name}(): {exc}", node) from None
        if isinstance(node, Member):
            return self._member(self.eval(node.target), node)
        if isinstance(node, Index):
            return self._index(self.eval(node.target), self.eval(node.index), node)
        raise self.fail(f"cannot evaluate {node!r}", node)

    def _function(self, node: Call) -> _Function:
        try:
            function = expression_functions.get(node.name)
        except ExpressionError as exc:
            raise self.fail(exc.message, node) from None
        count = len(node.args)
        if count < function.min_args or (function.max_args is not None and count > function.max_args):
            raise self.fail(f"{node.name}() got {count} argument(s); use {function.signature}", node)
        return function

    def _member(self, target, node: Member):
        if target is None and node.optional:
            return None
        if isinstance(target, str) and not node.optional:
            raise self.fail(f"cannot read '.{node.name}' of a string; if it holds JSON (an exit "
                            f"value), parse it first: json(...).{node.name}", node)
        if not isinstance(target, Mapping):
            if node.optional:
                return None
            raise self.fail(f"cannot read '.{node.name}' of {type(target).__name__} "
                            f"{_short(target)}", node)
        if node.name in target:
            return target[node.name]
        folded = [key for key in target if isinstance(key, str) and key.lower() == node.name.lower()]
        if folded:
            return target[folded[0]]
        if node.optional:
            return None
        raise self.fail(f"no property {node.name!r} (available: "
                        f"{', '.join(map(str, target)) or 'none'})", node)

    def _index(self, target, index, node: Index):
        if isinstance(target, Mapping) and isinstance(index, str):
            return self._member(target, Member(node.target, index, False, node.pos))
        if isinstance(target, list) and isinstance(index, int) and not isinstance(index, bool):
            if -len(target) <= index < len(target):
                return target[index]
            raise self.fail(f"index {index} is out of range (length {len(target)})", node)
        raise self.fail(f"cannot index {type(target).__name__} with {index!r}", node)


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


# -- the functions ----------------------------------------------------------------------------
def _pipeline(context: Context) -> dict:
    return {"parameters": dict(context.parameters), "Pipeline": context.pipeline,
            "RunId": context.run_id, "TriggerType": context.trigger_type}


def _activity(context: Context, name) -> Mapping:
    if not isinstance(name, str):
        raise ExpressionError(f"activity() takes an activity name, not {name!r}")
    if name in context.activities:
        return context.activities[name]
    raise ExpressionError(f"activity {name!r} has no output here: it has not run (it is not "
                          f"upstream of this activity, or it was skipped). Activities with "
                          f"output: {', '.join(context.activities) or 'none'}")


def _json(context: Context, value):
    if isinstance(value, (dict, list)):
        return value
    if not isinstance(value, str):
        raise ExpressionError(f"json() takes a string, got {_short(value)}")
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise ExpressionError(f"json(): {_short(value)} is not JSON ({exc.msg})") from None


def _converter(kind: str):
    def convert(context: Context, value):
        return convert_value(value, kind, f"{kind}()")
    return convert


expression_functions = ExpressionFunctions()
expression_functions.register("pipeline", _pipeline, 0, 0, "pipeline()")
expression_functions.register("activity", _activity, 1, 1, "activity('<activity name>')")
expression_functions.register("concat", lambda ctx, *args: "".join(to_text(a) for a in args),
                              1, None, "concat(a, b, ...)")
expression_functions.register("json", _json, 1, 1, "json('<JSON text>')")
expression_functions.register("string", lambda ctx, value: to_text(value), 1, 1, "string(x)")
for _kind in ("int", "float", "bool"):
    expression_functions.register(_kind, _converter(_kind), 1, 1, f"{_kind}(x)")
