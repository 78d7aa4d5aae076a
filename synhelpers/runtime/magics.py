"""Synapse's cell magics for local IPython kernels.

``%%sql`` runs Spark SQL on the session and displays the result (as in Synapse).
``%%spark`` runs Scala in the driver JVM's own Scala interpreter (see :mod:`.scala`).
Loaded by the local ``synapse_pyspark`` kernel (``--ext=synhelpers.runtime.magics``) or
``%load_ext synhelpers.runtime.magics``.
"""
from __future__ import annotations

SQL_DISPLAY_ROWS = 1000


def sql_magic(line: str, cell: str):
    """Run each statement of the cell with ``spark.sql``; show the last result (bounded)."""
    from .spark import get_spark
    spark = get_spark()
    statements = [s.strip() for s in cell.split(";") if s.strip()]
    result = None
    for statement in statements:
        result = spark.sql(statement)
    if result is not None and result.columns:
        return result.limit(SQL_DISPLAY_ROWS).toPandas()
    return None


def spark_magic(line: str, cell: str):
    """Run the cell as Scala in the driver JVM; its output is printed, errors raised."""
    from .scala import ScalaError, run_scala
    try:
        output = run_scala(cell)
    except ScalaError as exc:
        if exc.output:   # what the cell printed before it failed
            print(exc.output, end="" if exc.output.endswith("\n") else "\n")
        raise
    if output:
        print(output, end="" if output.endswith("\n") else "\n")


def load_ipython_extension(ipython) -> None:
    ipython.register_magic_function(sql_magic, magic_kind="cell", magic_name="sql")
    ipython.register_magic_function(spark_magic, magic_kind="cell", magic_name="spark")
