"""Sources of raw NYC taxi trips, each returning a Spark DataFrame in the canonical raw schema.

- ``open_datasets``: Azure Open Datasets' NYC yellow taxi trips, the tutorial's data: read by Spark
  straight from the public Parquet (``puYear=YYYY/puMonth=M`` folders; Synapse 3.5 pools do not
  ship ``azureml-opendatasets``, whose ``NycTlcYellow`` is used where it is installed).
- ``file``: a CSV or Parquet file or folder, in the TLC's or Open Datasets' column names.
- ``synthetic``: the seeded generator of :mod:`.synthetic` (the offline default).
- ``auto``: ``open_datasets`` in Synapse, ``synthetic`` elsewhere (the notebooks' default).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from typing import Callable

from .._compat import error_cause
from ..exceptions import ConfigError, DatasetError
from .schema import RAW_SCHEMA, canonical_name, describe_missing, missing_required


AUTO = "auto"


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

    def resolve(self, name: str) -> str:
        """``auto`` -> ``open_datasets`` in Synapse, ``synthetic`` elsewhere; other names as given."""
        if str(name).strip().lower() == AUTO:
            from ..runtime import is_synapse
            return "open_datasets" if is_synapse() else "synthetic"
        self.get(name)
        return name

    def get(self, name: str) -> Callable:
        try:
            return self._readers[name]
        except KeyError:
            raise ConfigError(f"Unknown source {name!r}: parameter `source` must be one of "
                              f"{', '.join([AUTO, *self.names()])}.") from None


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


# Azure Open Datasets' NYC yellow taxi trips: public Parquet, one folder per pickup month
OPEN_DATASETS_URL = "wasbs://nyctlc@azureopendatastorage.blob.core.windows.net/yellow"
OPEN_DATASETS_URL_CONF = "spark.synhelpers.openDatasets.nycTlcYellowUrl"
OPEN_DATASETS_URL_ENV = "SYNHELPERS_OPEN_DATASETS_URL"
_ANONYMOUS_SAS_CONF = "fs.azure.sas.nyctlc.azureopendatastorage.blob.core.windows.net"


def open_datasets_url(spark) -> str:
    """Where the trips are read from: the public storage, or (tests, mirrors) the Spark conf
    ``spark.synhelpers.openDatasets.nycTlcYellowUrl`` or ``SYNHELPERS_OPEN_DATASETS_URL``."""
    url = spark.conf.get(OPEN_DATASETS_URL_CONF, None) or os.environ.get(OPEN_DATASETS_URL_ENV)
    return (url or OPEN_DATASETS_URL).rstrip("/")


def month_folders(root: str, start: date, end: date) -> list[str]:
    """The ``puYear=YYYY/puMonth=M`` folders holding pickups from ``start`` to ``end`` (pure)."""
    folders, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        folders.append(f"{root}/puYear={year}/puMonth={month}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return folders


def _read_open_datasets(spark, request: SourceRequest):
    from datetime import datetime, time
    start = datetime.combine(request.start_date, time.min)
    end = datetime.combine(request.end_date, time.min)
    what = f"Open Datasets NYC yellow taxi {request.start_date}..{request.end_date}"
    try:
        from azureml.opendatasets import NycTlcYellow
    except ImportError:
        NycTlcYellow = None
    if NycTlcYellow is not None:
        try:
            df = NycTlcYellow(start_date=start, end_date=end).to_spark_dataframe()
        except Exception as exc:
            raise DatasetError(f"Reading {what} with azureml-opendatasets failed: {exc}") from exc
        return to_canonical(df, what)
    root = open_datasets_url(spark)
    if root == OPEN_DATASETS_URL:
        spark.conf.set(_ANONYMOUS_SAS_CONF, "")       # public container: anonymous access
    folders = month_folders(root, request.start_date, request.end_date)
    try:
        df = spark.read.option("basePath", root).parquet(*folders)
    except Exception as exc:
        raise DatasetError(
            f"Reading {what} from {root} failed ({error_cause(exc)}). In Synapse the pool reads "
            "the public Parquet; elsewhere use source='synthetic', or source='file' with "
            "path=<CSV or Parquet of TLC trips>.") from exc
    from pyspark.sql import functions as F
    df = to_canonical(df, what)     # as NycTlcYellow(start_date, end_date) filters:
    return df.where(F.col("tpepPickupDateTime").between(F.lit(start), F.lit(end)))


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
