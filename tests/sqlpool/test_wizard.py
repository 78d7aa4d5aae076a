"""The scoring wizard end to end: a real MLflow registry (the test session's SQLite state), the
local dedicated SQL pool (DuckDB) and onnxruntime. No mocks.

Models are trained here (scikit-learn / LightGBM on NYC-taxi-like rows), converted with
``synhelpers.onnx_export.to_onnx`` and registered with ``synhelpers.registry``. Every score the
pool returns is compared, row by row, with onnxruntime run directly on the same rows.
"""
from __future__ import annotations

import json

import numpy as np
import onnxruntime as ort
import pytest

from pool_testing import TAXI_COLUMNS, TAXI_DDL, make_taxi
from synhelpers.exceptions import ConfigError, PredictError, SqlPoolError
from synhelpers.onnx_export import InputSpec, make_feeds
from synhelpers.sqlpool import LocalPool, get_pool, parse_table_name
from synhelpers.sqlpool.wizard import (ScoringContractError, deploy, execute_procedure,
                                       latest_model_name, load_registered_model, plan_scoring,
                                       scoring_summary, write_results)

POOL = "wizardtests"
FARE_FEATURES = ["tipped", "paymentType", "passengerCount", "tripDistance", "tripTimeSecs",
                 "pickupTimeBin"]
TIPS_FEATURES = ["fareAmount", "paymentType", "passengerCount", "tripDistance", "tripTimeSecs",
                 "pickupTimeBin"]
KINDS = {"tipped": "int64", "fareAmount": "float", "paymentType": "int64", "passengerCount": "int64",
         "tripDistance": "float", "tripTimeSecs": "int64", "pickupTimeBin": "string"}
# the pool table notebook 03 loads (the connector's types), plus a key
CONNECTOR_DDL = ("CREATE TABLE {name} (trip_id bigint, tipped BIGINT, fareAmount REAL, paymentType "
                 "BIGINT, passengerCount BIGINT, tripDistance REAL, tripTimeSecs BIGINT, "
                 "pickupTimeBin NVARCHAR(4000)) WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)")


# -- models and tables ----------------------------------------------------------------------------
def specs(features):
    return [InputSpec(c, KINDS[c]) for c in features]


def register_onnx(pipeline, features, task, name, class_labels=None, description=""):
    """Convert, log and register; returns (version, model bytes)."""
    import mlflow
    from synhelpers.onnx_export import to_onnx
    from synhelpers.registry import configure, get_or_create_experiment, log_onnx_model, register
    model = to_onnx(pipeline, specs(features), task, class_labels=class_labels)
    configure()
    with mlflow.start_run(experiment_id=get_or_create_experiment("scoring-wizard-tests")):
        uri = log_onnx_model(model)
    return register(uri, name, description=description), model.SerializeToString()


def preprocessor(features):
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    numeric = [c for c in features if c != "pickupTimeBin"]
    return ColumnTransformer([("num", StandardScaler(), numeric),
                              ("cat", OneHotEncoder(handle_unknown="ignore"), ["pickupTimeBin"])])


@pytest.fixture(scope="module")
def trips():
    frame = make_taxi(300, seed=11)
    frame.insert(0, "trip_id", np.arange(1000, 1300, dtype="int64"))
    return frame


@pytest.fixture(scope="module")
def fare_model(trips):
    """The tutorial's regression (fareAmount from the six other columns) with LightGBM."""
    from lightgbm import LGBMRegressor
    from sklearn.pipeline import Pipeline
    pipeline = Pipeline([("pre", preprocessor(FARE_FEATURES)),
                         ("model", LGBMRegressor(n_estimators=25, min_child_samples=5, verbose=-1))])
    pipeline.fit(trips[FARE_FEATURES], trips.fareAmount)
    version, blob = register_onnx(pipeline, FARE_FEATURES, "regression", "wizard_fare",
                                  description="fare model for the wizard tests")
    return {"name": "wizard_fare", "version": version, "bytes": blob, "pipeline": pipeline}


@pytest.fixture(scope="module")
def pool():
    local = get_pool(POOL)
    yield local
    local.close()


def load(pool, tmp_path, frame, ddl: str, name: str, columns) -> None:
    """CREATE TABLE with ``ddl`` and COPY INTO it from a CSV of ``frame[columns]`` (in the state
    directory's ``storage`` folder, the local pools' default storage root)."""
    from synhelpers.runtime.state import state_path
    path = state_path("storage", tmp_path.name, f"{name.replace('.', '_')}.csv")
    frame[columns].to_csv(path, index=False)
    pool.execute(f"{ddl.format(name=name)}\nGO\nCOPY INTO {name} FROM '{path}' WITH (FILE_TYPE = "
                 "'CSV', FIRSTROW = 2)")


def direct(blob: bytes, frame, features, output: str):
    """onnxruntime called directly on ``frame``'s rows."""
    session = ort.InferenceSession(blob, providers=["CPUExecutionProvider"])
    return session.run([output], make_feeds(frame, specs(features)))[0]


def exists(pool, name: str, kind: str) -> bool:
    result = pool.execute(f"SELECT OBJECT_ID('{name.replace(chr(39), chr(39) * 2)}', '{kind}') AS id")
    return result[-1].column(0)[0].is_valid


# -- scoring ----------------------------------------------------------------------------------------
def test_every_score_is_what_onnxruntime_gives_and_the_results_table_keeps_them(
        pool, trips, fare_model, tmp_path):
    load(pool, tmp_path, trips, CONNECTOR_DDL, "dbo.trips", ["trip_id", *TAXI_COLUMNS])
    plan = plan_scoring(POOL, "dbo.trips", "wizard_fare", 0, procedure_name="dbo.score_trips",
                        model_table="dbo.wizard_models", results_table="dbo.trip_scores",
                        key_columns="trip_id")
    assert plan.report.ok and plan.model_id == f"wizard_fare:{fare_model['version']}"
    assert [m.cast for m in plan.report.inputs] == [False] * 5 + [True]    # only the NVARCHAR

    deployment = deploy(plan, output_dir=tmp_path / "scripts")
    script = deployment.script_path.read_text(encoding="utf-8")
    assert deployment.script_path.name == "dbo.score_trips.sql"
    assert "0x" + fare_model["bytes"].hex() in script and "EXEC dbo.score_trips" in script

    scored = execute_procedure(plan, display_rows=5)
    assert scored.rows == len(trips) and len(scored.preview) == 5
    assert scored.columns == ["trip_id", *FARE_FEATURES, "variable_out1"]   # the key, then inputs
    got = dict(zip(scored.scores.column("trip_id").to_pylist(),
                   scored.scores.column("variable_out1").to_numpy()))
    expected = direct(fare_model["bytes"], trips, FARE_FEATURES, "variable_out1").ravel()
    assert len(got) == len(trips)
    for trip_id, score in zip(trips.trip_id, expected):                 # row by row
        assert got[trip_id] == score, trip_id
    native = fare_model["pipeline"].predict(trips[FARE_FEATURES])
    assert np.abs(expected - native).max() < 1e-3                       # and it is the model's

    written = write_results(plan)
    assert written["table"] == "dbo.trip_scores" and written["rows"] == len(trips)
    stored = pool.execute("SELECT trip_id, variable_out1 FROM dbo.trip_scores")[-1]
    assert dict(zip(stored.column(0).to_pylist(), stored.column(1).to_numpy())) == got
    assert staging_tables(pool, "trip_scores") == []          # nothing left of the swap
    summary = scoring_summary(plan, scored, written, deployment)
    assert {k: summary[k] for k in ("pool", "model", "procedure", "rows_scored", "results_table")} == {
        "pool": POOL, "model": plan.model_id, "procedure": "dbo.score_trips",
        "rows_scored": len(trips), "results_table": "dbo.trip_scores"}

    # the saved script, pasted into another pool holding the table, deploys and scores the same
    other = LocalPool("pasted", path=tmp_path / "pasted.duckdb")
    try:
        load(other, tmp_path, trips, CONNECTOR_DDL, "dbo.trips", ["trip_id", *TAXI_COLUMNS])
        results = [t for t in other.execute(script) if "variable_out1" in t.column_names]
        assert len(results) == 1 and results[0].num_rows == len(trips)
        pasted = dict(zip(results[0].column("trip_id").to_pylist(),
                          results[0].column("variable_out1").to_numpy()))
        assert pasted == got and other.row_count(parse_table_name("dbo.trip_scores")) == len(trips)
    finally:
        other.close()


@pytest.mark.parametrize("labels", [None, ["no", "yes"]], ids=["int-labels", "string-labels"])
def test_a_classifier_returns_output_label_cast_from_the_tutorial_table(pool, trips, tmp_path, labels):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    table = f"dbo.nyc_taxi_{'str' if labels else 'int'}"
    load(pool, tmp_path, trips, TAXI_DDL.replace("nyc_taxi", table.split(".")[1]), table,
         TAXI_COLUMNS)                                      # the tutorial's §2.2 types
    pipeline = Pipeline([("pre", preprocessor(TIPS_FEATURES)), ("model", LogisticRegression())])
    pipeline.fit(trips[TIPS_FEATURES], trips.tipped)
    name = f"wizard_tips_{'str' if labels else 'int'}"
    version, blob = register_onnx(pipeline, TIPS_FEATURES, "classification", name, class_labels=labels)

    plan = plan_scoring(POOL, table, name, version, procedure_name=f"{table}_procedure",
                        model_table="aml_models")
    assert [m.select_sql for m in plan.report.inputs][:2] == [
        "CAST([fareAmount] AS [real]) AS [fareAmount]", "CAST([paymentType] AS [bigint]) AS [paymentType]"]
    assert [(o.name, o.tsql_type) for o in plan.report.outputs] == [
        ("output_label", "nvarchar(4000)" if labels else "bigint")]
    assert plan.report.omitted_outputs[0].startswith("output_probability tensor(float)[N,2]")
    deploy(plan, output_dir=tmp_path)
    scored = execute_procedure(plan)
    assert scored.columns == [*TIPS_FEATURES, "output_label"] and scored.rows == len(trips)
    rows = scored.scores.to_pandas()                   # the rows as PREDICT saw them (after CAST)
    expected = direct(blob, rows, TIPS_FEATURES, "output_label")
    got = rows.output_label.tolist()
    for i, label in enumerate(expected):
        assert got[i] == label, i
    assert set(got) == (set(labels) if labels else {0, 1})


# -- the contract, before anything is deployed -------------------------------------------------------
def test_every_mismatch_is_reported_and_nothing_is_deployed(pool, trips, fare_model, tmp_path):
    pool.execute("CREATE TABLE dbo.bad_trips (TIPPED bigint, paymentType varbinary(max), "
                 "passengerCount datetime2, tripDistance nvarchar(10), pickupTimeBin int) WITH (HEAP)")
    plan = plan_scoring(POOL, "dbo.bad_trips", "wizard_fare", 0, procedure_name="dbo.bad_procedure",
                        model_table="dbo.bad_models", results_table="dbo.bad_scores")
    assert [(i.kind, i.column) for i in plan.report.issues] == [
        ("unsupported_type", "paymentType"), ("unsupported_type", "passengerCount"),
        ("incompatible_type", "tripDistance"), ("missing_column", "tripTimeSecs"),
        ("incompatible_type", "pickupTimeBin")]
    assert plan.report.inputs[0].select_sql == "[TIPPED] AS [tipped]"
    assert "[TIPPED] (matched ignoring case" in str(plan.report)
    for step in (lambda: deploy(plan, output_dir=tmp_path), lambda: write_results(plan)):
        with pytest.raises(ScoringContractError, match="5 issue"):
            step()
    assert not any(exists(pool, n, k) for n, k in (("dbo.bad_models", "U"), ("dbo.bad_procedure", "P"),
                                                   ("dbo.bad_scores", "U")))
    assert not list(tmp_path.glob("*.sql"))


def test_a_model_without_the_onnx_flavor_is_refused_with_what_to_do(pool, trips):
    import mlflow
    from sklearn.linear_model import LinearRegression
    from synhelpers.registry import configure, get_or_create_experiment, log_sklearn_model, register
    configure()
    with mlflow.start_run(experiment_id=get_or_create_experiment("scoring-wizard-tests")):
        uri = log_sklearn_model(LinearRegression().fit(trips[["tripDistance"]], trips.fareAmount))
    version = register(uri, "wizard_sklearn_only")
    plan = plan_scoring(POOL, "dbo.no_such_table", "wizard_sklearn_only", version)
    assert [(i.kind, i.column) for i in plan.report.issues] == [
        ("model", f"wizard_sklearn_only:{version}"), ("table", "dbo.no_such_table")]
    with pytest.raises(ScoringContractError, match="onnx_compatible=True"):
        plan.report.raise_for_issues()
    assert latest_model_name() == "wizard_sklearn_only"           # what model_name="" scores


# -- the model table ----------------------------------------------------------------------------------
def test_deploying_again_replaces_the_row_and_a_new_version_adds_one(pool, trips, fare_model, tmp_path):
    load(pool, tmp_path, trips, CONNECTOR_DDL, "dbo.trips_versions", ["trip_id", *TAXI_COLUMNS])
    options = dict(procedure_name="versions_procedure", model_table="dbo.versioned_models")
    first = plan_scoring(POOL, "dbo.trips_versions", "wizard_fare", fare_model["version"], **options)
    for _ in range(2):
        deploy(first, output_dir=tmp_path)
    rows = pool.query("SELECT * FROM dbo.versioned_models")
    assert rows.ID.tolist() == [first.model_id]
    row = rows.iloc[0]
    assert (row["name"], row["version"], row["framework"]) == ("wizard_fare", fare_model["version"], "ONNX")
    assert bytes(row["model"]) == fare_model["bytes"]
    assert row["description"] == "fare model for the wizard tests" and row["created_time"] is not None
    assert json.loads(row["inputs_schema"])[3] == {"name": "tripDistance", "type": "tensor(float)",
                                                   "shape": [-1, 1]}
    assert json.loads(row["outputs_schema"]) == [{"name": "variable_out1", "type": "tensor(float)",
                                                  "shape": [-1, 1]}]

    from synhelpers.registry import register
    newer = register(f"models:/wizard_fare/{fare_model['version']}", "wizard_fare")
    second = plan_scoring(POOL, "dbo.trips_versions", "wizard_fare", "latest", **options)
    assert load_registered_model("wizard_fare", 0).io.version == newer == second.model.io.version
    deploy(second, output_dir=tmp_path)
    deploy(first, output_dir=tmp_path)
    ids = pool.query("SELECT ID FROM dbo.versioned_models ORDER BY version").ID.tolist()
    assert ids == [first.model_id, second.model_id]
    scored = execute_procedure(second)          # the procedure now scores the version deployed last
    assert scored.rows == len(trips)
    assert "WHERE [ID] = N'wizard_fare:%d'" % fare_model["version"] in first.procedure_script()


# -- hostile names ------------------------------------------------------------------------------------
def test_hostile_names_are_quoted_or_refused_and_never_executed(pool, trips, fare_model, tmp_path):
    load(pool, tmp_path, trips, CONNECTOR_DDL, "dbo.trips_h", ["trip_id", *TAXI_COLUMNS])
    hostile = dict(procedure_name="[x]]; DROP TABLE dbo.trips_h; --]",
                   model_table="[dbo].[m'; DROP TABLE dbo.trips_h --]",
                   results_table="[dbo].[r]]; DROP TABLE dbo.trips_h -- prévision]")
    plan = plan_scoring(POOL, "dbo.trips_h", "wizard_fare", 0, **hostile)
    deploy(plan, output_dir=tmp_path)
    assert execute_procedure(plan).rows == len(trips)
    assert write_results(plan)["rows"] == len(trips)
    assert pool.row_count(parse_table_name("dbo.trips_h")) == len(trips)   # still there, untouched
    procedures = pool.query("SELECT name FROM sys.procedures").name.tolist()
    assert "x]; DROP TABLE dbo.trips_h; --" in procedures
    tables = set(pool.query("SELECT name FROM sys.tables").name)
    assert {"m'; DROP TABLE dbo.trips_h --", "r]; DROP TABLE dbo.trips_h -- prévision"} <= tables

    before = sorted(tables)
    for parameter, text in (("procedure_name", "x]; DROP TABLE dbo.trips_h"),
                            ("model_table", "m\nGO\nDROP TABLE dbo.trips_h"),
                            ("results_table", "dbo.trips_h"),
                            ("table_name", "dbo.trips_h; DROP TABLE dbo.trips_h")):   # 3 parts
        arguments = {"table_name": "dbo.trips_h", **{parameter: text}}
        with pytest.raises(ConfigError, match=parameter):
            plan_scoring(POOL, arguments.pop("table_name"), "wizard_fare", 0, **arguments)
    injected = plan_scoring(POOL, "[trips_h; DROP TABLE dbo.trips_h]", "wizard_fare", 0)
    assert [(i.kind, i.column) for i in injected.report.issues] == [
        ("table", "dbo.trips_h; DROP TABLE dbo.trips_h")]          # a name, looked up, not run
    assert sorted(pool.query("SELECT name FROM sys.tables").name) == before


# -- the results table is replaced atomically -------------------------------------------------------
def test_a_failed_rescoring_leaves_the_previous_results_table_intact(pool, trips, fare_model, tmp_path):
    load(pool, tmp_path, trips, CONNECTOR_DDL, "dbo.trips_r", ["trip_id", *TAXI_COLUMNS])
    plan = plan_scoring(POOL, "dbo.trips_r", "wizard_fare", 0, procedure_name="dbo.score_r",
                        model_table="dbo.models_r", results_table="dbo.scores_r")
    deploy(plan, output_dir=tmp_path)
    assert write_results(plan)["rows"] == len(trips)
    assert write_results(plan)["rows"] == len(trips)                   # replaced, not appended
    pool.execute("DELETE FROM dbo.models_r")                           # the model row is gone
    with pytest.raises(PredictError, match="MODEL is NULL"):
        write_results(plan)
    assert pool.row_count(parse_table_name("dbo.scores_r")) == len(trips)
    assert staging_tables(pool, "scores_r") == []             # the failed run's CTAS left nothing
    with pytest.raises(SqlPoolError, match=rf"has {len(trips)} rows, more than max_rows=100 "
                                           "write_results scores in one statement: nothing was"):
        write_results(plan, max_rows=100)
    assert pool.row_count(parse_table_name("dbo.scores_r")) == len(trips)
    assert staging_tables(pool, "scores_r") == []
    with pytest.raises(SqlPoolError, match="max_rows=10"):
        execute_procedure(plan, max_rows=10)


def test_a_failed_model_copy_keeps_the_previous_row_and_the_pool_usable(pool, trips, fare_model, tmp_path):
    load(pool, tmp_path, trips, CONNECTOR_DDL, "dbo.trips_x", ["trip_id", *TAXI_COLUMNS])
    model_id = f"wizard_fare:{fare_model['version']}"
    # an existing model table whose created_time cannot hold a date
    pool.execute("CREATE TABLE dbo.odd_models ([ID] nvarchar(1024), [name] nvarchar(1024), "
                 "[description] nvarchar(1024), [version] int, [created_time] int, [created_by] "
                 "nvarchar(128), [framework] nvarchar(64), [model] varbinary(max), [inputs_schema] "
                 "nvarchar(max), [outputs_schema] nvarchar(max)) WITH (HEAP)\nGO\n"
                 f"INSERT INTO dbo.odd_models ([ID], [name], [model]) VALUES ('{model_id}', 'old', 0x01)")
    plan = plan_scoring(POOL, "dbo.trips_x", "wizard_fare", fare_model["version"],
                        procedure_name="dbo.score_x", model_table="dbo.odd_models")
    assert plan.report.ok
    with pytest.raises(SqlPoolError, match=r"TIMESTAMP -> INTEGER.*INSERT INTO dbo.odd_models"):
        deploy(plan, output_dir=tmp_path)
    rows = pool.query("SELECT ID, name FROM dbo.odd_models")            # the DELETE rolled back
    assert rows.values.tolist() == [[model_id, "old"]]
    assert not exists(pool, "dbo.score_x", "P")


def test_rename_object_the_results_swap_relies_on(tmp_path):
    local = LocalPool("renames", path=tmp_path / "renames.duckdb")
    try:
        local.execute("CREATE TABLE dbo.a (x real, s nvarchar(30)) WITH (HEAP)\nGO\n"
                      "INSERT INTO dbo.a VALUES (1.5, 'one')\nGO\n"
                      "IF OBJECT_ID('dbo.a', 'U') IS NOT NULL\nRENAME OBJECT dbo.a TO b;\n"
                      "RENAME OBJECT::[dbo].[b] TO [c d]")
        assert local.declared_columns(parse_table_name("dbo.[c d]")) == [("x", "real"),
                                                                         ("s", "nvarchar(30)")]
        assert local.query("SELECT x, s FROM [dbo].[c d]").values.tolist() == [[1.5, "one"]]
        assert not local.table_exists(parse_table_name("dbo.a"))
        local.execute("CREATE TABLE dbo.e (x int) WITH (HEAP)")
        with pytest.raises(SqlPoolError, match="already an object named 'e'"):
            local.execute("RENAME OBJECT [dbo].[c d] TO e")
        with pytest.raises(SqlPoolError, match="object 'gone' does not exist"):
            local.execute("RENAME OBJECT dbo.gone TO f")
    finally:
        local.close()


# -- the results swap never drops a table it did not create ---------------------------------------------
def staging_tables(pool, results: str) -> list[str]:
    names = pool.query("SELECT name FROM sys.tables").name.tolist()
    return sorted(n for n in names if n.lower().startswith(results.lower() + "__"))


def test_the_results_swap_never_drops_the_scored_table(pool, trips, fare_model, tmp_path):
    """``table_name="dbo.scores__old"`` with ``results_table="dbo.scores"``: the swap's
    ``<results>__old`` used to be the scored table, which it dropped."""
    load(pool, tmp_path, trips, CONNECTOR_DDL, "dbo.scores__old", ["trip_id", *TAXI_COLUMNS])
    load(pool, tmp_path, trips, CONNECTOR_DDL, "dbo.scores__new", ["trip_id", *TAXI_COLUMNS])
    for table in ("dbo.scores__old", "dbo.scores__new"):
        plan = plan_scoring(POOL, table, "wizard_fare", 0, procedure_name="dbo.score_swap",
                            model_table="dbo.models_swap", results_table="dbo.scores")
        deploy(plan, output_dir=tmp_path)
        for _ in range(2):                                    # a first write, then a replacement
            assert write_results(plan)["rows"] == len(trips)
            for kept in ("dbo.scores__old", "dbo.scores__new"):
                assert pool.row_count(parse_table_name(kept)) == len(trips), kept
    assert staging_tables(pool, "scores") == ["scores__new", "scores__old"]   # the inputs, no more


def test_staging_names_are_unique_per_run_and_a_collision_is_refused_before_anything_runs(
        pool, trips, fare_model, tmp_path):
    load(pool, tmp_path, trips, CONNECTOR_DDL, "dbo.trips_c", ["trip_id", *TAXI_COLUMNS])
    plan = plan_scoring(POOL, "dbo.trips_c", "wizard_fare", 0, procedure_name="dbo.score_c",
                        model_table="dbo.models_c", results_table="dbo.scores_c")
    deploy(plan, output_dir=tmp_path)
    first, second = plan.script(), plan.script()
    staging = {line.split()[2] for line in (first + second).splitlines()
               if line.startswith("CREATE TABLE dbo.scores_c")}
    assert len(staging) == 2 and all(s.startswith("dbo.scores_c__new_") for s in staging)
    # a table the plan touches cannot be a staging name ...
    load(pool, tmp_path, trips, CONNECTOR_DDL, "dbo.scores_c__new_r1", ["trip_id", *TAXI_COLUMNS])
    for parameter, value in (("table_name", "dbo.scores_c__new_r1"), ("model_table", "dbo.scores_c__old_r1"),
                             ("procedure_name", "dbo.scores_c__new_r1")):
        arguments = {"table_name": "dbo.trips_c", "procedure_name": "dbo.score_c",
                     "model_table": "dbo.models_c", parameter: value}
        colliding = plan_scoring(POOL, arguments.pop("table_name"), "wizard_fare", 0,
                                 results_table="dbo.scores_c", **arguments)
        with pytest.raises(ConfigError, match=f"{parameter}.*scores_c__(new|old)_r1"):
            write_results(colliding, run_id="r1")
    # ... nor an object already in the pool (a table of the user's, or one a killed run left)
    before = staging_tables(pool, "scores_c")
    with pytest.raises(SqlPoolError, match=r"dbo.scores_c__new_r1 already exists.*nothing was run"):
        write_results(plan, run_id="r1")
    assert staging_tables(pool, "scores_c") == before == ["scores_c__new_r1"]
    assert pool.row_count(parse_table_name("dbo.scores_c__new_r1")) == len(trips)
    assert not exists(pool, "dbo.scores_c", "U")                          # nothing ran
    assert write_results(plan)["rows"] == len(trips)                     # a fresh run id: fine
    assert staging_tables(pool, "scores_c") == ["scores_c__new_r1"]
