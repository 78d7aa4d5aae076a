"""``synhelpers score``: notebook 05, a registered model on a Spark table."""
from __future__ import annotations

from . import print_json


def _score(args) -> int:
    from ..runtime import get_spark
    from ..scoring import score_table
    print(f"Scoring {args.table_name} with {args.model_name}:{args.model_version or 'latest'} "
          f"into {args.output_table} ...", flush=True)
    print_json(score_table(get_spark(), args.table_name, args.model_name,
                           args.model_version or None, output_table=args.output_table,
                           mode=args.mode, batch_size=args.batch_size))
    return 0


def register(sub) -> None:
    p = sub.add_parser("score", help="score a Spark table with a registered model (notebook 05)",
                       description="ONNX with onnxruntime in mapInArrow, one inference session "
                       "per Python worker; the scores are saved as a table.")
    p.add_argument("--table-name", required=True)
    p.add_argument("--model-name", required=True)
    p.add_argument("--model-version", default="", help="version number (default: the latest)")
    p.add_argument("--output-table", required=True, help="Spark table for the scores")
    p.add_argument("--mode", default="overwrite", help="overwrite | append")
    p.add_argument("--batch-size", default=10_000)
    p.set_defaults(func=_score)
