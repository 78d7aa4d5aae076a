"""Spark batch scoring of a registered model: real Spark, onnxruntime and MLflow; values asserted."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synhelpers.exceptions import ConfigError, ModelRegistryError, ScoringError
from synhelpers.scoring import (load_scoring_model, register_predict_function, score_dataframe,
                                score_table)

from .scoring_testing import direct, train_model

pytestmark = pytest.mark.spark


def by_id(spark, table: str) -> pd.DataFrame:
    return spark.table(table).toPandas().sort_values("trip_id").reset_index(drop=True)


def test_spark_scores_equal_onnxruntime_for_every_row(spark, taxi, taxi_frame, fare_model):
    summary = score_table(spark, taxi, "scoring-fare", output_table="scored_fare")
    assert summary["rows"] == len(taxi_frame) and summary["columns_added"] == ["variable_out1"]
    assert summary["model_version"] == fare_model.version and summary["kind"] == "onnx"
    scored = by_id(spark, "scored_fare")
    assert dict(spark.table("scored_fare").dtypes)["variable_out1"] == "float"
    assert dict(spark.table("scored_fare").dtypes)["tripDistance"] == "double"   # input kept
    expected = direct(fare_model.onnx_bytes, scored, fare_model.inputs)[0].ravel()
    assert np.array_equal(scored["variable_out1"].to_numpy(), expected)
    native = fare_model.model.predict(scored)                      # and near the native model
    assert np.abs(native - expected).max() < 1e-3
    # append adds the same scores again; the version can be named
    again = score_table(spark, taxi, "scoring-fare", model_version=fare_model.version,
                        output_table="scored_fare", mode="append")
    assert again["rows"] == len(taxi_frame) and spark.table("scored_fare").count() == 2 * len(taxi_frame)


def test_classification_appends_the_label_and_one_column_per_class(spark, taxi, tips_model):
    score_table(spark, taxi, "scoring-tips", output_table="scored_tips")
    scored = by_id(spark, "scored_tips")
    types = dict(spark.table("scored_tips").dtypes)
    assert types["output_label"] == "bigint"
    assert types["output_probability_0"] == types["output_probability_1"] == "float"
    label, probability = direct(tips_model.onnx_bytes, scored, tips_model.inputs)
    assert np.array_equal(scored["output_label"].to_numpy(), label)
    assert np.array_equal(scored[["output_probability_0", "output_probability_1"]].to_numpy(),
                          probability)
    assert 0 < label.sum() < len(label)                          # both classes occur
    without = score_dataframe(spark.table(taxi), load_scoring_model("scoring-tips"),
                              probabilities=False)
    assert without.columns[-1] == "output_label" and "output_probability_0" not in without.columns


def test_one_session_per_worker_process_across_ten_partitions(spark, taxi, taxi_frame,
                                                               fare_model):
    from pyspark.sql import functions as F
    model = load_scoring_model("scoring-fare", fare_model.version)
    # more partitions than task slots (10 on CI's 2 cores), so that processes are reused
    parts = max(10, 2 * spark.sparkContext.defaultParallelism + 1)
    table = spark.table(taxi).repartition(parts)
    assert table.rdd.getNumPartitions() == parts
    scored = (score_dataframe(table, model, batch_size=500, debug=True)
              .withColumn("partition", F.spark_partition_id())
              .select("trip_id", "variable_out1", "partition", "_scoring_pid",
                      "_scoring_sessions").toPandas())
    stats = scored.groupby("_scoring_pid").agg(sessions=("_scoring_sessions", "max"),
                                               partitions=("partition", "nunique"))
    assert (stats["sessions"] == 1).all(), stats          # one session per worker process
    assert stats["partitions"].sum() == parts and len(scored) == len(taxi_frame)
    assert stats["partitions"].max() > 1, stats           # a process served several tasks
    # 500-row slices score what whole 10,000-row batches score
    ordered = scored.sort_values("trip_id")
    whole = direct(fare_model.onnx_bytes, taxi_frame.sort_values("trip_id"), fare_model.inputs)
    assert np.array_equal(ordered["variable_out1"].to_numpy(), whole[0].ravel())


def test_nulls_float_nan_string_empty_integer_refused(spark, taxi, taxi_frame, fare_model):
    from pyspark.sql import functions as F
    model = load_scoring_model("scoring-fare")
    holes = (spark.table(taxi).limit(200)
             .withColumn("tripDistance", F.when(F.col("trip_id") % 3 == 0, None)
                         .otherwise(F.col("tripDistance")))
             .withColumn("pickupTimeBin", F.when(F.col("trip_id") % 4 == 0, None)
                         .otherwise(F.col("pickupTimeBin"))))
    got = score_dataframe(holes, model).toPandas()
    assert got["tripDistance"].isna().any() and got["pickupTimeBin"].isna().any()
    expected = direct(fare_model.onnx_bytes, got, fare_model.inputs)[0].ravel()   # NaN, ''
    assert np.array_equal(got["variable_out1"].to_numpy(), expected)
    nulls = holes.withColumn("passengerCount", F.when(F.col("trip_id") % 5 == 0, None)
                             .otherwise(F.col("passengerCount")))
    nulls.write.mode("overwrite").saveAsTable("scoring_null_ints")
    with pytest.raises(ScoringError, match="Column 'passengerCount' has nulls.*cannot take"):
        score_table(spark, "scoring_null_ints", "scoring-fare", output_table="never_written")
    assert not spark.catalog.tableExists("never_written")


def test_timestamp_inputs_are_the_seconds_the_featurizer_trained_on(spark, rng):
    from synhelpers.scoring import from_onnx
    n = 400
    start = pd.Timestamp("2019-03-01")
    frame = pd.DataFrame({"pickup": start + pd.to_timedelta(rng.integers(0, 30 * 86400, n), "s"),
                          "distance": rng.uniform(0, 20, n)})
    frame["fare"] = 2.5 + 2 * frame["distance"] + (frame["pickup"].dt.hour >= 16) * 5.0
    df = spark.createDataFrame(frame)
    model = train_model(frame, ["pickup", "distance"], "fare", dict(df.dtypes))
    assert [(i.name, i.kind) for i in model.inputs] == [("pickup", "int64"), ("distance", "float")]
    scored = score_dataframe(df, from_onnx(model.to_onnx(), "ts")).toPandas()
    assert np.abs(scored["variable_out1"].to_numpy() - model.predict(frame)).max() < 1e-3


def test_a_sql_function_scores_in_spark_sql(spark, taxi, fare_model, tips_model):
    name = register_predict_function(spark, "scoring-fare")
    assert name == "predict_scoring_fare"
    got = spark.sql(f"SELECT trip_id, {name}(struct(*)) AS fare FROM {taxi}").toPandas()
    expected = score_dataframe(spark.table(taxi), load_scoring_model("scoring-fare"))
    merged = got.merge(expected.select("trip_id", "variable_out1").toPandas(), on="trip_id")
    assert len(merged) == len(got) and (merged["fare"] == merged["variable_out1"]).all()
    register_predict_function(spark, "scoring-tips", function_name="tip_label")
    labels = spark.sql(f"SELECT tipped, tip_label(struct(*)) AS label FROM {taxi}").toPandas()
    assert labels["label"].dtype == np.int64 and (labels["label"] == labels["tipped"]).mean() > 0.8
    renamed = spark.sql(f"SELECT {name}(struct(paymentType, passengerCount, tripTimeSecs, "
                        f"pickupTimeBin, tipped, tripDistance * 1 AS tripDistance)) AS f FROM "
                        f"{taxi} ORDER BY trip_id").toPandas()
    assert np.array_equal(renamed["f"].to_numpy(),
                          got.sort_values("trip_id")["fare"].to_numpy())
    with pytest.raises(Exception, match="no column 'paymentType', which the model needs"):
        spark.sql(f"SELECT {name}(struct(tipped, fareAmount)) FROM {taxi}").collect()


def test_bad_input_names_the_column_model_or_parameter(spark, taxi, fare_model):
    from pyspark.sql import functions as F
    spark.table(taxi).drop("tripDistance").write.mode("overwrite").saveAsTable("scoring_no_dist")
    spark.table(taxi).withColumn("passengerCount", F.col("passengerCount").cast("string")) \
        .write.mode("overwrite").saveAsTable("scoring_text_count")
    spark.table(taxi).withColumn("pickupTimeBin", F.length("pickupTimeBin")) \
        .write.mode("overwrite").saveAsTable("scoring_int_bin")
    cases = [
        (dict(table_name="scoring_no_dist"), ScoringError,
         r"table 'scoring_no_dist' has no column 'tripDistance', which model scoring-fare:1 "
         r"needs as an input \(tensor\(float\)\)"),
        (dict(table_name="scoring_text_count"), ScoringError,
         r"Column 'passengerCount' of table 'scoring_text_count' is string, but model "
         r"scoring-fare:1 takes input 'passengerCount' as tensor\(int64\): cast it first, e\.g\. "
         r"CAST\(passengerCount AS BIGINT\)"),
        (dict(table_name="scoring_int_bin"), ScoringError, r"Column 'pickupTimeBin' .* is int"),
        (dict(model_name="no-such-model"), ModelRegistryError, "'no-such-model' is not in the registry"),
        (dict(model_version=7), ModelRegistryError, "has no version 7; it has 1"),
        (dict(model_version="two"), ModelRegistryError, "model_version='two' is not a version"),
        (dict(table_name="no_such_table"), ConfigError, "table_name='no_such_table': no such Spark table"),
        (dict(mode="merge"), ConfigError, "mode='merge' is not valid"),
        (dict(output_table=""), ConfigError, "output_table is empty"),
        (dict(output_table="scored_fare_bad", mode="append", table_name="scoring_taxi"), None, None),
        (dict(output_table="scoring_taxi", mode="append"), ConfigError, "is the table being scored"),
        (dict(batch_size=0), ConfigError, "batch_size=0 must be at least 1"),
    ]
    for overrides, error, message in cases:
        kwargs = dict(table_name=taxi, model_name="scoring-fare", output_table="scored_bad")
        kwargs.update(overrides)
        if error is None:
            score_table(spark, **kwargs)             # creates it: a later append must match
            continue
        with pytest.raises(error, match=message):
            score_table(spark, **kwargs)
    with pytest.raises(ScoringError, match="already has a column 'variable_out1'.*scored before"):
        score_table(spark, "scored_fare_bad", "scoring-fare", output_table="twice")
    spark.table(taxi).limit(5).write.mode("overwrite").saveAsTable("scored_other_shape")
    with pytest.raises(ScoringError, match="output_table='scored_other_shape' exists with columns"):
        score_table(spark, taxi, "scoring-fare", output_table="scored_other_shape", mode="append")
    assert spark.table("scored_other_shape").count() == 5


def test_a_model_with_a_double_input_gets_float64(spark, taxi_frame):
    import onnxruntime as ort
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType
    from sklearn.linear_model import LinearRegression

    from synhelpers.scoring import from_onnx
    X = taxi_frame[["tripDistance"]].to_numpy(dtype="float64")
    onx = convert_sklearn(LinearRegression().fit(X, taxi_frame["fareAmount"]), "d",
                          [("tripDistance", DoubleTensorType([None, 1]))], target_opset=15)
    model = from_onnx(onx, "double-model")
    got = score_dataframe(spark.createDataFrame(taxi_frame[["trip_id", "tripDistance"]]),
                          model).toPandas()
    assert list(got.columns) == ["trip_id", "tripDistance", "variable"]
    assert got["variable"].dtype == np.float64
    expected = ort.InferenceSession(model.model_bytes, providers=["CPUExecutionProvider"]).run(
        None, {"tripDistance": got[["tripDistance"]].to_numpy("float64")})[0].ravel()
    assert np.array_equal(got["variable"].to_numpy(), expected)
