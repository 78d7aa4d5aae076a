"""PREDICT: the wizard's stored procedure, every MODEL/DATA form, and Synapse's error contract.

Every expected score comes from onnxruntime called directly on the same rows.
"""
from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest

from synhelpers.exceptions import PredictError, SqlPoolError
from synhelpers.sqlpool import LocalPool
from synhelpers.sqlpool.tsql import onnx_model

from pool_testing import FEATURES, feeds, insert_model, load_taxi

# synapse.md §2.5, verbatim (the CTE form the scoring wizard generates)
WIZARD_PROCEDURE = """-- Create a stored procedure for storing the scoring script.
CREATE PROCEDURE nyc_taxi_procedure
AS
BEGIN
-- Select input scoring data and assign aliases.
WITH InputData AS
(
    SELECT
        CAST([fareAmount] AS [real]) AS [fareAmount],
        CAST([paymentType] AS [bigint]) AS [paymentType],
        CAST([passengerCount] AS [bigint]) AS [passengerCount],
        CAST([tripDistance] AS [real]) AS [tripDistance],
        [tripTimeSecs],
        CAST([pickupTimeBin] AS [varchar]) AS [pickupTimeBin]
    FROM [dbo].[nyc_taxi]
)
-- Using T-SQL Predict command to score machine learning models.
SELECT *
FROM PREDICT (MODEL = (SELECT [model] FROM aml_models WHERE [ID] = 'nyc_taxi_tip_predict:1'),
              DATA = InputData,
              RUNTIME = ONNX) WITH ([output_label] [bigint])
END
GO
-- Execute the above stored procedure.
EXEC nyc_taxi_procedure"""

# the older (2021) form: casts into a #temp table, then PREDICT over it
TEMP_TABLE_PROCEDURE = """CREATE PROCEDURE nyc_taxi_procedure_2021
AS
BEGIN
SELECT
    CAST([fareAmount] AS [real]) AS [fareAmount],
    CAST([paymentType] AS [bigint]) AS [paymentType],
    CAST([passengerCount] AS [bigint]) AS [passengerCount],
    CAST([tripDistance] AS [real]) AS [tripDistance],
    [tripTimeSecs],
    CAST([pickupTimeBin] AS [varchar]) AS [pickupTimeBin]
INTO [dbo].[#nyc_taxi]
FROM [dbo].[nyc_taxi];

SELECT *
FROM PREDICT (MODEL = (SELECT [model] FROM aml_models WHERE [ID] = 'nyc_taxi_tip_predict:1'),
              DATA = [dbo].[#nyc_taxi],
              RUNTIME = ONNX) WITH ([output_label] [bigint])
END"""


def direct(blob: bytes, frame, columns=FEATURES, outputs=None):
    return ort.InferenceSession(blob, providers=["CPUExecutionProvider"]).run(outputs, feeds(frame, columns))


@pytest.fixture
def scored(sql, taxi, tmp_path, tips_model, fare_model):
    """The tutorial table, the wizard's model table with both models, and real-typed feature tables."""
    load_taxi(sql.pool, taxi, tmp_path)
    insert_model(sql.pool, tips_model)
    insert_model(sql.pool, fare_model, "fare_regression:1")
    sql.pool.execute("""CREATE TABLE dbo.fares (id int, fareAmount real, tripDistance real) WITH (HEAP)
GO
INSERT INTO dbo.fares SELECT ROW_NUMBER() OVER (ORDER BY tripTimeSecs, fareAmount), fareAmount, tripDistance
FROM dbo.nyc_taxi
GO
CREATE VIEW dbo.fare_view AS SELECT id, fareAmount, tripDistance FROM dbo.fares""")
    return sql


def fares_frame(sql):
    return sql.pool.execute("SELECT * FROM dbo.fares ORDER BY id")[0].to_pandas()


def test_the_wizard_procedure_returns_what_onnxruntime_returns(scored, taxi, tips_model):
    scored.pool.execute(WIZARD_PROCEDURE.split("\nGO\n")[0])
    path = scored.pool.path
    scored.pool.close()
    fresh = LocalPool("testpool", path=path)            # a later connection EXECs the stored procedure
    table = fresh.execute("-- Execute the above stored procedure.\nEXEC nyc_taxi_procedure")[-1]
    fresh.close()
    assert table.column_names == FEATURES + ["output_label"]
    assert [str(t) for t in table.schema.types] == ["float", "int64", "int64", "float", "int64", "string", "int64"]
    assert table.num_rows == len(taxi)
    expected = direct(tips_model, taxi, outputs=["output_label"])[0]
    assert table.column("output_label").to_pylist() == expected.tolist()
    assert 0 < expected.sum() < len(taxi)                 # both classes occur: a real check
    for column in FEATURES:                               # DATA columns pass through unchanged
        got = table.column(column).to_numpy(zero_copy_only=False)
        assert list(got) == list(taxi[column].to_numpy(dtype=got.dtype)), column


def test_the_wizard_script_runs_as_one_script(scored, taxi, tips_model):
    results = scored.pool.execute(WIZARD_PROCEDURE)
    assert len(results) == 1
    assert results[0].column("output_label").to_pylist() == direct(tips_model, taxi, outputs=["output_label"])[0].tolist()


def test_the_older_temp_table_procedure(scored, taxi, tips_model):
    scored.pool.execute(TEMP_TABLE_PROCEDURE)
    table = scored.pool.execute("EXEC nyc_taxi_procedure_2021")[-1]
    assert table.column("output_label").to_pylist() == direct(tips_model, taxi, outputs=["output_label"])[0].tolist()
    assert table.column_names == FEATURES + ["output_label"]


def test_predict_forms(scored, fare_model, tips_model, taxi):
    fares = fares_frame(scored)
    expected = direct(fare_model, fares, ["fareAmount", "tripDistance"])[0].ravel()
    model = "(SELECT model FROM aml_models WHERE ID = 'fare_regression:1')"
    declare = f"DECLARE @model varbinary(max) = {model}\n"
    scores = [(i + 1, pytest.approx(float(v), rel=1e-6)) for i, v in enumerate(expected)]
    for tsql in [
        # MODEL: variable, scalar subquery, 0x literal; DATA: table, view, CTE, #temp, three-part name
        declare + "SELECT d.id, p.variable_out1 FROM PREDICT(MODEL = @model, DATA = dbo.fares AS d, "
                  "RUNTIME = ONNX) WITH (variable_out1 real) AS p ORDER BY d.id",
        f"SELECT id, variable_out1 FROM PREDICT(MODEL = {model}, DATA = dbo.fare_view, RUNTIME = ONNX) "
        "WITH (variable_out1 real) ORDER BY id",
        f"SELECT id, variable_out1 FROM PREDICT(MODEL = 0x{fare_model.hex()}, DATA = fares, RUNTIME = ONNX) "
        "WITH (variable_out1 real) AS p ORDER BY id",
        declare + ";WITH f AS (SELECT id, CAST(fareAmount AS real) AS fareAmount, tripDistance FROM fares) "
                  "SELECT p.id, p.variable_out1 FROM PREDICT(MODEL = @model, DATA = f, RUNTIME = ONNX) "
                  "WITH (variable_out1 real) AS p ORDER BY p.id",
        declare + "SELECT * INTO #f FROM fares SELECT id, variable_out1 FROM PREDICT(MODEL = @model, "
                  "DATA = #f, RUNTIME = ONNX) WITH (variable_out1 real) p ORDER BY id",
        declare + "SELECT id, variable_out1 FROM PREDICT(MODEL = @model, DATA = [testpool].[dbo].[fares], "
                  "RUNTIME = ONNX) WITH (variable_out1 real) ORDER BY id",
        # d.* is the DATA columns only; PREDICT joins, filters and feeds INSERT like any table
        declare + "SELECT d.id, p.variable_out1 FROM PREDICT(MODEL = @model, DATA = fares AS d, RUNTIME = ONNX) "
                  "WITH (variable_out1 real) AS p JOIN fares f ON f.id = d.id WHERE p.variable_out1 IS NOT NULL "
                  "ORDER BY d.id",
    ]:
        scored.assert_rows(tsql, scores)
    scored.assert_rows(declare + "SELECT d.*, p.variable_out1 FROM PREDICT(MODEL = @model, DATA = fares AS d, "
                       "RUNTIME = ONNX) WITH (variable_out1 float) AS p WHERE d.id = 1",
                       [(1, pytest.approx(fares.fareAmount[0]), pytest.approx(fares.tripDistance[0]),
                         pytest.approx(float(expected[0]), rel=1e-6))])
    scored.assert_rows(declare + ";WITH none AS (SELECT * FROM fares WHERE id < 0) SELECT COUNT(*), "
                       "COUNT(variable_out1) FROM PREDICT(MODEL = @model, DATA = none, RUNTIME = ONNX) "
                       "WITH (variable_out1 real)", [(0, 0)])
    # WITH types are applied: float -> float64, output of the [N, 1] tensor flattened to one column
    table = scored.pool.execute(declare + "SELECT * FROM PREDICT(MODEL = @model, DATA = fares, RUNTIME = ONNX) "
                                "WITH (variable_out1 float)")[-1]
    assert str(table.schema.field("variable_out1").type) == "double"
    # the labs' pattern: SELECT ... INTO #Pred, then write the scores back
    scored.assert_rows(
        declare + "SELECT d.id, p.variable_out1 INTO #Pred FROM PREDICT(MODEL = @model, DATA = fares AS d, "
        "RUNTIME = ONNX) WITH (variable_out1 real) AS p\n"
        "CREATE TABLE scores (id int, score real)\nINSERT INTO scores SELECT * FROM #Pred\n"
        "SELECT COUNT(*), SUM(CASE WHEN score IS NULL THEN 1 ELSE 0 END) FROM scores", [(len(taxi), 0)])
    # class probabilities of an [N, 2] output, as <output>_<class> columns (local extension)
    probabilities = direct(tips_model, taxi, outputs=["output_probability"])[0]
    table = scored.pool.execute(
        "WITH x AS (SELECT CAST(fareAmount AS real) AS fareAmount, CAST(paymentType AS bigint) AS paymentType, "
        "CAST(passengerCount AS bigint) AS passengerCount, CAST(tripDistance AS real) AS tripDistance, "
        "tripTimeSecs, pickupTimeBin FROM nyc_taxi) SELECT p.output_label, p.output_probability_0, "
        "p.output_probability_1 FROM PREDICT(MODEL = (SELECT model FROM aml_models WHERE ID = "
        "'nyc_taxi_tip_predict:1'), DATA = x, RUNTIME = ONNX) WITH (output_label bigint, output_probability_0 real, "
        "output_probability_1 real) AS p")[-1]
    np.testing.assert_allclose(table.column("output_probability_1").to_numpy(), probabilities[:, 1], rtol=1e-6)
    np.testing.assert_allclose(table.column("output_probability_0").to_numpy(), probabilities[:, 0], rtol=1e-6)


def test_one_session_per_model_and_batches_do_not_change_scores(scored, fare_model, monkeypatch):
    declare = "DECLARE @m varbinary(max) = (SELECT model FROM aml_models WHERE ID = 'fare_regression:1')\n"
    query = declare + "SELECT id, variable_out1 FROM PREDICT(MODEL = @m, DATA = fares, RUNTIME = ONNX) " \
                      "WITH (variable_out1 real) ORDER BY id"
    whole = scored.rows(query)
    sessions = onnx_model.cached_sessions()
    model = onnx_model.load_model(fare_model)
    monkeypatch.setattr(onnx_model, "BATCH_ROWS", 7)     # 40 rows in 6 batches
    assert scored.rows(query) == whole
    assert scored.rows(query) == whole
    assert onnx_model.cached_sessions() == sessions
    assert onnx_model.load_model(fare_model) is model


def test_a_model_with_fixed_batch_dimension_scores_every_row(sql, fixed_batch_model, taxi, tmp_path):
    load_taxi(sql.pool, taxi, tmp_path)
    session = ort.InferenceSession(fixed_batch_model, providers=["CPUExecutionProvider"])
    expected = [session.run(None, {c: np.array([[v]], dtype="float32") for c, v in row.items()})[0][0, 0]
                for row in taxi[["fareAmount", "tripDistance"]].to_dict("records")]
    table = sql.pool.execute(
        f"WITH d AS (SELECT CAST(fareAmount AS real) AS fareAmount, CAST(tripDistance AS real) AS tripDistance "
        f"FROM nyc_taxi) SELECT variable_out1 FROM PREDICT(MODEL = 0x{fixed_batch_model.hex()}, DATA = d, "
        f"RUNTIME = ONNX) WITH (variable_out1 real)")[-1]
    np.testing.assert_allclose(table.column(0).to_numpy(), expected, rtol=1e-6)


MODEL = "(SELECT model FROM aml_models WHERE ID = 'fare_regression:1')"


ERRORS = [
    (f"SELECT * FROM PREDICT(MODEL = {MODEL}, DATA = fares) WITH (variable_out1 real)",
     "PREDICT needs RUNTIME = ONNX in Azure Synapse"),
    (f"SELECT * FROM PREDICT(MODEL = {MODEL}, DATA = fares, RUNTIME = R) WITH (variable_out1 real)",
     "runs ONNX models only"),
    (f"SELECT * FROM PREDICT(MODEL = {MODEL}, DATA = nyc_taxi, RUNTIME = ONNX) WITH (variable_out1 real)",
     r"^Message\(s\) from 'PREDICT' engine: The type of model column 'fareAmount' is 'real'\. Doesn't match the "
     r"input column type\. \(DATA column \[fareAmount\] is 'float'"),
    (f"WITH d AS (SELECT id, fareAmount FROM fares) SELECT * FROM PREDICT(MODEL = {MODEL}, DATA = d, RUNTIME = ONNX) "
     "WITH (variable_out1 real)", "Model input 'tripDistance' has no DATA column of that name"),
    (f"SELECT * FROM PREDICT(MODEL = (SELECT model FROM blobs), DATA = blobs, RUNTIME = ONNX) "
     "WITH (variable_out1 real)",
     r"^Input data column #1 is of type 'varbinary\(max\)' which is not supported by 'PREDICT' function\. "
     r"Unsupported types are binary, varbinary, timestamp, datetime2, datetimeoffset, time, text, ntext, image, "
     r"hierarchyid, xml, sql_variant and user-defined type\."),
    (f"SELECT * FROM PREDICT(MODEL = (SELECT model FROM aml_models WHERE ID = 'array:1'), DATA = arrays, "
     "RUNTIME = ONNX) WITH (variable_out1 real)", r"Input column 1 \(1-based\) has shape \[1,2\] which is not supported\."),
    (f"SELECT * FROM PREDICT(MODEL = (SELECT model FROM aml_models WHERE ID = 'double:1'), DATA = fares, "
     "RUNTIME = ONNX) WITH (variable_out1 float)", "The type of model column 'fareAmount' is 'float'. Doesn't match"),
    (f"SELECT * FROM PREDICT(MODEL = {MODEL}, DATA = fares, RUNTIME = ONNX) WITH (Score real)",
     r"WITH clause specified different output columns from what 'PREDICT' function tries to return\. Model "
     r"outputs: variable_out1 tensor\(float\)\[N,1\]; WITH clause: Score"),
    ("SELECT * FROM PREDICT(MODEL = (SELECT model FROM aml_models WHERE ID = 'nyc_taxi_tip_predict:1'), "
     "DATA = tips, RUNTIME = ONNX) WITH (output_probability real)", r"has 2 values per row \(shape \[N,2\]\)"),
    ("SELECT * FROM PREDICT(MODEL = 0x00010203, DATA = fares, RUNTIME = ONNX) WITH (variable_out1 real)",
     r"^Error occurred during execution of the builtin function 'PREDICT' with HRESULT 0x80070057\. Model is "
     r"corrupt or invalid\."),
    ("SELECT * FROM PREDICT(MODEL = (SELECT model FROM aml_models), DATA = fares, RUNTIME = ONNX) "
     "WITH (variable_out1 real)", "MODEL subquery returned 4 rows"),
    ("SELECT * FROM PREDICT(MODEL = (SELECT model FROM aml_models WHERE ID = 'nope'), DATA = fares, "
     "RUNTIME = ONNX) WITH (variable_out1 real)", "MODEL is NULL"),
    ("DECLARE @s nvarchar(10) = 'abc' SELECT * FROM PREDICT(MODEL = @s, DATA = fares, RUNTIME = ONNX) "
     "WITH (variable_out1 real)", "MODEL must be varbinary"),
    (f"SELECT * FROM PREDICT(MODEL = {MODEL}, DATA = fares, RUNTIME = ONNX) WITH (variable_out1 bigint)",
     "cannot be returned as bigint"),
    (f"SELECT * FROM PREDICT(MODEL = {MODEL}, DATA = clash, RUNTIME = ONNX) WITH (variable_out1 real)",
     r"\[variable_out1\] is both a DATA column and a WITH column"),
    ("SELECT * FROM PREDICT(MODEL = (SELECT model FROM aml_models WHERE ID = 'nyc_taxi_tip_predict:1'), "
     "DATA = tips_with_null, RUNTIME = ONNX) WITH (output_label bigint)", r"\[paymentType\] has NULLs"),
    (f"SELECT * FROM PREDICT(MODEL = {MODEL}, DATA = fares, RUNTIME = ONNX, PARAMETERS = 'x') "
     "WITH (variable_out1 real)", "PARAMETERS is not supported"),
]


def test_predict_errors_use_synapse_messages(scored, array_input_model, double_model):
    insert_model(scored.pool, array_input_model, "array:1")
    insert_model(scored.pool, double_model, "double:1")
    scored.pool.execute("""CREATE TABLE blobs (model varbinary(max), fareAmount real, tripDistance real)
INSERT INTO blobs SELECT model, 1, 2 FROM aml_models WHERE ID = 'fare_regression:1'
CREATE TABLE arrays (f00 real)
CREATE TABLE clash (fareAmount real, tripDistance real, variable_out1 real)
INSERT INTO clash VALUES (1, 2, 3)
SELECT CAST(fareAmount AS real) AS fareAmount, CAST(paymentType AS bigint) AS paymentType,
  CAST(passengerCount AS bigint) AS passengerCount, CAST(tripDistance AS real) AS tripDistance,
  tripTimeSecs, CAST(pickupTimeBin AS varchar) AS pickupTimeBin INTO tips FROM nyc_taxi
SELECT * INTO tips_with_null FROM tips
UPDATE tips_with_null SET paymentType = NULL WHERE tripTimeSecs = (SELECT MIN(tripTimeSecs) FROM tips)""")
    for tsql, match in ERRORS:
        with pytest.raises(PredictError, match=match):
            scored.pool.execute(tsql)


def test_an_undeclared_model_variable_is_a_tsql_error(scored):
    scored.assert_raises("SELECT * FROM PREDICT(MODEL = @nope, DATA = fares, RUNTIME = ONNX) WITH (x real)",
                         SqlPoolError, 'Must declare the scalar variable "@nope"')
