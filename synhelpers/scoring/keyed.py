"""A keyed model: one ONNX model per value of a group column, plus an optional fallback.

Layout of the registered keyed model (an MLflow pyfunc, see :mod:`.keyed_pyfunc`)::

    model/
      MLmodel                       metadata: synhelpers_kind = synhelpers.keyed_onnx
      artifacts/keyed/routing.json  this module's JSON (below)
      artifacts/keyed/models/<file>.onnx   one per group model (and the fallback)

``routing.json``: ``group_column`` and its Spark type; ``groups``: ``[{key, value, model_name,
version, file}]`` where ``key`` is the group value as Spark's ``CAST(x AS STRING)`` writes it and
``value`` the typed value (for SQL literals); ``fallback``: the global model or null;
``unrouted``: groups without their own model and why (too small, training failed) - their rows
go to the fallback, or stay unscored when there is none; ``feature_kinds``: the ONNX kind of
every candidate feature column (one kind per column across all group models, so one CAST list
serves every group in T-SQL). Each group model is also registered on its own as
``<name>-<group>`` (the SQL pool's model table holds one row per group model).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from ..exceptions import ModelRegistryError
from .model import ScoringModel

ROUTING_FILE = "routing.json"
FORMAT = "synhelpers.keyed_onnx/1"
_PROGRESS = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"


@dataclass
class GroupModel:
    """The model of one group (``key``; ``value`` typed) or the fallback (``key`` None)."""
    key: str | None
    value: object
    model: ScoringModel

    @property
    def model_id(self) -> str:
        return self.model.model_id


@dataclass
class Routing:
    """A keyed model: rows go to the model of their group, else to the fallback, else unscored."""
    name: str
    version: int
    task: str
    target: str
    group_column: str
    group_type: str
    groups: list[GroupModel]
    fallback: GroupModel | None = None
    unrouted: dict = field(default_factory=dict)        # group key -> reason
    feature_kinds: dict = field(default_factory=dict)   # column -> float | int64 | string

    @property
    def model_id(self) -> str:
        return f"{self.name}:{self.version}"

    @property
    def models(self) -> list[ScoringModel]:
        """Every ONNX model of the routing (group models, then the fallback)."""
        return [g.model for g in self.groups] + ([self.fallback.model] if self.fallback else [])

    @property
    def outputs(self):
        """The common graph outputs (the first model's)."""
        return self.models[0].outputs

    def to_dict(self) -> dict:
        def entry(g: GroupModel) -> dict:
            return {"key": g.key, "value": g.value, "model_name": g.model.name,
                    "version": g.model.version, "file": _file_name(g),
                    "metadata": g.model.metadata}
        return {"format": FORMAT, "task": self.task, "target": self.target,
                "group_column": self.group_column, "group_type": self.group_type,
                "groups": [entry(g) for g in self.groups],
                "fallback": entry(self.fallback) if self.fallback else None,
                "unrouted": dict(self.unrouted), "feature_kinds": dict(self.feature_kinds)}

    def write(self, folder: str) -> str:
        """Write ``routing.json`` and ``models/*.onnx`` into ``folder``; return it."""
        os.makedirs(os.path.join(folder, "models"), exist_ok=True)
        for group in self.groups + ([self.fallback] if self.fallback else []):
            with open(os.path.join(folder, "models", _file_name(group)), "wb") as handle:
                handle.write(group.model.model_bytes)
        with open(os.path.join(folder, ROUTING_FILE), "w") as handle:
            json.dump(self.to_dict(), handle, indent=1, default=str)
        return folder


def _file_name(group: GroupModel) -> str:
    return f"{group.model.name}.onnx"


def read_routing(folder: str, name: str = "", version: int = 0) -> Routing:
    """A :class:`Routing` from a folder written by :meth:`Routing.write`."""
    from .model import from_onnx
    with open(os.path.join(folder, ROUTING_FILE)) as handle:
        data = json.load(handle)
    if data.get("format") != FORMAT:
        raise ModelRegistryError(f"{folder} holds routing format {data.get('format')!r}, "
                                 f"expected {FORMAT!r}.")

    def group(entry) -> GroupModel:
        with open(model_file(folder, entry), "rb") as handle:
            model = from_onnx(handle.read(), entry["model_name"], entry["version"],
                              entry.get("metadata"))
        return GroupModel(entry["key"], entry["value"], model)

    return Routing(name=name, version=int(version), task=data["task"], target=data["target"],
                   group_column=data["group_column"], group_type=data["group_type"],
                   groups=[group(e) for e in data["groups"]],
                   fallback=group(data["fallback"]) if data["fallback"] else None,
                   unrouted=data.get("unrouted", {}), feature_kinds=data.get("feature_kinds", {}))


def model_file(folder: str, entry: dict) -> str:
    """The path of a group model's ONNX file: a plain file name inside ``<folder>/models``
    (symlinks resolved), never a path elsewhere that a routing file from the registry names.

    Raises:
        ModelRegistryError: the name is not a plain file name, or resolves outside the folder.
    """
    name = entry.get("file")
    models = os.path.realpath(os.path.join(folder, "models"))
    if not isinstance(name, str) or not name or name in (".", "..") or os.path.basename(name) != name \
            or "\\" in name or "\x00" in name:
        raise ModelRegistryError(f"{os.path.join(folder, ROUTING_FILE)}: group {entry.get('key')!r} "
                                 f"names model file {name!r}, which is not a file name in its "
                                 "models folder: the keyed model is damaged; register it again.")
    path = os.path.realpath(os.path.join(models, name))
    if os.path.dirname(path) != models:
        raise ModelRegistryError(f"{os.path.join(folder, ROUTING_FILE)}: model file {name!r} of group "
                                 f"{entry.get('key')!r} resolves outside {models}: refused.")
    return path


def find_routing_folder(root: str) -> str:
    for folder, _, files in os.walk(root):
        if ROUTING_FILE in files:
            return folder
    raise ModelRegistryError(f"No {ROUTING_FILE} under {root}: not a keyed synhelpers model.")


def load_routing(name: str, version) -> Routing:
    """The keyed model ``name`` version ``version`` from the registry (artifacts downloaded to a
    temporary folder, read into memory, then deleted)."""
    import tempfile

    import mlflow.artifacts
    before = os.environ.get(_PROGRESS)
    os.environ[_PROGRESS] = "false"          # no progress bar per artifact in notebook output
    try:
        with tempfile.TemporaryDirectory(prefix="synhelpers-keyed-") as target:
            try:
                root = mlflow.artifacts.download_artifacts(
                    artifact_uri=f"models:/{name}/{version}", dst_path=target)
            except Exception as exc:  # noqa: BLE001
                raise ModelRegistryError(f"Keyed model {name!r} version {version} cannot be "
                                         f"downloaded: {exc}") from exc
            return read_routing(find_routing_folder(root), name, int(version))
    finally:
        if before is None:
            os.environ.pop(_PROGRESS, None)
        else:
            os.environ[_PROGRESS] = before
