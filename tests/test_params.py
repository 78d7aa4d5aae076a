"""One rule per parameter type, for every entry point (pure)."""
from __future__ import annotations

import pytest

from synhelpers.exceptions import ConfigError
from synhelpers.params import as_bool, as_bool_or_auto, as_float, as_int


@pytest.mark.parametrize("value, expected", [(7, 7), ("7", 7), (" -2 ", -2), (7.0, 7), ("+3", 3)])
def test_whole_numbers(value, expected):
    assert as_int(value, "rows") == expected


@pytest.mark.parametrize("value", ["2.7", 2.7, "7.0", "", "seven", True, None, float("nan"), "1e3"])
def test_not_whole_numbers_name_the_parameter(value):
    with pytest.raises(ConfigError, match=r"^rows=.* is not a whole number\.$"):
        as_int(value, "rows")


def test_a_minimum_is_named():
    with pytest.raises(ConfigError, match=r"^batch_size=0 must be at least 1\.$"):
        as_int(0, "batch_size", minimum=1)
    assert as_int("0", "sample_rows", minimum=0) == 0


@pytest.mark.parametrize("value, expected", [("0.25", 0.25), (1, 1.0), (" 2 ", 2.0)])
def test_numbers(value, expected):
    assert as_float(value, "training_hours") == expected


@pytest.mark.parametrize("value", ["soon", "", None, True, "inf", float("nan")])
def test_not_numbers(value):
    with pytest.raises(ConfigError, match=r"^training_hours=.* is not a number\.$"):
        as_float(value, "training_hours")
    with pytest.raises(ConfigError, match=r"must be more than 0"):
        as_float(0, "training_hours", above=0)


@pytest.mark.parametrize("value, expected", [(True, True), ("true", True), ("YES", True), (1, True),
                                             ("1", True), (False, False), (" no ", False),
                                             (0, False), ("False", False)])
def test_booleans(value, expected):
    assert as_bool(value, "onnx_compatible") is expected


@pytest.mark.parametrize("value", ["tru", "", "2", 2, None, "y", 0.5])
def test_not_booleans_are_errors_never_false(value):
    with pytest.raises(ConfigError, match=r"^onnx_compatible=.* is not true or false"):
        as_bool(value, "onnx_compatible")


def test_auto_or_a_boolean():
    assert as_bool_or_auto("AUTO", "use_spark") == as_bool_or_auto(None, "use_spark") == "auto"
    assert as_bool_or_auto("false", "use_spark") is False
    with pytest.raises(ConfigError, match=r"^use_spark='tru' is not true, false or auto\.$"):
        as_bool_or_auto("tru", "use_spark")


def test_every_entry_point_uses_the_rule():
    """The wizard's form, the table notebook, Spark scoring's settings and pipeline parameters
    refuse "2.7" for a whole number and "tru" for a boolean, naming the parameter."""
    from synhelpers.artifacts.parameters import convert_value
    from synhelpers.automl import make_config
    from synhelpers.data.taxi import validate_request
    with pytest.raises(ConfigError, match="max_concurrent_iterations='2.7' is not a whole number"):
        make_config("t", "y", max_concurrent_iterations="2.7")
    with pytest.raises(ConfigError, match="use_spark='tru' is not true, false or auto"):
        make_config("t", "y", use_spark="tru")
    with pytest.raises(ConfigError, match="rows='2.7' is not a whole number"):
        validate_request(source="synthetic", rows="2.7")
    with pytest.raises(ConfigError, match="parameter 'rows': '2.7' is not a valid int"):
        convert_value("2.7", "int", "parameter 'rows'")
    with pytest.raises(ConfigError, match="parameter 'b': 'tru' is not a valid bool"):
        convert_value("tru", "bool", "parameter 'b'")
