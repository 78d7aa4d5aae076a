"""Fixtures for scoring tests: the TLC sample as Spark tables, small real models registered in
MLflow (featurizer + LightGBM, converted with synhelpers' own ONNX conversion)."""
from __future__ import annotations

import numpy as np
import pytest

from .scoring_testing import register_model, train_model

TABLE = "default.scoring_taxi"


@pytest.fixture(scope="session")
def taxi(spark, tlc_sample) -> str:
    """The tutorial table of the TLC sample plus ``trip_id`` (excluded from features) and
    ``tripDistance`` as a double (scoring converts it to float32, as PREDICT's CAST AS real)."""
    from pyspark.sql import functions as F

    from synhelpers.data import create_taxi_table
    create_taxi_table(spark, source="file", path=str(tlc_sample), table_name="default.scoring_raw")
    (spark.table("default.scoring_raw")
     .withColumn("tripDistance", F.col("tripDistance").cast("double") + F.lit(1e-9))
     .withColumn("trip_id", F.monotonically_increasing_id())
     .write.mode("overwrite").saveAsTable(TABLE))
    return TABLE


@pytest.fixture(scope="session")
def taxi_frame(spark, taxi):
    """The table on the driver (6,279 rows: bounded by the sample)."""
    return spark.table(taxi).toPandas()


@pytest.fixture(scope="session")
def fare_model(spark, taxi, taxi_frame):
    """Regression of fareAmount, registered as scoring-fare (version 1)."""
    features = [c for c in taxi_frame.columns if c not in ("fareAmount", "trip_id")]
    model = train_model(taxi_frame, features, "fareAmount", dict(spark.table(taxi).dtypes))
    return register_model(model, "scoring-fare")


@pytest.fixture(scope="session")
def tips_model(spark, taxi, taxi_frame):
    """Classification of tipped, registered as scoring-tips (version 1)."""
    features = ["fareAmount", "paymentType", "passengerCount", "tripDistance", "tripTimeSecs",
                "pickupTimeBin"]
    model = train_model(taxi_frame, features, "tipped", dict(spark.table(taxi).dtypes),
                        task="classification")
    return register_model(model, "scoring-tips")


@pytest.fixture
def rng():
    return np.random.default_rng(0)
