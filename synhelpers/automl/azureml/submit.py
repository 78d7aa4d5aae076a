"""The one part of the Azure engine no test runs: sign in, submit, follow, download.

Everything before it (the form's checks, the job, the data hand-off) and after it (the ONNX
checks, registration, PREDICT) is tested without Azure; this module only moves the job and its
output between them, and is shared with nothing else. What it assumes of Azure:

- ``MLClient(DefaultAzureCredential(), subscription_id, resource_group, workspace_name)`` signs
  in (managed identity, workload identity, environment service principal or Azure CLI);
- ``jobs.create_or_update(job)`` submits (a local ``training_data`` folder is uploaded to the
  workspace's default datastore first) and returns the job with its ``name`` and ``studio_url``;
- ``jobs.get(name).status`` ends in one of :data:`.status.TERMINAL`; ``jobs.list(
  parent_job_name=name)`` lists the trials, each with the ``score`` and ``run_algorithm``
  properties AutoML sets; the parent names its best trial in ``automl_best_child_run_id``;
- ``jobs.download(best, download_path, all=True)`` brings the best trial's ``outputs/``
  (``model.onnx``, ``model_onnx.json``, ``mlflow-model/``) somewhere under ``download_path``,
  which :func:`.output.read_output` then finds.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from ...exceptions import AzureMLJobError
from .status import best_child_name, is_terminal, progress_line

POLL_SECONDS = 30.0


def connect(settings):
    """An ``MLClient`` for the configured workspace, signed in by ``azure-identity``."""
    from azure.ai.ml import MLClient
    from azure.identity import DefaultAzureCredential
    return MLClient(DefaultAzureCredential(), settings.subscription_id, settings.resource_group,
                    settings.workspace_name)


def submit(client, job):
    """Submit; returns the created job (``name``, ``studio_url``)."""
    try:
        return client.jobs.create_or_update(job)
    except Exception as exc:  # noqa: BLE001 - Azure's error, named
        raise AzureMLJobError(f"Submitting the AutoML job to Azure failed: {exc}") from exc


def _trials(client, name: str) -> list[dict]:
    return [{"name": child.name, "properties": dict(child.properties or {})}
            for child in client.jobs.list(parent_job_name=name)]


def follow(client, name: str, metric_name: str, budget_s: float, show: bool = True,
           poll_s: float = POLL_SECONDS) -> tuple[str, list[dict]]:
    """Poll until the job ends, printing the progress line when it changes; returns the final
    status and the trials."""
    started, last = time.time(), None
    while True:
        status = str(client.jobs.get(name).status)
        trials = _trials(client, name)
        line = progress_line(name, status, trials, metric_name, time.time() - started, budget_s)
        if show and line.split("|")[:2] != last:
            print(line, flush=True)
            last = line.split("|")[:2]
        if is_terminal(status):
            return status, trials
        time.sleep(poll_s)


def download(client, name: str, folder: Path, metric_name: str, trials: list[dict]) -> dict:
    """Download the best trial's outputs into ``folder`` and write ``folder/job.json`` (what
    :func:`.output.read_output` reads besides the files)."""
    parent = client.jobs.get(name)
    best = best_child_name(dict(parent.tags or {}), dict(parent.properties or {}), trials,
                           metric_name)
    if not best:
        raise AzureMLJobError(f"Azure job {name} completed without a best trial: nothing to "
                              f"register. See {getattr(parent, 'studio_url', '') or 'the studio'}.")
    folder.mkdir(parents=True, exist_ok=True)
    client.jobs.download(best, download_path=str(folder), all=True)
    chosen = next((t for t in trials if t["name"] == best), {"properties": {}})
    info = {"job_id": name, "best_child_id": best, "status": str(parent.status),
            "studio_url": getattr(parent, "studio_url", "") or "", "trials": len(trials),
            "best_algorithm": chosen["properties"].get("run_algorithm", ""),
            "metrics": {metric_name: float(chosen["properties"]["score"])}
            if "score" in chosen["properties"] else {}}
    (folder / "job.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return info
