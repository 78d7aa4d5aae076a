"""Which Azure Machine Learning workspace the engine submits to, from configuration only.

Each setting is read, first found wins, from:

1. the environment: ``AZUREML_SUBSCRIPTION_ID``, ``AZUREML_RESOURCE_GROUP``,
   ``AZUREML_WORKSPACE_NAME`` (and the optional ``AZUREML_COMPUTE``, ``AZUREML_STAGING_URI``);
2. the Spark conf (the pool's configuration, or ``%%configure``):
   ``spark.synhelpers.azureml.subscriptionId``, ``.resourceGroup``, ``.workspaceName``,
   ``.compute``, ``.stagingUri``;
3. a Synapse linked service of type ``AzureMLService`` named by ``AZUREML_LINKED_SERVICE`` or
   ``spark.synhelpers.azureml.linkedService``: its ``subscriptionId``, ``resourceGroupName`` and
   ``mlWorkspaceName``, read with ``mssparkutils.credentials.getPropertiesAll`` (locally the
   stand-in reads ``SYNHELPERS_LINKED_SERVICE_<NAME>``, a JSON object).

Credentials are never settings: the client authenticates with ``azure-identity``'s
``DefaultAzureCredential`` (managed identity, workload identity, a service principal in the
environment, the Azure CLI). Nothing here reads a secret.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

from ...exceptions import ConfigError

# setting -> (environment variable, Spark conf key, linked service properties)
SETTINGS = {
    "subscription_id": ("AZUREML_SUBSCRIPTION_ID", "spark.synhelpers.azureml.subscriptionId",
                        ("subscriptionId",)),
    "resource_group": ("AZUREML_RESOURCE_GROUP", "spark.synhelpers.azureml.resourceGroup",
                       ("resourceGroupName", "resourceGroup")),
    "workspace_name": ("AZUREML_WORKSPACE_NAME", "spark.synhelpers.azureml.workspaceName",
                       ("mlWorkspaceName", "workspaceName")),
    "compute": ("AZUREML_COMPUTE", "spark.synhelpers.azureml.compute", ()),
    "staging_uri": ("AZUREML_STAGING_URI", "spark.synhelpers.azureml.stagingUri", ()),
}
REQUIRED = ("subscription_id", "resource_group", "workspace_name")
LINKED_SERVICE = ("AZUREML_LINKED_SERVICE", "spark.synhelpers.azureml.linkedService")


@dataclass(frozen=True)
class WorkspaceSettings:
    subscription_id: str
    resource_group: str
    workspace_name: str
    compute: str = ""            # empty: serverless compute
    staging_uri: str = ""        # empty: see handoff.staging_root
    sources: tuple = ()          # (setting, where it came from), for messages; no values

    @property
    def studio_url(self) -> str:
        return (f"https://ml.azure.com/?wsid=/subscriptions/{self.subscription_id}/resourcegroups/"
                f"{self.resource_group}/workspaces/{self.workspace_name}")


def _conf(spark, key: str) -> str:
    if spark is None:
        return ""
    try:
        return str(spark.conf.get(key, "") or "")
    except Exception:  # noqa: BLE001 - a stopped session or a conf the pool refuses to show
        return ""


def linked_service_properties(text: str) -> dict:
    """The workspace settings in a linked service's properties (a JSON text; nested objects such
    as ``typeProperties`` are searched too, keys compared ignoring case)."""
    try:
        found = json.loads(text) if isinstance(text, str) else dict(text or {})
    except ValueError:
        return {}
    flat: dict = {}
    stack = [found]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, (dict, list)):
                    stack.append(value)
                elif isinstance(value, str) and value:
                    flat.setdefault(key.lower(), value)
        elif isinstance(item, list):
            stack.extend(item)
    out = {}
    for setting, (_, _, keys) in SETTINGS.items():
        for key in keys:
            if key.lower() in flat:
                out[setting] = flat[key.lower()]
                break
    return out


def _linked_service(name: str) -> dict:
    from ...runtime import mssparkutils
    try:
        text = mssparkutils.credentials.getPropertiesAll(name)
    except Exception as exc:  # noqa: BLE001 - the pool's error, named below
        raise ConfigError(f"Linked service {name!r} (named by AZUREML_LINKED_SERVICE or "
                          f"spark.synhelpers.azureml.linkedService) cannot be read: {exc}") from exc
    return linked_service_properties(text)


def resolve_workspace(spark=None, environ=None) -> WorkspaceSettings:
    """The workspace settings (see the module docstring).

    Raises:
        ConfigError: any of the three required settings is missing; the message names the
            missing ones and every place to set them.
    """
    environ = os.environ if environ is None else environ
    values, sources = {}, []
    for setting, (env, conf, _) in SETTINGS.items():
        value = str(environ.get(env, "") or "").strip() or _conf(spark, conf).strip()
        if value:
            values[setting] = value
            sources.append((setting, env if environ.get(env) else conf))
    linked = str(environ.get(LINKED_SERVICE[0], "") or "").strip() or _conf(spark, LINKED_SERVICE[1])
    if linked and any(s not in values for s in REQUIRED):
        for setting, value in _linked_service(linked).items():
            if setting not in values:
                values[setting] = value
                sources.append((setting, f"linked service {linked}"))
    missing = [s for s in REQUIRED if not values.get(s)]
    if missing:
        raise ConfigError(missing_message(missing, linked))
    return WorkspaceSettings(**values, sources=tuple(sources))


def optional_setting(setting: str, spark=None, environ=None) -> str:
    """One setting (``compute``, ``staging_uri``, ...) from the environment or Spark conf, '' when
    unset; nothing is required (what ``--emit-notebook`` uses: it needs no workspace)."""
    environ = os.environ if environ is None else environ
    env, conf, _ = SETTINGS[setting]
    return str(environ.get(env, "") or "").strip() or _conf(spark, conf).strip()


def missing_message(missing: list[str], linked: str = "") -> str:
    """What is missing and where each of the three settings can be set."""
    lines = [f"engine='azureml' needs an Azure Machine Learning workspace, and "
             f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set"
             + (f" (linked service {linked!r} did not provide {'it' if len(missing) == 1 else 'them'})"
                if linked else "") + ". Set all three (subscription_id, resource_group, "
             "workspace_name), in any of:"]
    lines.append("  - environment variables: " + ", ".join(SETTINGS[s][0] for s in REQUIRED))
    lines.append("  - Spark conf (the Spark pool's configuration or %%configure): "
                 + ", ".join(SETTINGS[s][1] for s in REQUIRED))
    lines.append(f"  - a Synapse linked service of type AzureMLService, named in {LINKED_SERVICE[0]} "
                 f"or {LINKED_SERVICE[1]}")
    lines.append("Credentials are not settings: DefaultAzureCredential (azure-identity) signs in "
                 "with the managed identity, the environment or the Azure CLI. Nothing was run.")
    return "\n".join(lines)
