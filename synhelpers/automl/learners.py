"""Variants of FLAML learners, registered under FLAML's own names (same search spaces).

CatBoost writes a ``train_dir`` into the working directory (a notebook's folder) and FLAML removes
it only after a fit that finishes: a trial cancelled at the deadline leaves it behind. With
``allow_writing_files=False`` CatBoost writes nothing. (A constant in FLAML's ``custom_hp`` would
do the same, but breaks FLAML's parallel search space.) Imported only where flaml may be imported.
"""
from __future__ import annotations

from flaml.automl.model import CatBoostEstimator


class QuietCatBoostEstimator(CatBoostEstimator):
    """FLAML's CatBoost learner that writes no files."""

    def config2params(self, config: dict) -> dict:
        params = super().config2params(config)
        params["allow_writing_files"] = False
        return params
