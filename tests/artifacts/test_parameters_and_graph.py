"""Parameters cells and typed values; the activity graph's Data Factory semantics (pure)."""
from __future__ import annotations

import pytest

from synhelpers.artifacts.errors import PipelineDefinitionError
from synhelpers.artifacts.graph import (ancestors, condition_holds, execution_order,
                                        graph_problems, pipeline_status, should_run)
from synhelpers.artifacts.parameters import convert_value, read_parameters, to_text
from synhelpers.exceptions import ArtifactConversionError, ConfigError


def _nb(source, tags=("parameters",)):
    return {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# t"},
                      {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": source}]}


def test_parameters_are_typed_by_their_literal():
    params = read_parameters(_nb('s = "a"\ni = 1\nf = 0.5\nb = False\nn = None\nl = [1]\n'
                                 'neg = -3\nx: int = 4\na = b2 = "same"'))
    assert {k: (p.default, p.type) for k, p in params.items()} == {
        "s": ("a", "string"), "i": (1, "int"), "f": (0.5, "float"), "b": (False, "bool"),
        "n": (None, None), "l": ([1], None), "neg": (-3, "int"), "x": (4, "int"),
        "a": ("same", "string"), "b2": ("same", "string")}


def test_a_notebook_without_parameters_cell_declares_nothing():
    assert read_parameters(_nb("x = 1", tags=())) == {}


@pytest.mark.parametrize("source, message", [
    ("x = compute()", "cell 1\\): line 1: the value is not a literal"),
    ("import os", "line 1 is not an assignment"),
    ("x.y = 1", "line 1: assign to plain names only"),
    ("x = (", "line 1"),
])
def test_a_parameters_cell_with_code_is_rejected(source, message):
    with pytest.raises(ArtifactConversionError, match="nb: parameters cell \\(cell 1\\)"):
        read_parameters(_nb(source), "nb")
    with pytest.raises(ArtifactConversionError, match=message):
        read_parameters(_nb(source), "nb")


def test_two_parameters_cells_are_rejected():
    nb = _nb("x = 1")
    nb["cells"].append(nb["cells"][1])
    with pytest.raises(ArtifactConversionError, match="cells \\[1, 2\\] are all tagged"):
        read_parameters(nb)


@pytest.mark.parametrize("value, kind, expected", [
    ("7", "int", 7), (" -7 ", "int", -7), (7.0, "int", 7), (3, "int", 3),
    ("2.5", "float", 2.5), (2, "float", 2.0), ("1e3", "float", 1000.0),
    ("true", "bool", True), ("FALSE", "bool", False), ("1", "bool", True), (0, "bool", False),
    (True, "bool", True),
    ("x", "string", "x"), (5, "string", "5"), (True, "string", "True"), (None, "string", ""),
    ("[1, 2]", "array", [1, 2]), ((1,), "array", [1]), ('{"a": 1}', "object", {"a": 1}),
    ("s3cret", "securestring", "s3cret"), ("5", "Int", 5),
])
def test_convert_value(value, kind, expected):
    result = convert_value(value, kind, "p")
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("value, kind", [
    ("7.5", "int"), (True, "int"), (2.5, "int"), ("", "int"), ("abc", "float"), (True, "float"),
    ("maybe", "bool"), (2, "bool"), ("{", "array"), ('{"a": 1}', "array"), ("[1]", "object"),
])
def test_convert_value_rejects_and_names_the_parameter(value, kind):
    with pytest.raises(ConfigError, match=f"^activity 'A', parameter 'p': .* is not a valid {kind}"):
        convert_value(value, kind, "activity 'A', parameter 'p'")


def test_unknown_types_are_named():
    with pytest.raises(ConfigError, match="unknown type 'decimal'; use one of string, int"):
        convert_value(1, "decimal", "p")


def test_to_text_matches_pipeline_string_conversion():
    assert [to_text(v) for v in ("a", 1, 2.5, True, None, [1, "x"], {"k": 1})] == [
        "a", "1", "2.5", "True", "", '[1,"x"]', '{"k":1}']


# -- the graph -------------------------------------------------------------------------------
def _a(name, *deps):
    return {"name": name, "dependsOn": [{"activity": d, "dependencyConditions": c} for d, c in deps]}


@pytest.mark.parametrize("conditions, status, holds", [
    (["Succeeded"], "Succeeded", True), (["Succeeded"], "Failed", False),
    (["Succeeded"], "Skipped", False), (["Failed"], "Failed", True),
    (["Failed"], "Succeeded", False), (["Completed"], "Succeeded", True),
    (["Completed"], "Failed", True), (["Completed"], "Skipped", False),
    (["Skipped"], "Skipped", True), (["Skipped"], "Succeeded", False),
    (["Succeeded", "Skipped"], "Skipped", True),
])
def test_dependency_conditions(conditions, status, holds):
    assert condition_holds(conditions, status) is holds


def test_an_activity_runs_only_when_every_dependency_condition_holds():
    both = _a("C", ("A", ["Succeeded"]), ("B", ["Failed"]))
    assert should_run(both, {"A": "Succeeded", "B": "Failed"})
    assert not should_run(both, {"A": "Succeeded", "B": "Succeeded"})
    assert not should_run(both, {"A": "Skipped", "B": "Failed"})
    assert should_run(_a("D"), {})


@pytest.mark.parametrize("activities, statuses, expected", [
    # Try-Catch: the failure is handled
    ([_a("A"), _a("Catch", ("A", ["Failed"]))], {"A": "Failed", "Catch": "Succeeded"}, "Succeeded"),
    # Do-If-Else: the skipped success branch exposes its failed parent
    ([_a("A"), _a("Ok", ("A", ["Succeeded"])), _a("Else", ("A", ["Failed"]))],
     {"A": "Failed", "Ok": "Skipped", "Else": "Succeeded"}, "Failed"),
    ([_a("A"), _a("Ok", ("A", ["Succeeded"])), _a("Else", ("A", ["Failed"]))],
     {"A": "Succeeded", "Ok": "Succeeded", "Else": "Skipped"}, "Succeeded"),
    # a chain stopped by a failure
    ([_a("A"), _a("B", ("A", ["Succeeded"])), _a("C", ("B", ["Succeeded"]))],
     {"A": "Failed", "B": "Skipped", "C": "Skipped"}, "Failed"),
    # Completed: always runs after
    ([_a("A"), _a("Log", ("A", ["Completed"]))], {"A": "Failed", "Log": "Succeeded"}, "Succeeded"),
    ([_a("A"), _a("B")], {"A": "Succeeded", "B": "Failed"}, "Failed"),
])
def test_pipeline_status_follows_the_leaf_rule(activities, statuses, expected):
    assert pipeline_status(activities, statuses) == expected


def test_execution_order_respects_dependencies_and_keeps_written_order():
    activities = [_a("Report", ("Score", ["Succeeded"])), _a("Train"),
                  _a("Score", ("Train", ["Succeeded"])), _a("Other")]
    assert [a["name"] for a in execution_order(activities)] == ["Train", "Score", "Report", "Other"]
    assert ancestors(activities)["Report"] == {"Score", "Train"}
    assert ancestors(activities)["Train"] == set()


@pytest.mark.parametrize("activities, message", [
    ([_a("A", ("B", ["Succeeded"])), _a("B", ("A", ["Succeeded"]))],
     "cycle: A -> B -> A"),
    ([_a("A", ("Ghost", ["Succeeded"]))], "activity 'A' depends on unknown activity 'Ghost'"),
    ([_a("A"), _a("A")], "two activities are named 'A'"),
    ([_a("A"), _a("B", ("A", ["Finished"]))], "unknown dependency condition 'Finished'"),
    ([_a("A"), _a("B", ("A", []))], "lists no dependencyConditions"),
])
def test_unsound_graphs_are_refused(activities, message):
    assert any(message in problem for problem in graph_problems(activities))
    with pytest.raises(PipelineDefinitionError, match=message):
        execution_order(activities)
