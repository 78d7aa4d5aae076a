"""01_create_nyc_taxi_table.ipynb under papermill against local Spark."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from support import run_notebook, run_python

pytestmark = pytest.mark.notebooks


def test_table_notebook_on_the_real_sample(notebook_taxi, notebook_state, tlc_sample):
    nb, summary = notebook_taxi
    assert summary["table"] == "default.nyc_taxi"
    raw = pd.read_csv(tlc_sample)
    assert 6000 < summary["rows"] < len(raw)
    assert list(summary["columns"]) == ["tipped", "fareAmount", "paymentType", "passengerCount",
                                        "tripDistance", "tripTimeSecs", "pickupTimeBin"]
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert f"{summary['rows']} rows" in printed and "|-- fareAmount: float" in printed
    # a new Spark session (a new process) finds the table in the lake database
    back = run_python("import json; from synhelpers.runtime import get_spark; s = get_spark();"
                      "t = s.table('NYC_Taxi'); print(json.dumps({'n': t.count(), "
                      "'cols': t.columns}))", notebook_state)
    assert back == {"n": summary["rows"], "cols": list(summary["columns"])}


def test_table_notebook_synthetic_default_then_bad_source(kernel, tmp_path_factory, tmp_path):
    notebook_state = tmp_path_factory.mktemp("synthetic-state")    # keeps NYC_Taxi of the sample
    _, exit_value = run_notebook("01_create_nyc_taxi_table.ipynb", {"rows": 20000},
                                 notebook_state, tmp_path, kernel)
    summary = json.loads(exit_value)
    assert summary["source"] == "synthetic" and 9000 < summary["rows"] <= 10000
    import papermill as pm
    with pytest.raises(pm.PapermillExecutionError) as err:
        run_notebook("01_create_nyc_taxi_table.ipynb", {"source": "s3"}, notebook_state,
                     tmp_path, kernel)
    assert err.value.ename == "ConfigError" and "parameter `source`" in err.value.evalue
    back = run_python("import json; from synhelpers.runtime import get_spark;"
                      "print(json.dumps({'n': get_spark().table('NYC_Taxi').count()}))",
                      notebook_state)
    assert back == {"n": summary["rows"]}              # the failed run left the table alone
