"""``synhelpers table create|recover``: notebook 01, and the repair of an interrupted overwrite."""
from __future__ import annotations

from . import print_json


def _create(args) -> int:
    from ..data import create_taxi_table
    from ..runtime import get_spark
    print(f"Building {args.table_name} from source={args.source} ...", flush=True)
    summary = create_taxi_table(get_spark(), source=args.source, path=args.path, rows=args.rows,
                                start_date=args.start_date, end_date=args.end_date,
                                table_name=args.table_name, sample_rows=args.sample_rows,
                                seed=args.seed)
    print_json(summary)
    return 0


def _recover(args) -> int:
    from ..data.tables import recover_table
    from ..runtime import get_spark
    print_json(recover_table(get_spark(), args.table_name))
    return 0


def register(sub) -> None:
    from ..data import DEFAULTS
    table = sub.add_parser("table", help="the NYC taxi Spark table (notebook 01)")
    actions = table.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="build the tutorial's NYC_Taxi table",
                                description="Build the tutorial's 7-column NYC taxi table.")
    create.add_argument("--source", default=DEFAULTS["source"],
                        help="auto (open_datasets in Synapse, synthetic elsewhere) | open_datasets "
                             "| file | synthetic (default: %(default)s)")
    create.add_argument("--path", default="", help="CSV or Parquet of raw trips (source=file)")
    create.add_argument("--rows", default=DEFAULTS["rows"],
                        help="raw trips to generate (source=synthetic; default: %(default)s)")
    create.add_argument("--start-date", default=DEFAULTS["start_date"])
    create.add_argument("--end-date", default=DEFAULTS["end_date"])
    create.add_argument("--table-name", default=DEFAULTS["table_name"])
    create.add_argument("--sample-rows", default=DEFAULTS["sample_rows"],
                        help="raw trips sampled before featurizing, 0 for all (default: %(default)s)")
    create.add_argument("--seed", default=DEFAULTS["seed"])
    create.set_defaults(func=_create)

    recover = actions.add_parser(
        "recover", help="repair what an interrupted overwrite of a table left",
        description="Restores the old table when a killed overwrite left none under the name, "
                    "and drops the staging and retired tables it left (see synhelpers.data.tables).")
    recover.add_argument("--table-name", default=DEFAULTS["table_name"])
    recover.set_defaults(func=_recover)
