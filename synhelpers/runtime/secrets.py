"""Secure values: recognised, passed to a notebook without touching disk, masked as ``***``.

A value is secure when a pipeline declares it ``securestring``, when an activity's
``policy.secureInput`` / ``secureOutput`` covers it (as Synapse hides them from its monitoring),
or when it carries a shared access signature (a URL or text with a ``sig=`` parameter: a SAS
token given as ``path``). :class:`Masker` replaces every secure value -- and every SAS
signature, known or not -- by ``***`` in text and in JSON-like objects: the pipeline runner
applies it to everything it writes (run folder, output notebooks, exit values, logs), the CLI to
what it prints, the package to MLflow params and tags (:func:`mask`, the process's masker).

A secure notebook parameter travels through the kernel's environment
(``SYNHELPERS_SECURE_PARAMETER__<name>``, JSON), set only while the kernel starts
(:func:`secure_environment`); the injected cell reads it with :func:`secure_parameter`, which
removes it from the environment and registers the value with this process's masker.
"""
from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from typing import Any, Iterable, Mapping

MASK = "***"
SECURE_ENV_PREFIX = "SYNHELPERS_SECURE_PARAMETER__"
# a URL's query holding a SAS signature, or a bare SAS token: the whole query/token is masked
_SAS_QUERY = re.compile(r"(?i)(?<=\?)[^\s'\"<>`]*\bsig=[^\s'\"<>`]*")
_SAS_TOKEN = re.compile(r"(?i)(?:\b[a-z]{2,5}=[^\s&'\"<>`?]*&)*\bsig=[^\s&'\"<>`]*"
                        r"(?:&[a-z]{2,5}=[^\s&'\"<>`]*)*")
_SIG_VALUE = re.compile(r"(?i)\bsig=([^\s&'\"<>`]+)")
_MIN_SECRET = 4          # shorter values would mask every 'a' or '1' in a notebook


def has_sas(value: Any) -> bool:
    """True when ``value`` is text holding a shared access signature (``sig=``)."""
    return isinstance(value, str) and bool(_SAS_TOKEN.search(value))


class Masker:
    """Replaces known secure values, and any SAS signature, by ``***``."""

    def __init__(self, values: Iterable[Any] = ()):
        self._values: set[str] = set()
        for value in values:
            self.add(value)

    def add(self, value: Any) -> None:
        """Mask ``value`` from now on (as text, and as its ``repr`` and JSON escapes)."""
        text = value if isinstance(value, str) else json.dumps(value) if value is not None else ""
        if len(text) < _MIN_SECRET:
            return
        for form in (text, repr(text)[1:-1], json.dumps(text)[1:-1],
                     json.dumps(text, ensure_ascii=False)[1:-1]):
            if len(form) >= _MIN_SECRET:
                self._values.add(form)

    def add_signatures(self, value: Any) -> None:
        """Mask the signature of every SAS in ``value`` in any context (also URL-decoded)."""
        if isinstance(value, str):
            from urllib.parse import unquote
            for match in _SIG_VALUE.finditer(value):
                self.add(match[1])
                self.add(unquote(match[1]))

    def __bool__(self) -> bool:
        return bool(self._values)

    def covers(self, value: Any) -> bool:
        """True when ``value`` contains a known secure value or a SAS signature."""
        return isinstance(value, str) and (has_sas(value) or any(v in value for v in self._values))

    def text(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, MASK)
        text = _SAS_QUERY.sub(MASK, text)
        return _SAS_TOKEN.sub(MASK, text)

    def __call__(self, obj: Any) -> Any:
        """``obj`` with every string (and dict key) masked; other values unchanged."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, Mapping):
            return {self(k): self(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self(v) for v in obj]
        return obj


_process = Masker()


def register_secret(value: Any) -> None:
    """Mask ``value`` in what this process writes through :func:`mask` from now on."""
    _process.add(value)


def mask(obj: Any) -> Any:
    """``obj`` masked with this process's secure values and SAS signatures."""
    return _process(obj)


def secure_parameter(name: str) -> Any:
    """A secure notebook parameter, read (once) from the kernel's environment.

    Raises:
        ConfigError: the value was not passed (the notebook did not start from the pipeline
            runner, or reads it twice).
    """
    try:
        value = json.loads(os.environ.pop(SECURE_ENV_PREFIX + name))
    except KeyError:
        from ..exceptions import ConfigError
        raise ConfigError(f"secure parameter {name!r} was not passed to this kernel: it is read "
                          "once, from the environment the pipeline runner starts the kernel "
                          "with. Run the notebook through the pipeline.") from None
    register_secret(value)
    return value


@contextmanager
def secure_environment(values: Mapping[str, Any]):
    """Put ``values`` in this process's environment (inherited by a kernel started inside),
    and take them out again afterwards."""
    keys = [SECURE_ENV_PREFIX + name for name in values]
    saved = {k: os.environ.get(k) for k in keys}
    try:
        for key, value in zip(keys, values.values()):
            os.environ[key] = json.dumps(value)
        yield
    finally:
        for key, before in saved.items():
            if before is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = before
