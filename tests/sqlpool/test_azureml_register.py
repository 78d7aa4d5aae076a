"""Azure AutoML's output -> our checks -> our registry -> T-SQL PREDICT on the local pool.

The output folder is laid out as Azure AutoML leaves a best trial (``outputs/model.onnx``,
``outputs/model_onnx.json``, ``outputs/mlflow-model``, the test run's ``predictions.csv``),
built here from models trained in the test. Real MLflow (the session's SQLite registry), real
onnxruntime, the real local pool; only Azure itself is absent.
"""
from __future__ import annotations

import json

import numpy as np
import onnxruntime as ort
import pytest

from pool_testing import TAXI_COLUMNS, make_taxi
from synhelpers.automl import make_config
from synhelpers.automl.azureml.output import read_output
from synhelpers.automl.azureml.register import register_output
from synhelpers.exceptions import AzureMLJobError, ParityError, SynHelpersWarning
from synhelpers.onnx_export import InputSpec, make_feeds
from synhelpers.runtime import state_dir

POOL = "azuremltests"
FARE = ["tipped", "paymentType", "passengerCount", "tripDistance", "tripTimeSecs", "pickupTimeBin"]
TIPS = ["fareAmount", "paymentType", "passengerCount", "tripDistance", "tripTimeSecs",
        "pickupTimeBin"]
KINDS = {"tipped": "int64", "fareAmount": "float", "paymentType": "int64", "passengerCount": "int64",
         "tripDistance": "float", "tripTimeSecs": "int64", "pickupTimeBin": "string"}
# the Spark table of notebook 01 (its dtypes), as register_output receives them
SPARK_TYPES = [("tipped", "int"), ("fareAmount", "float"), ("paymentType", "int"),
               ("passengerCount", "int"), ("tripDistance", "float"), ("tripTimeSecs", "int"),
               ("pickupTimeBin", "string")]
DDL = ("CREATE TABLE {name} (trip_id bigint, tipped INT, fareAmount REAL, paymentType INT, "
       "passengerCount INT, tripDistance REAL, tripTimeSecs INT, pickupTimeBin NVARCHAR(4000)) "
       "WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)")
JOB = {"job_id": "sharp_lamp_7x2", "best_child_id": "sharp_lamp_7x2_12", "status": "Completed",
       "studio_url": "https://ml.azure.com/runs/sharp_lamp_7x2", "trials": 31,
       "best_algorithm": "LightGBM", "metrics": {"spearman_correlation": 0.9731}}


def pipeline_for(features, task):
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    pre = ColumnTransformer([("num", StandardScaler(), [c for c in features if c != "pickupTimeBin"]),
                             ("cat", OneHotEncoder(handle_unknown="ignore"), ["pickupTimeBin"])])
    if task == "regression":
        from lightgbm import LGBMRegressor
        model = LGBMRegressor(n_estimators=30, min_child_samples=5, verbose=-1)
    else:
        from sklearn.linear_model import LogisticRegression
        model = LogisticRegression(max_iter=500)
    return Pipeline([("pre", pre), ("model", model)])


def automl_folder(root, pipeline, features, task, *, native=True, predictions=None):
    """An Azure AutoML best-trial output, nested as ``jobs.download`` leaves it."""
    import mlflow.sklearn
    from synhelpers.onnx_export import to_onnx
    outputs = root / "artifacts" / "outputs"
    outputs.mkdir(parents=True)
    model = to_onnx(pipeline, [InputSpec(c, KINDS[c]) for c in features], task)
    (outputs / "model.onnx").write_bytes(model.SerializeToString())
    (outputs / "model_onnx.json").write_text(json.dumps({
        "RawColumnNameToOnnxNameMap": {c: c for c in features},
        "InputRawColumnSchema": {c: "integer" if KINDS[c] == "int64" else KINDS[c] for c in features},
        "CanEnableBatchMode": True}))
    if native:
        mlflow.sklearn.save_model(pipeline, str(outputs / "mlflow-model"),
                                  serialization_format="cloudpickle")     # as Azure saves it
    if predictions is not None:
        (root / "test").mkdir()
        predictions.to_csv(root / "test" / "predictions.csv", index=False)
    (root / "job.json").write_text(json.dumps(JOB))
    return root, model.SerializeToString()


def form(model_name, task="regression", target="fareAmount", **extra):
    metric = "spearman_correlation" if task == "regression" else "AUC_weighted"
    return make_config("NYC_Taxi", target, task=task, primary_metric=metric, training_hours=3,
                       engine="azureml", experiment_name="azureml-engine-tests",
                       model_name=model_name, **extra)


def versions(name: str) -> int:
    from mlflow.tracking import MlflowClient
    return len(MlflowClient().search_model_versions(f"name='{name}'"))


@pytest.fixture(scope="module")
def trips():
    from synhelpers.registry import configure
    configure()
    frame = make_taxi(300, seed=23)
    frame.insert(0, "trip_id", np.arange(5000, 5300, dtype="int64"))
    return frame


@pytest.fixture(scope="module")
def fare_pipeline(trips):
    return pipeline_for(FARE, "regression").fit(trips[FARE], trips.fareAmount)


def test_an_automl_output_is_checked_registered_and_scored_by_predict(trips, fare_pipeline,
                                                                       tmp_path):
    from mlflow.tracking import MlflowClient
    from synhelpers.sqlpool import get_pool
    from synhelpers.sqlpool.wizard import deploy, execute_procedure, plan_scoring
    folder, blob = automl_folder(tmp_path / "download", fare_pipeline, FARE, "regression")
    result = register_output(read_output(folder), form("azure_fare"), SPARK_TYPES,
                             trips[TAXI_COLUMNS].head(200), "fareAmount", total_rows=len(trips))
    assert result.model_uri == f"models:/azure_fare/{result.model_version}"
    assert result.parity["passed"] and result.parity["rows"] == 200
    assert result.parity["max_abs_diff"] < 1e-3                         # against the native model
    assert (result.best_estimator, result.n_trials, result.metrics) == (
        "LightGBM", 31, {"spearman_correlation": 0.9731})
    client = MlflowClient()
    version = client.get_model_version("azure_fare", str(result.model_version))
    assert {k: version.tags[k] for k in ("azureml.job_id", "azureml.best_child_id",
                                         "azureml.studio_url")} == {
        "azureml.job_id": "sharp_lamp_7x2", "azureml.best_child_id": "sharp_lamp_7x2_12",
        "azureml.studio_url": "https://ml.azure.com/runs/sharp_lamp_7x2"}
    run = client.get_run(result.run_id)
    assert run.data.tags["synhelpers.parity"] == "checked against native model (outputs/mlflow-model)"
    assert run.data.metrics["azureml_spearman_correlation"] == pytest.approx(0.9731)
    assert run.data.tags["synhelpers.engine"] == "azureml"

    # notebook 04's path: the scoring wizard on the local dedicated SQL pool
    pool = get_pool(POOL)
    try:
        path = state_dir() / "storage" / "azure_trips.csv"     # COPY INTO's storage root
        path.parent.mkdir(parents=True, exist_ok=True)
        trips[["trip_id", *TAXI_COLUMNS]].to_csv(path, index=False)
        pool.execute(f"{DDL.format(name='dbo.azure_trips')}\nGO\nCOPY INTO dbo.azure_trips FROM "
                     f"'{path}' WITH (FILE_TYPE = 'CSV', FIRSTROW = 2)")
        plan = plan_scoring(POOL, "dbo.azure_trips", "azure_fare", result.model_version,
                            procedure_name="dbo.score_azure", model_table="dbo.azure_models",
                            key_columns="trip_id")
        assert plan.report.ok, str(plan.report)
        deploy(plan, output_dir=tmp_path / "sql")
        scored = execute_procedure(plan)
    finally:
        pool.close()
    assert scored.rows == len(trips)
    got = dict(zip(scored.scores.column("trip_id").to_pylist(),
                   scored.scores.column("variable_out1").to_numpy()))
    session = ort.InferenceSession(blob, providers=["CPUExecutionProvider"])
    feeds = make_feeds(trips, [InputSpec(c, KINDS[c]) for c in FARE])
    direct = session.run(["variable_out1"], feeds)[0].ravel()
    for trip_id, score in zip(trips.trip_id, direct):                    # row by row
        assert got[trip_id] == score, trip_id
    assert np.abs(direct - fare_pipeline.predict(trips[FARE])).max() < 1e-3


def test_without_a_native_model_azures_test_predictions_are_the_reference(trips, fare_pipeline,
                                                                           tmp_path):
    test_rows = trips[TAXI_COLUMNS].tail(60).copy()
    test_rows["fareAmount_predicted"] = fare_pipeline.predict(test_rows[FARE])
    folder, _ = automl_folder(tmp_path / "good", fare_pipeline, FARE, "regression", native=False,
                              predictions=test_rows)
    result = register_output(read_output(folder), form("azure_fare_csv"), SPARK_TYPES, None,
                             "fareAmount")
    assert result.parity["passed"] and result.parity["rows"] == 60

    # Azure's predictions disagree with the ONNX model: the gate fails, nothing is registered
    bad = test_rows.copy()
    bad.loc[bad.index[:5], "fareAmount_predicted"] += 3.0
    folder, _ = automl_folder(tmp_path / "bad", fare_pipeline, FARE, "regression", native=False,
                              predictions=bad)
    before = versions("azure_fare_csv")
    with pytest.raises(ParityError, match="5 rows over tolerance .* Azure's test predictions"):
        register_output(read_output(folder), form("azure_fare_csv"), SPARK_TYPES, None, "fareAmount")
    assert versions("azure_fare_csv") == before


def test_no_reference_registers_with_a_warning_and_the_tag_says_unchecked(trips, fare_pipeline,
                                                                          tmp_path):
    from mlflow.tracking import MlflowClient
    folder, _ = automl_folder(tmp_path / "d", fare_pipeline, FARE, "regression", native=False)
    with pytest.warns(SynHelpersWarning, match="parity was not checked"):
        result = register_output(read_output(folder), form("azure_fare_nocheck"), SPARK_TYPES,
                                 trips.head(10), "fareAmount")
    assert result.parity == {}
    assert MlflowClient().get_run(result.run_id).data.tags["synhelpers.parity"].startswith("unchecked")


def test_a_classifier_is_checked_against_its_native_probabilities(trips, tmp_path):
    pipeline = pipeline_for(TIPS, "classification").fit(trips[TIPS], trips.tipped)
    folder, _ = automl_folder(tmp_path / "c", pipeline, TIPS, "classification")
    result = register_output(read_output(folder), form("azure_tips", "classification", "tipped"),
                             SPARK_TYPES, trips[TAXI_COLUMNS].head(150), "tipped")
    assert result.parity["passed"] and result.parity["label_mismatches"] == 0
    assert result.parity["max_abs_diff"] < 1e-4


def test_a_model_that_breaks_the_predict_contract_is_not_registered(trips, fare_pipeline, tmp_path):
    folder, _ = automl_folder(tmp_path / "x", fare_pipeline, FARE, "regression")
    table = [(c, t) for c, t in SPARK_TYPES if c != "tripTimeSecs"] + [("when", "timestamp")]
    with pytest.raises(AzureMLJobError, match="(?s)Azure job sharp_lamp_7x2: the best model cannot "
                                              "be scored by PREDICT on NYC_Taxi.*missing_column.*"
                                              "tripTimeSecs"):
        register_output(read_output(folder), form("azure_fare_contract"), table, trips.head(5),
                        "fareAmount")
    assert versions("azure_fare_contract") == 0


def test_missing_or_broken_outputs_are_named(tmp_path, trips, fare_pipeline):
    with pytest.raises(AzureMLJobError, match="no readable job.json"):
        read_output(tmp_path)
    (tmp_path / "job.json").write_text(json.dumps(JOB))
    with pytest.raises(AzureMLJobError, match="sharp_lamp_7x2 .*no outputs/model.onnx"):
        read_output(tmp_path)
    import mlflow.sklearn
    mlflow.sklearn.save_model(fare_pipeline, str(tmp_path / "outputs" / "mlflow-model"),
                              serialization_format="cloudpickle")
    with pytest.raises(AzureMLJobError, match="onnx_compatible=True but the best trial has no "
                                              "outputs/model.onnx"):
        read_output(tmp_path)
    assert read_output(tmp_path, onnx_required=False).native_dir == tmp_path / "outputs" / "mlflow-model"
    (tmp_path / "outputs" / "model.onnx").write_bytes(b"not onnx")
    with pytest.raises(AzureMLJobError, match="is not a valid ONNX model"):
        register_output(read_output(tmp_path), form("azure_broken"), SPARK_TYPES, None, "fareAmount")
