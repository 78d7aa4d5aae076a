"""Where am I: Synapse or local.

Synapse Spark pools set ``AZURE_SERVICE=Microsoft.ProjectArcadia`` (the check SynapseML uses).
``SYNHELPERS_RUNTIME=synapse|local`` overrides the detection (tests use it to exercise the
Synapse code paths up to the boundary).
"""
from __future__ import annotations

import os

from ..exceptions import ConfigError

SYNAPSE = "synapse"
LOCAL = "local"
RUNTIME_ENV = "SYNHELPERS_RUNTIME"
_SYNAPSE_SERVICE = "Microsoft.ProjectArcadia"


def current_runtime() -> str:
    """Return ``"synapse"`` or ``"local"``.

    Raises:
        ConfigError: ``SYNHELPERS_RUNTIME`` holds something other than ``synapse`` or ``local``.
    """
    forced = os.environ.get(RUNTIME_ENV, "").strip().lower()
    if forced:
        if forced not in (SYNAPSE, LOCAL):
            raise ConfigError(f"{RUNTIME_ENV}={forced!r} is not valid: use 'synapse' or 'local', "
                              "or unset it to detect the runtime.")
        return forced
    return SYNAPSE if os.environ.get("AZURE_SERVICE") == _SYNAPSE_SERVICE else LOCAL


def is_synapse() -> bool:
    """True inside a Synapse Spark pool (or when forced with ``SYNHELPERS_RUNTIME=synapse``)."""
    return current_runtime() == SYNAPSE
