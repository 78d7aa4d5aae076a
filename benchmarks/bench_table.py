"""Local Spark session start time and NYC_Taxi table creation time (10k and 1M synthetic rows).

Run: .venv/bin/python benchmarks/bench_table.py   (uses a throw-away state directory)
The baseline in the same run is a plain Spark job writing the same number of rows of `id`s to a
table, so the ratio shows what generation + sampling + featurization cost on top of Spark itself.
"""
from __future__ import annotations

import os
import tempfile
import time


def main() -> None:
    os.environ["SYNHELPERS_STATE_DIR"] = tempfile.mkdtemp(prefix="bench-table-")
    started = time.perf_counter()
    from synhelpers.runtime import get_spark
    spark = get_spark()
    print(f"local Spark session start (cold, incl. metastore): {time.perf_counter() - started:6.1f} s")
    from synhelpers.data import create_taxi_table
    for rows, sample in ((10_000, 10_000), (1_000_000, 10_000), (1_000_000, 0)):
        t0 = time.perf_counter()
        spark.range(rows).write.mode("overwrite").saveAsTable("default.bench_baseline")
        base = time.perf_counter() - t0
        t0 = time.perf_counter()
        summary = create_taxi_table(spark, rows=rows, sample_rows=sample,
                                    table_name="default.bench_taxi")
        took = time.perf_counter() - t0
        label = f"{rows:>9,} raw rows, sample_rows={sample:<6}"
        print(f"table creation {label}: {took:6.1f} s -> {summary['rows']:>9,} rows "
              f"({rows / took:,.0f} raw rows/s; baseline write of {rows:,} ids {base:.1f} s, "
              f"ratio {took / base:.1f}x)")
    spark.stop()


if __name__ == "__main__":
    main()
