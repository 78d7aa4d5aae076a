"""A pipeline's activity graph, with Data Factory's dependency semantics (pure).

- An activity runs when, for **each** of its dependencies, the dependency's final status is one
  of the conditions listed for it. ``Completed`` means Succeeded or Failed. Otherwise the
  activity is **Skipped** (so a skip propagates, unless a dependent asks for ``Skipped``).
- The pipeline's status comes from its leaf activities: a skipped leaf is replaced by the
  activities it depends on; the pipeline succeeded iff every activity so reached succeeded
  (Data Factory's "pipeline outcome" rule: Try-Catch succeeds, Do-If-Else fails).
"""
from __future__ import annotations

from typing import Iterable, Mapping

from .errors import PipelineDefinitionError

SUCCEEDED, FAILED, SKIPPED, COMPLETED = "Succeeded", "Failed", "Skipped", "Completed"
CONDITIONS = (SUCCEEDED, FAILED, SKIPPED, COMPLETED)


def dependencies(activity: Mapping) -> list[tuple[str, tuple[str, ...]]]:
    """``[(upstream activity name, conditions), ...]`` of one activity."""
    out = []
    for entry in activity.get("dependsOn") or []:
        out.append((entry.get("activity"), tuple(entry.get("dependencyConditions") or ())))
    return out


def graph_problems(activities: list[Mapping]) -> list[str]:
    """Everything that keeps the graph from running: missing or duplicate names, unknown
    dependencies or conditions, cycles (an empty list when it is sound)."""
    problems = []
    names = [a.get("name") for a in activities]
    for index, name in enumerate(names):
        if not isinstance(name, str) or not name:
            problems.append(f"activity #{index} has no name.")
        elif names.index(name) != index:
            problems.append(f"two activities are named '{name}'; names must be unique.")
    known = set(n for n in names if isinstance(n, str))
    for activity in activities:
        for upstream, conditions in dependencies(activity):
            if upstream not in known:
                problems.append(f"activity '{activity.get('name')}' depends on unknown activity "
                                f"'{upstream}' (activities: {', '.join(sorted(known))}).")
            if not conditions:
                problems.append(f"activity '{activity.get('name')}': its dependency on "
                                f"'{upstream}' lists no dependencyConditions.")
            for condition in conditions:
                if condition not in CONDITIONS:
                    problems.append(f"activity '{activity.get('name')}': unknown dependency "
                                    f"condition '{condition}' on '{upstream}' (use one of "
                                    f"{', '.join(CONDITIONS)}).")
    if not problems:
        cycle = _find_cycle(activities)
        if cycle:
            problems.append(f"the activities depend on each other in a cycle: {' -> '.join(cycle)}.")
    return problems


def execution_order(activities: list[Mapping]) -> list[Mapping]:
    """The activities in an order that respects ``dependsOn`` (ties keep the written order).

    Raises:
        PipelineDefinitionError: see :func:`graph_problems`.
    """
    problems = graph_problems(activities)
    if problems:
        raise PipelineDefinitionError(" ".join(problems))
    remaining = list(activities)
    done: set[str] = set()
    ordered = []
    while remaining:
        ready = next(a for a in remaining if all(u in done for u, _ in dependencies(a)))
        ordered.append(ready)
        done.add(ready["name"])
        remaining.remove(ready)
    return ordered


def ancestors(activities: list[Mapping]) -> dict[str, set[str]]:
    """Activity name -> every activity upstream of it (through any condition)."""
    direct = {a.get("name"): [u for u, _ in dependencies(a)] for a in activities}
    found: dict[str, set[str]] = {}

    def visit(name, trail=()):
        if name in found:
            return found[name]
        result: set[str] = set()
        for upstream in direct.get(name, []):
            if upstream in direct and upstream not in trail:
                result |= {upstream} | visit(upstream, trail + (name,))
        found[name] = result
        return result

    for name in direct:
        visit(name)
    return found


def condition_holds(conditions: Iterable[str], status: str) -> bool:
    """Does an upstream activity that ended ``status`` satisfy one of ``conditions``?"""
    conditions = set(conditions)
    return status in conditions or (COMPLETED in conditions and status in (SUCCEEDED, FAILED))


def should_run(activity: Mapping, statuses: Mapping[str, str]) -> bool:
    """True when every dependency's condition holds (the activity runs); False: it is Skipped."""
    return all(condition_holds(conditions, statuses[upstream])
               for upstream, conditions in dependencies(activity))


def pipeline_status(activities: list[Mapping], statuses: Mapping[str, str]) -> str:
    """Succeeded or Failed, by Data Factory's leaf rule (see the module docstring)."""
    upstream_of = {a["name"]: [u for u, _ in dependencies(a)] for a in activities}
    has_dependents = {u for ups in upstream_of.values() for u in ups}
    leaves = [name for name in upstream_of if name not in has_dependents]
    evaluated: set[str] = set()

    def evaluate(name):
        if name in evaluated:
            return
        evaluated.add(name)
        if statuses.get(name) == SKIPPED:
            for upstream in upstream_of[name]:
                evaluate(upstream)

    for leaf in leaves:
        evaluate(leaf)
    judged = [statuses.get(n) for n in evaluated if statuses.get(n) != SKIPPED]
    return SUCCEEDED if all(s == SUCCEEDED for s in judged) else FAILED


def _find_cycle(activities: list[Mapping]) -> list[str] | None:
    edges = {a["name"]: [u for u, _ in dependencies(a)] for a in activities}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name):
        state[name] = 1
        stack.append(name)
        for upstream in edges.get(name, []):
            if state.get(upstream) == 1:
                return stack[stack.index(upstream):] + [upstream]
            if upstream not in state:
                found = visit(upstream)
                if found:
                    return found
        stack.pop()
        state[name] = 2
        return None

    for name in edges:
        if name not in state:
            found = visit(name)
            if found:
                return found
    return None
