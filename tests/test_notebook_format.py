"""Every notebook follows Synapse's format and stays thin."""
from __future__ import annotations

import ast

import nbformat
import pytest

from support import NOTEBOOKS

ALL = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_there_are_notebooks():
    assert any(p.name == "01_create_nyc_taxi_table.ipynb" for p in ALL)


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_notebook_format(path):
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata.kernelspec == {"name": "synapse_pyspark", "display_name": "Synapse PySpark"}
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and params[0].cell_type == "code"
    for statement in ast.parse(params[0].source).body:
        assert isinstance(statement, ast.Assign), ast.dump(statement)
        assert all(isinstance(t, ast.Name) for t in statement.targets)
        ast.literal_eval(statement.value)                      # literals only
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert not cell.get("outputs"), "notebooks are stored without outputs"
        if cell.source.lstrip().startswith("%%"):
            continue                                          # %%spark / %%sql cells
        tree = ast.parse(cell.source)
        assert not any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                      ast.Lambda)) for n in ast.walk(tree)), "logic belongs in synhelpers"
        assert len(cell.source.splitlines()) <= 12, "cells stay short"
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert "mssparkutils.notebook.exit(" in last.source
