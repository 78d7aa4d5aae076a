"""T-SQL PREDICT as a table-valued step over Arrow, batch by batch.

For each ``PREDICT(MODEL = m, DATA = d AS a, RUNTIME = ONNX) WITH (col type, ...) AS p`` in a
statement (innermost first): the contract Synapse enforces is checked against DATA's columns (a
table, view, CTE or #temp), then DATA is streamed from DuckDB in batches of
:data:`~.onnx_model.BATCH_ROWS` rows, each scored by onnxruntime and given the WITH columns. When
the statement is ``[WITH ...] SELECT * FROM PREDICT(...)`` the scored batches are its result set;
otherwise they are spilled to a Parquet file (:mod:`.spill`) that DuckDB reads in place of the
PREDICT node, and the statement runs in DuckDB as usual. Memory holds a batch at a time (plus
the result set a SELECT returns), whatever the table's size. ``a.*`` / ``a.col`` keep meaning the
DATA columns.

The contract, with Synapse's own messages: RUNTIME = ONNX; MODEL is one varbinary value; no DATA
column of an unsupported type; every model input has a DATA column of the same name and matching
type (tensor(float) = real, tensor(double) = float, tensor(int64) = bigint, tensor(int32) = int,
tensor(string) = char/varchar/nchar/nvarchar) and shape [N] or [N,1]; WITH names model outputs.
Local extension: an output of shape [N,k] (class probabilities) can be returned as WITH columns
``<output>_0`` .. ``<output>_<k-1>``.
"""
from __future__ import annotations

import re

from sqlglot import exp

from ...exceptions import PredictError
from ..names import TableName
from ...onnx_export.types import BY_ONNX_TYPE, ELEMENT_TYPES, FLOATING
from ..types import split_type
from . import coltypes, transpile
from .transpile import used_params
from .nodes import Predict
from . import onnx_model
from .onnx_model import load_model

ENGINE = "Message(s) from 'PREDICT' engine: "
UNSUPPORTED_INPUT_TYPES = ("binary", "varbinary", "timestamp", "datetime2", "datetimeoffset", "time",
                           "text", "ntext", "image", "hierarchyid", "xml", "sql_variant")
_UNSUPPORTED_TEXT = ", ".join(UNSUPPORTED_INPUT_TYPES) + " and user-defined type"
_FED = [e for e in ELEMENT_TYPES if e.tsql_input]      # what PREDICT can feed, in type-table order
_SUB_COLUMN = re.compile(r"(.+)_(\d+)")                  # matched whole (fullmatch)


def expand(ctx, tree: exp.Expr, params: dict, spills: list, collect: bool = True):
    """Evaluate every PREDICT in ``tree`` (prepared) and replace it by the file of its scores.

    Returns the scored rows as a pyarrow Table when ``collect`` and the whole statement is
    ``[WITH ...] SELECT * FROM PREDICT(...)`` (its result set: no copy back through DuckDB), else
    None. Spill files go to ``spills`` (the caller removes them when the statement ends).
    """
    while True:
        pending = list(tree.find_all(Predict))
        if not pending:
            return None
        node = next((p for p in pending if not any(c.find(Predict) for c in _needed_ctes(p))), None)
        if node is None:
            raise transpile.unsupported(ctx, "PREDICT over a CTE that itself uses PREDICT in this form")
        schema, batches = evaluate(ctx, node, params)
        if collect and len(pending) == 1 and _selects_all_of(tree, node):
            import pyarrow as pa
            return pa.Table.from_batches(list(batches), schema)
        from .spill import Spill
        spill = Spill(ctx.pool.staging_dir)
        spills.append(spill)
        spill.write(schema, batches)
        _replace(node, spill.table(), schema.names[: len(schema.names) - len(node.args["columns"])])


def evaluate(ctx, node: Predict, params: dict):
    """``(schema, batches)``: the DATA rows of ``node`` followed by its WITH columns, as an
    iterator of RecordBatches (DATA is read and scored as it is consumed).

    Everything that can be checked before reading the rows is: RUNTIME, MODEL, the DATA column
    types, the model's inputs and outputs, the WITH columns.
    """
    import pyarrow as pa
    runtime = node.args.get("runtime")
    if runtime is None:
        raise PredictError("PREDICT needs RUNTIME = ONNX in Azure Synapse (dedicated SQL pools run "
                           f"ONNX models only): add RUNTIME = ONNX to the PREDICT arguments.{ctx.where()}")
    if runtime.name.upper() != "ONNX":
        raise PredictError(f"RUNTIME = {runtime.name} is not supported: Azure Synapse PREDICT runs "
                           f"ONNX models only (RUNTIME = ONNX).{ctx.where()}")
    if node.args.get("parameters"):
        raise PredictError(f"PREDICT PARAMETERS is not supported in Azure Synapse.{ctx.where()}")
    blob = _model_bytes(ctx, node.args["model"], params)
    model = load_model(blob)
    reader, declared = _read_data(ctx, node, params)
    try:
        for i, (name, tsql) in enumerate(declared, 1):
            if split_type(tsql)[0] in UNSUPPORTED_INPUT_TYPES:
                raise PredictError(f"Input data column #{i} is of type '{tsql}' which is not supported "
                                   f"by 'PREDICT' function. Unsupported types are {_UNSUPPORTED_TEXT}. "
                                   f"(DATA column [{name}]){ctx.where()}")
        feed_columns = _match_inputs(ctx, model, declared)
        plan = _match_outputs(ctx, model, node.args["columns"])
        fields = list(reader.schema)
        existing = {f.name.lower() for f in fields}
        for with_name, tsql, _, _ in plan:
            if with_name.lower() in existing:
                raise PredictError(f"Column [{with_name}] is both a DATA column and a WITH column of "
                                   f"PREDICT: rename one of them.{ctx.where()}")
            existing.add(with_name.lower())
            target = _arrow_type(tsql)
            if target is None:
                raise PredictError(f"WITH column [{with_name}] has type {tsql}, which PREDICT output "
                                   "columns cannot have locally (use real, float, bigint, int, "
                                   f"smallint, tinyint, bit, decimal or (n)varchar).{ctx.where()}")
            fields.append(pa.field(with_name, target))
    except BaseException:
        reader.close()
        raise
    schema = pa.schema(fields)
    return schema, _scored_batches(ctx, model, reader, schema, feed_columns, plan)


def _scored_batches(ctx, model, reader, schema, feed_columns, plan):
    """Read, score and yield DATA batch by batch (the reader is closed at the end or on error)."""
    import pyarrow as pa
    outputs = list(dict.fromkeys(out for _, _, out, _ in plan))
    positions = {name: i for i, name in enumerate(reader.schema.names)}
    try:
        for batch in _batches(ctx, reader):
            if not batch.num_rows:
                continue
            # DuckDB's Arrow batches: numeric inputs reach onnxruntime without a copy
            feeds = {inp.name: _to_numpy(batch.column(positions[col]), inp, col) for inp, col in feed_columns}
            by_output = dict(zip(outputs, model.score(outputs, feeds)))
            columns = list(batch.columns) + [
                _output_column(ctx, by_output[out], out, index, with_name, tsql)
                for with_name, tsql, out, index in plan]
            yield pa.RecordBatch.from_arrays(columns, schema=schema)
    finally:
        reader.close()


def _batches(ctx, reader):
    """The reader's batches, DuckDB errors worded as SQL Server's."""
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except Exception as exc:  # duckdb.Error while streaming
            raise ctx.translate(exc) from exc
        yield batch


def _selects_all_of(tree: exp.Expr, node: Predict) -> bool:
    """True when ``tree`` is ``[WITH ...] SELECT * FROM node`` and nothing else (CTEs only feed
    PREDICT's DATA, so the scored rows are the statement's result as they are)."""
    if not isinstance(tree, exp.Select) or len(tree.expressions) != 1 \
            or not isinstance(tree.expressions[0], exp.Star):
        return False
    source = tree.args.get("from_")
    if source is None or source.this is not node:
        return False
    return not any(tree.args.get(k) for k in tree.args if k not in ("expressions", "from_", "options", "with_"))


# -- MODEL and DATA -----------------------------------------------------------------------------
def _model_bytes(ctx, model: exp.Expr, params: dict) -> bytes:
    if isinstance(model, exp.Paren):
        model = model.this
    if isinstance(model, exp.Parameter):
        value = ctx.variable(model.name).value
    elif isinstance(model, exp.HexString):
        value = bytes.fromhex(model.name)
    elif isinstance(model, exp.Subquery):
        sql = transpile.to_duckdb(ctx, model.this)
        rows = ctx.query(sql, used_params(sql, params))
        if rows.num_columns != 1:
            raise PredictError(f"The MODEL subquery must return one column (the model's varbinary), "
                               f"it returns {rows.num_columns}.{ctx.where()}")
        if rows.num_rows > 1:
            raise PredictError(f"The MODEL subquery returned {rows.num_rows} rows: MODEL must be a "
                               "single varbinary value (Subquery returned more than 1 value). Filter "
                               f"the model table on one model ID and version.{ctx.where()}")
        value = rows.column(0)[0].as_py() if rows.num_rows else None
    else:
        raise PredictError("MODEL must be a varbinary variable (@model), a scalar subquery "
                           f"((SELECT model FROM ...)) or a 0x... literal.{ctx.where()}")
    if value is None:
        raise PredictError("MODEL is NULL: the model variable is unset or the model subquery found "
                           f"no row. Check the model table and the model ID.{ctx.where()}")
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise PredictError(f"MODEL must be varbinary, got {type(value).__name__}.{ctx.where()}")
    return bytes(value)


def _read_data(ctx, node: Predict, params: dict):
    """A RecordBatchReader streaming DATA from DuckDB, and [(column, T-SQL type)] of DATA."""
    data = node.args["data"]
    ctes = _needed_ctes(node)
    select = exp.select("*").from_(data.copy())
    if ctes:
        select.set("with_", exp.With(expressions=[c.copy() for c in ctes]))
    sql = transpile.to_duckdb(ctx, select)
    declared: dict[str, str] = {}           # read first: a query would end the reader's stream
    is_cte = not data.db and data.name.lower() in {c.alias_or_name.lower() for c in _visible_ctes(node)}
    if not is_cte and data.catalog == "temp":
        declared = {c.lower(): t for c, t in ctx.session.temp_columns.get(data.name.lower(), [])}
    elif not is_cte:
        declared = {c.lower(): t for c, t in ctx.pool.declared_columns(TableName("", data.db, data.name))}
    try:
        reader = ctx.con.sql(sql, params=used_params(sql, params) or None).to_arrow_reader(
            max(1, onnx_model.BATCH_ROWS))
    except Exception as exc:  # duckdb.Error: as SQL Server would word it
        raise ctx.translate(exc) from exc
    types = [(f.name, declared.get(f.name.lower()) or coltypes.arrow_to_tsql(f.type)) for f in reader.schema]
    return reader, types


def _visible_ctes(node: exp.Expr) -> list[exp.CTE]:
    found: list[exp.CTE] = []
    parent = node.parent
    while parent is not None:
        with_ = parent.args.get("with_") if isinstance(parent, exp.Expr) else None
        if isinstance(with_, exp.With):
            found = list(with_.expressions) + found
        parent = parent.parent
    return found


def _needed_ctes(node: Predict) -> list[exp.CTE]:
    visible = {c.alias_or_name.lower(): c for c in _visible_ctes(node)}
    data = node.args["data"]
    todo = [data.name.lower()] if not data.db and data.name.lower() in visible else []
    needed: set[str] = set()
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        todo += [t.name.lower() for t in visible[name].find_all(exp.Table)
                 if not t.db and t.name.lower() in visible]
    return [c for key, c in visible.items() if key in needed]


# -- the model contract -------------------------------------------------------------------------
def _match_inputs(ctx, model, declared: list[tuple[str, str]]):
    exact = {name: (name, tsql) for name, tsql in declared}
    folded = {name.lower(): (name, tsql) for name, tsql in declared}
    plan = []
    for k, inp in enumerate(model.inputs, 1):
        shape = inp.shape or ()
        if not (len(shape) == 1 or (len(shape) == 2 and shape[1] == 1)):
            raise PredictError(f"{ENGINE}Input column {k} (1-based) has shape {inp.shape_text} which "
                               f"is not supported. (model input '{inp.name}': PREDICT feeds one "
                               "scalar column per input; convert the model with one [None, 1] "
                               f"input per column){ctx.where()}")
        expected = BY_ONNX_TYPE[inp.type].tsql_input if inp.type in BY_ONNX_TYPE else None
        if expected is None:
            fed = ", ".join(f"{e.onnx_type} {e.tsql_input}" for e in _FED)
            raise PredictError(f"{ENGINE}Model input '{inp.name}' is {inp.type}, which PREDICT cannot "
                               f"feed (supported: {fed}).{ctx.where()}")
        column = exact.get(inp.name) or folded.get(inp.name.lower())
        if column is None:
            names = ", ".join(f"[{n}]" for n, _ in declared)
            raise PredictError(f"{ENGINE}Model input '{inp.name}' has no DATA column of that name "
                               f"(DATA columns: {names}). Name the DATA columns after the model "
                               f"inputs, e.g. CAST(x AS [{expected}]) AS [{inp.name}].{ctx.where()}")
        base = split_type(column[1])[0]
        if not (base == expected or (expected == "varchar" and base in coltypes.STRING_TYPES)):
            raise PredictError(f"{ENGINE}The type of model column '{inp.name}' is '{expected}'. "
                               f"Doesn't match the input column type. (DATA column [{column[0]}] is "
                               f"'{column[1]}': CAST([{column[0]}] AS [{expected}]) AS [{inp.name}])"
                               f"{ctx.where()}")
        plan.append((inp, column[0]))
    return plan


def _match_outputs(ctx, model, columns: list[exp.ColumnDef]):
    outputs = {o.name: o for o in model.outputs}
    folded = {o.name.lower(): o for o in model.outputs}
    plan, unknown = [], []
    for col in columns:
        name, tsql = col.name, coltypes.tsql_type(col.args["kind"])
        out = outputs.get(name) or folded.get(name.lower())
        index = None
        if out is None and (m := _SUB_COLUMN.fullmatch(name)):
            base = outputs.get(m.group(1)) or folded.get(m.group(1).lower())
            if base is not None and base.shape and len(base.shape) == 2:
                out, index = base, int(m.group(2))
        if out is None:
            unknown.append(name)
            continue
        if not out.type.startswith("tensor("):
            raise PredictError(f"Model output '{out.name}' is {out.type} (a ZipMap of class "
                               "probabilities), which PREDICT cannot return: convert the classifier "
                               f"with options={{'zipmap': False}}.{ctx.where()}")
        width = out.shape[1] if out.shape and len(out.shape) == 2 else 1
        if index is None and isinstance(width, int) and width > 1:
            raise PredictError(_width_message(out.name, width) + ctx.where())
        if index is not None and isinstance(width, int) and index >= width:
            unknown.append(name)
            continue
        plan.append((name, tsql, out.name, index))
    if unknown:
        expected = ", ".join(o.signature for o in model.outputs)
        given = ", ".join(c.name for c in columns)
        raise PredictError(f"{ENGINE}WITH clause specified different output columns from what "
                           f"'PREDICT' function tries to return. Model outputs: {expected}; WITH "
                           f"clause: {given}; not model outputs: {', '.join(unknown)}.{ctx.where()}")
    return plan


def _width_message(name: str, width: int) -> str:
    return (f"Model output '{name}' has {width} values per row (shape [N,{width}]); PREDICT returns "
            f"one value per WITH column: list them as {name}_0 ... {name}_{width - 1} (a local-pool "
            "extension) or leave the output out of the WITH clause.")


# -- Arrow <-> numpy ------------------------------------------------------------------------------
def _to_numpy(column, inp, name: str):
    import pyarrow.compute as pc
    if inp.type == "tensor(string)":
        if column.null_count:
            raise PredictError(f"DATA column [{name}] has NULLs, which model input '{inp.name}' "
                               "(tensor(string)) cannot take: filter them or use ISNULL().")
        encoded = pc.dictionary_encode(column)
        values = encoded.dictionary.to_numpy(zero_copy_only=False)[encoded.indices.to_numpy()]
    else:
        if column.null_count and inp.type not in FLOATING:
            raise PredictError(f"DATA column [{name}] has NULLs, which model input '{inp.name}' "
                               f"({inp.type}) cannot take: filter them or use ISNULL().")
        values = column.to_numpy(zero_copy_only=False).astype(BY_ONNX_TYPE[inp.type].dtype,
                                                              copy=False)
    return values.reshape(-1, 1) if len(inp.shape or ()) == 2 else values


def _output_column(ctx, values, out: str, index, with_name: str, tsql: str):
    """One batch's values of output ``out`` (column ``index`` of a [N,k] output) as ``tsql``."""
    import pyarrow as pa
    if values.ndim == 2:
        if index is not None:
            if index >= values.shape[1]:
                raise PredictError(f"WITH column [{with_name}]: output '{out}' has only "
                                   f"{values.shape[1]} values per row.{ctx.where()}")
            values = values[:, index]
        elif values.shape[1] == 1:
            values = values[:, 0]
        else:
            raise PredictError(_width_message(out, values.shape[1]) + ctx.where())
    target = _arrow_type(tsql)            # checked by evaluate(): a type PREDICT can return
    try:
        return pa.array(values).cast(target, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise PredictError(f"Model output '{out}' ({values.dtype}) cannot be returned as {tsql} in "
                           f"WITH column [{with_name}] without losing data ({exc}).{ctx.where()}") from exc


def _arrow_type(tsql: str):
    import pyarrow as pa
    base, args = split_type(tsql)
    simple = {"real": pa.float32(), "float": pa.float64(), "bigint": pa.int64(), "int": pa.int32(),
              "smallint": pa.int16(), "tinyint": pa.uint8(), "bit": pa.bool_()}
    if base in simple:
        return simple[base]
    if base in coltypes.STRING_TYPES:
        return pa.string()
    if base in ("decimal", "numeric"):
        precision, _, scale = (args or "18,0").partition(",")
        return pa.decimal128(int(precision), int(scale or 0))
    return None


# -- AST ------------------------------------------------------------------------------------------
def _replace(node: Predict, table: exp.Table, data_columns: list[str]) -> None:
    """Put ``table`` (the scores) where ``node`` was; ``a.*``/``a.col`` of DATA's alias follow."""
    alias, data_alias = node.args.get("alias"), node.args.get("data_alias")
    shown = alias or data_alias
    if shown is not None:
        table.set("alias", exp.TableAlias(this=exp.to_identifier(shown.name, quoted=True)))
    select = node.find_ancestor(exp.Select)
    node.replace(table)
    if data_alias is None or select is None:
        return
    for column in list(select.find_all(exp.Column)):
        if column.table.lower() != data_alias.name.lower():
            continue
        if isinstance(column.this, exp.Star):
            column.parent.set(column.arg_key, [exp.column(c, table=shown.name, quoted=True)
                                               for c in data_columns], column.index)
        else:
            column.set("table", exp.to_identifier(shown.name, quoted=True))

