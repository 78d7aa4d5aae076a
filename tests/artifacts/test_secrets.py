"""Secrets stay secret: a pipeline run with a ``securestring`` parameter and a SAS URL as
``path`` (from the CLI, through fixture notebooks and the real notebook 01 on local Spark) writes
neither anywhere -- run folder, output and input notebooks, state directory (MLflow store,
warehouse, metastore, logs), the CLI's output -- while the notebooks receive the real values."""
from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest

from support import FIXTURES, ROOT
from synhelpers.runtime.secrets import Masker, has_sas

WORKSPACE = FIXTURES / "pipelines"
SECRET = "Tr0ub4dor&3-horse'battery\"staple"
SIG = "AbCdEf%2BGhIjKlMnOpQrStUv%3D"
SAS = ("https://127.0.0.1:9/trips/yellow_2019.csv?sv=2022-11-02&ss=b&srt=o&sp=r"
       f"&se=2030-01-01T00:00:00Z&sig={SIG}")
USER_CELLS = [
    "import hashlib, logging, sys\n"
    "from synhelpers.runtime import mssparkutils\n"
    "print('password is', password)\n"
    "print('path is', path, file=sys.stderr)\n"
    "logging.getLogger('secret').warning('logged %s and %s', password, path)\n"
    "display({'text/plain': repr(password), 'text/html': '<b>' + path + '</b>'}, raw=True)",
    "digest = hashlib.sha256((password + '|' + path).encode()).hexdigest()\n"
    "mssparkutils.notebook.exit(digest + ' ' + password)",
]
FAIL_CELLS = ["raise ValueError(f'cannot open {path!r} as {password}')"]


def _notebook(folder, name, parameters, cells):
    doc = json.loads((WORKSPACE / "notebook" / "echo.json").read_text())
    doc["name"] = name
    code = doc["properties"]["cells"][1]
    doc["properties"]["cells"] = [
        {**code, "metadata": {"tags": ["parameters"]}, "source": parameters.splitlines(True)}]
    for source in cells:
        doc["properties"]["cells"].append({**copy.deepcopy(code),
                                           "source": source.splitlines(True)})
    (folder / "notebook" / f"{name}.json").write_text(json.dumps(doc))


def _activity(name, notebook, parameters, depends=(), condition="Succeeded"):
    return {"name": name, "type": "SynapseNotebook",
            "dependsOn": [{"activity": d, "dependencyConditions": [condition]} for d in depends],
            "typeProperties": {"notebook": {"referenceName": notebook,
                                            "type": "NotebookReference"},
                               "parameters": {k: {"value": {"value": v, "type": "Expression"},
                                                  "type": "string"}
                                              for k, v in parameters.items()}}}


def _workspace(tmp_path):
    folder = tmp_path / "ws"
    shutil.copytree(WORKSPACE, folder)
    shutil.copy(ROOT / "workspace_artifacts" / "notebook" / "01_create_nyc_taxi_table.json",
                folder / "notebook")
    _notebook(folder, "secret_user", 'password = ""\npath = ""', USER_CELLS)
    _notebook(folder, "secret_fail", 'password = ""\npath = ""', FAIL_CELLS)
    pw, path = "@pipeline().parameters.password", "@pipeline().parameters.path"
    activities = [
        _activity("Use", "secret_user", {"password": pw, "path": path}),
        _activity("Derived", "echo", {"message": "@concat('pw=', pipeline().parameters.password)"},
                  ["Use"]),
        _activity("Fail", "secret_fail", {"password": pw, "path": path}, ["Derived"]),
        _activity("CreateTable", "01_create_nyc_taxi_table", {"source": "file", "path": path},
                  ["Fail"], "Completed"),
    ]
    doc = {"name": "with_secrets", "properties": {"activities": activities, "parameters": {
        "password": {"type": "securestring"}, "path": {"type": "string", "defaultValue": ""}}}}
    path = folder / "pipeline" / "with_secrets.json"
    path.write_text(json.dumps(doc))
    return path


def _leaks(root, needles):
    """Every (file, needle) where a file under ``root`` holds a needle (bytes, several encodings)."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for needle in needles:
            forms = {needle.encode(), json.dumps(needle)[1:-1].encode(),
                     repr(needle)[1:-1].encode()}
            if any(form in data for form in forms):
                found.append((str(path.relative_to(root)), needle))
    return found


@pytest.mark.slow
def test_a_pipeline_run_writes_the_secret_and_the_sas_signature_nowhere(kernel, tmp_path):
    pipeline = _workspace(tmp_path)
    state, out = tmp_path / "state", tmp_path / "run"
    env = {**os.environ, "SYNHELPERS_STATE_DIR": str(state)}
    cli = subprocess.run([sys.executable, "-m", "synhelpers", "pipeline", "run", str(pipeline),
                          "--param", f"password={SECRET}", "--param", f"path={SAS}",
                          "--out", str(out)], env=env, capture_output=True, text=True,
                         timeout=900, cwd=str(ROOT))
    assert cli.returncode == 1, cli.stderr[-3000:]                 # Fail and CreateTable fail
    needles = [SECRET, SIG, "sig=" + SIG]
    assert _leaks(out, needles) == [] and _leaks(state, needles) == []
    assert not any(n in cli.stdout + cli.stderr for n in needles)
    saved = json.loads((out / "run.json").read_text())
    runs = {a["activity"]: a for a in saved["activities"]}
    # the notebooks received the real values (their digest), which nothing wrote down
    digest = hashlib.sha256(f"{SECRET}|{SAS}".encode()).hexdigest()
    assert runs["Use"]["status"] == "Succeeded" and runs["Use"]["exit_value"] == f"{digest} ***"
    assert saved["parameters"] == {"password": "***",
                                   "path": "https://127.0.0.1:9/trips/yellow_2019.csv?***"}
    assert runs["Use"]["parameters"] == {"password": "***", "path": "***"}
    assert runs["Derived"]["exit_value"] == "***" and runs["Derived"]["status"] == "Succeeded"
    assert runs["Fail"]["error"] == ("Activity 'Fail' failed in notebook 'secret_fail', cell 1: "
                                     "ValueError: cannot open 'https://127.0.0.1:9/trips/"
                                     "yellow_2019.csv?***' as ***")
    assert runs["CreateTable"]["status"] == "Failed" and "?***" in runs["CreateTable"]["error"]
    injected = json.loads((out / "inputs" / "01_Use.ipynb").read_text())["cells"][1]
    assert injected["source"].splitlines()[2:] == [
        "password = secure_parameter('password')  # secure: not written anywhere",
        "path = secure_parameter('path')  # secure: not written anywhere"]
    printed = json.loads((out / "01_Use.ipynb").read_text())["cells"][2]["outputs"]
    streams = {o.get("name"): "".join(o.get("text", "")) for o in printed}
    assert streams["stdout"] == "password is ***\n"
    assert streams["stderr"] == ("path is https://127.0.0.1:9/trips/yellow_2019.csv?***\n"
                                 "logged *** and https://127.0.0.1:9/trips/yellow_2019.csv?***\n")
    assert "Pipeline 'with_secrets': Failed" in cli.stdout and "?***" in cli.stdout


def test_the_masker_hides_secure_values_in_every_form_and_any_sas_signature():
    masker = Masker([SECRET])
    text = (f"a {SECRET} b {SECRET!r} c {json.dumps(SECRET)} d {SAS} e "
            f"sv=2022&sig={SIG}&se=2030 f sig=abc")
    assert masker.text(text) == ("a *** b '***' c \"***\" d https://127.0.0.1:9/trips/"
                                 "yellow_2019.csv?*** e *** f ***")
    assert masker({"k": [SECRET, 1, None], SECRET: "v"}) == {"k": ["***", 1, None], "***": "v"}
    assert has_sas(SAS) and not has_sas("https://host/a?b=1") and not Masker([]).covers("x")
    assert Masker(["abc"]).text("abc") == "abc"                 # too short to mask anywhere
