"""Many models streams the groups' results to the driver a batch at a time: with
``spark.driver.maxResultSize`` below the size of all results together (but above one batch),
every group still reaches MLflow. A real Spark process with that limit; groups whose training
fails at once with a long, incompressible reason stand in for large ONNX models and trials."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from support import ROOT

pytestmark = pytest.mark.slow

GROUPS, WIDTH = 6, 200       # 6 results of ~24 KB: ~150 KB together, ~50 KB a batch of 2

_CHILD = """
import json, random
from synhelpers.runtime import get_spark
from synhelpers.exceptions import AutoMLError
from synhelpers.manymodels import train_many_models
from synhelpers.manymodels.train import RESULT_BATCH_CONF
spark = get_spark()
spark.conf.set(RESULT_BATCH_CONF, "2")
rnd = random.Random(7)
names = ["f%03d_" % i + "".join(rnd.choice("0123456789abcdef") for _ in range(100))
         for i in range({width})]
rows = [("g%d" % g, float(r % 7 + g), *[float(g)] * {width}) for g in range({groups})
        for r in range(30)]
df = spark.createDataFrame(rows, ["grp", "y", *names])
try:
    train_many_models(spark, "in_memory", "y", "grp", budget_seconds_per_group=1,
                      min_rows_per_group=20, small_groups="skip", dataframe=df,
                      experiment_name="mm-memory", model_name="mm-memory")
    print(json.dumps({{"outcome": "trained"}}))
except AutoMLError as exc:
    print(json.dumps({{"outcome": "AutoMLError", "message": str(exc)[:60]}}))
except Exception as exc:
    print(json.dumps({{"outcome": type(exc).__name__, "message": str(exc)[:300]}}))
import mlflow
from mlflow.tracking import MlflowClient
client = MlflowClient()
experiment = client.get_experiment_by_name("mm-memory").experiment_id
runs = client.search_runs([experiment], "tags.`synhelpers.status` = 'failed'")
print(json.dumps({{"children": sorted(r.data.tags["synhelpers.group"] for r in runs),
                  "reason_lengths": sorted(len(r.data.tags["synhelpers.message"]) for r in runs)}}))
"""


def test_results_larger_than_max_result_size_still_reach_the_registry(tmp_path):
    env = {**os.environ, "SYNHELPERS_STATE_DIR": str(tmp_path),
           "PYSPARK_SUBMIT_ARGS": "--conf spark.driver.maxResultSize=100k pyspark-shell"}
    child = subprocess.run([sys.executable, "-c", _CHILD.format(groups=GROUPS, width=WIDTH)],
                           env=env, capture_output=True, text=True, timeout=900, cwd=str(ROOT))
    assert child.returncode == 0, child.stderr[-3000:]
    outcome, logged = (json.loads(line) for line in child.stdout.strip().splitlines()[-2:])
    # all the groups failed (no usable feature), so no keyed model: but every one was recorded
    assert outcome == {"outcome": "AutoMLError", "message": "No model was trained for table "
                                                            "'in_memory' (grp='g0': AutoML"}
    assert logged["children"] == [f"g{g}" for g in range(GROUPS)]
    assert min(logged["reason_lengths"]) == 4000                 # each reason, as long as a tag
