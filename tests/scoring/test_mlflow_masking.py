"""Secure values never reach MLflow params or tags, on the real MLflow store: the many-models run
records a group whose training failed with a SAS URL and a secure value in its message, and the
single-model wizard logs a form that holds a secure value."""
from __future__ import annotations

import json

import pytest

from synhelpers.exceptions import AutoMLError
from synhelpers.runtime import secrets
from synhelpers.manymodels.groups import GroupPlan
from synhelpers.manymodels.runs import record_runs

SECRET = "hunter2-Correct-Horse"
SAS = "https://acct.blob.core.windows.net/c/x.csv?sv=2022-11-02&sig=U2VjcmV0U2ln%3D"


def test_params_tags_and_logged_json_are_masked(monkeypatch):
    import mlflow
    from mlflow.tracking import MlflowClient

    from synhelpers.registry import configure
    monkeypatch.setattr(secrets, "_process", secrets.Masker())      # this test's secrets only
    monkeypatch.setenv(secrets.SECURE_ENV_PREFIX + "token", json.dumps(SECRET))
    assert secrets.secure_parameter("token") == SECRET              # as the injected cell does
    plan = GroupPlan(table_name="default.t", group_column="g", group_type="string", target="y",
                     features=["x"], spark_types={"x": "double"}, counts={"a": 30},
                     values={"a": "a"}, trained=["a"], small={}, null_rows=0, global_model=False)
    failed = {"group_key": "a", "status": "failed", "rows": 30, "best_estimator": "",
              "message": f"ValueError: cannot read {SAS} with {SECRET}", "seconds": 1.0,
              "search_seconds": 0.0, "pid": 1, "partition": 0, "metrics": "{}",
              "best_config": "{}", "parity": "{}", "trials": "[]"}
    configure()
    with pytest.raises(AutoMLError, match="No model was trained"):
        record_runs(plan, [failed], experiment_name="masking-tests",
                    model_name="masking-model", task="regression", metric="r2_score",
                    settings={"table_name": "default.t", "exclude_columns": SECRET,
                              "source": SAS}, started=0.0)
    client = MlflowClient()
    parent = client.search_runs([client.get_experiment_by_name("masking-tests").experiment_id],
                                "tags.`synhelpers.kind` = 'many_models'")[0]
    assert parent.data.params["exclude_columns"] == "***"
    assert parent.data.params["source"] == "https://acct.blob.core.windows.net/c/x.csv?***"
    child = client.search_runs([parent.info.experiment_id],
                               f"tags.mlflow.parentRunId = '{parent.info.run_id}'")[0]
    assert child.data.tags["synhelpers.message"] == (
        "ValueError: cannot read https://acct.blob.core.windows.net/c/x.csv?*** with ***")
    everything = json.dumps([parent.data.params, parent.data.tags, child.data.params,
                             child.data.tags])
    assert SECRET not in everything and "U2VjcmV0U2ln" not in everything
    mlflow.end_run()


def test_the_wizards_form_is_logged_masked(monkeypatch):
    """``train_wizard``'s parent run gets the form as params and the table as tags
    (``automl/publish.py:log_form``): a secure value in any of them is ``***`` there."""
    import types

    import mlflow
    import pandas as pd
    from mlflow.tracking import MlflowClient

    from synhelpers.automl.config import WizardConfig
    from synhelpers.automl.publish import log_form
    from synhelpers.registry import configure, get_or_create_experiment
    monkeypatch.setattr(secrets, "_process", secrets.Masker())
    monkeypatch.setenv(secrets.SECURE_ENV_PREFIX + "token", json.dumps(SECRET))
    assert secrets.secure_parameter("token") == SECRET
    config = WizardConfig(table_name=f"default.{SECRET}", target_column=SECRET,
                          experiment_name="masking-form")
    data = types.SimpleNamespace(target=SECRET, sampled=False)
    prep = types.SimpleNamespace(config=config, data=data, train=pd.DataFrame({"x": [1, 2, 3]}))
    configure()
    with mlflow.start_run(experiment_id=get_or_create_experiment("masking-form")) as run:
        log_form(prep)
    logged = MlflowClient().get_run(run.info.run_id).data
    assert logged.params["target_column"] == "***"
    assert logged.params["table_name"] == "default.***"
    assert logged.tags["synhelpers.target"] == "***" and logged.tags["synhelpers.training_rows"] == "3"
    assert SECRET not in json.dumps([logged.params, logged.tags])
