"""The local pool reads only what a dedicated pool could: its tables, the storage roots COPY INTO
is configured with, and the connector's own staging folder. No host file, URL, DuckDB table
function or extension install is reachable from T-SQL; what a dedicated pool would not find gets
its error, "Invalid object name '...'"."""
from __future__ import annotations

import os
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synhelpers.exceptions import SqlPoolError
from synhelpers.sqlpool import LocalPool

from pool_testing import assert_victim_intact, create_victim, pool_objects

SECRET = "hunter2"


@pytest.fixture
def outside(tmp_path_factory):
    """A folder outside every storage root, holding a secret CSV and Parquet file."""
    folder = tmp_path_factory.mktemp("host")
    (folder / "s.csv").write_text(f"secret\n{SECRET}\n")
    pq.write_table(pa.table({"secret": [SECRET]}), folder / "s.parquet")
    return folder


@pytest.fixture
def victim(pool):
    create_victim(pool)
    return pool


def assert_unknown_object(pool, tsql: str, name: str) -> None:
    before = pool_objects(pool)
    with pytest.raises(SqlPoolError, match=rf"(?i)Invalid object name '(dbo\.)?{re.escape(name)}'\.") as error:
        pool.execute(tsql)
    assert SECRET not in str(error.value)
    assert pool_objects(pool) == before
    assert_victim_intact(pool)


def test_a_table_named_like_a_cte_out_of_its_scope_is_not_read_as_a_file(victim, outside):
    path = str(outside / "s.csv")
    assert_unknown_object(victim, f"WITH c AS (SELECT 1 AS a) SELECT * FROM (WITH [{path}] AS "
                                  f"(SELECT 1 AS a) SELECT * FROM c) q CROSS JOIN [{path}]", path)
    assert_unknown_object(victim, f"WITH x AS (SELECT * FROM [{path}]), [{path}] AS (SELECT 1 AS a) "
                                  "SELECT * FROM x", path)                  # used before defined
    # in scope, the CTE is what the name means
    assert victim.execute(f"WITH [{path}] AS (SELECT 1 AS a) SELECT * FROM [{path}]")[-1].to_pylist() == [
        {"a": 1}]


@pytest.mark.parametrize("name", ["{dir}/s.csv", "{dir}/s.parquet", "s.csv", "https://example.com/s.csv",
                                  "s3://bucket/s.parquet", "/etc/passwd"])
def test_file_paths_and_urls_as_table_names_are_unknown_objects(victim, outside, monkeypatch, name):
    monkeypatch.chdir(outside)
    (outside / "dbo.s.csv").write_text(f"secret\n{SECRET}\n")     # what "dbo"."s.csv" read as a file
    name = name.format(dir=outside)
    for tsql in (f"SELECT * FROM [{name}]", f"SELECT * FROM dbo.[{name}]",
                 f"SELECT (SELECT COUNT(*) FROM [{name}]) AS n",
                 f"INSERT INTO dbo.victim SELECT 3 FROM [{name}]"):
        assert_unknown_object(victim, tsql, name)


@pytest.mark.parametrize("function", ["read_csv('{dir}/s.csv')", "read_text('/etc/passwd')",
                                      "read_parquet('{dir}/s.parquet')", "read_json_auto('/etc/passwd')",
                                      "read_csv_auto('{dir}/s.csv')", "duckdb_settings()",
                                      "query('SELECT 1')", "read_blob('/etc/hostname')"])
def test_duckdb_table_functions_are_unknown_objects(victim, outside, function):
    call = function.format(dir=outside)
    name = call.split("(")[0]
    assert_unknown_object(victim, f"SELECT * FROM {call}", name)
    assert_unknown_object(victim, f"SELECT * FROM dbo.victim WHERE v IN (SELECT 1 FROM {call})", name)


def test_the_connection_cannot_reach_files_urls_or_extensions(victim, outside):
    con = victim.con
    settings = dict(con.execute(
        "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', "
        "'autoinstall_known_extensions', 'autoload_known_extensions', "
        "'python_enable_replacements')").fetchall())
    assert settings == {"enable_external_access": "false", "autoinstall_known_extensions": "false",
                        "autoload_known_extensions": "false", "python_enable_replacements": "false"}
    for sql in (f"SELECT * FROM read_csv('{outside / 's.csv'}')", "SELECT * FROM read_text('/etc/passwd')",
                "SELECT * FROM 'https://example.com/s.csv'", "INSTALL httpfs", "LOAD httpfs",
                f"ATTACH '{outside / 'other.duckdb'}'", f"COPY dbo.victim TO '{outside / 'out.csv'}'"):
        with pytest.raises(Exception, match="Permission|disabled"):
            con.execute(sql).fetchall()
    for sql in ("SET enable_external_access = true", "RESET enable_external_access",
                f"SET allowed_directories = ['{outside}']"):
        with pytest.raises(Exception, match="Cannot enable external access|Cannot change allowed"):
            con.execute(sql)
    again = LocalPool(victim.name, path=victim.path)             # a second connection: the same
    try:
        with pytest.raises(Exception, match="Permission|disabled"):
            again.con.execute(f"SELECT * FROM read_csv('{outside / 's.csv'}')").fetchall()
        assert again.execute("SELECT 5 / 2 AS half")[-1].to_pylist() == [{"half": 2}]
    finally:
        again.close()
    assert not (outside / "out.csv").exists() and not (outside / "other.duckdb").exists()


def test_copy_into_reads_only_inside_its_storage_roots(tmp_path, outside):
    root = tmp_path / "storage"
    (root / "in").mkdir(parents=True)
    (root / "in" / "a.csv").write_text("1\n2\n")
    (root / "in" / "link.csv").symlink_to(outside / "s.csv")
    pool = LocalPool("lockdown", path=tmp_path / "p.duckdb", storage_roots=[root])
    try:
        pool.execute("CREATE TABLE dbo.t (v nvarchar(100))")
        pool.execute(f"COPY INTO dbo.t FROM '{root / 'in' / 'a.csv'}'")        # inside: loaded
        assert pool.row_count(_dbo("t")) == 2
        for location in (outside / "s.csv", outside / "*.csv", root / "in" / ".." / ".." / outside.name / "s.csv",
                         root / "in" / "link.csv", "/etc/passwd", f"file://{outside / 's.csv'}"):
            with pytest.raises(SqlPoolError, match="could not be opened.*outside the storage roots"):
                pool.execute(f"COPY INTO dbo.t FROM '{location}'")
        with pytest.raises(SqlPoolError, match="outside the storage roots"):     # one bad file: none
            pool.execute(f"COPY INTO dbo.t FROM '{root / 'in' / 'a.csv'}', '{outside / 's.csv'}'")
        assert pool.execute("SELECT v FROM dbo.t")[-1].column(0).to_pylist() == ["1", "2"]
    finally:
        pool.close()


def test_the_default_storage_root_is_in_the_state_directory(tmp_path, monkeypatch):
    from synhelpers.runtime.state import state_dir
    monkeypatch.delenv("SYNHELPERS_SQLPOOL_STORAGE_ROOTS", raising=False)
    pool = LocalPool("defaults", path=tmp_path / "p.duckdb")
    try:
        assert pool.storage_roots == [state_dir() / "storage"]
        (state_dir() / "storage").mkdir(exist_ok=True)
        (state_dir() / "storage" / "d.csv").write_text("5\n")
        pool.execute(f"CREATE TABLE dbo.d (v int)\nCOPY INTO dbo.d FROM '{state_dir() / 'storage' / 'd.csv'}'")
        assert pool.row_count(_dbo("d")) == 1
    finally:
        pool.close()
    monkeypatch.setenv("SYNHELPERS_SQLPOOL_STORAGE_ROOTS", os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]))
    assert LocalPool("configured", path=tmp_path / "q.duckdb").storage_roots == [tmp_path / "a", tmp_path / "b"]


def test_parquet_staged_by_the_connector_still_loads(tmp_path):
    pool = LocalPool("staged", path=tmp_path / "p.duckdb")
    try:
        staging = pool.staging_dir / "run1"
        staging.mkdir(parents=True)
        pq.write_table(pa.table({"id": [1, 2, 3]}), staging / "part-0.parquet")
        result = pool.load_parquet(_dbo("loaded"), str(staging / "*.parquet"), [("id", "BIGINT")], "overwrite", 3)
        assert result["rows_in_table"] == 3
        outside = tmp_path / "elsewhere"
        outside.mkdir()
        pq.write_table(pa.table({"id": [1]}), outside / "x.parquet")
        with pytest.raises(Exception, match="Permission|disabled"):
            pool.load_parquet(_dbo("other"), str(outside / "*.parquet"), [("id", "BIGINT")], "overwrite", 1)
        assert not pool.table_exists(_dbo("other"))
    finally:
        pool.close()


def _dbo(name: str):
    from synhelpers.sqlpool.names import TableName
    return TableName("", "dbo", name)


def test_t_sql_cannot_turn_the_lockdown_off_or_read_a_callers_dataframe(victim):
    import pandas as pd
    secret = pd.DataFrame({"s": [SECRET]})           # a local DuckDB would scan by its name  # noqa: F841
    assert_unknown_object(victim, "SELECT * FROM secret", "secret")
    for tsql in ("SET enable_external_access ON", "SET enable_external_access = 1"):
        with pytest.raises(SqlPoolError, match="does not support SET enable_external_access"):
            victim.execute(tsql)
    assert victim.con.execute("SELECT current_setting('enable_external_access')").fetchall() == [(False,)]
