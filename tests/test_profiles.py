"""The library profiles: the environment is the profile it claims to be, and the wheel's base
requirements resolve against the Synapse 3.5 pool's versions without changing one of them."""
from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import distributions

import pytest

from profile_support import (CONSTRAINTS, active_profile, base_requirements, local_pins,
                             normalise, pool_pins)

# installed only in the pool profile, or only by extras a profile does not install
_OPTIONAL = {"pyodbc", "azure-ai-ml"}


def _installed() -> dict[str, str]:
    return {normalise(d.metadata["Name"]): d.version for d in distributions()}


def test_the_environment_has_its_profiles_versions():
    expected = pool_pins() if active_profile() == "synapse" else local_pins()
    installed = _installed()
    wrong = {name: (want, installed.get(name)) for name, want in expected.items()
             if installed.get(name) != want and not (name in _OPTIONAL and name not in installed)}
    assert not wrong, f"{active_profile()} profile: (wanted, installed) {wrong}"
    if active_profile() == "synapse":
        # the pool ships mlflow-skinny; full mlflow (2.18 cannot sit beside pyarrow 19) must not
        # have been pulled in by anything we install
        assert "mlflow" not in installed and installed["mlflow-skinny"] == "2.18.0"
        for library in ("onnxruntime", "flaml", "joblibspark", "optuna", "skl2onnx",
                        "onnxmltools", "sqlglot", "catboost"):   # what our wheel brings
            assert library in installed, library


def _resolve(requirements: list[str], tmp_path) -> subprocess.CompletedProcess:
    """``pip install --dry-run`` of ``requirements`` against the pool's constraints, as a pool
    session installs a workspace package on top of its libraries."""
    report = tmp_path / "report.json"
    return subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
         "--disable-pip-version-check", "--quiet", "--report", str(report),
         "-c", str(CONSTRAINTS), *requirements],
        capture_output=True, text=True, timeout=600)


def _changed_pool_libraries(proc, tmp_path) -> dict:
    """Pool libraries the resolution would install at another version than the pool's."""
    chosen = {normalise(item["metadata"]["name"]): item["metadata"]["version"]
              for item in json.loads((tmp_path / "report.json").read_text())["install"]}
    changed = {n: (v, chosen[n]) for n, v in pool_pins().items() if n in chosen and chosen[n] != v}
    if "mlflow" in chosen:
        changed["mlflow"] = ("mlflow-skinny 2.18.0", chosen["mlflow"])
    return changed


@pytest.mark.slow
@pytest.mark.once        # pip against the pool's pins: the same from either venv
@pytest.mark.parametrize("extra", [[], ["numpy>=2"], ["mlflow>=3"]],
                         ids=["the-wheel", "a-bad-numpy-pin", "full-mlflow"])
def test_base_requirements_resolve_against_the_pool_without_changing_it(extra, tmp_path):
    proc = _resolve(base_requirements() + extra, tmp_path)
    if not extra:
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert _changed_pool_libraries(proc, tmp_path) == {}
        return
    # a deliberately bad pin: pip refuses (the pool's version is a constraint), naming it
    name = extra[0].split(">")[0]
    assert proc.returncode != 0, f"{extra} resolved against the pool's constraints"
    assert name in proc.stderr and "ResolutionImpossible" in proc.stderr, proc.stderr[-2000:]


def test_the_pool_profile_pins_every_pool_library_synhelpers_uses():
    pinned = pool_pins()
    for library in ("pyspark", "numpy", "pandas", "scikit-learn", "scipy", "pyarrow",
                    "mlflow-skinny", "lightgbm", "xgboost", "onnx", "protobuf", "joblib",
                    "matplotlib", "nbformat", "ipykernel", "pyodbc"):
        assert library in pinned, library


@pytest.mark.slow
@pytest.mark.once
def test_the_azureml_extra_resolves_to_the_pools_azure_ai_ml_without_changing_the_pool(tmp_path):
    from profile_support import _requirement_lines, _setup_options
    extra = _requirement_lines(_setup_options()["options.extras_require"]["azureml"])
    proc = _resolve(base_requirements() + extra, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _changed_pool_libraries(proc, tmp_path) == {}
    chosen = {normalise(item["metadata"]["name"]): item["metadata"]["version"]
              for item in json.loads((tmp_path / "report.json").read_text())["install"]}
    assert chosen["azure-ai-ml"] == pool_pins()["azure-ai-ml"] == "1.28.1"
