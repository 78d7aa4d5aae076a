"""The many-models form, checked before anything runs (pure).

The parameters of notebook 07 / :func:`.train.train_many_models` become one
:class:`ManyModelsSettings`, each value converted by :mod:`synhelpers.params` and each error
naming its parameter.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from ..exceptions import ConfigError
from ..params import as_float, as_int
from ..registry.names import check_mlflow_name
from .groups import SMALL_GROUPS

TASKS = ("regression", "classification")


@dataclass(frozen=True)
class ManyModelsSettings:
    table_name: str
    task: str = "regression"
    primary_metric: str = ""
    budget_seconds_per_group: float = 60.0
    min_rows_per_group: int = 100
    small_groups: str = "global"         # rows of small groups: a global model, or unscored
    max_rows_per_group: int = 100_000
    max_groups: int = 500
    exclude_columns: tuple = ()
    experiment_name: str = ""
    model_name: str = ""
    seed: int = 1
    test_size: float = 0.1
    max_trial_runs_per_group: int = 100

    def to_params(self) -> dict:
        """The settings as the parent run's MLflow params (strings)."""
        params = asdict(self)
        params["exclude_columns"] = ",".join(self.exclude_columns)
        return {k: str(v) for k, v in params.items()}


def make_settings(table_name: str, task: str = "regression", primary_metric: str = "",
                  budget_seconds_per_group=60.0, min_rows_per_group=100, small_groups="global",
                  max_rows_per_group=100_000, max_groups=500, exclude_columns=(),
                  experiment_name: str = "", model_name: str = "", seed=1, test_size=0.1,
                  max_trial_runs_per_group=100) -> ManyModelsSettings:
    """Check the form (names are completed later, once the group column is known).

    Raises:
        ConfigError: a bad value, naming its parameter.
    """
    from ..automl.metrics import DEFAULT_METRIC, get_metric
    task = str(task or "").strip().lower()
    if task not in TASKS:
        raise ConfigError(f"task={task!r} is not valid for many models: use one of "
                          f"{', '.join(TASKS)}.")
    if small_groups not in SMALL_GROUPS:
        raise ConfigError(f"small_groups={small_groups!r} is not valid: use 'global' (a global "
                          "model scores the rows of small groups) or 'skip'.")
    if isinstance(exclude_columns, str):
        exclude_columns = [c.strip() for c in exclude_columns.split(",") if c.strip()]
    min_rows = as_int(min_rows_per_group, "min_rows_per_group", minimum=20)
    return ManyModelsSettings(
        table_name=str(table_name), task=task,
        primary_metric=get_metric(primary_metric or DEFAULT_METRIC[task], task).name,
        budget_seconds_per_group=as_float(budget_seconds_per_group, "budget_seconds_per_group",
                                          minimum=1.0),
        min_rows_per_group=min_rows, small_groups=small_groups,
        max_rows_per_group=as_int(max_rows_per_group, "max_rows_per_group", minimum=min_rows),
        max_groups=as_int(max_groups, "max_groups", minimum=1),
        exclude_columns=tuple(exclude_columns), experiment_name=str(experiment_name or ""),
        model_name=str(model_name or ""), seed=as_int(seed, "seed", minimum=0),
        test_size=as_float(test_size, "test_size", minimum=0.0),
        max_trial_runs_per_group=as_int(max_trial_runs_per_group, "max_trial_runs_per_group",
                                        minimum=0))


def run_names(settings: ManyModelsSettings, workspace: str, group_column: str) -> tuple[str, str]:
    """``(experiment, model name)``: the form's, or ``<workspace>-<table>-<stamp>-groups`` and
    ``<experiment>-by-<group column>``.

    Raises:
        ConfigError: a name MLflow cannot hold.
    """
    from ..automl.config import default_experiment_name
    experiment = settings.experiment_name or (
        default_experiment_name(workspace, settings.table_name) + "-groups")
    model = settings.model_name or f"{experiment}-by-{group_column}"
    return check_mlflow_name(experiment, "experiment_name"), check_mlflow_name(model, "model_name")
