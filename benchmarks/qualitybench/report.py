"""Aggregate the runs into the table (dataset x method: mean, std, wall time), the winner per
dataset, this project's ONNX parity, and render it as Markdown.

Ties: a method ties with the best mean when the gap is within the larger of the two standard
deviations over seeds; on a single split (no spread) the gap must be at most ``SINGLE_SPLIT_TIE``.
"""
from __future__ import annotations

import statistics
from collections import defaultdict

SINGLE_SPLIT_TIE = 0.001
# every method the benchmark runs, in the order of the report's rows and columns
METHODS = ["synhelpers", "synhelpers_local", "flaml", "hgb", "ag_medium", "ag_best"]


def splits_text(seeds: int, small: bool) -> str:
    """A data set's ``splits`` entry: "3 seeds"; one split: "1 seed" (small) or "1 split" (big).
    Only "N seeds" counts as several splits for the ties (``winners``, ``summary.head_to_head``)."""
    return f"{seeds} seeds" if seeds > 1 else ("1 seed" if small else "1 split")


def label(method: str, budget) -> str:
    return method if budget is None else f"{method}@{budget}s"


def _std(values):
    return statistics.stdev(values) if len(values) > 1 else 0.0


def aggregate(runs: list[dict]) -> list[dict]:
    groups = defaultdict(list)
    for run in runs:
        groups[(run["dataset"], label(run["method"], run.get("budget")))].append(run)
    cells = []
    for (dataset, name), items in groups.items():
        ok = [r for r in items if "score" in r]
        scores = [r["score"] for r in ok]
        cell = {"dataset": dataset, "method": name, "runs": len(items), "ok": len(ok),
                "mean": statistics.fmean(scores) if scores else None, "std": _std(scores),
                "wall_s": statistics.fmean(r["wall_s"] for r in ok) if ok else None,
                "load_1min": statistics.fmean(r["load_before"][0] for r in items),
                "errors": sorted({r["error"] for r in items if "error" in r}),
                "best_estimators": sorted({str(r.get("best_estimator")) for r in ok}),
                "trials": statistics.fmean(r["n_trials"] for r in ok if "n_trials" in r)
                if any("n_trials" in r for r in ok) else None}
        if any("parity" in r for r in ok):
            par = [r for r in ok if "parity" in r]
            cell["onnx"] = {
                "native_mean": cell["mean"],
                "onnx_mean": statistics.fmean(r["onnx_score"] for r in par),
                "parity_passed": sum(r["parity"]["passed"] for r in par), "models": len(par),
                "max_abs_diff": max(r["parity"]["max_abs_diff"] for r in par),
                "rows_over_tolerance": sum(r["parity"]["rows_over_tolerance"] for r in par),
                "rows_checked": sum(r["parity"]["rows"] for r in par),
                "max_abs_diff_train": max(r["train_parity"]["max_abs_diff"] or 0 for r in par),
                "search_budget_s": statistics.fmean(r["search_budget_s"] for r in par),
                "predict_passed": sum(bool(r.get("predict", {}).get("passed")) for r in par),
                "predict_rows": sum(r.get("predict", {}).get("rows", 0) for r in par),
                "predict_errors": sorted({r["predict"]["error"] for r in par
                                          if r.get("predict", {}).get("error")})}
        cells.append(cell)
    return cells


def winners(cells: list[dict], single_split: set[str]) -> dict:
    """dataset -> {"best", "ties": [methods tying with it], "rule"}."""
    out = {}
    for dataset in dict.fromkeys(c["dataset"] for c in cells):
        scored = [c for c in cells if c["dataset"] == dataset and c["mean"] is not None]
        if not scored:
            continue
        best = max(scored, key=lambda c: c["mean"])
        ties = []
        for cell in scored:
            if cell is best:
                continue
            gap = best["mean"] - cell["mean"]
            allowed = SINGLE_SPLIT_TIE if dataset in single_split else max(best["std"], cell["std"])
            if gap <= allowed:
                ties.append(cell["method"])
        out[dataset] = {"best": best["method"], "best_mean": best["mean"], "ties": ties}
    return out


def paired(runs: list[dict], ours: str = "synhelpers", other: str = "flaml") -> list[dict]:
    """``ours - other`` at the same budget on the same splits (seeds where both produced a score)."""
    scores = {(r["dataset"], r["method"], r.get("budget"), r["seed"]): r["score"]
              for r in runs if "score" in r}
    out = []
    keys = sorted({(d, b) for (d, m, b, _) in scores if m == ours}, key=str)
    for dataset, budget in keys:
        diffs = [v - scores[(dataset, other, budget, seed)]
                 for (d, m, b, seed), v in scores.items()
                 if (d, m, b) == (dataset, ours, budget) and (dataset, other, budget, seed) in scores]
        if diffs:
            out.append({"dataset": dataset, "budget": budget, "pairs": len(diffs),
                        "mean_diff": statistics.fmean(diffs), "std_diff": _std(diffs),
                        "ours_better": sum(d > 0 for d in diffs)})
    return out


def _f(value, digits=4):
    return "–" if value is None else f"{value:.{digits}f}"


def dataset_table(datasets: dict) -> list[str]:
    lines = ["## Data sets", "",
             "| data set | rows | task | columns: numeric / text / boolean / date | with missing values | smallest class | source | note |",
             "|---|---|---|---|---|---|---|---|"]
    for name, info in datasets.items():
        kinds = info.get("kinds") or {}
        smallest = info.get("smallest_class")
        lines.append(
            f"| {name} | {info['rows']} | {info['metric']} | "
            f"{kinds.get('numeric', '?')} / {kinds.get('text', '?')} / {kinds.get('boolean', '?')} / "
            f"{kinds.get('date', '?')} | {info.get('columns_with_missing', '?')} | "
            f"{'—' if smallest is None else f'{smallest:.1%}'} | {info['source']} | "
            f"{info.get('note', '')} |")
    return lines + [""]


def markdown(meta: dict, datasets: dict, cells: list[dict], wins: dict, pairs=(),
             summary_lines=()) -> str:
    lines = [f"# AutoML quality benchmark", "",
             f"Run {meta['started']} → {meta['finished']} on {meta['cpus']} CPUs; "
             f"load average (1/5/15 min) at start {meta['load_start']}, at end {meta['load_end']} "
             f"(other work on the machine inflates wall times and can shorten searches).", "",
             f"Command: `{meta['command']}`", "",
             f"Budgets {meta['budgets']} s; small datasets (< {meta['small_rows']} rows): "
             f"{meta['seeds']} seeded splits, mean ± std over them; big ones: one split (seed 0). "
             f"Test fraction {meta['test_size']}, stratified for classification. Score: R² "
             "(regression), ROC AUC (binary; multiclass: one-vs-rest macro). Wall time: fit + "
             "predict on the test split (synhelpers: the whole `train_wizard` run, MLflow logging "
             "and registration included; AutoGluon: inside its own process, imports excluded). "
             "`ok`: runs that produced a score (a failed run is not averaged in: mean and std are "
             "over the `ok` splits). `load`: mean 1-minute load average when the runs started. "
             "`trials`: configurations tried (AutoGluon: models trained).", ""]
    lines += list(summary_lines) + dataset_table(datasets) + ["## Scores", ""]
    if meta.get("unavailable"):
        for method, reason in meta["unavailable"].items():
            lines.append(f"**{method} unavailable**: {reason}")
        lines.append("")
    lines += ["| dataset | rows | task | splits | method | ok | mean | std | wall s | load | trials | best model / note |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for cell in cells:
        info = datasets[cell["dataset"]]
        win = wins.get(cell["dataset"], {})
        mark = " **best**" if win.get("best") == cell["method"] else (
            " (tie)" if cell["method"] in win.get("ties", []) else "")
        note = ", ".join(cell["best_estimators"])[:60] if cell["ok"] else ""
        if cell["errors"]:
            note = (note + "; " if note else "") + f"{cell['runs'] - cell['ok']} failed: " + \
                "; ".join(e.split(" | ")[-1][:120] for e in cell["errors"])
        trials = "" if cell["trials"] is None else f"{cell['trials']:.0f}"
        lines.append(f"| {cell['dataset']} | {info['rows']} | {info['metric']} | {info['splits']} | "
                     f"{cell['method']}{mark} | {cell['ok']}/{cell['runs']} | {_f(cell['mean'])} | {_f(cell['std'])} | "
                     f"{_f(cell['wall_s'], 1)} | {cell['load_1min']:.1f} | {trials} | {note} |")
    lines += ["", "## Winner per dataset", "",
              "Ties: within the larger std of the two methods (single split: within "
              f"{SINGLE_SPLIT_TIE}).", "", "| dataset | best | mean | tied with it |", "|---|---|---|---|"]
    for dataset, win in wins.items():
        lines.append(f"| {dataset} | {win['best']} | {_f(win['best_mean'])} | "
                     f"{', '.join(win['ties']) or '—'} |")
    if pairs:
        lines += ["", "## Paired: synhelpers − plain FLAML, same budget, same splits", "",
                  "| dataset | budget s | pairs | mean diff | std diff | synhelpers better on |",
                  "|---|---|---|---|---|---|"]
        for p in pairs:
            lines.append(f"| {p['dataset']} | {p['budget']} | {p['pairs']} | {p['mean_diff']:+.4f} | "
                         f"{p['std_diff']:.4f} | {p['ours_better']}/{p['pairs']} |")
    lines += ["", "## synhelpers: the registered ONNX graph on the test split", "",
              "Each model is read back from the MLflow registry and scored with onnxruntime on "
              "the same test rows; parity is the project's gate (|diff| ≤ 1e-3 + 1e-4·|native|, "
              "at most 0.1 % of rows over). PREDICT: the same rows loaded into the local SQL pool "
              "and scored by the scoring wizard's stored procedure (T-SQL PREDICT), equal to the "
              "ONNX scores (regression within 1e-5, labels exactly).", "",
              "| dataset | method | native mean | ONNX mean | parity passed | max abs diff | rows over tol / checked | PREDICT passed (rows) | search s |",
              "|---|---|---|---|---|---|---|---|---|"]
    for cell in cells:
        if "onnx" not in cell:
            continue
        o = cell["onnx"]
        lines.append(f"| {cell['dataset']} | {cell['method']} | {_f(o['native_mean'])} | "
                     f"{_f(o['onnx_mean'])} | {o['parity_passed']}/{o['models']} | "
                     f"{o['max_abs_diff']:.2g} | {o['rows_over_tolerance']}/{o['rows_checked']} | "
                     f"{o.get('predict_passed', 0)}/{o['models']} ({o.get('predict_rows', 0)})"
                     f"{'; ' + '; '.join(o['predict_errors']) if o.get('predict_errors') else ''} | "
                     f"{o['search_budget_s']:.1f} |")
    lines += ["", "## Environment", ""] + [f"- {k}: {v}" for k, v in meta["versions"].items()]
    return "\n".join(lines) + "\n"
