"""Repairing what an interrupted results swap left in a pool (``synhelpers sqlpool recover``).

The scoring wizard writes its results table (:func:`~.wizard.write_results`) aside as
``<results>__new``, renames the previous results to ``<results>__old``, renames the new ones into
place and drops the old ones. A process killed between the two renames leaves no results table;
the next ``write_results`` puts the old one back first, and :func:`recover_results_table` does
the same without writing: it restores ``__old`` when no table holds the name (or, when the old
one was already dropped, promotes the complete ``__new``: it exists only once its CTAS finished)
and drops the other leftovers. It runs the same T-SQL on a local pool and on a dedicated pool.
"""
from __future__ import annotations


def recover_results_table(sql_pool_name: str, results_table: str) -> dict:
    """Repair ``results_table`` in pool ``sql_pool_name`` after an interrupted swap.

    Returns ``{"pool", "table", "restored": name or None, "dropped": [names]}``.

    Raises:
        ConfigError: a bad pool or table name (names the parameter).
    """
    from .pool import get_pool
    from .wizard.objects import parse_object, part_sql
    from .wizard.script import RETIRED_SUFFIX, STAGING_SUFFIX
    results = parse_object(results_table, "results_table", sql_pool_name)
    pool = get_pool(sql_pool_name)
    staging = results.renamed(results.name + STAGING_SUFFIX)
    retired = results.renamed(results.name + RETIRED_SUFFIX)

    def exists(obj) -> bool:
        found = pool.execute(f"SELECT OBJECT_ID({obj.id_literal}, 'U') AS id")[-1]
        return found.column(0)[0].is_valid

    restored, dropped = None, []
    if not exists(results):
        for candidate in (retired, staging):
            if exists(candidate):
                pool.execute(f"RENAME OBJECT {candidate.sql} TO {part_sql(results.name)}")
                restored = candidate
                break
    for leftover in (staging, retired):
        if leftover is not restored and exists(leftover):
            pool.execute(f"DROP TABLE {leftover.sql}")
            dropped.append(str(leftover))
    return {"pool": pool.name, "table": str(results),
            "restored": str(restored) if restored else None, "dropped": dropped}
