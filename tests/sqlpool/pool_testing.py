"""Helpers for the local SQL pool tests: a sqlglot-Validator-style checker, tiny real ONNX models.

The models are real scikit-learn estimators converted with skl2onnx, with one ``[None, 1]`` input
per column as the Synapse PREDICT contract wants (``fixed_batch_model`` uses ``[1, 1]`` as the tips
tutorial notebook did, ``array_input_model`` ``[None, 2]`` to provoke the shape error).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

TAXI_COLUMNS = ["tipped", "fareAmount", "paymentType", "passengerCount", "tripDistance",
                "tripTimeSecs", "pickupTimeBin"]
FEATURES = TAXI_COLUMNS[1:]
FLOATS = ("fareAmount", "tripDistance")

# synapse.md §2.2: the test-data table of the scoring wizard tutorial
TAXI_DDL = """IF NOT EXISTS (SELECT * FROM sys.objects WHERE NAME = 'nyc_taxi' AND TYPE = 'U')
CREATE TABLE dbo.nyc_taxi (tipped int, fareAmount float, paymentType int, passengerCount int,
  tripDistance float, tripTimeSecs bigint, pickupTimeBin nvarchar(30))
WITH (DISTRIBUTION = ROUND_ROBIN, CLUSTERED COLUMNSTORE INDEX)"""

# synapse.md §2.4: the model table the scoring wizard creates
MODEL_TABLE_DDL = """CREATE TABLE [dbo].[aml_models] (
  [ID] NVARCHAR(1024) NOT NULL,  [name] NVARCHAR(1024) NOT NULL, [description] NVARCHAR(1024) NULL,
  [version] INT NULL, [created_time] DATETIME2(7) NULL, [created_by] NVARCHAR(128) NULL,
  [framework] NVARCHAR(64) NULL, [model] VARBINARY(MAX) NULL,
  [inputs_schema] NVARCHAR(MAX) NULL, [outputs_schema] NVARCHAR(MAX) NULL)
WITH (HEAP, DISTRIBUTION = ROUND_ROBIN);"""


class Validator:
    """sqlglot-Validator-style assertions bound to one pool."""

    def __init__(self, pool):
        self.pool = pool

    def results(self, tsql: str) -> list[list[tuple]]:
        # column-wise: T-SQL result sets may repeat a column name
        return [list(zip(*[c.to_pylist() for c in table.columns])) for table in self.pool.execute(tsql)]

    def rows(self, tsql: str, result: int = -1) -> list[tuple]:
        results = self.results(tsql)
        assert results, f"no result set from: {tsql}"
        return results[result]

    def assert_rows(self, tsql: str, expected: list[tuple], result: int = -1) -> None:
        rows = self.rows(tsql, result)
        assert rows == expected, f"{tsql}\n  got:      {rows}\n  expected: {expected}"

    def assert_raises(self, tsql: str, error: type, match: str) -> None:
        with pytest.raises(error, match=match):
            self.pool.execute(tsql)


def make_taxi(n: int = 40, seed: int = 7) -> pd.DataFrame:
    """Deterministic trips with the tutorial's 7 columns and types."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "fareAmount": rng.uniform(2, 60, n).round(2).astype("float32"),
        "paymentType": rng.integers(1, 3, n).astype("int64"),
        "passengerCount": rng.integers(1, 6, n).astype("int64"),
        "tripDistance": rng.uniform(0.2, 25, n).round(2).astype("float32"),
        "tripTimeSecs": rng.integers(60, 3600, n).astype("int64"),
        "pickupTimeBin": rng.choice(["AMRush", "Afternoon", "PMRush", "Night"], n),
    })
    frame.insert(0, "tipped", ((frame.fareAmount > 25) ^ (frame.paymentType == 2)).astype("int64"))
    return frame


def onnx_inputs(columns=FEATURES, shape=(None, 1)):
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType
    kinds = {c: FloatTensorType if c in FLOATS else StringTensorType if c == "pickupTimeBin"
             else Int64TensorType for c in FEATURES}
    return [(c, kinds[c](list(shape))) for c in columns]


def feeds(frame: pd.DataFrame, columns=FEATURES) -> dict:
    """What onnxruntime gets when called directly: one [N, 1] array per input."""
    out = {}
    for c in columns:
        values = frame[c].to_numpy()
        values = (values.astype("float32") if c in FLOATS else values.astype(object)
                  if c == "pickupTimeBin" else values.astype("int64"))
        out[c] = values.reshape(-1, 1)
    return out


def tips_classifier(frame: pd.DataFrame) -> bytes:
    """The tips classifier of the wizard tutorial (scaler + one-hot + logistic regression), no ZipMap."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType
    pre = ColumnTransformer([("num", StandardScaler(), [c for c in FEATURES if c != "pickupTimeBin"]),
                             ("cat", OneHotEncoder(handle_unknown="ignore"), ["pickupTimeBin"])])
    model = Pipeline([("pre", pre), ("clf", LogisticRegression())]).fit(frame[FEATURES], frame.tipped)
    onx = convert_sklearn(model, "nyc_taxi_tip_predict", onnx_inputs(), target_opset=17,
                          options={id(model): {"zipmap": False}},
                          final_types=[("output_label", Int64TensorType([None])),
                                       ("output_probability", FloatTensorType([None, 2]))])
    return onx.SerializeToString()


def fare_regressor(frame: pd.DataFrame, input_types=None, output="variable_out1") -> bytes:
    """AutoML-style regression on fareAmount and tripDistance; output ``variable_out1`` [N, 1].

    ``input_types`` overrides the ONNX inputs (e.g. one FloatTensorType([None, 2]) or [1, 1] each).
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import Pipeline
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    columns = ["fareAmount", "tripDistance"]
    target = frame.fareAmount * 0.15 + frame.tripDistance * 0.5
    if input_types is not None and len(input_types) == 1:   # one array input for all columns
        model = LinearRegression().fit(frame[columns].to_numpy(dtype="float32"), target)
    else:
        model = Pipeline([("cols", ColumnTransformer([("x", "passthrough", columns)])),
                          ("lr", LinearRegression())]).fit(frame[columns], target)
    types = input_types or [(c, FloatTensorType([None, 1])) for c in columns]
    out_shape = [1, 1] if types[0][1].shape[0] == 1 else [None, 1]
    onx = convert_sklearn(model, "fare", types, target_opset=17,
                          final_types=[(output, FloatTensorType(out_shape))])
    return onx.SerializeToString()


def double_regressor(frame: pd.DataFrame) -> bytes:
    """One tensor(double) input named fareAmount: PREDICT wants a T-SQL float column for it."""
    from sklearn.linear_model import LinearRegression
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType
    model = LinearRegression().fit(frame[["fareAmount"]].to_numpy(dtype="float64"), frame.tipped)
    onx = convert_sklearn(model, "double", [("fareAmount", DoubleTensorType([None, 1]))], target_opset=17,
                          final_types=[("variable_out1", DoubleTensorType([None, 1]))])
    return onx.SerializeToString()


def load_taxi(pool, frame: pd.DataFrame, tmp_path: Path, ddl: str = TAXI_DDL) -> None:
    """Create dbo.nyc_taxi with the tutorial DDL and load it with the tutorial's COPY INTO (§2.2)."""
    path = tmp_path / "test_data.csv"
    frame[TAXI_COLUMNS].to_csv(path, index=False)
    pool.execute(f"""{ddl}
GO
COPY INTO dbo.nyc_taxi (tipped 1, fareAmount 2, paymentType 3, passengerCount 4, tripDistance 5, tripTimeSecs 6, pickupTimeBin 7)
FROM '{path}'
WITH (FILE_TYPE = 'CSV', ROWTERMINATOR='0x0A', FIELDQUOTE = '"', FIELDTERMINATOR = ',', FIRSTROW = 2)""")


def insert_model(pool, blob: bytes, model_id: str = "nyc_taxi_tip_predict:1",
                 table: str = "aml_models") -> None:
    """Store a model in the wizard's model table (created on first use), as a 0x... literal."""
    exists = pool.execute(f"SELECT OBJECT_ID('dbo.{table}', 'U') AS id")[0].column(0)[0].is_valid
    if not exists:
        pool.execute(MODEL_TABLE_DDL.replace("aml_models", table))
    name = re.sub(r":\d+$", "", model_id)
    pool.execute(f"INSERT INTO [dbo].[{table}] (ID, name, version, framework, model) "
                 f"VALUES ('{model_id}', '{name}', 1, 'ONNX', 0x{blob.hex()})")


def run_in_new_process(code: str):
    """Run ``code`` in a fresh interpreter (a later process on the same pool file); it prints JSON."""
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=str(root), env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- hostile input -------------------------------------------------------------------------------
# names and values that would break out of a badly quoted identifier, string or comment
HOSTILE_TEXT = {
    "quote": "o'brien'); DROP TABLE [dbo].[victim]; --",
    "bracket": "x]; DROP TABLE [dbo].[victim]; --",
    "semicolon": "a; DROP TABLE dbo.victim",
    "dashes": "b -- DROP TABLE dbo.victim",
    "block comment": "c /* DROP TABLE dbo.victim */ d",
    "double quote": 'e"; DROP TABLE dbo.victim; --',
    "non-ASCII": "prévision 名前 ünïcödé",
}
# the same, plus what names cannot hold and values must escape
HOSTILE_CONTROL = {
    "newline": "a\nx AS (SELECT 1 AS y) SELECT 1 AS z; DROP TABLE [dbo].[victim]; WITH\n--",
    "carriage return": "r\rDROP TABLE dbo.victim\r--",
    "NUL": "nul\x00; DROP TABLE dbo.victim",
}
LONG = "l" * 300
HOSTILE_VALUES = {**HOSTILE_CONTROL, **HOSTILE_TEXT, "300 characters": LONG}


def statement_types(script: str) -> list[list[str]]:
    """The statements of each batch of ``script`` as the Synapse dialect of sqlglot's T-SQL parses
    them (class names), e.g. ``[["IfBlock"], ["Procedure"], ["Execute"]]``."""
    from synhelpers.sqlpool.tsql import parse_batch
    from synhelpers.sqlpool.tsql.batches import iter_batches
    return [[type(s).__name__ for s in parse_batch(b.text)] for b in iter_batches(script)
            for _ in range(b.repeat)]


def create_victim(pool) -> None:
    pool.execute("CREATE TABLE dbo.victim (v int) WITH (HEAP)\nGO\nINSERT INTO dbo.victim VALUES (1), (2)")


def pool_objects(pool) -> list[tuple]:
    """Every table, view and procedure of ``pool`` with its row count (tables)."""
    objects = pool.execute("SELECT name, type FROM sys.objects")[-1].to_pylist()
    found = []
    for o in objects:
        rows = None
        if o["type"] == "U":
            from synhelpers.sqlpool.names import TableName
            schema = pool.con.execute(
                "SELECT schema_name FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
                [o["name"]]).fetchall()[0][0]
            rows = pool.row_count(TableName("", schema, o["name"]))
        found.append((o["name"], o["type"], rows))
    return sorted(found)


def assert_victim_intact(pool) -> None:
    assert pool.execute("SELECT v FROM dbo.victim ORDER BY v")[-1].to_pylist() == [{"v": 1}, {"v": 2}]
