"""The tutorial table from the real TLC sample, through the `file` source."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synhelpers.data import create_taxi_table
from synhelpers.exceptions import ConfigError, DatasetError

pytestmark = pytest.mark.spark

EXPECTED_TYPES = {"tipped": "bigint", "fareAmount": "float", "paymentType": "bigint",
                  "passengerCount": "bigint", "tripDistance": "float", "tripTimeSecs": "bigint",
                  "pickupTimeBin": "string"}


def tutorial_pandas(raw: pd.DataFrame) -> pd.DataFrame:
    """The tutorial notebook's own pandas code (synapse.md 1.2), written out independently."""
    def get_pickup_time(hour):
        if 7 <= hour <= 10:
            return "AMRush"
        if 11 <= hour <= 15:
            return "Afternoon"
        if 16 <= hour <= 19:
            return "PMRush"
        return "Night"

    pickup = pd.to_datetime(raw["tpep_pickup_datetime"])
    dropoff = pd.to_datetime(raw["tpep_dropoff_datetime"])
    df = pd.DataFrame()
    df["tipped"] = (raw["tip_amount"] > 0).astype("int")
    df["fareAmount"] = raw["fare_amount"].astype("float32")
    df["paymentType"] = raw["payment_type"].astype("int")
    df["passengerCount"] = raw["passenger_count"].astype("int")
    df["tripDistance"] = raw["trip_distance"].astype("float32")
    df["pickupHour"] = pickup.dt.hour.astype("int")
    df["tripTimeSecs"] = ((dropoff - pickup) / np.timedelta64(1, "s")).astype("int")
    df["pickupTimeBin"] = df["pickupHour"].apply(get_pickup_time)
    df = df.drop(columns=["pickupHour"])
    return df.query("tipped >= 0 and tipped <= 1 and fareAmount >= 1 and fareAmount <= 250 "
                    "and paymentType >= 1 and paymentType <= 2 and passengerCount > 0 "
                    "and passengerCount < 8 and tripDistance >= 0 and tripDistance <= 100 "
                    "and tripTimeSecs >= 30 and tripTimeSecs <= 7200")


@pytest.fixture(scope="module")
def real_table(spark, tlc_sample):
    summary = create_taxi_table(spark, source="file", path=str(tlc_sample),
                                table_name="default.nyc_taxi_real")
    return summary, spark.table(summary["table"]).toPandas()


def test_real_sample_row_count_matches_the_tutorial_code(real_table, tlc_sample):
    summary, table = real_table
    raw = pd.read_csv(tlc_sample)
    assert len(raw) == 6500 and len(raw) <= 10000          # no sampling: fewer rows than n
    expected = tutorial_pandas(raw)
    assert (raw["fare_amount"] < 0).any(), "the sample has dirty rows the filters must remove"
    assert summary["rows"] == len(expected) == len(table)
    assert len(expected) < len(raw)


def test_real_sample_values_match_the_tutorial_code(real_table, tlc_sample):
    _, table = real_table
    expected = tutorial_pandas(pd.read_csv(tlc_sample))
    cols = list(EXPECTED_TYPES)
    got = table[cols].sort_values(cols).reset_index(drop=True)
    want = expected[cols].sort_values(cols).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_table_has_the_tutorial_columns_and_spark_types(real_table, spark):
    summary, _ = real_table
    assert summary["columns"] == EXPECTED_TYPES
    assert list(spark.table(summary["table"]).columns) == list(EXPECTED_TYPES)


def test_no_dirty_rows_are_left(real_table):
    _, t = real_table
    assert t["tipped"].isin([0, 1]).all()
    assert t["fareAmount"].between(1, 250).all()
    assert t["paymentType"].isin([1, 2]).all()
    assert ((t["passengerCount"] > 0) & (t["passengerCount"] < 8)).all()
    assert t["tripDistance"].between(0, 100).all()
    assert t["tripTimeSecs"].between(30, 7200).all()
    assert set(t["pickupTimeBin"]) == {"AMRush", "Afternoon", "PMRush", "Night"}


def test_open_datasets_column_names_give_the_same_table(spark, tlc_sample, tmp_path, real_table):
    from synhelpers.data.schema import TLC_NAMES
    raw = pd.read_csv(tlc_sample, parse_dates=["tpep_pickup_datetime", "tpep_dropoff_datetime"])
    renamed = raw.rename(columns={c: TLC_NAMES[c.lower()] for c in raw.columns
                                  if c.lower() in TLC_NAMES})
    assert "fareAmount" in renamed and "tpepPickupDateTime" in renamed
    path = tmp_path / "od.parquet"
    renamed.to_parquet(path)
    summary = create_taxi_table(spark, source="file", path=str(path),
                                table_name="default.nyc_taxi_od")
    assert summary["rows"] == real_table[0]["rows"]


def test_sampling_keeps_sample_rows_reproducibly(spark, tlc_sample):
    a = create_taxi_table(spark, source="file", path=str(tlc_sample), sample_rows=1000, seed=7,
                          table_name="default.sampled_a")
    b = create_taxi_table(spark, source="file", path=str(tlc_sample), sample_rows=1000, seed=7,
                          table_name="default.sampled_b")
    c = create_taxi_table(spark, source="file", path=str(tlc_sample), sample_rows=1000, seed=8,
                          table_name="default.sampled_c")
    ta, tb, tc = (spark.table(s["table"]).toPandas().sort_values(list(EXPECTED_TYPES))
                  .reset_index(drop=True) for s in (a, b, c))
    assert 900 <= a["rows"] <= 1000                   # 1000 sampled, then the filters
    pd.testing.assert_frame_equal(ta, tb)
    assert not ta.equals(tc)


def test_overwrite_replaces_the_table(spark, tlc_sample):
    create_taxi_table(spark, source="file", path=str(tlc_sample), sample_rows=500,
                      table_name="default.rerun")
    again = create_taxi_table(spark, source="file", path=str(tlc_sample), sample_rows=300,
                              table_name="default.rerun")
    assert spark.table("default.rerun").count() == again["rows"] <= 300


@pytest.mark.parametrize("kwargs, message", [
    (dict(source="s3"), "parameter `source` must be one of auto, file, open_datasets, synthetic"),
    (dict(source="synthetic", rows=0), "rows=0 must be at least 1"),
    (dict(source="synthetic", rows=-5), "rows=-5 must be at least 1"),
    (dict(source="synthetic", start_date="2018-05-07", end_date="2018-05-01"),
     "start_date=2018-05-07 is after end_date=2018-05-01"),
    (dict(source="synthetic", start_date="May 1st"), "start_date='May 1st' is not a date"),
    (dict(source="file", path=""), "source='file' needs parameter `path`"),
    (dict(source="synthetic", sample_rows=-1), "sample_rows=-1 must be at least 0"),
    (dict(source="synthetic", table_name="x; drop"), "table_name='x; drop' is not a valid"),
])
def test_bad_parameters_are_refused_before_anything_is_written(spark, kwargs, message):
    before = {t.name for t in spark.catalog.listTables("default")}
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        create_taxi_table(spark, **{"table_name": "default.never_created", **kwargs})
    assert {t.name for t in spark.catalog.listTables("default")} == before


def test_missing_file_is_named(spark, tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(DatasetError, match="does not exist: parameter `path`"):
        create_taxi_table(spark, source="file", path=str(missing), table_name="default.never")
    assert not spark.catalog.tableExists("default.never")


def test_open_datasets_outside_synapse_says_what_to_do(spark):
    with pytest.raises(DatasetError, match="In Synapse the pool reads the public Parquet; "
                                           "elsewhere use source='synthetic'"):
        create_taxi_table(spark, source="open_datasets", table_name="default.never")


def test_missing_columns_are_each_named_and_the_old_table_survives(spark, tlc_sample, tmp_path):
    create_taxi_table(spark, source="file", path=str(tlc_sample), sample_rows=200,
                      table_name="default.keep_me")
    before = spark.table("default.keep_me").toPandas()
    raw = pd.read_csv(tlc_sample).drop(columns=["fare_amount", "tip_amount"])
    bad = tmp_path / "bad.csv"
    raw.to_csv(bad, index=False)
    with pytest.raises(DatasetError) as err:
        create_taxi_table(spark, source="file", path=str(bad), table_name="default.keep_me")
    assert "fareAmount (or fare_amount)" in str(err.value)
    assert "tipAmount (or tip_amount)" in str(err.value)
    assert "passengerCount" not in str(err.value).split("It has")[0]
    pd.testing.assert_frame_equal(spark.table("default.keep_me").toPandas(), before)


def test_a_failing_write_leaves_the_previous_table(spark, tlc_sample, monkeypatch):
    from synhelpers.data import tables
    create_taxi_table(spark, source="file", path=str(tlc_sample), sample_rows=100,
                      table_name="default.atomic")
    rows = spark.table("default.atomic").count()
    from pyspark.sql import functions as F
    real = tables.save_table_atomically

    def failing(spark_, df, name, mode="overwrite"):
        # a row that fails at write time, after some partitions may have been written
        boom = df.withColumn("fareAmount", F.when(F.col("tripTimeSecs") > 0, F.raise_error(
            F.lit("disk full"))).otherwise(F.col("fareAmount")))
        return real(spark_, boom, name, mode)

    monkeypatch.setattr("synhelpers.data.taxi.save_table_atomically", failing)
    with pytest.raises(DatasetError, match="previous table is unchanged"):
        create_taxi_table(spark, source="file", path=str(tlc_sample), table_name="default.atomic")
    assert spark.table("default.atomic").count() == rows
    assert not [t for t in spark.catalog.listTables("default") if "staging" in t.name]
