"""The synhelpers command: every step reachable from a terminal, with meaningful exit codes."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from support import FIXTURES
from synhelpers.cli import BAD_INPUT, FAILED, OK, main

COMMANDS = [["table", "create"], ["train"], ["sqlpool", "load"], ["sqlpool", "exec"], ["sqlpool", "predict"],
            ["score"], ["pipeline", "run"], ["artifacts", "build"], ["artifacts", "check"], ["demo"],
            ["kernel", "install"]]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as stop:
        main(command + ["--help"])
    assert stop.value.code == 0
    assert "usage: synhelpers " + " ".join(command) in capsys.readouterr().out


def test_the_console_script_is_installed():
    script = Path(sys.executable).parent / "synhelpers"     # this profile's venv
    assert script.is_file(), f"{script} is missing: the package's entry point is not installed"
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "usage: synhelpers" in out.stdout and "pipeline" in out.stdout


def test_bad_input_exits_2_and_names_the_parameter(capsys):
    assert main(["train", "--table-name", "t", "--target-column", "y",
                 "--primary-metric", "f1"]) == BAD_INPUT
    assert "primary_metric='f1' is not an Azure AutoML metric" in capsys.readouterr().err
    assert main(["pipeline", "run", "nope.json", "--param", "novalue"]) == BAD_INPUT
    assert "--param 'novalue' is not key=value" in capsys.readouterr().err


@pytest.mark.spark
def test_table_create_with_a_bad_source_exits_2(spark, capsys):
    assert main(["table", "create", "--source", "s3"]) == BAD_INPUT
    assert "parameter `source` must be one of" in capsys.readouterr().err


@pytest.mark.spark
def test_a_sas_url_given_as_path_is_masked_in_what_the_cli_prints(spark, capsys):
    sas = ("https://127.0.0.1:9/c/trips.parquet?sv=2022-11-02&sp=r&se=2030-01-01"
           "&sig=Zm9vYmFyYmF6%2Bqux%3D")
    assert main(["table", "create", "--source", "file", "--path", sas,
                 "--table-name", "default.cli_sas"]) == FAILED
    printed = capsys.readouterr()
    assert "Zm9vYmFyYmF6" not in printed.out + printed.err
    assert "path='https://127.0.0.1:9/c/trips.parquet?***'" in printed.err
    assert not spark.catalog.tableExists("default.cli_sas")


@pytest.mark.spark
def test_table_create_and_sqlpool_load_and_exec(spark, tlc_sample, capsys):
    assert main(["table", "create", "--source", "file", "--path", str(tlc_sample),
                 "--table-name", "default.cli_taxi"]) == OK
    rows = spark.table("default.cli_taxi").count()
    assert f'"rows": {rows}' in capsys.readouterr().out
    assert main(["sqlpool", "load", "--sql-pool-name", "clipool", "--source-table",
                 "default.cli_taxi", "--target-table", "dbo.cli_taxi", "--mode", "overwrite"]) == OK
    assert f'"dbo.cli_taxi": {rows}' in capsys.readouterr().out
    assert main(["sqlpool", "exec", "--sql-pool-name", "clipool", "--query",
                 "SELECT COUNT(*) AS n FROM dbo.cli_taxi"]) == OK
    assert str(rows) in capsys.readouterr().out
    # the connector's default mode refuses an existing table: a failed step, exit 1
    assert main(["sqlpool", "load", "--sql-pool-name", "clipool", "--source-table",
                 "default.cli_taxi", "--target-table", "dbo.cli_taxi"]) == FAILED
    assert "already exists" in capsys.readouterr().err


@pytest.mark.notebooks
def test_pipeline_run_exit_codes(kernel, tmp_path, capsys):
    good = FIXTURES / "pipelines" / "pipeline" / "pass_values.json"
    assert main(["pipeline", "run", str(good), "--out", str(tmp_path / "good")]) == OK
    assert "Succeeded" in capsys.readouterr().out
    branches = FIXTURES / "pipelines" / "pipeline" / "branches.json"
    assert main(["pipeline", "run", str(branches), "--out", str(tmp_path / "bad")]) == FAILED
    out = capsys.readouterr().out
    assert "Pipeline 'branches': Failed" in out and "cell 3: ValueError: broken on purpose" in out
    assert main(["pipeline", "run", str(branches), "--param", "fail=false",
                 "--out", str(tmp_path / "fine")]) == OK
