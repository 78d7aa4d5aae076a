"""Running one pipeline activity locally: the ``activity_handlers`` registry and SynapseNotebook.

A handler gets the activity's JSON, the expression :class:`~.evaluation.Context` (pipeline
parameters, upstream outputs) and the run's :class:`RunSettings`, and returns an
:class:`Outcome` whose ``output`` is shaped like Synapse's::

    {"status": {"Output": {"result": {"runId", "runStatus": "Succeed" | "Failed", "message",
        "lastCheckedOn", "errors": {"ename", "evalue"}, "sparkpool", "snapshotUrl", "exitValue"}}}}

so ``@activity('X').output.status.Output.result.exitValue`` reads the exit value downstream.

The notebook handler runs the referenced notebook with papermill in its own kernelspec (the
local ``synapse_pyspark`` kernel: ``python -m synhelpers.runtime.kernel`` installs it), with the
activity's parameters evaluated and converted to their declared types.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

from ..exceptions import ArtifactConversionError, ConfigError, PipelineActivityError
from ..runtime.notebook_parameters import (INJECTED_TAG, check_parameter_names, injected_source,
                                           parameters_cell_index, read_parameters)
from ..runtime.secrets import Masker, has_sas
from .errors import ErrorLevel, PipelineDefinitionError
from .evaluation import Context, evaluate_value
from .jsonio import load
from .notebooks import from_synapse
from .parameters import convert_value
ERROR_MARKER_TAG = "papermill-error-cell-tag"


@dataclass
class RunSettings:
    """Where a run reads notebooks from and writes its outputs."""

    out_dir: Path
    notebook_dirs: list[Path]
    kernel_name: str | None = None
    log: Callable[[str], None] | None = None
    masker: Masker = field(default_factory=Masker)


@dataclass
class Outcome:
    """What one attempt of an activity produced."""

    status: str                                # Succeeded | Failed
    output: dict
    exit_value: str = ""
    notebook: str | None = None
    source: Path | None = None
    output_notebook: Path | None = None
    parameters: dict = field(default_factory=dict)
    error: PipelineActivityError | None = None
    secure: frozenset = frozenset()                # parameters passed as secure values


class ActivityHandler(Protocol):
    def run(self, activity: dict, context: Context, settings: RunSettings, index: int) -> Outcome:
        ...


class ActivityHandlers:
    """Activity type -> handler (``register``/``get``), as papermill's engines registry."""

    def __init__(self):
        self._handlers: dict[str, ActivityHandler] = {}

    def register(self, activity_type: str, handler: ActivityHandler) -> None:
        self._handlers[activity_type] = handler

    def names(self) -> list[str]:
        return sorted(self._handlers)

    def get(self, activity_type: str) -> ActivityHandler:
        """Raises PipelineDefinitionError naming the type and the supported ones."""
        try:
            return self._handlers[activity_type]
        except KeyError:
            raise PipelineDefinitionError(
                f"activity type {activity_type!r} cannot run locally (supported: "
                f"{', '.join(self.names())}).") from None


def synapse_output(run_id: str, status: str, exit_value: str = "", pool: str | None = None,
                   snapshot: Path | None = None, error: PipelineActivityError | None = None) -> dict:
    """An activity output shaped like Synapse's notebook activity output."""
    return {"status": {"Output": {"result": {
        "runId": run_id,
        "runStatus": "Succeed" if status == "Succeeded" else "Failed",
        "message": str(error) if error else "",
        "lastCheckedOn": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "errors": {"ename": error.ename if error else "", "evalue": error.evalue if error else ""},
        "sparkpool": pool,
        "snapshotUrl": snapshot.resolve().as_uri() if snapshot else None,
        "exitValue": exit_value,
    }}}}


def safe_name(name: str) -> str:
    """An activity name as a file name part (``"L1 Transform"`` -> ``"L1_Transform"``)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "activity"


def find_notebook(reference: str, folders: list[Path], where: str = "notebook") -> Path | None:
    """``<folder>/<reference>.json`` (Synapse) or ``.ipynb``, first match in ``folders``; only a
    plain name resolving inside its folder (see :mod:`synhelpers.runtime.notebook_refs`).

    Raises:
        ConfigError: a reference that is not a plain notebook name, or leads out of its folder.
    """
    from ..runtime.notebook_refs import resolve_notebook
    return resolve_notebook(reference, folders, (".json", ".ipynb"), where, folders=False)


def policy_timeout_seconds(policy: dict) -> int | None:
    """``"0.12:00:00"`` (d.hh:mm:ss) -> 43200; None when absent or not a literal.

    Locally it bounds each cell (papermill's ``execution_timeout``), not the whole notebook."""
    text = (policy or {}).get("timeout")
    match = re.fullmatch(r"(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})", text or "") if isinstance(
        text, str) else None
    if not match:
        return None
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds or None


class NotebookActivity:
    """Runs a ``SynapseNotebook`` activity with papermill.

    The parameters reach the notebook in one injected cell (after its ``parameters`` cell) built
    by :func:`~synhelpers.runtime.notebook_parameters.injected_source`: names checked against the
    parameters cell, values written as literals, secure values (``securestring``, the activity's
    ``policy.secureInput``, anything holding a secure value or a SAS signature) read from the
    kernel's environment instead. The output notebook is written masked (:mod:`.masked_io`).
    """

    def run(self, activity: dict, context: Context, settings: RunSettings, index: int) -> Outcome:
        name = activity["name"]
        props = activity.get("typeProperties") or {}
        pool = (props.get("sparkPool") or {}).get("referenceName")
        run_id = str(uuid.uuid4())
        notebook = "?"
        try:
            notebook = evaluate_value((props.get("notebook") or {}).get("referenceName"), context)
            notebook = notebook if isinstance(notebook, str) else repr(notebook)
            source, nb = self._notebook(name, notebook, settings)
            parameters, secure = self._parameters(activity, notebook, nb, context, settings.masker)
        except (ConfigError, ArtifactConversionError, PipelineActivityError) as exc:
            error = exc if isinstance(exc, PipelineActivityError) else PipelineActivityError(
                name, notebook, None, type(exc).__name__, settings.masker.text(str(exc)))
            return Outcome("Failed", synapse_output(run_id, "Failed", pool=pool, error=error),
                           notebook=notebook, error=error)
        output_nb = settings.out_dir / f"{index:02d}_{safe_name(name)}.ipynb"
        input_nb = settings.out_dir / "inputs" / output_nb.name
        _inject(nb, parameters, secure, settings.masker, name)
        input_nb.parent.mkdir(parents=True, exist_ok=True)
        input_nb.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        error, exit_value = self._execute(name, notebook, source, input_nb, output_nb, settings,
                                          {k: parameters[k] for k in secure},
                                          policy_timeout_seconds(activity.get("policy")))
        if (activity.get("policy") or {}).get("secureOutput") is True:
            settings.masker.add(exit_value)
        status = "Failed" if error else "Succeeded"
        return Outcome(status, synapse_output(run_id, status, exit_value, pool, output_nb, error),
                       exit_value, notebook, source, output_nb if output_nb.is_file() else None,
                       parameters, error, frozenset(secure))

    @staticmethod
    def _notebook(activity: str, notebook: str, settings: RunSettings):
        """The referenced notebook's file and its ipynb dict (Synapse JSON converted)."""
        source = find_notebook(notebook, settings.notebook_dirs, f"activity '{activity}'")
        if source is None:
            raise PipelineActivityError(
                activity, notebook, None, "NotebookNotFound",
                f"no {notebook}.json or {notebook}.ipynb in "
                f"{', '.join(str(d) for d in settings.notebook_dirs)}; build the artifacts or "
                "pass notebook_dirs.")
        doc = load(source)
        nb = from_synapse(doc, level=ErrorLevel.WARN) if source.suffix == ".json" else doc
        return source, nb

    @staticmethod
    def _parameters(activity: dict, notebook: str, nb: dict, context: Context, masker):
        """The activity's parameters, evaluated and typed, and the names of the secure ones."""
        name = activity["name"]
        declared = activity.get("typeProperties", {}).get("parameters") or {}
        check_parameter_names(declared, read_parameters(nb, notebook), notebook,
                              f"activity '{name}'")
        secure_input = (activity.get("policy") or {}).get("secureInput") is True
        values, secure = {}, set()
        for pname, spec in declared.items():
            what = f"activity '{name}', parameter '{pname}'"
            try:
                if not isinstance(spec, dict) or "value" not in spec:
                    raise ConfigError(f"{what}: expected {{\"value\": ..., \"type\": ...}}.")
                kind = spec.get("type", "string")
                value = evaluate_value(spec["value"], context)
                values[pname] = convert_value(value, kind, what)
            except ConfigError as exc:               # ExpressionError included
                message = str(exc) if str(exc).startswith(what) else f"{what}: {exc}"
                raise PipelineActivityError(name, notebook, None, type(exc).__name__,
                                            masker.text(message)) from exc
            value = values[pname]
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            declared_secure = secure_input or str(kind).lower() == "securestring"
            if declared_secure or masker.covers(text):
                secure.add(pname)
                masker.add_signatures(text)             # a SAS: its signature, in any context
                if declared_secure or not has_sas(text):
                    masker.add(text)                    # a secret: the whole value
        return values, secure

    @staticmethod
    def _execute(activity, notebook, source: Path, input_nb: Path, output_nb: Path,
                 settings: RunSettings, secure: dict, timeout: int | None):
        import nbformat
        import papermill as pm
        from papermill.exceptions import PapermillExecutionError
        from ..runtime.secrets import secure_environment
        from ..runtime.standin import read_exit_value
        from .masked_io import masked_output
        masker = settings.masker
        error, executed = None, None
        try:
            with masked_output(output_nb, masker) as output_path, secure_environment(secure):
                executed = pm.execute_notebook(
                    str(input_nb), output_path, kernel_name=settings.kernel_name,
                    cwd=str(source.parent), progress_bar=False, execution_timeout=timeout)
        except PapermillExecutionError as exc:
            error = PipelineActivityError(activity, notebook,
                                          _source_cell_index(output_nb, exc.cell_index),
                                          exc.ename, masker.text(exc.evalue))
        except Exception as exc:                    # kernel missing or dead, timeout, bad file
            detail = masker.text(str(exc))
            if type(exc).__name__ == "NoSuchKernel":
                detail += " (install the local kernel: python -m synhelpers.runtime.kernel)"
            error = PipelineActivityError(activity, notebook, None, type(exc).__name__, detail)
        exit_value = ""
        if executed is not None:                    # in memory: what downstream activities read
            exit_value = read_exit_value(executed) or ""
        elif output_nb.is_file():
            exit_value = read_exit_value(nbformat.read(str(output_nb), as_version=4)) or ""
        return error, exit_value


def _inject(nb: dict, parameters: dict, secure: set, masker, activity: str) -> None:
    """Insert the injected-parameters cell after the parameters cell (none without parameters)."""
    meta = nb.setdefault("metadata", {}).setdefault("papermill", {})
    meta["parameters"] = masker({k: "***" if k in secure else v for k, v in parameters.items()})
    cells = [c for c in nb.get("cells", [])
             if INJECTED_TAG not in ((c.get("metadata") or {}).get("tags") or [])]
    nb["cells"] = cells
    if not parameters:
        return
    index = parameters_cell_index(nb)
    source = injected_source(parameters, secure, f"activity '{activity}'")
    cells.insert(index + 1, {"cell_type": "code", "execution_count": None, "outputs": [],
                             "metadata": {"tags": [INJECTED_TAG]}, "source": source})


def _source_cell_index(output_nb: Path, executed_index: int) -> int:
    """The failing cell's index in the *source* notebook (papermill counts the injected
    parameters cell; its error banner cells are removed first)."""
    import nbformat
    try:
        cells = nbformat.read(str(output_nb), as_version=4).cells
    except Exception:  # no output written: the executed index is the best we have
        return executed_index
    cells = [c for c in cells if ERROR_MARKER_TAG not in c.metadata.get("tags", [])]
    injected = sum(1 for c in cells[:executed_index] if INJECTED_TAG in c.metadata.get("tags", []))
    return executed_index - injected


activity_handlers = ActivityHandlers()
activity_handlers.register("SynapseNotebook", NotebookActivity())


def outcome_object(outcome: Outcome) -> dict[str, Any]:
    """What ``activity('X')`` returns in expressions: ``output``, ``error``, ``status``."""
    error = None
    if outcome.error is not None:
        error = {"message": str(outcome.error), "errorCode": outcome.error.ename,
                 "failureType": "UserError"}
    return {"output": outcome.output, "error": error, "status": outcome.status}
