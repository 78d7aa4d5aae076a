"""The benchmark's datasets, all available offline, and their seeded train/test splits.

- ``tlc_fare`` / ``tlc_tipped``: the real TLC yellow-taxi sample (tests/fixtures/tlc, March 2019)
  turned into the tutorial's 7-column table by ``synhelpers.data.create_taxi_table``;
- ``synth_fare`` / ``synth_tipped``: the project's synthetic NYC taxi generator, ~100k table rows;
- ``diabetes`` (regression), ``breast_cancer``, ``wine``, ``digits`` (classification): the data
  sets bundled in the scikit-learn wheel (``load_*``; nothing is downloaded).

A dataset is "small" below ``SMALL_ROWS`` rows: it is scored on several seeded splits and
averaged; a big one on a single split (the table says so).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SMALL_ROWS = 20_000
TEST_SIZE = 0.2
TLC_SAMPLE = (Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "tlc"
              / "nyc_tlc_yellow_sample_2019-03.csv")
SYNTH_RAW_ROWS = 104_000        # create_taxi_table keeps ~96 % of raw synthetic rows -> ~100k


@dataclass
class Dataset:
    name: str
    task: str                   # "regression" | "classification"
    target: str
    frame: object               # pandas DataFrame: features + target, column names Spark-safe
    source: str

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


def _safe(name: str) -> str:
    """Spark-, MLflow- and ONNX-safe column name (letters, digits, underscores)."""
    return re.sub(r"[^0-9A-Za-z_]+", "_", name).strip("_")


def _sklearn(name: str) -> Dataset:
    from sklearn import datasets
    loader, task = {"diabetes": (datasets.load_diabetes, "regression"),
                    "breast_cancer": (datasets.load_breast_cancer, "classification"),
                    "wine": (datasets.load_wine, "classification"),
                    "digits": (datasets.load_digits, "classification")}[name]
    bunch = loader(as_frame=True)
    frame = bunch.frame.rename(columns=_safe)
    if task == "classification":
        frame["target"] = frame["target"].astype(np.int64)
    return Dataset(name, task, "target", frame, f"sklearn.datasets.load_{name}")


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


_TAXI = {"tlc_fare": ("tlc", "regression", "fareAmount"),
         "tlc_tipped": ("tlc", "classification", "tipped"),
         "synth_fare": ("synth", "regression", "fareAmount"),
         "synth_tipped": ("synth", "classification", "tipped")}
ALL = list(_TAXI) + ["diabetes", "breast_cancer", "wine", "digits"]


def load(name: str, spark, cache: dict) -> Dataset:
    """Dataset ``name``; taxi tables are built once per kind and kept in ``cache``."""
    if name not in _TAXI:
        return _sklearn(name)
    kind, task, target = _TAXI[name]
    if kind not in cache:
        cache[kind] = _taxi_table(spark, kind)
    frame, info = cache[kind]
    frame = frame.copy()
    if task == "classification":
        frame[target] = frame[target].astype(np.int64)
    source = f"{info['source']}: {TLC_SAMPLE.name}" if kind == "tlc" else \
        f"synthetic, {SYNTH_RAW_ROWS} raw rows"
    return Dataset(name, task, target, frame, source)


def split(dataset: Dataset, seed: int):
    """Seeded train/test split (stratified for classification), index reset."""
    from sklearn.model_selection import train_test_split
    y = dataset.frame[dataset.target]
    stratify = y if dataset.task == "classification" else None
    train, test = train_test_split(dataset.frame, test_size=TEST_SIZE, random_state=seed,
                                   stratify=stratify)
    return train.reset_index(drop=True), test.reset_index(drop=True)
