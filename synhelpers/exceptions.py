"""Every error and warning synhelpers raises.

One root (:class:`SynHelpersError`), one class per part of the package. Each message names the
table, column or parameter at fault and says what to do.
"""
from __future__ import annotations


class SynHelpersError(Exception):
    """Root of every error raised by synhelpers."""


class ConfigError(SynHelpersError, ValueError):
    """Raised when a parameter has a bad value (names the parameter and what to do)."""


class MissingDependencyError(SynHelpersError, ImportError):
    """Raised when an optional dependency is needed but not installed."""


class RuntimeSeamError(SynHelpersError):
    """Raised by the runtime seam (Spark session, state directory, mssparkutils stand-in)."""


class DatasetError(SynHelpersError):
    """Raised by the data part: a source cannot be read or lacks required columns."""


class AutoMLError(SynHelpersError):
    """Raised by the AutoML part: bad training data or a failed search."""


class AzureMLJobError(AutoMLError):
    """Raised by the Azure AutoML engine: the job failed or was canceled in Azure, or its output
    lacks what the checks need (names the job and what to do)."""


class OnnxExportError(SynHelpersError):
    """Raised when a fitted pipeline cannot be converted to one ONNX graph."""


class ParityError(OnnxExportError):
    """Raised when ONNX predictions differ from the native ones beyond the tolerance."""


class ModelRegistryError(SynHelpersError):
    """Raised by the registry part: unknown model or version, failed registration."""


class SqlPoolError(SynHelpersError):
    """Raised by the SQL pool part (local DuckDB pool, Synapse connection, connector)."""


class SqlParseError(SqlPoolError):
    """Raised when T-SQL cannot be parsed; ``errors`` lists line, col, statement, highlight."""

    def __init__(self, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.errors = errors or []


class UnsupportedSqlError(SqlPoolError):
    """Raised when T-SQL parses but is outside the subset the local pool executes."""


class PredictError(SqlPoolError):
    """Raised by T-SQL PREDICT, with the messages the Synapse PREDICT engine gives."""


class ScoringError(SynHelpersError):
    """Raised by Spark batch scoring and many-models scoring."""


class ArtifactConversionError(SynHelpersError):
    """Raised when a notebook or pipeline cannot be converted to or from Synapse JSON."""


class PipelineActivityError(SynHelpersError):
    """Raised by the local pipeline runner when an activity fails (names the cell and error)."""

    def __init__(self, activity: str, notebook: str, cell_index: int | None = None,
                 ename: str = "", evalue: str = ""):
        self.activity, self.notebook = activity, notebook
        self.cell_index, self.ename, self.evalue = cell_index, ename, evalue
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f", cell {self.cell_index}" if self.cell_index is not None else ""
        return (f"Activity '{self.activity}' failed in notebook '{self.notebook}'{where}: "
                f"{self.ename}: {self.evalue}")


class SynHelpersWarning(UserWarning):
    """Root of every warning emitted by synhelpers."""


class BudgetWarning(SynHelpersWarning):
    """Emitted when an AutoML run overran its time budget."""
