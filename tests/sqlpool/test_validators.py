"""Validators that mean it: a name check matches the whole name (``$`` alone also matches before a
trailing newline), and a routing file read from the registry stays inside its model's folder."""
from __future__ import annotations

import json

import pytest

from synhelpers.exceptions import ConfigError, ModelRegistryError

TRAILING = ["p\n", "p\r\n", "p\x00", " p", "p\n; DROP TABLE dbo.victim"]


@pytest.mark.parametrize("name", TRAILING)
def test_pool_names_are_matched_whole(name):
    from synhelpers.sqlpool.names import check_pool_name
    with pytest.raises(ConfigError, match="sql_pool_name"):
        check_pool_name(name)
    assert check_pool_name("mlverifypool_2") == "mlverifypool_2"


@pytest.mark.parametrize("name", TRAILING)
def test_pool_and_sqlpool_entry_points_refuse_them(name, tmp_path):
    from synhelpers.sqlpool import LocalPool, get_pool
    with pytest.raises(ConfigError, match="sql_pool_name"):
        get_pool(name)
    with pytest.raises(ConfigError, match="sql_pool_name"):
        LocalPool(name, path=tmp_path / "p.duckdb")


@pytest.mark.parametrize("part", ["abc\n", "select\n", "a\r"])
def test_wizard_name_parts_are_matched_whole(part):
    from synhelpers.sqlpool.wizard.objects import part_sql
    with pytest.raises(ConfigError, match="control character"):
        part_sql(part)
    assert part_sql("abc") == "abc" and part_sql("select") == "[select]"


@pytest.mark.parametrize("name", ["model\n", "model\nx", "exp\r\n"])
def test_automl_experiment_and_model_names_are_matched_whole(name):
    from synhelpers.automl.config import make_config
    with pytest.raises(ConfigError, match="model_name"):
        make_config("NYC_Taxi", "fareAmount", model_name=name)
    with pytest.raises(ConfigError, match="experiment_name"):
        make_config("NYC_Taxi", "fareAmount", experiment_name=name)
    assert make_config("NYC_Taxi", "fareAmount", model_name="m-1.0_x").model_name == "m-1.0_x"


@pytest.mark.parametrize("name", ["predict_x\n", "f\n; DROP"])
def test_spark_sql_function_names_are_matched_whole(name):
    from synhelpers.scoring.sql_function import register_predict_function
    with pytest.raises(ConfigError, match="function_name"):
        register_predict_function(None, "any-model", function_name=name)


# -- routing files of a keyed model stay in its folder -------------------------------------------
def write_keyed(folder, fare_model, file_name: str, fallback_file: str | None = None):
    from synhelpers.scoring.keyed import FORMAT, ROUTING_FILE
    (folder / "models").mkdir(parents=True)
    (folder / "models" / "g.onnx").write_bytes(fare_model)

    def entry(key, file):
        return {"key": key, "value": key, "model_name": f"m-{key}", "version": 1, "file": file,
                "metadata": {}}
    (folder / ROUTING_FILE).write_text(json.dumps({
        "format": FORMAT, "task": "regression", "target": "fareAmount", "group_column": "g",
        "group_type": "string", "groups": [entry("a", "g.onnx"), entry("b", file_name)],
        "fallback": entry("c", fallback_file) if fallback_file is not None else None}))


@pytest.mark.parametrize("file_name", ["../outside.onnx", "../../outside.onnx", "{abs}", "models/../../outside.onnx",
                                       "", ".", "sub/../../outside.onnx", "link.onnx"])
def test_routing_files_outside_the_models_folder_are_refused(tmp_path, fare_model, file_name):
    from synhelpers.scoring.keyed import read_routing
    outside = tmp_path / "outside.onnx"
    outside.write_bytes(fare_model)                    # a valid model: only the path is wrong
    folder = tmp_path / "artifacts" / "keyed"
    write_keyed(folder, fare_model, file_name.format(abs=outside))
    (folder / "models" / "link.onnx").symlink_to(outside)
    with pytest.raises(ModelRegistryError, match="outside|not a file name"):
        read_routing(str(folder), "keyed", 1)
    write_keyed(tmp_path / "fallback", fare_model, "g.onnx", fallback_file=file_name.format(abs=outside))
    (tmp_path / "fallback" / "models" / "link.onnx").symlink_to(outside)
    with pytest.raises(ModelRegistryError, match="outside|not a file name"):
        read_routing(str(tmp_path / "fallback"), "keyed", 1)


def test_a_routing_inside_its_folder_still_reads(tmp_path, fare_model):
    from synhelpers.scoring.keyed import read_routing
    write_keyed(tmp_path / "ok", fare_model, "g.onnx", fallback_file="g.onnx")
    routing = read_routing(str(tmp_path / "ok"), "keyed", 1)
    assert [g.key for g in routing.groups] == ["a", "b"] and routing.fallback.model.name == "m-c"
