"""``workspace_artifacts/``: generating it from the repository, and checking it is up to date.

Layout (Synapse's Git layout)::

    workspace_artifacts/
        notebook/<stem>.json         one per notebooks/*.ipynb that exists, and one per
                                     generated notebook of the spec (built from a pipeline)
        pipeline/<name>.json         from the spec (:mod:`.spec`) and the notebooks' parameters
        sqlscript/<name>.json        the scoring stored procedure (its SQL comes from a hook)
        trigger/<name>.json          the weekly retraining schedule

No linked service is generated: no generated artifact references one. The folders above are
*generated*: a ``.json`` file in them that the build does not produce is removed by the build
and reported by the check. The output is deterministic (fixed key order, no timestamps, LF), so
:func:`check_artifacts` compares texts exactly.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Union

from .config import WORKSPACE, WorkspaceConfig
from .errors import ErrorLevel, PipelineDefinitionError
from .generate import build_pipeline, build_sqlscript, build_trigger, pipeline_defaults, sqlscript_pool
from .jsonio import dumps
from .notebooks import to_synapse
from .parameters import read_parameters
from .spec import SPEC, SqlSource, WorkspaceSpec

ARTIFACTS_DIR = "workspace_artifacts"
NOTEBOOKS_DIR = "notebooks"
FOLDERS = ("notebook", "pipeline", "sqlscript", "trigger", "linkedService")

SqlSources = Mapping[str, Union[str, SqlSource]]   # sqlscript name -> SQL text or a SQL source


def read_ipynb(path: str | Path) -> dict:
    """An ``.ipynb`` file as a plain dict (nbformat v4, cell sources as strings, keys sorted so
    the build does not depend on the order an editor wrote them in)."""
    import nbformat
    nb = nbformat.read(str(path), as_version=4)
    return json.loads(json.dumps(nb, sort_keys=True))


def generate_artifacts(root: str | Path, spec: WorkspaceSpec = SPEC,
                       config: WorkspaceConfig = WORKSPACE,
                       sql_sources: SqlSources | None = None) -> dict[str, dict]:
    """Every artifact document, by path relative to ``workspace_artifacts/`` (sorted).

    Args:
        root: the project root (holding ``notebooks/``).
        spec: what the workspace holds (default :data:`.spec.SPEC`).
        config: pools and notebook settings (default :data:`.config.WORKSPACE`).
        sql_sources: sqlscript name -> SQL text, or a callable taking the pipeline's parameter
            defaults and returning it; overrides the spec's ``query`` hook.

    Raises:
        ArtifactConversionError: a notebook cannot be converted (bad kernel, bad parameters cell).
        PipelineDefinitionError: the spec does not fit the notebooks (see :func:`.build_pipeline`).
    """
    root = Path(root)
    docs: dict[str, dict] = {}
    parameters: dict[str, Any] = {}
    for path in sorted((root / NOTEBOOKS_DIR).glob("*.ipynb")):
        nb = read_ipynb(path)
        docs[f"notebook/{path.stem}.json"] = to_synapse(nb, path.stem, config.notebook,
                                                        level=ErrorLevel.RAISE)
        parameters[path.stem] = read_parameters(nb, f"notebooks/{path.name}")
    pipelines = {}
    for pipeline_spec in spec.pipelines:
        pipelines[pipeline_spec.name] = build_pipeline(pipeline_spec, parameters, config)
        docs[f"pipeline/{pipeline_spec.name}.json"] = pipelines[pipeline_spec.name]
    for trigger in spec.triggers:
        docs[f"trigger/{trigger.name}.json"] = build_trigger(trigger, pipelines[trigger.pipeline])
    for script in spec.sqlscripts:
        defaults = pipeline_defaults(pipelines[script.pipeline])
        source = (sql_sources or {}).get(script.name, script.query)
        query = source(defaults) if callable(source) else str(source)
        docs[f"sqlscript/{script.name}.json"] = build_sqlscript(
            script, query, sqlscript_pool(defaults, config))
    for generated in spec.notebooks:
        rel = f"notebook/{generated.name}.json"
        if rel in docs:
            raise PipelineDefinitionError(f"generated notebook '{generated.name}' has the name of "
                                          f"notebooks/{generated.name}.ipynb; rename one.")
        nb = json.loads(json.dumps(generated.build(pipeline_defaults(pipelines[generated.pipeline])),
                                   sort_keys=True))
        docs[rel] = to_synapse(nb, generated.name, config.notebook, level=ErrorLevel.RAISE)
    return dict(sorted(docs.items()))


def build_artifacts(root: str | Path, *, spec: WorkspaceSpec = SPEC,
                    config: WorkspaceConfig = WORKSPACE, sql_sources: SqlSources | None = None,
                    out: str | Path | None = None) -> list[Path]:
    """Write ``<root>/workspace_artifacts/`` (or ``out``) and return every artifact path, sorted.

    Files whose text is unchanged are not rewritten; stale ``.json`` files in the generated
    folders are removed. Raises what :func:`generate_artifacts` raises.

    >>> build_artifacts(".")                                  # doctest: +SKIP
    [PosixPath('workspace_artifacts/notebook/01_create_nyc_taxi_table.json'), ...]
    """
    target = Path(out) if out is not None else Path(root) / ARTIFACTS_DIR
    texts = {rel: dumps(doc) for rel, doc in
             generate_artifacts(root, spec, config, sql_sources).items()}
    written = []
    for rel, text in texts.items():
        path = target / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        written.append(path)
    for stale in _existing(target):
        if stale.relative_to(target).as_posix() not in texts:
            stale.unlink()
    return written


def check_artifacts(root: str | Path, *, spec: WorkspaceSpec = SPEC,
                    config: WorkspaceConfig = WORKSPACE,
                    sql_sources: SqlSources | None = None) -> list[str]:
    """The differences between ``<root>/workspace_artifacts/`` and what the build would write
    (empty when up to date). Each message names the file and says what to do."""
    target = Path(root) / ARTIFACTS_DIR
    expected = {rel: dumps(doc) for rel, doc in
                generate_artifacts(root, spec, config, sql_sources).items()}
    problems = []
    for rel, text in expected.items():
        path = target / rel
        shown = f"{ARTIFACTS_DIR}/{rel}"
        if not path.is_file():
            problems.append(f"{shown}: missing; run build_artifacts() to generate it.")
            continue
        found = path.read_text(encoding="utf-8")
        if found != text:
            problems.append(f"{shown}: out of date ({_first_difference(text, found)}); "
                            "run build_artifacts() to regenerate it.")
    for path in _existing(target):
        rel = path.relative_to(target).as_posix()
        if rel not in expected:
            problems.append(f"{ARTIFACTS_DIR}/{rel}: not generated by the build (no such notebook "
                            "or spec entry); delete it, or run build_artifacts() which removes it.")
    return problems


def _existing(target: Path) -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (target / folder).glob("*.json"))


def _first_difference(expected: str, found: str) -> str:
    want, got = expected.splitlines(), found.splitlines()
    for number, (a, b) in enumerate(zip(want, got), start=1):
        if a != b:
            return f"line {number}: expected {a.strip()[:80]!r}, found {b.strip()[:80]!r}"
    return f"expected {len(want)} lines, found {len(got)}"
