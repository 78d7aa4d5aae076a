"""Every model the benchmark registers, scored once more the way the tutorial scores it: the test
split loaded into the local dedicated SQL pool with the connector, the scoring wizard's stored
procedure (T-SQL ``PREDICT(... RUNTIME = ONNX)``) run there, its scores compared row by row with
the registered ONNX graph's (outside the timed part of the method): ``variable_out1`` for
regression, ``output_label`` for classification (PREDICT returns one value per column, so the
wizard leaves the per-class probabilities out)."""
from __future__ import annotations

import tempfile

import numpy as np

POOL = "benchpool"
TABLE, KEY = "dbo.bench_test", "bench_row"


def predict_in_pool(spark, dataset, test, model_name: str, model_version: int,
                    onnx_outputs: dict) -> dict:
    """``onnx_outputs``: ``{"prediction"}`` (regression) or ``{"label"}`` (classification), in
    ``test``'s row order. Returns ``{"passed", "rows", "max_abs_diff" | "label_mismatches"}``."""
    from synhelpers.sqlpool.connector_local import write_table
    from synhelpers.sqlpool.wizard.run import deploy, execute_procedure, plan_scoring
    frame = test[dataset.features].copy()
    for column in frame.columns:     # what the scoring wizard tells a user to derive: PREDICT
        if frame[column].dtype.kind == "M":   # takes no date/time column (epoch seconds) and no
            frame[column] = frame[column].astype("datetime64[s]").astype(np.int64)
        elif frame[column].dtype == object:   # NULL text (ISNULL(c, ''), what the model reads)
            frame[column] = frame[column].where(frame[column].notna(), "")
    frame[KEY] = np.arange(len(frame), dtype=np.int64)
    write_table(spark.createDataFrame(frame), f"{POOL}.{TABLE}", "overwrite")
    plan = plan_scoring(POOL, TABLE, model_name, model_version, key_columns=KEY,
                        procedure_name="dbo.bench_procedure", model_table="dbo.bench_models")
    with tempfile.TemporaryDirectory(prefix="bench-predict-") as scripts:
        deploy(plan, scripts)
    scored = execute_procedure(plan, max_rows=len(frame) + 1).scores.to_pandas()
    scored = scored.sort_values(KEY).reset_index(drop=True)
    result = {"rows": int(len(scored))}
    if dataset.task == "regression":
        expected = np.asarray(onnx_outputs["prediction"], dtype=float).ravel()
        diff = np.abs(scored["variable_out1"].to_numpy(dtype=float) - expected)
        result["max_abs_diff"] = float(diff.max()) if len(diff) else 0.0
        result["passed"] = bool(len(scored) == len(expected) and result["max_abs_diff"] <= 1e-5)
    else:
        expected = np.asarray(onnx_outputs["label"]).ravel()
        got = scored["output_label"].to_numpy()
        result["label_mismatches"] = int((got.astype(str) != expected.astype(str)).sum())
        result["passed"] = bool(len(scored) == len(expected) and result["label_mismatches"] == 0)
    return result
