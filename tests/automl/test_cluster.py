"""The wizard on a Spark cluster, as a pool user gets it: executors in their own JVMs and Python
workers (Spark's ``local-cluster`` master), ``use_spark`` left at its default ``"auto"``."""
from __future__ import annotations

import pytest

from profile_support import active_profile
from support import TLC_SAMPLE, run_python

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(active_profile() != "synapse", reason=(
                  "a pool's behaviour, checked in the Synapse profile (make test-synapse); the "
                  "local profile checks use_spark=True on local[*] in test_train.py"))]

CODE = f"""
import json, os
from synhelpers.runtime import get_spark
from synhelpers.data import create_taxi_table
from synhelpers.automl import train_wizard
spark = get_spark()
table = create_taxi_table(spark, source="file", path={str(TLC_SAMPLE)!r}, sample_rows=3000,
                          table_name="default.cluster_taxi")["table"]
result = train_wizard(spark, table, "fareAmount", training_hours=60 / 3600,
                      max_concurrent_iterations=2, experiment_name="cluster",
                      model_name="cluster-fare", show_progress=False)
executors = spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1
print(json.dumps({{"master": spark.sparkContext.master, "executors": executors,
                  "mode": result.search_mode, "on_executors": result.ran_on_executors,
                  "pids": result.executor_pids, "driver": os.getpid(),
                  "trials": result.n_trials, "version": result.model_version}}))
"""


def test_on_a_cluster_trials_run_on_the_executors_by_default(tmp_path):
    out = run_python(CODE, tmp_path / "state", timeout=600,
                     env={"SYNHELPERS_SPARK_MASTER": "local-cluster[2,1,1024]"})
    assert out["master"] == "local-cluster[2,1,1024]" and out["executors"] == 2
    assert out["mode"] == "spark executors" and out["on_executors"]
    assert out["pids"] and out["driver"] not in out["pids"]
    assert out["trials"] >= 3 and out["version"] == 1
