"""Fixtures for the local SQL pool tests: a fresh pool per test, a Validator, tiny real ONNX models
(built once per session; see pool_testing.py)."""
from __future__ import annotations

import pytest

from pool_testing import (Validator, double_regressor, fare_regressor, make_taxi, onnx_inputs,
                          tips_classifier)


@pytest.fixture
def pool(tmp_path):
    """A fresh pool whose COPY INTO reads the test's own tmp_path."""
    from synhelpers.sqlpool import LocalPool
    local = LocalPool("testpool", path=tmp_path / "p.duckdb", storage_roots=[tmp_path])
    yield local
    local.close()


@pytest.fixture
def sql(pool) -> Validator:
    return Validator(pool)


@pytest.fixture(scope="session")
def taxi():
    return make_taxi()


@pytest.fixture(scope="session")
def tips_model(taxi) -> bytes:
    return tips_classifier(taxi)


@pytest.fixture(scope="session")
def fare_model(taxi) -> bytes:
    return fare_regressor(taxi)


@pytest.fixture(scope="session")
def array_input_model(taxi) -> bytes:
    from skl2onnx.common.data_types import FloatTensorType
    return fare_regressor(taxi, [("f00", FloatTensorType([None, 2]))])


@pytest.fixture(scope="session")
def fixed_batch_model(taxi) -> bytes:
    return fare_regressor(taxi, onnx_inputs(["fareAmount", "tripDistance"], shape=(1, 1)))


@pytest.fixture(scope="session")
def double_model(taxi) -> bytes:
    return double_regressor(taxi)
