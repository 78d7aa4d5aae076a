"""The tutorial's NYC taxi table: raw trips -> 7 columns -> Spark table ``default.NYC_Taxi``.

Exactly the logic of the "Create Spark Table with NYC Taxi Data" notebook, on Spark instead of
pandas so that it scales: sample 10,000 raw trips (when more are available), derive ``tipped``,
``tripTimeSecs`` and ``pickupTimeBin``, cast to the tutorial's dtypes, apply its filters, save.
"""
from __future__ import annotations

from datetime import date, datetime

from ..exceptions import ConfigError
from ..params import as_int
from .schema import (NIGHT_BIN, PASSENGER_RANGE_EXCLUSIVE, TABLE_FILTERS, TABLE_SCHEMA,
                     TIME_BINS)
from .sources import SourceRequest, sources
from .tables import parse_table_name, save_table_atomically

DEFAULTS = dict(source="auto", path="", rows=100_000, start_date="2018-05-01",
                end_date="2018-05-07", table_name="default.NYC_Taxi", sample_rows=10_000, seed=123)


def _parse_date(value, parameter: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ConfigError(f"{parameter}={value!r} is not a date: use YYYY-MM-DD.") from None


def validate_request(source="auto", path="", rows=100_000, start_date="2018-05-01",
                     end_date="2018-05-07", seed=123, sample_rows=10_000) -> SourceRequest:
    """Check the notebook parameters before anything is read or written (pure).

    Raises:
        ConfigError: unknown ``source`` (``auto`` becomes ``open_datasets`` in Synapse,
            ``synthetic`` elsewhere); ``rows`` <= 0; a bad date; ``start_date`` after
            ``end_date``; ``source='file'`` without ``path``; ``sample_rows`` < 0.
    """
    source = sources.resolve(source)
    rows_ = as_int(rows, "rows", minimum=1)
    start, end = _parse_date(start_date, "start_date"), _parse_date(end_date, "end_date")
    if start > end:
        raise ConfigError(f"start_date={start.isoformat()} is after end_date={end.isoformat()}: "
                          "swap them or widen the range.")
    if source == "file" and not str(path or "").strip():
        raise ConfigError("source='file' needs parameter `path`: a CSV or Parquet file or folder "
                          "of raw trips.")
    sample = as_int(sample_rows if sample_rows is not None else 0, "sample_rows", minimum=0)
    return SourceRequest(source=source, path=str(path or "") or None, rows=rows_,
                         start_date=start, end_date=end, seed=as_int(seed, "seed", minimum=0),
                         sample_rows=sample)


def sample_trips(raw, n: int, seed: int):
    """``n`` trips chosen uniformly without replacement, reproducibly for ``seed``.

    The pandas tutorial calls ``sample(n=10000, random_state=123)``; on Spark, ranking rows by a
    seeded hash of their content and keeping the first ``n`` gives the same kind of sample without
    depending on partitioning or collecting the table. All rows are kept when there are fewer.
    """
    from pyspark.sql import functions as F
    key = F.xxhash64(F.lit(seed), *[F.col(c) for c in raw.columns])
    return raw.withColumn("__key", key).orderBy("__key").limit(n).drop("__key")


def to_taxi_table(raw):
    """Featurize and filter raw canonical trips into the tutorial's 7 columns (lazy)."""
    from pyspark.sql import functions as F
    hour = F.hour("tpepPickupDateTime")
    time_bin = None
    for name, low, high in TIME_BINS:
        cond = hour.between(low, high)
        time_bin = F.when(cond, F.lit(name)) if time_bin is None else time_bin.when(cond, F.lit(name))
    seconds = (F.col("tpepDropoffDateTime").cast("double")
               - F.col("tpepPickupDateTime").cast("double"))
    table = raw.select(
        # pandas: (tipAmount > 0).astype('int') -- a missing tip compares False, i.e. 0
        F.coalesce(F.col("tipAmount") > 0, F.lit(False)).cast("bigint").alias("tipped"),
        F.col("fareAmount").cast("float").alias("fareAmount"),
        F.expr("try_cast(try_cast(paymentType AS double) AS bigint)").alias("paymentType"),
        F.col("passengerCount").cast("bigint").alias("passengerCount"),
        F.col("tripDistance").cast("float").alias("tripDistance"),
        seconds.cast("bigint").alias("tripTimeSecs"),
        time_bin.otherwise(F.lit(NIGHT_BIN)).alias("pickupTimeBin"),
    )
    condition = None
    for column, (low, high) in TABLE_FILTERS.items():
        cond = F.col(column).between(low, high)
        condition = cond if condition is None else condition & cond
    low, high = PASSENGER_RANGE_EXCLUSIVE
    condition &= (F.col("passengerCount") > low) & (F.col("passengerCount") < high)
    condition &= F.col("pickupTimeBin").isNotNull()
    return table.where(condition).select(
        *[F.col(c).cast(t).alias(c) for c, t in TABLE_SCHEMA.items()])


def create_taxi_table(spark, source="auto", path="", rows=100_000, start_date="2018-05-01",
                      end_date="2018-05-07", table_name="default.NYC_Taxi", sample_rows=10_000,
                      seed=123) -> dict:
    """Build the tutorial table from ``source`` and save it atomically as ``table_name``.

    Returns a JSON-ready summary: ``table``, ``rows``, ``columns`` (name -> Spark type),
    ``source``.

    Raises:
        ConfigError: a bad parameter (see :func:`validate_request`), ``sample_rows`` < 0, a bad
            ``table_name``.
        DatasetError: the source cannot be read or lacks required columns; the write failed.
            Nothing is written then: the previous table stays as it was.
    """
    request = validate_request(source, path, rows, start_date, end_date, seed, sample_rows)
    parse_table_name(table_name)
    raw = sources.get(request.source)(spark, request)
    if request.sample_rows and not sources.samples(request.source):
        raw = sample_trips(raw, request.sample_rows, request.seed)
    table = to_taxi_table(raw)
    saved = save_table_atomically(spark, table, table_name)
    columns = {f.name: f.dataType.simpleString() for f in spark.table(saved["table"]).schema.fields}
    return {"table": saved["table"], "rows": saved["rows"], "columns": columns,
            "source": request.source}
