"""The issue's case end to end: notebook 02's engine (train_wizard) on a table with booleans,
float64, a nullable bigint and missing text, then its registered model scored on held-out rows
(index not starting at 0) through mlflow.pyfunc and spark_udf, equal to onnxruntime."""
from __future__ import annotations

import mlflow.pyfunc
import pytest
from pyspark.sql import functions as F

from .pyfunc_testing import spark_udf

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def automl_band(spark, trips):
    from synhelpers.automl import train_wizard
    table = "default.pyfunc_trips_automl"
    spark.table(trips).drop("total", "tipped").write.mode("overwrite").saveAsTable(table)
    return train_wizard(spark, table, "band", task="classification", training_hours=40 / 3600,
                        use_spark=False, model_name="pyfunc-automl-band", show_progress=False)


def test_a_wizard_model_scores_held_out_rows_through_pyfunc_and_spark_udf(spark, trips, split,
                                                                          automl_band):
    from mlflow.models import Model

    from scoring.scoring_testing import direct
    result = automl_band
    held = split[1].drop(columns=["total", "tipped"])
    assert held.airport.dtype == bool and held.zone.isna().any() and held.rating.isna().any()
    graph = result.onnx_model.SerializeToString()
    expected = direct(graph, held, result.model.inputs)[0].ravel()
    got = mlflow.pyfunc.load_model(result.model_uri).predict(held)
    assert got.index.equals(held.index) and list(got.output_label) == list(expected)
    assert set(got.output_label) <= {"high", "low", "mid"}
    # the signature keeps the table's types; the example request is raw table rows
    info = Model.load(result.model_uri)
    types = {s.name: getattr(s.type, "name", "any") for s in info.signature.inputs.inputs}
    assert types["airport"] == "boolean" and types["zone"] == "string"
    assert types["passengers"] == "long" and types["fare"] == "double"
    names = info.signature.inputs.input_names()
    udf = spark_udf(spark, result.model_uri)
    ids = [int(i) for i in held.trip_id]
    scored = (spark.table(trips).where(F.col("trip_id").isin(ids))
              .withColumn("prediction", udf(F.struct(*names))).toPandas()
              .sort_values("trip_id").reset_index(drop=True))
    assert list(scored.prediction) == list(direct(graph, scored, result.model.inputs)[0].ravel())
