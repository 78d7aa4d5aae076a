"""The T-SQL the scoring wizard generates, from a checked contract and the object names (pure).

Sections, each a template in ``synhelpers/sqlpool/templates/`` filled with ``str.format``:

1. ``model_table.sql``: the wizard's model table (the layout the wizard creates), created if missing;
2. ``upsert_model.sql``: the model's row, ``ID = 'name:version'``, deleted and inserted in one
   transaction (re-running replaces it; another version adds a row). The model bytes travel as a
   hex literal ``0x...`` (only hex digits: nothing to escape; both pools read it; no client-side
   parameter binding is needed, so the same text can be pasted into Synapse Studio);
3. ``drop_procedure.sql``: drops the procedure if it exists, so the script can run again;
4. ``scoring_procedure.sql``: the wizard's stored procedure and its ``EXEC`` (§2.5, its layout and
   comments): a CTE ``InputData`` of CASTs over the table, then ``SELECT * FROM PREDICT(...)
   WITH (...)``;
5. ``results_table.sql`` (optional): the same query into a results table, built aside with CTAS
   under a name of this run (``<results>__new_<run>``) and swapped in with ``RENAME OBJECT``
   (the previous results become ``<results>__old_<run>``, dropped once the new table is in place;
   DDL cannot run inside a dedicated pool transaction). Each step runs only when the one before it
   did (Synapse Studio runs the next batch after a failed one), so no batch drops a table the
   script did not make.

Sections are separated by ``GO`` lines. Every name goes through :mod:`.objects`; every value
through :func:`~synhelpers.sqlpool.names.nstring`; the only raw text is the hex of the model
bytes. No name or value is ever written into a comment.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..names import bracket, nstring
from .contract import ContractReport
from .objects import SqlObject, part_sql

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
SEPARATOR = "\nGO\n"
STAGING_SUFFIX, RETIRED_SUFFIX = "__new_", "__old_"        # + the run ID
RUN_ID = re.compile(r"[A-Za-z0-9_]{1,16}")                  # what a run ID may be
_INDENT = " " * 8
_PREDICT_INDENT = " " * len("FROM PREDICT (")


@dataclass(frozen=True)
class WizardNames:
    """The objects of one scoring: the DATA table, the procedure, the model table, the results."""
    table: SqlObject
    procedure: SqlObject
    model_table: SqlObject
    results: SqlObject | None = None


@dataclass(frozen=True)
class ModelRow:
    """The model table row of one model version (values as Python objects)."""
    model_id: str
    name: str
    version: int
    model_bytes: bytes
    inputs_schema: str
    outputs_schema: str
    description: str = ""
    created_time: datetime | None = None
    created_by: str = ""
    framework: str = "ONNX"


def template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8").rstrip("\n")


# -- the pieces of the procedure -----------------------------------------------------------------
def input_data_sql(report: ContractReport, names: WizardNames) -> str:
    """``WITH InputData AS (SELECT <carried>, <casts> FROM [schema].[table])``."""
    lines = [bracket(c) for c in report.carried] + [m.select_sql for m in report.inputs]
    body = ",\n".join(_INDENT + line for line in lines)
    return (f"WITH InputData AS\n(\n    SELECT\n{body}\n    FROM {names.table.bracketed}\n)")


def predict_sql(report: ContractReport, names: WizardNames) -> str:
    """``SELECT * FROM PREDICT (MODEL = (SELECT [model] ...), DATA = InputData, RUNTIME = ONNX)
    WITH (...)`` laid out as the wizard does."""
    model = (f"(SELECT [model] FROM {names.model_table.sql} WHERE [ID] = "
             f"{nstring(report.model_id)})")
    outputs = ", ".join(o.with_sql for o in report.outputs)
    return (f"SELECT *\nFROM PREDICT (MODEL = {model},\n{_PREDICT_INDENT}DATA = InputData,\n"
            f"{_PREDICT_INDENT}RUNTIME = ONNX) WITH ({outputs})")


def procedure_script(report: ContractReport, names: WizardNames) -> str:
    """The wizard's stored procedure and its EXEC (reference §2.5), exactly in its shape."""
    return template("scoring_procedure.sql").format(
        procedure=names.procedure.sql, input_data=input_data_sql(report, names),
        predict=predict_sql(report, names))


def create_procedure_sql(report: ContractReport, names: WizardNames) -> str:
    """:func:`procedure_script` up to its ``GO`` (the CREATE PROCEDURE batch)."""
    return procedure_script(report, names).split(SEPARATOR)[0]


def exec_sql(names: WizardNames) -> str:
    """:func:`procedure_script` after its ``GO`` (the comment and the EXEC)."""
    return f"-- Execute the above stored procedure.\nEXEC {names.procedure.sql}"


# -- the other sections ---------------------------------------------------------------------------
def model_table_sql(names: WizardNames) -> str:
    return template("model_table.sql").format(model_table=names.model_table.sql,
                                              model_table_id=names.model_table.id_literal)


def upsert_sql(names: WizardNames, row: ModelRow) -> str:
    """Replace the model table row of ``row.model_id`` (one transaction)."""
    return template("upsert_model.sql").format(
        model_table=names.model_table.sql, model_id=nstring(row.model_id),
        name=nstring(row.name), description=_text(row.description, 1024),
        version=int(row.version), created_time=_datetime(row.created_time),
        created_by=_text(row.created_by, 128), framework=_text(row.framework, 64),
        model="0x" + bytes(row.model_bytes).hex(), inputs_schema=nstring(row.inputs_schema),
        outputs_schema=nstring(row.outputs_schema))


def drop_procedure_sql(names: WizardNames) -> str:
    return template("drop_procedure.sql").format(procedure=names.procedure.sql,
                                                 procedure_id=names.procedure.id_literal)


def staging_objects(results: SqlObject, run_id: str) -> tuple[SqlObject, SqlObject]:
    """The tables one results swap builds aside: ``<results>__new_<run>``, ``<results>__old_<run>``.

    Raises:
        ConfigError: the names would be longer than 128 characters.
    """
    return (results.renamed(results.name + STAGING_SUFFIX + run_id),
            results.renamed(results.name + RETIRED_SUFFIX + run_id))


def results_sql(report: ContractReport, names: WizardNames, run_id: str) -> str:
    """Write the scores into ``names.results``: CTAS aside under this run's names, then two renames
    (atomic for readers of the old table until the new one is complete)."""
    results = names.results
    staging, retired = staging_objects(results, run_id)
    return template("results_table.sql").format(
        staging=staging.sql, staging_id=staging.id_literal, retired=retired.sql,
        retired_id=retired.id_literal, retired_name=part_sql(retired.name),
        results=results.sql, results_id=results.id_literal, results_name=part_sql(results.name),
        input_data=input_data_sql(report, names), predict=predict_sql(report, names))


def header_sql(deploys_model: bool) -> str:
    """The script's opening comment (generic: no name or value goes into a comment)."""
    where = ("-- The model's row is copied into the model table below."
             if deploys_model else
             "-- The model's row must be in the model table: notebook 04_predict_sql_pool (the\n"
             "-- scoring wizard) copies it there, and saves this script with that row included.")
    return ("-- Scoring wizard script: the model selected from the model table below scores the\n"
            "-- table below with PREDICT. Generated by synhelpers.sqlpool.wizard: run it in\n"
            f"-- Synapse Studio, connected to the dedicated SQL pool.\n{where}")


def scoring_script(report: ContractReport, names: WizardNames, row: ModelRow | None = None,
                   run_id: str | None = None) -> str:
    """The whole script: header, [model table, model row], procedure, EXEC, [results table].

    Without ``row`` (no model bytes, as at artifact build time) the model table sections are
    left out and the header says where the row comes from. ``run_id`` names the results swap's
    tables (default: a new one, :func:`new_run_id`).
    """
    report.raise_for_issues()
    sections = []
    if row is not None:
        sections += [model_table_sql(names), upsert_sql(names, row)]
    sections += [drop_procedure_sql(names), procedure_script(report, names)]
    if names.results is not None:
        sections.append(results_sql(report, names, run_id or new_run_id()))
    return header_sql(row is not None) + "\n" + SEPARATOR.join(sections) + "\n"


def new_run_id() -> str:
    """A fresh run ID for the results swap's table names (8 hex digits)."""
    import uuid
    return uuid.uuid4().hex[:8]


# -- literals ---------------------------------------------------------------------------------------
def _text(value: str | None, limit: int) -> str:
    if not value:
        return "NULL"
    return nstring(value[:limit])


def _datetime(value: datetime | None) -> str:
    if value is None:
        return "NULL"
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return f"CAST('{value.isoformat(timespec='milliseconds')}' AS DATETIME2(7))"
