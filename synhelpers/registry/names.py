"""The names MLflow holds for us: experiments and registered models (pure).

One rule for every entry point that names them (the wizard's form, many models per group):
letters, digits, ``.``, ``_`` and ``-``, 1 to 250 characters, matched whole, not dots alone. Such a
name is safe in MLflow's filter strings, as a folder name and in the SQL pool's model IDs.
"""
from __future__ import annotations

import re

from ..exceptions import ConfigError

MAX_NAME_LENGTH = 250
_NAME = re.compile(rf"[A-Za-z0-9_.\-]{{1,{MAX_NAME_LENGTH}}}")


def check_mlflow_name(value, parameter: str) -> str:
    """``value`` when it is a valid experiment or registered model name.

    Raises:
        ConfigError: anything else, naming ``parameter``.
    """
    if not isinstance(value, str) or not _NAME.fullmatch(value) or set(value) == {"."}:
        raise ConfigError(f"{parameter}={value!r} is not valid: use letters, digits, '.', '_' and "
                          f"'-' (at most {MAX_NAME_LENGTH} characters).")
    return value
