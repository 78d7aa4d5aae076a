"""The table handed to Azure: written by Spark as Parquet plus an MLTable file, a folder that
azure-ai-ml reads as an MLTable and a job validates with (no Azure needed)."""
from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from synhelpers.automl import make_config
from synhelpers.automl.azureml import build_job, job_spec, job_yaml
from synhelpers.automl.azureml.handoff import (MLTABLE_FILE, hand_off, job_path, run_folder,
                                               staging_root)
from synhelpers.automl.azureml.job import load_job_yaml
from synhelpers.exceptions import AutoMLError, ConfigError

ROWS = [(float(i % 37) + 2.5, i % 3, i % 5 + 1, float(i % 11) / 3, 60 * (i % 40) + 30,
         ["AM", "PM", "Night"][i % 3]) for i in range(240)]
SCHEMA = ("fareAmount double, paymentType int, passengerCount int, tripDistance double, "
          "tripTimeSecs int, pickupTimeBin string")


@pytest.fixture(scope="module")
def trips(spark):
    return spark.createDataFrame(ROWS, SCHEMA)


def test_spark_writes_a_valid_mltable_folder_with_every_row(spark, trips, tmp_path):
    from azure.ai.ml.entities._data.mltable_metadata import MLTableMetadata
    config = make_config("trips", "FAREAMOUNT", engine="azureml", experiment_name="handoff")
    handed = hand_off(spark, config, str(tmp_path / "staging"), dataframe=trips)
    folder = Path(handed["training_data"])
    assert folder.parent == tmp_path / "staging" / "handoff" and handed["rows"] == len(ROWS)
    assert handed["target_column"] == "fareAmount"           # the table's spelling
    assert handed["folder"].startswith("file:")
    # azure-ai-ml's own reading of the folder (what it does before uploading a local MLTable)
    meta = MLTableMetadata.load(folder / MLTABLE_FILE)
    assert meta.referenced_uris() == ["./*.parquet"]
    assert meta.transformations == [{"read_parquet": {"include_path_column": False}}]
    parts = sorted(folder.glob("*.parquet"))
    assert parts and all(p.name.startswith("part-") for p in parts)
    table = pq.ParquetDataset([str(p) for p in parts]).read()
    assert table.schema.names == trips.columns
    got = sorted(tuple(r.values()) for r in table.to_pylist())
    assert got == sorted(ROWS)                                 # every row, every value
    # the job on that folder validates (a local path: azure-ai-ml uploads it on submit)
    loaded = load_job_yaml(job_yaml(job_spec(config, handed["training_data"],
                                             handed["target_column"])))
    assert loaded.training_data.path == str(folder) and loaded.target_column_name == "fareAmount"


def test_each_run_gets_its_own_folder_and_an_existing_one_is_never_overwritten(spark, trips,
                                                                                tmp_path):
    config = make_config("trips", "fareAmount", engine="azureml", experiment_name="again")
    first = hand_off(spark, config, str(tmp_path), dataframe=trips)["training_data"]
    second = hand_off(spark, config, str(tmp_path), dataframe=trips)["training_data"]
    assert first != second and Path(first, MLTABLE_FILE).is_file()
    from synhelpers.automl.azureml.handoff import write_mltable
    with pytest.raises(AutoMLError, match=f"Writing the training data to {first} failed"):
        write_mltable(spark, trips, first)
    assert len(list(Path(first).glob("*.parquet"))) == len(list(Path(second).glob("*.parquet")))


def test_bad_tables_and_columns_are_named_before_anything_is_written(spark, trips, tmp_path):
    with pytest.raises(ConfigError, match="target_column='fare' is not a column of table 'trips'"):
        hand_off(spark, make_config("trips", "fare", engine="azureml", experiment_name="x"),
                 str(tmp_path), dataframe=trips)
    with pytest.raises(ConfigError, match="table_name='no_such_table': no such Spark table"):
        hand_off(spark, make_config("no_such_table", "y", engine="azureml", experiment_name="x"),
                 str(tmp_path))
    with pytest.raises(AutoMLError, match="task='regression' needs a numeric target, but "
                                          "'pickupTimeBin' is string"):
        hand_off(spark, make_config("trips", "pickupTimeBin", engine="azureml",
                                    experiment_name="x"), str(tmp_path), dataframe=trips)
    assert not any(tmp_path.iterdir())


def test_paths_and_roots():
    assert job_path("file:/tmp/a/b") == "/tmp/a/b" and job_path("file:///tmp/a") == "/tmp/a"
    uri = "abfss://c@acct.dfs.core.windows.net/synhelpers/azureml/e/1"
    assert job_path(uri) == uri
    assert staging_root(None, "abfss://c@a.dfs.core.windows.net/x/") == \
        "abfss://c@a.dfs.core.windows.net/x"
    from datetime import datetime
    assert run_folder("/r", "exp", datetime(2026, 1, 2, 3, 4, 5), "abcd1234") == \
        "/r/exp/20260102030405-abcd1234"
    for bad in ("../x", "a/b", "..", ""):
        with pytest.raises(ConfigError, match=r"experiment_name=.* is not valid"):
            run_folder("/r", bad)
