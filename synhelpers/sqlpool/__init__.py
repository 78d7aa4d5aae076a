"""The SQL pool part: the pool seam, the Spark connector, the T-SQL engine, the scoring wizard."""
from __future__ import annotations

from .names import TableName, parse_table_name
from .pool import LocalPool, SqlPool, SynapsePool, get_pool

__all__ = ["TableName", "parse_table_name", "LocalPool", "SqlPool", "SynapsePool", "get_pool"]
