"""How the artifacts part reports what it cannot handle: an error level, and its own error classes.

``ErrorLevel`` follows sqlglot's (``sqlglot/errors.py``): a conversion that meets something it does
not understand calls :func:`unsupported`, and the level decides whether that is ignored, a warning
(:class:`ArtifactWarning`) or an :class:`~synhelpers.exceptions.ArtifactConversionError`.
Default: warn (notebooks, the CLI); the tests and the artifact build use raise.

The two error classes below subclass the package's own tree (:mod:`synhelpers.exceptions`), so
``except SynHelpersError`` catches them.
"""
from __future__ import annotations

import enum
import warnings

from ..exceptions import ArtifactConversionError, ConfigError, SynHelpersWarning


class ArtifactWarning(SynHelpersWarning):
    """Emitted by a conversion at ``ErrorLevel.WARN`` for something it does not understand."""


class ExpressionError(ConfigError):
    """Raised by the pipeline expression parser and evaluator (names the expression and where)."""

    def __init__(self, message: str, expression: str | None = None, position: int | None = None):
        self.message, self.expression, self.position = message, expression, position
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.expression is None:
            return self.message
        text = f"{self.message}\n  in expression: {self.expression}"
        if self.position is not None:
            text += "\n" + " " * (len("  in expression: ") + self.position) + "^"
        return text


class PipelineDefinitionError(ConfigError):
    """Raised when a pipeline cannot run as written: a cycle, an unknown activity or parameter."""


class ErrorLevel(enum.Enum):
    """What :func:`unsupported` does: nothing, warn, or raise."""

    IGNORE = "ignore"
    WARN = "warn"
    RAISE = "raise"

    @classmethod
    def of(cls, level: "ErrorLevel | str") -> "ErrorLevel":
        """``ErrorLevel.of("raise")`` -> ``ErrorLevel.RAISE`` (names the valid levels otherwise)."""
        if isinstance(level, cls):
            return level
        try:
            return cls(str(level).lower())
        except ValueError:
            raise ConfigError(f"level={level!r} is not an error level: use one of "
                              f"{', '.join(m.value for m in cls)}.") from None


def unsupported(message: str, level: ErrorLevel | str) -> None:
    """Report ``message`` at ``level``.

    Raises:
        ArtifactConversionError: at ``ErrorLevel.RAISE``.
    """
    level = ErrorLevel.of(level)
    if level is ErrorLevel.RAISE:
        raise ArtifactConversionError(message)
    if level is ErrorLevel.WARN:
        warnings.warn(message, ArtifactWarning, stacklevel=3)
