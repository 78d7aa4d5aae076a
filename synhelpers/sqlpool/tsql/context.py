"""Execution state of the T-SQL interpreter: the pool session, variable frames, DuckDB calls.

A :class:`PoolSession` lives as long as the pool's DuckDB connection (what SQL Server calls the
session): it holds the declared T-SQL types of ``#temp`` tables, which DuckDB keeps as connection
scoped ``TEMP`` tables. A :class:`Context` is one batch or one procedure call: its variables,
and the result sets collected so far (shared with the caller).
"""
from __future__ import annotations

import itertools
import logging
import re
import weakref
from dataclasses import dataclass, field

from ...exceptions import SqlPoolError, SynHelpersError
from . import catalog

log = logging.getLogger("synhelpers.sqlpool")
MAX_NESTING = 32

_sessions: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


@dataclass
class Variable:
    """A T-SQL variable: its declared type and current value (a Python value, bytes for binary)."""
    tsql: str
    value: object = None


class PoolSession:
    """Per-connection state: ``#temp`` table types and counters (see the module docstring)."""

    def __init__(self, con):
        self.con = con
        self.temp_columns: dict[str, list[tuple[str, str]]] = {}
        self.names = itertools.count(1)
        # T-SQL's 5/2 = 2 and case-insensitive collation (CI_AS) are set when the pool opens the
        # connection (LocalPool.con), before its configuration is locked.
        catalog.ensure_procedure_table(con)

    def unique_name(self, prefix: str) -> str:
        return f"__synhelpers_{prefix}_{next(self.names)}"


def session_for(pool) -> PoolSession:
    """The session of ``pool``'s current connection (a new one after the pool reconnects)."""
    session = _sessions.get(pool)
    con = pool.con
    if session is None or session.con is not con:
        session = _sessions[pool] = PoolSession(con)
    return session


@dataclass
class Context:
    """One batch or procedure call (variables are local to it, as in T-SQL)."""
    pool: object
    session: PoolSession
    results: list = field(default_factory=list)
    variables: dict[str, Variable] = field(default_factory=dict)
    depth: int = 0
    rowcount: int = 0
    statement: object = None
    line_offset: int = 0
    routine: str | None = None

    @property
    def con(self):
        return self.session.con

    def call(self, routine: str) -> "Context":
        """A fresh frame for ``EXEC routine`` (same session and result list, no variables)."""
        if self.depth + 1 > MAX_NESTING:
            raise SqlPoolError(f"Maximum stored procedure nesting level exceeded (limit {MAX_NESTING}).")
        return Context(self.pool, self.session, self.results, {}, self.depth + 1, routine=routine)

    def variable(self, name: str) -> Variable:
        try:
            return self.variables[name.lower().lstrip("@")]
        except KeyError:
            raise SqlPoolError(f'Must declare the scalar variable "@{name.lstrip("@")}".'
                               f"{self.where()}") from None

    # -- DuckDB -----------------------------------------------------------------------------------
    def query(self, sql: str, params: dict | None = None):
        """Run a query; its rows as a pyarrow Table."""
        try:
            return self.con.sql(sql, params=params or None).to_arrow_table()
        except Exception as exc:  # duckdb.Error and its subclasses
            raise self.translate(exc) from exc

    def run(self, sql: str, params: dict | None = None) -> int | None:
        """Run a statement; the number of rows it changed when DuckDB reports one."""
        try:
            cursor = self.con.execute(sql, params or None)
            if cursor.description and cursor.description[0][0] == "Count":
                rows = cursor.fetchall()
                return int(rows[0][0]) if rows else None
            return None
        except Exception as exc:
            raise self.translate(exc) from exc

    def translate(self, exc: Exception) -> Exception:
        """A DuckDB error as the SQL Server message users know, with the statement and line."""
        if isinstance(exc, SynHelpersError):
            return exc
        text = str(exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        for pattern, message in _MESSAGES:
            match = re.search(pattern, text)
            if match:
                return SqlPoolError(f"{message.format(*match.groups())}{self.where()} "
                                    f"(DuckDB: {first})")
        return SqlPoolError(f"{first}{self.where()}")

    def where(self) -> str:
        stmt = self.statement
        if stmt is None:
            return ""
        sql = " ".join(str(stmt.meta.get("sql", "")).split())
        sql = sql if len(sql) <= 120 else sql[:117] + "..."
        line = stmt.meta.get("line")
        if self.routine:    # lines of a procedure count from its CREATE PROCEDURE
            return f" [procedure {self.routine}, line {line}: {sql}]" if sql else ""
        at = f" at line {line + self.line_offset}" if line else ""
        return f" [statement{at}: {sql}]" if sql else ""


_MESSAGES = [
    (r"Table with name (\S+?) does not exist", "Invalid object name '{0}'."),
    # the connection's lockdown (LocalPool.con) refused a file or URL: a name no pool object has
    (r'Cannot access (?:file|directory) "([^"]*)"', "Invalid object name '{0}'."),
    (r'Referenced column "?([^"\s]+)"? not found', "Invalid column name '{0}'."),
    (r"More than one row returned by a subquery", "Subquery returned more than 1 value. This is "
     "not permitted when the subquery follows =, !=, <, <= , >, >= or when the subquery is used "
     "as an expression."),
    (r"Table with name (\S+?) already exists", "There is already an object named '{0}' in the database."),
    (r"NOT NULL constraint failed: (\S+)", "Cannot insert the value NULL into column '{0}'; "
     "column does not allow nulls. INSERT fails."),
    (r"Could not convert string [\"']([^\"']*)[\"'] to '?(\w+)", "Conversion failed when converting "
     "the value '{0}' to data type {1}."),
]
