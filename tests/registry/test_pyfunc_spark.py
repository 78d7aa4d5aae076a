"""The registered model on Spark through MLflow: ``mlflow.pyfunc.spark_udf`` in both call forms,
and the contract Synapse's Spark PREDICT (``azure.synapse.ml.predict``, ``runtime="mlflow"``)
calls: an MLflow pyfunc bound as a Spark SQL function over positional columns, with the return
type the user names, from a registry URI or from the model's folder (an ADLS model URI)."""
from __future__ import annotations

import numpy as np
import pytest
from pyspark.sql import functions as F

from .pyfunc_testing import spark_udf
from .test_pyfunc import TASKS

# the PySpark return types a Synapse user gives PREDICT for each model
RETURN_TYPES = {"regression": "float", "binary": "bigint", "multiclass": "string"}


def held_out(spark, trips, held):
    """The held-out rows as a Spark DataFrame (read from the table, in its order)."""
    ids = [int(i) for i in held.trip_id]
    return spark.table(trips).where(F.col("trip_id").isin(ids))


def compare(scored, registered, column: str) -> None:
    """``column`` of ``scored`` (the table's columns + ``column``) equals onnxruntime on the
    same rows."""
    frame = scored.toPandas().sort_values("trip_id").reset_index(drop=True)
    expected = registered.expected(frame)[0].ravel()
    got = frame[column].to_numpy()
    if registered.task == "regression":
        np.testing.assert_array_equal(got.astype(np.float32), expected)
    else:
        assert list(got) == list(expected)


@pytest.mark.parametrize("task", TASKS)
def test_spark_udf_scores_held_out_rows_in_both_call_forms(spark, trips, split, models, task):
    registered = models[task]
    held = held_out(spark, trips, split[1])
    columns = [i.name for i in registered.model.inputs]        # the signature's order
    udf = spark_udf(spark, registered.uri)
    by_struct = held.withColumn("prediction", udf(F.struct(*reversed(columns))))
    by_columns = held.withColumn("prediction", udf(*columns))
    expected_type = {"regression": "float", "binary": "bigint", "multiclass": "string"}[task]
    assert dict(by_struct.dtypes)["prediction"] == expected_type
    compare(by_struct, registered, "prediction")
    compare(by_columns, registered, "prediction")
    assert by_struct.count() == len(split[1])


def test_spark_udf_returns_probabilities_as_a_struct_when_asked(spark, trips, split, models):
    registered = models["multiclass"]
    held = held_out(spark, trips, split[1]).repartition(3)
    columns = [i.name for i in registered.model.inputs]
    result_type = ("output_label string, output_probability_0 float, output_probability_1 float, "
                   "output_probability_2 float")
    udf = spark_udf(spark, registered.uri, result_type=result_type,
                                  params={"probabilities": True})
    frame = (held.withColumn("p", udf(F.struct(*columns))).select("*", "p.*").drop("p")
             .toPandas().sort_values("trip_id").reset_index(drop=True))
    labels, probabilities = registered.expected(frame)
    assert list(frame.output_label) == list(labels.ravel())
    np.testing.assert_array_equal(frame.filter(like="output_probability").to_numpy(),
                                  probabilities)


@pytest.mark.parametrize("task", TASKS)
def test_synapse_predict_contract_a_sql_function_over_positional_columns(spark, trips, split,
                                                                         models, task, tmp_path):
    """What ``pcontext.bind_model(return_types, runtime="mlflow", model_alias, model_uri)
    .register()`` then ``SELECT PREDICT('<alias>', <input columns>) AS predict FROM <view>``
    relies on: the model folder is an MLflow pyfunc with a column signature and one output
    column; the inputs are passed by position in signature order."""
    from mlflow.artifacts import download_artifacts
    from mlflow.models import Model
    registered = models[task]
    folder = download_artifacts(registered.uri, dst_path=str(tmp_path))   # as uploaded to ADLS
    info = Model.load(folder)
    assert "python_function" in info.flavors and info.signature is not None
    assert len(info.signature.outputs.inputs) == 1 and info.signature.inputs.has_input_names()
    alias = f"predict_{task}"
    spark.udf.register(alias, spark_udf(spark, folder, result_type=RETURN_TYPES[task]))
    held_out(spark, trips, split[1]).createOrReplaceTempView(f"held_{task}")
    columns = ", ".join(info.signature.inputs.input_names())
    scored = spark.sql(f"SELECT *, {alias}({columns}) AS predict FROM held_{task}")
    assert dict(scored.dtypes)["predict"] == RETURN_TYPES[task]
    compare(scored, registered, "predict")
