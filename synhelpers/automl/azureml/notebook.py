"""The wizard's "Open in notebook": the ``azure-ai-ml`` code that submits exactly the form's job
(pure; ``synhelpers train --emit-notebook`` writes it, and the workspace build generates one for
the pipeline's form).

The notebook needs no synhelpers: its parameters cell holds the job's settings (every value
written by :func:`literal`, the one quoting path: ``repr`` of a str, bool, int or float, checked
to read back equal); the workspace comes from the same environment variables and Spark conf keys
as the engine's (:mod:`.workspace`), the sign-in from ``DefaultAzureCredential``; Spark writes the
table as Parquet with its ``MLTable`` file (:mod:`.handoff`); the job cell makes the calls of
:func:`.job.build_job`.
"""
from __future__ import annotations

import ast

from ...exceptions import ConfigError
from .handoff import MLTABLE_TEXT
from .job import JobSpec
from .workspace import REQUIRED, SETTINGS

KERNELSPEC = {"name": "synapse_pyspark", "display_name": "Synapse PySpark"}

# the job cell: the calls of job.build_job, on the parameters cell's names
JOB_CELL = """\
job = getattr(automl, task)(
    experiment_name=experiment_name, display_name=model_name, compute=compute or None,
    training_data=Input(type="mltable", path=training_data),
    target_column_name=target_column, primary_metric=primary_metric,
    test_data_size=test_data_size or None, tags={"synhelpers.model_name": model_name,
                                                 "synhelpers.table": table_name,
                                                 "synhelpers.engine": "azureml"})
job.set_limits(timeout_minutes=timeout_minutes, max_concurrent_trials=max_concurrent_trials)
job.set_training(enable_onnx_compatible_models=enable_onnx_compatible_models)
if task == "forecasting":
    job.set_forecast_settings(time_column_name=time_column, forecast_horizon=forecast_horizon)"""


def literal(value) -> str:
    """``value`` as Python source (str, bool, int or float).

    Raises:
        ConfigError: any other type, or a value that does not read back equal.
    """
    if not isinstance(value, (str, bool, int, float)):
        raise ConfigError(f"{value!r} ({type(value).__name__}) cannot be written into a notebook.")
    text = repr(value)
    if ast.literal_eval(text) != value:
        raise ConfigError(f"{value!r} does not survive being written into a notebook.")
    return text


def parameters_source(spec: JobSpec, staging_uri: str = "") -> str:
    """The parameters cell: ``name = literal`` (two to a line where they belong together, so the
    cell keeps to 12 lines)."""
    lines = [{"table_name": spec.tags.get("synhelpers.table", "")},
             {"target_column": spec.target_column}, {"task": spec.task},
             {"primary_metric": spec.primary_metric}, {"timeout_minutes": spec.timeout_minutes},
             {"max_concurrent_trials": spec.max_concurrent_trials},
             {"enable_onnx_compatible_models": spec.enable_onnx_compatible_models},
             {"experiment_name": spec.experiment_name}, {"model_name": spec.model_name},
             {"time_column": spec.time_column, "forecast_horizon": spec.forecast_horizon},
             {"test_data_size": spec.test_data_size},
             {"compute": spec.compute, "staging_uri": staging_uri}]
    return "\n".join("; ".join(f"{name} = {literal(value)}" for name, value in line.items())
                     for line in lines)


def _code(source: str, tags: list[str] | None = None) -> dict:
    return {"cell_type": "code", "execution_count": None,
            "metadata": {"tags": tags} if tags else {}, "outputs": [], "source": source}


def _markdown(source: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def _intro(spec: JobSpec) -> str:
    env = ", ".join(f"`{SETTINGS[s][0]}`" for s in REQUIRED)
    conf = ", ".join(f"`{SETTINGS[s][1]}`" for s in REQUIRED)
    return ("# Azure AutoML job (the wizard's \"Open in notebook\")\n\n"
            "Submits the wizard's form as an Azure Machine Learning AutoML job with the Azure ML "
            "SDK v2 (`azure-ai-ml`, shipped with Synapse Spark 3.5 pools), the code "
            "`synhelpers train --emit-notebook` generates. The parameters cell holds the job's "
            "settings. The workspace comes from the environment "
            f"({env}) or the Spark conf ({conf}); the sign-in from `DefaultAzureCredential` "
            "(managed identity); neither is a parameter. Spark writes the table as Parquet with an "
            "`MLTable` file under `staging_uri` (empty: the workspace's default storage), which "
            "the job's compute must be able to read.")


def automl_notebook(spec: JobSpec, staging_uri: str = "") -> dict:
    """The notebook (nbformat 4, kernel ``synapse_pyspark``, one ``parameters`` cell)."""
    workspace = "\n".join(
        f"{setting} = os.environ.get({literal(SETTINGS[setting][0])}) or spark.conf.get("
        f"{literal(SETTINGS[setting][1])}, \"\")" for setting in REQUIRED)
    cells = [
        _markdown(_intro(spec)),
        _code(parameters_source(spec, staging_uri), ["parameters"]),
        _code("import os\nimport uuid\nfrom azure.ai.ml import Input, MLClient, automl\n"
              "from azure.identity import DefaultAzureCredential\n\n" + workspace + "\n"
              "ml_client = MLClient(DefaultAzureCredential(), subscription_id, resource_group, "
              "workspace_name)"),
        _markdown("The table, written by the Spark executors as Parquet, and its `MLTable` file."),
        _code("default_fs = spark.sparkContext._jsc.hadoopConfiguration().get(\"fs.defaultFS\")\n"
              "root = staging_uri or default_fs.rstrip(\"/\") + \"/synhelpers/azureml\"\n"
              "training_data = f\"{root}/{experiment_name}/{uuid.uuid4().hex[:8]}\"\n"
              "spark.table(table_name).write.mode(\"errorifexists\").parquet(training_data)\n"
              f"mssparkutils.fs.put(training_data + \"/MLTable\", {literal(MLTABLE_TEXT)}, True)"),
        _code(JOB_CELL),
        _code("returned_job = ml_client.jobs.create_or_update(job)\n"
              "print(returned_job.name, returned_job.studio_url)\n"
              "ml_client.jobs.stream(returned_job.name)"),
        _code("mssparkutils.notebook.exit(returned_job.name)"),
    ]
    return {"cells": cells, "metadata": {"description": f"Azure AutoML job {spec.experiment_name}",
                                          "kernelspec": dict(KERNELSPEC),
                                          "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 2}


def emit_notebook(config, path, compute: str = "", staging_uri: str = "") -> str:
    """Write the notebook of a validated form (``engine='azureml'`` rules) to ``path``."""
    from .job import job_spec
    spec = job_spec(config, training_data="", compute=compute)
    return write_notebook(automl_notebook(spec, staging_uri), path)


def write_notebook(nb: dict, path) -> str:
    """Validate with nbformat and write ``path`` (UTF-8, no outputs); returns the path."""
    import nbformat
    node = nbformat.from_dict(nb)
    nbformat.validate(node)
    nbformat.write(node, str(path))
    return str(path)
