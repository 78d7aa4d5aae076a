"""A Spark SQL function that scores: ``SELECT *, predict_<model>(struct(*)) AS score FROM t``.

Convention: the function takes ONE struct argument whose fields are named after the model's
inputs (as PREDICT's DATA columns are): ``struct(*)`` when the table's columns carry those names
(extra fields such as the label are ignored), or ``named_struct('tripDistance', d, ...)`` /
``struct(d AS tripDistance, ...)`` to map other names. It returns the model's primary output:
``variable_out1`` (FLOAT) for regression, ``output_label`` (BIGINT or STRING) for classification;
for a keyed (many-models) model, the output of the row's group model (the struct must then hold
the group column too; rows of a group without a model get NULL).

It is a pandas UDF (Spark 3.0+) registered on the session, so it works in a ``%%sql`` cell.
Inputs are converted as in batch scoring (:mod:`.inputs`); because a pandas UDF receives no Spark
types, an integer column with nulls (which arrives as doubles) is refused only if it holds a null
or a fractional value, and a missing field is reported when the first batch runs.
"""
from __future__ import annotations

import re

from ..exceptions import ConfigError
from ..identifiers import is_identifier


def function_name_for(model_name: str) -> str:
    """``predict_<model name>`` with every character outside [A-Za-z0-9_] made ``_``, lowered."""
    return "predict_" + re.sub(r"[^A-Za-z0-9_]", "_", model_name).lower()


def predict_udf(spark, model, intra_op_threads: int = 1):
    """The pandas UDF scoring ``model`` (ScoringModel or Routing) on one struct argument."""
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    from .batch import _spark_type, build_scorer
    from .keyed import Routing
    scorer = build_scorer(model, {}, "the struct argument", intra_op_threads=intra_op_threads,
                          lenient=True, primary_only=True)
    models = model.models if isinstance(model, Routing) else [model]
    blobs = spark.sparkContext.broadcast({m.key: m.model_bytes for m in models})

    def predict(frame: pd.DataFrame) -> pd.Series:
        import pyarrow as pa
        table = pa.Table.from_pandas(frame, preserve_index=False)
        arrays, _ = scorer.score(table, lambda key: blobs.value[key])
        return arrays[0].to_pandas()

    predict.__annotations__ = {"frame": pd.DataFrame, "return": pd.Series}   # real types for Spark
    return pandas_udf(predict, returnType=_spark_type(scorer.columns[0].spark_type))


def register_predict_function(spark, model_name: str, model_version=None,
                              function_name: str = "", intra_op_threads: int = 1) -> str:
    """Register the scoring function of ``model_name:model_version`` on ``spark``; return its name.

    Example (then a ``%%sql`` cell)::

        register_predict_function(spark, "nyc-fare")          # -> 'predict_nyc_fare'
        # %%sql
        # SELECT *, predict_nyc_fare(struct(*)) AS predicted_fare FROM NYC_Taxi

    Raises:
        ModelRegistryError: unknown model or version.
        ConfigError: ``function_name`` is not a plain identifier.
    """
    from .model import load_scoring_model
    name = function_name or function_name_for(model_name)
    if not is_identifier(name):
        raise ConfigError(f"function_name={name!r} is not a valid SQL function name: use "
                          "letters, digits and underscores.")
    model = load_scoring_model(model_name, model_version)
    spark.udf.register(name, predict_udf(spark, model, intra_op_threads))
    return name
