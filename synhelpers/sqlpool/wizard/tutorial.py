"""The Score_NYC_Taxi sqlscript: the wizard's script for the tutorial's model, at build time (pure).

No registered model exists when the workspace artifacts are built, so the script is generated from
the tutorial model's *declared* IO (:data:`~.model_io.TUTORIAL_MODEL_IO`: ``fareAmount`` predicted
from the six other columns, output ``variable_out1``) and the pool table notebook 03 loads
(:data:`~.model_io.TUTORIAL_TABLE_COLUMNS`), through the same contract check and generator the
wizard runs on a real model. The object names come from the pipeline's parameter defaults. The
model row is not in this script (no bytes at build time): notebook 04 deploys it.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from .contract import check_contract
from .model_io import TUTORIAL_MODEL_IO, TUTORIAL_MODEL_NAME, TUTORIAL_TABLE_COLUMNS
from .objects import parse_object
from .script import WizardNames, scoring_script

DEFAULT_NAMES = {"sql_table": "dbo.NYC_Taxi", "procedure_name": "dbo.nyc_taxi_procedure",
                 "model_table": "dbo.aml_models"}


def tutorial_scoring_script(defaults: Mapping[str, Any] | None = None) -> str:
    """The scoring script of the tutorial model, named after the pipeline ``defaults``.

    Keys read: ``sql_table``, ``procedure_name``, ``model_table``, ``model_name`` (an empty
    ``model_name`` means the tutorial's ``nyc_taxi_fare_predict``); the model version is 1.
    Usable as :attr:`synhelpers.artifacts.spec.SqlScriptSpec.query`.

    Raises:
        ConfigError: a name in ``defaults`` is not a valid object name.
    """
    defaults = dict(defaults or {})
    value = {k: str(defaults.get(k) or v) for k, v in DEFAULT_NAMES.items()}
    names = WizardNames(table=parse_object(value["sql_table"], "sql_table"),
                        procedure=parse_object(value["procedure_name"], "procedure_name"),
                        model_table=parse_object(value["model_table"], "model_table"))
    model = replace(TUTORIAL_MODEL_IO, name=str(defaults.get("model_name") or TUTORIAL_MODEL_NAME))
    report = check_contract(model, list(TUTORIAL_TABLE_COLUMNS), str(names.table))
    return scoring_script(report, names)
