"""Data never becomes SQL: hostile names and values through every generator of T-SQL.

Each generator gets names and values holding quotes, brackets, ``;``, ``--``, ``/*``, line breaks,
NUL, 300 characters and non-ASCII text. The generated script is parsed with the Synapse dialect of
sqlglot's T-SQL (it must be exactly the statements intended), then run on a local pool holding a
``dbo.victim`` table, which must survive with its rows, and nothing else may change.
"""
from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest

from synhelpers.exceptions import ConfigError, SqlPoolError, UnsupportedSqlError

from pool_testing import (HOSTILE_CONTROL, HOSTILE_TEXT, HOSTILE_VALUES, LONG, assert_victim_intact,
                          create_victim, pool_objects, statement_types)

ROW = (-1, 1)


def bracketed(name: str) -> str:
    return "[" + name.replace("]", "]]") + "]"


@pytest.fixture
def victim(pool):
    create_victim(pool)
    return pool


# -- the routed PREDICT of many models (scoring/routing_sql.py, scoring/model_table.py) ------------
def keyed(blob: bytes, group_column: str, values: list, names: list, fallback: str = "fallback"):
    from synhelpers.scoring.keyed import GroupModel, Routing
    from synhelpers.scoring.model import from_onnx
    groups = [GroupModel(str(v), v, from_onnx(blob, n, 1)) for v, n in zip(values, names)]
    return Routing(name="keyed", version=1, task="regression", target="fareAmount",
                   group_column=group_column, group_type="string", groups=groups,
                   fallback=GroupModel(None, None, from_onnx(blob, fallback, 1)),
                   feature_kinds={"fareAmount": "float", "tripDistance": "float"})


def routed_table(pool, table: str, group_column: str, carried: str, values: list, taxi) -> dict:
    """A pool table with 2 rows per group value, 2 rows of another group and 2 NULL groups;
    returns {trip_id: group value}. Rows go in with bound parameters (not through T-SQL text)."""
    pool.execute(f"CREATE TABLE {table} (trip_id bigint, {bracketed(group_column)} nvarchar(4000), "
                 f"{bracketed(carried)} nvarchar(4000), fareAmount real, tripDistance real) WITH (HEAP)")
    groups = [v for v in values for _ in range(2)] + ["other", "other", None, None]
    rows = [(i, g, f"carried {i}", float(taxi.fareAmount[i]), float(taxi.tripDistance[i]))
            for i, g in enumerate(groups)]
    from synhelpers.sqlpool.names import parse_table_name
    name = parse_table_name(table)
    pool.con.executemany(f'INSERT INTO "{name.schema}"."{name.table.replace(chr(34), chr(34) * 2)}" '
                         "VALUES (?, ?, ?, ?, ?)", rows)
    return {i: g for i, g, *_ in rows}


def test_a_group_value_with_a_line_break_stays_a_value_when_the_procedure_runs(victim, taxi, fare_model):
    """The issue's case, with plain names: a group value holding a line break used to turn the rest
    of its ``--`` comment line into statements, ``DROP TABLE [dbo].[victim]`` among them."""
    from synhelpers.scoring import routed_predict_sql
    value = HOSTILE_CONTROL["newline"]
    groups = routed_table(victim, "dbo.taxi", "bin", "note", [value, "b"], taxi)
    victim.execute("CREATE TABLE dbo.aml_models (ID nvarchar(1024), model varbinary(max))")
    victim.con.executemany('INSERT INTO "dbo"."aml_models" VALUES (?, ?)',
                           [(f"{n}:1", fare_model) for n in ("ma", "mb", "fallback")])
    sql = routed_predict_sql(keyed(fare_model, "bin", [value, "b"], ["ma", "mb"]), "dbo.taxi",
                             {"trip_id": "bigint", "bin": "string", "note": "string",
                              "fareAmount": "float", "tripDistance": "float"},
                             procedure_name="score_taxi")
    assert statement_types(sql) == [["Procedure"], ["Execute"]]
    scored = {r["trip_id"]: r["scored_by"] for r in victim.execute(sql)[-1].to_pylist()}
    assert scored == {i: {value: "ma:1", "b": "mb:1"}.get(g, "fallback:1") for i, g in groups.items()}
    assert_victim_intact(victim)


def test_group_values_model_ids_and_names_stay_data_in_the_routed_procedure(victim, taxi, fare_model):
    """The issue's case: a group value with a line break used to turn the rest of its comment
    line into statements (``DROP TABLE [dbo].[victim]`` when the procedure ran)."""
    from synhelpers.scoring import model_table_ddl, model_table_rows, routed_predict_sql
    from synhelpers.scoring.model_table import model_table_script
    values = list(HOSTILE_VALUES.values())
    model_names = [f"model {i} {v}" for i, v in enumerate(values)]
    table, group_column = f"dbo.{bracketed(HOSTILE_TEXT['bracket'])}", HOSTILE_TEXT["dashes"]
    carried, model_table = HOSTILE_TEXT["quote"], f"dbo.{bracketed(HOSTILE_TEXT['block comment'])}"
    procedure = HOSTILE_TEXT["semicolon"]
    groups = routed_table(victim, table, group_column, carried, values, taxi)
    routing = keyed(fare_model, group_column, values, model_names, fallback=HOSTILE_VALUES["NUL"])
    before = pool_objects(victim)

    ddl = model_table_ddl(model_table)
    assert statement_types(ddl) == [["IfBlock"]]
    victim.execute(ddl)
    rows = model_table_rows(routing)
    inserts = model_table_script(rows, model_table)
    assert statement_types(inserts) == [["Insert"] * len(rows)]
    victim.execute(inserts)
    stored = victim.execute(f"SELECT [ID], [name] FROM {model_table} ORDER BY [version], [ID]")[-1]
    assert sorted(stored.column("ID").to_pylist()) == sorted(m.model_id for m in routing.models)

    columns = {"trip_id": "bigint", group_column: "string", carried: "string",
               "fareAmount": "float", "tripDistance": "double"}
    query = routed_predict_sql(routing, table, columns, model_table)
    assert statement_types(query) == [["Union"]]
    sql = routed_predict_sql(routing, table, columns, model_table, procedure_name=procedure)
    assert statement_types(sql) == [["Procedure"], ["Execute"]]
    for value in values:                 # no value is ever in a comment
        for line in sql.splitlines():
            if line.lstrip().startswith("--"):
                assert value not in line and value[:12] not in line, line
    for script in (query, sql):
        scored = victim.execute(script)[-1].to_pylist()
        by_trip = {r["trip_id"]: r["scored_by"] for r in scored}
        expected = {i: (f"model {values.index(g)} {g}:1" if g in values else
                        f"{HOSTILE_VALUES['NUL']}:1") for i, g in groups.items()}
        assert by_trip == expected
        assert {r[carried] for r in scored} == {f"carried {i}" for i in groups}
    assert_victim_intact(victim)
    after = pool_objects(victim)
    assert [o for o in after if o not in before] == sorted([
        (HOSTILE_TEXT["block comment"], "U", len(rows)), (procedure, "P", None)])


@pytest.mark.parametrize("label", list(HOSTILE_CONTROL) + ["300 characters"])
def test_names_a_script_cannot_hold_are_refused_naming_them(taxi, fare_model, label):
    from synhelpers.scoring import model_table_ddl, routed_predict_sql
    name = HOSTILE_VALUES[label]
    routing = keyed(fare_model, name, ["a"], ["m"])
    columns = {name: "string", "fareAmount": "float", "tripDistance": "float"}
    with pytest.raises(ConfigError, match="group_column|column"):
        routed_predict_sql(routing, "dbo.t", columns)
    plain = keyed(fare_model, "g", ["a"], ["m"])
    for call in (lambda: routed_predict_sql(plain, "dbo.t", {"g": "string", name: "string",
                                                            "fareAmount": "float", "tripDistance": "float"}),
                 lambda: routed_predict_sql(plain, f"dbo.{bracketed(name)}", {"g": "string",
                                                                            "fareAmount": "float",
                                                                            "tripDistance": "float"}),
                 lambda: routed_predict_sql(plain, "dbo.t", {"g": "string", "fareAmount": "float",
                                                             "tripDistance": "float"},
                                            procedure_name=name),
                 lambda: model_table_ddl(f"dbo.{bracketed(name)}")):
        with pytest.raises(ConfigError, match="control character|at most 128|128 characters"):
            call()


def test_the_model_table_name_is_never_inside_an_unescaped_string(victim):
    """``model_table_ddl`` used to write the table name into ``NAME = '...'`` unescaped."""
    from synhelpers.scoring import model_table_ddl
    before = pool_objects(victim)
    hostile = "dbo.[a' AND 1=0) DROP TABLE victim --]"
    ddl = model_table_ddl(hostile)
    assert statement_types(ddl) == [["IfBlock"]]
    victim.execute(ddl)
    victim.execute(ddl)                                         # exists now: created once
    assert_victim_intact(victim)
    assert [o for o in pool_objects(victim) if o not in before] == [
        ("a' AND 1=0) DROP TABLE victim --", "U", 0)]


# -- the scoring wizard's script (sqlpool/wizard/script.py) ------------------------------------------
def wizard_script(blob: bytes, model_name: str, table: str, key: str, procedure: str,
                  model_table: str, results: str, description: str):
    from synhelpers.onnx_export import TensorInfo
    from synhelpers.sqlpool.wizard import ModelIO, WizardNames, check_contract, parse_object
    from synhelpers.sqlpool.wizard.script import ModelRow, scoring_script
    io = ModelIO(model_name, 3, (TensorInfo("fareAmount", "tensor(float)", ROW),
                                 TensorInfo("tripDistance", "tensor(float)", ROW)),
                 (TensorInfo("variable_out1", "tensor(float)", ROW),))
    names = WizardNames(parse_object(table, "table_name"), parse_object(procedure, "procedure_name"),
                        parse_object(model_table, "model_table"), parse_object(results, "results_table"))
    report = check_contract(io, [(key, "nvarchar(100)"), ("fareAmount", "real"), ("tripDistance", "real")],
                            str(names.table), key_columns=(key,))
    row = ModelRow(io.model_id, model_name, 3, blob, io.schema_json("inputs"), io.schema_json("outputs"),
                   description=description, created_by=model_name)
    return report, scoring_script(report, names, row)


@pytest.mark.parametrize("label", list(HOSTILE_VALUES))
def test_the_wizard_script_keeps_a_hostile_model_name_and_description_in_literals(victim, taxi, fare_model,
                                                                                  label):
    value = HOSTILE_VALUES[label]
    victim.execute("CREATE TABLE dbo.trips ([k] nvarchar(100), fareAmount real, tripDistance real)")
    victim.con.executemany('INSERT INTO "dbo"."trips" VALUES (?, ?, ?)',
                           [(f"k{i}", float(taxi.fareAmount[i]), float(taxi.tripDistance[i]))
                            for i in range(5)])
    before = pool_objects(victim)
    report, script = wizard_script(fare_model, value, "dbo.trips", "k", "dbo.score", "dbo.models",
                                   "dbo.scores", f"{value}\n{value}")
    assert statement_types(script) == [
        ["IfBlock"], ["Set", "Transaction", "Delete", "Insert", "Commit"], ["IfBlock"], ["Procedure"],
        ["Execute"], ["Create"], ["IfBlock"], ["IfBlock"], ["IfBlock"]]
    for line in script.splitlines():
        if line.lstrip().startswith("--"):
            assert value[:12] not in line, line
    results = victim.execute(script)
    scores = [t for t in results if "variable_out1" in t.column_names][0]
    session = ort.InferenceSession(fare_model, providers=["CPUExecutionProvider"])
    expected = session.run(["variable_out1"], {
        "fareAmount": taxi.fareAmount[:5].to_numpy("float32").reshape(-1, 1),
        "tripDistance": taxi.tripDistance[:5].to_numpy("float32").reshape(-1, 1)})[0].ravel()
    assert np.array_equal(scores.column("variable_out1").to_numpy(), expected)
    stored = victim.execute("SELECT [ID], [name], [description], [created_by] FROM dbo.models")[-1]
    assert stored.to_pylist() == [{"ID": f"{value}:3", "name": value,
                                   "description": f"{value}\n{value}"[:1024], "created_by": value[:128]}]
    assert_victim_intact(victim)
    assert sorted(o[0] for o in pool_objects(victim) if o not in before) == ["models", "score", "scores"]


@pytest.mark.parametrize("label", list(HOSTILE_TEXT))
def test_the_wizard_script_quotes_hostile_object_names(victim, taxi, fare_model, label):
    name = HOSTILE_TEXT[label]
    table, key = f"dbo.{bracketed(name + ' t')}", name + " k"
    victim.execute(f"CREATE TABLE {table} ({bracketed(key)} nvarchar(100), fareAmount real, "
                   "tripDistance real)")
    victim.execute(f"INSERT INTO {table} VALUES (N'k', 1.5, 2.5)")
    before = pool_objects(victim)
    _, script = wizard_script(fare_model, "m", table, key, bracketed(name + " p"),
                              f"dbo.{bracketed(name + ' m')}", f"dbo.{bracketed(name + ' r')}", "")
    assert statement_types(script) == [
        ["IfBlock"], ["Set", "Transaction", "Delete", "Insert", "Commit"], ["IfBlock"], ["Procedure"],
        ["Execute"], ["Create"], ["IfBlock"], ["IfBlock"], ["IfBlock"]]
    results = victim.execute(script)
    assert [t for t in results if "variable_out1" in t.column_names][0].num_rows == 1
    victim.execute(script)                                        # and again: replaced, not added
    assert_victim_intact(victim)
    added = sorted((n, k, r) for n, k, r in pool_objects(victim) if (n, k, r) not in before)
    assert added == sorted([(name + " m", "U", 1), (name + " p", "P", None), (name + " r", "U", 1)])


# -- the T-SQL engine: names from the script are identifiers, never SQL ----------------------------
@pytest.mark.parametrize("label", list(HOSTILE_TEXT))
def test_hostile_identifiers_round_trip_through_every_statement(victim, tmp_path, label):
    name = HOSTILE_TEXT[label]
    table, column, schema = bracketed(name), bracketed(name + " c"), bracketed(name + " s")
    literal = "N'" + name.replace("'", "''") + "'"
    (tmp_path / "rows.csv").write_text("7\n8\n")
    before = pool_objects(victim)
    victim.execute(f"""CREATE SCHEMA {schema}
GO
CREATE TABLE {schema}.{table} ({column} int, [id] int IDENTITY(1, 1)) WITH (HEAP)
GO
COPY INTO {schema}.{table} ({column} 1) FROM '{tmp_path / "rows.csv"}'
INSERT INTO {schema}.{table} ({column}) VALUES (9)
UPDATE {schema}.{table} SET {column} = {column} + 1 WHERE {column} = 9
SELECT {column} AS {bracketed(name + " alias")} INTO {schema}.{bracketed(name + " copy")}
FROM {schema}.{table}""")
    assert victim.execute(f"SELECT {column}, [id] FROM {schema}.{table} ORDER BY [id]")[-1].to_pylist() == [
        {name + " c": 7, "id": 1}, {name + " c": 8, "id": 2}, {name + " c": 10, "id": 3}]
    found = victim.execute(f"SELECT OBJECT_ID(N'{bracketed(name + ' s').replace(chr(39), chr(39) * 2)}."
                           f"{bracketed(name).replace(chr(39), chr(39) * 2)}', 'U') AS id, "
                           f"(SELECT COUNT(*) FROM sys.tables WHERE name = {literal}) AS n")[-1].to_pylist()
    assert found[0]["id"] is not None and found[0]["n"] == 1
    victim.execute(f"RENAME OBJECT {schema}.{table} TO {bracketed(name + ' 2')}\nGO\n"
                   f"DROP TABLE {schema}.{bracketed(name + ' 2')}\nGO\nDROP TABLE {schema}.{bracketed(name + ' copy')}")
    assert_victim_intact(victim)
    assert pool_objects(victim) == before


@pytest.mark.parametrize("label", list(HOSTILE_CONTROL))
def test_identifiers_with_control_characters_are_refused_before_anything_runs(victim, label):
    name = HOSTILE_CONTROL[label]
    before = pool_objects(victim)
    for script in (f"CREATE TABLE dbo.ok (a int)\nCREATE TABLE dbo.{bracketed(name)} (a int)",
                   f"CREATE TABLE dbo.ok (a int)\nSELECT 1 AS {bracketed(name)}",
                   f"CREATE TABLE dbo.ok ({bracketed(name)} int)"):
        with pytest.raises(UnsupportedSqlError, match="control character"):
            victim.execute(script)
    assert pool_objects(victim) == before


def test_identifiers_longer_than_128_characters_get_sql_servers_error(victim):
    before = pool_objects(victim)
    with pytest.raises(SqlPoolError, match=f"The identifier that starts with '{LONG[:30]}.*is too long. "
                                           "Maximum length is 128"):
        victim.execute(f"CREATE TABLE dbo.ok (a int)\nCREATE TABLE dbo.{LONG} (a int)")
    assert pool_objects(victim) == before
    victim.execute(f"CREATE TABLE dbo.{'m' * 128} (a int)")          # 128 is fine


@pytest.mark.parametrize("label", list(HOSTILE_VALUES))
def test_string_values_are_literals_even_with_control_characters(victim, label):
    from synhelpers.sqlpool.names import nstring
    value = HOSTILE_VALUES[label]
    victim.execute("CREATE TABLE dbo.s (v nvarchar(max))")
    script = f"INSERT INTO dbo.s VALUES ({nstring(value)})\nSELECT v FROM dbo.s WHERE v = {nstring(value)}"
    assert statement_types(script) == [["Insert", "Select"]]
    assert victim.execute(script)[-1].to_pylist() == [{"v": value}]
    assert_victim_intact(victim)
    if any(ord(c) < 32 for c in value):
        assert not any(ord(c) < 32 for c in nstring(value))      # escaped, never raw


def test_object_id_of_a_name_that_does_not_parse_is_null_as_in_sql_server(victim):
    for text in ("br]acket", 'dq"uote', "a.b.c.d", "[unclosed"):
        literal = "N'" + text.replace("'", "''") + "'"
        assert victim.execute(f"SELECT OBJECT_ID({literal}) AS id")[-1].to_pylist() == [{"id": None}]


# -- the pool's own statements ----------------------------------------------------------------------
@pytest.mark.parametrize("label", list(HOSTILE_TEXT))
def test_pool_methods_quote_hostile_table_names(victim, label):
    from synhelpers.sqlpool.names import TableName
    from synhelpers.sqlpool.pool import SqlPool, table_exists_sql
    name = TableName("", HOSTILE_TEXT[label] + " s", HOSTILE_TEXT[label])
    assert statement_types(table_exists_sql(name)) == [["Select"]]
    victim.execute(f"CREATE SCHEMA {bracketed(name.schema)}\nGO\n"
                   f"CREATE TABLE {name.tsql} (a int)\nINSERT INTO {name.tsql} VALUES (1), (2)")
    assert victim.table_exists(name) and victim.row_count(name) == 2
    assert SqlPool.row_count(victim, name) == 2                  # the T-SQL form, through the engine
    assert victim.execute(table_exists_sql(name))[-1].to_pylist() == [{"n": 1}]
    assert victim.drop_table(name) and not victim.table_exists(name)
    assert_victim_intact(victim)


@pytest.mark.parametrize("label", list(HOSTILE_CONTROL) + ["300 characters"])
def test_table_names_a_pool_cannot_hold_are_refused(label):
    from synhelpers.sqlpool.names import TableName, parse_table_name
    name = HOSTILE_VALUES[label]
    with pytest.raises(ConfigError, match="table_name"):
        parse_table_name(f"pool.dbo.{bracketed(name)}", "table_name")
    with pytest.raises(ConfigError):
        TableName("", "dbo", name).tsql


# -- synhelpers sqlpool recover (sqlpool/recovery.py) ---------------------------------------------
@pytest.mark.parametrize("label", list(HOSTILE_TEXT))
def test_recover_puts_back_hostile_results_and_drops_only_the_swaps_own_tables(victim, monkeypatch,
                                                                               label):
    """What a killed results swap leaves, under a hostile results name: the previous results
    (``__old_<run>``) go back in place, the half-built ``__new_<run>`` is dropped, and tables that
    only look like leftovers (another suffix, a run ID the wizard never makes) stay."""
    from synhelpers.sqlpool import pool as pool_module
    from synhelpers.sqlpool.recovery import recover_results_table
    monkeypatch.setitem(pool_module._pools, victim.name, victim)
    name = HOSTILE_TEXT[label][:60]
    tables = {"old": name + "__old_ab12cd34", "new": name + "__new_ab12cd34",
              "foreign_copy": name + "__old_backup copy", "foreign_older": name + "__older"}
    for key, table in tables.items():
        victim.execute(f"CREATE TABLE dbo.{bracketed(table)} (v int) WITH (HEAP)\nGO\n"
                       f"INSERT INTO dbo.{bracketed(table)} VALUES ({len(key)})")
    before = {o for o in pool_objects(victim) if o[0] not in tables.values()}
    result = recover_results_table(victim.name, f"dbo.{bracketed(name)}")
    assert result["restored"] == "dbo." + tables["old"]
    assert result["dropped"] == ["dbo." + tables["new"]]
    after = pool_objects(victim)
    names = {o[0] for o in after}
    assert name in names and tables["foreign_copy"] in names and tables["foreign_older"] in names
    assert tables["old"] not in names and tables["new"] not in names
    restored = victim.execute(f"SELECT v FROM dbo.{bracketed(name)}")[-1].to_pylist()
    assert restored == [{"v": len("old")}]
    assert before <= set(after)                                   # nothing else changed
    assert_victim_intact(victim)
