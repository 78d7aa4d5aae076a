"""Write a Synapse-format notebook from a compact cell list (used to author notebooks/*.ipynb).

Usage from Python: write_notebook(path, [("md", text), ("params", code), ("code", code), ...]).
"""
from __future__ import annotations

import nbformat


def write_notebook(path, cells, description=""):
    nb = nbformat.v4.new_notebook()
    nb.nbformat_minor = 2
    nb.metadata = {
        "kernelspec": {"name": "synapse_pyspark", "display_name": "Synapse PySpark"},
        "language_info": {"name": "python"},
        "description": description,
    }
    for kind, text in cells:
        text = text.strip("\n")
        if kind == "md":
            cell = nbformat.v4.new_markdown_cell(text)
        else:
            cell = nbformat.v4.new_code_cell(text)
            if kind == "params":
                cell.metadata["tags"] = ["parameters"]
        cell.pop("id", None)
        nb.cells.append(cell)
    nbformat.write(nb, path)
