"""DDL on the local pool: CREATE TABLE (and CTAS, SELECT INTO), views, schemas, DROP, TRUNCATE,
RENAME OBJECT.

Tables are created in DuckDB with the storage type of each declared T-SQL type, and the declared
types are recorded (``LocalPool.record_columns``; in the session for ``#temp`` tables) so PREDICT
can check them. Synapse table options are validated and otherwise have no local effect:
``DISTRIBUTION = ROUND_ROBIN | REPLICATE | HASH(col)``, ``HEAP``, ``CLUSTERED COLUMNSTORE INDEX``,
``CLUSTERED INDEX (cols)``, ``PARTITION (...)``. PRIMARY KEY / UNIQUE must be ``NOT ENFORCED``, as
in Synapse, and are not enforced. Declared string lengths are not enforced on INSERT.
"""
from __future__ import annotations

from sqlglot import exp

from ...exceptions import SqlPoolError
from ..names import TableName, dquote, sql_string
from . import catalog, coltypes, transpile
from .leaf import run_leaf
from .nodes import Predict, TableOption

IDENTITY_PREFIX = "__synhelpers_identity_"


def create(ctx, node: exp.Create) -> None:
    kind = (node.args.get("kind") or "").upper()
    if kind == "TABLE":
        return create_table(ctx, node)
    if kind == "VIEW":
        return create_view(ctx, node)
    if kind == "SCHEMA":
        schema = node.this.db or node.this.name
        if _schema_exists(ctx, schema):
            raise SqlPoolError(f"There is already an object named '{schema}' in the database.")
        ctx.run(f"CREATE SCHEMA {dquote(schema)}")
        return None
    raise transpile.unsupported(ctx, f"CREATE {kind}")


def create_table(ctx, node: exp.Create) -> None:
    schema = node.this
    table = schema.this if isinstance(schema, exp.Schema) else schema
    temporary = transpile.is_temp(table)
    name = _name(ctx, table)
    columns = schema.expressions if isinstance(schema, exp.Schema) else []
    _check_options(ctx, node, {c.name.lower() for c in columns if isinstance(c, exp.ColumnDef)})
    if node.args.get("expression") is not None:
        if columns:
            raise transpile.unsupported(ctx, "CREATE TABLE AS SELECT with a column list")
        return create_as(ctx, table, node.args["expression"])
    if _exists(ctx, name, temporary):
        if node.args.get("exists"):
            return None
        raise SqlPoolError(f"There is already an object named '{name.table}' in the database.{ctx.where()}")
    declared, ddl = [], []
    for column in columns:
        if isinstance(column, exp.ColumnDef):
            tsql = coltypes.tsql_type(column.args["kind"])
            declared.append((column.name, tsql))
            ddl.append(_column_sql(ctx, column, tsql, name, temporary))
        else:
            _check_constraint(ctx, column)
    if not temporary and not _schema_exists(ctx, name.schema):
        raise SqlPoolError(f'The specified schema name "{name.schema}" either does not exist or you '
                           f"do not have permission to use it. Create it with CREATE SCHEMA.{ctx.where()}")
    ctx.run(f"CREATE {'TEMP ' if temporary else ''}TABLE {target_sql(name, temporary)} ({', '.join(ddl)})")
    _record(ctx, name, temporary, declared)
    return None


def create_as(ctx, table: exp.Table, query: exp.Expr) -> None:
    """``CREATE TABLE t AS SELECT`` / ``SELECT ... INTO t``: a table typed after the query."""
    temporary = transpile.is_temp(table)
    name = _name(ctx, table)
    if _exists(ctx, name, temporary):
        raise SqlPoolError(f"There is already an object named '{name.table}' in the database.{ctx.where()}")
    target = target_sql(name, temporary)
    run_leaf(ctx, query, rows=False,
             wrap=lambda sql: f"CREATE {'TEMP ' if temporary else ''}TABLE {target} AS {sql}")
    schema = ctx.query(f"SELECT * FROM {_read_sql(name, temporary)} LIMIT 0").schema
    _record(ctx, name, temporary, [(f.name, coltypes.arrow_to_tsql(f.type)) for f in schema])


def select_into(ctx, select: exp.Select) -> None:
    into = select.args["into"]
    query = select.copy()
    query.set("into", None)
    create_as(ctx, into.this, query)


def create_view(ctx, node: exp.Create) -> None:
    query = node.args.get("expression")
    if query is None or query.find(Predict):
        raise transpile.unsupported(ctx, "views over PREDICT (DuckDB cannot store them); put the "
                                         "PREDICT query in a stored procedure instead")
    name = _name(ctx, node.this)
    prepared, params = transpile.prepare(ctx, query)
    if params:
        raise SqlPoolError(f"Views cannot use variables or parameters.{ctx.where()}")
    verb = "CREATE OR REPLACE VIEW" if node.args.get("replace") else "CREATE VIEW"
    if not node.args.get("replace") and _exists(ctx, name, False):
        raise SqlPoolError(f"There is already an object named '{name.table}' in the database.{ctx.where()}")
    ctx.run(f"{verb} {target_sql(name, False)} AS {transpile.to_duckdb(ctx, prepared)}")


def drop(ctx, node: exp.Drop) -> None:
    kind = (node.args.get("kind") or "").upper()
    if kind in ("PROCEDURE", "PROC"):
        for table in node.args.get("tables") or []:
            catalog.drop_procedure(ctx.con, _name(ctx, table), bool(node.args.get("exists")))
        return
    if kind not in ("TABLE", "VIEW"):
        raise transpile.unsupported(ctx, f"DROP {kind}")
    for table in node.args.get("tables") or []:
        temporary = transpile.is_temp(table)
        name = _name(ctx, table)
        if not _exists(ctx, name, temporary):
            if node.args.get("exists"):
                continue
            raise SqlPoolError(f"Cannot drop the {kind.lower()} '{name.table}', because it does not "
                               f"exist or you do not have permission.{ctx.where()}")
        ctx.run(f"DROP {kind} {target_sql(name, temporary)}")
        for (sequence,) in ctx.con.execute(
                "SELECT sequence_name FROM duckdb_sequences() WHERE lower(schema_name) = lower(?) "
                "AND starts_with(lower(sequence_name), lower(?))",
                ["main" if temporary else name.schema, f"{IDENTITY_PREFIX}{name.table}_"]).fetchall():
            ctx.run(f"DROP SEQUENCE IF EXISTS {'' if temporary else dquote(name.schema) + '.'}{dquote(sequence)}")
        if temporary:
            ctx.session.temp_columns.pop("#" + name.table.lower(), None)
        elif kind == "TABLE":
            ctx.pool.record_columns(name, [])


def rename(ctx, node) -> None:
    """``RENAME OBJECT t TO new``: the table keeps its schema, rows and declared column types."""
    table = node.this
    if transpile.is_temp(table):
        raise transpile.unsupported(ctx, "RENAME OBJECT of a #temp table")
    name = _name(ctx, table)
    new = TableName(name.database, name.schema, node.args["to"].name)
    if not _exists(ctx, name, False) or _is_view(ctx, name):
        raise SqlPoolError(f"Either the object '{name.table}' does not exist or you do not have "
                           f"permission (RENAME OBJECT renames tables).{ctx.where()}")
    if _exists(ctx, new, False) or catalog.find_procedure(ctx.con, new) is not None:
        raise SqlPoolError(f"There is already an object named '{new.table}' in the database.{ctx.where()}")
    declared = ctx.pool.declared_columns(name)
    ctx.run(f"ALTER TABLE {target_sql(name, False)} RENAME TO {dquote(new.table)}")
    ctx.pool.record_columns(name, [], ctx.con)
    ctx.pool.record_columns(new, declared, ctx.con)


def truncate(ctx, node: exp.TruncateTable) -> None:
    for table in node.expressions:
        temporary = transpile.is_temp(table)
        name = _name(ctx, table)
        if not _exists(ctx, name, temporary):
            raise SqlPoolError(f"Cannot find the object \"{name.table}\" because it does not exist "
                               f"or you do not have permissions.{ctx.where()}")
        ctx.run(f"DELETE FROM {target_sql(name, temporary)}")


def target_sql(name: TableName, temporary: bool) -> str:
    """DuckDB SQL naming a pool table (``"#t"`` for a temp table: DuckDB puts it in ``temp``)."""
    return dquote("#" + name.table) if temporary else f"{dquote(name.schema)}.{dquote(name.table)}"


# -- helpers ----------------------------------------------------------------------------------------
def _name(ctx, table: exp.Table) -> TableName:
    if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier):
        raise transpile.unsupported(ctx, f"this object name ({table.sql('tsql')})")
    if transpile.is_temp(table):
        return TableName("", "dbo", table.name.lstrip("#"))
    return transpile.qualified_name(ctx, table)


def _read_sql(name: TableName, temporary: bool) -> str:
    return f"temp.main.{dquote('#' + name.table)}" if temporary else target_sql(name, False)


def _exists(ctx, name: TableName, temporary: bool) -> bool:
    if temporary:
        sql = ("SELECT count(*) FROM duckdb_tables() WHERE temporary AND lower(table_name) = "
               "lower($name)")
        return ctx.query(sql, {"name": "#" + name.table}).column(0)[0].as_py() > 0
    sql = ("SELECT count(*) FROM information_schema.tables WHERE table_catalog = current_database() "
           "AND lower(table_schema) = lower($schema) AND lower(table_name) = lower($name)")
    return ctx.query(sql, {"schema": name.schema, "name": name.table}).column(0)[0].as_py() > 0


def _is_view(ctx, name: TableName) -> bool:
    sql = ("SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() AND "
           "lower(schema_name) = lower($schema) AND lower(view_name) = lower($name)")
    return ctx.query(sql, {"schema": name.schema, "name": name.table}).column(0)[0].as_py() > 0


def _schema_exists(ctx, schema: str) -> bool:
    sql = ("SELECT count(*) FROM duckdb_schemas() WHERE database_name = current_database() AND "
           "lower(schema_name) = lower($schema)")
    return ctx.query(sql, {"schema": schema}).column(0)[0].as_py() > 0


def _record(ctx, name: TableName, temporary: bool, declared: list[tuple[str, str]]) -> None:
    if temporary:
        ctx.session.temp_columns["#" + name.table.lower()] = declared
    else:
        ctx.pool.record_columns(name, declared)


def _column_sql(ctx, column: exp.ColumnDef, tsql: str, table: TableName, temporary: bool) -> str:
    parts = [dquote(column.name), coltypes.duckdb_type(tsql)]
    for constraint in column.args.get("constraints") or []:
        kind = constraint.args.get("kind")
        if isinstance(kind, exp.NotNullColumnConstraint):
            if not kind.args.get("allow_null"):
                parts.append("NOT NULL")
        elif isinstance(kind, exp.DefaultColumnConstraint):
            prepared, params = transpile.prepare(ctx, kind.this)
            if params:
                raise SqlPoolError(f"A DEFAULT cannot use variables.{ctx.where()}")
            parts.append(f"DEFAULT ({transpile.to_duckdb(ctx, prepared)})")
        elif isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
            sequence = _identity(ctx, column, kind, table, temporary)
            parts.append(f"DEFAULT nextval({sql_string(sequence)})")
        elif isinstance(kind, (exp.PrimaryKeyColumnConstraint, exp.UniqueColumnConstraint)):
            _check_constraint(ctx, kind)
        else:
            raise transpile.unsupported(ctx, f"the column constraint {constraint.sql('tsql')}")
    return " ".join(parts)


def _identity(ctx, column: exp.ColumnDef, kind: exp.Expr, name: TableName, temporary: bool) -> str:
    """Create the sequence behind an IDENTITY(seed, increment) column; returns its name."""
    seed = int(kind.args["start"].name) if kind.args.get("start") else 1
    step = int(kind.args["increment"].name) if kind.args.get("increment") else 1
    sequence = dquote(f"{IDENTITY_PREFIX}{name.table}_{column.name}")
    if not temporary:
        sequence = f"{dquote(name.schema)}.{sequence}"
    ctx.run(f"CREATE OR REPLACE {'TEMP ' if temporary else ''}SEQUENCE {sequence} START WITH {seed} "
            f"INCREMENT BY {step}")
    return sequence


def _check_constraint(ctx, node: exp.Expr) -> None:
    keys = [node] if not isinstance(node, exp.Constraint) else node.expressions
    for key in keys:
        if isinstance(key, (exp.PrimaryKey, exp.PrimaryKeyColumnConstraint)):
            if "NOT ENFORCED" not in [str(o) for o in key.args.get("options") or []]:
                raise SqlPoolError("Enforced unique constraints are not supported. To create an "
                                   "unenforced unique constraint you must include the NOT ENFORCED "
                                   f"syntax as part of your statement.{ctx.where()}")
        elif isinstance(key, exp.UniqueColumnConstraint):
            if not key.meta.get("not_enforced"):
                raise SqlPoolError("Enforced unique constraints are not supported: add NOT ENFORCED."
                                   f"{ctx.where()}")
        else:
            raise transpile.unsupported(ctx, f"the table constraint {key.sql('tsql')}")


def _check_options(ctx, node: exp.Create, columns: set[str]) -> None:
    properties = node.args.get("properties")
    for option in properties.expressions if properties else []:
        if isinstance(option, (exp.HeapProperty, exp.TemporaryProperty)):
            continue
        if not isinstance(option, TableOption):
            raise transpile.unsupported(ctx, f"the table option {option.sql('tsql')}")
        name = option.name
        if name == "DISTRIBUTION":
            kind = option.args["value"].name
            if kind not in ("ROUND_ROBIN", "REPLICATE", "HASH"):
                raise SqlPoolError(f"DISTRIBUTION = {kind} is not valid: use ROUND_ROBIN, "
                                   f"REPLICATE or HASH(<column>).{ctx.where()}")
            if (kind == "HASH") != bool(option.expressions):
                raise SqlPoolError(f"DISTRIBUTION = HASH needs a column list, {kind} takes none."
                                   f"{ctx.where()}")
        for column in option.expressions:
            col = column.this if isinstance(column, exp.Ordered) else column
            if columns and col.name.lower() not in columns:
                raise SqlPoolError(f"Column '{col.name}' named in {name} is not a column of the "
                                   f"table.{ctx.where()}")
