"""The pipeline expression subset: parsing and evaluation, as tables of one-liners."""
from __future__ import annotations

import json

import pytest

from synhelpers.artifacts.errors import ExpressionError
from synhelpers.artifacts.evaluation import (Context, evaluate, evaluate_value,
                                             expression_functions)
from synhelpers.artifacts.expressions import Call, Literal, Member, parse

TRAIN_EXIT = json.dumps({"model_name": "fare", "model_version": 3, "metrics": {"r2": 0.5}})
CONTEXT = Context(
    parameters={"rows": 100, "name": "m", "flag": True, "rate": 0.25, "tags": ["a", "b"],
                "empty": ""},
    activities={"Train": {"output": {"status": {"Output": {"result": {
        "exitValue": TRAIN_EXIT, "runStatus": "Succeed"}}}}, "error": None, "status": "Succeeded"},
        "Broken": {"output": {}, "error": {"message": "cell 3: ValueError"}, "status": "Failed"}},
    pipeline="P", run_id="run-1")
EXIT = "activity('Train').output.status.Output.result.exitValue"


@pytest.mark.parametrize("text, expected", [
    # plain text and escapes
    ("plain text", "plain text"),
    ("", ""),
    ("@@pipeline()", "@pipeline()"),
    ("mail me at a@b.org", "mail me at a@b.org"),
    # whole expressions keep their type
    ("@pipeline().parameters.rows", 100),
    ("@pipeline().parameters.flag", True),
    ("@pipeline().parameters.rate", 0.25),
    ("@pipeline().parameters.tags", ["a", "b"]),
    ("@pipeline().Pipeline", "P"),
    ("@pipeline().RunId", "run-1"),
    ("@pipeline()['parameters']['rows']", 100),
    ("@pipeline().parameters.tags[1]", "b"),
    ("@pipeline().parameters.ROWS", 100),                  # property names fold case
    ("@pipeline().parameters?.missing", None),
    ("@  pipeline( ).parameters.name", "m"),               # whitespace between tokens
    ("@'it''s'", "it's"),
    ("@42", 42), ("@-1.5", -1.5), ("@true", True), ("@null", None),
    # interpolation always gives text
    ("@{pipeline().parameters.rows}", "100"),
    ("rows=@{pipeline().parameters.rows}!", "rows=100!"),
    ("@{pipeline().parameters.flag}", "True"),
    ("@{pipeline().parameters.tags}", '["a","b"]'),
    ("a @{pipeline().parameters.name} b @{pipeline().parameters.rows} c", "a m b 100 c"),
    ("@{concat('x', '}')}", "x}"),                         # a brace inside a string literal
    ("[@{pipeline().parameters.empty}]", "[]"),
    # functions
    ("@concat('a', pipeline().parameters.name, 'c')", "amc"),
    ("@concat('n=', pipeline().parameters.rows)", "n=100"),
    ("@string(pipeline().parameters.rows)", "100"),
    ("@string(false)", "False"),
    ("@int('42')", 42), ("@int(7.0)", 7),
    ("@float('2.5')", 2.5),
    ("@bool('true')", True), ("@bool(0)", False),
    (f"@{EXIT}", TRAIN_EXIT),
    (f"@json({EXIT}).model_name", "fare"),
    (f"@json({EXIT}).model_version", 3),
    (f"@json({EXIT}).metrics.r2", 0.5),
    (f"@json({EXIT})['model_name']", "fare"),
    (f"@concat(json({EXIT}).model_name, ':', string(json({EXIT}).model_version))", "fare:3"),
    (f"model @{{json({EXIT}).model_name}}:@{{json({EXIT}).model_version}}", "model fare:3"),
    ("@activity('Broken').error.message", "cell 3: ValueError"),
    ("@activity('Train').status", "Succeeded"),
    ("@json('[1, 2]')[0]", 1),
])
def test_evaluate(text, expected):
    assert evaluate(text, CONTEXT) == expected


@pytest.mark.parametrize("text, message, position", [
    ("@utcnow()", "unsupported function 'utcnow': the local runner supports activity, bool, "
                  "concat, float, int, json, pipeline, string", 1),
    ("@pipeline().parameters.nope", "no property 'nope' (available: rows, name, flag, rate, tags, "
                                    "empty)", 23),
    ("@activity('Nope').output", "activity 'Nope' has no output here", 1),
    (f"@{EXIT}.model_name", "cannot read '.model_name' of a string; if it holds JSON (an exit "
                            "value), parse it first: json(...).model_name", len(EXIT) + 2),
    ("@json('{')", "json(): '{' is not JSON", 1),
    ("@int('abc')", "int(): 'abc' is not a valid int", 1),
    ("@int(2.5)", "int(): 2.5 is not a valid int", 1),
    ("@int('2.7')", "int(): '2.7' is not a valid int", 1),
    ("@bool('tru')", "bool(): 'tru' is not a valid bool", 1),
    ("@pipeline(1)", "pipeline() got 1 argument(s); use pipeline()", 1),
    ("@concat()", "concat() got 0 argument(s)", 1),
    ("@pipeline().parameters.tags[5]", "index 5 is out of range (length 2)", 27),
    ("@pipeline().parameters.rows[0]", "cannot index int with 0", 27),
    ("@pipeline().parameters.rows.x", "cannot read '.x' of int 100", 28),
])
def test_evaluation_errors_name_the_problem_and_point_at_it(text, message, position):
    with pytest.raises(ExpressionError) as caught:
        evaluate(text, CONTEXT)
    assert caught.value.message.startswith(message)
    assert caught.value.expression == text and caught.value.position == position
    lines = str(caught.value).splitlines()
    assert lines[1] == f"  in expression: {text}"
    assert lines[2].index("^") == len("  in expression: ") + position


@pytest.mark.parametrize("text, message, position", [
    ("@concat('a'", "expected ',' or ')', found the end", 11),
    ("@{pipeline().parameters.x", "expected '}' closing '@{', found the end", 25),
    ("@'abc", "unterminated string literal", 1),
    ("@foo", "bare name 'foo': expressions call functions", 1),
    ("@pipeline().", "expected a property name, found the end", 12),
    ("@pipeline() extra", "expected the end of the expression, found 'extra'", 12),
    ("x @{ } y", "expected a value or a function call, found '}'", 5),
    ("@pipeline().parameters.rows + 1", "unexpected character '+'", 28),
    ("@pipeline()[1", "expected ']'", 13),
])
def test_syntax_errors_point_at_the_character(text, message, position):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert caught.value.message.startswith(message)
    assert caught.value.position == position


def test_parse_builds_a_tree_not_a_string():
    template = parse("@json(activity('T').output).model_name")
    assert template.whole
    node = template.parts[0]
    assert isinstance(node, Member) and node.name == "model_name"
    assert isinstance(node.target, Call) and node.target.name == "json"
    assert [n.name for n in template.nodes() if isinstance(n, Call)] == ["json", "activity"]
    assert [n.value for n in template.nodes() if isinstance(n, Literal)] == ["T"]
    mixed = parse("a@{pipeline().RunId}b")
    assert not mixed.whole and mixed.parts[0] == "a" and mixed.parts[2] == "b"
    assert parse("no expression here").is_literal


def test_evaluate_value_reads_expression_objects_strings_and_literals():
    assert evaluate_value({"value": "@pipeline().parameters.rows", "type": "Expression"},
                          CONTEXT) == 100
    assert evaluate_value("@pipeline().parameters.name", CONTEXT) == "m"
    assert evaluate_value("literal", CONTEXT) == "literal"
    assert evaluate_value(5, CONTEXT) == 5 and evaluate_value(False, CONTEXT) is False


def test_functions_can_be_registered(monkeypatch):
    import copy
    from synhelpers.artifacts import evaluation
    registry = copy.deepcopy(expression_functions)
    registry.register("toUpper", lambda ctx, s: s.upper(), 1, 1, "toUpper(s)")
    monkeypatch.setattr(evaluation, "expression_functions", registry)
    assert evaluate("@toUpper(pipeline().parameters.name)", CONTEXT) == "M"
