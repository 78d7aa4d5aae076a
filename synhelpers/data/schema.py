"""The canonical raw trip schema, the tutorial table's schema, and the TLC name mapping (pure).

Canonical raw names are those of Azure Open Datasets' ``NycTlcYellow`` (what the tutorial reads);
files in the TLC's own schema (``tpep_pickup_datetime``, ``fare_amount``, ...) are mapped to them.
"""
from __future__ import annotations

# canonical name -> Spark SQL type used after mapping
RAW_SCHEMA: dict[str, str] = {
    "vendorID": "string",
    "tpepPickupDateTime": "timestamp",
    "tpepDropoffDateTime": "timestamp",
    "passengerCount": "int",
    "tripDistance": "double",
    "puLocationId": "string",
    "doLocationId": "string",
    "rateCodeId": "int",
    "storeAndFwdFlag": "string",
    "paymentType": "string",
    "fareAmount": "double",
    "extra": "double",
    "mtaTax": "double",
    "improvementSurcharge": "double",
    "tipAmount": "double",
    "tollsAmount": "double",
    "totalAmount": "double",
}

# the columns the tutorial table is built from
REQUIRED_RAW_COLUMNS = ("tpepPickupDateTime", "tpepDropoffDateTime", "passengerCount",
                        "tripDistance", "paymentType", "fareAmount", "tipAmount")

# TLC trip-record names (lower-cased) -> canonical names
TLC_NAMES: dict[str, str] = {
    "vendorid": "vendorID",
    "tpep_pickup_datetime": "tpepPickupDateTime",
    "tpep_dropoff_datetime": "tpepDropoffDateTime",
    "passenger_count": "passengerCount",
    "trip_distance": "tripDistance",
    "pulocationid": "puLocationId",
    "dolocationid": "doLocationId",
    "ratecodeid": "rateCodeId",
    "store_and_fwd_flag": "storeAndFwdFlag",
    "payment_type": "paymentType",
    "fare_amount": "fareAmount",
    "extra": "extra",
    "mta_tax": "mtaTax",
    "improvement_surcharge": "improvementSurcharge",
    "tip_amount": "tipAmount",
    "tolls_amount": "tollsAmount",
    "total_amount": "totalAmount",
}
_TLC_BY_CANONICAL = {v: k for k, v in TLC_NAMES.items()}

# the tutorial table: name -> Spark type (pandas int64 -> bigint, float32 -> float)
TABLE_SCHEMA: dict[str, str] = {
    "tipped": "bigint",
    "fareAmount": "float",
    "paymentType": "bigint",
    "passengerCount": "bigint",
    "tripDistance": "float",
    "tripTimeSecs": "bigint",
    "pickupTimeBin": "string",
}

# pickup hour -> bin, as in the tutorial's get_pickup_time(); other hours are 'Night'
TIME_BINS = (("AMRush", 7, 10), ("Afternoon", 11, 15), ("PMRush", 16, 19))
NIGHT_BIN = "Night"

# the tutorial's filters, all inclusive: column -> (low, high)
TABLE_FILTERS = {
    "tipped": (0, 1),
    "fareAmount": (1, 250),
    "paymentType": (1, 2),
    "tripDistance": (0, 100),
    "tripTimeSecs": (30, 7200),
}
# 0 < passengerCount < 8 (exclusive)
PASSENGER_RANGE_EXCLUSIVE = (0, 8)


def time_bin(hour: int) -> str:
    """The tutorial's pickup time bin for an hour of the day (pure reference)."""
    for name, low, high in TIME_BINS:
        if low <= hour <= high:
            return name
    return NIGHT_BIN


def canonical_name(column: str) -> str | None:
    """Map a source column name (Open Datasets or TLC spelling, any case) to its canonical name."""
    lowered = column.lower()
    for canonical in RAW_SCHEMA:
        if canonical.lower() == lowered:
            return canonical
    return TLC_NAMES.get(lowered)


def missing_required(columns) -> list[str]:
    """The required canonical columns that ``columns`` lacks, in schema order."""
    present = {canonical_name(c) for c in columns}
    return [c for c in REQUIRED_RAW_COLUMNS if c not in present]


def describe_missing(missing: list[str]) -> str:
    """'fareAmount (or fare_amount), ...' for error messages."""
    return ", ".join(f"{c} (or {_TLC_BY_CANONICAL[c]})" for c in missing)
