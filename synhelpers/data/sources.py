"""Sources of raw NYC taxi trips, each returning a Spark DataFrame in the canonical raw schema.

- ``open_datasets``: Azure Open Datasets ``NycTlcYellow`` (Synapse; needs azureml-opendatasets).
- ``file``: a CSV or Parquet file or folder, in the TLC's or Open Datasets' column names.
- ``synthetic``: the seeded generator of :mod:`.synthetic` (the offline default).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from typing import Callable

from ..exceptions import ConfigError, DatasetError
from .schema import RAW_SCHEMA, canonical_name, describe_missing, missing_required


@dataclass(frozen=True)
class SourceRequest:
    """What to read: validated parameters of the table notebook."""
    source: str
    path: str | None
    rows: int
    start_date: date
    end_date: date
    seed: int
    sample_rows: int = 0


class SourceRegistry:
    """name -> reader(spark, request) -> DataFrame; unknown names raise a ConfigError."""

    def __init__(self):
        self._readers: dict[str, Callable] = {}
        self._self_sampling: set[str] = set()

    def register(self, name: str, reader: Callable, samples: bool = False) -> None:
        """Add a reader; ``samples=True`` when it applies ``request.sample_rows`` itself."""
        self._readers[name] = reader
        if samples:
            self._self_sampling.add(name)

    def samples(self, name: str) -> bool:
        return name in self._self_sampling

    def names(self) -> list[str]:
        return sorted(self._readers)

    def get(self, name: str) -> Callable:
        try:
            return self._readers[name]
        except KeyError:
            raise ConfigError(f"Unknown source {name!r}: parameter `source` must be one of "
                              f"{', '.join(self.names())}.") from None


def to_canonical(df, origin: str):
    """Rename a raw DataFrame's columns to canonical names and cast them (bad values -> null).

    Raises:
        DatasetError: a required column is missing (each one named).
    """
    from pyspark.sql import functions as F
    missing = missing_required(df.columns)
    if missing:
        raise DatasetError(f"{origin} lacks required column(s): {describe_missing(missing)}. "
                           f"It has: {', '.join(df.columns)}.")
    selected = []
    seen = set()
    for column in df.columns:
        name = canonical_name(column)
        if name is None or name in seen:
            continue
        seen.add(name)
        if RAW_SCHEMA[name] == "timestamp" and dict(df.dtypes)[column] == "bigint":
            # Parquet TIMESTAMP(NANOS) read as nanoseconds (spark.sql.legacy.parquet.nanosAsLong)
            selected.append(F.expr(f"timestamp_micros(`{column}` div 1000)").alias(name))
            continue
        # try_cast (Spark >= 3.2): dirty values become null instead of failing under ANSI mode
        selected.append(F.expr(f"try_cast(`{column}` AS {RAW_SCHEMA[name]})").alias(name))
    return df.select(*selected)


def _read_open_datasets(spark, request: SourceRequest):
    try:
        from azureml.opendatasets import NycTlcYellow
    except ImportError:
        raise DatasetError(
            "source='open_datasets' needs the azureml-opendatasets package and network access to "
            "Azure Open Datasets (as in a Synapse pool). Locally use source='synthetic', or "
            "source='file' with path=<CSV or Parquet of TLC trips>.") from None
    from datetime import datetime, time
    start = datetime.combine(request.start_date, time.min)
    end = datetime.combine(request.end_date, time.min)
    try:
        df = NycTlcYellow(start_date=start, end_date=end).to_spark_dataframe()
    except Exception as exc:
        raise DatasetError(f"Reading NycTlcYellow {request.start_date}..{request.end_date} failed: "
                           f"{exc}") from exc
    return to_canonical(df, f"NycTlcYellow {request.start_date}..{request.end_date}")


def _is_remote(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def _read_file(spark, request: SourceRequest):
    path = (request.path or "").strip()
    if not path:
        raise ConfigError("source='file' needs parameter `path`: a CSV or Parquet file or folder "
                          "of raw trips.")
    local = path[len("file://"):] if path.startswith("file://") else path
    if not _is_remote(path) and not os.path.exists(local):
        raise DatasetError(f"path={path!r} does not exist: parameter `path` must name a CSV or "
                           "Parquet file or folder of raw trips.")
    lowered = path.lower().rstrip("/")
    is_csv = lowered.endswith((".csv", ".csv.gz", ".txt"))
    if not is_csv and os.path.isdir(local):
        is_csv = any(n.lower().endswith((".csv", ".csv.gz")) for n in os.listdir(local))
    try:
        if is_csv:
            df = spark.read.option("header", True).option("inferSchema", False).csv(path)
        else:
            df = _read_parquet(spark, path)
    except Exception as exc:
        raise DatasetError(f"Cannot read path={path!r} as {'CSV' if is_csv else 'Parquet'}: "
                           f"{exc}") from exc
    return to_canonical(df, f"File {path!r}")


def _read_parquet(spark, path: str):
    try:
        return spark.read.parquet(path)
    except Exception as exc:
        if "TIMESTAMP(NANOS" not in str(exc):
            raise
    # pandas writes nanosecond timestamps by default; Spark reads them as longs with this flag
    spark.conf.set("spark.sql.legacy.parquet.nanosAsLong", "true")
    return spark.read.parquet(path)


def _read_synthetic(spark, request: SourceRequest):
    from .synthetic import generate_trips
    return generate_trips(spark, rows=request.rows, start_date=request.start_date,
                          end_date=request.end_date, seed=request.seed,
                          sample_rows=request.sample_rows)


sources = SourceRegistry()
sources.register("open_datasets", _read_open_datasets)
sources.register("file", _read_file)
sources.register("synthetic", _read_synthetic, samples=True)
