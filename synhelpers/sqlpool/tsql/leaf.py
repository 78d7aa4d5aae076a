"""One leaf statement (a query or DML): T-SQL AST -> PREDICT steps -> DuckDB SQL -> rows."""
from __future__ import annotations

from typing import Callable

from sqlglot import exp

from . import predict, transpile
from .transpile import used_params


def run_leaf(ctx, tree: exp.Expr, rows: bool, wrap: Callable[[str], str] | None = None):
    """Execute ``tree`` on the pool; a pyarrow Table when ``rows`` (else None).

    PREDICT nodes are evaluated first, batch by batch (each becomes the Parquet file of its scores,
    removed afterwards); ``wrap`` turns the generated query into the statement to run (CTAS). Sets
    ``ctx.rowcount`` (``@@ROWCOUNT``).
    """
    prepared, params = transpile.prepare(ctx, tree)
    spills: list = []
    try:
        shortcut = predict.expand(ctx, prepared, params, spills, collect=rows and wrap is None)
        if shortcut is not None:
            ctx.rowcount = shortcut.num_rows
            return shortcut
        sql = transpile.to_duckdb(ctx, prepared)
        if wrap is not None:
            sql = wrap(sql)
        used = used_params(sql, params)
        if rows:
            table = ctx.query(sql, used)
            ctx.rowcount = table.num_rows
            return table
        ctx.rowcount = ctx.run(sql, used) or 0
        return None
    finally:
        for spill in spills:
            spill.close()


def scalar(ctx, expression: exp.Expr, tsql_type: str | None = None):
    """Evaluate a T-SQL expression (optionally converted to ``tsql_type``) to a Python value."""
    if tsql_type:
        expression = typed(expression, tsql_type)
    table = run_leaf(ctx, exp.select(expression.as_("v")), rows=True)
    return table.column(0)[0].as_py() if table.num_rows else None


def typed(expression: exp.Expr, tsql_type: str) -> exp.Expr:
    """``CAST(expression AS tsql_type)`` with T-SQL's assignment rules (``varchar`` alone is 1 char)."""
    from . import coltypes
    cast = exp.Cast(this=expression, to=exp.DataType.build(coltypes.duckdb_type(tsql_type),
                                                           dialect="duckdb"))
    cast.meta["truncated"] = True
    length = coltypes.string_length(tsql_type, default=1)
    return cast if length is None else exp.Left(this=cast, expression=exp.Literal.number(length))
