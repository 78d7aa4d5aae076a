"""``synhelpers sqlpool load|exec|predict|recover``: notebooks 03 and 04, and the repair of an
interrupted results swap."""
from __future__ import annotations

from ..params import as_int
from . import print_json


def _load(args) -> int:
    from ..runtime import get_spark
    from ..sqlpool.connector import enable_connector, pool_row_counts
    spark = get_spark()
    enable_connector(spark)
    print(f"Loading {args.source_table} into {args.sql_pool_name}.{args.target_table} "
          f"(mode={args.mode}) ...", flush=True)
    spark.table(args.source_table).write.mode(args.mode).synapsesql(
        f"{args.sql_pool_name}.{args.target_table}")
    print_json({"pool": args.sql_pool_name,
                "tables": pool_row_counts(args.sql_pool_name, [args.target_table])})
    return 0


def _exec(args) -> int:
    from pathlib import Path

    from ..sqlpool import get_pool
    script = Path(args.file).read_text(encoding="utf-8") if args.file else args.query
    results = get_pool(args.sql_pool_name).execute(script)
    for index, table in enumerate(results, 1):
        print(f"-- result set {index}: {table.num_rows} rows")
        print(table.slice(0, as_int(args.max_rows, "--max-rows", minimum=0)).to_pandas()
              .to_string(index=False))
    if not results:
        print("-- no result set")
    return 0


def _predict(args) -> int:
    from ..sqlpool.wizard import run_scoring_wizard
    print(f"Scoring {args.sql_pool_name}.{args.table_name} with model "
          f"{args.model_name or '(latest)'}:{args.model_version or 'latest'} ...", flush=True)
    summary = run_scoring_wizard(args.sql_pool_name, args.table_name, args.model_name,
                                 args.model_version, procedure_name=args.procedure_name,
                                 model_table=args.model_table, results_table=args.results_table,
                                 key_columns=args.key_columns)
    print_json(summary)
    return 0


def _recover(args) -> int:
    from ..sqlpool.recovery import recover_results_table
    print_json(recover_results_table(args.sql_pool_name, args.table))
    return 0


def register(sub) -> None:
    pool = sub.add_parser("sqlpool", help="the dedicated SQL pool (notebooks 03 and 04)")
    actions = pool.add_subparsers(dest="action", required=True, metavar="ACTION")
    load = actions.add_parser("load", help="load a Spark table into the pool (synapsesql)")
    load.add_argument("--sql-pool-name", default="mlverifypool")
    load.add_argument("--source-table", default="NYC_Taxi")
    load.add_argument("--target-table", default="dbo.NYC_Taxi")
    load.add_argument("--mode", default="errorifexists",
                      help="errorifexists | ignore | overwrite | append (default: %(default)s)")
    load.set_defaults(func=_load)

    run = actions.add_parser("exec", help="run T-SQL on the pool and print its result sets")
    run.add_argument("--sql-pool-name", default="mlverifypool")
    what = run.add_mutually_exclusive_group(required=True)
    what.add_argument("--file", help="a .sql script (GO separates batches)")
    what.add_argument("--query", help="T-SQL text")
    run.add_argument("--max-rows", default=20, help="rows shown per result set")
    run.set_defaults(func=_exec)

    predict = actions.add_parser("predict", help="the scoring wizard: deploy the model, "
                                 "generate the PREDICT procedure, run it (notebook 04)")
    predict.add_argument("--sql-pool-name", default="mlverifypool")
    predict.add_argument("--table-name", default="dbo.NYC_Taxi")
    predict.add_argument("--model-name", default="", help="registered model (default: latest)")
    predict.add_argument("--model-version", default=0, help="0: the highest version")
    predict.add_argument("--procedure-name", default="dbo.nyc_taxi_procedure")
    predict.add_argument("--model-table", default="dbo.aml_models")
    predict.add_argument("--results-table", default="dbo.nyc_taxi_predictions")
    predict.add_argument("--key-columns", default="", help="columns carried next to the scores")
    predict.set_defaults(func=_predict)

    recover = actions.add_parser(
        "recover", help="repair what an interrupted results swap (sqlpool predict) left",
        description="Restores <table>__old_<run> when a killed run left no <table>, and drops the "
                    "__new_<run>/__old_<run> leftovers.")
    recover.add_argument("--sql-pool-name", default="mlverifypool")
    recover.add_argument("--table", default="dbo.nyc_taxi_predictions",
                         help="the results table (default: %(default)s)")
    recover.set_defaults(func=_recover)
