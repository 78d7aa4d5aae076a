"""What the workspace holds, declared as data: the pipeline, its trigger, its SQL script.

The pipeline is generated from this spec *and* the notebooks: at build time every notebook's
parameters cell is read (:func:`~.parameters.read_parameters`), and each parameter becomes an
activity parameter fed by a pipeline parameter of the same name, typed and defaulted by the
notebook's literal. The spec only says what differs from that rule:

- ``rename``: feed a notebook parameter from a pipeline parameter of another name (how two
  notebooks share one value: 01's ``table_name`` is 03's ``source_table``). When several
  activities feed from one pipeline parameter, the first activity's literal gives its default;
  the types must agree;
- ``expressions``: feed a notebook parameter from an expression instead (an upstream exit value);
- ``defaults``: a pipeline default other than the notebook's literal (the pipeline registers a
  stable model name, so every retraining adds a version, where the wizard's form proposes a new
  timestamped name each time);
- ``declared``: the parameter names fixed by the issues, with a type and default used only while
  the notebook does not exist yet (and to type an expression-fed parameter whose literal is None).

A notebook parameter whose literal is ``None``, a list or a dict has no Synapse type: unless an
expression feeds it, the pipeline leaves it alone and the notebook keeps its default.

**How the model name:version flows.** The train notebook (02) ends with
``mssparkutils.notebook.exit(json.dumps({"model_name": ..., "model_version": ..., ...}))``;
the predict activity (04) gets ``model_name`` and ``model_version`` from
``@json(activity('TrainModel').output.status.Output.result.exitValue).model_name`` (and
``.model_version``): both parameters stay plain values in the notebook, and the pipeline scores
exactly the version this run registered.

**The SQL script hook.** :class:`SqlScriptSpec.query` is a callable taking the pipeline's
parameter defaults (a dict) and returning T-SQL text. ``Score_NYC_Taxi`` uses
:func:`scoring_wizard_script`: the scoring wizard's generator
(:func:`synhelpers.sqlpool.wizard.tutorial_scoring_script`) run on the tutorial model's declared
IO, named after the defaults (``sql_table``, ``procedure_name``, ``model_table``, ``model_name``),
so the artifact and notebook 04's script come from one code path. :func:`render_template` fills a
file of ``templates/`` instead; ``build_artifacts(root, sql_sources={...})`` overrides either.

**Generated notebooks.** A :class:`GeneratedNotebookSpec` is a notebook that is not in
``notebooks/`` but built from a pipeline's defaults (``build(defaults) -> ipynb dict``), as the
SQL script is. ``Submit_AzureML_AutoML`` is the wizard's "Open in notebook" for the pipeline's
form: the Azure ML SDK code that submits it as an Azure AutoML job
(:func:`synhelpers.automl.azureml.automl_notebook`, what ``synhelpers train --emit-notebook``
writes).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

TEMPLATES = Path(__file__).resolve().parent / "templates"

SqlSource = Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True)
class Declared:
    """A notebook parameter as the issue fixes it: name, Synapse type, default."""

    name: str
    type: str
    default: Any


@dataclass(frozen=True)
class NotebookActivitySpec:
    """One SynapseNotebook activity."""

    name: str
    notebook: str
    declared: tuple[Declared, ...]
    depends_on: tuple[str, ...] = ()
    rename: Mapping[str, str] = field(default_factory=dict)
    expressions: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)   # pipeline defaults over literals
    description: str = ""


@dataclass(frozen=True)
class PipelineSpec:
    name: str
    activities: tuple[NotebookActivitySpec, ...]
    description: str = ""
    folder: str | None = None
    timeout: str = "0.12:00:00"


@dataclass(frozen=True)
class TriggerSpec:
    """A weekly (or other) ScheduleTrigger running one pipeline with some parameters."""

    name: str
    pipeline: str
    parameters: Mapping[str, Any]
    recurrence: Mapping[str, Any]
    description: str = ""
    runtime_state: str = "Stopped"


def render_template(filename: str) -> SqlSource:
    """A SQL source that fills ``templates/<filename>`` from the pipeline defaults (str.format)."""
    def render(defaults: Mapping[str, Any]) -> str:
        return (TEMPLATES / filename).read_text(encoding="utf-8").format_map(defaults)
    render.__name__ = f"render_{Path(filename).stem}"
    return render


def scoring_wizard_script(defaults: Mapping[str, Any]) -> str:
    """The scoring wizard's script for the tutorial model (imported lazily: pure, no pool needed)."""
    from ..sqlpool.wizard.tutorial import tutorial_scoring_script
    return tutorial_scoring_script(defaults)


@dataclass(frozen=True)
class SqlScriptSpec:
    """A sqlscript artifact; ``query(pipeline_defaults) -> str`` is the plug-in point."""

    name: str
    pipeline: str
    query: SqlSource
    description: str = ""
    folder: str | None = None


TABLE = "default.NYC_Taxi"
MODEL = "nyc_taxi_fare_predict"
TRAIN_EXIT = "json(activity('TrainModel').output.status.Output.result.exitValue)"

AUTOML_PIPELINE = PipelineSpec(
    name="AutoML_Train_And_Score",
    description=("The Synapse AutoML tutorial end to end: build the NYC taxi table, train and "
                 "register the best model (ONNX), load the table into the dedicated SQL pool, "
                 "score it there with T-SQL PREDICT. Generated by synhelpers.artifacts."),
    folder="AutoML",
    activities=(
        NotebookActivitySpec(
            name="CreateTable", notebook="01_create_nyc_taxi_table",
            description="Build the tutorial's 7-column NYC taxi Spark table.",
            declared=(
                Declared("source", "string", "auto"), Declared("path", "string", ""),
                Declared("rows", "int", 100000), Declared("start_date", "string", "2018-05-01"),
                Declared("end_date", "string", "2018-05-07"),
                Declared("table_name", "string", TABLE), Declared("sample_rows", "int", 10000),
                Declared("seed", "int", 123))),
        NotebookActivitySpec(
            name="TrainModel", notebook="02_automl_wizard", depends_on=("CreateTable",),
            defaults={"model_name": MODEL, "experiment_name": "nyc_taxi_automl"},
            description="The AutoML wizard: train, convert the best model to ONNX, register it; "
                        "exits with JSON holding model_name and model_version.",
            declared=(
                Declared("table_name", "string", TABLE),
                Declared("target_column", "string", "fareAmount"),
                Declared("task", "string", "regression"),
                Declared("primary_metric", "string", "spearman_correlation"),
                Declared("training_hours", "float", 0.25),
                Declared("max_concurrent_iterations", "int", 4),
                Declared("onnx_compatible", "bool", True),
                Declared("experiment_name", "string", "nyc_taxi_automl"),
                Declared("model_name", "string", MODEL),
                Declared("time_column", "string", ""), Declared("horizon", "int", 0),
                Declared("engine", "string", "flaml"))),
        NotebookActivitySpec(
            name="LoadSqlPool", notebook="03_load_sql_pool", depends_on=("TrainModel",),
            description="Load the Spark table into the dedicated SQL pool.",
            rename={"source_table": "table_name", "target_table": "sql_table",
                    "mode": "load_mode"},
            declared=(
                Declared("sql_pool_name", "string", "mlverifypool"),
                Declared("source_table", "string", TABLE),
                Declared("target_table", "string", "dbo.nyc_taxi"),
                Declared("mode", "string", "overwrite"))),
        NotebookActivitySpec(
            name="PredictSqlPool", notebook="04_predict_sql_pool", depends_on=("LoadSqlPool",),
            description="Deploy the trained model to the pool's model table and score the pool "
                        "table with the generated stored procedure (T-SQL PREDICT).",
            rename={"table_name": "sql_table"},
            expressions={"model_name": f"@{TRAIN_EXIT}.model_name",
                         "model_version": f"@{TRAIN_EXIT}.model_version"},
            declared=(
                Declared("sql_pool_name", "string", "mlverifypool"),
                Declared("table_name", "string", "dbo.nyc_taxi"),
                Declared("model_name", "string", MODEL), Declared("model_version", "int", 1),
                Declared("procedure_name", "string", "dbo.nyc_taxi_procedure"),
                Declared("model_table", "string", "dbo.aml_models"),
                Declared("results_table", "string", "dbo.nyc_taxi_predictions"))),
    ),
)

WEEKLY_RETRAIN = TriggerSpec(
    name="Weekly_Retrain",
    pipeline=AUTOML_PIPELINE.name,
    description="Retrain and rescore every Monday at 02:00 UTC on the Open Datasets source. "
                "Created stopped: start it in Synapse Studio after publishing.",
    parameters={"source": "open_datasets", "experiment_name": "nyc_taxi_weekly_retrain"},
    recurrence={"frequency": "Week", "interval": 1, "startTime": "2024-01-01T02:00:00Z",
                "timeZone": "UTC",
                "schedule": {"minutes": [0], "hours": [2], "weekDays": ["Monday"]}},
)

SCORING_SCRIPT = SqlScriptSpec(
    name="Score_NYC_Taxi",
    pipeline=AUTOML_PIPELINE.name,
    description="The scoring wizard's stored procedure for the registered model (T-SQL PREDICT).",
    folder="AutoML",
    query=scoring_wizard_script,
)


def azureml_job_notebook(defaults: Mapping[str, Any]) -> dict:
    """The Azure AutoML job notebook of the pipeline's form (its TrainModel defaults)."""
    from ..automl import make_config
    from ..automl.azureml import automl_notebook, job_spec
    form = ("table_name", "target_column", "task", "primary_metric", "training_hours",
            "max_concurrent_iterations", "onnx_compatible", "experiment_name", "model_name",
            "time_column", "horizon")
    missing = [k for k in ("table_name", "target_column") if not defaults.get(k)]
    if missing:
        from .errors import PipelineDefinitionError
        raise PipelineDefinitionError(f"generated notebook 'Submit_AzureML_AutoML': the pipeline has "
                                      f"no parameter {', '.join(missing)} (notebook 02's form).")
    # the pipeline's defaults where it has them, the form's own defaults for the rest
    config = make_config(**{k: defaults[k] for k in form if defaults.get(k) is not None},
                         engine="azureml")
    return automl_notebook(job_spec(config, training_data=""))


@dataclass(frozen=True)
class GeneratedNotebookSpec:
    """A notebook built from a pipeline's parameter defaults: ``build(defaults) -> ipynb dict``."""

    name: str
    pipeline: str
    build: Callable[[Mapping[str, Any]], dict]


AZUREML_NOTEBOOK = GeneratedNotebookSpec(name="Submit_AzureML_AutoML",
                                         pipeline=AUTOML_PIPELINE.name, build=azureml_job_notebook)


@dataclass(frozen=True)
class WorkspaceSpec:
    pipelines: tuple[PipelineSpec, ...]
    triggers: tuple[TriggerSpec, ...] = ()
    sqlscripts: tuple[SqlScriptSpec, ...] = ()
    notebooks: tuple[GeneratedNotebookSpec, ...] = ()


SPEC = WorkspaceSpec(pipelines=(AUTOML_PIPELINE,), triggers=(WEEKLY_RETRAIN,),
                     sqlscripts=(SCORING_SCRIPT,), notebooks=(AZUREML_NOTEBOOK,))
