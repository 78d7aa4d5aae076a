"""A local stand-in for Synapse's ``mssparkutils`` / ``notebookutils``.

``notebook.exit(value)`` ends the notebook with an exit value, as in Synapse. At top level it
shows the value as a ``application/vnd.synhelpers.notebook-exit+json`` output (so an output notebook
written by papermill records it for the pipeline runner) and raises ``SystemExit(0)``, which
IPython and papermill treat as a clean stop. ``notebook.run(path, timeout_seconds, arguments)`` runs
another notebook in this process and this Spark session, without sharing variables, and returns
its exit value (a string, or ``""`` when it did not call exit).

``credentials.getSecret(akv, secret, linked_service)`` reads the secret from the environment
variable ``SYNHELPERS_SECRET_<SECRET>`` (upper case, ``-`` as ``_``): secrets never sit in a notebook.
``credentials.getPropertiesAll(linked_service)`` returns the JSON text of
``SYNHELPERS_LINKED_SERVICE_<NAME>`` (a linked service's properties, as the pool returns them).
"""
from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

from ..exceptions import ConfigError, RuntimeSeamError

EXIT_MIME = "application/vnd.synhelpers.notebook-exit+json"
SECRET_ENV_PREFIX = "SYNHELPERS_SECRET_"
LINKED_SERVICE_ENV_PREFIX = "SYNHELPERS_LINKED_SERVICE_"


class _RunFrame:
    def __init__(self, path: str):
        self.path = path
        self.exit_value: str | None = None


_frames: list[_RunFrame] = []


def _in_ipython():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _resolve_notebook(path: str, base: Path | None = None) -> Path:
    """Find a notebook the way a Synapse path names it (``name``, ``folder/name``,
    ``/folder/name`` from the workspace root), only inside the workspace folders: this
    notebook's folder, the project's ``notebooks/``, the project."""
    from .notebook_refs import resolve_notebook
    from .state import _project_root
    roots = [base or Path.cwd()]
    project = _project_root(Path.cwd().resolve())
    roots += [project / "notebooks", project]
    found = resolve_notebook(path, roots, (".ipynb",), "mssparkutils.notebook.run")
    if found is None:
        raise ConfigError(f"mssparkutils.notebook.run: notebook {path!r} not found (looked in "
                          f"{', '.join(str(r) for r in roots)}). Pass a notebook name or path.")
    return found


@contextmanager
def _time_limit(seconds: float | None, path: str):
    usable = (seconds and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def _expired(signum, frame):
        raise TimeoutError(f"Notebook {path!r} did not finish within timeout_seconds={seconds}.")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _cell_code(source: str, shell) -> str:
    if shell is not None:
        return shell.transform_cell(source)
    from IPython.core.inputtransformer2 import TransformerManager
    code = TransformerManager().transform_cell(source)
    if "get_ipython()" in code:
        raise RuntimeSeamError("mssparkutils.notebook.run: the notebook uses magics (%...), which "
                               "need an IPython kernel; run it from a notebook or with papermill.")
    return code


class _Notebook:
    """``mssparkutils.notebook``: exit and run."""

    def exit(self, value="") -> None:
        """End this notebook with ``value`` (converted to a string) as its exit value."""
        text = value if isinstance(value, str) else json.dumps(value) if isinstance(
            value, (dict, list)) else str(value)
        if _frames:
            _frames[-1].exit_value = text
        else:
            shell = _in_ipython()
            if shell is not None:
                from IPython.display import display
                display({EXIT_MIME: {"exitValue": text},
                         "text/plain": f"Notebook exit value: {text}"}, raw=True)
            else:
                print(f"Notebook exit value: {text}")
        # IPython follows a SystemExit with "To exit: use 'exit'..." -- not meant for this stop
        warnings.filterwarnings("ignore", message="To exit: use", category=UserWarning)
        raise SystemExit(0)

    def run(self, path: str, timeout_seconds: int = 90, arguments: dict | None = None) -> str:
        """Run notebook ``path`` here with ``arguments`` injected after its parameters cell."""
        import nbformat

        from .notebook_parameters import check_parameter_names, injected_source, read_parameters
        nb_path = _resolve_notebook(path)
        nb = nbformat.read(str(nb_path), as_version=4)
        arguments = dict(arguments or {})
        where = "mssparkutils.notebook.run"
        check_parameter_names(arguments, read_parameters(nb, path), path, where)
        injected = injected_source(arguments, where=where) if arguments else ""
        shell = _in_ipython()
        namespace: dict = {"__name__": "__main__", "__file__": str(nb_path)}
        frame = _RunFrame(str(nb_path))
        _frames.append(frame)
        started = time.monotonic()
        try:
            with _time_limit(timeout_seconds, path):
                for index, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
                    code = _cell_code(cell.source, shell)
                    exec(compile(code, f"{nb_path.name}:cell{index}", "exec"), namespace)
                    if injected and "parameters" in cell.metadata.get("tags", []):
                        exec(compile(injected, f"{nb_path.name}:injected", "exec"), namespace)
        except SystemExit as stop:
            if stop.code not in (None, 0):
                raise
        finally:
            _frames.pop()
        frame.elapsed = time.monotonic() - started
        return frame.exit_value or ""


class _Credentials:
    """``mssparkutils.credentials``: secrets come from the environment locally."""

    def getSecret(self, akv_name: str, secret: str, linked_service: str | None = None) -> str:  # noqa: N802
        env = SECRET_ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", secret).upper()
        try:
            return os.environ[env]
        except KeyError:
            raise ConfigError(f"Secret {secret!r} (Key Vault {akv_name!r}) is not set locally: "
                              f"export {env}=... in the environment.") from None

    def getPropertiesAll(self, linked_service: str) -> str:  # noqa: N802
        env = LINKED_SERVICE_ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", linked_service).upper()
        try:
            return os.environ[env]
        except KeyError:
            raise ConfigError(f"Linked service {linked_service!r} is not defined locally: export "
                              f"{env}='{{\"subscriptionId\": ..., \"resourceGroupName\": ..., "
                              f"\"mlWorkspaceName\": ...}}'.") from None


class _MsSparkUtils:
    notebook = _Notebook()
    credentials = _Credentials()


mssparkutils = _MsSparkUtils()


class _NotebookUtils(_MsSparkUtils):
    mssparkutils = mssparkutils


notebookutils = _NotebookUtils()


def read_exit_value(nb) -> str | None:
    """The exit value recorded in an executed notebook (a papermill output), or None."""
    value = None
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            data = output.get("data") or {}
            if EXIT_MIME in data:
                payload = data[EXIT_MIME]
                if isinstance(payload, str):
                    payload = json.loads(payload)
                value = payload.get("exitValue")
    return value
