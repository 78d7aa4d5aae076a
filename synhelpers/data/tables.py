"""Atomic, idempotent writes of Spark tables (shared by every step that saves a table).

The new content is written to a staging table first; only when that succeeded (and its row count
is known) is the old table dropped and the staging table renamed. A failure while writing leaves
the previous table exactly as it was.
"""
from __future__ import annotations

import re
import uuid

from ..exceptions import ConfigError, DatasetError

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_table_name(name: str, parameter: str = "table_name") -> tuple[str, str]:
    """Split ``[database.]table`` into (database, table); database defaults to ``default``.

    Raises:
        ConfigError: the name is empty or not a plain identifier (names ``parameter``).
    """
    parts = (name or "").strip().split(".")
    if not 1 <= len(parts) <= 2 or not all(_IDENT.match(p) for p in parts):
        raise ConfigError(f"{parameter}={name!r} is not a valid Spark table name: use letters, "
                          "digits and underscores, optionally prefixed by a database "
                          "(e.g. 'default.NYC_Taxi').")
    return (parts[0], parts[1]) if len(parts) == 2 else ("default", parts[0])


def save_table_atomically(spark, df, table_name: str, mode: str = "overwrite") -> dict:
    """Save ``df`` as ``table_name``; return ``{"table", "rows"}``.

    ``mode`` is ``overwrite`` (replace atomically) or ``append``.

    Raises:
        DatasetError: the write failed (the previous table is left as it was).
    """
    database, table = parse_table_name(table_name)
    target = f"`{database}`.`{table}`"
    if mode == "append" and spark.catalog.tableExists(f"{database}.{table}"):
        before = spark.table(target).count()
        df.write.mode("append").saveAsTable(f"{database}.{table}")
        return {"table": f"{database}.{table}".lower(), "rows": spark.table(target).count() - before}
    if mode not in ("overwrite", "append"):
        raise ConfigError(f"mode={mode!r} is not valid: use 'overwrite' or 'append'.")
    staging = f"{table}__staging_{uuid.uuid4().hex[:8]}"
    staged = f"`{database}`.`{staging}`"
    try:
        df.write.mode("overwrite").saveAsTable(f"{database}.{staging}")
        rows = spark.table(staged).count()
    except Exception as exc:
        spark.sql(f"DROP TABLE IF EXISTS {staged}")
        raise DatasetError(f"Writing table {database}.{table} failed; the previous table is "
                           f"unchanged. Cause: {exc}") from exc
    spark.sql(f"DROP TABLE IF EXISTS {target}")
    spark.sql(f"ALTER TABLE {staged} RENAME TO {target}")
    return {"table": f"{database}.{table}".lower(), "rows": rows}
