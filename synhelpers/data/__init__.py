"""NYC taxi data: sources, the synthetic generator, the tutorial table."""
from __future__ import annotations

from .taxi import DEFAULTS, create_taxi_table, to_taxi_table, validate_request

__all__ = ["DEFAULTS", "create_taxi_table", "to_taxi_table", "validate_request"]
