"""synhelpers: the Azure Synapse AutoML + PREDICT tutorial, runnable in Synapse and locally.

The public API is reached through the parts: :mod:`synhelpers.runtime`, :mod:`synhelpers.data`,
:mod:`synhelpers.automl`, :mod:`synhelpers.onnx_export`, :mod:`synhelpers.registry`,
:mod:`synhelpers.sqlpool`, :mod:`synhelpers.scoring`, :mod:`synhelpers.artifacts`.
Importing this package imports none of pyspark, flaml, mlflow or duckdb.
"""
from .exceptions import SynHelpersError

__version__ = "0.1.0"
__all__ = ["SynHelpersError", "__version__"]
