"""Merging saved benchmark runs (``automl_quality.py --render a.json,b.json,...``) into one report.

A split (data set, method, budget, seed) run in more than one file counts once: **the first file
that has it wins**, so a re-run of some splits goes first (``--render rerun.json,all.json``) and
replaces the older rows; HistGradientBoosting, which has no budget and so appears in every run's
file, counts once. The merged runs and data sets are put in one fixed order (the data-set list of
``qualitybench/datasets.py``, then method, budget, seed) so the report's rows and columns do not
depend on the order of the files.
"""
from __future__ import annotations

from collections import defaultdict

from . import datasets as ds, report


def _index(order: list, name: str) -> tuple:
    return (order.index(name), "") if name in order else (len(order), name)


def _run_key(run: dict) -> tuple:
    return (_index(ds.ALL, run["dataset"]), _index(report.METHODS, run["method"]),
            run.get("budget") or 0, run["seed"])


def _flat(items) -> list:
    """The warm-up runs of merged files (a merged file's entry is already a list), one level,
    each once (a file merged into two merged files comes back twice)."""
    out = []
    for item in items:
        if isinstance(item, list):
            item = _flat(item)
        elif item is not None:
            item = [item]
        out += [one for one in item or [] if one not in out]
    return out


def merge(saved: list[dict]) -> tuple[dict, dict, list, tuple]:
    """(meta, data sets, runs, (finished, load_end) of the last to finish) of saved results
    ``{"meta", "datasets", "runs"}``; a split in several files: the first file's run."""
    meta = dict(saved[0]["meta"])
    meta.pop("finished", None), meta.pop("load_end", None)
    runs, infos, seen = [], {}, set()
    for item in saved:
        for run in item["runs"]:
            key = (run["dataset"], run["method"], run["budget"], run["seed"])
            if key not in seen:
                seen.add(key)
                runs.append(run)
        infos.update({k: v for k, v in item["datasets"].items() if k not in infos})
    runs.sort(key=_run_key)
    # each file states the splits it ran ("1 seed" for a run of split 0, "2 seeds" for
    # --seed-from 1): the merged data set has the splits of all its runs, and the ties of
    # winners and head-to-head depend on it (one split: SINGLE_SPLIT_TIE, else the spread)
    seeds = defaultdict(set)
    for run in runs:
        seeds[run["dataset"]].add(run["seed"])
    infos = {name: {**infos[name], "splits": report.splits_text(
                 len(seeds[name]), small=infos[name]["rows"] < ds.SMALL_ROWS)}
             for name in sorted(infos, key=lambda n: _index(ds.ALL, n))}
    meta["warm_up"] = _flat([s["meta"].get("warm_up") for s in saved])
    commands = (c for s in saved for c in s["meta"]["command"].split(" ; "))
    meta["command"] = " ; ".join(dict.fromkeys(commands))   # each once, in order
    last = saved[-1]["meta"]
    if len(saved) > 1:
        meta["budgets"] = sorted({b for s in saved for b in s["meta"]["budgets"]})
        # splits per small data set: the first file's --seeds understates a merge that adds
        # later seeds (--seed-from 1)
        meta["seeds"] = max(r["seed"] for r in runs) + 1
        # the span of all the merged runs (the load when the earliest began), and each library's
        # version from the runs that used it (a later run of ours alone says AutoGluon was "not
        # used"; the earlier one's rows did)
        first = min((s["meta"] for s in saved), key=lambda m: m["started"])
        meta["started"], meta["load_start"] = first["started"], first["load_start"]
        last = max((s["meta"] for s in saved), key=lambda m: m["finished"])
        versions = {}
        for s in saved:
            for name, version in s["meta"].get("versions", {}).items():
                if name == "synhelpers commit":
                    versions.setdefault(name, [])
                    for commit in str(version).split(", "):
                        if commit not in versions[name]:
                            versions[name].append(commit)
                elif version != "not used" and name not in versions:
                    versions[name] = version
        versions["synhelpers commit"] = ", ".join(versions.get("synhelpers commit", []))
        meta["versions"] = versions
    return meta, infos, runs, (last["finished"], last["load_end"])
