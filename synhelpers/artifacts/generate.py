"""Artifact documents from the spec (pure): pipeline, trigger and sqlscript JSON.

Every function takes plain values and returns the dict Synapse stores in Git, keys in a fixed
order; none reads a file (the SQL source callable aside) or the clock.
"""
from __future__ import annotations

from typing import Any, Mapping

from .config import WORKSPACE, WorkspaceConfig
from ..exceptions import ConfigError
from .errors import ExpressionError, PipelineDefinitionError
from .expressions import parse
from .parameters import NOTEBOOK_TYPES, NotebookParameter, convert_value
from .spec import NotebookActivitySpec, PipelineSpec, SqlScriptSpec, TriggerSpec

EXPRESSION = "Expression"


def expression(text: str) -> dict:
    """``{"value": text, "type": "Expression"}``: dynamic content in pipeline JSON."""
    return {"value": text, "type": EXPRESSION}


def declared_parameters(activity: NotebookActivitySpec) -> dict[str, NotebookParameter]:
    """The parameters the spec declares for an activity's notebook (used while it is missing)."""
    return {d.name: NotebookParameter(d.name, d.default, d.type) for d in activity.declared}


def build_pipeline(spec: PipelineSpec,
                   notebook_parameters: Mapping[str, Mapping[str, NotebookParameter] | None],
                   config: WorkspaceConfig = WORKSPACE) -> dict:
    """The pipeline JSON: one SynapseNotebook activity per spec entry, chained by ``dependsOn``.

    Args:
        spec: the declarative pipeline (:mod:`.spec`).
        notebook_parameters: notebook name -> its parameters as read from the notebook, or None
            (or absent) when the notebook does not exist yet: the spec's declared ones are used.
        config: the workspace (the Spark pool the activities run on).

    Raises:
        PipelineDefinitionError: the spec renames or feeds a parameter the notebook does not
            declare, two notebooks share a pipeline parameter with different types, an
            expression does not parse, or a dependency names no activity.
    """
    known = {a.name for a in spec.activities}
    pipeline_params: dict[str, dict] = {}
    owners: dict[str, str] = {}
    activities = []
    for activity in spec.activities:
        where = f"pipeline spec '{spec.name}', activity '{activity.name}'"
        params = notebook_parameters.get(activity.notebook) or declared_parameters(activity)
        for dependency in activity.depends_on:
            if dependency not in known:
                raise PipelineDefinitionError(f"{where}: depends on unknown activity '{dependency}' "
                                              f"(activities: {', '.join(sorted(known))}).")
        for name in (*activity.rename, *activity.expressions):
            if name not in params:
                raise PipelineDefinitionError(
                    f"{where}: notebook '{activity.notebook}' has no parameter '{name}' (its "
                    f"parameters cell declares: {', '.join(params) or 'nothing'}). Fix "
                    "synhelpers/artifacts/spec.py or the notebook's parameters cell.")
        passed: dict[str, dict] = {}
        for param in params.values():
            if param.name in activity.expressions:
                passed[param.name] = {"value": expression(_checked(activity.expressions[param.name],
                                                                   where)),
                                      "type": _expression_type(activity, param, where)}
                continue
            if param.type is None:
                continue                       # None / list / dict default: the notebook keeps it
            target = activity.rename.get(param.name, param.name)
            if target in pipeline_params:
                if pipeline_params[target]["type"] != param.type:
                    raise PipelineDefinitionError(
                        f"{where}: notebook parameter '{param.name}' ({param.type}) feeds pipeline "
                        f"parameter '{target}', which activity '{owners[target]}' already types "
                        f"{pipeline_params[target]['type']}. Make the literals agree or rename one "
                        "in synhelpers/artifacts/spec.py.")
            else:
                default = activity.defaults.get(param.name, param.default)
                pipeline_params[target] = {"type": param.type, "defaultValue": default}
                owners[target] = activity.name
            passed[param.name] = {"value": expression(f"@pipeline().parameters.{target}"),
                                  "type": param.type}
        activities.append(_activity(spec, activity, passed, config))
    properties: dict[str, Any] = {}
    if spec.description:
        properties["description"] = spec.description
    properties["activities"] = activities
    properties["parameters"] = pipeline_params
    if spec.folder:
        properties["folder"] = {"name": spec.folder}
    properties["annotations"] = []
    return {"name": spec.name, "properties": properties}


def _checked(text: str, where: str) -> str:
    try:
        parse(text)
    except ExpressionError as exc:
        raise PipelineDefinitionError(f"{where}: {exc}") from exc
    return text


def _expression_type(activity: NotebookActivitySpec, param: NotebookParameter, where: str) -> str:
    if param.type in NOTEBOOK_TYPES:
        return param.type
    declared = {d.name: d.type for d in activity.declared}
    if declared.get(param.name) in NOTEBOOK_TYPES:
        return declared[param.name]
    raise PipelineDefinitionError(
        f"{where}: parameter '{param.name}' is fed by an expression but has no type (its literal "
        f"is {param.default!r}); declare it in synhelpers/artifacts/spec.py with a type.")


def _activity(spec: PipelineSpec, activity: NotebookActivitySpec, passed: dict,
              config: WorkspaceConfig) -> dict:
    doc: dict[str, Any] = {"name": activity.name}
    if activity.description:
        doc["description"] = activity.description
    doc["type"] = "SynapseNotebook"
    doc["dependsOn"] = [{"activity": d, "dependencyConditions": ["Succeeded"]}
                        for d in activity.depends_on]
    doc["policy"] = {"timeout": spec.timeout, "retry": 0, "retryIntervalInSeconds": 30,
                     "secureOutput": False, "secureInput": False}
    doc["userProperties"] = []
    doc["typeProperties"] = {
        "notebook": {"referenceName": activity.notebook, "type": "NotebookReference"},
        "parameters": passed,
        "snapshot": True,
        "sparkPool": {"referenceName": config.spark_pool, "type": "BigDataPoolReference"},
    }
    return doc


def pipeline_defaults(pipeline: dict) -> dict[str, Any]:
    """Pipeline parameter name -> default value."""
    return {name: p.get("defaultValue")
            for name, p in (pipeline.get("properties", {}).get("parameters") or {}).items()}


def build_trigger(spec: TriggerSpec, pipeline: dict) -> dict:
    """A ScheduleTrigger running ``pipeline`` with ``spec.parameters`` (typed per the pipeline).

    Raises:
        PipelineDefinitionError: the trigger passes a parameter the pipeline does not have, or a
            value that is not of the parameter's type.
    """
    declared = pipeline.get("properties", {}).get("parameters") or {}
    values = {}
    for name, value in spec.parameters.items():
        if name not in declared:
            raise PipelineDefinitionError(
                f"trigger '{spec.name}': pipeline '{spec.pipeline}' has no parameter '{name}' "
                f"(it has: {', '.join(declared)}); change the trigger in "
                "synhelpers/artifacts/spec.py or add the parameter to a notebook.")
        try:
            values[name] = convert_value(value, declared[name]["type"],
                                         f"trigger '{spec.name}', parameter '{name}'")
        except ConfigError as exc:
            raise PipelineDefinitionError(str(exc)) from None
    properties: dict[str, Any] = {}
    if spec.description:
        properties["description"] = spec.description
    properties["annotations"] = []
    properties["runtimeState"] = spec.runtime_state
    properties["pipelines"] = [{
        "pipelineReference": {"referenceName": spec.pipeline, "type": "PipelineReference"},
        "parameters": values}]
    properties["type"] = "ScheduleTrigger"
    properties["typeProperties"] = {"recurrence": dict(spec.recurrence)}
    return {"name": spec.name, "properties": properties}


def build_sqlscript(spec: SqlScriptSpec, query: str, pool: str) -> dict:
    """A sqlscript artifact (``type: SqlQuery``) connected to dedicated SQL pool ``pool``.

    ``currentConnection`` carries both forms: the API's ``{type, name}`` and the Git export's
    ``{databaseName, poolName}``.
    """
    properties: dict[str, Any] = {}
    if spec.description:
        properties["description"] = spec.description
    if spec.folder:
        properties["folder"] = {"name": spec.folder}
    properties["content"] = {
        "query": query,
        "metadata": {"language": "sql"},
        "currentConnection": {"databaseName": pool, "poolName": pool, "type": "SqlPool",
                              "name": pool},
        "resultLimit": 5000,
    }
    properties["type"] = "SqlQuery"
    return {"name": spec.name, "properties": properties}


def sqlscript_pool(defaults: Mapping[str, Any], config: WorkspaceConfig = WORKSPACE) -> str:
    """The pool a generated script connects to: the pipeline's ``sql_pool_name`` default, if any."""
    value = defaults.get("sql_pool_name")
    return value if isinstance(value, str) and value else config.sql_pool
