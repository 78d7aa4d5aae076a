"""Named fault points: where a test makes a real process fail or die between two steps.

A step that must survive a crash calls :func:`fault_point` with its name. Nothing happens unless
the environment variable ``SYNHELPERS_FAULT`` names that point, as ``<point>:<action>``:

``kill``   the process sends itself SIGKILL (no clean-up, no ``finally``: as a power cut or the
           OOM killer would stop it);
``raise``  :class:`InjectedFault` is raised (the step fails; the caller's error handling runs).

The named points (each documented where it is called):

=================================  ===============================================================
``tables.swap.retired``            Spark table overwrite: the old table renamed aside, the new one
                                   not yet in its place (:mod:`synhelpers.data.tables`)
``tables.swap.placed``             the new table in place, the old one not yet dropped
``pool.load.inserted``             local pool overwrite/append: rows inserted, not yet committed
                                   (:meth:`synhelpers.sqlpool.pool.LocalPool.load_parquet`)
=================================  ===============================================================

Pure: imports nothing from the package but its exceptions.
"""
from __future__ import annotations

import os
import signal

from .exceptions import SynHelpersError

FAULT_ENV = "SYNHELPERS_FAULT"
ACTIONS = ("kill", "raise")


class InjectedFault(SynHelpersError):
    """Raised at a fault point whose action is ``raise``."""


def fault_point(name: str) -> None:
    """Fail or die here when ``SYNHELPERS_FAULT`` is ``<name>:<action>``; otherwise nothing."""
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    point, _, action = spec.partition(":")
    if point != name:
        return
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    raise InjectedFault(f"fault injected at {name} ({FAULT_ENV}={spec}).")
