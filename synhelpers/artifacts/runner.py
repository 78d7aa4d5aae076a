"""The local pipeline runner: a pipeline JSON's activity graph, run with papermill.

Activities run one at a time (local Spark notebooks share one embedded metastore), in an order
that respects ``dependsOn``, with Data Factory's conditions (:mod:`.graph`). Each activity's
parameters are evaluated just before it runs (:mod:`.evaluation`), so upstream exit values are
readable. A failed activity does not stop the run: its ``Succeeded`` dependents are Skipped,
its ``Failed`` / ``Completed`` dependents run. :meth:`RunResult.raise_for_status` raises the
first failure's :class:`~synhelpers.exceptions.PipelineActivityError` for callers that want it.

The run folder holds ``NN_<activity>.ipynb`` (each executed notebook), ``inputs/`` (each notebook
as it was run: converted to ipynb, with its injected parameters cell) and ``run.json`` (the
summary). Secure values are masked (``***``) in all of it, in the log lines and in the summary
(:mod:`synhelpers.runtime.secrets`); a pipeline's name must be safe as a folder name
(:func:`check_pipeline_name`).
"""
from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from ..exceptions import ConfigError, PipelineActivityError
from ..runtime.secrets import Masker
from .activities import Outcome, RunSettings, activity_handlers, outcome_object
from .errors import PipelineDefinitionError
from .evaluation import Context
from .graph import FAILED, SKIPPED, SUCCEEDED, execution_order, pipeline_status, should_run
from .jsonio import load
from .parameters import convert_value

EXIT_VALUE_WIDTH = 40
# Data Factory's rule for pipeline names: 1-140 characters, starting with a letter, digit or '_',
# none of . + ? / < > * % & : \ (and, here, no control character): safe as a folder name
_PIPELINE_NAME = re.compile(r"[A-Za-z0-9_][^.+?/<>*%&:\\\x00-\x1f\x7f]{0,139}")


@dataclass
class ActivityRun:
    """One activity of a run, as the summary shows it."""

    name: str
    type: str
    status: str                                   # Succeeded | Failed | Skipped
    duration: float = 0.0
    exit_value: str = ""
    output_notebook: Path | None = None
    notebook: str | None = None
    source: Path | None = None
    parameters: dict = field(default_factory=dict)
    output: dict = field(default_factory=dict)
    error: PipelineActivityError | None = None
    attempts: int = 0
    secure: frozenset = frozenset()

    def to_dict(self) -> dict:
        return {"activity": self.name, "type": self.type, "status": self.status,
                "duration": round(self.duration, 3), "exit_value": self.exit_value,
                "output_notebook": str(self.output_notebook) if self.output_notebook else None,
                "notebook": self.notebook, "source": str(self.source) if self.source else None,
                "parameters": {k: "***" if k in self.secure else v
                               for k, v in self.parameters.items()}, "attempts": self.attempts,
                "error": str(self.error) if self.error else None, "output": self.output}


@dataclass
class RunResult:
    """A pipeline run: its status (Succeeded | Failed), parameters and activities in run order."""

    pipeline: str
    run_id: str
    status: str
    parameters: dict
    activities: list[ActivityRun]
    out_dir: Path
    duration: float = 0.0
    masker: Masker = field(default_factory=Masker, repr=False)
    secure_parameters: tuple = ()

    def activity(self, name: str) -> ActivityRun:
        """The run of activity ``name`` (KeyError naming the activities otherwise)."""
        for run in self.activities:
            if run.name == name:
                return run
        raise KeyError(f"no activity {name!r} in this run "
                       f"({', '.join(a.name for a in self.activities)})")

    @property
    def failures(self) -> list[ActivityRun]:
        return [a for a in self.activities if a.status == FAILED]

    def raise_for_status(self) -> None:
        """Raise the first failed activity's PipelineActivityError, if any."""
        for run in self.failures:
            raise run.error or PipelineActivityError(run.name, run.notebook or "?")

    def to_dict(self) -> dict:
        """JSON-ready, with every secure value masked (what ``run.json`` holds)."""
        parameters = {k: "***" if k in self.secure_parameters else v
                      for k, v in self.parameters.items()}
        return self.masker({"pipeline": self.pipeline, "run_id": self.run_id,
                            "status": self.status, "duration": round(self.duration, 3),
                            "parameters": parameters, "out_dir": str(self.out_dir),
                            "activities": [a.to_dict() for a in self.activities]})


def resolve_parameters(declared: Mapping[str, Mapping], given: Mapping[str, Any],
                       pipeline: str = "pipeline") -> dict:
    """Pipeline parameter values: defaults overridden by ``given``, each converted to its type.

    Strings (from a command line) are parsed per the type: ``"7"`` for an int, ``"true"`` for a
    bool, JSON for an array or object.

    Raises:
        ConfigError: an unknown parameter (lists the declared ones), a value not of the type, or
            a parameter without default that was not given.
    """
    unknown = [name for name in given if name not in declared]
    if unknown:
        raise ConfigError(f"pipeline '{pipeline}' has no parameter {', '.join(map(repr, unknown))} "
                          f"(it declares: {', '.join(declared) or 'none'}).")
    values = {}
    for name, spec in declared.items():
        what = f"pipeline '{pipeline}', parameter '{name}'"
        if name in given:
            value = given[name]
        elif "defaultValue" in spec:
            value = spec["defaultValue"]
        else:
            raise ConfigError(f"{what} has no default: pass a value for it.")
        values[name] = value if value is None else convert_value(value, spec.get("type", "string"),
                                                                  what)
    return values


def check_pipeline_name(name, where) -> str:
    """``name`` when it follows Data Factory's naming rule (and so is safe in a path).

    Raises:
        PipelineDefinitionError: names ``where`` (the pipeline file) and the rule.
    """
    if not (isinstance(name, str) and _PIPELINE_NAME.fullmatch(name)):
        raise PipelineDefinitionError(
            f"{where}: pipeline name {name!r} is not valid: 1-140 characters, starting with a "
            "letter, digit or '_', without . + ? / < > * % & : \\ or control characters.")
    return name


def run_pipeline(pipeline_path: str | Path, parameters: Mapping[str, Any] | None = None,
                 out_dir: str | Path | None = None, *, notebook_dirs: list[str | Path] | None = None,
                 kernel_name: str | None = None,
                 log: Callable[[str], None] | None = print) -> RunResult:
    """Run a pipeline JSON's activities locally and return (and print) the run summary.

    Args:
        pipeline_path: ``pipeline/<name>.json`` in Synapse's Git format.
        parameters: pipeline parameter overrides (strings are converted to the declared types).
        out_dir: the run folder (default: ``<state dir>/runs/<pipeline>-<run id>``).
        notebook_dirs: where referenced notebooks are looked up, as ``<name>.json`` (Synapse)
            or ``<name>.ipynb``; default: the workspace's ``notebook/`` beside the pipeline's
            folder, then the project's ``notebooks/``.
        kernel_name: override every notebook's kernelspec (default: the notebook's own,
            ``synapse_pyspark``).
        log: called with progress lines and the final table; None for silence.

    Raises:
        ArtifactConversionError: the pipeline file is not valid JSON.
        PipelineDefinitionError: a cycle, an unknown dependency or activity type.
        ConfigError: an unknown parameter or a value of the wrong type.
        (A failing activity does not raise: see :meth:`RunResult.raise_for_status`.)

    >>> result = run_pipeline("workspace_artifacts/pipeline/AutoML_Train_And_Score.json",
    ...                       {"rows": "20000"}, "output/run1")          # doctest: +SKIP
    >>> result.activity("TrainModel").exit_value                          # doctest: +SKIP
    '{"model_name": "nyc_taxi_fare_predict", "model_version": 3, ...}'
    """
    pipeline_path = Path(pipeline_path)
    doc = load(pipeline_path)
    props = doc.get("properties") if isinstance(doc, dict) else None
    if not isinstance(props, dict) or not isinstance(props.get("activities"), list):
        raise PipelineDefinitionError(f"{pipeline_path}: not a pipeline (no properties.activities).")
    name = check_pipeline_name(doc.get("name", pipeline_path.stem), pipeline_path)
    activities = execution_order(props["activities"])
    for activity in activities:
        activity_handlers.get(activity.get("type"))
    declared = props.get("parameters") or {}
    values = resolve_parameters(declared, dict(parameters or {}), name)
    secure = tuple(k for k, spec in declared.items()
                   if str((spec or {}).get("type", "")).lower() == "securestring")
    masker = Masker(values[k] for k in secure)
    for value in values.values():
        masker.add_signatures(value)
    log = _masked(log, masker)
    run_id = str(uuid.uuid4())
    out = Path(out_dir) if out_dir is not None else _default_out_dir(name, run_id)
    out.mkdir(parents=True, exist_ok=True)
    settings = RunSettings(out, _notebook_dirs(pipeline_path, notebook_dirs), kernel_name, log,
                           masker)
    context = Context(values, {}, name, run_id)
    statuses: dict[str, str] = {}
    runs: list[ActivityRun] = []
    started = time.monotonic()
    _say(log, f"Pipeline '{name}' run {run_id} -> {out}")
    for index, activity in enumerate(activities, start=1):
        run = _run_activity(activity, index, statuses, context, settings)
        statuses[run.name] = run.status
        runs.append(run)
    result = RunResult(name, run_id, pipeline_status(activities, statuses), values, runs, out,
                       time.monotonic() - started, masker, secure)
    (out / "run.json").write_text(json.dumps(result.to_dict(), indent=1, default=str) + "\n",
                                  encoding="utf-8")
    _say(log, format_summary(result))
    return result


def _run_activity(activity: dict, index: int, statuses: Mapping[str, str], context: Context,
                  settings: RunSettings) -> ActivityRun:
    name, kind = activity["name"], activity.get("type")
    run = ActivityRun(name, kind, SKIPPED)
    if activity.get("state") == "Inactive":
        run.status = activity.get("onInactiveMarkAs", SUCCEEDED)
        _say(settings.log, f"  {name}: inactive, marked {run.status}")
        return run
    if not should_run(activity, statuses):
        _say(settings.log, f"  {name}: skipped (its dependency conditions do not hold)")
        return run
    policy = activity.get("policy") or {}
    retries = policy.get("retry", 0) if isinstance(policy.get("retry", 0), int) else 0
    interval = policy.get("retryIntervalInSeconds", 30)
    handler = activity_handlers.get(kind)
    started = time.monotonic()
    outcome: Outcome | None = None
    for attempt in range(1, retries + 2):
        _say(settings.log, f"  {name}: running" + (f" (attempt {attempt})" if attempt > 1 else ""))
        outcome = handler.run(activity, context, settings, index)
        run.attempts = attempt
        if outcome.status == SUCCEEDED:
            break
        if attempt <= retries and isinstance(interval, (int, float)) and interval > 0:
            time.sleep(interval)
    run.duration = time.monotonic() - started
    run.status, run.exit_value, run.output = outcome.status, outcome.exit_value, outcome.output
    run.output_notebook, run.notebook, run.source = (outcome.output_notebook, outcome.notebook,
                                                     outcome.source)
    run.parameters, run.error, run.secure = outcome.parameters, outcome.error, outcome.secure
    context.activities[name] = outcome_object(outcome)        # type: ignore[index]
    _say(settings.log, f"  {name}: {run.status} in {run.duration:.1f} s"
         + (f" -- {run.error}" if run.error else ""))
    return run


def format_summary(result: RunResult) -> str:
    """The run as a text table: activity, status, duration, exit value, output notebook; then
    each failure's error (notebook, cell, exception)."""
    header = ("activity", "status", "duration", "exit value", "output notebook")
    rows = [header]
    for run in result.activities:
        rows.append((run.name, run.status,
                     f"{run.duration:.1f} s" if run.status != SKIPPED else "-",
                     _clip(run.exit_value) if run.exit_value else "-",
                     _relative(run.output_notebook, result.out_dir) if run.output_notebook else "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [f"Pipeline '{result.pipeline}': {result.status} in {result.duration:.1f} s "
             f"(run {result.run_id}, folder {result.out_dir})"]
    for number, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    for run in result.failures:
        lines.append(f"FAILED {run.error or run.name}")
    return result.masker.text("\n".join(lines))


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXIT_VALUE_WIDTH else text[:EXIT_VALUE_WIDTH - 3] + "..."


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def _notebook_dirs(pipeline_path: Path, given) -> list[Path]:
    if given:
        return [Path(d) for d in given]
    workspace = pipeline_path.resolve().parent.parent
    dirs = [workspace / "notebook"]
    from ..runtime.state import _project_root
    project = _project_root(workspace)
    if (project / "notebooks").is_dir():
        dirs.append(project / "notebooks")
    return dirs


def _default_out_dir(name: str, run_id: str) -> Path:
    from ..runtime.state import state_dir
    return state_dir() / "runs" / f"{name}-{run_id[:8]}"


def _masked(log, masker: Masker):
    """``log`` with every line masked (None stays None)."""
    if log is None:
        return None
    return lambda text: log(masker.text(text))


def _say(log, text: str) -> None:
    if log is not None:
        log(text)
