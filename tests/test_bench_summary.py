"""The quality benchmark's verdicts (benchmarks/qualitybench/summary.py) on hand-made runs: a
method run on fewer splits than HistGradientBoosting is judged on the splits both ran."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from qualitybench import merge, report, summary  # noqa: E402


def _run(dataset, method, budget, seed, score):
    return {"dataset": dataset, "method": method, "budget": budget, "seed": seed, "score": score,
            "wall_s": 1.0, "load_before": [0.0]}


def _verdicts(runs):
    cells = report.aggregate(runs)
    return (summary.hgb_floor(cells, runs, strict=True),
            {h["baseline"]: h for h in summary.head_to_head(cells, runs, set())})


# one hard split (0) and two easy ones; ours at 120 s ran the hard split only
HGB = [_run("hard", "hgb", None, s, v) for s, v in enumerate([0.985, 0.995, 0.994])]


def test_one_split_of_ours_is_compared_with_hgb_on_that_split_not_with_its_mean_over_three():
    floor, h2h = _verdicts(HGB + [_run("hard", "synhelpers", 120, 0, 0.983)])
    assert floor == []                       # 0.002 below on split 0, within HGB's spread 0.0055
    assert h2h["hgb"]["tie"] == 1 and h2h["hgb"]["loss"] == 0


def test_a_loss_on_the_split_both_ran_is_still_a_loss():
    floor, h2h = _verdicts(HGB + [_run("hard", "synhelpers", 120, 0, 0.970)])
    assert [(f["dataset"], f["budget"], round(f["gap"], 3)) for f in floor] == [("hard", 120, 0.015)]
    assert h2h["hgb"]["lost_on"] == ["hard"]


def test_cells_over_the_same_splits_are_compared_on_their_means():
    ours = [_run("hard", "synhelpers", 30, s, v) for s, v in enumerate([0.975, 0.985, 0.984])]
    floor, h2h = _verdicts(HGB + ours)
    assert [round(f["gap"], 3) for f in floor] == [0.010]
    assert h2h["hgb"]["loss"] == 1


def _saved(started, finished, runs, command, commit):
    """A results file as automl_quality.py writes it; the loads tell files apart (start T05:
    5.0, end T06: 0.6)."""
    budgets = sorted({r["budget"] for r in runs if r["budget"]})
    rows = {r["dataset"]: 100_000 if r["dataset"] == "flights" else 150 for r in runs}
    return {"meta": {"started": started, "finished": finished, "command": command,
                     "load_start": [float(started[-1])], "load_end": [int(finished[-2:]) / 10],
                     "budgets": budgets, "seeds": 1,
                     "versions": {"synhelpers commit": commit, "flaml": "2.7.0"}},
            "datasets": {name: {"rows": n, "splits": report.splits_text(1, n < 20_000)}
                         for name, n in rows.items()},
            "runs": runs}


def test_merged_runs_first_file_wins_a_split_and_the_order_is_the_catalogs_not_the_files():
    old = _saved("2026-12-02T01", "2026-12-02T09", [
        _run("iris", "synhelpers", 30, 0, 0.90), _run("diabetes", "flaml", 30, 0, 0.30),
        _run("diabetes", "synhelpers", 30, 0, 0.35), _run("diabetes", "hgb", None, 0, 0.25),
        _run("flights", "synhelpers", 30, 0, 0.88)],
        "old", "aaa, bbb")
    rerun = _saved("2026-12-03T05", "2026-12-03T06", [
        _run("iris", "synhelpers", 30, 0, 0.95), _run("iris", "synhelpers", 30, 1, 0.96)],
        "rerun", "ccc")
    meta, infos, runs, ended = merge.merge([rerun, old])
    got = [(r["dataset"], r["method"], r["budget"], r["seed"], r["score"]) for r in runs]
    # diabetes before flights before iris (the catalog), ours before FLAML and HGB, whatever the
    # files' order
    assert got == [("diabetes", "synhelpers", 30, 0, 0.35), ("diabetes", "flaml", 30, 0, 0.30),
                   ("diabetes", "hgb", None, 0, 0.25),
                   ("flights", "synhelpers", 30, 0, 0.88),
                   ("iris", "synhelpers", 30, 0, 0.95), ("iris", "synhelpers", 30, 1, 0.96)]
    assert list(infos) == ["diabetes", "flights", "iris"]
    # each file said "1 seed"; merged, iris has two splits (its ties use the spread), flights
    # (big) still one
    assert {n: i["splits"] for n, i in infos.items()} == {
        "diabetes": "1 seed", "flights": "1 split", "iris": "2 seeds"}
    assert meta["seeds"] == 2 and meta["command"] == "rerun ; old"
    assert meta["started"] == "2026-12-02T01" and meta["load_start"] == [1.0]   # the earliest run's
    assert ended == ("2026-12-03T06", [0.6])      # the last to finish
    assert meta["versions"]["synhelpers commit"] == "ccc, aaa, bbb"
    merged = {**old, "meta": {**meta, "finished": ended[0], "load_end": ended[1],
                              "warm_up": [[{"s": 1}], None]}}
    rerun_warm = {**rerun, "meta": {**rerun["meta"], "warm_up": {"s": 1}}}
    again, _, _, _ = merge.merge([merged, rerun_warm])
    # a merged file's warm-ups and commands, not nested or repeated once more
    assert again["warm_up"] == [{"s": 1}] and again["command"] == "rerun ; old"
    # the other order keeps the old row of iris split 0
    _, _, runs, _ = merge.merge([old, rerun])
    assert [r["score"] for r in runs if r["dataset"] == "iris"] == [0.90, 0.96]
