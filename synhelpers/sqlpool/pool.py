"""The SQL pool seam: a local pool on DuckDB, or a real dedicated pool over ODBC.

``get_pool(name)`` returns :class:`LocalPool` locally (one DuckDB file per pool in the state
directory) and :class:`SynapsePool` in Synapse. Both run T-SQL scripts with :meth:`execute`; the
local one interprets the Synapse dialect itself (:mod:`.tsql`), the real one sends it to the pool.

The local pool reads only what a dedicated pool could: its DuckDB connection has external access
off except for the pool's own staging folder (``<state>/sqlpool-staging/<pool>/``, where the
connector stages Parquet) and the storage roots ``COPY INTO`` reads (``storage_roots``, default
``SYNHELPERS_SQLPOOL_STORAGE_ROOTS`` or ``<state>/storage``); extension auto-install and
auto-load and Python replacement scans are off, and the configuration is locked.
"""
from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from pathlib import Path

from ..exceptions import ConfigError, SqlPoolError
from .names import TableName, check_pool_name, dquote, nstring, sql_string

META_SCHEMA = "__synhelpers"
STORAGE_ROOTS_ENV = "SYNHELPERS_SQLPOOL_STORAGE_ROOTS"
STAGING_DIRNAME = "sqlpool-staging"
_pools: dict[str, "LocalPool"] = {}
_lock = threading.Lock()


class SqlPool(ABC):
    """A dedicated SQL pool."""

    def __init__(self, name: str):
        self.name = check_pool_name(name)

    @abstractmethod
    def execute(self, script: str) -> list:
        """Run a T-SQL script (``GO`` separates batches); return its result sets (pyarrow Tables)."""

    def query(self, script: str):
        """The last result set of ``script`` as a pandas DataFrame (None when there is none)."""
        results = self.execute(script)
        return results[-1].to_pandas() if results else None

    @abstractmethod
    def table_exists(self, table: TableName) -> bool:
        """True when the table exists in the pool."""

    def row_count(self, table: TableName) -> int:
        return int(self.execute(f"SELECT COUNT_BIG(*) AS n FROM {table.tsql}")[-1].column(0)[0].as_py())

    def drop_table(self, table: TableName) -> bool:
        """Drop ``table`` if it exists; True when it existed."""
        if not self.table_exists(table):
            return False
        self.execute(f"DROP TABLE {table.tsql}")
        return True


class LocalPool(SqlPool):
    """A local dedicated SQL pool: an embedded DuckDB database ``sqlpools/<name>.duckdb``.

    Tables keep the T-SQL types they were declared with (``__synhelpers.columns``), so that PREDICT
    can check input types as Synapse does. ``storage_roots``: the folders ``COPY INTO`` may read
    (see the module docstring); the connector stages under :attr:`staging_dir`.
    """

    def __init__(self, name: str, path: str | os.PathLike | None = None,
                 storage_roots: list[str | os.PathLike] | None = None):
        super().__init__(name)
        from ..runtime.state import state_dir, state_path
        self.path = Path(path) if path else state_path("sqlpools", f"{self.name}.duckdb")
        self.staging_dir = state_dir() / STAGING_DIRNAME / self.name
        self.storage_roots = _storage_roots(storage_roots)
        self._con = None
        self.lock = threading.RLock()

    @property
    def con(self):
        """The DuckDB connection (opened on first use, with the ``dbo`` schema and metadata,
        the T-SQL session settings and the lockdown of the module docstring)."""
        if self._con is None:
            from .._compat import require
            duckdb = require("duckdb", extra="local")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                con = duckdb.connect(str(self.path), config={"autoinstall_known_extensions": False,
                                                             "autoload_known_extensions": False})
            except duckdb.IOException as exc:
                raise SqlPoolError(f"The local SQL pool {self.name!r} ({self.path}) is open in "
                                   f"another process: close it first. ({exc})") from exc
            con.execute("CREATE SCHEMA IF NOT EXISTS dbo")
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {META_SCHEMA}")
            con.execute(f"CREATE TABLE IF NOT EXISTS {META_SCHEMA}.columns ("
                        "schema_name VARCHAR, table_name VARCHAR, column_name VARCHAR, "
                        "ordinal INTEGER, tsql_type VARCHAR)")
            self._lock_down(con)
            self._con = con
        return self._con

    def _lock_down(self, con) -> None:
        """T-SQL's session semantics, then no file, URL or extension beyond the pool's folders.

        External access stays off for as long as the database is open (DuckDB refuses to turn
        it on again, or to change the allowed folders): a second connection to the same file in
        this process shares the first one's folders.
        """
        con.execute("SET integer_division = true")           # 5/2 = 2
        con.execute("SET default_collation = 'nocase'")      # SQL_Latin1_General_CP1_CI_AS
        con.execute("SET python_enable_replacements = false")  # no scan of a caller's DataFrame
        if con.execute("SELECT current_setting('enable_external_access')").fetchall()[0][0]:
            for folder in (self.staging_dir, *self.storage_roots):
                folder.mkdir(parents=True, exist_ok=True)
            folders = ", ".join(sql_string(str(f) + os.sep) for f in (self.staging_dir, *self.storage_roots))
            con.execute(f"SET allowed_directories = [{folders}]")
            con.execute("SET enable_external_access = false")

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        _pools.pop(self.name, None)

    def execute(self, script: str) -> list:
        from .tsql.interpreter import run_script
        with self.lock:
            return run_script(self, script)

    def table_exists(self, table: TableName) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE lower(table_schema) = lower(?) "
            "AND lower(table_name) = lower(?)", [table.schema, table.table]).fetchall()
        return row[0][0] > 0

    def row_count(self, table: TableName) -> int:
        """Rows in ``table``, counted by DuckDB directly (no T-SQL engine needed)."""
        with self.lock:
            return int(self.con.execute(f"SELECT count(*) FROM {table.duckdb}").fetchall()[0][0])

    def drop_table(self, table: TableName) -> bool:
        """Drop ``table`` and its declared column types if it exists (one transaction)."""
        target = table.duckdb
        with self.lock:
            if not self.table_exists(table):
                return False
            con = self.con
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(f"DROP TABLE {target}")
                con.execute(f"DELETE FROM {META_SCHEMA}.columns WHERE lower(schema_name) = "
                            "lower(?) AND lower(table_name) = lower(?)", [table.schema, table.table])
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        return True

    # -- declared T-SQL column types ------------------------------------------------------------
    def record_columns(self, table: TableName, columns: list[tuple[str, str]], con=None) -> None:
        """Remember the T-SQL types of ``table``'s columns (replacing earlier ones)."""
        con = con or self.con
        con.execute(f"DELETE FROM {META_SCHEMA}.columns WHERE lower(schema_name) = lower(?) "
                    "AND lower(table_name) = lower(?)", [table.schema, table.table])
        if columns:  # an empty list just forgets the table (DuckDB's executemany refuses [])
            con.executemany(f"INSERT INTO {META_SCHEMA}.columns VALUES (?, ?, ?, ?, ?)",
                            [(table.schema, table.table, c, i, t) for i, (c, t) in enumerate(columns)])

    def declared_columns(self, table: TableName) -> list[tuple[str, str]]:
        """[(column, T-SQL type)] as declared, falling back to types derived from DuckDB's."""
        rows = self.con.execute(
            f"SELECT column_name, tsql_type FROM {META_SCHEMA}.columns WHERE lower(schema_name) = "
            "lower(?) AND lower(table_name) = lower(?) ORDER BY ordinal",
            [table.schema, table.table]).fetchall()
        if rows:
            return [(r[0], r[1]) for r in rows]
        from .types import duckdb_to_tsql
        rows = self.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE "
            "lower(table_schema) = lower(?) AND lower(table_name) = lower(?) "
            "ORDER BY ordinal_position", [table.schema, table.table]).fetchall()
        return [(r[0], duckdb_to_tsql(r[1])) for r in rows]

    # -- loads from Spark (the connector) --------------------------------------------------------
    def load_parquet(self, table: TableName, parquet_glob: str, columns: list[tuple[str, str]],
                     mode: str = "errorifexists", expected_rows: int | None = None) -> dict:
        """Load staged Parquet into ``table`` in one transaction, with the connector's save modes.

        ``columns`` are (name, T-SQL type). ``mode``: ``errorifexists`` (default), ``ignore``,
        ``overwrite`` (TRUNCATE_COPY: replaced atomically), ``append``. The number of rows loaded is
        checked against ``expected_rows`` (or the Parquet files' own count); on any failure the
        transaction rolls back and the previous table is left as it was.

        Returns ``{"table", "mode", "rows_loaded", "rows_in_table", "command"}``.
        """
        from .._faults import fault_point
        from .types import tsql_to_duckdb
        mode = (mode or "errorifexists").lower()
        if mode == "error":
            mode = "errorifexists"
        if mode not in ("errorifexists", "ignore", "overwrite", "append"):
            raise ConfigError(f"mode={mode!r} is not a save mode: use errorifexists, ignore, "
                              "overwrite or append.")
        target = f"{dquote(table.schema)}.{dquote(table.table)}"
        with self.lock:
            exists = self.table_exists(table)
            if exists and mode == "errorifexists":
                raise SqlPoolError(f"Table {table} already exists in SQL pool {self.name!r}: use "
                                   "mode='overwrite' or 'append', or drop it first.")
            if exists and mode == "ignore":
                return {"table": str(table), "mode": mode, "rows_loaded": 0,
                        "rows_in_table": self.row_count(table), "command": "none (ignore)"}
            con = self.con
            names = ", ".join(dquote(c) for c, _ in columns)
            select = ", ".join(f"CAST({dquote(c)} AS {tsql_to_duckdb(t)}) AS {dquote(c)}"
                               for c, t in columns)
            source = f"read_parquet({_sql_string(parquet_glob)})"
            staged = con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0]
            if expected_rows is not None and staged != expected_rows:
                raise SqlPoolError(f"Staging for {table} holds {staged} rows, expected "
                                   f"{expected_rows}: nothing was loaded.")
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {dquote(table.schema)}")
                before = 0
                if exists and mode == "append":
                    before = con.execute(f"SELECT count(*) FROM {target}").fetchall()[0][0]
                else:
                    con.execute(f"DROP TABLE IF EXISTS {target}")
                    ddl = ", ".join(f"{dquote(c)} {tsql_to_duckdb(t)}" for c, t in columns)
                    con.execute(f"CREATE TABLE {target} ({ddl})")
                    self.record_columns(table, columns, con)
                con.execute(f"INSERT INTO {target} ({names}) SELECT {select} FROM {source}")
                after = con.execute(f"SELECT count(*) FROM {target}").fetchall()[0][0]
                if after - before != staged:
                    raise SqlPoolError(f"Loaded {after - before} rows into {table}, staged {staged}.")
                fault_point("pool.load.inserted")     # a kill here: DuckDB drops the whole transaction
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        applied = {"overwrite": "TRUNCATE_COPY", "append": "APPEND",
                   "errorifexists": "ERRORIFEXISTS", "ignore": "IGNORE"}[mode]
        return {"table": str(table), "mode": applied, "rows_loaded": int(staged),
                "rows_in_table": int(after), "command": f"COPY INTO {table.tsql}"}


def _sql_string(value: str) -> str:
    return sql_string(value)


def _storage_roots(roots) -> list[Path]:
    """The folders COPY INTO reads: ``roots``, else ``SYNHELPERS_SQLPOOL_STORAGE_ROOTS``
    (``os.pathsep``-separated), else ``<state>/storage``; absolute, symlinks resolved."""
    from ..runtime.state import state_dir
    if roots is None:
        configured = os.environ.get(STORAGE_ROOTS_ENV, "")
        roots = [r for r in configured.split(os.pathsep) if r.strip()] or [state_dir() / "storage"]
    return [Path(r).expanduser().resolve() for r in roots]


def table_exists_sql(table: TableName) -> str:
    """T-SQL counting the tables named ``table`` (column ``n``): names as N'...' literals."""
    return ("SELECT COUNT(*) AS n FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = "
            f"{nstring(table.schema)} AND TABLE_NAME = {nstring(table.table)}")


class SynapsePool(SqlPool):
    """A real dedicated SQL pool over ODBC (pyodbc and Microsoft's ODBC Driver 18 or 17).

    The server comes from ``SYNHELPERS_SQLPOOL_SERVER``; the authentication from
    ``SYNHELPERS_SQLPOOL_AUTH`` (``msi``, ``sql`` or ``service_principal``; default ``sql`` when
    ``SYNHELPERS_SQLPOOL_USER`` is set, else the workspace's managed identity), the secret from
    Key Vault (``sqlpool-password`` through ``mssparkutils.credentials``; the environment
    locally). See :mod:`.odbc`.
    """

    def __init__(self, name: str, server: str | None = None):
        super().__init__(name)
        self.server = server or os.environ.get("SYNHELPERS_SQLPOOL_SERVER", "")
        self._con = None

    def connect(self):
        if self._con is None:
            from .._compat import require
            from .odbc import connection_string, installed_drivers, pick_driver
            pyodbc = require("pyodbc", extra="synapse")
            user = os.environ.get("SYNHELPERS_SQLPOOL_USER") or None
            authentication = os.environ.get("SYNHELPERS_SQLPOOL_AUTH") or ("sql" if user else "msi")
            password = None
            if authentication != "msi":
                from ..runtime import mssparkutils
                password = mssparkutils.credentials.getSecret(
                    os.environ.get("SYNHELPERS_KEY_VAULT", ""), "sqlpool-password")
            string = connection_string(self.name, self.server, pick_driver(installed_drivers()),
                                       authentication, user, password)
            self._con = pyodbc.connect(string, autocommit=True)
        return self._con

    def execute(self, script: str) -> list:
        import pyarrow as pa
        from .tsql.batches import iter_batches
        results = []
        cursor = self.connect().cursor()
        for batch in iter_batches(script):          # GO n repeats are capped, never a list
            for _ in range(batch.repeat):
                cursor.execute(batch.text)
                while True:
                    if cursor.description:
                        names = [d[0] for d in cursor.description]
                        rows = cursor.fetchall()
                        results.append(pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)}))
                    if not cursor.nextset():
                        break
        return results

    def table_exists(self, table: TableName) -> bool:
        return int(self.execute(table_exists_sql(table))[-1].column(0)[0].as_py()) > 0


def get_pool(name: str) -> SqlPool:
    """The pool named ``name``: local (cached per process) or the Synapse one."""
    from ..runtime import is_synapse
    if is_synapse():
        return SynapsePool(name)
    check_pool_name(name)
    with _lock:
        pool = _pools.get(name)
        if pool is None:
            pool = _pools[name] = LocalPool(name)
        return pool
