"""The T-SQL interpreter of the local dedicated SQL pool.

:func:`run_script` splits a script into ``GO`` batches, parses each with the Synapse dialect
(the whole batch first, as SQL Server does: a syntax error or an unsupported statement anywhere
runs nothing of that batch), then executes statement by statement. Variables, control flow and
procedures are interpreted here in Python; leaf statements go to :mod:`.leaf` (PREDICT steps, then
DuckDB). Each handler is registered by AST node type in :data:`STATEMENT_HANDLERS`.
"""
from __future__ import annotations

import logging
from typing import Callable

from sqlglot import exp

from ...exceptions import SqlPoolError
from . import catalog, ddl, transpile
from .batches import iter_batches
from .coltypes import tsql_type
from .context import Context, Variable, session_for
from .copy_into import copy_into
from .dialect import SynapseTSQL, parse_batch
from .leaf import run_leaf, scalar, typed as _typed
from .nodes import CopyInto, LoopControl, Print, Procedure, RenameObject, Throw

log = logging.getLogger("synhelpers.sqlpool")
MAX_LOOP = 1_000_000


class _Return(Exception):
    def __init__(self, value=None):
        self.value = value


class _Loop(Exception):
    def __init__(self, kind: str):
        self.kind = kind


def run_script(pool, script: str) -> list:
    """Execute a T-SQL script on ``pool`` (a LocalPool); return its result sets (pyarrow Tables).

    Example:
        >>> run_script(pool, "CREATE TABLE t (a int) WITH (HEAP)\\nGO\\nSELECT TOP (1) a FROM t")

    Raises:
        SqlParseError: a batch does not parse (with line and column in the script).
        UnsupportedSqlError: a statement is outside the subset the local pool executes.
        PredictError: PREDICT rejected its model or data (Synapse's messages).
        SqlPoolError: any other execution error (SQL Server's message where there is one).
    """
    session = session_for(pool)
    results: list = []
    for batch in iter_batches(script):
        statements = parse_batch(batch.text, line_offset=batch.line - 1)
        for _ in range(batch.repeat):
            ctx = Context(pool, session, results, line_offset=batch.line - 1)
            _check_supported(ctx, statements)
            try:
                execute_block(ctx, statements)
            except _Return:
                pass
            except _Loop as loop:
                raise SqlPoolError(f"{loop.kind} outside a WHILE loop.") from None
    return results


def execute_block(ctx: Context, statements: list[exp.Expr]) -> None:
    for statement in statements:
        execute(ctx, statement)


def execute(ctx: Context, statement: exp.Expr) -> None:
    if "sql" in statement.meta:
        ctx.statement = statement
    handler = _handler(statement)
    if handler is None:
        raise transpile.unsupported(ctx, f"{type(statement).__name__} statements")
    handler(ctx, statement)


def _handler(statement: exp.Expr) -> Callable | None:
    for cls in type(statement).__mro__:
        if cls in STATEMENT_HANDLERS:
            return STATEMENT_HANDLERS[cls]
    return None


def _check_supported(ctx: Context, statements: list[exp.Expr]) -> None:
    """Refuse the batch before running any of it (as SQL Server compiles a batch first)."""
    for statement in statements:
        ctx.statement = statement
        for node in statement.walk():
            transpile.check(ctx, node)
        if _handler(statement) is None:
            ctx.statement = statement
            raise transpile.unsupported(ctx, f"{type(statement).__name__} statements")
    ctx.statement = None


# -- handlers -------------------------------------------------------------------------------------
def _query(ctx: Context, node: exp.Expr) -> None:
    if isinstance(node, exp.Select) and node.args.get("into"):
        return ddl.select_into(ctx, node)
    if not isinstance(node, exp.Select) and node.find(exp.Into):
        raise transpile.unsupported(ctx, "SELECT ... INTO inside UNION / EXCEPT / INTERSECT: "
                                         "SELECT INTO from a derived table instead")
    if isinstance(node, exp.Select) and node.expressions and all(
            isinstance(e, exp.EQ) and isinstance(e.this, exp.Parameter) for e in node.expressions):
        return _assign_select(ctx, node)
    ctx.results.append(run_leaf(ctx, node, rows=True))
    return None


def _dml(ctx: Context, node: exp.Expr) -> None:
    run_leaf(ctx, node, rows=False)


def _assign_select(ctx: Context, node: exp.Select) -> None:
    """``SELECT @a = x, @b = y FROM ...``: the variables take the last row's values."""
    query = node.copy()
    variables = [ctx.variable(e.this.name) for e in query.expressions]
    query.set("expressions", [exp.alias_(_typed(e.expression, v.tsql), f"v{i}")
                              for i, (e, v) in enumerate(zip(query.expressions, variables))])
    table = run_leaf(ctx, query, rows=True)
    if table.num_rows:
        for i, variable in enumerate(variables):
            variable.value = table.column(i)[table.num_rows - 1].as_py()


def _declare(ctx: Context, node: exp.Declare) -> None:
    for item in node.expressions:
        tsql = tsql_type(item.args["kind"])
        for target in item.this:
            ctx.variables[target.name.lower()] = Variable(tsql)
            default = item.args.get("default")
            if default:
                ctx.variables[target.name.lower()].value = scalar(ctx, default, tsql)


def _set(ctx: Context, node: exp.Set) -> None:
    for item in node.expressions:     # session options were checked by transpile.refusal()
        assignment = item.this
        if isinstance(assignment, exp.EQ) and isinstance(assignment.this, exp.Parameter):
            variable = ctx.variable(assignment.this.name)
            variable.value = scalar(ctx, assignment.expression, variable.tsql)


def _if(ctx: Context, node: exp.IfBlock) -> None:
    branch = node.args["true"] if _condition(ctx, node.this) else node.args.get("false")
    if branch is not None:
        execute(ctx, branch)


def _while(ctx: Context, node: exp.WhileBlock) -> None:
    for _ in range(MAX_LOOP):
        if not _condition(ctx, node.this):
            return
        try:
            execute(ctx, node.args["body"])
        except _Loop as loop:
            if loop.kind == "BREAK":
                return
    raise SqlPoolError(f"WHILE ran {MAX_LOOP} times: stopped (local pool safety limit).{ctx.where()}")


def _condition(ctx: Context, condition: exp.Expr) -> bool:
    case = exp.Case(ifs=[exp.If(this=condition.copy(), true=exp.Literal.number(1))],
                    default=exp.Literal.number(0))
    return scalar(ctx, case) == 1


def _block(ctx: Context, node: exp.Block) -> None:
    execute_block(ctx, node.expressions)


def _create(ctx: Context, node: exp.Create) -> None:
    ddl.create(ctx, node)


def _procedure(ctx: Context, node: Procedure) -> None:
    name = ddl._name(ctx, node.this)
    mode = "alter" if node.args.get("alter") else "create_or_alter" if node.args.get("replace") else "create"
    catalog.save_procedure(ctx.con, name, node.meta["sql"], mode)


def _exec(ctx: Context, node: exp.Execute) -> None:
    name = ddl._name(ctx, node.this)
    definition = catalog.find_procedure(ctx.con, name)
    if definition is None:
        raise SqlPoolError(f"Could not find stored procedure '{name.table}'.{ctx.where()}")
    procedure = _parse_procedure(definition)
    call = ctx.call(str(name))
    _bind_arguments(ctx, call, procedure, node, name)
    try:
        execute_block(call, procedure.args["body"].expressions)
        status = 0
    except _Return as ret:
        status = ret.value or 0
    ctx.rowcount = call.rowcount
    if node.args.get("return_status") is not None:
        ctx.variable(node.args["return_status"].name).value = status


def _bind_arguments(ctx: Context, call: Context, procedure: Procedure, node: exp.Execute, name) -> None:
    params = [(p.this.name.lower().lstrip("@"), p) for p in procedure.args.get("params") or []]
    if any(p.args.get("output") for _, p in params):
        raise transpile.unsupported(ctx, "OUTPUT parameters")
    supplied: dict = {}
    for i, arg in enumerate(node.expressions):
        if isinstance(arg, exp.EQ) and isinstance(arg.this, exp.Parameter):
            key, value = arg.this.name.lower(), arg.expression
        elif i < len(params):
            key, value = params[i][0], arg
        else:
            raise SqlPoolError(f"Procedure or function {name.table} has too many arguments specified.")
        if key not in dict(params):
            raise SqlPoolError(f"@{key} is not a parameter for procedure {name.table}.")
        supplied[key] = value
    for key, param in params:
        tsql = tsql_type(param.args["kind"])
        value = supplied.get(key, param.args.get("default"))
        if value is None:
            raise SqlPoolError(f"Procedure or function '{name.table}' expects parameter '@{key}', "
                               "which was not supplied.")
        call.variables[key] = Variable(tsql, scalar(ctx, value, tsql))


def _parse_procedure(definition: str) -> Procedure:
    statements = parse_batch(definition)
    if len(statements) != 1 or not isinstance(statements[0], Procedure):
        raise SqlPoolError("A stored procedure definition in the pool is damaged: drop and create it again.")
    return statements[0]


def _print(ctx: Context, node: Print) -> None:
    log.info("PRINT: %s", scalar(ctx, node.this))


def _throw(ctx: Context, node: Throw) -> None:
    number = node.args.get("number")
    raise SqlPoolError(f"Msg {number.name if number else 50000}, Level 16: {scalar(ctx, node.this)}")


def _raiserror(ctx: Context, node: exp.Anonymous) -> None:
    if node.name.upper() != "RAISERROR":
        raise transpile.unsupported(ctx, f"the statement {node.sql(SynapseTSQL)}")
    args = node.expressions
    severity = scalar(ctx, args[1]) if len(args) > 1 else 16
    message = scalar(ctx, args[0])
    if int(severity or 0) > 10:
        raise SqlPoolError(f"Msg 50000, Level {severity}: {message}")
    log.info("RAISERROR: %s", message)


def _return(ctx: Context, node: exp.Return) -> None:
    raise _Return(scalar(ctx, node.this) if node.this else None)


def _loop_control(ctx: Context, node: LoopControl) -> None:
    raise _Loop(node.name)


def _transaction(ctx: Context, node: exp.Expr) -> None:
    verb = {exp.Transaction: "BEGIN TRANSACTION", exp.Commit: "COMMIT", exp.Rollback: "ROLLBACK"}
    ctx.run(verb[type(node)])


STATEMENT_HANDLERS: dict[type, Callable] = {
    exp.Select: _query, exp.Union: _query, exp.Except: _query, exp.Intersect: _query,
    exp.Insert: _dml, exp.Update: _dml, exp.Delete: _dml, exp.Merge: _dml,
    exp.Declare: _declare, exp.Set: _set, exp.IfBlock: _if, exp.WhileBlock: _while,
    exp.Block: _block, exp.Create: _create, exp.Drop: lambda ctx, n: ddl.drop(ctx, n),
    exp.TruncateTable: lambda ctx, n: ddl.truncate(ctx, n), CopyInto: copy_into,
    RenameObject: lambda ctx, n: ddl.rename(ctx, n),
    Procedure: _procedure, exp.Execute: _exec, Print: _print, Throw: _throw,
    exp.Anonymous: _raiserror, exp.Return: _return, LoopControl: _loop_control,
    exp.Transaction: _transaction, exp.Commit: _transaction, exp.Rollback: _transaction,
}
