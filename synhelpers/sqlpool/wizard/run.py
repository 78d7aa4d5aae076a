"""Running the scoring wizard on a pool: plan (check), deploy, execute, write results.

Each step is a function of plain values, so notebook 04 shows them one cell each::

    plan = plan_scoring("mlverifypool", "dbo.NYC_Taxi", "nyc_taxi_fare_predict", 0)
    print(plan.report); plan.report.raise_for_issues()      # every mismatch, before deploying
    deployment = deploy(plan)           # model table, model row, procedure; the .sql file
    scored = execute_procedure(plan)    # EXEC: the scored rows (bounded), a preview
    written = write_results(plan)       # the optional results table (None without one)

What is collected to the driver, and its bound: ``execute_procedure`` brings back the rows the
procedure returns (one per table row), and refuses to when the table holds more than
``max_rows`` (default :data:`MAX_ROWS`): write them to a results table instead (they stay in the
pool; :func:`write_results` returns only a count). ``preview`` holds the first ``display_rows``.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from ...exceptions import ConfigError, SqlPoolError
from ..names import TableName, nstring
from .contract import ContractReport, check_contract
from .objects import SqlObject, parse_object
from .registered import RegisteredModel, load_registered_model
from .script import (RUN_ID, SEPARATOR, WizardNames, create_procedure_sql, drop_procedure_sql,
                     exec_sql, model_table_sql, new_run_id, procedure_script, results_sql,
                     scoring_script, staging_objects, upsert_sql)

MAX_ROWS = 1_000_000                # rows execute_procedure brings to the driver
WRITE_MAX_ROWS = 100_000_000        # rows write_results scores in the pool in one statement
DISPLAY_ROWS = 10


@dataclass(frozen=True)
class ScoringPlan:
    """A checked (or failed) plan: pool, object names, the model, the contract report."""
    pool: str
    names: WizardNames
    model: RegisteredModel
    report: ContractReport

    @property
    def model_id(self) -> str:
        return self.model.model_id

    def procedure_script(self) -> str:
        """The stored procedure and its EXEC, as the wizard opens them (reference §2.5)."""
        self.report.raise_for_issues()
        return procedure_script(self.report, self.names)

    def script(self, run_id: str | None = None) -> str:
        """The whole T-SQL script (model table and row, procedure, EXEC, results table; the
        results swap's tables named after ``run_id``, a new one by default).

        Raises:
            ScoringContractError: the contract check found issues.
        """
        return scoring_script(self.report, self.names, self.model.row() if self.report.ok else None,
                              run_id)


@dataclass(frozen=True)
class Deployment:
    """What :func:`deploy` did: the objects it wrote and where the script was saved."""
    model_id: str
    model_table: str
    procedure: str
    script_path: Path
    seconds: float


@dataclass
class ScoredRows:
    """The procedure's result: ``scores`` (every row, at most ``max_rows``), ``preview`` (the first
    ``display_rows`` as a pandas DataFrame) and the row count."""
    rows: int
    scores: object
    preview: object
    seconds: float
    columns: list[str] = field(default_factory=list)


def plan_scoring(sql_pool_name: str, table_name: str, model_name: str = "", model_version=0, *,
                 procedure_name: str = "dbo.nyc_taxi_procedure", model_table: str = "dbo.aml_models",
                 results_table: str = "", key_columns="") -> ScoringPlan:
    """Read the model and the table, check the PREDICT contract (every mismatch in the report).

    Args:
        sql_pool_name: the dedicated SQL pool (local or Synapse, :func:`..pool.get_pool`).
        table_name: the table to score, ``[schema.]table``.
        model_name: a registered model; empty: the registered model updated last.
        model_version: a version; 0 (or None, 'latest'): the highest.
        procedure_name, model_table: the wizard's stored procedure and model table.
        results_table: where :func:`write_results` writes the scores; empty: nowhere.
        key_columns: table columns carried beside the inputs so scores can be joined back (a
            comma-separated string or a list); empty: the wizard's exact shape, inputs only.

    Raises:
        ConfigError: a name parameter is invalid, or the results table would overwrite the
            scored table or the model table.
        ModelRegistryError: unknown model or version.
        SqlPoolError: the pool cannot be reached.
    """
    from ..pool import get_pool
    names = WizardNames(
        table=parse_object(table_name, "table_name", sql_pool_name),
        procedure=parse_object(procedure_name, "procedure_name", sql_pool_name),
        model_table=parse_object(model_table, "model_table", sql_pool_name),
        results=parse_object(results_table, "results_table", sql_pool_name)
        if (results_table or "").strip() else None)
    _check_distinct(names)
    keys = tuple(k.strip() for k in (key_columns.split(",") if isinstance(key_columns, str)
                                     else key_columns or ()) if k.strip())
    pool = get_pool(sql_pool_name)
    model = load_registered_model(model_name, model_version)
    report = check_contract(
        model.io, table_columns(pool, names.table.table_name), str(names.table),
        flavors=model.flavors, key_columns=keys, model_table=str(names.model_table),
        model_table_columns=table_columns(pool, names.model_table.table_name), pool=sql_pool_name)
    return ScoringPlan(sql_pool_name, names, model, report)


def deploy(plan: ScoringPlan, output_dir: str | Path | None = None) -> Deployment:
    """Save the script, then create the model table (if missing), replace the model's row and
    (re)create the stored procedure. Nothing runs when the contract check failed.

    The script is saved first, as ``<output_dir>/<schema>.<procedure>.sql`` (default: the state
    directory's ``sqlscripts/``), so it can be pasted into Synapse Studio even if a step fails.

    Raises:
        ScoringContractError: the plan's contract check found issues.
        SqlPoolError: the pool refused a statement.
    """
    plan.report.raise_for_issues()
    path = save_script(plan, output_dir)
    row = plan.model.row()
    pool = _pool(plan)
    started = time.perf_counter()
    try:
        pool.execute(SEPARATOR.join([
            model_table_sql(plan.names), upsert_sql(plan.names, row), drop_procedure_sql(plan.names),
            create_procedure_sql(plan.report, plan.names)]))
    except Exception:
        _rollback(pool)
        raise
    return Deployment(plan.model_id, str(plan.names.model_table), str(plan.names.procedure), path,
                      round(time.perf_counter() - started, 3))


def execute_procedure(plan: ScoringPlan, display_rows: int = DISPLAY_ROWS,
                      max_rows: int = MAX_ROWS) -> ScoredRows:
    """``EXEC`` the deployed procedure; its rows (bounded by ``max_rows``) and a preview.

    Raises:
        SqlPoolError: the table has more than ``max_rows`` rows (nothing is run), or the pool
            refused the EXEC (e.g. the procedure is not deployed: run :func:`deploy`).
    """
    plan.report.raise_for_issues()
    pool = _pool(plan)
    rows = pool.row_count(plan.names.table.table_name)
    if rows > max_rows:
        raise SqlPoolError(f"Table {plan.names.table} has {rows} rows, more than max_rows="
                           f"{max_rows} this driver collects: set results_table to keep the scores "
                           "in the pool (write_results), or raise max_rows.")
    started = time.perf_counter()
    results = pool.execute(exec_sql(plan.names))
    if not results:
        raise SqlPoolError(f"EXEC {plan.names.procedure} returned no rows: deploy the model first.")
    table = results[-1]
    preview = table.slice(0, max(0, int(display_rows))).to_pandas()
    return ScoredRows(table.num_rows, table, preview, round(time.perf_counter() - started, 3),
                      list(table.column_names))


def write_results(plan: ScoringPlan, run_id: str | None = None,
                  max_rows: int = WRITE_MAX_ROWS) -> dict | None:
    """Score into the plan's results table (CTAS aside, then swapped in); None without one.

    The tables built aside are named after this run (``<results>__new_<run_id>``,
    ``<results>__old_<run_id>``; ``run_id`` default: a new one). Before anything runs they are
    checked against every object the plan touches and every object in the pool: a collision is
    refused, so the swap never drops a table it did not create. Each swap step runs only if the
    one before it did: a run killed between the renames leaves the previous results intact as
    ``<results>__old_<run>``, the next run puts its own in place, and ``synhelpers sqlpool
    recover`` (:func:`..recovery.recover_results_table`) restores or cleans up the leftovers.

    Returns ``{"table", "rows", "seconds"}``; the rows stay in the pool.

    Raises:
        ConfigError: a staging name is a table, procedure or model table of the plan.
        SqlPoolError: a staging name is already an object of the pool, or the table has more
            than ``max_rows`` rows (nothing was run).
    """
    if plan.names.results is None:
        return None
    plan.report.raise_for_issues()
    run_id = _check_run_id(run_id or new_run_id())
    pool = _pool(plan)
    rows = pool.row_count(plan.names.table.table_name)
    if rows > max_rows:
        raise SqlPoolError(f"Table {plan.names.table} has {rows} rows, more than max_rows="
                           f"{max_rows} write_results scores in one statement: nothing was run. "
                           "Score it in parts (a view per range), or raise max_rows.")
    _check_staging(plan, pool, staging_objects(plan.names.results, run_id))
    started = time.perf_counter()
    pool.execute(results_sql(plan.report, plan.names, run_id))
    rows = pool.row_count(plan.names.results.table_name)
    return {"table": str(plan.names.results), "rows": rows,
            "seconds": round(time.perf_counter() - started, 3)}


def scoring_summary(plan: ScoringPlan, scored: ScoredRows | None = None,
                    written: dict | None = None, deployment: Deployment | None = None) -> dict:
    """The notebook's exit value: pool, model, procedure, rows scored, results table."""
    return {"pool": plan.pool, "model": plan.model_id, "table": str(plan.names.table),
            "procedure": str(plan.names.procedure), "model_table": str(plan.names.model_table),
            "rows_scored": scored.rows if scored is not None else None,
            "results_table": written["table"] if written else None,
            "results_rows": written["rows"] if written else None,
            "script": str(deployment.script_path) if deployment is not None else None}


def run_scoring_wizard(sql_pool_name: str, table_name: str, model_name: str = "", model_version=0,
                       *, display_rows: int = DISPLAY_ROWS, max_rows: int = MAX_ROWS,
                       output_dir: str | Path | None = None, **names) -> dict:
    """Every step in one call (plan, check, deploy, execute, results); returns the summary.

    ``names``: ``procedure_name``, ``model_table``, ``results_table``, ``key_columns`` as in
    :func:`plan_scoring`. Raises what the steps raise.
    """
    plan = plan_scoring(sql_pool_name, table_name, model_name, model_version, **names)
    deployment = deploy(plan, output_dir)
    scored = execute_procedure(plan, display_rows, max_rows)
    return scoring_summary(plan, scored, write_results(plan), deployment)


# -- helpers --------------------------------------------------------------------------------------
def save_script(plan: ScoringPlan, output_dir: str | Path | None = None) -> Path:
    """Write :meth:`ScoringPlan.script` to ``<output_dir>/<schema>.<procedure>.sql``; its path."""
    from ...runtime.state import state_path
    proc = plan.names.procedure
    filename = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{proc.schema or 'dbo'}.{proc.name}") + ".sql"
    path = Path(output_dir) / filename if output_dir else state_path("sqlscripts", filename)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(plan.script())
    return path


def table_columns(pool, table: TableName) -> list[tuple[str, str]] | None:
    """[(column, declared T-SQL type)] of ``table``; None when it does not exist."""
    if not pool.table_exists(table):
        return None
    declared = getattr(pool, "declared_columns", None)
    if declared is not None:                      # the local pool records declared types
        return declared(table)
    result = pool.execute(
        "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH FROM INFORMATION_SCHEMA.COLUMNS "
        f"WHERE TABLE_SCHEMA = {nstring(table.schema)} AND TABLE_NAME = "
        f"{nstring(table.table)} ORDER BY ORDINAL_POSITION")[-1]
    columns = []
    for name, kind, length in zip(*(c.to_pylist() for c in result.columns)):
        suffix = "" if length is None else "(max)" if length == -1 else f"({length})"
        columns.append((name, f"{kind}{suffix}"))
    return columns


def _pool(plan: ScoringPlan):
    from ..pool import get_pool
    return get_pool(plan.pool)


def _rollback(pool) -> None:
    """After a failed deploy, end the model row's transaction if it is still open: Synapse rolls it
    back itself (XACT_ABORT ON); the local pool would keep refusing statements until ROLLBACK."""
    try:
        pool.execute("ROLLBACK TRANSACTION")
    except SqlPoolError:
        pass        # no transaction was open: the original error is what matters


def _check_distinct(names: WizardNames) -> None:
    if names.results is None:
        return
    staging_objects(names.results, "f" * 8)       # the swap's names fit in 128 characters
    for other, parameter in ((names.table, "table_name"), (names.model_table, "model_table")):
        if names.results.same_as(other):
            raise ConfigError(f"results_table={names.results} is also {parameter}: writing the "
                              "scores there would replace it. Choose another results_table.")


def _check_run_id(run_id: str) -> str:
    if not isinstance(run_id, str) or not RUN_ID.fullmatch(run_id):
        raise ConfigError(f"run_id={run_id!r} is not valid: use 1 to 16 letters, digits or '_'.")
    return run_id


def _check_staging(plan: ScoringPlan, pool, staged: tuple[SqlObject, SqlObject]) -> None:
    """Refuse a run whose tables built aside are an object of the plan or of the pool."""
    touched = [(plan.names.table, "table_name"), (plan.names.model_table, "model_table"),
               (plan.names.procedure, "procedure_name"), (plan.names.results, "results_table")]
    for aside in staged:
        for other, parameter in touched:
            if aside.same_as(other):
                raise ConfigError(f"{parameter}={other} is the name write_results builds the scores "
                                  f"under ({aside}) in this run: nothing was run. Rename it, or pass "
                                  "another run_id.")
    for aside in staged:
        found = pool.execute(f"SELECT OBJECT_ID({aside.id_literal}) AS id")[-1].column(0)[0]
        if found.is_valid:
            raise SqlPoolError(f"{aside} already exists in SQL pool {plan.pool!r}: write_results "
                               "builds the scores under that name in this run and would replace "
                               "it, so nothing was run. Drop or rename it (a write_results that was "
                               "killed leaves its <results>__new_/__old_<run> tables), or pass "
                               "another run_id.")
