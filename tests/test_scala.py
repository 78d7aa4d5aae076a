"""Scala cells in the driver JVM's own interpreter, and the Scala connector against the local pool."""
from __future__ import annotations

import json
import re
import uuid

import pytest

from support import NOTEBOOKS
from synhelpers.runtime.scala import ScalaError, run_scala
from synhelpers.sqlpool import get_pool, parse_table_name
from synhelpers.sqlpool.connector import Constants, pool_row_counts

pytestmark = pytest.mark.spark


def repl(out: str) -> str:
    """The REPL's result lines without Scala 2.13's ``val``/``var`` (2.12, Spark 3.5's Scala,
    prints ``n: Long = 5`` where 2.13 prints ``val n: Long = 5``)."""
    return re.sub(r"(?m)^(?:val|var) ", "", out)

def _notebook_03_cells() -> tuple[str, str]:
    """(the tutorial's Spark 2.4 cell as notebook 03's markdown shows it, the notebook's own
    Spark 3 ``%%spark`` cell), each without its ``%%spark`` line."""
    nb = json.loads((NOTEBOOKS / "03_load_sql_pool.ipynb").read_text())
    texts = ["".join(c["source"]) for c in nb["cells"]]
    shown = next(t for t in texts if "```scala" in t).split("```scala\n", 1)[1].split("```", 1)[0]
    code = next(t for t in texts if t.startswith("%%spark"))
    return shown.split("\n", 1)[1], code.split("\n", 1)[1]


VERBATIM_CELL, SPARK3_CELL = _notebook_03_cells()
# the tutorial's cell with the pool name read from the session, as the notebook passes it
TUTORIAL_CELL = VERBATIM_CELL.replace('"mlverifypool"', 'spark.conf.get("synhelpers.sql_pool_name")')


@pytest.fixture(scope="module")
def taxi(spark):
    """A small NYC_Taxi table in the session's lake database."""
    from synhelpers.data import create_taxi_table
    create_taxi_table(spark, rows=3000, sample_rows=0, table_name="default.NYC_Taxi")
    run_scala("import org.apache.spark.sql.SqlAnalyticsConnector._", spark)
    return spark.table("NYC_Taxi")


@pytest.fixture
def pool_name(spark):
    name = f"s{uuid.uuid4().hex[:10]}"
    spark.conf.set("synhelpers.sql_pool_name", name)
    return name


def test_results_and_println_are_the_cell_output(spark):
    out = run_scala('val n = spark.range(5).count()\nprintln(s"counted $n rows")', spark)
    assert repl(out).splitlines() == ["counted 5 rows", "n: Long = 5"]
    assert re.fullmatch(r"res\d+: Long = 10\n", repl(run_scala("n * 2", spark)))


def test_scala_shares_the_session_with_python(spark):
    spark.conf.set("synhelpers.shared", "from python")
    spark.range(7).createOrReplaceTempView("shared_view")
    out = run_scala('val v = spark.conf.get("synhelpers.shared")\n'
                    'val m = spark.table("shared_view").count()\nval same = sc eq spark.sparkContext')
    assert "v: String = from python" in repl(out) and "m: Long = 7" in repl(out)
    assert "same: Boolean = true" in repl(out)


def test_a_compile_error_raises_with_the_compiler_message(spark):
    with pytest.raises(ScalaError) as err:
        run_scala('val oops: Int = "text"', spark)
    assert err.value.kind == "compile"
    assert "type mismatch" in str(err.value) and 'String("text")' in str(err.value)
    with pytest.raises(ScalaError, match="not found: value undefinedThing"):
        run_scala("undefinedThing + 1", spark)


def test_a_runtime_error_raises_with_the_exception_and_keeps_what_was_printed(spark):
    with pytest.raises(ScalaError) as err:
        run_scala('println("before")\nthrow new IllegalStateException("boom 42")', spark)
    assert err.value.kind == "runtime"
    assert "java.lang.IllegalStateException: boom 42" in str(err.value)
    assert err.value.output == "before\n"
    with pytest.raises(ScalaError, match="incomplete"):
        run_scala("val x = {", spark)
    assert repl(run_scala("val after = 1", spark)) == "after: Int = 1\n"    # still usable


def test_the_magic_prints_output_and_raises_scala_errors(spark, capsys):
    from synhelpers.runtime.magics import spark_magic
    spark_magic("", 'println("from the magic")')
    assert capsys.readouterr().out == "from the magic\n"
    with pytest.raises(ScalaError):
        spark_magic("", 'println("partial")\nsys.error("late failure")')
    assert capsys.readouterr().out == "partial\n"


def test_the_local_constants_match_python(spark):
    names = ["INTERNAL", "EXTERNAL", "SERVER", "USER", "PASSWORD", "DATABASE", "QUERY",
             "TEMP_FOLDER", "DATA_SOURCE", "STAGING_STORAGE_ACCOUNT_KEY"]
    out = run_scala("import com.microsoft.spark.sqlanalytics.utils.Constants\n" + "\n".join(
        f"val c_{n} = Constants.{n}" for n in names), spark)
    for n in names:
        assert f"c_{n}: String = {getattr(Constants, n)}\n" in repl(out)


def test_the_tutorial_scala_cell_loads_every_row_into_the_local_pool(spark, taxi, pool_name):
    out = run_scala(TUTORIAL_CELL, spark)
    assert "df: org.apache.spark.sql.DataFrame = [tipped: bigint, fareAmount: float" in repl(out)
    assert f"sql_pool_name: String = {pool_name}" in repl(out)
    assert pool_row_counts(pool_name, ["dbo.NYC_Taxi_spark"]) == {"dbo.NYC_Taxi_spark": taxi.count()}
    declared = dict(get_pool(pool_name).declared_columns(parse_table_name("dbo.NYC_Taxi_spark")))
    assert declared["pickupTimeBin"] == "NVARCHAR(4000)" and declared["fareAmount"] == "REAL"
    sums = get_pool(pool_name).con.execute(
        'SELECT sum(tipped), sum(tripTimeSecs) FROM dbo."NYC_Taxi_spark"').fetchall()[0]
    expected = taxi.selectExpr("sum(tipped)", "sum(tripTimeSecs)").collect()[0]
    assert tuple(sums) == tuple(expected)
    # the connector's default mode: a second load of the same table fails, naming it
    with pytest.raises(ScalaError, match=rf"LocalSqlPoolException: SqlPoolError: Table "
                                         rf"{pool_name}\.dbo\.NYC_Taxi_spark already exists"):
        run_scala(TUTORIAL_CELL, spark)


def test_the_tutorial_cell_verbatim_with_its_literal_pool_name(spark, taxi):
    """Word for word as the tutorial's readers ran it and notebook 03 shows it (Spark 2.4's
    ``sqlanalytics``, ``val sql_pool_name = "mlverifypool"``), comment lines, a comment after
    code and blank lines included: it still loads locally."""
    lines = VERBATIM_CELL.rstrip("\n").split("\n")
    assert lines[0] == "// Create Dataframe" and lines[1] == 'var df = spark.sql("select * from NYC_Taxi")'
    assert lines[2] == lines[5] == ""
    assert lines[6] == 'val sql_pool_name = "mlverifypool" // SQL pool name'
    assert lines[7].startswith("//") and lines[8] == (
        'df.write.sqlanalytics(s"$sql_pool_name.dbo.NYC_Taxi_spark", Constants.INTERNAL)')
    pool = get_pool("mlverifypool")
    pool.execute("IF OBJECT_ID('dbo.NYC_Taxi_spark', 'U') IS NOT NULL DROP TABLE dbo.NYC_Taxi_spark")
    pool.close()
    out = run_scala(VERBATIM_CELL, spark)
    assert "sql_pool_name: String = mlverifypool" in repl(out)
    assert pool_row_counts("mlverifypool", ["dbo.NYC_Taxi_spark"]) == {
        "dbo.NYC_Taxi_spark": taxi.count()}


def test_the_notebooks_spark3_cell_writes_with_synapsesql(spark, taxi, pool_name):
    """Notebook 03's own cell: the Spark 3 pools' form (``synapsesql``, Spark 3 imports)."""
    assert "import com.microsoft.spark.sqlanalytics.utils.Constants\n" in SPARK3_CELL
    assert "import org.apache.spark.sql.SqlAnalyticsConnector._\n" in SPARK3_CELL
    assert 'df.write.synapsesql(s"$sql_pool_name.dbo.NYC_Taxi_spark", Constants.INTERNAL)' \
        in SPARK3_CELL and "sqlanalytics(" not in SPARK3_CELL
    out = run_scala(SPARK3_CELL, spark)
    assert f"sql_pool_name: String = {pool_name}" in repl(out)
    assert pool_row_counts(pool_name, ["dbo.NYC_Taxi_spark"]) == {"dbo.NYC_Taxi_spark": taxi.count()}


def test_scala_honours_the_writer_mode_and_reports_metrics(spark, taxi, pool_name):
    n = taxi.count()
    code = (f'df.write.mode("overwrite").synapsesql("{pool_name}.dbo.M")\n'
            f'df.write.mode("append").synapsesql("{pool_name}.dbo.M", Constants.INTERNAL, None,\n'
            '  Some((m: Map[String, Any], e: Option[Throwable]) => println(s"metrics ${m("SaveModeApplied")} '
            '${m("rows_processed")} ${e.isEmpty}")))\n'
            f'df.write.mode("ignore").synapsesql("{pool_name}.dbo.M")')
    out = run_scala("var df = spark.table(\"NYC_Taxi\")\n" + code, spark)
    assert f"metrics APPEND {n} true" in out
    assert pool_row_counts(pool_name, ["dbo.M"]) == {"dbo.M": 2 * n}
    back = run_scala(f'val back = spark.read.synapsesql("{pool_name}.dbo.M").count()\n'
                     f'val q = spark.read.option(Constants.DATABASE, "{pool_name}")'
                     '.synapsesql("SELECT COUNT(*) AS n FROM dbo.M").first().getLong(0)', spark)
    assert f"back: Long = {2 * n}" in repl(back) and f"q: Long = {2 * n}" in repl(back)


def test_scala_external_tables_and_bad_names_raise_clear_errors(spark, taxi, pool_name):
    with pytest.raises(ScalaError, match="external tables are not supported by the local pool"):
        run_scala(f'spark.table("NYC_Taxi").write.sqlanalytics("{pool_name}.dbo.E", Constants.EXTERNAL)')
    with pytest.raises(ScalaError, match=re.escape("must name the pool")):
        run_scala('spark.table("NYC_Taxi").write.synapsesql("dbo.E")')
    assert not get_pool(pool_name).table_exists(parse_table_name("dbo.E"))
