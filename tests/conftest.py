"""Shared fixtures: an isolated state directory, a local Spark session, notebook runs.

The pytest process's Spark session and the notebooks' kernels each hold an embedded Derby
metastore, which one process at a time may open: notebook runs therefore get their own state
directory (``notebook_state``), and tests read their tables back in a fresh process.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from support import TLC_SAMPLE
from tiers import FAST_TIER, MARKERS_BY_FIXTURE, fast_tier, forbid_spark_and_kernels

_SESSION_STATE = Path(tempfile.mkdtemp(prefix="synhelpers-test-state-"))
os.environ["SYNHELPERS_STATE_DIR"] = str(_SESSION_STATE)
os.environ.setdefault("SYNHELPERS_DRIVER_MEMORY", "2g")
os.environ.setdefault("SYNHELPERS_SHUFFLE_PARTITIONS", "4")
os.environ.pop("SYNHELPERS_RUNTIME", None)


def pytest_sessionfinish(session, exitstatus):
    import shutil
    shutil.rmtree(_SESSION_STATE, ignore_errors=True)      # the run's metastore, registry, pools


def pytest_configure(config):
    if fast_tier():
        config.option.markexpr = FAST_TIER
        forbid_spark_and_kernels()


def pytest_collection_modifyitems(items):
    for item in items:
        for fixture, marker in MARKERS_BY_FIXTURE.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)


@pytest.fixture(scope="session")
def tlc_sample() -> Path:
    if not TLC_SAMPLE.is_file():   # part of the repository: its absence is a broken checkout
        raise FileNotFoundError(f"The TLC sample fixture is missing: {TLC_SAMPLE}")
    return TLC_SAMPLE


@pytest.fixture(scope="session")
def spark():
    from synhelpers.runtime import get_spark
    session = get_spark()
    yield session
    session.stop()


@pytest.fixture(scope="session")
def kernel():
    from synhelpers.runtime.kernel import KERNEL_NAME, install_kernel
    install_kernel()
    return KERNEL_NAME


@pytest.fixture(scope="session")
def notebook_state(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("notebook-state")


@pytest.fixture(scope="session")
def notebook_taxi(kernel, notebook_state, tlc_sample, tmp_path_factory):
    """Notebook 01 run once on the real TLC sample in the notebooks' state directory:
    (output notebook, exit summary). Later notebook tests build on its ``NYC_Taxi`` table."""
    import json

    from support import run_notebook
    nb, exit_value = run_notebook("01_create_nyc_taxi_table.ipynb",
                                  {"source": "file", "path": str(tlc_sample)}, notebook_state,
                                  tmp_path_factory.mktemp("nb01"), kernel)
    return nb, json.loads(exit_value)
