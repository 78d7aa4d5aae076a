"""Optional dependencies: import them where they are needed, with a clear error when absent."""
from __future__ import annotations

import importlib
import importlib.util

from .exceptions import MissingDependencyError

_PIP_NAMES = {"sklearn": "scikit-learn", "skl2onnx": "skl2onnx", "yaml": "pyyaml"}


def has_module(name: str) -> bool:
    """True when ``name`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def require(name: str, extra: str = "local"):
    """Import and return module ``name``; raise :class:`MissingDependencyError` when absent."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        pip_name = _PIP_NAMES.get(name.split(".")[0], name.split(".")[0])
        raise MissingDependencyError(
            f"This step needs the '{pip_name}' package, which is not installed. Install it with "
            f"`pip install 'synhelpers[{extra}]'` (or `pip install {pip_name}`).") from exc
