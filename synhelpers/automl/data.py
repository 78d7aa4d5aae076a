"""The training data: checks on the Spark table and a bounded sample for the search.

Everything that looks at the whole table runs on Spark (counts, target statistics, sampling);
only a sample of at most ``max_training_rows`` rows reaches the driver as pandas (stratified by
class for classification), and the run reports its size.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..exceptions import AutoMLError, ConfigError
from .config import WizardConfig
from .metrics import CLASSIFICATION, FORECASTING, REGRESSION

MAX_CLASSES = 100
_NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal", "boolean")


@dataclass
class TrainingData:
    frame: "object"            # pandas.DataFrame: feature columns + target
    target: str
    features: list[str]
    spark_types: dict[str, str]
    total_rows: int
    sampled: bool
    classes: list | None = None

    @property
    def rows(self) -> int:
        return len(self.frame)


def _resolve(columns: list[str], name: str, parameter: str, table: str) -> str:
    for column in columns:
        if column.lower() == name.lower():
            return column
    raise ConfigError(f"{parameter}={name!r} is not a column of table {table!r}; its columns are: "
                      f"{', '.join(columns)}.")


def _is_numeric(spark_type: str) -> bool:
    return spark_type.startswith(_NUMERIC)


def training_frame(spark, table_name: str, dataframe=None):
    """The DataFrame to train on: ``dataframe`` when given, else the Spark table ``table_name``.

    Raises:
        ConfigError: no such table (names the parameter and what to do).
    """
    if dataframe is not None:
        return dataframe
    if not spark.catalog.tableExists(table_name):
        raise ConfigError(f"table_name={table_name!r}: no such Spark table. Create it first "
                          "(notebook 01_create_nyc_taxi_table) or check the database name.")
    return spark.table(table_name)


def load_training_data(spark, config: WizardConfig, dataframe=None) -> TrainingData:
    """Check the table and target, then bring a bounded sample to the driver.

    ``dataframe`` (a Spark DataFrame) replaces the table when given; ``table_name`` then only
    names it in messages and MLflow.

    Raises:
        ConfigError: the table or a named column does not exist.
        AutoMLError: empty table; only the target column; target all null or constant; a
            continuous target (over 100 distinct values) for classification; a string target for
            regression or forecasting.
    """
    from pyspark.sql import functions as F
    df = training_frame(spark, config.table_name, dataframe)
    types = dict(df.dtypes)
    target = _resolve(df.columns, config.target_column, "target_column", config.table_name)
    features = [c for c in df.columns if c != target]
    if config.task == FORECASTING:
        time_column = _resolve(df.columns, config.time_column, "time_column", config.table_name)
        features = [time_column] + [c for c in features if c != time_column]
    if not features:
        raise AutoMLError(f"Table {config.table_name!r} holds only the target column {target!r}: "
                          "there is nothing to learn from. Add feature columns.")
    numeric_target = _is_numeric(types[target])
    stats = df.agg(F.count(F.lit(1)).alias("rows"), F.count(F.col(target)).alias("non_null"),
                   F.min(target).alias("lo"), F.max(target).alias("hi")).first()
    if stats["rows"] == 0:
        raise AutoMLError(f"Table {config.table_name!r} is empty: nothing to train on.")
    if stats["non_null"] == 0:
        raise AutoMLError(f"target_column {target!r} is null in every row of {config.table_name!r}.")
    target_type = types[target]
    if config.task in (REGRESSION, FORECASTING) and not _is_numeric(target_type):
        raise AutoMLError(f"task={config.task!r} needs a numeric target, but {target!r} is "
                          f"{target_type}: use task='classification' for categories.")
    classes = None
    if config.task == CLASSIFICATION:
        counts = (df.where(F.col(target).isNotNull()).groupBy(target).count()
                  .limit(MAX_CLASSES + 1).collect())
        if len(counts) > MAX_CLASSES:
            raise AutoMLError(f"task='classification' but target {target!r} has more than "
                              f"{MAX_CLASSES} distinct values: it looks continuous. Use "
                              "task='regression', or bin the target into classes.")
        classes = sorted(row[target] for row in counts)
        if len(classes) < 2:
            raise AutoMLError(f"target_column {target!r} is constant ({classes[0]!r}): a model "
                              "cannot learn from a single class.")
    elif numeric_target and stats["lo"] == stats["hi"]:
        raise AutoMLError(f"target_column {target!r} is constant ({stats['lo']!r}) in "
                          f"{config.table_name!r}: there is nothing to predict.")

    labelled = df.where(F.col(target).isNotNull())
    total = int(stats["non_null"])
    sampled = total > config.max_training_rows
    if sampled and config.task == FORECASTING:
        # the most recent rows keep the series contiguous
        labelled = labelled.orderBy(F.col(features[0]).desc())
    elif sampled:
        fraction = min(1.0, config.max_training_rows / total * 1.05)
        if config.task == CLASSIFICATION:
            labelled = labelled.sampleBy(target, {c: fraction for c in classes}, seed=config.seed)
        else:
            labelled = labelled.sample(False, fraction, seed=config.seed)
    frame = labelled.limit(config.max_training_rows).toPandas()   # bounded by max_training_rows
    return TrainingData(frame=frame, target=target, features=features,
                        spark_types={c: types[c] for c in features}, total_rows=total,
                        sampled=sampled, classes=classes)
