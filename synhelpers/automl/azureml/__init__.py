"""Azure Machine Learning's AutoML as the wizard's second engine (``engine="azureml"``).

The same validated form (:mod:`..config`) becomes an Azure AutoML job; Azure runs the trials;
the best model comes back through our own checks into our MLflow registry. Modules, one concept
each:

- :mod:`.workspace`: which workspace (environment, Spark conf, linked service); never credentials;
- :mod:`.job`: form -> job, its YAML, Azure's own validation (pure; azure-ai-ml imported lazily);
- :mod:`.handoff`: the table written by Spark as Parquet + an ``MLTable`` file;
- :mod:`.submit`: sign in, submit, follow, download -- the one part no test runs (no Azure here);
- :mod:`.status`: progress lines and the best trial from what :mod:`.submit` reads (pure);
- :mod:`.output`: a downloaded AutoML output folder, read;
- :mod:`.checks`: the PREDICT contract and the parity gate on Azure's ONNX model;
- :mod:`.register`: the checked model registered in MLflow with the Azure job's tags;
- :mod:`.notebook`: the "Open in notebook" code (``synhelpers train --emit-notebook``);
- :mod:`.run`: :func:`train_azureml`, the steps in order.

Importing this package imports neither azure-ai-ml, pyspark nor MLflow.
"""
from __future__ import annotations

from .job import AZURE_PRIMARY_METRICS, JobSpec, build_job, check_form, job_spec, job_yaml
from .notebook import automl_notebook, emit_notebook, write_notebook
from .workspace import WorkspaceSettings, resolve_workspace


def train_azureml(spark, config, show_progress: bool = True, dataframe=None):
    """See :func:`.run.train_azureml` (imported when called)."""
    from .run import train_azureml as run
    return run(spark, config, show_progress=show_progress, dataframe=dataframe)


__all__ = ["AZURE_PRIMARY_METRICS", "JobSpec", "build_job", "check_form", "job_spec", "job_yaml",
           "automl_notebook", "emit_notebook", "write_notebook", "WorkspaceSettings", "resolve_workspace",
           "train_azureml"]
