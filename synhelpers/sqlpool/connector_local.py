"""The connector on a laptop: Spark <-> the local dedicated SQL pool (DuckDB), never in Synapse.

Writes: the table's columns are mapped as the connector maps them (:func:`.types.spark_to_tsql`)
before any job runs; executors stage the DataFrame as Parquet under
``<state>/sqlpool-staging/<pool>/<id>`` (counting the rows as they go); one DuckDB transaction
then creates or replaces the table per the save mode and loads the files
(:meth:`.pool.LocalPool.load_parquet`), checking the counts; the staging folder is removed
afterwards, also on failure. Nothing is collected to the driver.

Reads go through the driver: the pool counts the rows first and refuses more than
``spark.synhelpers.sqlpool.readMaxRows`` (default :data:`DEFAULT_READ_MAX_ROWS`), then DuckDB's Arrow
result becomes a Spark DataFrame with the Spark types of the table's declared T-SQL types. A query
read is T-SQL run through the pool's own engine (:mod:`.tsql`): one SELECT over the pool's tables,
views and system views; a table function or a name that is no pool object ("Invalid object name")
is refused, as the dedicated pool would.

The save mode and the options live in the JVM's DataFrameWriter/DataFrameReader; they are read by
reflection, by field type (``SaveMode``, ``CaseInsensitiveMap``, ``Dataset``), which holds for
Spark 3.x (``mode``, ``ds``) and 4.x (``curmode``, ``df``) alike.
"""
from __future__ import annotations

import re
import shutil
import time
import uuid

from .._compat import error_cause, spark_from_arrow
from ..exceptions import (ConfigError, SqlParseError, SqlPoolError, SynHelpersError,
                          UnsupportedSqlError)
from .connector import Constants
from .names import MAX_NAME, TableName, control_character, dquote, parse_table_name

READ_MAX_ROWS_CONF = "spark.synhelpers.sqlpool.readMaxRows"
DEFAULT_READ_MAX_ROWS = 1_000_000
DATABASE_CONF = "spark.sqlanalyticsconnector.dw.database"
_QUERY_START = re.compile(r"^\s*\(?\s*(select|with)\b", re.IGNORECASE)
_MODES = {"append": "append", "overwrite": "overwrite", "errorifexists": "errorifexists",
          "error": "errorifexists", "default": "errorifexists", "ignore": "ignore"}

# T-SQL base type -> (Spark type, DuckDB cast giving Arrow data Spark accepts for it, or None)
_TSQL_TO_SPARK = {
    "bigint": ("bigint", None), "int": ("int", None), "integer": ("int", None),
    "smallint": ("smallint", None), "tinyint": ("smallint", "SMALLINT"), "bit": ("boolean", None),
    "real": ("float", None), "float": ("double", None), "money": ("decimal(19,4)", None),
    "smallmoney": ("decimal(10,4)", None), "date": ("date", None),
    "datetime": ("timestamp", None), "datetime2": ("timestamp", None),
    "smalldatetime": ("timestamp", None), "datetimeoffset": ("timestamp", None),
    "binary": ("binary", None), "varbinary": ("binary", None), "image": ("binary", None),
    "timestamp": ("binary", None), "hierarchyid": ("binary", None),
}


# -- the JVM writer's and reader's state ------------------------------------------------------
def _field_value(jobj, accepts):
    """The value of the first field (walking up the class hierarchy) whose type ``accepts``."""
    cls = jobj.getClass()
    while cls is not None:
        for field in cls.getDeclaredFields():
            if accepts(field.getType()):
                field.setAccessible(True)
                return field.get(jobj)
        cls = cls.getSuperclass()
    raise SqlPoolError(f"Cannot read the state of {jobj.getClass().getName()} (this Spark "
                       "version's DataFrameWriter/Reader layout is not known to synhelpers).")


def _named(type_name: str):
    return lambda cls: cls.getName() == type_name


def save_mode(jwriter) -> str:
    """The save mode set on a JVM DataFrameWriter: ``errorifexists``, ``append``, ..."""
    mode = _field_value(jwriter, _named("org.apache.spark.sql.SaveMode"))
    return _MODES[mode.name().lower()]


def writer_dataframe(jwriter, spark):
    """The pyspark DataFrame a JVM DataFrameWriter writes."""
    dataset = spark._jvm.java.lang.Class.forName("org.apache.spark.sql.Dataset")
    jdf = _field_value(jwriter, dataset.isAssignableFrom)
    try:
        from pyspark.sql.classic.dataframe import DataFrame
    except ImportError:  # pyspark 3
        from pyspark.sql.dataframe import DataFrame
    return DataFrame(jdf.toDF(), spark)


def reader_options(jreader, spark) -> dict[str, str]:
    """The options set on a JVM DataFrameReader, with lower-case keys."""
    options = _field_value(jreader, _named("org.apache.spark.sql.catalyst.util.CaseInsensitiveMap"))
    # scala.collection.JavaConverters: in Scala 2.12 (Spark 3.5) and 2.13 alike
    as_java = spark._jvm.scala.collection.JavaConverters.mapAsJavaMap(options.originalMap())
    return {str(k).lower(): str(v) for k, v in dict(as_java).items()}


# -- writes -----------------------------------------------------------------------------------
def _check_table_type(table_type: str | None, table: TableName) -> None:
    kind = (table_type or Constants.INTERNAL).lower()
    if kind == Constants.EXTERNAL:
        raise UnsupportedSqlError(f"Writing {table} as an EXTERNAL table: external tables are not "
                                  "supported by the local pool. Use Constants.INTERNAL.")
    if kind != Constants.INTERNAL:
        raise ConfigError(f"table_type={table_type!r} is not a table type: use "
                          "Constants.INTERNAL or Constants.EXTERNAL.")


def pool_columns(schema, table: TableName | str = "") -> list[tuple[str, str]]:
    """``[(column, T-SQL type)]`` the connector creates for a Spark schema.

    Raises:
        UnsupportedSqlError: a column's Spark type has no pool type (names the column).
        ConfigError: two columns have the same name apart from case; a name with a control
            character or over 128 characters.
    """
    from .types import spark_to_tsql
    columns, seen = [], {}
    for field in schema.fields:
        where = f"Column {field.name[:60]!r} of {table or 'the DataFrame'}"
        bad = control_character(field.name)
        if bad is not None:
            raise ConfigError(f"{where} contains a control character ({bad!r}): rename it before "
                              "the write (withColumnRenamed).")
        if len(field.name) > MAX_NAME:
            raise ConfigError(f"{where} has {len(field.name)} characters: SQL pool names have at "
                              f"most {MAX_NAME}. Rename it before the write.")
        simple = field.dataType.simpleString()
        try:
            columns.append((field.name, spark_to_tsql(simple)))
        except UnsupportedSqlError:
            raise UnsupportedSqlError(f"Column {field.name!r} of {table or 'the DataFrame'} is "
                                      f"{simple}, which has no dedicated SQL pool type: cast or "
                                      "drop it before the write.") from None
        if field.name.lower() in seen:
            raise ConfigError(f"Columns {seen[field.name.lower()]!r} and {field.name!r} differ "
                              "only by case: SQL pool column names are case-insensitive.")
        seen[field.name.lower()] = field.name
    return columns


def write_table(df, table_name: str, mode: str = "errorifexists",
                table_type: str = Constants.INTERNAL) -> dict:
    """Load ``df`` into the local pool table ``<pool>.<schema>.<table>``; return its metrics.

    The metrics have the connector's names: ``SaveModeApplied``, ``rows_processed``,
    ``NumberOfRecordsStagedForSQLCommit``, ``DataStagingSparkJobDurationInMilliseconds``,
    ``SQLStatementExecutionDurationInMilliseconds``, ``command``, ``status``; plus ``table`` and
    ``rows_in_table``.

    Raises:
        ConfigError: a bad table name, save mode or table type.
        UnsupportedSqlError: EXTERNAL table; a column type without a pool type.
        SqlPoolError: the table exists and the mode is ``errorifexists``; staging or loading
            failed (the table is left as it was).
    """
    from .pool import get_pool
    table = parse_table_name(table_name, "table_name", require_database=True)
    _check_table_type(table_type, table)
    mode_ = _MODES.get((mode or "errorifexists").lower())
    if mode_ is None:
        raise ConfigError(f"mode={mode!r} is not a save mode: use errorifexists, ignore, "
                          "overwrite or append.")
    columns = pool_columns(df.schema, table)
    pool = get_pool(table.database)
    if pool.table_exists(table):
        if mode_ == "errorifexists":
            raise SqlPoolError(f"Table {table} already exists in SQL pool {pool.name!r}: write with "
                               "mode('overwrite') or mode('append'), or drop it first.")
        if mode_ == "ignore":
            return {"table": str(table), "SaveModeApplied": "IGNORE", "rows_processed": 0,
                    "rows_in_table": pool.row_count(table), "command": "none", "status": "Succeeded"}
    staging = pool.staging_dir / uuid.uuid4().hex     # the one folder the pool's DuckDB reads
    step = "staging the DataFrame (a Spark job)"
    try:
        started = time.perf_counter()
        staged = _stage(df, str(staging))
        staged_at = time.perf_counter()
        step = "loading the staged rows (rolled back)"
        result = pool.load_parquet(table, str(staging / "*.parquet"), columns, mode_, staged)
        loaded_at = time.perf_counter()
    except SynHelpersError:
        raise
    except Exception as exc:
        cause = error_cause(exc)[:1000]
        raise SqlPoolError(f"Loading {table} into SQL pool {pool.name!r} failed while {step}; "
                           f"the table is unchanged. Cause: {cause}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {"table": str(table), "SaveModeApplied": result["mode"],
            "rows_processed": result["rows_loaded"], "rows_in_table": result["rows_in_table"],
            "NumberOfRecordsStagedForSQLCommit": staged,
            "DataStagingSparkJobDurationInMilliseconds": round((staged_at - started) * 1000),
            "SQLStatementExecutionDurationInMilliseconds": round((loaded_at - staged_at) * 1000),
            "command": result["command"], "status": "Succeeded"}


def _stage(df, path: str) -> int:
    """Executors write ``df`` as Parquet at ``path``; return the rows written (observed)."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as F
    observation = Observation(f"synhelpers_staging_{uuid.uuid4().hex[:12]}")
    df.observe(observation, F.count(F.lit(1)).alias("rows")).write.parquet(path)
    return int(observation.get["rows"])


# -- reads ------------------------------------------------------------------------------------
def _looks_like_query(text: str) -> bool:
    return bool(_QUERY_START.match(text))


def read_table(spark, table_or_query: str | None = None, options: dict | None = None):
    """A pool table (``<pool>.<schema>.<table>``) or a SELECT as a Spark DataFrame.

    A query comes from ``table_or_query`` (when it starts with SELECT/WITH) or the
    ``Constants.QUERY`` option; its pool from ``Constants.DATABASE`` or the Spark conf
    ``spark.sqlanalyticsconnector.dw.database``.

    Raises:
        ConfigError: nothing to read; a query without a pool name.
        UnsupportedSqlError: the query is not one SELECT.
        SqlPoolError: the table does not exist; more rows than the read bound.
    """
    from .pool import get_pool
    options = {k.lower(): v for k, v in (options or {}).items()}
    query = options.get(Constants.QUERY.lower())
    if table_or_query and _looks_like_query(table_or_query):
        query = table_or_query
    if query:
        database = options.get(Constants.DATABASE.lower()) or spark.conf.get(DATABASE_CONF, None)
        if not database:
            raise ConfigError("A query read needs the pool: .option(Constants.DATABASE, "
                              f"'<pool>') or spark.conf.set('{DATABASE_CONF}', '<pool>').")
        pool, schema, what = get_pool(database), None, "the query"
        sql = _query_sql(pool, query)
    elif table_or_query:
        table = parse_table_name(table_or_query, "table_name", require_database=True)
        pool = get_pool(table.database)
        if not pool.table_exists(table):
            raise SqlPoolError(f"Table {table} does not exist in SQL pool {pool.name!r}.")
        sql, schema = _table_select(pool, table)
        what = str(table)
    else:
        raise ConfigError("synapsesql() needs a table name '<pool>.<schema>.<table>', a SELECT, "
                          "or .option(Constants.QUERY, 'SELECT ...').")
    return _to_spark(spark, pool, sql, schema, what)


def _table_select(pool, table: TableName):
    from .types import split_type
    fields, select = [], []
    for column, tsql in pool.declared_columns(table):
        base, args = split_type(tsql)
        spark_type, cast = _TSQL_TO_SPARK.get(base, ("string", "VARCHAR"))
        if base in ("decimal", "numeric"):
            spark_type, cast = f"decimal({args or '18,0'})", None
        fields.append(f"`{column.replace('`', '``')}` {spark_type}")
        select.append(f"CAST({dquote(column)} AS {cast}) AS {dquote(column)}" if cast
                      else dquote(column))
    sql = f"SELECT {', '.join(select)} FROM {dquote(table.schema)}.{dquote(table.table)}"
    return sql, ", ".join(fields)


def _query_sql(pool, query: str) -> str:
    """DuckDB SQL for a connector query: one T-SQL SELECT, checked and rewritten by the pool's
    engine (names qualified, system views emulated, unknown objects and table functions refused).

    Raises:
        UnsupportedSqlError: not one SELECT, PREDICT, or a construct the local pool does not run.
        SqlPoolError: an unknown object ("Invalid object name '...'").
    """
    from sqlglot import exp

    from .tsql import transpile
    from .tsql.context import Context, session_for
    from .tsql.dialect import parse_batch
    from .tsql.nodes import Predict
    try:
        statements = parse_batch(query)
    except SqlParseError as exc:
        raise UnsupportedSqlError(f"The query cannot be parsed as T-SQL: {query!r} ({exc})") from exc
    if len(statements) != 1 or not isinstance(statements[0], exp.Query) or statements[0].find(exp.Into):
        raise UnsupportedSqlError(f"A connector query must be one SELECT; got {query!r}.")
    if statements[0].find(Predict):
        raise UnsupportedSqlError("PREDICT in a connector query: run it in the pool (the scoring "
                                  "wizard's procedure) and read its results table.")
    with pool.lock:
        ctx = Context(pool, session_for(pool))
        ctx.statement = statements[0]
        for node in statements[0].walk():
            transpile.check(ctx, node)
        prepared, _ = transpile.prepare(ctx, statements[0])     # a variable is not declared: raises
        return transpile.to_duckdb(ctx, prepared)


def _to_spark(spark, pool, sql: str, schema: str | None, what: str):
    from .tsql.context import Context, session_for
    bound = int(spark.conf.get(READ_MAX_ROWS_CONF, str(DEFAULT_READ_MAX_ROWS)))
    with pool.lock:
        try:
            rows = pool.con.execute(f"SELECT count(*) FROM ({sql}) AS q").fetchall()[0][0]
            if rows <= bound:
                arrow = pool.con.sql(sql).to_arrow_table()
        except Exception as exc:  # duckdb.Error: as SQL Server would word it
            raise Context(pool, session_for(pool)).translate(exc) from exc
        if rows > bound:
            raise SqlPoolError(f"Reading {what} from SQL pool {pool.name!r}: {rows} rows, more than "
                               f"the local read bound of {bound} (reads go through the driver). "
                               f"Filter with a query, or raise spark.conf '{READ_MAX_ROWS_CONF}'.")
    return spark_from_arrow(spark, arrow, schema)


# -- PySpark methods --------------------------------------------------------------------------
def _writer_synapsesql(self, table_name: str, table_type: str = Constants.INTERNAL,
                       location: str | None = None) -> None:
    """``df.write[.mode(m)].synapsesql("<pool>.<schema>.<table>")`` (local dedicated SQL pool)."""
    write_table(self._df, table_name, save_mode(self._jwrite), table_type)


def _reader_synapsesql(self, table_name: str | None = None):
    """``spark.read[.option(...)].synapsesql("<pool>.<schema>.<table>" | "SELECT ...")``."""
    return read_table(self._spark, table_name, reader_options(self._jreader, self._spark))


def install_pyspark_methods() -> None:
    """Add ``synapsesql`` to pyspark's DataFrameWriter and DataFrameReader (idempotent)."""
    from pyspark.sql.readwriter import DataFrameReader, DataFrameWriter
    DataFrameWriter.synapsesql = _writer_synapsesql
    DataFrameReader.synapsesql = _reader_synapsesql


# -- Scala cells ------------------------------------------------------------------------------
class ScalaBridge:
    """The Python side of ``connector.scala`` (a py4j callback, ``java.util.function.BiFunction``)."""

    def __init__(self, spark):
        self.spark = spark

    def apply(self, request, target):
        jvm = self.spark._jvm
        answer = jvm.java.util.HashMap()
        try:
            req = {str(k): str(v) for k, v in dict(request).items()}
            if req.get("op") == "write":
                mode = save_mode(target)
                metrics = write_table(writer_dataframe(target, self.spark), req.get("table", ""),
                                      mode, req.get("tableType"))
                for key, value in metrics.items():
                    answer.put(key, value)
            else:
                df = read_table(self.spark, req.get("table"), reader_options(target, self.spark))
                answer.put("dataframe", df._jdf)
                answer.put("status", "Succeeded")
        except Exception as exc:  # every error goes back to the Scala line as its exception
            answer.put("status", "Failed")
            answer.put("error", f"{type(exc).__name__}: {exc}")
        return answer

    class Java:
        implements = ["java.util.function.BiFunction"]


def install_scala_connector(interpreter) -> None:
    """Compile ``connector.scala`` into a Scala interpreter and connect it to Python."""
    from importlib import resources

    from pyspark.java_gateway import ensure_callback_server_started
    ensure_callback_server_started(interpreter.spark.sparkContext._gateway)
    source = resources.files("synhelpers.sqlpool").joinpath("connector.scala").read_text()
    interpreter.compile(source, "synhelpers/sqlpool/connector.scala")
    bridge = ScalaBridge(interpreter.spark)
    interpreter.keep.append(bridge)
    connector = interpreter.module("org.apache.spark.sql.SqlAnalyticsConnector")
    getattr(connector, "bridge_$eq")(bridge)
    interpreter.run("import com.microsoft.spark.sqlanalytics.utils.Constants")  # as in Synapse
