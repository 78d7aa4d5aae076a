"""Helpers for the registered-model consumer tests: a trips table with every column kind a
Synapse table gives pandas, and small real models registered through synhelpers.registry."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TABLE = "default.pyfunc_trips"
SCHEMA = ("trip_id bigint, distance float, fare double, passengers int, payment bigint, "
          "airport boolean, zone string, rating bigint, total double, tipped bigint, band string")
FEATURES = ["distance", "fare", "passengers", "payment", "airport", "zone", "rating"]
BANDS = ["high", "low", "mid"]


def make_trips(rows: int = 900, seed: int = 5) -> pd.DataFrame:
    """Seeded trips: float, double, int, bigint, boolean, string with nulls, bigint with nulls
    (which AutoML makes a float input) and the three targets."""
    rng = np.random.default_rng(seed)
    distance = rng.gamma(2.0, 1.6, rows).astype(np.float32)
    fare = 2.5 + 1.9 * distance.astype(np.float64) + rng.normal(0, 0.8, rows)
    payment = rng.integers(1, 4, rows)
    airport = rng.random(rows) < 0.2
    zone = rng.choice(["north", "south", "east", "west"], rows).astype(object)
    zone[rng.random(rows) < 0.1] = None
    rating = pd.array(rng.integers(1, 6, rows), dtype="Int64")
    rating[rng.random(rows) < 0.15] = pd.NA
    tip = np.where(payment == 1, 0.18 * fare + rng.normal(0, 0.4, rows), 0.0)
    total = fare + tip + 5.0 * airport + np.where(zone == "north", 1.5, 0.0)
    band = np.where(total > 16, "high", np.where(total > 9, "mid", "low"))
    return pd.DataFrame({
        "trip_id": np.arange(50_000, 50_000 + rows, dtype=np.int64), "distance": distance,
        "fare": fare, "passengers": rng.integers(1, 6, rows).astype(np.int32),
        "payment": payment.astype(np.int64), "airport": airport, "zone": zone, "rating": rating,
        "total": total, "tipped": ((tip > 1.0) | (rng.random(rows) < 0.05)).astype(np.int64),
        "band": band})


def create_table(spark) -> str:
    import pyarrow as pa

    from synhelpers._compat import spark_from_arrow
    table = pa.Table.from_pandas(make_trips(), preserve_index=False)
    spark_from_arrow(spark, table, SCHEMA).write.mode("overwrite").saveAsTable(TABLE)
    return TABLE


@dataclass
class Registered:
    name: str
    version: int
    task: str
    model: object            # synhelpers.automl.model.TrainedModel
    onnx_bytes: bytes

    @property
    def uri(self) -> str:
        return f"models:/{self.name}/{self.version}"

    @property
    def output(self) -> str:
        return "variable_out1" if self.task == "regression" else "output_label"

    def expected(self, frame) -> list:
        """onnxruntime on ``frame`` fed as the AutoML code feeds it (not the pyfunc's path)."""
        from scoring.scoring_testing import direct
        return direct(self.onnx_bytes, frame, self.model.inputs)


def train_and_register(train: pd.DataFrame, target: str, spark_types: dict, name: str,
                       task: str = "regression", classes=None) -> Registered:
    """featurizer + LightGBM as AutoML builds them, logged and registered as train_wizard does
    (raw rows as the example, the table's Spark types for the signature)."""
    import mlflow
    from scoring.scoring_testing import train_model

    from synhelpers.registry import get_or_create_experiment, log_onnx_model, register
    frame = train
    if classes is not None:
        frame = train.assign(**{target: train[target].map({c: i for i, c in enumerate(classes)})})
    model = train_model(frame, FEATURES, target, spark_types, task=task)
    if classes is not None:
        model.classes = list(classes)
    onnx_model = model.to_onnx()
    with mlflow.start_run(experiment_id=get_or_create_experiment("pyfunc-tests")):
        uri = log_onnx_model(onnx_model, input_example=train, column_types=spark_types,
                             metadata={"task": task, "target": target,
                                       "classes": [str(c) for c in model.classes or []]})
    version = register(uri, name)
    return Registered(name, version, task, model, onnx_model.SerializeToString())


def spark_udf(spark, uri: str, **kwargs):
    """``mlflow.pyfunc.spark_udf``; fails with the fix when MLflow's scoring server, which it
    imports, cannot load (mlflow-skinny without Flask: a venv built before the Synapse profile
    listed the pool's Flask)."""
    import mlflow.pyfunc
    import pytest

    from synhelpers._compat import mlflow_has_scoring_server
    if not mlflow_has_scoring_server():
        pytest.fail("mlflow.pyfunc.spark_udf imports MLflow's scoring server, which needs Flask: "
                    "the Synapse 3.5 pool ships flask 3.0.3 (profiles/synapse-3.5/pool.txt); "
                    "rebuild this venv (make venv-synapse).")
    return mlflow.pyfunc.spark_udf(spark, uri, **kwargs)
