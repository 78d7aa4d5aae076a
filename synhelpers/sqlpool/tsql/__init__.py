"""The T-SQL engine of the local dedicated SQL pool.

Modules, one concept each:

- :mod:`.batches` splits scripts on ``GO`` lines (pure; SynapsePool uses it too);
- :mod:`.dialect` is the Synapse dialect of sqlglot's T-SQL (PREDICT, COPY INTO, table options,
  types) with :func:`parse_batch`; :mod:`.statements` its statement structure (no semicolons,
  control flow, procedures); :mod:`.nodes` the AST nodes it adds;
- :mod:`.interpreter` runs a script on a :class:`~synhelpers.sqlpool.pool.LocalPool`
  (:func:`run_script`): variables, control flow and procedures in Python; :mod:`.context` holds
  the session and frames; leaf statements go through :mod:`.transpile` and :mod:`.leaf` to DuckDB;
  DDL is :mod:`.ddl`, ``COPY INTO`` :mod:`.copy_into`, system views and stored procedures
  :mod:`.catalog`, declared types :mod:`.coltypes`, PREDICT :mod:`.predict` + :mod:`.onnx_model`.

What runs: ``CREATE TABLE`` with Synapse options (DISTRIBUTION, HEAP, CLUSTERED [COLUMNSTORE]
INDEX, PARTITION; PRIMARY KEY/UNIQUE NOT ENFORCED; IDENTITY; DEFAULT), CTAS, ``SELECT ... INTO``
(``#temp`` tables scoped to the pool object's connection), views, schemas, ``DROP [IF EXISTS]``,
``TRUNCATE``, ``RENAME OBJECT`` (tables), ``INSERT``/``UPDATE``/``DELETE``/``MERGE``,
``SELECT [TOP (n)]`` with CTEs,
``COPY INTO`` from local CSV/Parquet, ``DECLARE``/``SET``/``SELECT @v =``, ``IF``/``ELSE``,
``BEGIN``/``END``, ``WHILE``/``BREAK``/``CONTINUE``, ``RETURN``, ``PRINT``, ``THROW``,
``RAISERROR``, ``BEGIN TRAN``/``COMMIT``/``ROLLBACK``, ``CREATE [OR ALTER] | ALTER | DROP
PROCEDURE`` (stored in the DuckDB file) and ``EXEC`` with positional/named parameters and return
status, ``sys.objects|tables|views|schemas|procedures|columns|sql_modules``,
``INFORMATION_SCHEMA.TABLES|COLUMNS|ROUTINES``, ``OBJECT_ID()``, ``@@ROWCOUNT`` and PREDICT.

What raises :class:`~synhelpers.exceptions.UnsupportedSqlError` (naming the statement): table
variables, ``TRY``/``CATCH``, ``DELETE/UPDATE/INSERT TOP``, ``OUTPUT``, ``FOR XML/JSON``, query
options other than ``LABEL``, ``CONVERT`` with a style, cross-database names, table-valued
functions, dynamic SQL (``EXEC('...')``), OUTPUT parameters, indexes, views over PREDICT, most
``SET`` options, COPY INTO from URLs and its error-handling options, and anything sqlglot would
fall back to a Command for. Nothing of a batch runs when any of its statements is refused.

T-SQL semantics kept locally: ``5/2 = 2``, case-insensitive string comparison (DuckDB's default
collation is set to NOCASE for the pool's database, like SQL_Latin1_General_CP1_CI_AS), NULLs
sort first, ``LEN`` ignores trailing spaces, ``real`` is 4 bytes and ``float`` 8. String casts
truncate as T-SQL does: ``CAST(x AS varchar)`` keeps 30 characters (``varchar(n)`` n, ``(max)``
all), a ``varchar`` variable without length keeps 1. Declared column lengths are *not* enforced on
INSERT (Synapse raises "String or binary data would be truncated"; the local pool stores the value).

Only :mod:`.batches` and :mod:`.dialect` are imported here: importing the package needs sqlglot,
not DuckDB, pyarrow or onnxruntime.
"""
from __future__ import annotations

from .batches import split_batches
from .dialect import SynapseTSQL, parse_batch

__all__ = ["split_batches", "SynapseTSQL", "parse_batch", "run_script"]


def run_script(pool, script: str) -> list:
    """Execute ``script`` on a LocalPool; see :func:`.interpreter.run_script`."""
    from .interpreter import run_script as _run
    return _run(pool, script)
