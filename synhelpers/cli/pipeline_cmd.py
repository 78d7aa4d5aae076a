"""``synhelpers pipeline run``: a Synapse pipeline's notebook activities, locally."""
from __future__ import annotations

from . import FAILED, OK


def parse_params(pairs: list[str]) -> dict:
    from ..exceptions import ConfigError
    params = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise ConfigError(f"--param {pair!r} is not key=value.")
        key, value = pair.split("=", 1)
        params[key.strip()] = value
    return params


def _run(args) -> int:
    from ..artifacts import run_pipeline
    # the runner prints each activity as it runs, then the summary table
    result = run_pipeline(args.pipeline, parameters=parse_params(args.param), out_dir=args.out)
    return OK if result.status == "Succeeded" else FAILED


def register(sub) -> None:
    p = sub.add_parser("pipeline", help="run a Synapse pipeline locally")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    run = actions.add_parser("run", help="run a pipeline JSON's notebook activities with papermill",
                             description="Runs the activity graph in dependency order against "
                             "local Spark; values pass between activities through exit values.")
    run.add_argument("pipeline", help="e.g. workspace_artifacts/pipeline/AutoML_Train_And_Score.json")
    run.add_argument("--param", action="append", metavar="KEY=VALUE",
                     help="pipeline parameter (repeatable; converted to the parameter's type)")
    run.add_argument("--out", default=None, help="folder for the run (output notebooks, run.json)")
    run.set_defaults(func=_run)
