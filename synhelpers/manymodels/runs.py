"""Many models, the driver's MLflow side: each group's result logged and registered as it arrives.

Layout: ONE parent run (the many-models run: settings, ``groups.json``, the keyed pyfunc model);
one child run per group and for the global model (rows, where it trained, held-out metrics,
parity report, every trial as ``trials.json``, the group's ONNX model, or the reason it has
none); under each trained child, one child run per FLAML trial
(:func:`..registry.runs.log_trial_runs`), the best ``max_trial_runs`` of them (each run costs
about 0.1 s on the local SQLite store: a 60 s budget can give hundreds of trials per group).

Registered: each group model as ``<model_name>-<group>`` (the global one as
``<model_name>-all-groups``) and the keyed model as ``<model_name>``.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Iterable

from ..runtime.secrets import mask
from .groups import GLOBAL_KEY
from .results import GroupResult

GLOBAL_SUFFIX = "all-groups"


def group_model_name(model_name: str, key: str) -> str:
    """``<model_name>-<group>``: characters outside [A-Za-z0-9_.] become ``_`` (plus a short
    hash of the value when that changed it, so two groups never share a name)."""
    if key == GLOBAL_KEY:
        return f"{model_name}-{GLOBAL_SUFFIX}"
    clean = re.sub(r"[^A-Za-z0-9_.]", "_", key)[:100] or "_"
    if clean != key:
        clean += "_" + hashlib.sha1(key.encode()).hexdigest()[:6]
    return f"{model_name}-{clean}"


def _child(plan, key: str, row: dict | None, model_name: str, experiment_id: str, metric: str,
           started: float, task: str, max_trial_runs: int) -> GroupResult:
    import mlflow

    from ..onnx_export.serialized import load_graph
    from ..registry import log_onnx_model, register
    from ..registry.runs import log_trial_runs
    value = None if key == GLOBAL_KEY else plan.values.get(key, key)
    label = "global model" if key == GLOBAL_KEY else f"{plan.group_column}={value}"
    rows = int(row["rows"]) if row else plan.small.get(key, 0)
    status = row["status"] if row else "small"
    message = (row or {}).get("message") or ""
    result = GroupResult(key=key, value=value, status=status, message=message, rows=rows)
    run = mlflow.start_run(experiment_id=experiment_id, run_name=label, nested=True)
    try:
        mlflow.set_tags(mask({"synhelpers.group_column": plan.group_column,
                              "synhelpers.group": key, "synhelpers.status": status,
                              **({"synhelpers.message": message[:4000]} if message else {})}))
        mlflow.log_metric("rows", rows)
        if row:
            result.best_estimator, result.seconds = row["best_estimator"], float(row["seconds"])
            result.search_seconds = float(row["search_seconds"] or 0.0)
            result.pid, result.partition = int(row["pid"]), int(row["partition"])
            result.metrics = json.loads(row["metrics"] or "{}")
            mlflow.set_tags({"executor_pid": str(result.pid),
                             "spark_partition": str(result.partition)})
            mlflow.log_metrics({"seconds": result.seconds, "search_seconds": result.search_seconds,
                                **{f"test_{k}": v for k, v in result.metrics.items()}})
            if result.best_estimator:
                config = json.loads(row["best_config"] or "{}")
                mlflow.log_params(mask({"estimator": result.best_estimator,
                                        **{k: str(v)[:500] for k, v in config.items()}}))
            if row["parity"] not in (None, "{}"):
                mlflow.log_dict(json.loads(row["parity"]), "parity.json")
            trials = json.loads(row["trials"] or "[]")
            result.n_trials = len(trials)
            mlflow.log_metric("trials", len(trials))
            if trials:
                mlflow.log_dict(trials, "trials.json")
        if status == "trained":
            classes = json.loads(row["classes"] or "null")
            uri = log_onnx_model(load_graph(row["model"]), metadata={
                "task": task, "target": plan.target, "classes": [str(c) for c in classes or []],
                "group_column": plan.group_column, "group": key})
            result.model_name = group_model_name(model_name, key)
            result.model_version = register(uri, result.model_name,
                                            description=f"{task} of {plan.target} on "
                                                        f"{plan.table_name}, {label}")
        mlflow.end_run(status="FINISHED" if status in ("trained", "small") else "FAILED")
    except BaseException:
        mlflow.end_run(status="FAILED")
        raise
    if row and status == "trained":
        best = sorted(trials, key=lambda t: float(t.get("validation_loss", float("inf"))))
        log_trial_runs(experiment_id, run.info.run_id, best[:max_trial_runs], metric, started)
    result.run_id = run.info.run_id
    return result


def record_runs(plan, rows: Iterable[dict], *, experiment_name: str, model_name: str, task: str,
                metric: str, settings: dict, started: float, max_trial_runs: int = 100):
    """Log every group under one parent run, register the group models and the keyed model.

    ``rows`` are the groups' result rows (:data:`.group_training.RESULT_SCHEMA` as dicts), consumed
    one at a time: each is logged and registered when it arrives, and only what the keyed model
    needs of it (ONNX bytes, classes, inputs) is kept.

    Returns ``(parent_run_id, groups, global_result, routing, messages)``: ``groups`` holds one
    :class:`GroupResult` per group (trained, failed or small), ``messages`` the fate of every
    group without its own model.
    """
    import mlflow

    from ..registry import get_or_create_experiment, register
    from ..scoring.keyed import GroupModel, Routing
    from ..scoring.keyed_pyfunc import log_keyed_model
    from ..scoring.model import from_onnx
    experiment_id = get_or_create_experiment(experiment_name)
    parent = mlflow.start_run(experiment_id=experiment_id, run_name=model_name)
    try:
        mlflow.log_params(mask(settings))
        mlflow.set_tags(mask({"synhelpers.kind": "many_models", "synhelpers.table": plan.table_name,
                              "synhelpers.group_column": plan.group_column}))
        children, results = _children(plan, rows, model_name, experiment_id, metric, started,
                                      task, max_trial_runs)
        glob = children.pop(GLOBAL_KEY, None)
        fallback = None
        if glob is not None and glob.status == "trained":
            row = results[GLOBAL_KEY]
            fallback = GroupModel(None, None, from_onnx(row["model"], glob.model_name,
                                                        glob.model_version, _meta(row, task)))
        groups, routed, unrouted, messages = [], [], {}, []
        for key in sorted(children, key=lambda k: (-children[k].rows, k)):
            result = children[key]
            if result.status == "trained":
                routed.append(GroupModel(key, result.value, from_onnx(
                    results[key]["model"], result.model_name, result.model_version,
                    _meta(results[key], task))))
                result.scored_by = result.model_id
            else:
                unrouted[key] = result.status if result.status == "small" else result.message
                result.scored_by = fallback.model_id if fallback else ""
                if result.status == "failed":
                    messages.append(f"Group {plan.describe(key)} failed ({result.message}): "
                                    + ("the global model scores its rows." if fallback
                                       else "its rows are not scored."))
            groups.append(result)
        if glob is not None and fallback is None:
            messages.append(f"The global model failed ({glob.message}): the rows of groups "
                            "without their own model are not scored.")
        if not routed and fallback is None:
            raise _nothing_trained(plan, groups, glob)
        kinds = {}
        for model in [g.model for g in routed] + ([fallback.model] if fallback else []):
            for entry in json.loads(results[_key_of(model, routed, fallback)]["inputs"]):
                kinds.setdefault(entry["name"], entry["kind"])
        routing = Routing(name=model_name, version=0, task=task, target=plan.target,
                          group_column=plan.group_column, group_type=plan.group_type,
                          groups=routed, fallback=fallback, unrouted=unrouted,
                          feature_kinds=kinds)
        mlflow.log_dict(mask({"groups": [g.summary() for g in groups],
                              "global_model": glob.summary() if glob else None}), "groups.json")
        uri = log_keyed_model(routing)
        routing.version = register(uri, model_name, description=(
            f"{task} of {plan.target} on {plan.table_name}: one model per {plan.group_column} "
            f"({len(routed)} groups{', global fallback' if fallback else ''})"))
    except BaseException:
        mlflow.end_run(status="FAILED")
        raise
    mlflow.end_run(status="FINISHED")
    return parent.info.run_id, groups, glob, routing, messages


def _children(plan, rows, *args):
    """Each group's child run as its row arrives, then the groups without a row; returns
    ``(children, results)``: only what the keyed model needs of a trained row is kept."""
    children, results = {}, {}
    for row in rows:                           # a batch at a time from the executors
        key = row["group_key"]
        children[key] = _child(plan, key, row, *args)
        if row["status"] == "trained":
            results[key] = {k: row[k] for k in ("model", "classes", "inputs")}
    for key in plan.jobs + list(plan.small):
        if key not in children:                # small groups (and a job that returned no row)
            children[key] = _child(plan, key, None, *args)
    return children, results


def _meta(row: dict, task: str) -> dict:
    classes = json.loads(row["classes"] or "null")
    return {"task": task, "classes": [str(c) for c in classes or []]}


def _key_of(model, routed, fallback) -> str:
    for group in routed:
        if group.model is model:
            return group.key
    return GLOBAL_KEY


def _nothing_trained(plan, groups, glob):
    from ..exceptions import AutoMLError
    reasons = "; ".join(f"{plan.describe(g.key)}: {g.message or g.status}" for g in groups)
    if glob is not None:
        reasons += f"; global model: {glob.message}"
    return AutoMLError(f"No model was trained for table {plan.table_name!r} ({reasons}). Raise "
                       "budget_seconds_per_group, or check the data.")
