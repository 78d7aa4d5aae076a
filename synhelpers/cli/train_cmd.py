"""``synhelpers train``: notebook 02, the wizard's form as flags."""
from __future__ import annotations

from ..params import as_float
from . import print_json


def _form(args, hours: float) -> dict:
    return dict(table_name=args.table_name, target_column=args.target_column, task=args.task,
                primary_metric=args.primary_metric, training_hours=hours,
                max_concurrent_iterations=args.max_concurrent_iterations,
                onnx_compatible=not args.no_onnx, experiment_name=args.experiment_name,
                model_name=args.model_name, time_column=args.time_column, horizon=args.horizon)


def _emit(args, hours: float) -> int:
    """The Azure job's notebook; no Spark, no workspace, nothing trained."""
    from ..automl import make_config
    from ..automl.azureml import emit_notebook
    from ..automl.azureml.workspace import optional_setting
    config = make_config(**_form(args, hours), engine="azureml")
    path = emit_notebook(config, args.emit_notebook, compute=optional_setting("compute"),
                         staging_uri=optional_setting("staging_uri"))
    print_json({"notebook": path, "experiment_name": config.experiment_name,
                "model_name": config.model_name})
    return 0


def _train(args) -> int:
    hours = (as_float(args.seconds, "--seconds", above=0) / 3600 if args.seconds is not None
             else args.training_hours)
    if args.emit_notebook:
        return _emit(args, hours)
    from ..automl import show_report, train_wizard
    result = train_wizard(None, **_form(args, hours), use_spark=not args.driver_only,
                          engine=args.engine)     # the form (and workspace) checked before Spark
    show_report(result)
    print_json(result.summary())
    return 0


def register(sub) -> None:
    p = sub.add_parser("train", help="train a new model with AutoML (notebook 02)",
                       description="The 'Train a new model' wizard: FLAML trials on Spark (or "
                       "Azure AutoML with --engine azureml), the best model registered in MLflow "
                       "as ONNX. Progress is printed while it runs.")
    p.add_argument("--table-name", required=True, help="Spark table, e.g. NYC_Taxi")
    p.add_argument("--target-column", required=True, help="column to predict, e.g. fareAmount")
    p.add_argument("--task", default="regression",
                   help="regression | classification | forecasting (default: %(default)s)")
    p.add_argument("--primary-metric", default="",
                   help="Azure AutoML metric (default: the wizard's for the task)")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--training-hours", default=0.25,
                        help="the whole run's budget in hours (default: %(default)s)")
    budget.add_argument("--seconds", help="the budget in seconds instead")
    p.add_argument("--max-concurrent-iterations", default=4)
    p.add_argument("--no-onnx", action="store_true", help="search every family, not only ONNX ones")
    p.add_argument("--experiment-name", default="")
    p.add_argument("--model-name", default="")
    p.add_argument("--time-column", default="", help="forecasting: the date column")
    p.add_argument("--horizon", default=0, help="forecasting: periods to predict")
    p.add_argument("--engine", default="flaml",
                   help="flaml (FLAML on Spark, default) | azureml (Azure ML AutoML on the workspace "
                        "set by AZUREML_SUBSCRIPTION_ID, AZUREML_RESOURCE_GROUP, "
                        "AZUREML_WORKSPACE_NAME)")
    p.add_argument("--emit-notebook", metavar="PATH", default="",
                   help="write the notebook that submits this form as an Azure AutoML job "
                        "(the wizard's 'Open in notebook') and exit without training")
    p.add_argument("--driver-only", action="store_true",
                   help="run trials on the driver instead of Spark executors")
    p.set_defaults(func=_train)
