"""AutoML quality: this project's wizard vs plain FLAML, HistGradientBoosting and AutoGluon,
on the same splits, in one run.

Run (from the repository root):
    make bench-quality                                   # everything, on a fresh machine too
    make bench-quality BENCH_QUALITY_ARGS=--quick        # 4 small mixed tables, ~10 min
    .venv/bin/python benchmarks/automl_quality.py --quick
    .venv/bin/python benchmarks/automl_quality.py                    # everything (~14 h on 2 cores)
    .venv/bin/python benchmarks/automl_quality.py --datasets tlc_fare,diabetes \
        --methods synhelpers,flaml,hgb,ag_medium --budgets 30,60 --seeds 3
    .venv/bin/python benchmarks/automl_quality.py --render a.json,b.json --out merged
    make bench-quality        # creates the AutoGluon venv first (benchmarks/autogluon/)

Methods: ``synhelpers`` (``train_wizard`` on a Spark DataFrame of the training split,
``test_size=0``, ``use_spark="auto"`` as the wizard defaults to (trials on executors on a cluster
or a machine with 4+ cores, in the driver on 2 cores), scored natively, with the registered ONNX
graph and with T-SQL PREDICT on the local pool), ``synhelpers_local`` (``use_spark=False``), ``flaml``
(``AutoML().fit`` defaults, same primary metric), ``hgb`` (scikit-learn defaults, no budget),
``ag_medium`` / ``ag_best`` (AutoGluon-Tabular presets with ``time_limit`` = the budget, from
``benchmarks/.venv-autogluon``; reported as unavailable, with the reason, when that venv is not
there). Datasets: see ``qualitybench/datasets.py`` and ``qualitybench/catalog.py`` (28: the TLC
sample, the synthetic taxi table, and tables shipped inside packages of the package index, exported
once by ``make bench-datasets``; nothing is downloaded at run time). The summary (mean rank per
budget, wins/ties/losses, the HistGradientBoosting floor, the budget used and the worst overrun):
``qualitybench/summary.py``.

Output: the table on stdout, ``benchmarks/results/automl_quality.md`` and ``.json`` (every run,
the aggregated cells, the winners, versions and load averages). Uses a throw-away state directory
(Spark metastore, MLflow registry), so it never touches the project's ``.synapse-local``.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from qualitybench import datasets as ds  # noqa: E402
from qualitybench import report, summary  # noqa: E402
from qualitybench.merge import merge  # noqa: E402
from qualitybench.report import METHODS  # noqa: E402

DEFAULT_METHODS = "synhelpers,flaml,hgb,ag_medium,ag_best"
BUDGETED = {"synhelpers", "synhelpers_local", "flaml", "ag_medium", "ag_best"}
# small mixed tables of each task: text, booleans, a date, missing values (about 10 minutes)
QUICK = dict(datasets="auto_mpg,house_prices,titanic,penguins",
             methods="synhelpers,flaml,hgb,ag_medium", budgets="30", seeds=1)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help=f"smoke run: {QUICK} (explicit flags still override)")
    p.add_argument("--datasets", help=f"comma list from {','.join(ds.ALL)} (default: all)")
    p.add_argument("--methods", help=f"comma list from {','.join(METHODS)} "
                                     f"(default: {DEFAULT_METHODS})")
    p.add_argument("--budgets", help="comma list of seconds (default: 30,120)")
    p.add_argument("--seeds", type=int, help="seeded splits per small dataset (default: 3)")
    p.add_argument("--seed-from", type=int, default=0,
                   help="first seed of small datasets (e.g. --seed-from 1 --seeds 3 adds seeds 1 "
                        "and 2 to a run of seed 0; large datasets have seed 0 only)")
    p.add_argument("--our-budgets", help="budgets for synhelpers(_local) only, if they differ")
    p.add_argument("--ag-budgets", help="budgets for AutoGluon only, if they differ")
    p.add_argument("--concurrency", type=int, default=os.cpu_count() or 2,
                   help="synhelpers: max_concurrent_iterations (default: the CPU count)")
    p.add_argument("--tlc-path", help=f"the TLC sample CSV (default: {ds.TLC_SAMPLE})")
    p.add_argument("--render", metavar="JSON[,JSON...]",
                   help="no runs: re-render the table from results JSON written earlier (several "
                        "are merged, e.g. a follow-up run of one method; a split in several files: "
                        "the first file's run, so a re-run goes first)")
    p.add_argument("--readme", action="store_true",
                   help="with --render: print README's quality section from the results")
    p.add_argument("--out", default=str(HERE / "results" / "automl_quality"),
                   help="output path without extension (.md and .json are written)")
    args = p.parse_args(argv)
    defaults = dict(datasets=",".join(ds.ALL), methods=DEFAULT_METHODS, budgets="30,120", seeds=3)
    for key, value in (QUICK if args.quick else defaults).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.datasets = [d for d in args.datasets.split(",") if d]
    args.methods = [m for m in args.methods.split(",") if m]
    for name in args.datasets:
        if name not in ds.ALL:
            p.error(f"unknown dataset {name!r}: use {', '.join(ds.ALL)}")
    for name in args.methods:
        if name not in METHODS:
            p.error(f"unknown method {name!r}: use {', '.join(METHODS)}")
    ints = lambda text: [int(b) for b in text.split(",") if b]  # noqa: E731
    args.budgets = ints(args.budgets)
    args.our_budgets = ints(args.our_budgets) if args.our_budgets else args.budgets
    args.ag_budgets = ints(args.ag_budgets) if args.ag_budgets else args.budgets
    if args.tlc_path:
        ds.TLC_SAMPLE = Path(args.tlc_path).resolve()
    return args


def budgets_for(method: str, args) -> list:
    if method not in BUDGETED:
        return [None]
    return args.our_budgets if method.startswith("synhelpers") else (
        args.ag_budgets if method.startswith("ag_") else args.budgets)


def quiet():
    warnings.filterwarnings("ignore")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")   # joblib/loky and Spark worker processes
    for name in ("optuna", "mlflow", "py4j", "flaml", "flaml.automl.logger"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        import optuna
        optuna.logging.set_verbosity(optuna.logging.ERROR)
    except ImportError:
        pass


def versions(ag_version: str) -> dict:
    import flaml
    import lightgbm
    import onnxruntime
    import sklearn
    import xgboost
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, text=True,
                                capture_output=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "synhelpers"], cwd=HERE,
                               text=True, capture_output=True).stdout.strip()
        commit += " (synhelpers/ has uncommitted changes)" if dirty else ""
    except OSError:
        commit = "unknown"
    return {"synhelpers commit": commit, "python": sys.version.split()[0], "flaml": flaml.__version__,
            "scikit-learn": sklearn.__version__, "lightgbm": lightgbm.__version__,
            "xgboost": xgboost.__version__, "onnxruntime": onnxruntime.__version__,
            "autogluon.tabular": ag_version}


def make_runners(args, spark, tag):
    from qualitybench import methods
    from qualitybench.autogluon import run_autogluon
    return {
        "synhelpers": lambda d, tr, te, b, s: methods.run_synhelpers(
            d, tr, te, b, s, spark=spark, use_spark="auto", concurrency=args.concurrency, tag=tag),
        "synhelpers_local": lambda d, tr, te, b, s: methods.run_synhelpers(
            d, tr, te, b, s, spark=spark, use_spark=False, concurrency=args.concurrency,
            tag=tag + "L"),
        "flaml": methods.run_flaml,
        "hgb": methods.run_hgb,
        "ag_medium": lambda d, tr, te, b, s: run_autogluon(d, tr, te, b, s, method="ag_medium"),
        "ag_best": lambda d, tr, te, b, s: run_autogluon(d, tr, te, b, s, method="ag_best"),
    }


def warm_up(runner, spark, cache):
    """One unscored wizard run: the first one pays MLflow's database creation, imports and the
    Spark Python workers' start, which would otherwise eat a 30 s budget."""
    data = ds.load("diabetes", spark, cache)
    train, test = ds.split(data, 0)
    started = time.time()
    try:
        out = runner(data, train, test, 45, 0)
        return {"seconds": round(time.time() - started, 1), "timings": out.get("timings")}
    except Exception as exc:  # noqa: BLE001 - a failed warm-up is reported, the runs go on
        return {"seconds": round(time.time() - started, 1), "error": repr(exc)[:300]}


def render(paths: str, out: Path) -> str:
    """Re-render saved runs (comma-separated .json files; the first that has a split wins)."""
    saved = [json.loads(Path(p).read_text()) for p in paths.split(",") if p]
    meta, infos, runs, ended = merge(saved)
    return write(out, meta, infos, runs, final=True, ended=ended)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.render:
        text = render(args.render, Path(args.out))
        if args.readme:
            saved = json.loads(Path(args.out).with_suffix(".json").read_text())
            text = summary.readme(saved["meta"], saved["datasets"], saved["cells"],
                                  saved["summary"])
        print(text)
        return 0
    quiet()
    os.environ.setdefault("SYNHELPERS_STATE_DIR", tempfile.mkdtemp(prefix="bench-quality-"))
    started = datetime.now()
    load_start = [round(x, 2) for x in os.getloadavg()]
    from qualitybench.autogluon import availability
    unavailable, ag_version = {}, "not used"
    if any(m.startswith("ag_") for m in args.methods):
        ok, ag_version = availability()
        if not ok:
            unavailable = {m: ag_version for m in args.methods if m.startswith("ag_")}
            args.methods = [m for m in args.methods if not m.startswith("ag_")]
            print(f"AutoGluon unavailable: {ag_version}", flush=True)
    from synhelpers.runtime import get_spark
    spark = get_spark("automl-quality")        # before anything imports flaml
    quiet()
    tag = "q" + started.strftime("%Y%m%d%H%M%S")
    runners = make_runners(args, spark, tag)
    cache, infos, runs = {}, {}, []
    ours = [m for m in args.methods if m.startswith("synhelpers")]
    warm = warm_up(runners[ours[0]], spark, cache) if ours else None
    if warm:
        print(f"warm-up wizard run (not scored): {warm}", flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"started": started.isoformat(timespec="seconds"), "cpus": os.cpu_count(),
            "load_start": load_start, "command": " ".join([Path(sys.argv[0]).name] + sys.argv[1:]),
            "budgets": sorted(set(args.budgets + args.our_budgets + args.ag_budgets)),
            "seeds": args.seeds, "small_rows": ds.SMALL_ROWS, "test_size": ds.TEST_SIZE,
            "concurrency": args.concurrency,
            "unavailable": unavailable, "warm_up": warm, "versions": versions(ag_version)}

    from qualitybench.scoring import metric_name
    for name in args.datasets:
        data = ds.load(name, spark, cache)
        seeds = list(range(args.seed_from, args.seeds)) if data.small else (
            [0] if args.seed_from == 0 else [])
        infos[name] = {**data.info, "rows": data.rows, "task": data.task,
                       "target": data.target, "n_classes": data.n_classes, "source": data.source,
                       "metric": metric_name(data.task, data.n_classes),
                       "splits": report.splits_text(len(seeds), data.small)}
        for seed in seeds:
            train, test = ds.split(data, seed)
            for method in args.methods:
                for budget in budgets_for(method, args):
                    run = {"dataset": name, "method": method, "budget": budget, "seed": seed,
                           "train_rows": len(train), "test_rows": len(test),
                           "load_before": [round(x, 2) for x in os.getloadavg()]}
                    try:
                        run.update(runners[method](data, train, test, budget, seed))
                    except Exception as exc:  # noqa: BLE001 - an honest failure row
                        run["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
                    run["load_after"] = [round(x, 2) for x in os.getloadavg()]
                    runs.append(run)
                    shown = f"{run['score']:.4f} in {run['wall_s']:.1f} s" if "score" in run \
                        else run["error"]
                    print(f"{name} seed {seed} {report.label(method, budget)}: {shown} "
                          f"(load {run['load_before'][0]:.1f})", flush=True)
                    write(out, meta, infos, runs, final=False)
    text = write(out, meta, infos, runs, final=True)
    print(text)
    return 0


def write(out: Path, meta: dict, infos: dict, runs: list, final: bool, ended=None) -> str:
    """Write .json (every run so far) and .md; called after each run so a stopped run keeps its
    results. ``ended``: (finished, load_end) kept from an earlier run when re-rendering."""
    finished, load_end = ended or (
        datetime.now().isoformat(timespec="seconds") if final else "(running)",
        [round(x, 2) for x in os.getloadavg()])
    meta = dict(meta, finished=finished, load_end=load_end)
    from synhelpers.automl.budget import budget_margin
    cells = report.aggregate(runs)
    single = {n for n, i in infos.items() if not i["splits"].endswith("seeds")}
    wins = report.winners(cells, single)
    pairs = report.paired(runs)
    verdict = {"mean_ranks": summary.mean_ranks(runs),
               "head_to_head": summary.head_to_head(cells, runs, single),
               "below_hgb": summary.hgb_floor(cells, runs),
               "below_hgb_strict": summary.hgb_floor(cells, runs, strict=True),
               "budget_use": summary.budget_use(runs, budget_margin)}
    lines = summary.markdown(verdict["mean_ranks"], verdict["head_to_head"],
                             verdict["below_hgb"], verdict["budget_use"], budget_margin,
                             verdict["below_hgb_strict"])
    text = report.markdown(meta, infos, cells, wins, pairs, lines)
    out.with_suffix(".json").write_text(json.dumps(
        {"meta": meta, "datasets": infos, "summary": verdict, "cells": cells, "winners": wins,
         "paired": pairs, "runs": runs},
        indent=1, default=str))
    out.with_suffix(".md").write_text(text)
    return text


if __name__ == "__main__":
    sys.exit(main())
