"""Leaf statements: rewrite the T-SQL AST for DuckDB, then generate DuckDB SQL.

:func:`prepare` works on a copy of one statement and

- binds ``@variables`` as DuckDB parameters, cast to their declared types (``@@ROWCOUNT`` too);
- maps ``#temp`` (and ``[dbo].[#temp]``, ``tempdb..#temp``) to DuckDB ``TEMP`` tables;
- qualifies unqualified tables with ``dbo`` (T-SQL's default schema; DuckDB's is ``main``);
- replaces ``sys.*`` / ``INFORMATION_SCHEMA.*`` views and ``OBJECT_ID()`` by catalog subqueries;
- keeps T-SQL semantics sqlglot would lose: ``CONVERT`` fails on bad data (sqlglot writes
  TRY_CAST), ``CAST(x AS varchar)`` keeps 30 characters (``varchar(n)`` keeps n), ``LEN`` ignores
  trailing spaces, ``'a' + 'b'`` concatenates;
- drops what has no local meaning (table hints such as NOLOCK, ``OPTION (LABEL = ...)``) and
  refuses what it cannot honour (``OUTPUT``, ``FOR XML/JSON``, other query options, three-part
  names of another database, table-valued functions) with :class:`UnsupportedSqlError`.

:func:`to_duckdb` then generates DuckDB SQL, refusing (never blanking) anything sqlglot cannot render.
"""
from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, UnsupportedError

from ...exceptions import ConfigError, SqlPoolError, UnsupportedSqlError
from ..names import MAX_NAME, control_character, parse_table_name
from . import catalog, coltypes
from .nodes import Predict

SYSTEM_SCHEMAS = ("sys", "information_schema")
# T-SQL's own table-valued functions: refused as unsupported; any other function in FROM (DuckDB's
# read_csv, read_text, glob, ...) is an object a dedicated pool does not have.
TSQL_TABLE_FUNCTIONS = {"STRING_SPLIT", "OPENJSON", "OPENROWSET", "OPENQUERY", "OPENDATASOURCE",
                        "OPENXML", "CHANGETABLE", "CONTAINSTABLE", "FREETEXTTABLE", "GENERATE_SERIES"}
_NO_OP_OPTIONS = {"LABEL"}
_NO_OP_SET_OPTIONS = {"NOCOUNT", "ANSI_NULLS", "QUOTED_IDENTIFIER", "XACT_ABORT", "ANSI_WARNINGS",
                      "ARITHABORT", "ANSI_PADDING", "CONCAT_NULL_YIELDS_NULL", "ANSI_NULL_DFLT_ON"}
_PARAM = re.compile(r"\$(p\d+)\b")


def prepare(ctx, tree: exp.Expr) -> tuple[exp.Expr, dict]:
    """Rewrite ``tree`` (a copy is made) for DuckDB; returns (tree, DuckDB parameters)."""
    params: dict[str, object] = {}

    def rewrite(node: exp.Expr) -> exp.Expr:
        check(ctx, node)
        if isinstance(node, exp.Parameter):
            return _bind(ctx, node, params)
        if isinstance(node, exp.Table):
            return _table(ctx, node)
        if isinstance(node, exp.Column) and _temp_identifier(node.args.get("table")):
            node.set("table", exp.to_identifier("#" + node.table.lstrip("#"), quoted=True))
            return node
        if isinstance(node, exp.ObjectId) or (isinstance(node, exp.Anonymous)
                                              and node.name.upper() == "OBJECT_ID"):
            return _object_id(ctx, node)
        if isinstance(node, exp.Convert):
            return _cast(exp.Cast(this=node.expression, to=node.this))
        if isinstance(node, (exp.Cast, exp.TryCast)):
            return _cast(node)
        if isinstance(node, exp.Length) and not node.meta.get("rtrimmed"):
            node.set("this", exp.Trim(this=node.this, position="TRAILING"))
            node.meta["rtrimmed"] = True
            return node
        if isinstance(node, exp.Add) and (_is_string(node.this) or _is_string(node.expression)):
            return exp.DPipe(this=node.this, expression=node.expression, safe=True)
        if isinstance(node, exp.WithTableHint):
            return None
        if isinstance(node, exp.QueryOption):   # LABEL (the others are refused)
            return None
        return node

    tree = rewrite_bottom_up(tree.copy(), rewrite)
    for select in tree.find_all(exp.Select):
        if select.args.get("options") == []:
            select.set("options", None)
    return tree, params


def check(ctx, node: exp.Expr) -> None:
    """The static checks of one node: raise what a dedicated pool would (Invalid object name,
    a too long identifier) or :class:`UnsupportedSqlError` for what the local pool cannot run."""
    name = unknown_function(node)
    if name is not None:
        raise invalid_object(ctx, name)
    if isinstance(node, exp.Identifier) and isinstance(node.this, str):
        if len(node.this) > MAX_NAME:
            raise SqlPoolError(f"The identifier that starts with '{node.this[:MAX_NAME]}' is too long. "
                               f"Maximum length is {MAX_NAME}.{ctx.where()}")
        if control_character(node.this) is not None:
            raise unsupported(ctx, f"control characters in names ({node.this!r}): rename it")
    reason = refusal(node, ctx.pool.name)
    if reason:
        raise unsupported(ctx, reason)


def unknown_function(node: exp.Expr) -> str | None:
    """The name of a function used as a table that is not one of T-SQL's (``read_csv(...)``)."""
    if isinstance(node, exp.Table) and node.this is not None and not isinstance(node.this, exp.Identifier) \
            and not node.meta.get("synhelpers"):
        name = node.this.name if isinstance(node.this, exp.Anonymous) else \
            node.this.sql("tsql").split("(")[0].lower()          # sqlglot knows it: upper-cased
        if name.upper() not in TSQL_TABLE_FUNCTIONS:
            return name
    return None


def invalid_object(ctx, name: str) -> SqlPoolError:
    """What a dedicated pool says of a name it does not know (Msg 208)."""
    return SqlPoolError(f"Invalid object name '{name}'.{ctx.where()}")


def refusal(node: exp.Expr, pool_name: str) -> str | None:
    """Why the local pool cannot run ``node`` (None when it can): the static checks.

    Used on every node of a batch before any of it runs, and again while rewriting.
    """
    if isinstance(node, exp.Command):
        return f"this statement: {' '.join(node.sql('tsql').split())[:200]}"
    if isinstance(node, exp.Returning):
        return "the OUTPUT clause"
    if isinstance(node, exp.ForClause):
        return f"FOR {node.args.get('kind')}"
    if isinstance(node, exp.QueryOption) and node.name.upper() not in _NO_OP_OPTIONS:
        return f"OPTION ({node.name})"
    if isinstance(node, exp.Convert) and node.args.get("style"):
        return "CONVERT with a style argument (use CAST or FORMAT)"
    if isinstance(node, exp.Parameter) and isinstance(node.this, exp.Parameter) \
            and node.this.name.upper() != "ROWCOUNT":
        return f"@@{node.this.name.upper()}"
    if isinstance(node, exp.DeclareItem) and not isinstance(node.args.get("kind"), exp.DataType):
        return "table variables (DECLARE @t TABLE): use a #temp table"
    if isinstance(node, exp.SetItem):
        item = node.this
        if not (isinstance(item, exp.EQ) and (isinstance(item.this, exp.Parameter) or
                                              item.this.name.upper() in _NO_OP_SET_OPTIONS)):
            return f"SET {' '.join(node.sql('tsql').split())}"
    if isinstance(node, exp.Execute) and not (isinstance(node.this, exp.Table)
                                              and isinstance(node.this.this, exp.Identifier)):
        return "EXEC of a dynamic SQL string"
    if isinstance(node, exp.Table) and not node.meta.get("synhelpers"):
        if node.this is not None and not isinstance(node.this, exp.Identifier):
            return f"the table-valued function {node.this.sql('tsql')}"
        if node.catalog and node.catalog.lower() not in (pool_name.lower(), "tempdb"):
            return f"references to another database ([{node.catalog}])"
    return None


def to_duckdb(ctx, tree: exp.Expr) -> str:
    """DuckDB SQL for a prepared statement.

    Raises:
        UnsupportedSqlError: when sqlglot cannot render a construct faithfully.
    """
    try:
        sql = tree.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as err:
        raise unsupported(ctx, str(err)) from err
    except ValueError as err:
        raise unsupported(ctx, str(err)) from err
    if not sql.strip():
        raise unsupported(ctx, "this statement (it has no DuckDB equivalent)")
    return sql


def rewrite_bottom_up(tree: exp.Expr, fn) -> exp.Expr:
    """Apply ``fn`` to every node, children first; ``fn`` returns the node, a new one, or None.

    Unlike ``Expr.transform`` (which does not visit below a replaced node), every original node is
    visited, so a variable inside a rewritten CAST is still bound.
    """
    root = tree
    for node in reversed(list(tree.dfs())):
        parent, arg_key, index = node.parent, node.arg_key, node.index
        new = fn(node)
        if new is node:
            continue
        if node is root:
            root = new
        elif parent is not None:
            parent.set(arg_key, new, index)
    return root


def used_params(sql: str, params: dict) -> dict:
    """The parameters ``sql`` refers to (DuckDB refuses unused ones)."""
    names = set(_PARAM.findall(sql))
    return {k: v for k, v in params.items() if k in names}


def unsupported(ctx, what: str) -> UnsupportedSqlError:
    return UnsupportedSqlError(f"The local SQL pool does not support {what}.{ctx.where()}")


def temp_table(name: str) -> exp.Table:
    """The DuckDB TEMP table holding T-SQL ``#name``."""
    return exp.Table(this=exp.to_identifier("#" + name.lstrip("#"), quoted=True),
                     db=exp.to_identifier("main"), catalog=exp.to_identifier("temp"))


def _temp_identifier(ident) -> bool:
    return isinstance(ident, exp.Identifier) and bool(ident.args.get("temporary") or ident.args.get("global_"))


def is_temp(table: exp.Table) -> bool:
    ident = table.this
    return isinstance(ident, exp.Identifier) and bool(
        ident.args.get("temporary") or ident.args.get("global_") or ident.name.startswith("#")
        or table.catalog.lower() == "tempdb")


def qualified_name(ctx, table: exp.Table) -> "TableName":  # noqa: F821
    """The pool table a (T-SQL) Table node names, schema defaulting to dbo."""
    from ..names import TableName
    reason = refusal(table, ctx.pool.name)
    if reason:
        raise unsupported(ctx, reason)
    return TableName("", table.db or "dbo", table.name)


# -- rewrites ------------------------------------------------------------------------------------
def _bind(ctx, node: exp.Parameter, params: dict) -> exp.Expr:
    if (isinstance(node.parent, Predict) and node.arg_key == "model") or isinstance(node.parent, exp.Parameter):
        return node   # the PREDICT model is read in Python; the inner part of @@NAME is handled below
    if isinstance(node.this, exp.Parameter):   # @@ROWCOUNT (refusal() rejects the others)
        return exp.Literal.number(ctx.rowcount)
    variable = ctx.variable(node.name)
    key = f"p{len(params)}"
    params[key] = variable.value
    return exp.Cast(this=exp.Placeholder(this=key),
                    to=exp.DataType.build(coltypes.duckdb_type(variable.tsql), dialect="duckdb"))


def _table(ctx, node: exp.Table) -> exp.Expr:
    """A table reference for DuckDB: a CTE in scope stays as it is; every other name must be a
    table or view of the pool (else "Invalid object name", as Synapse says, and never a file or
    URL DuckDB would try), qualified with its schema."""
    if node.meta.get("synhelpers"):
        return node
    if is_temp(node):
        target = temp_table(node.name)
        if not catalog.temp_table_exists(ctx.con, "#" + node.name.lstrip("#")):
            raise invalid_object(ctx, written_name(node))
    elif node.db.lower() in SYSTEM_SCHEMAS:
        sql = catalog.system_view_sql(node.db, node.name)
        alias = node.alias or node.name
        return exp.Subquery(this=sqlglot.parse_one(sql, read="duckdb"),
                            alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True)))
    elif not node.db and cte_in_scope(node):
        return node
    else:
        name = qualified_name(ctx, node)
        if not catalog.object_exists(ctx.con, name):
            raise invalid_object(ctx, written_name(node))
        target = exp.Table(this=node.this.copy(), db=exp.to_identifier(name.schema, quoted=True))
    for key in ("this", "db", "catalog"):
        node.set(key, target.args.get(key))
    node.meta["synhelpers"] = True
    return node


def written_name(table: exp.Table) -> str:
    """The table's name as the script wrote it, without brackets: ``dbo.my table``."""
    return ".".join(part for part in (table.catalog, table.db, table.name) if part)


def cte_in_scope(table: exp.Table) -> bool:
    """True when an unqualified ``table`` names a CTE visible where it is used: one of an
    enclosing query's, or an earlier one (or itself) of the WITH it is defined in."""
    name = table.name.lower()
    node = table
    while node.parent is not None:
        parent = node.parent
        if isinstance(parent, exp.With):
            ctes = parent.expressions
            position = next((i for i, c in enumerate(ctes) if c is node), len(ctes) - 1)
            if any(c.alias_or_name.lower() == name for c in ctes[:position + 1]):
                return True
            node = parent.parent           # the query owning this WITH: its CTEs are looked at
            if node is None:
                return False
            continue
        with_ = parent.args.get("with_")
        if isinstance(with_, exp.With) and any(c.alias_or_name.lower() == name for c in with_.expressions):
            return True
        node = parent
    return False


def _object_id(ctx, node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.ObjectId):
        args = [a for a in (node.this, node.expression) if a is not None]
    else:
        args = node.expressions
    if not args or not all(isinstance(a, exp.National) or (isinstance(a, exp.Literal) and a.is_string)
                           for a in args):
        raise unsupported(ctx, "OBJECT_ID() with a non-literal argument")
    text = args[0].name
    temporary = text.lower().startswith(("tempdb..#", "tempdb.dbo.#", "#"))
    if temporary:
        text = text[text.index("#"):]
    kind = args[1].name.strip().upper() if len(args) > 1 else None
    try:
        name = parse_table_name(text.replace("..", ".dbo."), parameter="OBJECT_ID")
    except ConfigError:             # SQL Server: a name that does not parse is no object (NULL)
        return exp.Cast(this=exp.Null(), to=exp.DataType.build("INTEGER"))
    return exp.Subquery(this=sqlglot.parse_one(catalog.object_id_sql(name, kind, temporary)[1:-1],
                                               read="duckdb"))


def _cast(node: exp.Expr) -> exp.Expr:
    """Cast to the DuckDB storage type of the T-SQL type; strings keep n characters (30 if no n)."""
    to = node.args.get("to")
    if node.meta.get("truncated") or not isinstance(to, exp.DataType):
        return node
    tsql = coltypes.tsql_type(to)
    node.set("to", exp.DataType.build(coltypes.duckdb_type(tsql), dialect="duckdb"))
    node.meta["truncated"] = True
    length = coltypes.string_length(tsql, default=30)
    return node if length is None else exp.Left(this=node, expression=exp.Literal.number(length))


def _is_string(node: exp.Expr) -> bool:
    if isinstance(node, exp.Literal) and node.is_string:
        return True
    if isinstance(node, (exp.National, exp.Chr, exp.Concat)):
        return True
    if isinstance(node, exp.Left) and node.this.meta.get("truncated"):
        return True
    return isinstance(node, exp.DPipe)
