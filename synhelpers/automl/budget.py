"""The run's time budget: what the search gets, the stated margin, the overrun (pure).

The budget is the whole run's: loading, search, ensemble, conversion, logging and registration.
The search gets what is left after a reserve for the steps after it; a run that ends later than
``budget + margin`` is reported as an overrun.
"""
from __future__ import annotations

import warnings

from ..exceptions import AutoMLError, BudgetWarning

MIN_SEARCH_SECONDS = 5.0


def budget_margin(budget_s: float) -> float:
    """The stated tolerance on the budget: 5 s or 10 %, whichever is larger. A run, final
    ensemble, ONNX conversion, MLflow logging and registration included, ends within
    ``budget + margin`` (every fit of the search and of the ensemble stops at its deadline, see
    :mod:`.learners`; what the margin absorbs is the steps after them running slower than
    planned on a busy machine)."""
    return max(5.0, 0.10 * budget_s)


def post_search_reserve(budget_s: float) -> float:
    """Seconds kept for the steps after the ensemble: held-out scores, conversion and parity,
    reports, registration (2-3 s together on 2 cores; the trials' child runs are written while
    the search runs): 2.5 s + 6 % of the budget, at most 5 minutes."""
    return min(2.5 + 0.06 * budget_s, 300.0)


def search_seconds(budget_s: float, elapsed_s: float, ensemble_share: float,
                   training_hours: float) -> float:
    """The search's own budget: the rest after ``elapsed_s`` and the reserve, less the share
    the final ensemble gets.

    Raises:
        AutoMLError: less than :data:`MIN_SEARCH_SECONDS` would be left (the hours needed named).
    """
    available = budget_s - elapsed_s - post_search_reserve(budget_s)
    search = available * (1 - ensemble_share)
    if search < MIN_SEARCH_SECONDS:
        needed = (budget_s - available + MIN_SEARCH_SECONDS / (1 - ensemble_share)) / 3600
        raise AutoMLError(f"training_hours={training_hours} leaves {search:.1f} s for the search "
                          f"after loading and the final steps: use at least {needed:.4f} hours.")
    return search


def warn_overrun(elapsed_s: float, budget_s: float) -> None:
    """A :class:`BudgetWarning` when the run took longer than its budget plus the margin."""
    margin = budget_margin(budget_s)
    if elapsed_s > budget_s + margin:
        warnings.warn(f"The run took {elapsed_s:.0f} s, over its budget of {budget_s:.0f} s plus "
                      f"the {margin:.0f} s margin.", BudgetWarning, stacklevel=3)
