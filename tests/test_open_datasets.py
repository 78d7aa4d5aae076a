"""source='open_datasets' (Spark reading the public Parquet) and source='auto'.

The Spark read is run against a local folder laid out exactly like Azure Open Datasets' NYC yellow
taxi data (``yellow/puYear=YYYY/puMonth=M/*.parquet``, Open Datasets' column names and types), so
only the storage URL differs in Synapse.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from synhelpers.data import create_taxi_table
from synhelpers.data.schema import TLC_NAMES
from synhelpers.data.sources import (OPEN_DATASETS_URL, OPEN_DATASETS_URL_CONF, month_folders,
                                     sources)
from synhelpers.data.taxi import validate_request
from synhelpers.exceptions import ConfigError, DatasetError
from test_data_taxi import tutorial_pandas


def test_month_folders_cover_the_dates_across_a_year_end():
    assert month_folders("r", date(2018, 11, 30), date(2019, 2, 1)) == [
        "r/puYear=2018/puMonth=11", "r/puYear=2018/puMonth=12", "r/puYear=2019/puMonth=1",
        "r/puYear=2019/puMonth=2"]
    assert month_folders("r", date(2018, 5, 1), date(2018, 5, 7)) == ["r/puYear=2018/puMonth=5"]


@pytest.mark.parametrize("runtime, expected", [("synapse", "open_datasets"), ("local", "synthetic")])
def test_auto_is_open_datasets_in_synapse_and_synthetic_elsewhere(monkeypatch, runtime, expected):
    monkeypatch.setenv("SYNHELPERS_RUNTIME", runtime)
    assert validate_request(source="auto").source == expected
    assert validate_request(source="file", path="x.csv").source == "file"
    with pytest.raises(ConfigError, match="must be one of auto, file, open_datasets, synthetic"):
        validate_request(source="opendatasets")


@pytest.fixture(scope="module")
def yellow(spark, tmp_path_factory):
    """Trips from 2018-04-25 to 2018-05-12 written as Open Datasets lays them out; a June
    folder holding a file that is not Parquet (reading it would fail)."""
    from pyspark.sql import functions as F
    from synhelpers.data.synthetic import generate_trips
    root = tmp_path_factory.mktemp("opendatasets") / "yellow"
    raw = generate_trips(spark, rows=4000, start_date=date(2018, 4, 25),
                         end_date=date(2018, 5, 12), seed=7)
    assert dict(raw.dtypes)["paymentType"] == "string"     # as in Open Datasets
    (raw.withColumn("puYear", F.year("tpepPickupDateTime"))
        .withColumn("puMonth", F.month("tpepPickupDateTime"))
        .write.partitionBy("puYear", "puMonth").parquet(str(root)))
    assert sorted(p.name for p in root.glob("puYear=2018/*")) == ["puMonth=4", "puMonth=5"]
    june = root / "puYear=2018" / "puMonth=6"
    june.mkdir()
    (june / "part-0.parquet").write_text("not parquet")
    return root


def test_open_datasets_reads_only_the_tutorial_dates(spark, yellow, monkeypatch):
    monkeypatch.setenv("SYNHELPERS_RUNTIME", "synapse")          # source='auto' as in a pool
    spark.conf.set(OPEN_DATASETS_URL_CONF, f"file://{yellow}")
    try:
        summary = create_taxi_table(spark, source="auto", start_date="2018-05-01",
                                    end_date="2018-05-07", sample_rows=0,
                                    table_name="default.nyc_taxi_opendatasets")
    finally:
        spark.conf.unset(OPEN_DATASETS_URL_CONF)
    assert summary["source"] == "open_datasets"
    # independently: pandas over every file, the dates as NycTlcYellow filters them, the
    # tutorial's own featurization
    raw = pd.concat([pd.read_parquet(yellow / "puYear=2018" / f"puMonth={m}") for m in (4, 5)])
    raw = raw[(raw.tpepPickupDateTime >= "2018-05-01") & (raw.tpepPickupDateTime <= "2018-05-07")]
    expected = tutorial_pandas(raw.rename(columns={v: k for k, v in TLC_NAMES.items()})
                               .assign(payment_type=lambda d: d.payment_type.astype(float)))
    table = spark.table(summary["table"]).toPandas()
    assert 0 < summary["rows"] == len(expected) == len(table)
    assert table.fareAmount.sum() == pytest.approx(expected.fareAmount.sum(), rel=1e-5)
    assert sorted(table.pickupTimeBin.unique()) == sorted(expected.pickupTimeBin.unique())


def test_a_month_missing_from_the_store_is_named_with_the_url(spark, yellow):
    spark.conf.set(OPEN_DATASETS_URL_CONF, f"file://{yellow}")
    try:
        with pytest.raises(DatasetError, match=r"2018-07-01\.\.2018-07-02 from file://.*yellow"):
            create_taxi_table(spark, source="open_datasets", start_date="2018-07-01",
                              end_date="2018-07-02", table_name="default.nyc_taxi_missing")
    finally:
        spark.conf.unset(OPEN_DATASETS_URL_CONF)
    assert not spark.catalog.tableExists("default.nyc_taxi_missing")


def test_the_default_url_is_the_public_store():
    assert OPEN_DATASETS_URL == "wasbs://nyctlc@azureopendatastorage.blob.core.windows.net/yellow"
    assert "open_datasets" in sources.names()
