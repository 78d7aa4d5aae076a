"""Synapse workspace artifacts: ipynb <-> Synapse JSON, generation, validation, a local runner.

Plain functions (the CLI calls these):

- :func:`build_artifacts`, :func:`check_artifacts` (:mod:`.workspace`): write / compare
  ``workspace_artifacts/`` from ``notebooks/`` and the spec (:mod:`.spec`);
- :func:`validate_artifacts` (:mod:`.validate`): references, parameters, the artifacts API's rules;
- :func:`run_pipeline`, :func:`format_summary` (:mod:`.runner`): run a pipeline's notebook
  activities locally with papermill;
- :func:`to_synapse`, :func:`from_synapse` (:mod:`.notebooks`): pure notebook conversion.

Importing this package imports neither papermill nor nbformat (they are imported when used).
"""
from __future__ import annotations

from .errors import ArtifactWarning, ErrorLevel, ExpressionError, PipelineDefinitionError
from .notebooks import from_synapse, to_synapse
from .validate import validate_artifacts
from .workspace import build_artifacts, check_artifacts
from .runner import RunResult, ActivityRun, format_summary, run_pipeline

__all__ = ["build_artifacts", "check_artifacts", "validate_artifacts", "run_pipeline",
           "format_summary", "RunResult", "ActivityRun", "to_synapse", "from_synapse",
           "ErrorLevel", "ArtifactWarning", "ExpressionError", "PipelineDefinitionError"]
