"""The scoring wizard of dedicated SQL pools ("Predict with a model"; Microsoft Learn:
"Machine learning model scoring wizard for dedicated SQL pools").

Given a registered ONNX model and a pool table, the wizard checks the PREDICT contract (every
mismatch at once), copies the model into the wizard's model table, generates the stored procedure
(a CTE of CASTs, then ``SELECT * FROM PREDICT(...) WITH (...)``), runs it, and can write the
scores into a results table. The same generator writes the workspace's ``Score_NYC_Taxi`` script.

Modules, one concept each:

- :mod:`.model_io`: a model's ``name:version`` and ONNX IO (read from the graph, or declared);
- :mod:`.objects`: object names from parameters, refused or quoted (pure);
- :mod:`.contract`: the PREDICT contract check and its report (pure);
- :mod:`.script`: the T-SQL, from ``sqlpool/templates/*.sql`` (pure);
- :mod:`.registered`: the registered model's IO, bytes and metadata (MLflow);
- :mod:`.run`: the steps on a pool (plan, deploy, execute, results) and the saved .sql file;
- :mod:`.tutorial`: the sqlscript artifact of the tutorial's model (pure, for the build).

Importing this package imports neither MLflow, DuckDB, onnx nor onnxruntime.
"""
from __future__ import annotations

from .contract import (ContractIssue, ContractReport, InputMapping, OutputColumn,
                       ScoringContractError, check_contract)
from .model_io import TUTORIAL_MODEL_IO, TUTORIAL_TABLE_COLUMNS, ModelIO, describe_onnx
from .objects import SqlObject, parse_object
from .registered import RegisteredModel, latest_model_name, load_registered_model
from .run import (Deployment, ScoredRows, ScoringPlan, deploy, execute_procedure, plan_scoring,
                  run_scoring_wizard, save_script, scoring_summary, table_columns, write_results)
from .script import ModelRow, WizardNames, procedure_script, scoring_script
from .tutorial import tutorial_scoring_script

__all__ = ["ContractIssue", "ContractReport", "InputMapping", "OutputColumn",
           "ScoringContractError", "check_contract", "TUTORIAL_MODEL_IO", "TUTORIAL_TABLE_COLUMNS",
           "ModelIO", "describe_onnx", "SqlObject", "parse_object", "RegisteredModel",
           "latest_model_name", "load_registered_model", "Deployment", "ScoredRows", "ScoringPlan",
           "deploy", "execute_procedure", "plan_scoring", "run_scoring_wizard", "save_script",
           "scoring_summary", "table_columns", "write_results", "ModelRow", "WizardNames",
           "procedure_script", "scoring_script", "tutorial_scoring_script"]
