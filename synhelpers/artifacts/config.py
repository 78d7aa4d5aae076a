"""The one place that declares the workspace: its pools and the settings every notebook gets.

Big-data (Spark) pools and dedicated SQL pools are workspace *resources*, not Git artifacts, so
Synapse's Git layout has no file for them. Locally a pool "exists" when it is declared here; the
validator checks every ``bigDataPool`` / ``sparkPool`` reference, every sqlscript connection and
every pipeline parameter that names a pool against :data:`WORKSPACE`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

SPARK_POOL = "sparkpool01"
SQL_POOL = "mlverifypool"   # the tutorial's pool name


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


# A small Synapse node (4 vCores, 28 GB), two fixed executors. No autotune tracking id: it is a
# random GUID per notebook in Studio and would make the generated files non-deterministic.
DEFAULT_SESSION = _frozen({
    "driverMemory": "28g",
    "driverCores": 4,
    "executorMemory": "28g",
    "executorCores": 4,
    "numExecutors": 2,
    "runAsWorkspaceSystemIdentity": False,
    "conf": {
        "spark.dynamicAllocation.enabled": "false",
        "spark.dynamicAllocation.minExecutors": "2",
        "spark.dynamicAllocation.maxExecutors": "2",
    },
})


@dataclass(frozen=True)
class NotebookSettings:
    """What a Synapse notebook carries that an ``.ipynb`` has no place for.

    ``to_synapse`` fills these in; ``from_synapse`` keeps (under ``metadata.synapse``) only the
    values that differ, so both round trips are exact. ``None`` leaves the property out.
    """

    spark_pool: str | None = SPARK_POOL
    session: Mapping[str, Any] | None = field(default_factory=lambda: DEFAULT_SESSION)
    folder: str | None = None
    save_output: bool | None = True
    enable_debug_mode: bool | None = False
    session_keep_alive_timeout: int | None = 30
    a365_compute_options: Mapping[str, Any] | None = None

    def properties(self) -> dict:
        """Defaults of the Synapse-only keys of ``properties`` (None: absent)."""
        return {
            "folder": None if self.folder is None else {"name": self.folder},
            "bigDataPool": None if self.spark_pool is None else {
                "referenceName": self.spark_pool, "type": "BigDataPoolReference"},
            "sessionProperties": None if self.session is None else _plain(self.session),
        }

    def metadata(self) -> dict:
        """Defaults of the Synapse-only keys of ``properties.metadata`` (None: absent)."""
        return {
            "saveOutput": self.save_output,
            "enableDebugMode": self.enable_debug_mode,
            "a365ComputeOptions": None if self.a365_compute_options is None else _plain(
                self.a365_compute_options),
            "sessionKeepAliveTimeout": self.session_keep_alive_timeout,
        }


@dataclass(frozen=True)
class WorkspaceConfig:
    """The declared pools, and the notebook settings generated artifacts use."""

    spark_pools: tuple[str, ...] = (SPARK_POOL,)
    sql_pools: tuple[str, ...] = (SQL_POOL,)
    notebook: NotebookSettings = field(default_factory=NotebookSettings)
    # pipeline / notebook parameters whose value names a pool: checked like references
    pool_parameters: Mapping[str, str] = field(
        default_factory=lambda: _frozen({"sql_pool_name": "sql", "spark_pool_name": "spark"}))

    @property
    def spark_pool(self) -> str:
        """The Spark pool generated notebooks and activities run on."""
        return self.notebook.spark_pool or self.spark_pools[0]

    @property
    def sql_pool(self) -> str:
        """The dedicated SQL pool generated SQL scripts connect to."""
        return self.sql_pools[0]


def _plain(value):
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


WORKSPACE = WorkspaceConfig()
