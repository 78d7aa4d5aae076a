"""AST nodes the Synapse dialect adds to sqlglot's, and how they print back as T-SQL (pure)."""
from __future__ import annotations

from sqlglot import exp


class Predict(exp.Expression):
    """``PREDICT(MODEL = m, DATA = d [AS a], RUNTIME = ONNX) WITH (col type, ...) [AS p]``."""
    arg_types = {"model": True, "data": True, "data_alias": False, "runtime": False,
                 "parameters": False, "columns": True, "alias": False}

    @property
    def alias_or_name(self) -> str:
        alias = self.args.get("alias")
        return alias.name if alias else ""


class CopyColumn(exp.Expression):
    """One entry of COPY INTO's column list: ``name [DEFAULT value] [ordinal]``."""
    arg_types = {"this": True, "default": False, "ordinal": False}


class CopyInto(exp.Expression):
    """``COPY INTO table [(columns)] FROM 'path' [, ...] [WITH (option = value, ...)]``."""
    arg_types = {"this": True, "columns": False, "files": True, "options": False}


class TableOption(exp.Expression):
    """A Synapse table option: ``DISTRIBUTION = HASH(c)``, ``CLUSTERED COLUMNSTORE INDEX``, ..."""
    arg_types = {"this": True, "value": False, "expressions": False}


class Procedure(exp.Expression):
    """``CREATE [OR ALTER] | ALTER PROCEDURE name [params] AS body`` (the body runs to batch end)."""
    arg_types = {"this": True, "params": False, "body": True, "replace": False, "alter": False,
                 "options": False}


class Print(exp.Expression):
    """``PRINT expression``."""


class Throw(exp.Expression):
    """``THROW number, message, state`` (``this`` is the message)."""
    arg_types = {"this": True, "number": False, "state": False}


class LoopControl(exp.Expression):
    """``BREAK`` or ``CONTINUE`` inside WHILE (``this`` is the keyword)."""


class RenameObject(exp.Expression):
    """``RENAME OBJECT [::] [schema.]table TO new_name`` (Synapse: the table keeps its schema)."""
    arg_types = {"this": True, "to": True}


def _predict_sql(self, e: Predict) -> str:
    args = [f"MODEL = {self.sql(e, 'model')}"]
    data = f"DATA = {self.sql(e, 'data')}"
    if e.args.get("data_alias"):
        data += f" AS {self.sql(e, 'data_alias')}"
    args.append(data)
    if e.args.get("runtime"):
        args.append(f"RUNTIME = {self.sql(e, 'runtime')}")
    if e.args.get("parameters"):
        args.append(f"PARAMETERS = {self.sql(e, 'parameters')}")
    columns = ", ".join(self.sql(c) for c in e.args["columns"])
    alias = f" AS {self.sql(e, 'alias')}" if e.args.get("alias") else ""
    return f"PREDICT({', '.join(args)}) WITH ({columns}){alias}"


def _copycolumn_sql(self, e: CopyColumn) -> str:
    default = f" DEFAULT {self.sql(e, 'default')}" if e.args.get("default") else ""
    ordinal = f" {self.sql(e, 'ordinal')}" if e.args.get("ordinal") else ""
    return f"{self.sql(e, 'this')}{default}{ordinal}"


def _copyinto_sql(self, e: CopyInto) -> str:
    columns = e.args.get("columns")
    cols = f" ({', '.join(self.sql(c) for c in columns)})" if columns else ""
    files = ", ".join(self.sql(f) for f in e.args["files"])
    options = e.args.get("options")
    with_ = f" WITH ({', '.join(self.sql(o) for o in options)})" if options else ""
    return f"COPY INTO {self.sql(e, 'this')}{cols} FROM {files}{with_}"


def _tableoption_sql(self, e: TableOption) -> str:
    name = e.name
    if e.args.get("value"):
        value = self.sql(e, "value")
        if e.expressions:
            value += f"({self.expressions(e, flat=True)})"
        return f"{name} = {value}"
    if e.expressions:
        keyword = " ORDER" if name == "CLUSTERED COLUMNSTORE INDEX" else ""
        return f"{name}{keyword} ({self.expressions(e, flat=True)})"
    return name


def _procedure_sql(self, e: Procedure) -> str:
    verb = "ALTER" if e.args.get("alter") else "CREATE OR ALTER" if e.args.get("replace") else "CREATE"
    params = e.args.get("params") or []
    head = f"{verb} PROCEDURE {self.sql(e, 'this')}"
    if params:
        head += " " + ", ".join(self.sql(p) for p in params)
    body = ";\n".join(self.sql(s) for s in e.args["body"].expressions)
    return f"{head}\nAS\n{body}"


def _block_sql(self, e: exp.Block) -> str:
    body = ";\n".join(self.sql(s) for s in e.expressions)
    return f"BEGIN\n{body};\nEND" if body else "BEGIN\nEND"


def _ifblock_sql(self, e: exp.IfBlock) -> str:
    text = f"IF {self.sql(e, 'this')}\n{self.sql(e, 'true')}"
    if e.args.get("false"):
        text += f"\nELSE\n{self.sql(e, 'false')}"
    return text


def _whileblock_sql(self, e: exp.WhileBlock) -> str:
    return f"WHILE {self.sql(e, 'this')}\n{self.sql(e, 'body')}"


def _throw_sql(self, e: Throw) -> str:
    return f"THROW {self.sql(e, 'number')}, {self.sql(e, 'this')}, {self.sql(e, 'state')}"


TRANSFORMS = {
    Predict: _predict_sql,
    CopyColumn: _copycolumn_sql,
    CopyInto: _copyinto_sql,
    TableOption: _tableoption_sql,
    Procedure: _procedure_sql,
    Print: lambda self, e: f"PRINT {self.sql(e, 'this')}",
    Throw: _throw_sql,
    LoopControl: lambda self, e: e.name,
    RenameObject: lambda self, e: f"RENAME OBJECT {self.sql(e, 'this')} TO {self.sql(e, 'to')}",
    exp.Return: lambda self, e: f"RETURN {self.sql(e, 'this')}".rstrip(),
    exp.Block: _block_sql,
    exp.IfBlock: _ifblock_sql,
    exp.WhileBlock: _whileblock_sql,
}
