"""04_predict_sql_pool.ipynb under papermill: the scoring wizard on a registered model and a pool table.

The notebook state gets, in a fresh process, what notebooks 02 and 03 would leave there: a pool
table with the connector's types and a registered ONNX model (trained here in a second, not by
AutoML). The notebook then runs twice with ``model_name`` empty (the model registered last).
"""
from __future__ import annotations

import json
import re

import duckdb
import onnxruntime as ort
import pytest

from support import run_notebook, run_python

pytestmark = pytest.mark.notebooks

TABLE, RESULTS, MODEL = "dbo.NYC_Taxi_scoring", "dbo.NYC_Taxi_scoring_predictions", "nb_fare_model"
FEATURES = ["tipped", "paymentType", "passengerCount", "tripDistance", "tripTimeSecs", "pickupTimeBin"]

PREPARE = f"""
import json, sys
import mlflow
from lightgbm import LGBMRegressor
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
sys.path.insert(0, "tests/sqlpool")
from pool_testing import TAXI_COLUMNS, make_taxi
from synhelpers.onnx_export import InputSpec, to_onnx
from synhelpers.registry import configure, get_or_create_experiment, log_onnx_model, register
from synhelpers.runtime import state_path
from synhelpers.sqlpool import get_pool

features = {FEATURES!r}
trips = make_taxi(400, seed=5)
csv = state_path("storage", "scoring_test_trips.csv")   # the pool's storage root
trips[TAXI_COLUMNS].to_csv(csv, index=False)
pool = get_pool("mlverifypool")
pool.execute("IF OBJECT_ID('{TABLE}', 'U') IS NOT NULL DROP TABLE {TABLE}\\nGO\\n"
             "CREATE TABLE {TABLE} (tipped BIGINT, fareAmount REAL, paymentType BIGINT, "
             "passengerCount BIGINT, tripDistance REAL, tripTimeSecs BIGINT, pickupTimeBin "
             "NVARCHAR(4000)) WITH (HEAP)\\nGO\\n"
             f"COPY INTO {TABLE} FROM '{{csv}}' WITH (FILE_TYPE = 'CSV', FIRSTROW = 2)")
pool.close()
pre = ColumnTransformer([("num", "passthrough", features[:5]),
                         ("cat", OneHotEncoder(handle_unknown="ignore"), ["pickupTimeBin"])])
pipeline = Pipeline([("pre", pre), ("model", LGBMRegressor(n_estimators=20, verbose=-1))])
pipeline.fit(trips[features], trips.fareAmount)
kinds = {{"tripDistance": "float", "pickupTimeBin": "string"}}
onnx_model = to_onnx(pipeline, [InputSpec(c, kinds.get(c, "int64")) for c in features], "regression")
configure()
with mlflow.start_run(experiment_id=get_or_create_experiment("notebook-04-test")):
    uri = log_onnx_model(onnx_model)
print(json.dumps({{"version": register(uri, "{MODEL}"), "rows": len(trips)}}))
"""


def test_the_wizard_notebook_scores_the_pool_table_and_reruns_cleanly(kernel, notebook_state, tmp_path):
    prepared = run_python(PREPARE, notebook_state)
    rows, model_id = prepared["rows"], f"{MODEL}:{prepared['version']}"
    parameters = {"table_name": TABLE, "model_name": "", "model_version": 0, "results_table": RESULTS}
    script = notebook_state / "sqlscripts" / "dbo.nyc_taxi_procedure.sql"
    for _ in range(2):                                      # a re-run gives the same result
        nb, exit_value = run_notebook("04_predict_sql_pool.ipynb", parameters, notebook_state,
                                      tmp_path, kernel)
        assert json.loads(exit_value) == {
            "pool": "mlverifypool", "model": model_id, "table": TABLE,
            "procedure": "dbo.nyc_taxi_procedure", "model_table": "dbo.aml_models",
            "rows_scored": rows, "results_table": RESULTS, "results_rows": rows, "script": str(script)}
        shown = "\n".join(o.get("text", "") or o.get("data", {}).get("text/plain", "")
                          for c in nb.cells for o in c.get("outputs", []))
        assert f"PREDICT contract of model {model_id} on table {TABLE}: OK" in shown
        assert f"{rows} rows scored; the first 10:" in shown and "variable_out1" in shown
        assert f"T-SQL script: {script}" in shown
        assert "CAST([pickupTimeBin] AS [varchar](4000)) AS [pickupTimeBin]" in shown
    text = script.read_text(encoding="utf-8")
    assert f"DELETE FROM dbo.aml_models WHERE [ID] = N'{model_id}';" in text
    assert re.search(r"RENAME OBJECT dbo\.NYC_Taxi_scoring_predictions__new_[0-9a-f]{8} TO "
                     r"NYC_Taxi_scoring_predictions;", text)

    con = duckdb.connect(str(notebook_state / "sqlpools" / "mlverifypool.duckdb"), read_only=True)
    try:
        models = con.execute("SELECT ID, model FROM dbo.aml_models").fetchall()
        scores = con.execute('SELECT * FROM dbo."NYC_Taxi_scoring_predictions"').df()
        source = con.execute('SELECT count(*), sum(tripTimeSecs), sum(passengerCount) '
                             'FROM dbo."NYC_Taxi_scoring"').fetchall()
    finally:
        con.close()
    assert [m[0] for m in models] == [model_id]                 # one row per ID after two runs
    assert list(scores.columns) == [*FEATURES, "variable_out1"] and len(scores) == rows
    assert source == [(rows, int(scores.tripTimeSecs.sum()), int(scores.passengerCount.sum()))]
    session = ort.InferenceSession(bytes(models[0][1]), providers=["CPUExecutionProvider"])
    feeds = {c: scores[c].to_numpy().astype("float32" if c == "tripDistance" else object
                                             if c == "pickupTimeBin" else "int64").reshape(-1, 1)
             for c in FEATURES}
    expected = session.run(["variable_out1"], feeds)[0].ravel()
    for i, score in enumerate(expected):                        # row by row
        assert scores.variable_out1[i] == score, i
