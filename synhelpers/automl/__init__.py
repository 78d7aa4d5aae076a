"""AutoML: the wizard's form, featurization, FLAML on Spark, reports. Imports nothing heavy."""
from __future__ import annotations

from .config import WizardConfig, make_config
from .evaluate import Evaluation, evaluate_holdout, show_evaluation
from .result import TrainResult, show_report
from .train import train_automl, train_wizard

__all__ = ["WizardConfig", "make_config", "Evaluation", "evaluate_holdout", "show_evaluation", "TrainResult", "show_report", "train_automl",
           "train_wizard"]
