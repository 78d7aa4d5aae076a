"""PREDICT's scored rows on disk while the statement around them runs.

PREDICT reads its DATA from the pool's DuckDB connection batch by batch; the statement that uses
the scores (``INSERT ... SELECT``, ``CREATE TABLE ... AS``, a join, an aggregate) runs on that
same connection afterwards, so the scored batches are written as they come to a Parquet file in a
folder of the pool's staging directory (one of the folders the pool's DuckDB may read), and the
statement reads it with DuckDB's own Parquet reader, which streams it. Memory holds one batch at a
time, whatever the table's size; the folder is removed when the statement ends (:meth:`Spill.close`).
"""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path


class Spill:
    """One PREDICT's scored rows in ``<staging>/predict-<id>/scores.parquet``."""

    def __init__(self, staging_dir: Path):
        self.folder = Path(staging_dir) / f"predict-{uuid.uuid4().hex}"
        self.folder.mkdir(parents=True)
        self.path = self.folder / "scores.parquet"

    def write(self, schema, batches) -> None:
        """Write ``batches`` (an iterator of RecordBatches of ``schema``) as they come."""
        import pyarrow.parquet as pq
        with pq.ParquetWriter(str(self.path), schema, compression="snappy") as writer:
            for batch in batches:
                writer.write_batch(batch)

    def table(self):
        """The AST node reading the file (``read_parquet('<path>')``), marked as the package's own."""
        from sqlglot import exp

        from ..names import sql_string
        import sqlglot
        node = sqlglot.parse_one(f"SELECT * FROM read_parquet({sql_string(str(self.path))})",
                                 read="duckdb").args["from_"].this
        node.meta["synhelpers"] = True
        return node if isinstance(node, exp.Table) else exp.Table(this=node)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
