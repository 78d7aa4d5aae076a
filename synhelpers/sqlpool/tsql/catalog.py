"""The pool's catalog as T-SQL sees it: stored procedures and the system views.

Procedures are stored as their T-SQL text in ``__synhelpers.procedures`` inside the DuckDB file,
so a later connection or process can ``EXEC`` them. ``sys.objects``, ``sys.tables``, ``sys.views``,
``sys.schemas``, ``sys.procedures``, ``sys.columns``, ``sys.sql_modules`` and
``INFORMATION_SCHEMA.TABLES | COLUMNS | ROUTINES`` are emulated as DuckDB subqueries over DuckDB's
own catalog, enough for the existence checks scripts make (``IF NOT EXISTS (SELECT * FROM
sys.objects WHERE NAME = 'x' AND TYPE = 'U')``, ``OBJECT_ID('dbo.x', 'U')``).
"""
from __future__ import annotations

from ...exceptions import SqlPoolError, UnsupportedSqlError
from ..names import TableName, dquote, sql_string
from ..pool import META_SCHEMA

PROCEDURES = f"{META_SCHEMA}.procedures"
_HIDDEN = f"('{META_SCHEMA}', 'information_schema', 'pg_catalog')"


def _oid(prefix: str = "") -> str:
    """A stable object_id for a procedure (DuckDB has no oid for what it does not store)."""
    return (f"CAST(hash(lower({prefix}schema_name) || '.' || lower({prefix}name)) % 2147483647 "
            "AS INTEGER)")


_TABLES = (f"SELECT table_name AS name, CAST(table_oid AS INTEGER) AS object_id, CAST(schema_oid "
           f"AS INTEGER) AS schema_id, 'U' AS type, 'USER_TABLE' AS type_desc, schema_name "
           f"FROM duckdb_tables() WHERE NOT temporary AND database_name = current_database() "
           f"AND schema_name NOT IN {_HIDDEN}")
_VIEWS = (f"SELECT view_name AS name, CAST(view_oid AS INTEGER) AS object_id, CAST(schema_oid AS "
          f"INTEGER) AS schema_id, 'V' AS type, 'VIEW' AS type_desc, schema_name FROM "
          f"duckdb_views() WHERE NOT internal AND NOT temporary AND database_name = "
          f"current_database() AND schema_name NOT IN {_HIDDEN}")
_PROCS = (f"SELECT p.name, {_oid('p.')} "
          f"AS object_id, CAST(s.oid AS INTEGER) AS schema_id, 'P' AS type, 'SQL_STORED_PROCEDURE' "
          f"AS type_desc, p.schema_name FROM {PROCEDURES} p JOIN duckdb_schemas() s ON "
          f"s.database_name = current_database() AND lower(s.schema_name) = lower(p.schema_name)")
_COLUMNS = (f"SELECT c.table_schema, c.table_name, c.column_name, c.ordinal_position, c.is_nullable, "
            f"coalesce(m.tsql_type, lower(c.data_type)) AS tsql_type FROM information_schema.columns c "
            f"LEFT JOIN {META_SCHEMA}.columns m ON lower(m.schema_name) = lower(c.table_schema) AND "
            f"lower(m.table_name) = lower(c.table_name) AND lower(m.column_name) = lower(c.column_name) "
            f"WHERE c.table_catalog = current_database() AND c.table_schema NOT IN {_HIDDEN}")

_OBJECT_COLUMNS = "name, object_id, schema_id, type, type_desc, NULL::TIMESTAMP AS create_date, " \
                  "NULL::TIMESTAMP AS modify_date"

SYSTEM_VIEWS = {
    ("sys", "objects"): f"SELECT {_OBJECT_COLUMNS} FROM ({_TABLES} UNION ALL {_VIEWS} UNION ALL {_PROCS})",
    ("sys", "tables"): f"SELECT {_OBJECT_COLUMNS} FROM ({_TABLES})",
    ("sys", "views"): f"SELECT {_OBJECT_COLUMNS} FROM ({_VIEWS})",
    ("sys", "procedures"): f"SELECT {_OBJECT_COLUMNS} FROM ({_PROCS})",
    ("sys", "schemas"): ("SELECT schema_name AS name, CAST(oid AS INTEGER) AS schema_id, 1 AS principal_id "
                         "FROM duckdb_schemas() WHERE database_name = current_database() AND "
                         f"schema_name NOT IN {_HIDDEN}"),
    ("sys", "columns"): (f"SELECT CAST(t.table_oid AS INTEGER) AS object_id, c.column_name AS name, "
                         f"c.ordinal_position AS column_id, c.is_nullable = 'YES' AS is_nullable, "
                         f"c.tsql_type AS type_name FROM ({_COLUMNS}) c JOIN duckdb_tables() t ON "
                         f"t.database_name = current_database() AND t.schema_name = c.table_schema "
                         f"AND t.table_name = c.table_name"),
    ("sys", "sql_modules"): (f"SELECT {_oid()} AS object_id, definition FROM {PROCEDURES}"),
    ("information_schema", "tables"): (
        "SELECT current_database() AS TABLE_CATALOG, table_schema AS TABLE_SCHEMA, table_name AS "
        "TABLE_NAME, CASE WHEN table_type = 'VIEW' THEN 'VIEW' ELSE 'BASE TABLE' END AS TABLE_TYPE "
        f"FROM information_schema.tables WHERE table_catalog = current_database() AND "
        f"table_schema NOT IN {_HIDDEN}"),
    ("information_schema", "columns"): (
        "SELECT current_database() AS TABLE_CATALOG, table_schema AS TABLE_SCHEMA, table_name AS "
        "TABLE_NAME, column_name AS COLUMN_NAME, ordinal_position AS ORDINAL_POSITION, is_nullable AS "
        "IS_NULLABLE, regexp_extract(tsql_type, '^[a-z0-9_]+') AS DATA_TYPE, CASE WHEN tsql_type "
        "LIKE '%(max)' THEN -1 WHEN regexp_matches(tsql_type, '^n?(var)?char\\(') THEN CAST("
        "regexp_extract(tsql_type, '\\((\\d+)\\)', 1) AS INTEGER) END AS CHARACTER_MAXIMUM_LENGTH "
        f"FROM ({_COLUMNS})"),
    ("information_schema", "routines"): (
        "SELECT current_database() AS ROUTINE_CATALOG, schema_name AS ROUTINE_SCHEMA, name AS "
        "ROUTINE_NAME, 'PROCEDURE' AS ROUTINE_TYPE, definition AS ROUTINE_DEFINITION, created AS "
        f"CREATED, modified AS LAST_ALTERED FROM {PROCEDURES}"),
}


def ensure_procedure_table(con) -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS {PROCEDURES} (schema_name VARCHAR, name VARCHAR, "
                "definition VARCHAR, created TIMESTAMP, modified TIMESTAMP)")


def system_view_sql(schema: str, name: str) -> str:
    """DuckDB SQL for ``sys.<name>`` / ``INFORMATION_SCHEMA.<name>``.

    Raises:
        UnsupportedSqlError: for any other system view.
    """
    try:
        return SYSTEM_VIEWS[(schema.lower(), name.lower())]
    except KeyError:
        known = ", ".join(f"{s}.{n}" for s, n in SYSTEM_VIEWS)
        raise UnsupportedSqlError(f"System view {schema}.{name} is not emulated by the local SQL "
                                  f"pool (emulated: {known}).") from None


def object_id_sql(name: TableName, kind: str | None, temporary: bool) -> str:
    """DuckDB SQL for ``OBJECT_ID('<name>'[, '<kind>'])``: the object's id, or NULL."""
    if temporary:
        return ("(SELECT CAST(table_oid AS INTEGER) FROM duckdb_tables() WHERE temporary AND "
                f"lower(table_name) = lower({sql_string('#' + name.table.lstrip('#'))}) LIMIT 1)")
    kinds = {"U": [_TABLES], "V": [_VIEWS], "P": [_PROCS], None: [_TABLES, _VIEWS, _PROCS]}
    if kind not in kinds:
        raise UnsupportedSqlError(f"OBJECT_ID(..., {kind!r}): only 'U', 'V' and 'P' are emulated.")
    union = " UNION ALL ".join(kinds[kind])
    return (f"(SELECT object_id FROM ({union}) WHERE lower(schema_name) = lower({sql_string(name.schema)}) "
            f"AND lower(name) = lower({sql_string(name.table)}) LIMIT 1)")


# -- stored procedures ---------------------------------------------------------------------------
def find_procedure(con, name: TableName) -> str | None:
    """The stored T-SQL text of procedure ``name`` (None when there is none)."""
    ensure_procedure_table(con)
    rows = con.execute(f"SELECT definition FROM {PROCEDURES} WHERE lower(schema_name) = lower(?) "
                       "AND lower(name) = lower(?)", [name.schema, name.table]).fetchall()
    return rows[0][0] if rows else None


def save_procedure(con, name: TableName, definition: str, mode: str) -> None:
    """Store a procedure. ``mode``: ``create`` (must not exist), ``alter`` (must), ``create_or_alter``.

    Raises:
        SqlPoolError: with the messages SQL Server gives for an existing / missing procedure.
    """
    exists = find_procedure(con, name) is not None
    if mode == "create" and (exists or object_exists(con, name)):
        raise SqlPoolError(f"There is already an object named '{name.table}' in the database.")
    if mode == "alter" and not exists:
        raise SqlPoolError(f"Cannot alter procedure '{name.table}' because it does not exist: "
                           "use CREATE PROCEDURE (or CREATE OR ALTER PROCEDURE).")
    if exists:
        con.execute(f"UPDATE {PROCEDURES} SET definition = ?, modified = now() WHERE "
                    "lower(schema_name) = lower(?) AND lower(name) = lower(?)",
                    [definition, name.schema, name.table])
    else:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {dquote(name.schema)}")
        con.execute(f"INSERT INTO {PROCEDURES} VALUES (?, ?, ?, now(), now())",
                    [name.schema, name.table, definition])


def drop_procedure(con, name: TableName, if_exists: bool) -> None:
    if find_procedure(con, name) is None:
        if if_exists:
            return
        raise SqlPoolError(f"Cannot drop the procedure '{name}', because it does not exist or "
                           "you do not have permission.")
    con.execute(f"DELETE FROM {PROCEDURES} WHERE lower(schema_name) = lower(?) AND lower(name) = "
                "lower(?)", [name.schema, name.table])


def object_exists(con, name: TableName) -> bool:
    """True when ``name`` is a table or view of the pool (names compared ignoring case)."""
    rows = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_catalog = "
                       "current_database() AND lower(table_schema) = lower(?) AND "
                       "lower(table_name) = lower(?)", [name.schema, name.table]).fetchall()
    return rows[0][0] > 0


def temp_table_exists(con, name: str) -> bool:
    """True when ``#name`` is a temp table of this connection."""
    rows = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND lower(table_name) = "
                       "lower(?)", [name]).fetchall()
    return rows[0][0] > 0
