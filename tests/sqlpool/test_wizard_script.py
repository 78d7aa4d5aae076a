"""The scoring wizard's pure parts: names, the PREDICT contract check, the generated T-SQL.

No pool and no registry here: models are described by their declared IO (what the wizard reads
from a graph), tables by their declared column types.
"""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from support import FIXTURES, ROOT
from synhelpers.exceptions import ConfigError, SqlPoolError
from synhelpers.onnx_export import TensorInfo
from synhelpers.sqlpool.wizard import (TUTORIAL_MODEL_IO, TUTORIAL_TABLE_COLUMNS, ModelIO,
                                       ScoringContractError, WizardNames, check_contract,
                                       parse_object, procedure_script, scoring_script,
                                       tutorial_scoring_script)
from synhelpers.sqlpool.wizard.script import ModelRow, upsert_sql

GOLDEN = FIXTURES / "golden"
ROW = (-1, 1)
# the tips classifier of the wizard tutorial (reference §2.1) and its test table (§2.2 DDL)
TIPS_IO = ModelIO("nyc_taxi_tip_predict", 1, (
    TensorInfo("fareAmount", "tensor(float)", ROW), TensorInfo("paymentType", "tensor(int64)", ROW),
    TensorInfo("passengerCount", "tensor(int64)", ROW), TensorInfo("tripDistance", "tensor(float)", ROW),
    TensorInfo("tripTimeSecs", "tensor(int64)", ROW), TensorInfo("pickupTimeBin", "tensor(string)", ROW)),
    (TensorInfo("output_label", "tensor(int64)", (-1,)),
     TensorInfo("output_probability", "tensor(float)", (-1, 2))))
TIPS_TABLE = [("tipped", "int"), ("fareAmount", "float"), ("paymentType", "int"),
              ("passengerCount", "int"), ("tripDistance", "float"), ("tripTimeSecs", "bigint"),
              ("pickupTimeBin", "nvarchar(30)")]


def names(table="[dbo].[nyc_taxi]", procedure="nyc_taxi_procedure", model_table="aml_models",
          results=None) -> WizardNames:
    return WizardNames(parse_object(table, "table_name"), parse_object(procedure, "procedure_name"),
                       parse_object(model_table, "model_table"),
                       parse_object(results, "results_table") if results else None)


# -- the generated procedure ---------------------------------------------------------------------
def test_the_tips_procedure_is_the_wizards_own_text_verbatim():
    report = check_contract(TIPS_IO, TIPS_TABLE, "dbo.nyc_taxi")
    assert report.ok and report.raise_for_issues() is None
    golden = (GOLDEN / "wizard_procedure_nyc_taxi_tips.sql").read_text(encoding="utf-8")
    # reference §2.5 exactly, but for the model ID written as N'...' (the one quoting path)
    assert procedure_script(report, names()) + "\n" == golden
    assert [m.cast for m in report.inputs] == [True, True, True, True, False, True]
    assert report.outputs[0].with_sql == "[output_label] [bigint]"
    assert report.omitted_outputs[0].startswith("output_probability tensor(float)[N,2]")


def test_the_tutorial_models_sqlscript_matches_its_golden_file_and_the_committed_artifact():
    script = tutorial_scoring_script({})
    assert script == (GOLDEN / "score_nyc_taxi.sql").read_text(encoding="utf-8")
    # the connector's types pass through; only the NVARCHAR(4000) string is cast, keeping its length
    assert "        [tipped],\n" in script and "[fareAmount]" not in script
    assert "CAST([pickupTimeBin] AS [varchar](4000)) AS [pickupTimeBin]" in script
    assert "WITH ([variable_out1] [real])" in script and "0x" not in script   # no model bytes
    artifact = json.loads((ROOT / "workspace_artifacts" / "sqlscript" / "Score_NYC_Taxi.json")
                          .read_text(encoding="utf-8"))
    assert artifact["properties"]["content"]["query"] == script


def test_the_sqlscript_follows_the_pipeline_names():
    script = tutorial_scoring_script({"sql_table": "stage.trips", "procedure_name": "score_trips",
                                      "model_table": "[ml].[model store]", "model_name": "fares"})
    assert "CREATE PROCEDURE score_trips\n" in script and "FROM [stage].[trips]\n" in script
    assert "(SELECT [model] FROM ml.[model store] WHERE [ID] = N'fares:1')" in script
    assert script.endswith("EXEC score_trips\n")


def test_carried_key_columns_come_first_and_string_outputs_get_a_length():
    io = replace(TIPS_IO, outputs=(TensorInfo("output_label", "tensor(string)", (-1,)),))
    report = check_contract(io, TIPS_TABLE + [("trip_id", "bigint")], "t",
                            key_columns=("TRIP_ID", "fareAmount"))
    assert report.carried == ["trip_id"]                         # fareAmount is an input already
    text = procedure_script(report, names())
    assert "    SELECT\n        [trip_id],\n        CAST([fareAmount] AS [real])" in text
    assert "WITH ([output_label] [nvarchar](4000))" in text    # a bare varchar would be varchar(1)


def test_the_upsert_replaces_one_row_in_a_transaction_with_a_hex_literal():
    row = ModelRow("m:2", "m", 2, b"\x00\xffO'", "[]", "[]", description="it's " + "x" * 2000,
                   created_by="me")
    text = upsert_sql(names(model_table="dbo.models"), row)
    assert text.splitlines()[1:5] == ["SET XACT_ABORT ON;", "BEGIN TRANSACTION;", "DELETE FROM dbo.models WHERE [ID] = N'm:2';",
                                      "INSERT INTO dbo.models ([ID], [name], [description], [version], "
                                      "[created_time], [created_by],"]
    assert "0x00ff4f27," in text and "N'it''s " + "x" * 1019 + "', 2," in text   # cut at 1024
    assert text.rstrip().endswith("COMMIT TRANSACTION;")


def test_the_whole_script_has_model_table_row_procedure_and_results_sections():
    report = check_contract(TIPS_IO, TIPS_TABLE, "dbo.nyc_taxi")
    row = ModelRow("nyc_taxi_tip_predict:1", "nyc_taxi_tip_predict", 1, b"\x01", "[]", "[]")
    text = scoring_script(report, names(results="dbo.tips_scored"), row, run_id="r1")
    order = ["CREATE TABLE aml_models (", "DELETE FROM aml_models", "DROP PROCEDURE nyc_taxi_procedure;",
             "CREATE PROCEDURE nyc_taxi_procedure", "EXEC nyc_taxi_procedure",
             "CREATE TABLE dbo.tips_scored__new_r1\nWITH (DISTRIBUTION = ROUND_ROBIN, HEAP)\nAS\nWITH InputData",
             "RENAME OBJECT dbo.tips_scored TO tips_scored__old_r1;",
             "RENAME OBJECT dbo.tips_scored__new_r1 TO tips_scored;", "DROP TABLE dbo.tips_scored__old_r1;"]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    # the swap drops only the previous results it renamed itself, once the new table is in place
    assert text.count("DROP TABLE dbo.tips_scored__old_r1;") == 1 and text.count("DROP TABLE") == 1
    assert "IF OBJECT_ID(N'dbo.tips_scored__old_r1', 'U') IS NOT NULL AND OBJECT_ID(N'dbo.tips_scored__new_r1', " \
           "'U') IS NULL\nAND OBJECT_ID(N'dbo.tips_scored', 'U') IS NOT NULL\nDROP TABLE" in text
    assert scoring_script(report, names(results="dbo.tips_scored"), row) != \
        scoring_script(report, names(results="dbo.tips_scored"), row)     # a new run ID each time


# -- names: quoted or refused -----------------------------------------------------------------------
@pytest.mark.parametrize("text, sql, bracketed", [
    ("dbo.nyc_taxi_procedure", "dbo.nyc_taxi_procedure", "[dbo].[nyc_taxi_procedure]"),
    ("aml_models", "aml_models", "[dbo].[aml_models]"),
    ("[x]]; DROP TABLE dbo.nyc_taxi; --]", "[x]]; DROP TABLE dbo.nyc_taxi; --]",
     "[dbo].[x]]; DROP TABLE dbo.nyc_taxi; --]"),
    ("x; DROP TABLE y", "[x; DROP TABLE y]", "[dbo].[x; DROP TABLE y]"),
    ("dbo.select", "dbo.[select]", "[dbo].[select]"),
    ("\"my schema\".\"o'brien\"", "[my schema].[o'brien]", "[my schema].[o'brien]"),
    ("mlverifypool.dbo.t", "dbo.t", "[dbo].[t]"),
    ("dbo.prévision", "dbo.[prévision]", "[dbo].[prévision]"),
])
def test_names_are_written_as_typed_when_plain_and_bracketed_otherwise(text, sql, bracketed):
    name = parse_object(text, "procedure_name", "mlverifypool")
    assert (name.sql, name.bracketed) == (sql, bracketed)
    assert name.id_literal == "N'" + sql.replace("'", "''") + "'"


@pytest.mark.parametrize("text, match", [
    ("x]; DROP TABLE dbo.nyc_taxi", "is not a table name"),
    ("dbo.p\nGO\nDROP TABLE t", "control character"),
    ("otherpool.dbo.t", "names pool 'otherpool'"),
    ("#scores", "#temp"),
    ("a" * 129, "longer than 128"),
    ("  ", "is empty"),
])
def test_names_that_could_break_out_are_refused_naming_the_parameter(text, match):
    with pytest.raises(ConfigError, match=f"procedure_name.*{match}|{match}"):
        parse_object(text, "procedure_name", "mlverifypool")


# -- the contract: every mismatch at once -----------------------------------------------------------
def test_every_mismatch_is_reported_at_once_with_what_to_do():
    table = [("TIPPED", "bigint"), ("paymentType", "varbinary(max)"), ("passengerCount", "datetime2(7)"),
             ("tripDistance", "nvarchar(10)"), ("pickupTimeBin", "int"), ("fareAmount", "real")]
    report = check_contract(TUTORIAL_MODEL_IO, table, "dbo.bad")
    found = [(i.kind, i.column) for i in report.issues]
    assert found == [("unsupported_type", "paymentType"), ("unsupported_type", "passengerCount"),
                     ("incompatible_type", "tripDistance"), ("missing_column", "tripTimeSecs"),
                     ("incompatible_type", "pickupTimeBin")]
    by_column = {i.column: i for i in report.issues}
    assert "binary" in by_column["paymentType"].advice
    assert "DATEPART(hour, [passengerCount])" in by_column["passengerCount"].advice
    assert by_column["tripTimeSecs"].expected == "a table column [tripTimeSecs] (bigint)"
    assert "TIPPED, paymentType" in by_column["tripTimeSecs"].found
    # the case-insensitive match is mapped, shown, and renamed in the CTE
    assert report.inputs[0].model_input == "tipped" and report.inputs[0].column == "TIPPED"
    assert report.inputs[0].select_sql == "[TIPPED] AS [tipped]"
    assert any("[TIPPED] (matched ignoring case" in n for n in report.notes)
    with pytest.raises(ScoringContractError) as error:
        report.raise_for_issues()
    assert isinstance(error.value, SqlPoolError) and len(error.value.issues) == 5
    message = str(error.value)
    assert "5 issue(s)); nothing was deployed" in message and "  5. pickupTimeBin:" in message
    assert json.loads(json.dumps(report.to_dict()))["issues"][3]["column"] == "tripTimeSecs"


def test_a_model_without_onnx_and_a_missing_table_are_both_reported():
    io = ModelIO("sk_model", 3, (), ())
    report = check_contract(io, None, "dbo.gone", flavors=("python_function", "sklearn"),
                            pool="mlverifypool")
    assert [(i.kind, i.column) for i in report.issues] == [("model", "sk_model:3"), ("table", "dbo.gone")]
    assert "onnx_compatible=True" in report.issues[0].advice
    assert report.issues[0].found == "flavors python_function, sklearn"
    assert "notebook 03_load_sql_pool" in report.issues[1].advice


def test_outputs_predict_cannot_return_and_bad_inputs_are_reported():
    io = ModelIO("odd", 1, (TensorInfo("f00", "tensor(float)", (-1, 2)),
                            TensorInfo("flag", "tensor(bool)", ROW)),
                 (TensorInfo("output_label", "tensor(int64)", (-1,)),
                  TensorInfo("output_probability", "seq(map(int64,tensor(float)))", ())))
    report = check_contract(io, [("f00", "real"), ("flag", "bit")], "t")
    assert [(i.kind, i.column) for i in report.issues] == [
        ("model_input", "f00"), ("model_input", "flag"), ("model_output", "output_probability")]
    assert report.issues[0].found == "[N,2]" and "one [None, 1] input" in report.issues[0].advice
    assert "zipmap" in report.issues[2].advice
    only_probabilities = replace(io, inputs=(), outputs=(TensorInfo("p", "tensor(float)", (-1, 3)),))
    issue = check_contract(only_probabilities, [], "t").issues[0]
    assert issue.kind == "model_output" and issue.found == "p[N,3]"


def test_casts_follow_the_declared_types():
    io = ModelIO("m", 1, (TensorInfo("a", "tensor(int64)", ROW), TensorInfo("b", "tensor(float)", ROW),
                          TensorInfo("c", "tensor(string)", ROW), TensorInfo("d", "tensor(string)", ROW),
                          TensorInfo("e", "tensor(string)", ROW), TensorInfo("f", "tensor(double)", ROW)),
                 (TensorInfo("variable_out1", "tensor(float)", ROW),))
    table = [("a", "decimal(10,2)"), ("b", "bigint"), ("c", "varchar(50)"), ("d", "nvarchar(max)"),
             ("e", "char(5)"), ("f", "float")]
    report = check_contract(io, table, "t")
    assert report.ok
    assert [m.select_sql for m in report.inputs] == [
        "CAST([a] AS [bigint]) AS [a]", "CAST([b] AS [real]) AS [b]", "[c]",
        "CAST([d] AS [varchar](max)) AS [d]", "CAST([e] AS [varchar]) AS [e]", "[f]"]
    assert any("drops the fraction" in n for n in report.notes)
    assert any("[d] is nvarchar(max): cast to varchar(max)" in n for n in report.notes)


def test_carried_columns_and_the_model_table_are_checked():
    report = check_contract(TUTORIAL_MODEL_IO, list(TUTORIAL_TABLE_COLUMNS) + [("blob", "varbinary(16)"),
                                                                            ("variable_out1", "int")],
                            "t", key_columns=("nope", "blob", "variable_out1"), model_table="dbo.m",
                            model_table_columns=[("ID", "nvarchar(1024)"), ("model", "varbinary(max)")])
    assert [(i.kind, i.column) for i in report.issues] == [
        ("key_column", "nope"), ("key_column", "blob"), ("key_column", "variable_out1"),
        ("model_table", "dbo.m")]
    assert report.issues[3].found.startswith("missing name, description, version")
