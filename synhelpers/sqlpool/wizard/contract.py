"""The PREDICT contract, checked before anything is deployed, every mismatch at once (pure).

:func:`check_contract` compares a model's ONNX inputs and outputs with a pool table's declared
column types and returns a :class:`ContractReport`: the input mapping (model input <- table
column, declared type -> the type PREDICT gets), the WITH-clause outputs, notes, and every
:class:`ContractIssue` found (column, expected, found, advice). ``report.raise_for_issues()``
raises :class:`ScoringContractError` listing all of them.

The rules (Microsoft's T-SQL PREDICT documentation, the wizard's generated procedures and the
PREDICT engine's published error messages):

- the model has the ONNX flavor (dedicated pools run ONNX only);
- each model input is a plain tensor of float, double, int64, int32 or string, of shape [N] or
  [N,1], and has a table column of the same name (an exact match first, else ignoring case, which
  the mapping shows);
- that column's type is castable to what PREDICT wants: numeric -> ``real``/``float``/``bigint``/
  ``int``, string (char, varchar, nchar, nvarchar) -> ``varchar``. A column already of that type
  passes through unchanged; binary, date/time and the other types PREDICT refuses are reported
  with what to do;
- outputs are plain tensors; those with one value per row ([N] or [N,1]) become the WITH clause,
  a [N,k] output (class probabilities) is left out, as the tutorial's wizard does; at least one
  output remains;
- carried (key) columns exist, have a type PREDICT accepts as DATA, and clash with no output;
- an existing model table has the wizard's columns.

String casts: the wizard writes ``CAST([c] AS [varchar])``, which keeps 30 characters. A column
declared longer (``nvarchar(4000)``, as the connector creates string columns) is cast to
``varchar(n)`` instead so that no value is cut before scoring; the report notes it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ...exceptions import SqlPoolError
from ..names import bracket
from ..types import split_type
from .model_io import INPUT_TYPES, OUTPUT_TYPES, ModelIO, is_row_value, shape_text

NUMERIC_TYPES = frozenset({"bigint", "int", "smallint", "tinyint", "bit", "real", "float",
                           "decimal", "numeric", "money", "smallmoney"})
STRING_TYPES = frozenset({"char", "varchar", "nchar", "nvarchar"})
DATETIME_TYPES = frozenset({"date", "datetime", "datetime2", "smalldatetime", "datetimeoffset",
                            "time", "timestamp", "rowversion"})
BINARY_TYPES = frozenset({"binary", "varbinary", "image"})
MODEL_TABLE_COLUMNS = ("ID", "name", "description", "version", "created_time", "created_by",
                       "framework", "model", "inputs_schema", "outputs_schema")
WIZARD_VARCHAR = 30          # CAST(x AS varchar) keeps 30 characters
MAX_MODEL_ID = 1024          # [ID] NVARCHAR(1024)


@dataclass(frozen=True)
class ContractIssue:
    """One mismatch: what is at fault (``column``), what PREDICT expects, what was found, what to do.

    ``kind``: model, model_input, model_output, table, missing_column, unsupported_type,
    incompatible_type, key_column or model_table.
    """
    kind: str
    column: str
    expected: str
    found: str
    advice: str

    def __str__(self) -> str:
        return f"{self.column}: expected {self.expected}; found {self.found}. {self.advice}"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class InputMapping:
    """Model input <- table column; the declared type and the type the CTE gives PREDICT."""
    model_input: str
    column: str
    declared_type: str
    target_type: str
    cast: bool

    @property
    def select_sql(self) -> str:
        """The CTE line: ``[c]``, ``[C] AS [c]`` or ``CAST([c] AS [real]) AS [c]``."""
        column, alias = bracket(self.column), bracket(self.model_input)
        if self.cast:
            return f"CAST({column} AS {_type_sql(self.target_type)}) AS {alias}"
        return column if self.column == self.model_input else f"{column} AS {alias}"


@dataclass(frozen=True)
class OutputColumn:
    """A WITH-clause column: a model output and its T-SQL type."""
    name: str
    tsql_type: str

    @property
    def with_sql(self) -> str:
        return f"{bracket(self.name)} {_type_sql(self.tsql_type)}"


@dataclass
class ContractReport:
    """The outcome of :func:`check_contract` (``ok`` when ``issues`` is empty)."""
    model_id: str
    table: str
    inputs: list[InputMapping] = field(default_factory=list)
    carried: list[str] = field(default_factory=list)
    outputs: list[OutputColumn] = field(default_factory=list)
    omitted_outputs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    issues: list[ContractIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    def raise_for_issues(self) -> None:
        """Raise :class:`ScoringContractError` (listing every issue) unless the report is clean."""
        if self.issues:
            raise ScoringContractError(self)

    def to_dict(self) -> dict:
        return {"model": self.model_id, "table": self.table, "ok": self.ok,
                "inputs": [asdict(m) for m in self.inputs], "carried": list(self.carried),
                "outputs": [asdict(o) for o in self.outputs],
                "omitted_outputs": list(self.omitted_outputs), "notes": list(self.notes),
                "issues": [i.to_dict() for i in self.issues]}

    def __str__(self) -> str:
        lines = [f"PREDICT contract of model {self.model_id} on table {self.table}: "
                 f"{'OK' if self.ok else f'{len(self.issues)} issue(s)'}"]
        if self.inputs:
            width = max(len(m.model_input) for m in self.inputs)
            lines.append("  inputs (model input <- table column: declared type -> PREDICT type)")
            for m in self.inputs:
                how = "CAST" if m.cast else "as is"
                lines.append(f"    {m.model_input:<{width}} <- {bracket(m.column)}: "
                             f"{m.declared_type} -> {m.target_type} ({how})")
        if self.carried:
            lines.append(f"  carried through: {', '.join(bracket(c) for c in self.carried)}")
        if self.outputs:
            lines.append("  outputs (WITH clause): "
                         + ", ".join(f"{o.name} {o.tsql_type}" for o in self.outputs))
        lines += [f"  left out: {text}" for text in self.omitted_outputs]
        lines += [f"  note: {text}" for text in self.notes]
        lines += [f"  issue {i}. [{issue.kind}] {issue}" for i, issue in enumerate(self.issues, 1)]
        return "\n".join(lines)


class ScoringContractError(SqlPoolError):
    """Raised by the scoring wizard when the model and the table break the PREDICT contract.

    ``report`` is the full :class:`ContractReport`; ``issues`` every mismatch found.
    """

    def __init__(self, report: ContractReport):
        self.report = report
        self.issues = list(report.issues)
        listed = "\n".join(f"  {i}. {issue}" for i, issue in enumerate(report.issues, 1))
        super().__init__(f"Model {report.model_id} cannot score table {report.table} with PREDICT "
                         f"({len(report.issues)} issue(s)); nothing was deployed:\n{listed}")


def check_contract(model: ModelIO, columns: list[tuple[str, str]] | None, table: str, *,
                   flavors: tuple[str, ...] = ("onnx",), key_columns: tuple[str, ...] = (),
                   model_table: str = "", model_table_columns: list[tuple[str, str]] | None = None,
                   pool: str = "") -> ContractReport:
    """Check ``model`` against ``table``'s declared ``columns`` ([(name, T-SQL type)], None when
    the table does not exist); see the module docstring for the rules. Never raises."""
    report = ContractReport(model.model_id, table)
    if len(model.model_id) > MAX_MODEL_ID:
        report.issues.append(ContractIssue(
            "model", model.model_id[:60] + "...", f"an ID of at most {MAX_MODEL_ID} characters",
            f"{len(model.model_id)} characters", "Register the model under a shorter name."))
    if "onnx" not in flavors:
        report.issues.append(ContractIssue(
            "model", model.model_id, "an ONNX model (MLflow flavor 'onnx')",
            f"flavors {', '.join(flavors) or 'none'}",
            "Dedicated SQL pools run ONNX models only: train the model with onnx_compatible=True "
            "(notebook 02_automl_wizard) and score the new version."))
    if columns is None:
        where = f" in SQL pool {pool!r}" if pool else ""
        report.issues.append(ContractIssue(
            "table", table, f"an existing table{where}", "no such table",
            "Load it first (notebook 03_load_sql_pool) or fix table_name."))
    _check_inputs(report, model, columns)
    _check_outputs(report, model)
    if columns is not None:
        _check_carried(report, columns, key_columns)
    if model_table_columns is not None:
        _check_model_table(report, model_table, model_table_columns)
    return report


# -- inputs -----------------------------------------------------------------------------------------
def _check_inputs(report: ContractReport, model: ModelIO, columns) -> None:
    exact = {name: (name, tsql) for name, tsql in columns or []}
    folded = {name.lower(): (name, tsql) for name, tsql in columns or []}
    seen: dict[str, str] = {}
    for inp in model.inputs:
        target = INPUT_TYPES.get(inp.onnx_type)
        if inp.name.lower() in seen:
            report.issues.append(ContractIssue(
                "model_input", inp.name, "input names that differ ignoring case",
                f"inputs '{seen[inp.name.lower()]}' and '{inp.name}'",
                "T-SQL names are case-insensitive: convert the model with distinct input names."))
        seen[inp.name.lower()] = inp.name
        if target is None:
            report.issues.append(ContractIssue(
                "model_input", inp.name, "tensor(float), tensor(double), tensor(int64), "
                "tensor(int32) or tensor(string)", inp.onnx_type,
                "PREDICT feeds int, bigint, real, float and (n)varchar columns: convert the model "
                "with float, int64 or string inputs."))
        elif not is_row_value(inp):
            report.issues.append(ContractIssue(
                "model_input", inp.name, "shape [N,1] (one scalar column per input)", shape_text(inp),
                "Convert the model with one [None, 1] input per table column "
                "(synhelpers.onnx_export.InputSpec)."))
        if columns is None:
            continue
        column = exact.get(inp.name) or folded.get(inp.name.lower())
        if column is None:
            report.issues.append(ContractIssue(
                "missing_column", inp.name,
                f"a table column [{inp.name}]" + (f" ({target})" if target else ""),
                "no such column (table columns: " + ", ".join(n for n, _ in columns) + ")",
                f"Load a table that has it, or score a view that names it: CREATE VIEW ... AS "
                f"SELECT <expression> AS [{inp.name}], ..."))
            continue
        if column[0] != inp.name:
            report.notes.append(f"model input '{inp.name}' is table column [{column[0]}] "
                                "(matched ignoring case; the CTE renames it)")
        if target is not None:
            mapping = _map_column(report, inp.name, column, target)
            if mapping is not None:
                report.inputs.append(mapping)


def _map_column(report: ContractReport, model_input: str, column: tuple[str, str],
                target: str) -> InputMapping | None:
    name, declared = column
    base, args = split_type(declared)
    refused = _refusal(base, name, model_input, target)
    if refused is not None:
        report.issues.append(refused)
        return None
    if target == "varchar":
        if base not in STRING_TYPES:
            report.issues.append(ContractIssue(
                "incompatible_type", name, "a string column (char, varchar, nchar, nvarchar) for "
                f"model input '{model_input}' (tensor(string))", declared,
                "The model takes this input as text: load the column as a string, or retrain the "
                "model on a numeric input."))
            return None
        if base == "varchar":
            return InputMapping(model_input, name, declared, declared.lower(), cast=False)
        length = _length(args)
        if length is not None and length <= WIZARD_VARCHAR:
            return InputMapping(model_input, name, declared, "varchar", cast=True)
        kept = "varchar(max)" if length is None or length > 8000 else f"varchar({length})"
        report.notes.append(f"[{name}] is {declared}: cast to {kept}, not the wizard's [varchar] "
                            f"(which keeps {WIZARD_VARCHAR} characters), so that no value is cut")
        return InputMapping(model_input, name, declared, kept, cast=True)
    if base not in NUMERIC_TYPES:
        report.issues.append(ContractIssue(
            "incompatible_type", name, f"a numeric column for model input '{model_input}' "
            f"(CAST to [{target}])", declared,
            "Text cannot be cast to a number reliably: convert the column in a view (TRY_CAST) "
            "or retrain the model with a string input."))
        return None
    if base not in ("bigint", "int", "smallint", "tinyint", "bit") and target in ("bigint", "int"):
        report.notes.append(f"[{name}] is {declared} and model input '{model_input}' is an integer: "
                            f"CAST AS [{target}] drops the fraction")
    return InputMapping(model_input, name, declared, target, cast=base != target)


def _refusal(base: str, column: str, model_input: str, target: str) -> ContractIssue | None:
    wanted = f"a column castable to [{target}] for model input '{model_input}'"
    if base in DATETIME_TYPES:
        return ContractIssue("unsupported_type", column, wanted, base,
                             "PREDICT cannot take date/time columns: derive a number in a view "
                             f"(e.g. DATEPART(hour, [{column}]) AS [{model_input}]) and train the "
                             "model on that feature.")
    if base in BINARY_TYPES:
        return ContractIssue("unsupported_type", column, wanted, base,
                             "PREDICT cannot take binary columns: the model input must be a number "
                             "or text; retrain the model without this column.")
    if base in ("text", "ntext"):
        return ContractIssue("unsupported_type", column, wanted, base,
                             "PREDICT cannot take text/ntext: convert it in a view, "
                             f"CAST([{column}] AS nvarchar(max)) AS [{model_input}].")
    if base not in NUMERIC_TYPES | STRING_TYPES:
        return ContractIssue("unsupported_type", column, wanted, base,
                             "PREDICT takes int, bigint, real, float, char, varchar and nvarchar "
                             "columns only: convert this one in a view, or retrain without it.")
    return None


def _length(args: str | None) -> int | None:
    """``30`` -> 30; ``max`` or nothing -> None (unknown or unlimited)."""
    if args is None:
        return 1            # a declared varchar without n holds one character
    text = args.strip().lower()
    return None if text == "max" else int(text)


# -- outputs and carried columns ---------------------------------------------------------------------
def _check_outputs(report: ContractReport, model: ModelIO) -> None:
    if not model.outputs and model.inputs:
        report.issues.append(ContractIssue("model_output", report.model_id, "at least one output",
                                           "none", "Convert the model again: it returns nothing."))
        return
    for out in model.outputs:
        if not out.onnx_type.startswith("tensor("):
            report.issues.append(ContractIssue(
                "model_output", out.name, "a plain tensor output", out.onnx_type,
                "PREDICT cannot return a ZipMap (a list of dictionaries): convert the classifier "
                "with options={'zipmap': False} (synhelpers.onnx_export.to_onnx does)."))
        elif out.onnx_type not in OUTPUT_TYPES:
            report.issues.append(ContractIssue(
                "model_output", out.name, "float, double, int64, int32, string or bool values",
                out.onnx_type, "Convert the model so that this output has a type T-SQL can hold."))
        elif not is_row_value(out):
            report.omitted_outputs.append(
                f"{out.name} {out.onnx_type}{shape_text(out)}: several values per row (e.g. class "
                "probabilities); PREDICT's WITH clause takes one value per column, so the wizard "
                "leaves it out")
        else:
            report.outputs.append(OutputColumn(out.name, OUTPUT_TYPES[out.onnx_type]))
    if model.outputs and not report.outputs and not any(i.kind == "model_output" for i in report.issues):
        report.issues.append(ContractIssue(
            "model_output", report.model_id, "an output with one value per row ([N] or [N,1])",
            ", ".join(f"{o.name}{shape_text(o)}" for o in model.outputs),
            "PREDICT returns one value per WITH column: convert the model with a label or score "
            "output of shape [N,1]."))
    inputs = {m.model_input.lower() for m in report.inputs}
    for out in report.outputs:
        if out.name.lower() in inputs:
            report.issues.append(ContractIssue(
                "model_output", out.name, "output names distinct from input names",
                f"input and output both named '{out.name}'",
                "PREDICT returns the DATA columns beside the outputs: rename one in the model."))


def _check_carried(report: ContractReport, columns, key_columns) -> None:
    folded = {name.lower(): (name, tsql) for name, tsql in columns}
    inputs = {m.model_input.lower() for m in report.inputs}
    outputs = {o.name.lower() for o in report.outputs}
    for key in key_columns:
        column = folded.get(key.lower())
        if column is None:
            report.issues.append(ContractIssue(
                "key_column", key, "a table column to carry beside the scores",
                "no such column (table columns: " + ", ".join(n for n, _ in columns) + ")",
                "Fix key_columns (comma-separated table columns)."))
            continue
        name, declared = column
        base = split_type(declared)[0]
        if name.lower() in outputs:
            report.issues.append(ContractIssue(
                "key_column", name, "a column named unlike the model outputs",
                f"output [{name}] has the same name",
                "PREDICT cannot return a DATA column and an output of one name: carry another key."))
        elif base not in NUMERIC_TYPES | STRING_TYPES:
            report.issues.append(ContractIssue(
                "key_column", name, "int, bigint, real, float, char, varchar or nvarchar (PREDICT "
                "refuses other DATA columns)", declared,
                "Carry another key, or a converted copy of it from a view."))
        elif name.lower() in inputs or name.lower() in {c.lower() for c in report.carried}:
            report.notes.append(f"[{name}] is already in the input data: carried once")
        else:
            report.carried.append(name)


def _check_model_table(report: ContractReport, model_table: str, columns) -> None:
    present = {name.lower(): tsql for name, tsql in columns}
    missing = [c for c in MODEL_TABLE_COLUMNS if c.lower() not in present]
    if missing:
        report.issues.append(ContractIssue(
            "model_table", model_table, "the wizard's model table columns ("
            + ", ".join(MODEL_TABLE_COLUMNS) + ")", "missing " + ", ".join(missing),
            "Use another model_table (the wizard creates it), or add the missing columns."))
    elif split_type(present["model"])[0] != "varbinary":
        report.issues.append(ContractIssue(
            "model_table", f"{model_table}.model", "varbinary(max)", present["model"],
            "PREDICT's MODEL must be varbinary: use another model_table."))


def _type_sql(tsql: str) -> str:
    """``real`` -> ``[real]``; ``varchar(4000)`` -> ``[varchar](4000)`` (the wizard's style)."""
    base, args = split_type(tsql)
    return f"[{base}]" + (f"({args})" if args is not None else "")
