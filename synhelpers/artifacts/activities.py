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
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

from ..exceptions import ConfigError, PipelineActivityError
from .errors import ErrorLevel, PipelineDefinitionError
from .evaluation import Context, evaluate_value
from .jsonio import load
from .notebooks import from_synapse
from .parameters import convert_value

INJECTED_TAG = "injected-parameters"
ERROR_MARKER_TAG = "papermill-error-cell-tag"


@dataclass
class RunSettings:
    """Where a run reads notebooks from and writes its outputs."""

    out_dir: Path
    notebook_dirs: list[Path]
    kernel_name: str | None = None
    log: Callable[[str], None] | None = None


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


def find_notebook(reference: str, folders: list[Path]) -> Path | None:
    """``<folder>/<reference>.json`` (Synapse) or ``.ipynb``, first match in ``folders``."""
    for folder in folders:
        for suffix in (".json", ".ipynb"):
            candidate = folder / f"{reference}{suffix}"
            if candidate.is_file():
                return candidate
    return None


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
    """Runs a ``SynapseNotebook`` activity with papermill."""

    def run(self, activity: dict, context: Context, settings: RunSettings, index: int) -> Outcome:
        name = activity["name"]
        props = activity.get("typeProperties") or {}
        pool = (props.get("sparkPool") or {}).get("referenceName")
        run_id = str(uuid.uuid4())
        notebook = "?"
        try:
            notebook = str(evaluate_value((props.get("notebook") or {}).get("referenceName"), context))
            source = find_notebook(notebook, settings.notebook_dirs)
            if source is None:
                raise PipelineActivityError(
                    name, notebook, None, "NotebookNotFound",
                    f"no {notebook}.json or {notebook}.ipynb in "
                    f"{', '.join(str(d) for d in settings.notebook_dirs)}; build the artifacts or "
                    "pass notebook_dirs.")
            parameters = self._parameters(name, notebook, props.get("parameters") or {}, context)
        except PipelineActivityError as error:
            return Outcome("Failed", synapse_output(run_id, "Failed", pool=pool, error=error),
                           notebook=notebook, error=error)
        output_nb = settings.out_dir / f"{index:02d}_{safe_name(name)}.ipynb"
        error, exit_value = self._execute(name, notebook, source, parameters, output_nb, settings,
                                          policy_timeout_seconds(activity.get("policy")))
        status = "Failed" if error else "Succeeded"
        return Outcome(status, synapse_output(run_id, status, exit_value, pool, output_nb, error),
                       exit_value, notebook, source, output_nb if output_nb.is_file() else None,
                       parameters, error)

    @staticmethod
    def _parameters(activity: str, notebook: str, declared: dict, context: Context) -> dict:
        values = {}
        for pname, spec in declared.items():
            what = f"activity '{activity}', parameter '{pname}'"
            try:
                if not isinstance(spec, dict) or "value" not in spec:
                    raise ConfigError(f"{what}: expected {{\"value\": ..., \"type\": ...}}.")
                value = evaluate_value(spec["value"], context)
                values[pname] = convert_value(value, spec.get("type", "string"), what)
            except ConfigError as exc:               # ExpressionError included
                message = str(exc) if str(exc).startswith(what) else f"{what}: {exc}"
                raise PipelineActivityError(activity, notebook, None, type(exc).__name__,
                                            message) from exc
        return values

    @staticmethod
    def _execute(activity, notebook, source: Path, parameters, output_nb: Path,
                 settings: RunSettings, timeout: int | None):
        import nbformat
        import papermill as pm
        from papermill.exceptions import PapermillExecutionError
        from ..runtime.standin import read_exit_value
        input_path = source
        if source.suffix == ".json":
            nb = nbformat.from_dict(from_synapse(load(source), level=ErrorLevel.WARN))
            input_path = settings.out_dir / "inputs" / f"{output_nb.stem}.ipynb"
            input_path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(input_path))
        error = None
        try:
            pm.execute_notebook(str(input_path), str(output_nb), parameters=parameters,
                                kernel_name=settings.kernel_name, cwd=str(source.parent),
                                progress_bar=False, execution_timeout=timeout)
        except PapermillExecutionError as exc:
            error = PipelineActivityError(activity, notebook, _source_cell_index(output_nb, exc.cell_index),
                                          exc.ename, exc.evalue)
        except Exception as exc:                    # kernel missing or dead, timeout, bad file
            detail = str(exc)
            if type(exc).__name__ == "NoSuchKernel":
                detail += " (install the local kernel: python -m synhelpers.runtime.kernel)"
            error = PipelineActivityError(activity, notebook, None, type(exc).__name__, detail)
        exit_value = ""
        if output_nb.is_file():
            exit_value = read_exit_value(nbformat.read(str(output_nb), as_version=4)) or ""
        return error, exit_value


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
