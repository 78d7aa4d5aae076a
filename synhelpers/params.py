"""Parameters arriving as text (pipelines, the CLI, notebook cells): one rule per type (pure).

Pipelines and ``mssparkutils.notebook.run`` hand notebooks strings; a notebook's parameters cell,
the CLI and Python callers hand them typed values. Every entry point converts through these
functions, so ``"7"`` and ``7`` and ``7.0`` are the same whole number everywhere, ``"2.7"`` is
never silently 2, and ``"tru"`` is never silently False. Each error names the parameter.
"""
from __future__ import annotations

import math
import re

from .exceptions import ConfigError

TRUE_WORDS, FALSE_WORDS = ("true", "1", "yes"), ("false", "0", "no")
_INTEGER = re.compile(r"[+-]?\d+")


def as_int(value, parameter: str, minimum: int | None = None) -> int:
    """A whole number: an int, a float without a fraction, or its text (``"7"``, ``" -2 "``).

    Raises:
        ConfigError: a bool, a fraction (``2.7``, ``"2.7"``), anything else, or below ``minimum``.
    """
    number = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    if number is None:
        raise ConfigError(f"{parameter}={value!r} is not a whole number.")
    if minimum is not None and number < minimum:
        raise ConfigError(f"{parameter}={value!r} must be at least {minimum}.")
    return number


def as_float(value, parameter: str, minimum: float | None = None,
             above: float | None = None) -> float:
    """A finite number, or its text.

    Raises:
        ConfigError: a bool, text that is not a number, NaN or infinity, below ``minimum`` or not
            above ``above``.
    """
    number = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise ConfigError(f"{parameter}={value!r} is not a number.")
    if minimum is not None and number < minimum:
        raise ConfigError(f"{parameter}={value!r} must be at least {minimum}.")
    if above is not None and number <= above:
        raise ConfigError(f"{parameter}={value!r} must be more than {above}.")
    return number


def as_bool(value, parameter: str) -> bool:
    """``True``/``False``, 1/0, or the words true/false, 1/0, yes/no (any case).

    Raises:
        ConfigError: anything else (``"tru"``, ``2``, ``None``).
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS or word in FALSE_WORDS:
            return word in TRUE_WORDS
    raise ConfigError(f"{parameter}={value!r} is not true or false (use true/false, yes/no or "
                      "1/0).")


def as_bool_or_auto(value, parameter: str):
    """:func:`as_bool`, or ``"auto"`` (any case) and ``None`` as ``"auto"``."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "auto"):
        return "auto"
    try:
        return as_bool(value, parameter)
    except ConfigError:
        raise ConfigError(f"{parameter}={value!r} is not true, false or auto.") from None
