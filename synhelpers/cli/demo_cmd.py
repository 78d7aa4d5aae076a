"""``synhelpers demo``: the whole tutorial, locally, on the built-in synthetic data."""
from __future__ import annotations


def _demo(args) -> int:
    from ..demo import run_demo
    return run_demo(out_dir=args.out, training_seconds=args.training_seconds)


def register(sub) -> None:
    p = sub.add_parser("demo", help="run the tutorial end to end locally (what `make demo` runs)")
    p.add_argument("--out", default=None, help="folder for the run")
    p.add_argument("--training-seconds", default=60.0,
                   help="AutoML budget (default: %(default)s)")
    p.set_defaults(func=_demo)
