"""The ``synhelpers`` command: argument parsing and printing only; every step is a library call."""
from __future__ import annotations

import argparse
import json
import sys

from .exceptions import SynHelpersError


def _table_create(args) -> int:
    from .data import create_taxi_table
    from .runtime import get_spark
    summary = create_taxi_table(get_spark(), source=args.source, path=args.path, rows=args.rows,
                                start_date=args.start_date, end_date=args.end_date,
                                table_name=args.table_name, sample_rows=args.sample_rows,
                                seed=args.seed)
    print(json.dumps(summary, indent=2))
    return 0


def _demo(args) -> int:
    from .demo import run_demo
    return run_demo(out_dir=args.out)


def build_parser() -> argparse.ArgumentParser:
    from .data import DEFAULTS
    parser = argparse.ArgumentParser(prog="synhelpers", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    table = sub.add_parser("table", help="the NYC taxi Spark table").add_subparsers(
        dest="action", required=True)
    create = table.add_parser("create", help="build the tutorial's NYC_Taxi table")
    create.add_argument("--source", default=DEFAULTS["source"],
                        help="open_datasets | file | synthetic (default: %(default)s)")
    create.add_argument("--path", default="", help="CSV or Parquet of raw trips (source=file)")
    create.add_argument("--rows", type=int, default=DEFAULTS["rows"],
                        help="raw trips to generate (source=synthetic)")
    create.add_argument("--start-date", default=DEFAULTS["start_date"])
    create.add_argument("--end-date", default=DEFAULTS["end_date"])
    create.add_argument("--table-name", default=DEFAULTS["table_name"])
    create.add_argument("--sample-rows", type=int, default=DEFAULTS["sample_rows"],
                        help="raw trips sampled before featurizing (0: all)")
    create.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    create.set_defaults(func=_table_create)

    demo = sub.add_parser("demo", help="run the whole tutorial locally on the default data")
    demo.add_argument("--out", default=None, help="folder for the output notebooks")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SynHelpersError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
