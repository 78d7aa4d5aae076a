"""ipynb <-> Synapse notebook JSON: round trips, the API's shape, unknown properties."""
from __future__ import annotations

import copy
import json
import warnings

import nbformat
import pytest

from support import FIXTURES, NOTEBOOKS
from synhelpers.artifacts import ArtifactWarning, ErrorLevel, from_synapse, to_synapse
from synhelpers.artifacts.config import NotebookSettings
from synhelpers.artifacts.jsonio import dumps
from synhelpers.artifacts.notebooks import split_source
from synhelpers.artifacts.parameters import read_parameters
from synhelpers.artifacts.workspace import read_ipynb
from synhelpers.exceptions import ArtifactConversionError

IPYNBS = sorted(NOTEBOOKS.glob("*.ipynb")) + sorted((FIXTURES / "notebooks").glob("*.ipynb"))
GOLDEN = FIXTURES / "synapse" / "notebook" / "golden_notebook.json"
RAISE = ErrorLevel.RAISE


def _plain(path):
    return json.loads(json.dumps(nbformat.read(str(path), as_version=4)))


@pytest.mark.parametrize("path", IPYNBS, ids=[p.name for p in IPYNBS])
def test_ipynb_to_synapse_and_back_is_lossless(path):
    nb = _plain(path)
    doc = to_synapse(nb, path.stem, level=RAISE)
    back = from_synapse(doc, level=RAISE)
    assert back == nb                                               # everything, not just sources
    nbformat.validate(nbformat.from_dict(back))
    assert [c["cell_type"] for c in back["cells"]] == [c["cell_type"] for c in nb["cells"]]
    assert read_parameters(back) == read_parameters(nb)


@pytest.mark.parametrize("path", IPYNBS, ids=[p.name for p in IPYNBS])
def test_synapse_notebook_has_what_the_artifacts_api_requires(path):
    doc = to_synapse(_plain(path), path.stem, level=RAISE)
    props = doc["properties"]
    assert doc["name"] == path.stem
    assert (props["nbformat"], props["nbformat_minor"]) == (4, 2)
    assert props["bigDataPool"] == {"referenceName": "sparkpool01", "type": "BigDataPoolReference"}
    session = props["sessionProperties"]
    assert isinstance(session["driverMemory"], str) and isinstance(session["executorMemory"], str)
    assert all(isinstance(session[k], int) for k in ("driverCores", "executorCores", "numExecutors"))
    meta = props["metadata"]
    assert meta["kernelspec"] == {"name": "synapse_pyspark", "display_name": "Synapse PySpark"}
    assert meta["language_info"]["name"] == "python" and meta["saveOutput"] is True
    assert "description" not in meta                               # moved to properties
    for cell in props["cells"]:
        assert {"cell_type", "metadata", "source"} <= set(cell)
        assert isinstance(cell["source"], list) and all(isinstance(s, str) for s in cell["source"])
        assert all(line.endswith("\n") for line in cell["source"][:-1])
    tagged = [c for c in props["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1 and tagged[0]["cell_type"] == "code"


def test_notebook_01_parameters_survive_conversion():
    doc = to_synapse(read_ipynb(NOTEBOOKS / "01_create_nyc_taxi_table.ipynb"),
                     "01_create_nyc_taxi_table", level=RAISE)
    params = read_parameters(from_synapse(doc, level=RAISE))
    assert list(params) == ["source", "path", "rows", "start_date", "end_date", "table_name",
                            "sample_rows", "seed"]
    assert (params["rows"].default, params["rows"].type) == (100000, "int")
    assert doc["properties"]["description"].startswith("Create the NYC_Taxi Spark table")


def test_golden_synapse_notebook_round_trips_exactly():
    text = GOLDEN.read_text(encoding="utf-8")
    doc = json.loads(text)
    nb = from_synapse(doc, level=RAISE)
    assert to_synapse(nb, doc["name"], level=RAISE) == doc
    assert dumps(to_synapse(nb, doc["name"], level=RAISE)) == text   # byte for byte
    nbformat.validate(nbformat.from_dict(nb))


def test_golden_notebook_as_ipynb_keeps_sources_tags_outputs_and_synapse_values():
    nb = from_synapse(json.loads(GOLDEN.read_text(encoding="utf-8")), level=RAISE)
    params = nb["cells"][1]
    assert params["metadata"]["tags"] == ["parameters"]
    assert params["source"] == 'server = "ws.sql.azuresynapse.net"\r\ndatabase = "dw01"\r\nrows = 10\r\n'
    assert params["execution_count"] == 1
    assert nb["cells"][2]["outputs"][0]["text"] == ["dw01: 10 rows\n"]
    assert nb["cells"][3]["outputs"] == []                           # nbformat needs the key
    assert {k: p.default for k, p in read_parameters(nb).items()} == {
        "server": "ws.sql.azuresynapse.net", "database": "dw01", "rows": 10}
    stash = nb["metadata"]["synapse"]                                # only what differs
    assert stash["properties"]["bigDataPool"]["referenceName"] == "mediumMO"
    assert stash["properties"]["folder"] == {"name": "unit tests"}
    assert stash["metadata"]["enableDebugMode"] is True
    assert "saveOutput" not in stash["metadata"]                     # equal to the default


def test_settings_matching_the_document_leave_no_stash():
    doc = json.loads(GOLDEN.read_text(encoding="utf-8"))
    props, meta = doc["properties"], doc["properties"]["metadata"]
    settings = NotebookSettings(spark_pool="mediumMO", session=props["sessionProperties"],
                                folder="unit tests", enable_debug_mode=True,
                                a365_compute_options=meta["a365ComputeOptions"])
    nb = from_synapse(doc, settings, level=RAISE)
    assert "synapse" not in nb["metadata"]
    assert to_synapse(nb, doc["name"], settings, level=RAISE) == doc


def test_absent_synapse_values_stay_absent():
    doc = json.loads(GOLDEN.read_text(encoding="utf-8"))
    del doc["properties"]["bigDataPool"], doc["properties"]["sessionProperties"]
    nb = from_synapse(doc, level=RAISE)
    assert nb["metadata"]["synapse"]["properties"]["bigDataPool"] is None
    assert to_synapse(nb, doc["name"], level=RAISE) == doc


@pytest.mark.parametrize("text, lines", [
    ("", [""]),
    ("x = 1", ["x = 1"]),
    ("a\nb", ["a\n", "b"]),
    ("a\r\nb\r\n", ["a\r\n", "b\r\n", ""]),
    ("\n\n", ["\n", "\n", ""]),
])
def test_source_splits_after_each_newline_as_studio_does(text, lines):
    assert split_source(text) == lines
    assert "".join(lines) == text


def test_unknown_properties_raise_warn_or_pass_per_level():
    doc = json.loads(GOLDEN.read_text(encoding="utf-8"))
    doc["etag"] = "abc"
    doc["properties"]["targetSparkConfiguration"] = {"referenceName": "conf1"}
    doc["properties"]["cells"][0]["newCellField"] = 1
    with pytest.raises(ArtifactConversionError, match="unknown top-level property 'etag'"):
        from_synapse(doc, level="raise")
    with pytest.warns(ArtifactWarning) as caught:
        nb = from_synapse(doc, level="warn")
    assert sorted(str(w.message).split(": ", 1)[1] for w in caught) == [
        "unknown cell property 'newCellField' (kept as is).",
        "unknown property 'properties.targetSparkConfiguration' (kept as is).",
        "unknown top-level property 'etag' (kept as is)."]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert from_synapse(doc, level="ignore") == nb
    assert to_synapse(nb, doc["name"], level=RAISE) == doc        # carried, not lost
    nbformat.validate(nbformat.from_dict(nb))


def test_a_non_synapse_kernel_or_missing_kernelspec_is_reported():
    nb = _plain(NOTEBOOKS / "01_create_nyc_taxi_table.ipynb")
    other = copy.deepcopy(nb)
    other["metadata"]["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    with pytest.raises(ArtifactConversionError, match="kernel 'python3' is not a Synapse kernel"):
        to_synapse(other, "x", level=RAISE)
    del other["metadata"]["kernelspec"]
    with pytest.warns(ArtifactWarning, match="no metadata.kernelspec"):
        doc = to_synapse(other, "x", level="warn")
    assert doc["properties"]["metadata"]["kernelspec"]["name"] == "synapse_pyspark"


def test_source_given_as_one_string_is_reported():
    doc = json.loads(GOLDEN.read_text(encoding="utf-8"))
    doc["properties"]["cells"][0]["source"] = "# one string"
    with pytest.raises(ArtifactConversionError, match="cell 0: 'source' is one string"):
        from_synapse(doc, level=RAISE)


@pytest.mark.parametrize("bad, message", [
    ({"name": "x", "properties": {}}, "not a Synapse notebook"),
    ({"name": "x", "properties": {"metadata": {"kernelspec": {"name": "synapse_pyspark",
                                                               "display_name": "Synapse PySpark"}},
                                  "cells": [{"cell_type": "heading", "source": []}]}},
     "cell 0: unknown cell_type 'heading'"),
])
def test_malformed_synapse_notebooks_raise(bad, message):
    with pytest.raises(ArtifactConversionError, match=message):
        from_synapse(bad, level=RAISE)


def test_level_names_are_checked():
    with pytest.raises(ValueError, match="level='loud' is not an error level"):
        ErrorLevel.of("loud")
