"""The synthetic trip generator: schema, determinism, and a plausible 2018 tariff."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from synhelpers.data.schema import RAW_SCHEMA
from synhelpers.data.synthetic import (INITIAL_CHARGE, JFK_FLAT, generate_batch,
                                       generate_trips)

START, END = date(2018, 5, 1), date(2018, 5, 7)


@pytest.fixture(scope="module")
def trips() -> pd.DataFrame:
    return generate_batch(np.arange(200_000), START, END, seed=123)


def test_batch_has_the_canonical_columns(trips):
    assert list(trips.columns) == list(RAW_SCHEMA)


def test_same_seed_same_trips_other_seed_other_trips():
    ids = np.arange(1000)
    a, b = generate_batch(ids, START, END, 5), generate_batch(ids, START, END, 5)
    c = generate_batch(ids, START, END, 6)
    pd.testing.assert_frame_equal(a, b)
    assert not a["fareAmount"].equals(c["fareAmount"])


def test_a_trip_depends_on_its_id_only_not_on_the_batch():
    whole = generate_batch(np.arange(100), START, END, 9)
    part = generate_batch(np.arange(40, 60), START, END, 9)
    pd.testing.assert_frame_equal(whole.iloc[40:60].reset_index(drop=True), part)


def test_pickups_fall_in_the_date_range(trips):
    pickups = trips["tpepPickupDateTime"].dt.tz_convert(None)
    assert pickups.min() >= pd.Timestamp("2018-05-01")
    assert pickups.max() < pd.Timestamp("2018-05-08")
    hours = pickups.dt.hour.value_counts(normalize=True)
    assert hours[18] > 2.5 * hours[4]                 # evening demand beats 4 am


def test_metered_fares_follow_the_2018_tariff(trips):
    minutes = (trips.tpepDropoffDateTime - trips.tpepPickupDateTime).dt.total_seconds() / 60
    clean = trips[(trips.rateCodeId == 1) & (trips.fareAmount > 0) & (trips.tripDistance > 0)
                  & minutes.between(0.5, 120)]
    minutes = minutes[clean.index]
    fare = clean["fareAmount"]
    assert (fare >= INITIAL_CHARGE).all()
    assert np.allclose((fare * 2) % 1, 0)               # $0.50 steps
    # a metered fare never exceeds: initial charge + every mile and every minute charged
    assert (fare <= INITIAL_CHARGE + 2.5 * clean.tripDistance + 0.5 * minutes + 0.5).all()

    slope = np.polyfit(clean.tripDistance, fare, 1)[0]
    assert 2.0 < slope < 4.0                            # $/mile including slow-traffic minutes


def test_jfk_trips_are_flat_and_surcharges_follow_the_clock(trips):
    jfk = trips[(trips.rateCodeId == 2) & (trips.fareAmount > 0)]
    assert len(jfk) > 1000 and (jfk.fareAmount == JFK_FLAT).all()
    metered = trips[trips.rateCodeId == 1]
    hour = metered.tpepPickupDateTime.dt.hour
    weekday = metered.tpepPickupDateTime.dt.dayofweek < 5
    night = (hour >= 20) | (hour < 6)
    peak = weekday & hour.between(16, 19)
    expected = np.where(night, 0.5, 0.0) + np.where(peak, 1.0, 0.0)
    assert np.allclose(metered.extra, expected)


def test_tips_depend_on_payment_type(trips):
    by_type = trips.groupby("paymentType")["tipAmount"]
    assert (by_type.max()[["2", "3", "4"]] == 0).all()           # cash tips are not recorded
    card_tipped = (trips[trips.paymentType == "1"].tipAmount > 0).mean()
    assert 0.75 < card_tipped < 0.97
    share = trips.paymentType.value_counts(normalize=True)
    assert 0.6 < share["1"] < 0.8 and 0.2 < share["2"] < 0.4


def test_there_are_dirty_rows_for_the_filters(trips):
    seconds = (trips.tpepDropoffDateTime - trips.tpepPickupDateTime).dt.total_seconds()
    assert (trips.fareAmount < 0).mean() > 0.002
    assert (seconds < 30).mean() > 0.002 and (seconds > 7200).mean() > 0.001
    assert (trips.passengerCount == 0).mean() > 0.005


@pytest.mark.spark
def test_spark_generation_is_lazy_typed_and_partition_independent(spark):
    one = generate_trips(spark, 3000, START, END, seed=3, num_partitions=1)
    three = generate_trips(spark, 3000, START, END, seed=3, num_partitions=3)
    assert {f.name: f.dataType.simpleString() for f in one.schema.fields} == {
        k: ("int" if v == "int" else v) for k, v in RAW_SCHEMA.items()}
    a = one.toPandas().sort_values(["tpepPickupDateTime", "fareAmount"]).reset_index(drop=True)
    b = three.toPandas().sort_values(["tpepPickupDateTime", "fareAmount"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.spark
def test_sampling_picks_trips_of_the_full_generation(spark):
    full = generate_trips(spark, 5000, START, END, seed=11).toPandas()
    sample = generate_trips(spark, 5000, START, END, seed=11, sample_rows=300).toPandas()
    assert len(sample) == 300
    keys = ["tpepPickupDateTime", "tpepDropoffDateTime", "fareAmount", "tipAmount"]
    merged = sample.merge(full, on=keys, how="left", indicator=True)
    assert (merged["_merge"] == "both").all()


@pytest.mark.spark
def test_both_tutorial_tasks_are_learnable_but_not_trivial(spark):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import r2_score, roc_auc_score
    from synhelpers.data import create_taxi_table
    summary = create_taxi_table(spark, rows=40_000, sample_rows=0, table_name="default.synth_q")
    t = spark.table(summary["table"]).toPandas()
    t["pickupTimeBin"] = t["pickupTimeBin"].astype("category").cat.codes
    train, test = t.iloc[: len(t) * 3 // 4], t.iloc[len(t) * 3 // 4:]
    features = [c for c in t.columns if c not in ("fareAmount", "tipped")]
    reg = HistGradientBoostingRegressor(random_state=0).fit(train[features], train.fareAmount)
    r2 = r2_score(test.fareAmount, reg.predict(test[features]))
    clf = HistGradientBoostingClassifier(random_state=0).fit(
        train[features + ["fareAmount"]], train.tipped)
    auc = roc_auc_score(test.tipped, clf.predict_proba(test[features + ["fareAmount"]])[:, 1])
    assert 0.80 < r2 < 0.995, r2
    assert 0.85 < auc < 0.995, auc
