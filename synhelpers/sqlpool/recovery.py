"""Repairing what an interrupted results swap left in a pool (``synhelpers sqlpool recover``).

The scoring wizard writes its results table (:func:`~.wizard.write_results`) aside as
``<results>__new_<run>``, renames the previous results to ``<results>__old_<run>``, renames the new
ones into place and drops the old ones. A process killed between the two renames leaves no results
table; the previous results stay intact as ``__old_<run>`` (the next ``write_results`` puts its own
results in place without touching them). :func:`recover_results_table`, an explicit command, finds
such leftovers by name (any run): when no table holds the results' name it puts back the previous
results (``__old_<run>``; or, when they were already dropped, promotes a complete ``__new_<run>``:
it exists only once its CTAS finished), then drops the other leftovers. It runs the same T-SQL on
a local pool and on a dedicated pool.
"""
from __future__ import annotations


def _leftovers(pool, results, suffix: str) -> list:
    """The tables ``<results><suffix><run>`` of any run (a run ID as the wizard makes them), in
    name order; a table whose name goes on in any other way is not one of the swap's."""
    from .names import nstring
    from .wizard.script import RUN_ID
    listed = pool.execute("SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = "
                          f"{nstring(results.schema or 'dbo')}")[-1].column(0).to_pylist()
    prefix = results.name + suffix
    return [results.renamed(name) for name in sorted(listed)
            if name.lower().startswith(prefix.lower()) and RUN_ID.fullmatch(name[len(prefix):])]


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
    retired, staging = _leftovers(pool, results, RETIRED_SUFFIX), _leftovers(pool, results,
                                                                               STAGING_SUFFIX)
    found = pool.execute(f"SELECT OBJECT_ID({results.id_literal}, 'U') AS id")[-1]
    restored = None
    if not found.column(0)[0].is_valid and (retired or staging):
        restored = (retired or staging)[0]
        pool.execute(f"RENAME OBJECT {restored.sql} TO {part_sql(results.name)}")
    dropped = [leftover for leftover in retired + staging if leftover is not restored]
    for leftover in dropped:
        pool.execute(f"DROP TABLE {leftover.sql}")
    return {"pool": pool.name, "table": str(results),
            "restored": str(restored) if restored else None,
            "dropped": [str(d) for d in dropped]}
