"""Rows of a dedicated SQL pool's model table for registered models (pure, plus one Spark helper).

The table is the one the scoring wizard creates (synapse.md §2.4): ``ID`` is
``'<registered model name>:<version>'``, ``model`` the ONNX bytes, ``inputs_schema`` /
``outputs_schema`` the graph's inputs/outputs as JSON (``[{"name", "type", "shape"}]``). A keyed
model gives one row per group model (and the fallback): the routed PREDICT
(:mod:`.routing_sql`) picks each group's row by its ID.

Load the rows with the connector (``model_table_dataframe(spark, rows).write.mode("append")
.synapsesql("<pool>.dbo.aml_models")``, Parquet staging, any model size), or run
:func:`model_table_script` (``0x...`` literals, for small models or a SQL script artifact).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

MODEL_TABLE_DDL = """CREATE TABLE {table} (
  [ID] NVARCHAR(1024) NOT NULL,  [name] NVARCHAR(1024) NOT NULL, [description] NVARCHAR(1024) NULL,
  [version] INT NULL, [created_time] DATETIME2(7) NULL, [created_by] NVARCHAR(128) NULL,
  [framework] NVARCHAR(64) NULL, [model] VARBINARY(MAX) NULL,
  [inputs_schema] NVARCHAR(MAX) NULL, [outputs_schema] NVARCHAR(MAX) NULL)
WITH (HEAP, DISTRIBUTION = ROUND_ROBIN);"""
COLUMNS = ("ID", "name", "description", "version", "created_time", "created_by", "framework",
           "model", "inputs_schema", "outputs_schema")
SPARK_SCHEMA = ("ID string, name string, description string, version int, "
                "created_time timestamp, created_by string, framework string, model binary, "
                "inputs_schema string, outputs_schema string")


def model_table_ddl(table: str = "dbo.aml_models") -> str:
    """The wizard's model table DDL for ``table`` (created only when it does not exist; the name
    bracketed, and as an ``N'...'`` literal for ``OBJECT_ID``)."""
    from ..sqlpool.names import nstring
    from .routing_sql import object_name
    name = object_name(table, "model_table")
    return f"IF OBJECT_ID({nstring(name)}, 'U') IS NULL\n" + MODEL_TABLE_DDL.format(table=name)


def model_table_rows(model, created_by: str = "synhelpers", description: str = "") -> list[dict]:
    """One row per ONNX model of ``model`` (a ScoringModel, or every model of a keyed Routing)."""
    from .keyed import Routing
    models = model.models if isinstance(model, Routing) else [model]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = []
    for item in models:
        text = description or (f"{model.model_id}: {item.name}" if isinstance(model, Routing)
                               else item.name)
        rows.append({"ID": item.model_id, "name": item.name, "description": text[:1024],
                     "version": int(item.version), "created_time": now,
                     "created_by": created_by, "framework": "ONNX", "model": item.model_bytes,
                     "inputs_schema": json.dumps([i.to_dict() for i in item.inputs]),
                     "outputs_schema": json.dumps([o.to_dict() for o in item.outputs])})
    return rows


def model_table_dataframe(spark, rows: list[dict]):
    """The rows as a Spark DataFrame with the model table's columns (for ``synapsesql``)."""
    return spark.createDataFrame([tuple(r[c] for c in COLUMNS) for r in rows], SPARK_SCHEMA)


def _text(value) -> str:
    from ..sqlpool.names import nstring
    return "NULL" if value is None else nstring(str(value))


def model_table_script(rows: list[dict], table: str = "dbo.aml_models") -> str:
    """T-SQL inserting ``rows`` (the model as a ``0x...`` literal: twice the model's size)."""
    from .routing_sql import object_name
    name = object_name(table, "model_table")
    statements = []
    for r in rows:
        created = r["created_time"].strftime("%Y-%m-%d %H:%M:%S")
        statements.append(
            f"INSERT INTO {name} ({', '.join(f'[{c}]' for c in COLUMNS)})\nVALUES ("
            f"{_text(r['ID'])}, {_text(r['name'])}, {_text(r['description'])}, "
            f"{int(r['version'])}, "
            f"'{created}', {_text(r['created_by'])}, {_text(r['framework'])}, "
            f"0x{bytes(r['model']).hex()}, {_text(r['inputs_schema'])}, "
            f"{_text(r['outputs_schema'])});")
    return "\n".join(statements)
