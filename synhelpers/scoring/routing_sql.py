"""The T-SQL that scores a table in a dedicated SQL pool with a keyed model (pure).

In the scoring wizard's style - a CTE of CASTs per model, then ``PREDICT (MODEL = (SELECT
[model] FROM <model table> WHERE [ID] = '<name>:<version>'), DATA = <cte>, RUNTIME = ONNX) WITH
(...)`` - with one CTE per group (the rows ``WHERE <group column> = <value>``) and one PREDICT per
group model, glued with ``UNION ALL``; the fallback model (if any) gets the rows of every other
group and of null groups; rows of a group with no model and no fallback are left out, as on
Spark. Each row comes back with all its columns (model inputs cast to the model's types), the
model's primary output and ``scored_by`` (the model's ID).

Casts follow the model inputs: float -> ``real``, int64 -> ``bigint`` (timestamps and dates as
``DATEDIFF_BIG(SECOND, '1970-01-01', x)``, the seconds the AutoML featurizer uses), string ->
``nvarchar(4000)``; a column already of that type passes as it is (the types the Spark connector
gives a loaded table: float -> REAL, bigint -> BIGINT, string -> NVARCHAR(4000)). Every feature
column is cast in every CTE, so the ``UNION ALL`` branches have the same column types.

Group values and model IDs come from data and the registry: they are written only as ``N'...'``
literals (control characters as ``NCHAR(n)``), names only bracketed (:mod:`..sqlpool.names`), and
none of them ever goes into a comment.
"""
from __future__ import annotations

from ..exceptions import ScoringError
from ..onnx_export.types import element_type
from ..sqlpool.names import bracket, nstring, parse_table_name
from ..sqlpool.types import split_type

_KINDS = ("float", "int64", "string")      # the element types of our graphs' inputs


def _with_type(onnx_type: str) -> str:
    """The T-SQL type of a value of this ONNX type, in the wizard's bracketed style: an output's
    WITH-clause type, and the type an input column is cast to (``[real]``, ``[nvarchar](4000)``)."""
    tsql = element_type(onnx_type).tsql_output
    if tsql is None:
        raise ScoringError(f"Model output type {onnx_type} has no T-SQL type for PREDICT's WITH.")
    base, args = split_type(tsql)
    return f"[{base}]" + (f"({args})" if args is not None else "")


def object_name(name: str, parameter: str = "sql_table") -> str:
    """``pool.dbo.t`` / ``dbo.t`` / ``t`` -> ``[dbo].[t]`` (the pool name is the connection's).

    Raises:
        ConfigError: not a table name (names ``parameter``).
    """
    return parse_table_name(name, parameter).tsql


def literal(value) -> str:
    """A T-SQL literal of a group value: ``N'text'`` (see :func:`..sqlpool.names.nstring`) or a
    whole number."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ScoringError(f"Group value {value!r} is neither text nor a whole number.")
    return str(int(value)) if isinstance(value, int) else nstring(value)


def _column_sql(column: str, spark_type: str, kind: str | None) -> str:
    name = bracket(column, "column")
    if kind is None or spark_type == element_type(kind).spark:     # already the model's type
        return name
    if kind == "int64" and spark_type.startswith(("timestamp", "date")):
        return f"DATEDIFF_BIG(SECOND, '1970-01-01', {name}) AS {name}"
    return f"CAST({name} AS {_with_type(kind)}) AS {name}"


def _check(routing, columns: dict) -> None:
    names = {c.lower() for c in columns}
    if routing.group_column.lower() not in names:
        raise ScoringError(f"The table has no group column {routing.group_column!r}; its "
                           f"columns are: {', '.join(columns)}.")
    for model in routing.models:
        for info in model.inputs:
            if info.name.lower() not in names:
                raise ScoringError(f"The table has no column {info.name!r}, which model "
                                   f"{model.model_id} needs; its columns are: "
                                   f"{', '.join(columns)}.")


def routed_predict_sql(routing, sql_table: str, columns: dict, model_table: str = "dbo.aml_models",
                       procedure_name: str = "") -> str:
    """T-SQL scoring ``sql_table`` with keyed model ``routing`` (see the module docstring).

    ``columns``: the table's columns in order, name -> Spark type (``dict(df.dtypes)`` of the
    DataFrame that was loaded into the pool). With ``procedure_name`` the query is wrapped in
    ``CREATE PROCEDURE`` + ``EXEC``, as the scoring wizard generates it.

    Raises:
        ScoringError: the table lacks the group column or a model input.
    """
    _check(routing, columns)
    kinds = {k.lower(): v for k, v in routing.feature_kinds.items()}
    for model in routing.models:
        for info in model.inputs:
            name = element_type(info.onnx_type).name     # our inputs: float, int64, string
            kinds.setdefault(info.name.lower(), name if name in _KINDS else "string")
    selects = ",\n".join(f"        {_column_sql(c, t, kinds.get(c.lower()))}"
                         for c, t in columns.items())
    table, models = object_name(sql_table), object_name(model_table, "model_table")
    group = bracket(next(c for c in columns if c.lower() == routing.group_column.lower()),
                    "group_column")
    output = routing.outputs[0]
    out = bracket(output.name, "model output")
    ctes, branches = [], []

    def add(name: str, where: str, comment: str, model) -> None:
        ctes.append(f"-- {comment}\n[{name}] AS\n(\n    SELECT\n{selects}\n    FROM {table}{where}\n)")
        branches.append(
            f"SELECT [d].*, [p].{out}, {nstring(model.model_id)} AS [scored_by]\n"
            f"FROM PREDICT (MODEL = (SELECT [model] FROM {models} WHERE [ID] = "
            f"{nstring(model.model_id)}),\n              DATA = [{name}] AS [d],\n"
            f"              RUNTIME = ONNX) WITH ({out} {_with_type(output.onnx_type)}) AS [p]")

    count = len(routing.groups)
    for i, g in enumerate(routing.groups, 1):
        add(f"group_{i}", f"\n    WHERE {group} = {literal(g.value)}",
            f"group {i} of {count}: its rows, scored by its own model", g.model)
    if routing.fallback is not None:
        values = ", ".join(literal(g.value) for g in routing.groups)
        where = f"\n    WHERE {group} IS NULL OR {group} NOT IN ({values})" if values else ""
        add("other_groups", where, "every other group and NULL: the fallback (global) model",
            routing.fallback.model)
    query = ("-- Select input scoring data and assign aliases, one CTE per group.\nWITH\n"
             + ",\n".join(ctes)
             + "\n-- Using T-SQL Predict command to score each group with its model.\n"
             + "\nUNION ALL\n".join(branches) + ";")
    if not procedure_name:
        return query
    proc = bracket(procedure_name, "procedure_name")
    return (f"-- Create a stored procedure for storing the scoring script.\nCREATE PROCEDURE "
            f"{proc}\nAS\nBEGIN\n{query}\nEND\nGO\n-- Execute the above stored procedure.\n"
            f"EXEC {proc}")
