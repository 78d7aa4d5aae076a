"""Many models on the real TLC sample: one AutoML model per pickupTimeBin, trained with
applyInPandas, logged under one MLflow parent run, scored per group on Spark, with the pyfunc
and with routed T-SQL PREDICT on the local SQL pool."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from synhelpers.exceptions import AutoMLError, ConfigError, ScoringError
from synhelpers.manymodels import train_many_models
from synhelpers.scoring import (load_scoring_model, model_table_dataframe, model_table_ddl,
                                model_table_rows, routed_predict_sql, score_dataframe,
                                score_table)

from .scoring_testing import direct, input_specs

pytestmark = [pytest.mark.spark, pytest.mark.slow]

SMALL = "AMRush"          # 1,162 labelled rows in the sample; every other bin has more than 1,200


@pytest.fixture(scope="module")
def many(spark, taxi):
    return train_many_models(spark, taxi, "fareAmount", "pickupTimeBin",
                             budget_seconds_per_group=5, min_rows_per_group=1200,
                             small_groups="global", exclude_columns=["trip_id"],
                             experiment_name="scoring-many", model_name="scoring-many",
                             max_trial_runs_per_group=3)


@pytest.fixture(scope="module")
def scored(spark, taxi, many):
    summary = score_table(spark, taxi, "scoring-many", output_table="scored_many")
    return summary, spark.table("scored_many").toPandas()


def _client():
    from mlflow.tracking import MlflowClient

    from synhelpers.registry import configure
    configure()
    return MlflowClient()


def test_one_model_per_group_registered_and_the_small_group_falls_back(many, taxi_frame):
    from synhelpers.registry import resolve_version
    counts = taxi_frame["pickupTimeBin"].value_counts()
    assert len(counts) >= 4 and counts[SMALL] < 1200 <= counts.drop(SMALL).min()
    summary = many.summary()
    assert set(summary["group_models"]) == set(counts.index) - {SMALL}
    for group in many.trained:
        assert group.model_name == f"scoring-many-{group.key}"
        assert resolve_version(group.model_name) == group.model_version
        assert group.rows == counts[group.key] and group.metrics["r2_score"] > 0.5
    assert many.global_model.status == "trained"
    assert many.global_model.model_name == "scoring-many-all-groups"
    small = [g for g in many.groups if g.key == SMALL][0]
    assert small.status == "small" and small.scored_by == many.global_model.model_id
    assert (f"Group pickupTimeBin='{SMALL}' has {counts[SMALL]} labelled rows, fewer than "
            "min_rows_per_group=1200: its rows are scored by the global model.") in many.messages
    # every model trained in its own Spark task, in executor processes
    ran = many.trained + [many.global_model]
    assert len({g.partition for g in ran}) == len(ran) and os.getpid() not in {g.pid for g in ran}
    assert resolve_version("scoring-many") == many.model_version


def test_one_parent_run_with_a_child_per_group_and_per_trial(many):
    client = _client()
    parent = client.get_run(many.run_id)
    assert parent.data.params["group_column"] == "pickupTimeBin"
    assert parent.data.params["budget_seconds_per_group"] == "5.0"
    experiment = [parent.info.experiment_id]
    children = client.search_runs(experiment, f"tags.mlflow.parentRunId = '{many.run_id}'")
    groups = {c.data.tags["synhelpers.group"]: c for c in children}
    assert set(groups) == {g.key for g in many.groups} | {"__global__"}
    assert groups[SMALL].data.tags["synhelpers.status"] == "small"
    for result in many.trained + [many.global_model]:
        child = groups[result.key]
        assert child.info.status == "FINISHED" and child.data.params["estimator"]
        assert child.data.metrics["trials"] == result.n_trials >= 1
        trials = client.search_runs(experiment, f"tags.mlflow.parentRunId = '{child.info.run_id}'")
        assert len(trials) == min(result.n_trials, 3)
        assert all(int(t.data.tags["executor_pid"]) == result.pid for t in trials)
        files = {a.path for a in client.list_artifacts(child.info.run_id)}
        assert {"parity.json", "trials.json"} <= files
    assert "groups.json" in {a.path for a in client.list_artifacts(many.run_id)}


def test_spark_scores_each_row_with_its_own_groups_model(many, scored, taxi_frame):
    from synhelpers.registry import registered_onnx
    summary, out = scored
    assert summary["kind"] == "keyed" and summary["rows"] == len(taxi_frame)
    expected_by = {g.key: g.model_id for g in many.trained}
    expected_by[SMALL] = many.global_model.model_id
    assert (out["scored_by"] == out["pickupTimeBin"].map(expected_by)).all()
    for model_id, rows in out.groupby("scored_by"):
        name, version = model_id.rsplit(":", 1)
        found = registered_onnx(name, int(version))          # the group model on its own
        expected = direct(found["model_bytes"], rows, input_specs(found["inputs"]))[0].ravel()
        assert np.array_equal(rows["variable_out1"].to_numpy(), expected), model_id
    # the models differ: the same rows scored by another group's model give other values
    night = out[out["pickupTimeBin"] == "Night"].head(50)
    other = load_scoring_model(expected_by["PMRush"].split(":")[0])
    assert not np.array_equal(direct(other.model_bytes, night, input_specs(other.inputs))[0].ravel(),
                              night["variable_out1"].to_numpy())


def test_the_keyed_pyfunc_routes_like_spark(many, scored):
    import mlflow.pyfunc
    _, out = scored
    model = mlflow.pyfunc.load_model(many.model_uri)
    predicted = model.predict(out.drop(columns=["variable_out1", "scored_by"]))
    assert np.array_equal(predicted["variable_out1"].to_numpy(), out["variable_out1"].to_numpy())
    assert (predicted["scored_by"] == out["scored_by"]).all()


@pytest.fixture(scope="module")
def pool(spark, taxi, many):
    """The table and the model table in a local dedicated SQL pool (loaded by the connector)."""
    from synhelpers.sqlpool import get_pool
    from synhelpers.sqlpool.connector import enable_connector
    enable_connector(spark)
    spark.table(taxi).write.mode("overwrite").synapsesql("scoringpool.dbo.taxi")
    pool = get_pool("scoringpool")
    pool.execute(model_table_ddl("dbo.aml_models"))
    rows = model_table_rows(many.routing)
    assert [r["ID"] for r in rows] == [m.model_id for m in many.routing.models]
    model_table_dataframe(spark, rows).write.mode("append").synapsesql("scoringpool.dbo.aml_models")
    return pool


def test_routed_tsql_predict_equals_spark_scores(spark, taxi, many, scored, pool, monkeypatch):
    monkeypatch.setenv("SYNHELPERS_PREDICT_THREADS", "1")       # summation order as on Spark
    _, out = scored
    sql = routed_predict_sql(many.routing, "scoringpool.dbo.taxi", dict(spark.table(taxi).dtypes),
                             "dbo.aml_models", procedure_name="score_taxi_by_time_bin")
    assert "CAST([tripDistance] AS [real]) AS [tripDistance]" in sql      # double -> real
    assert sql.count("FROM PREDICT (MODEL = (SELECT [model] FROM [dbo].[aml_models] WHERE "
                     "[ID] = N'") == 4
    assert "WHERE [pickupTimeBin] IS NULL OR [pickupTimeBin] NOT IN (" in sql
    result = pool.execute(sql)[-1].to_pandas()
    assert len(result) == len(out)
    merged = result.merge(out[["trip_id", "variable_out1", "scored_by"]], on="trip_id",
                          suffixes=("_sql", "_spark"))
    assert len(merged) == len(out)
    assert (merged["scored_by_sql"] == merged["scored_by_spark"]).all()
    assert np.array_equal(merged["variable_out1_sql"].to_numpy(),
                          merged["variable_out1_spark"].to_numpy())


def test_skip_leaves_the_rows_of_small_groups_unscored(spark, taxi, many, pool, monkeypatch):
    from synhelpers.manymodels.groups import plan_groups
    from synhelpers.scoring.keyed import Routing
    plan = plan_groups(spark.table(taxi), taxi, "fareAmount", "pickupTimeBin",
                       min_rows_per_group=1200, small_groups="skip", max_groups=10)
    assert not plan.global_model and list(plan.small) == [SMALL]
    assert plan.messages() == [f"Group pickupTimeBin='{SMALL}' has {plan.small[SMALL]} labelled "
                               "rows, fewer than min_rows_per_group=1200: skipped: its rows are "
                               "not scored."]
    skip = Routing(**{**many.routing.__dict__, "fallback": None})    # the trained groups only
    out = score_dataframe(spark.table(taxi), skip).toPandas()
    assert SMALL not in set(out["pickupTimeBin"])
    assert len(out) == spark.table(taxi).where(f"pickupTimeBin != '{SMALL}'").count()
    monkeypatch.setenv("SYNHELPERS_PREDICT_THREADS", "1")
    sql = routed_predict_sql(skip, "dbo.taxi", dict(spark.table(taxi).dtypes))
    assert "other_groups" not in sql
    result = pool.execute(sql)[-1].to_pandas().sort_values("trip_id")
    assert np.array_equal(result["trip_id"].to_numpy(), out.sort_values("trip_id")["trip_id"])


def test_bad_input_names_the_parameter_or_column(spark, taxi, many):
    from pyspark.sql import functions as F
    table = spark.table(taxi)
    table.withColumn("bin_score", F.length("pickupTimeBin") * 1.5).write.mode("overwrite") \
        .saveAsTable("scoring_many_bad")
    cases = [
        (dict(group_column="zone"), ConfigError,
         r"group_column='zone' is not a column of table .*; its columns are: tipped, fareAmount"),
        (dict(group_column="bin_score"), ConfigError,
         "group_column='bin_score' is double: group by a string or integer column"),
        (dict(group_column="fareAmount"), ConfigError, "is the target column"),
        (dict(small_groups="maybe"), ConfigError, "small_groups='maybe' is not valid"),
        (dict(task="forecasting"), ConfigError, "task='forecasting' is not valid for many models"),
        (dict(min_rows_per_group=5), ConfigError, "min_rows_per_group=5 must be at least 20"),
        (dict(min_rows_per_group=5000, small_groups="skip"), AutoMLError,
         "No group of 'pickupTimeBin' has min_rows_per_group=5000"),
        (dict(exclude_columns=["nope"]), ConfigError, "exclude_columns='nope' is not a column"),
    ]
    for overrides, error, message in cases:
        kwargs = dict(group_column="pickupTimeBin", model_name="never-registered-many")
        kwargs.update(overrides)
        with pytest.raises(error, match=message):
            train_many_models(spark, "scoring_many_bad", "fareAmount", **kwargs)
    with pytest.raises(ConfigError, match="table_name='no_such_many': no such Spark table"):
        train_many_models(spark, "no_such_many", "fareAmount", group_column="pickupTimeBin",
                          model_name="never-registered-many")
    assert not _client().search_model_versions("name='never-registered-many'")
    table.drop("pickupTimeBin").write.mode("overwrite").saveAsTable("scoring_no_bin")
    with pytest.raises(ScoringError,
                       match="'scoring_no_bin' has no group column 'pickupTimeBin'"):
        score_table(spark, "scoring_no_bin", "scoring-many", output_table="never_scored")


def test_a_group_that_cannot_train_says_why():
    from synhelpers.manymodels.group_training import GroupSpec, train_group
    frame = pd.DataFrame({"__group_key": "x", "a": np.arange(50.0), "y": 3.0})
    spec = GroupSpec(task="regression", target="y", features=("a",), spark_types={"a": "double"},
                     metric="r2_score", budget_s=1)
    row = train_group(frame, spec)
    assert row["status"] == "failed" and row["model"] is None and row["rows"] == 50
    assert row["message"] == "AutoMLError: target 'y' is constant in this group: nothing to predict."
