"""One place for each rule: the type table, the coercion rules, the name patterns, the workspace
name. Reads the package's source (a definition written twice drifts, as the bool and string
length answers once did)."""
from __future__ import annotations

import re

import pytest

from support import ROOT

PACKAGE = ROOT / "synhelpers"


def _sources():
    return {p.relative_to(ROOT).as_posix(): p.read_text() for p in PACKAGE.rglob("*.py")}


@pytest.mark.parametrize("rule, pattern, home", [
    ("a map keyed by ONNX tensor types",
     r"(?m)(^\s*|[{,]\s*)[\"']tensor\((float|int64|string|double)\)[\"']\s*:", None),
    ("ONNX element codes", r"ElementType\(\s*[\"']float[\"'],\s*1\b", "synhelpers/onnx_export/types.py"),
    ("the words of a boolean", r"[\"']true[\"'],\s*[\"']1[\"'],\s*[\"']yes[\"']",
     "synhelpers/params.py"),
    ("the MLflow name pattern", r"A-Za-z0-9_\.\\-\]\{", "synhelpers/registry/names.py"),
    ("the workspace name's conf", r"spark\.synapse\.workspace\.name", "synhelpers/runtime/spark.py"),
    ("a whole-number parse", r"def _(as_int|to_int|whole_number|positive)\b", None),
    ("the plain identifier", r"\[A-Za-z_\]\[A-Za-z0-9_\]\*", "synhelpers/identifiers.py"),
    ("the floating-point ONNX inputs", r"[\"']tensor\(float\)[\"'],\s*[\"']tensor\(double\)[\"']",
     "synhelpers/onnx_export/types.py"),
    ("a map from ONNX element names to Spark or T-SQL types",
     r"\{\s*[\"']float[\"']\s*:\s*\(?[\"'](float|real|\[real\])[\"']", None),
])
def test_each_rule_is_written_once(rule, pattern, home):
    found = sorted(path for path, text in _sources().items() if re.search(pattern, text))
    assert found == ([home] if home else []), f"{rule}: defined in {found}, only in {home}"
