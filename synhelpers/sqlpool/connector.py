"""The dedicated SQL pool connector seam: ``synapsesql`` (PySpark, Scala) and ``sqlanalytics`` (Scala).

A notebook calls ``Constants = enable_connector(spark)`` once, then uses the connector's own API,
identical in Synapse and locally::

    df.write.mode("overwrite").synapsesql("mlverifypool.dbo.NYC_Taxi")
    back = spark.read.synapsesql("mlverifypool.dbo.NYC_Taxi")
    top = (spark.read.option(Constants.DATABASE, "mlverifypool")
           .option(Constants.QUERY, "SELECT tipped, COUNT(*) AS n FROM dbo.NYC_Taxi GROUP BY tipped")
           .synapsesql())

In Synapse, :func:`enable_connector` imports the real connector (which adds ``synapsesql`` to
``DataFrameReader``/``DataFrameWriter``) and returns its ``Constants``. Locally it adds a
``synapsesql`` of the same signature backed by the local pool (:mod:`.connector_local`) and returns
the local :class:`Constants`. Scala cells get ``sqlanalytics``/``synapsesql`` from
``connector.scala``, compiled into the local Scala interpreter (:mod:`synhelpers.runtime.scala`).

Local semantics, as the connector's: save modes ``errorifexists`` (default), ``ignore``,
``overwrite`` (TRUNCATE_COPY), ``append``, read from ``df.write.mode(...)``; strings become
NVARCHAR(4000), floats REAL (:func:`.types.spark_to_tsql`); new tables are created by the load.
Executors stage Parquet, then one DuckDB transaction loads it (the previous table is untouched on
any failure) and checks the row count. Local reads go through the driver: DuckDB -> Arrow ->
Spark, refused above ``spark.synhelpers.sqlpool.readMaxRows`` rows (default 1,000,000).
Only INTERNAL tables exist locally; EXTERNAL raises.
"""
from __future__ import annotations

from ..exceptions import MissingDependencyError


class Constants:
    """The connector's table types and option names (local copy of its ``Constants``).

    The names are the connector's; the values are local ones (notebooks use the names only).
    """
    INTERNAL = "internal"
    EXTERNAL = "external"
    SERVER = "server"
    USER = "user"
    PASSWORD = "password"
    DATABASE = "database"
    QUERY = "query"
    TEMP_FOLDER = "tempFolder"
    DATA_SOURCE = "dataSource"
    STAGING_STORAGE_ACCOUNT_KEY = "stagingStorageAccountKey"


def enable_connector(spark=None):
    """Make ``df.write.synapsesql`` / ``spark.read.synapsesql`` available; return ``Constants``.

    In Synapse: the real connector (``com.microsoft.spark.sqlanalytics``, Spark 3 pools).
    Locally: the local pool connector (``spark`` is accepted for symmetry; the methods are added to
    pyspark's DataFrameReader/DataFrameWriter classes).

    Raises:
        MissingDependencyError: in Synapse, the connector is not in the pool (a Spark 2.4 pool,
            or a session outside Synapse forced with ``SYNHELPERS_RUNTIME=synapse``).
    """
    from ..runtime import is_synapse
    if is_synapse():
        try:
            import com.microsoft.spark.sqlanalytics  # noqa: F401  adds synapsesql to pyspark
            from com.microsoft.spark.sqlanalytics.Constants import Constants as SynapseConstants
        except ImportError as exc:
            raise MissingDependencyError(
                "The dedicated SQL pool connector (com.microsoft.spark.sqlanalytics) is not in "
                "this Spark pool: its Python API ships with Synapse Spark 3 pools. Use a Spark 3 "
                "pool, or the Scala API in a %%spark cell.") from exc
        return SynapseConstants
    from .connector_local import install_pyspark_methods
    install_pyspark_methods()
    return Constants


def drop_table_if_exists(table_name: str) -> bool:
    """Drop ``<pool>.<schema>.<table>`` if it exists (through the pool seam); True when it did.

    Used before a load that must create its table (the tutorial's Scala ``sqlanalytics``), so that
    a notebook can be re-run.

    Raises:
        ConfigError: ``table_name`` does not name the pool, schema and table.
    """
    from .names import parse_table_name
    from .pool import get_pool
    name = parse_table_name(table_name, "table_name", require_database=True)
    return get_pool(name.database).drop_table(name)


def pool_row_counts(sql_pool_name: str, tables: list[str]) -> dict[str, int]:
    """``{"dbo.T": rows}`` for each ``[schema.]table`` of the pool (counted by the pool).

    Raises:
        SqlPoolError: a table does not exist in the pool.
    """
    from ..exceptions import SqlPoolError
    from .names import parse_table_name
    from .pool import get_pool
    pool = get_pool(sql_pool_name)
    counts = {}
    for table in tables:
        name = parse_table_name(table, "tables")
        if not pool.table_exists(name):
            raise SqlPoolError(f"Table {name.schema}.{name.table} does not exist in SQL pool "
                               f"{sql_pool_name!r}: load it first.")
        counts[f"{name.schema}.{name.table}"] = pool.row_count(name)
    return counts
