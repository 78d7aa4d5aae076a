"""``COPY INTO`` from local CSV or Parquet files (the form of synapse.md §2.2).

``COPY INTO t (col [DEFAULT v] ordinal, ...) FROM '<path>'[, ...] WITH (FILE_TYPE = 'CSV' |
'PARQUET', FIRSTROW = n, FIELDTERMINATOR = ',', ROWTERMINATOR = '0x0A', FIELDQUOTE = '"', ...)``.
CSV fields are read as text and converted to each column's declared T-SQL type (hex text for
varbinary, as Synapse does); Parquet columns are matched by name (then by an explicit ordinal); table
columns the file or the column list lacks get their default (NULL, or the next IDENTITY value);
``DEFAULT v`` replaces NULLs. Paths are local files, ``file://`` URLs or globs;
``https://``, ``abfss://`` and ``wasbs://`` locations, ORC, UTF-16, ``DATEFORMAT``, ``ERRORFILE``,
``MAXERRORS`` > 0 and ``AUTO_CREATE_TABLE = 'ON'`` raise :class:`UnsupportedSqlError`.

The local files play the storage account: every file (symlinks resolved) must be inside one of the
pool's ``storage_roots`` (:class:`~synhelpers.sqlpool.pool.LocalPool`), as a dedicated pool reads
only the storage it is given access to; anything else is refused before a byte is read. DuckDB
gets the resolved file list, never the pattern, and its own lockdown holds the same folders.
"""
from __future__ import annotations

import glob
import re
from pathlib import Path

from sqlglot import exp

from ...exceptions import SqlPoolError
from ..names import dquote, sql_string
from ..types import split_type
from . import coltypes, ddl, transpile
from .nodes import CopyInto

_IGNORED = {"CREDENTIAL", "ERRORFILE_CREDENTIAL", "IDENTITY_INSERT", "COMPRESSION"}
_KNOWN = {"FILE_TYPE", "FILE_FORMAT", "FIRSTROW", "FIELDTERMINATOR", "ROWTERMINATOR", "FIELDQUOTE",
          "ENCODING", "MAXERRORS", "AUTO_CREATE_TABLE", *_IGNORED}
_NEWLINES = {"0x0a": "\\n", "\\n": "\\n", "\n": "\\n", "0x0d0a": "\\r\\n", "\\r\\n": "\\r\\n",
             "\r\n": "\\r\\n", "0x0d": "\\r", "\\r": "\\r"}


def copy_into(ctx, node: CopyInto) -> None:
    table = node.this
    temporary = transpile.is_temp(table)
    name = ddl._name(ctx, table)
    if not ddl._exists(ctx, name, temporary):
        raise SqlPoolError(f"Invalid object name '{name}'.{ctx.where()}")
    declared = (ctx.session.temp_columns.get("#" + name.table.lower()) if temporary
                else ctx.pool.declared_columns(name))
    options = _options(ctx, node)
    files = [path for f in node.args["files"] for path in _local_files(ctx, f.name)]
    file_type = str(options.get("FILE_TYPE", "CSV")).upper()
    mapping = _mapping(ctx, node, declared)
    if file_type == "CSV":
        source, fields = _csv_source(ctx, files, options), None
    elif file_type == "PARQUET":
        source = f"read_parquet([{', '.join(_string(f) for f in files)}])"
        fields = [c.lower() for c in ctx.query(f"SELECT * FROM {source} LIMIT 0").column_names]
    else:
        raise transpile.unsupported(ctx, f"COPY INTO with FILE_TYPE = '{file_type}' (use CSV or PARQUET)")
    loaded = []                               # (column, DuckDB value); the others get defaults
    for column, tsql in declared:
        entry = mapping.get(column.lower())
        if entry is None:
            continue
        ordinal, default, explicit = entry
        if fields is None:
            value = _from_text(f"column{ordinal - 1}", tsql)
        elif column.lower() in fields:
            value = f"CAST(src.{dquote(column)} AS {coltypes.duckdb_type(tsql)})"
        elif explicit and ordinal <= len(fields):
            value = f"CAST(src.{dquote(fields[ordinal - 1])} AS {coltypes.duckdb_type(tsql)})"
        elif not node.args.get("columns"):
            continue
        else:
            raise SqlPoolError(f"COPY INTO {name}: column [{column}] is not in the Parquet file(s) "
                               f"(columns: {', '.join(fields)}).{ctx.where()}")
        loaded.append((column, f"coalesce({value}, {default})" if default else value))
    if not loaded:
        raise SqlPoolError(f"COPY INTO {name}: no column of the table is in the file(s).{ctx.where()}")
    target = ddl.target_sql(name, temporary)
    columns = ", ".join(dquote(c) for c, _ in loaded)
    ctx.rowcount = ctx.run(f"INSERT INTO {target} ({columns}) SELECT {', '.join(v for _, v in loaded)} "
                           f"FROM {source} AS src") or 0


def _options(ctx, node: CopyInto) -> dict:
    options = {}
    for prop in node.args.get("options") or []:
        key = prop.name.upper()
        if key not in _KNOWN:
            raise transpile.unsupported(ctx, f"the COPY INTO option {key}")
        value = prop.args.get("value")
        options[key] = value.name if isinstance(value, (exp.Literal, exp.Var)) else value
    if str(options.get("MAXERRORS", "0")) != "0":
        raise transpile.unsupported(ctx, "COPY INTO with MAXERRORS > 0 (rejected rows)")
    if str(options.get("AUTO_CREATE_TABLE", "OFF")).upper() != "OFF":
        raise transpile.unsupported(ctx, "COPY INTO with AUTO_CREATE_TABLE = 'ON': create the table first")
    if str(options.get("ENCODING", "UTF8")).upper().replace("-", "") != "UTF8":
        raise transpile.unsupported(ctx, "COPY INTO with ENCODING other than UTF8")
    if "FILE_FORMAT" in options:
        raise transpile.unsupported(ctx, "COPY INTO with FILE_FORMAT (external file formats): use FILE_TYPE")
    return options


def _mapping(ctx, node: CopyInto, declared: list[tuple[str, str]]) -> dict:
    """{target column (lower): (1-based source field, DuckDB default SQL or None, ordinal given)}."""
    names = {c.lower() for c, _ in declared}
    entries = node.args.get("columns")
    if not entries:
        return {c.lower(): (i, None, False) for i, (c, _) in enumerate(declared, 1)}
    mapping = {}
    for position, entry in enumerate(entries, 1):
        column = entry.name
        if column.lower() not in names:
            raise SqlPoolError(f"COPY INTO: [{column}] is not a column of the target table."
                               f"{ctx.where()}")
        ordinal = int(entry.args["ordinal"].name) if entry.args.get("ordinal") else position
        default = entry.args.get("default")
        if default is not None:
            prepared, _ = transpile.prepare(ctx, default)
            default = transpile.to_duckdb(ctx, prepared)
        mapping[column.lower()] = (ordinal, default, entry.args.get("ordinal") is not None)
    return mapping


def _csv_source(ctx, files: list[str], options: dict) -> str:
    first_row = int(options.get("FIRSTROW", 1))
    quote = _string(options.get("FIELDQUOTE", '"'))
    args = [f"[{', '.join(_string(f) for f in files)}]", "header = false", "all_varchar = true",
            f"skip = {max(first_row - 1, 0)}", f"quote = {quote}", f"escape = {quote}",
            f"delim = {_string(_unescape(options.get('FIELDTERMINATOR', ',')))}", "null_padding = true"]
    terminator = options.get("ROWTERMINATOR")
    if terminator is not None:
        newline = _NEWLINES.get(str(terminator).lower())
        if newline is None:
            raise transpile.unsupported(ctx, f"ROWTERMINATOR = '{terminator}' (use '0x0A', '\\n' or '\\r\\n')")
        args.append(f"new_line = '{newline}'")
    return f"read_csv({', '.join(args)})"


def _from_text(field: str, tsql: str) -> str:
    base = split_type(tsql)[0]
    if base in coltypes.STRING_TYPES or base in ("text", "ntext", "xml"):
        return field
    if base in ("binary", "varbinary", "image"):
        return f"from_hex(regexp_replace({field}, '^0[xX]', ''))"
    if base == "bit":
        return (f"CASE lower({field}) WHEN 'true' THEN true WHEN 'false' THEN false "
                f"ELSE CAST(CAST({field} AS INTEGER) <> 0 AS BOOLEAN) END")
    return f"CAST({field} AS {coltypes.duckdb_type(tsql)})"


def _local_files(ctx, location: str) -> list[str]:
    """The files ``location`` (a path, ``file://`` URL or glob) names, resolved, each inside one of
    the pool's storage roots.

    Raises:
        UnsupportedSqlError: a URL (the local pool reads local files only).
        SqlPoolError: a location outside the storage roots, or no such file.
    """
    lowered = location.lower()
    path = location[7:] if lowered.startswith("file://") else location
    if "://" in lowered and not lowered.startswith("file://"):
        raise transpile.unsupported(ctx, f"COPY INTO from '{location}': the local pool reads local "
                                         "files only (download the file, or load it with the connector)")
    roots = list(getattr(ctx.pool, "storage_roots", []))
    fixed = re.split(r"[*?\[]", path, maxsplit=1)[0]         # the folder part before any wildcard
    if not _inside(Path(fixed or ".").resolve(), roots):
        raise _outside(ctx, location, roots)
    matches = sorted(glob.glob(path))
    if not matches:
        raise SqlPoolError(f"Cannot bulk load because the file \"{location}\" could not be opened: "
                           f"it does not exist.{ctx.where()}")
    files = []
    for match in matches:
        real = Path(match).resolve()
        if not _inside(real, roots):                           # a symlink out of the root
            raise _outside(ctx, location, roots)
        files.append(str(real))
    return files


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _outside(ctx, location: str, roots: list[Path]) -> SqlPoolError:
    shown = ", ".join(str(r) for r in roots) or "none"
    return SqlPoolError(f"Cannot bulk load because the file \"{location}\" could not be opened: it is "
                        f"outside the storage roots of SQL pool '{ctx.pool.name}' ({shown}). Put the "
                        "file under one of them, or give the pool more roots (LocalPool(storage_roots=...) "
                        f"or SYNHELPERS_SQLPOOL_STORAGE_ROOTS).{ctx.where()}")


def _unescape(value) -> str:
    value = str(value)
    if value.lower().startswith("0x"):
        return bytes.fromhex(value[2:]).decode()
    return value.replace("\\t", "\t")


def _string(value: str) -> str:
    return sql_string(value)
