"""Atomic, idempotent, recoverable writes of Spark tables (every step that saves a table).

An overwrite of ``db.t`` is a swap in three catalog steps, each one rename or drop:

1. the new content is written to ``t__staging_<id>`` (a failure here changes nothing);
2. the old table is renamed aside to ``t__retired_<id>``;
3. the staging table is renamed to ``t``; only then is ``t__retired_<id>`` dropped.

The old table therefore survives until the new one is in place. A rename that fails in step 3
puts the old table back before the error is raised. A process killed between the steps leaves
named leftovers (``<id>`` orders them in time); :func:`recover_table` -- run first by the next
write of the table, or by ``synhelpers table recover`` -- restores the old table when no table
holds the name, and drops the leftovers otherwise. Two processes must not overwrite the same
table at once (locally the Derby metastore allows one Spark process anyway).
"""
from __future__ import annotations

import re
import time
import uuid

from .._faults import fault_point
from ..exceptions import ConfigError, DatasetError
from ..identifiers import is_identifier


def parse_table_name(name: str, parameter: str = "table_name") -> tuple[str, str]:
    """Split ``[database.]table`` into (database, table); database defaults to ``default``.

    Raises:
        ConfigError: the name is empty or not a plain identifier (names ``parameter``).
    """
    parts = (name or "").strip().split(".")
    if not 1 <= len(parts) <= 2 or not all(is_identifier(p) for p in parts):
        raise ConfigError(f"{parameter}={name!r} is not a valid Spark table name: use letters, "
                          "digits and underscores, optionally prefixed by a database "
                          "(e.g. 'default.NYC_Taxi').")
    return (parts[0], parts[1]) if len(parts) == 2 else ("default", parts[0])


STAGING, RETIRED = "staging", "retired"
_LEFTOVER = re.compile(r"(?P<table>.+)__(?P<kind>staging|retired)_(?P<id>[0-9a-f]{16})")


def _swap_id() -> str:
    """16 hex digits: milliseconds since the epoch (sortable), then 4 random ones."""
    return f"{int(time.time() * 1000):012x}"[-12:] + uuid.uuid4().hex[:4]


def swap_leftovers(spark, database: str, table: str) -> list[tuple[str, str]]:
    """``[(kind, name)]``: the staging and retired tables an interrupted overwrite of
    ``database.table`` left, oldest first (``kind`` is ``staging`` or ``retired``)."""
    found = []
    # names only (listTables would read every table's metadata); the names are identifiers
    listed = spark.sql(f"SHOW TABLES IN `{database}` LIKE '{table}__*'").collect()
    for entry in listed:                  # a bounded list: the leftovers of one table
        match = _LEFTOVER.fullmatch(entry["tableName"])
        if match and not entry["isTemporary"] and match["table"].lower() == table.lower():
            found.append((match["id"], match["kind"], entry["tableName"]))
    return [(kind, name) for _, kind, name in sorted(found)]


def recover_table(spark, table_name: str) -> dict:
    """Repair what an interrupted overwrite of ``table_name`` left.

    When no table holds the name and an old table was set aside, the newest one set aside is
    renamed back; every other leftover (staging tables, older or superseded retired tables) is
    dropped. Returns ``{"table", "restored": name or None, "dropped": [names]}``.

    Raises:
        ConfigError: a bad table name.
    """
    database, table = parse_table_name(table_name)
    leftovers = swap_leftovers(spark, database, table)
    restored = None
    if leftovers and not spark.catalog.tableExists(f"{database}.{table}"):
        retired = [name for kind, name in leftovers if kind == RETIRED]
        if retired:
            restored = retired[-1]
            spark.sql(f"ALTER TABLE {_quoted(database, restored)} RENAME TO "
                      f"{_quoted(database, table)}")
    dropped = []
    for _, name in leftovers:
        if name != restored:
            spark.sql(f"DROP TABLE IF EXISTS {_quoted(database, name)}")
            dropped.append(name)
    return {"table": f"{database}.{table}".lower(), "restored": restored, "dropped": dropped}


def save_table_atomically(spark, df, table_name: str, mode: str = "overwrite") -> dict:
    """Save ``df`` as ``table_name``; return ``{"table", "rows"}``.

    ``mode`` is ``overwrite`` (replace atomically, see the module) or ``append``. What an earlier
    interrupted overwrite left is repaired first (:func:`recover_table`).

    Raises:
        DatasetError: the write or the swap failed (the previous table is left as it was).
    """
    database, table = parse_table_name(table_name)
    if mode not in ("overwrite", "append"):
        raise ConfigError(f"mode={mode!r} is not valid: use 'overwrite' or 'append'.")
    recover_table(spark, f"{database}.{table}")
    target = _quoted(database, table)
    if mode == "append" and spark.catalog.tableExists(f"{database}.{table}"):
        before = spark.table(target).count()
        df.write.mode("append").saveAsTable(f"{database}.{table}")
        return {"table": f"{database}.{table}".lower(), "rows": spark.table(target).count() - before}
    swap = _swap_id()
    staged = _quoted(database, f"{table}__{STAGING}_{swap}")
    retired = _quoted(database, f"{table}__{RETIRED}_{swap}")
    try:
        df.write.mode("overwrite").saveAsTable(f"{database}.{table}__{STAGING}_{swap}")
        rows = spark.table(staged).count()
    except Exception as exc:
        spark.sql(f"DROP TABLE IF EXISTS {staged}")
        raise DatasetError(f"Writing table {database}.{table} failed; the previous table is "
                           f"unchanged. Cause: {exc}") from exc
    _swap_in(spark, database, table, staged, retired)
    return {"table": f"{database}.{table}".lower(), "rows": rows}


def _swap_in(spark, database: str, table: str, staged: str, retired: str) -> None:
    target = _quoted(database, table)
    had_table = spark.catalog.tableExists(f"{database}.{table}")
    if had_table:
        spark.sql(f"ALTER TABLE {target} RENAME TO {retired}")
    fault_point("tables.swap.retired")
    try:
        spark.sql(f"ALTER TABLE {staged} RENAME TO {target}")
    except Exception as exc:
        if had_table:
            spark.sql(f"ALTER TABLE {retired} RENAME TO {target}")
        spark.sql(f"DROP TABLE IF EXISTS {staged}")
        raise DatasetError(f"Replacing table {database}.{table} failed; the previous table is "
                           f"unchanged. Cause: {_cause(exc)}") from exc
    fault_point("tables.swap.placed")
    if had_table:
        spark.sql(f"DROP TABLE IF EXISTS {retired}")


def _quoted(database: str, table: str) -> str:
    return f"`{database}`.`{table}`"


def _cause(exc: BaseException) -> str:
    from .._compat import error_cause
    return error_cause(exc)
