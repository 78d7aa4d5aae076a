"""Fixtures: the trips table (Spark and its pandas frame), a train/held-out split, and three
registered models (regression, binary with 0/1 labels, multiclass with string labels)."""
from __future__ import annotations

import pytest

from .pyfunc_testing import BANDS, create_table, train_and_register


@pytest.fixture(scope="session")
def trips(spark) -> str:
    return create_table(spark)


@pytest.fixture(scope="session")
def trips_frame(spark, trips):
    """The table as pandas, as users get it from Spark (900 rows)."""
    return spark.table(trips).toPandas()


@pytest.fixture(scope="session")
def split(trips_frame):
    """(train, held_out): shuffled, so neither index starts at 0 or is in order."""
    from sklearn.model_selection import train_test_split
    return train_test_split(trips_frame, test_size=0.3, random_state=3)


@pytest.fixture(scope="session")
def spark_types(spark, trips) -> dict:
    return dict(spark.table(trips).dtypes)


@pytest.fixture(scope="session")
def models(split, spark_types) -> dict:
    train = split[0]
    return {"regression": train_and_register(train, "total", spark_types, "pyfunc-total"),
            "binary": train_and_register(train, "tipped", spark_types, "pyfunc-tipped",
                                         task="classification"),
            "multiclass": train_and_register(train, "band", spark_types, "pyfunc-band",
                                             task="classification", classes=BANDS)}
