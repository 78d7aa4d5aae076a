"""A seeded generator of raw yellow-cab trips in the canonical schema, on Spark, at any size.

Every value is a function of ``(seed, trip id)`` (a splitmix64 hash), so the data does not depend
on partitioning, and rows are made on the executors by :func:`generate_batch` inside
``mapInPandas`` over ``spark.range``: 10M rows never touch the driver. Fares follow the 2018 NYC
yellow-cab tariff:

- metered (rate code 1): $2.50 initial charge, $0.50 per 1/5 mile above 12 mph and $0.50 per minute
  in slow traffic or stopped, in $0.50 steps;
- JFK <-> Manhattan (rate code 2): $52 flat, plus a $4.50 weekday 4-8 pm surcharge;
- Newark (rate code 3): metered plus the $17.50 Newark surcharge; negotiated fares (rate code 5);
- extra: $0.50 night surcharge (8 pm - 6 am) and $1 weekday peak surcharge (4-8 pm);
- MTA tax $0.50, improvement surcharge $0.30, tolls mostly on airport trips.

Distances are log-normal (median 1.7 mi), speeds depend on the hour (rush hours are slow), pickups
follow NYC's hourly demand. Tips depend on the payment type: card riders mostly tip 15-30 %
(less often at night, on very short trips and in groups), cash tips are not recorded (0),
no-charge and disputed trips have none. About 2 % of trips are dirty as in the TLC data (refunds
with negative fares, zero distances, durations under 30 s or over 2 h, zero passengers), for the
tutorial's filters to remove.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import numpy as np

# relative yellow-cab pickups per hour of day (NYC TLC pattern)
HOURLY_DEMAND = np.array([3.0, 2.2, 1.6, 1.1, 0.9, 1.0, 2.1, 3.6, 4.4, 4.5, 4.4, 4.5,
                          4.8, 4.8, 5.1, 5.1, 4.8, 5.4, 6.4, 6.6, 6.0, 5.8, 5.6, 4.4])
# mean speed (mph) per hour of day: slow in rush hours, fast at night
HOURLY_SPEED = np.array([14.5, 15.5, 16, 16, 16, 15.5, 13, 9.5, 8, 8, 8.5, 8.5,
                         8.5, 8.5, 8.5, 8, 7.5, 7.5, 8, 9.5, 10.5, 11.5, 12.5, 13])
PASSENGERS = ((0, 0.015), (1, 0.70), (2, 0.14), (3, 0.04), (4, 0.02), (5, 0.05), (6, 0.0345),
              (9, 0.0005))
RATE_CODES = ((1, 0.965), (2, 0.022), (3, 0.004), (5, 0.009))
TIP_SHARES = ((0.20, 0.38), (0.25, 0.2), (0.30, 0.1), (0.15, 0.12), (-1.0, 0.2))  # -1: free amount

INITIAL_CHARGE, PER_MILE, PER_SLOW_MINUTE = 2.50, 2.50, 0.50
JFK_FLAT, JFK_PEAK, NEWARK_SURCHARGE = 52.0, 4.50, 17.50
NIGHT_SURCHARGE, PEAK_SURCHARGE, MTA_TAX, IMPROVEMENT, TOLL = 0.50, 1.00, 0.50, 0.30, 5.76

SPARK_SCHEMA = ("vendorID string, tpepPickupDateTime timestamp, tpepDropoffDateTime timestamp, "
                "passengerCount int, tripDistance double, puLocationId string, doLocationId string, "
                "rateCodeId int, storeAndFwdFlag string, paymentType string, fareAmount double, "
                "extra double, mtaTax double, improvementSurcharge double, tipAmount double, "
                "tollsAmount double, totalAmount double")

_M1, _M2, _GOLDEN = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB), np.uint64(
    0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer on uint64 arrays (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


class _Draws:
    """Independent uniform / normal draws per (seed, id, salt)."""

    def __init__(self, ids: np.ndarray, seed: int):
        self.base = _mix(_mix(ids.astype(np.uint64)) ^ _mix(np.full(1, seed, dtype=np.uint64)))

    def u(self, salt: int) -> np.ndarray:
        with np.errstate(over="ignore"):
            z = _mix(self.base + np.uint64(salt) * _GOLDEN)
        return ((z >> np.uint64(11)).astype(np.float64) + 0.5) / 2.0 ** 53

    def z(self, salt: int) -> np.ndarray:
        return np.sqrt(-2.0 * np.log(self.u(salt))) * np.cos(2 * np.pi * self.u(salt + 1000))

    def pick(self, salt: int, choices) -> np.ndarray:
        values = np.array([v for v, _ in choices])
        weights = np.array([w for _, w in choices], dtype=float)
        edges = np.cumsum(weights / weights.sum())
        return values[np.minimum(np.searchsorted(edges, self.u(salt), side="right"), len(values) - 1)]


def _epoch(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp())


def generate_batch(ids: np.ndarray, start_date: date, end_date: date, seed: int):
    """The raw trips with these ids, as a pandas DataFrame in the canonical schema (pure)."""
    import pandas as pd
    r = _Draws(np.asarray(ids), seed)
    n = len(ids)
    days = (end_date - start_date).days + 1
    hour = r.pick(1, list(enumerate(HOURLY_DEMAND)))
    day = np.floor(r.u(2) * days).astype(np.int64)
    pickup_s = _epoch(start_date) + day * 86400 + hour * 3600 + np.floor(r.u(3) * 3600).astype(np.int64)
    weekday = ((pickup_s // 86400 + 3) % 7) < 5          # 1970-01-01 was a Thursday
    peak = weekday & (hour >= 16) & (hour <= 19)
    night = (hour >= 20) | (hour < 6)
    rate = r.pick(4, RATE_CODES)

    distance = np.where(rate == 2, 17.5 + 2.0 * r.z(6), np.where(
        rate == 3, 16.5 + 3.0 * r.z(6), np.clip(np.exp(np.log(1.7) + 0.85 * r.z(5)), 0.1, 40.0)))
    distance = np.round(np.maximum(distance, 0.1), 2)
    speed = HOURLY_SPEED[hour] * (1 + 0.12 * np.log1p(distance)) * np.exp(0.28 * r.z(7))
    idle_s = -np.log(r.u(8)) * 45
    travel_s = distance / speed * 3600
    duration_s = travel_s + idle_s
    slow_frac = np.clip(1.1 - speed / 16, 0.03, 0.9)       # share of driving below 12 mph
    slow_min = (travel_s * slow_frac + idle_s) / 60
    fast_miles = np.maximum(distance - slow_min * 0.07, 0.0)
    metered = np.ceil((INITIAL_CHARGE + PER_MILE * fast_miles + PER_SLOW_MINUTE * slow_min) * 2) / 2
    fare = np.select([rate == 2, rate == 3, rate == 5],
                     [np.full(n, JFK_FLAT), metered + NEWARK_SURCHARGE, np.round(20 + 60 * r.u(9))],
                     metered)
    extra = np.where(rate == 2, np.where(peak, JFK_PEAK, 0.0),
                     np.where(night, NIGHT_SURCHARGE, 0.0) + np.where(peak, PEAK_SURCHARGE, 0.0))
    tolls = np.where(((rate == 2) | (rate == 3)) & (r.u(10) < 0.6), TOLL,
                     np.where(r.u(10) < 0.03, TOLL, 0.0))
    passengers = r.pick(11, PASSENGERS)

    p_card = np.minimum(0.62 + 0.004 * fare, 0.9)
    payment = np.where(r.u(12) < 0.006, "3", np.where(r.u(12) < 0.009, "4",
                       np.where(r.u(13) < p_card, "1", "2")))
    tip_logit = (2.6 - 0.7 * night - 0.9 * (distance < 0.6) - 0.25 * (passengers >= 3)
                 + 0.02 * fare + 0.6 * r.z(14))
    tipping = (payment == "1") & (r.u(15) < 1.0 / (1 + np.exp(-tip_logit)))
    share = r.pick(16, TIP_SHARES)
    share = np.where(share < 0, np.clip(0.18 + 0.06 * r.z(17), 0.05, 0.5), share)
    tip = np.where(tipping, np.round(share * (fare + extra + MTA_TAX + IMPROVEMENT), 2), 0.0)

    dirt = r.u(18)                       # dirty rows, as in the TLC data
    fare = np.where(dirt < 0.004, -fare, fare)
    distance = np.where((dirt >= 0.004) & (dirt < 0.009), 0.0, distance)
    duration_s = np.where((dirt >= 0.009) & (dirt < 0.014), 5 + 20 * r.u(19),
                          np.where((dirt >= 0.014) & (dirt < 0.017), 7300 + 80000 * r.u(19), duration_s))
    pu = np.where(rate == 2, 132, np.floor(r.u(20) * 263).astype(np.int64) + 1)
    do = np.where(rate == 3, 1, np.floor(r.u(21) * 263).astype(np.int64) + 1)
    dropoff_s = pickup_s + np.round(duration_s).astype(np.int64)
    return pd.DataFrame({
        "vendorID": np.where(r.u(22) < 0.35, "1", "2"),
        "tpepPickupDateTime": pd.to_datetime(pickup_s, unit="s", utc=True),
        "tpepDropoffDateTime": pd.to_datetime(dropoff_s, unit="s", utc=True),
        "passengerCount": passengers.astype(np.int32),
        "tripDistance": distance.astype(np.float64),
        "puLocationId": pu.astype(str),
        "doLocationId": do.astype(str),
        "rateCodeId": rate.astype(np.int32),
        "storeAndFwdFlag": np.where(r.u(23) < 0.01, "Y", "N"),
        "paymentType": payment,
        "fareAmount": fare.astype(np.float64),
        "extra": extra,
        "mtaTax": np.full(n, MTA_TAX),
        "improvementSurcharge": np.full(n, IMPROVEMENT),
        "tipAmount": tip,
        "tollsAmount": tolls,
        "totalAmount": np.round(fare + extra + MTA_TAX + IMPROVEMENT + tip + tolls, 2),
    })


def generate_trips(spark, rows: int, start_date: date, end_date: date, seed: int = 123,
                   sample_rows: int = 0, num_partitions: int | None = None):
    """``rows`` raw trips with pickups from ``start_date`` to ``end_date`` (inclusive), lazily.

    With ``sample_rows`` > 0, only a uniform sample of that many of those same trips (chosen by a
    seeded hash of the trip id before any trip is generated, so sampling costs a pass over ids).
    Returns a Spark DataFrame in the canonical raw schema.
    """
    from pyspark.sql import functions as F
    parts = num_partitions or max(1, min(400, rows // 250_000 + spark.sparkContext.defaultParallelism))
    ids = spark.range(0, rows, numPartitions=parts)
    if sample_rows and sample_rows < rows:
        ids = (ids.withColumn("__key", F.xxhash64(F.lit(seed), F.lit("sample"), F.col("id")))
                  .orderBy("__key").limit(sample_rows).drop("__key"))

    def _batches(frames):
        for frame in frames:
            yield generate_batch(frame["id"].to_numpy(), start_date, end_date, seed)

    return ids.mapInPandas(_batches, schema=SPARK_SCHEMA)
