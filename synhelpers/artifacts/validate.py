"""Validating a Synapse Git workspace folder before it is published or run.

What "exists" means locally: a notebook exists when ``notebook/<name>.json`` is in the folder, a
pipeline when ``pipeline/<name>.json`` is; a Spark (big-data) pool or a dedicated SQL pool when
:data:`~.config.WORKSPACE` declares it (pools are workspace resources, not Git files).

Checked: every file parses and its ``name`` is its file name; notebooks meet the artifacts API
(the entity schemas of Synapse's artifacts REST API, Azure/azure-rest-api-specs); pipelines form a sound graph of supported activities whose
references exist, whose passed parameters are in the notebook's ``parameters`` cell with values
of the stated type, whose expressions parse, call supported functions, read declared pipeline
parameters and only upstream activities; triggers start existing pipelines with declared
parameters; SQL scripts connect to declared pools.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from ..exceptions import ArtifactConversionError, ConfigError
from .config import WORKSPACE, WorkspaceConfig
from .errors import ErrorLevel, ExpressionError
from .evaluation import expression_functions
from .expressions import Call, Index, Literal, Member, Template, is_expression_object, parse
from .graph import ancestors, graph_problems
from .jsonio import load
from .notebooks import from_synapse
from .parameters import NOTEBOOK_TYPES, PIPELINE_TYPES, convert_value, read_parameters
from .workspace import ARTIFACTS_DIR, FOLDERS
from ..runtime.notebook_parameters import check_parameter_names
from ..runtime.notebook_refs import reference_parts
from .runner import check_pipeline_name

ACTIVITY_TYPES = ("SynapseNotebook",)
OUTPUT_TYPES = ("execute_result", "display_data", "stream", "error")
SESSION_FIELDS = {"driverMemory": str, "driverCores": int, "executorMemory": str,
                  "executorCores": int, "numExecutors": int}
FREQUENCIES = ("Minute", "Hour", "Day", "Week", "Month")


def validate_artifacts(root: str | Path, config: WorkspaceConfig = WORKSPACE) -> list[str]:
    """Every problem found in a workspace folder (an empty list when it is valid).

    Args:
        root: the project root (its ``workspace_artifacts/`` is checked) or a workspace folder
            itself (one holding ``notebook/``, ``pipeline/``, ...).
        config: the declared pools.

    Each message starts with the file (``pipeline/X.json: ...``) and says what to change.
    """
    root = Path(root)
    workspace = root / ARTIFACTS_DIR if (root / ARTIFACTS_DIR).is_dir() else root
    docs: dict[str, dict[str, dict]] = {folder: {} for folder in FOLDERS}
    errors: list[str] = []
    for folder in FOLDERS:
        for path in sorted((workspace / folder).glob("*.json")):
            rel = f"{folder}/{path.name}"
            try:
                doc = load(path)
            except ArtifactConversionError as exc:
                errors.append(f"{rel}: {str(exc).split(': ', 1)[-1]}")
                continue
            if not isinstance(doc, dict) or not isinstance(doc.get("properties"), dict):
                errors.append(f"{rel}: not a Synapse artifact (no 'properties' object).")
                continue
            if doc.get("name") != path.stem:
                errors.append(f"{rel}: 'name' is {doc.get('name')!r}; it must be the file name "
                              f"{path.stem!r}.")
            docs[folder][path.stem] = doc
    parameters = {}
    for name, doc in docs["notebook"].items():
        parameters[name] = _check_notebook(f"notebook/{name}.json", doc, config, errors)
    for name, doc in docs["pipeline"].items():
        _check_pipeline(f"pipeline/{name}.json", doc, docs["notebook"], parameters, config, errors)
    for name, doc in docs["trigger"].items():
        _check_trigger(f"trigger/{name}.json", doc, docs["pipeline"], errors)
    for name, doc in docs["sqlscript"].items():
        _check_sqlscript(f"sqlscript/{name}.json", doc, config, errors)
    return errors


# -- notebooks --------------------------------------------------------------------------------
def _check_notebook(rel: str, doc: dict, config: WorkspaceConfig, errors: list[str]):
    props = doc["properties"]
    for key in ("metadata", "nbformat", "nbformat_minor", "cells"):
        if key not in props:
            errors.append(f"{rel}: properties.{key} is required.")
    pool = props.get("bigDataPool")
    if pool is not None:
        _check_reference(rel, "bigDataPool", pool, "BigDataPoolReference", errors)
        _check_pool(rel, "bigDataPool", pool.get("referenceName"), config.spark_pools, "Spark",
                    errors)
    session = props.get("sessionProperties")
    if session is not None:
        for key, kind in SESSION_FIELDS.items():
            value = session.get(key) if isinstance(session, dict) else None
            if not isinstance(value, kind) or isinstance(value, bool):
                errors.append(f"{rel}: sessionProperties.{key} must be a{'n int' if kind is int else ' string'}"
                              f" (got {value!r}).")
    metadata = props.get("metadata") or {}
    kernelspec = metadata.get("kernelspec") or {}
    if not (kernelspec.get("name") and kernelspec.get("display_name")):
        errors.append(f"{rel}: metadata.kernelspec needs 'name' and 'display_name'.")
    if not (metadata.get("language_info") or {}).get("name"):
        errors.append(f"{rel}: metadata.language_info.name is required.")
    for index, cell in enumerate(props.get("cells") or []):
        where = f"{rel}: cell {index}"
        for key in ("cell_type", "metadata", "source"):
            if key not in cell:
                errors.append(f"{where}: '{key}' is required.")
        source = cell.get("source", [])
        if not (isinstance(source, list) and all(isinstance(line, str) for line in source)):
            errors.append(f"{where}: 'source' must be an array of strings (one per line).")
        for output in cell.get("outputs") or []:
            if output.get("output_type") not in OUTPUT_TYPES:
                errors.append(f"{where}: output_type {output.get('output_type')!r} is not one "
                              f"of {', '.join(OUTPUT_TYPES)}.")
    try:
        return read_parameters(from_synapse(doc, level=ErrorLevel.IGNORE), rel)
    except ArtifactConversionError as exc:
        errors.append(str(exc) if str(exc).startswith(rel) else f"{rel}: {exc}")
        return None


def _check_reference(rel, key, ref, kind, errors):
    if not isinstance(ref, dict) or not ref.get("referenceName") or ref.get("type") != kind:
        errors.append(f"{rel}: {key} must be {{\"referenceName\": ..., \"type\": \"{kind}\"}} "
                      f"(got {ref!r}).")


def _check_pool(rel, what, name, declared, kind, errors):
    if is_expression_object(name) or (isinstance(name, str) and name.startswith("@")):
        return                                   # chosen at run time
    if name not in declared:
        errors.append(f"{rel}: {what} refers to {kind} pool {name!r}, which the workspace does "
                      f"not declare ({', '.join(declared)}); use a declared pool or add it to "
                      "synhelpers/artifacts/config.py.")


# -- pipelines --------------------------------------------------------------------------------
def _check_pipeline(rel, doc, notebooks, notebook_params, config, errors):
    props = doc["properties"]
    activities = props.get("activities")
    if not isinstance(activities, list):
        errors.append(f"{rel}: properties.activities must be a list.")
        return
    try:
        check_pipeline_name(doc.get("name"), rel)
    except ConfigError as exc:
        errors.append(str(exc))
    declared = props.get("parameters") or {}
    for name, param in declared.items():
        kind = (param or {}).get("type", "")
        if str(kind).lower() not in PIPELINE_TYPES:
            errors.append(f"{rel}: parameter '{name}' has type {kind!r}; use one of "
                          f"{', '.join(PIPELINE_TYPES)}.")
        elif "defaultValue" in param and param["defaultValue"] is not None:
            _check_value(rel, f"parameter '{name}' default", param["defaultValue"], kind, errors)
            _check_pool_parameter(rel, f"parameter '{name}'", name, param["defaultValue"], config,
                                  errors)
    errors.extend(f"{rel}: {problem}" for problem in graph_problems(activities))
    upstream = ancestors(activities)
    for activity in activities:
        name = activity.get("name")
        where = f"{rel}: activity '{name}'"
        if activity.get("type") not in ACTIVITY_TYPES:
            errors.append(f"{where}: type {activity.get('type')!r} is not supported here "
                          f"(supported: {', '.join(ACTIVITY_TYPES)}).")
            continue
        for text in _strings({k: v for k, v in activity.items() if k not in ("name", "description")}):
            _check_expression(where, text, declared, upstream.get(name, set()), errors)
        props_ = activity.get("typeProperties") or {}
        notebook = props_.get("notebook")
        _check_reference(where, "typeProperties.notebook", notebook, "NotebookReference", errors)
        reference = (notebook or {}).get("referenceName") if isinstance(notebook, dict) else None
        literal_reference = isinstance(reference, str) and not reference.startswith("@")
        if literal_reference:
            try:
                reference_parts(reference, where, folders=False)
            except ConfigError as exc:
                errors.append(str(exc))
                literal_reference = False
        if literal_reference and reference not in notebooks:
            errors.append(f"{where}: notebook '{reference}' does not exist (no "
                          f"notebook/{reference}.json); add the notebook or fix the reference.")
        if isinstance(props_.get("sparkPool"), dict):
            _check_pool(where, "sparkPool", props_["sparkPool"].get("referenceName"),
                        config.spark_pools, "Spark", errors)
        accepted = notebook_params.get(reference) if literal_reference else None
        for pname, passed in (props_.get("parameters") or {}).items():
            _check_passed(where, reference, pname, passed, accepted, config, errors)


def _check_passed(where, notebook, name, passed, accepted, config, errors):
    if not isinstance(passed, dict) or "value" not in passed:
        errors.append(f"{where}: parameter '{name}' must be {{\"value\": ..., \"type\": ...}}.")
        return
    kind = passed.get("type")
    if kind not in NOTEBOOK_TYPES:
        errors.append(f"{where}: parameter '{name}' has type {kind!r}; notebook parameters are "
                      f"{', '.join(NOTEBOOK_TYPES)}.")
    elif not _is_dynamic(passed["value"]):
        _check_value(where, f"parameter '{name}'", passed["value"], kind, errors)
        _check_pool_parameter(where, f"parameter '{name}'", name, passed["value"], config, errors)
    try:
        check_parameter_names([name], accepted, notebook, where)
    except ConfigError as exc:
        errors.append(str(exc))


def _check_value(where, what, value, kind, errors):
    try:
        convert_value(value, kind, what)
    except ConfigError as exc:
        errors.append(f"{where}: {exc}")


def _check_pool_parameter(where, what, name, value, config, errors):
    kind = config.pool_parameters.get(name)
    if kind is None or not isinstance(value, str):
        return
    pools = config.sql_pools if kind == "sql" else config.spark_pools
    if value not in pools:
        errors.append(f"{where}: {what} names {kind.upper() if kind == 'sql' else 'Spark'} pool "
                      f"{value!r}, which the workspace does not declare ({', '.join(pools)}); "
                      "use a declared pool or add it to synhelpers/artifacts/config.py.")


def _is_dynamic(value) -> bool:
    return is_expression_object(value) or (isinstance(value, str) and "@" in value)


def _strings(value):
    """Every string an activity holds that pipeline JSON would evaluate."""
    if isinstance(value, str):
        if value.startswith("@") or "@{" in value:
            yield value
    elif isinstance(value, dict):
        if is_expression_object(value) and isinstance(value["value"], str):
            yield value["value"]
            return
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _check_expression(where, text, declared: Mapping, upstream: set, errors):
    try:
        template = parse(text)
    except ExpressionError as exc:
        errors.append(f"{where}: {exc}")
        return
    for problem in expression_problems(template, declared, upstream):
        errors.append(f"{where}: {problem} (in {text!r})")


def expression_problems(template: Template, parameters: Mapping, upstream: set) -> list[str]:
    """What would fail when ``template`` is evaluated: unsupported functions, wrong argument
    counts, undeclared pipeline parameters, activities that are not upstream."""
    problems = []
    supported = set(expression_functions.names())
    lowered = {p.lower() for p in parameters}
    for node in template.nodes():
        if isinstance(node, Call):
            if node.name not in supported:
                problems.append(f"unsupported function '{node.name}' (supported: "
                                f"{', '.join(sorted(supported))})")
                continue
            function = expression_functions.get(node.name)
            count = len(node.args)
            if count < function.min_args or (function.max_args is not None
                                             and count > function.max_args):
                problems.append(f"{node.name}() takes {function.signature}, got {count} argument(s)")
            if node.name == "activity" and node.args and isinstance(node.args[0], Literal):
                target = node.args[0].value
                if target not in upstream:
                    problems.append(f"reads activity('{target}'), which is not upstream of it; add "
                                    f"a dependsOn on '{target}'")
        elif isinstance(node, (Member, Index)):
            name = _parameter_name(node)
            if name is not None and name.lower() not in lowered:
                problems.append(f"reads pipeline parameter '{name}', which the pipeline does not "
                                f"declare ({', '.join(parameters) or 'none'})")
    return problems


def _parameter_name(node) -> str | None:
    """X for ``pipeline().parameters.X`` / ``pipeline().parameters['X']``, else None."""
    inner = node.target
    if not (isinstance(inner, Member) and inner.name.lower() == "parameters"
            and isinstance(inner.target, Call) and inner.target.name == "pipeline"):
        return None
    if isinstance(node, Member):
        return node.name
    return node.index.value if isinstance(node.index, Literal) and isinstance(
        node.index.value, str) else None


# -- triggers and SQL scripts -----------------------------------------------------------------
def _check_trigger(rel, doc, pipelines, errors):
    props = doc["properties"]
    for entry in props.get("pipelines") or []:
        reference = (entry.get("pipelineReference") or {}).get("referenceName")
        if reference not in pipelines:
            errors.append(f"{rel}: starts pipeline '{reference}', which does not exist (no "
                          f"pipeline/{reference}.json).")
            continue
        declared = pipelines[reference]["properties"].get("parameters") or {}
        for name, value in (entry.get("parameters") or {}).items():
            if name not in declared:
                errors.append(f"{rel}: passes parameter '{name}', which pipeline '{reference}' "
                              f"does not declare ({', '.join(declared) or 'none'}).")
            elif not _is_dynamic(value):
                _check_value(rel, f"parameter '{name}'", value, declared[name].get("type"), errors)
    if props.get("type") == "ScheduleTrigger":
        recurrence = (props.get("typeProperties") or {}).get("recurrence") or {}
        if recurrence.get("frequency") not in FREQUENCIES:
            errors.append(f"{rel}: recurrence.frequency {recurrence.get('frequency')!r} is not "
                          f"one of {', '.join(FREQUENCIES)}.")
        interval = recurrence.get("interval")
        if not isinstance(interval, int) or isinstance(interval, bool) or interval < 1:
            errors.append(f"{rel}: recurrence.interval must be a positive int (got {interval!r}).")
        if not recurrence.get("startTime"):
            errors.append(f"{rel}: recurrence.startTime is required.")


def _check_sqlscript(rel, doc, config, errors):
    props = doc["properties"]
    if props.get("type") != "SqlQuery":
        errors.append(f"{rel}: properties.type must be 'SqlQuery' (got {props.get('type')!r}).")
    content = props.get("content") or {}
    if not isinstance(content.get("query"), str) or not content.get("query").strip():
        errors.append(f"{rel}: content.query (the T-SQL text) is required.")
    connection = content.get("currentConnection")
    if not isinstance(connection, dict):
        errors.append(f"{rel}: content.currentConnection is required.")
        return
    if connection.get("type") == "SqlOnDemand" or connection.get("poolName") == "Built-in":
        return
    pool = connection.get("poolName") or connection.get("name")
    _check_pool(rel, "content.currentConnection", pool, config.sql_pools, "dedicated SQL", errors)
