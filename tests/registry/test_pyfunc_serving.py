"""``mlflow models serve`` on a registered model: the pyfunc scoring server started for real
(``--env-manager local``, a free port), JSON ``dataframe_split`` requests of held-out rows (their
own index, columns in any order, nulls), answers equal to onnxruntime on the same rows."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

from synhelpers._compat import mlflow_has_scoring_server, mlflow_major

from .test_pyfunc import TASKS

SERVER_MODULE = "uvicorn" if mlflow_major() >= 3 else "gunicorn"


def _server_missing() -> str:
    from synhelpers._compat import has_module
    if not mlflow_has_scoring_server() or not has_module(SERVER_MODULE):
        return (f"mlflow models serve starts {SERVER_MODULE}, which this profile lacks, as the "
                "Synapse 3.5 pool does (mlflow-skinny 2.18): the pool never serves models, it "
                "scores with PREDICT and Spark")
    return ""


pytestmark = pytest.mark.skipif(bool(_server_missing()), reason=_server_missing())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(url: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


class Server:
    """``mlflow models serve -m <uri>`` in its own process group, stopped by its id."""

    def __init__(self, uri: str, log_path):
        from synhelpers.registry import tracking_uri
        self.port = free_port()
        env = {**os.environ, "MLFLOW_TRACKING_URI": tracking_uri(),   # as in an activated venv
               "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]),
               "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "models", "serve", "-m", uri, "--env-manager",
             "local", "-h", "127.0.0.1", "-p", str(self.port), "-w", "1"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait(self, timeout: float = 180) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited with {self.proc.returncode}: "
                                     f"{open(self.log.name, errors='replace').read()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/ping", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.5)
        raise AssertionError("the server did not answer /ping in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        self.log.close()


def split_payload(frame) -> dict:
    """A ``dataframe_split`` request: columns, the frame's own index, rows (NaN as null)."""
    return {"dataframe_split": json.loads(frame.to_json(orient="split"))}


@pytest.mark.parametrize("task", TASKS)
def test_the_scoring_server_answers_held_out_rows_like_onnxruntime(models, split, task,
                                                                   tmp_path):
    registered = models[task]
    held = split[1]
    server = Server(registered.uri, tmp_path / "server.log")
    try:
        server.wait()
        frames = {"held-out": held,
                  "filtered, reordered": held[held.payment == 1][list(reversed(held.columns))],
                  "inputs only": held[[i.name for i in registered.model.inputs]].head(25)}
        for name, frame in frames.items():
            status, answer = post(f"{server.url}/invocations", split_payload(frame))
            assert status == 200, (name, answer)
            got = [row[registered.output] for row in answer["predictions"]]
            expected = registered.expected(frame)[0].ravel()
            assert len(got) == len(frame), name
            if task == "regression":
                np.testing.assert_allclose(np.asarray(got, dtype=np.float32), expected,
                                           rtol=0, atol=0, err_msg=name)
            else:
                assert got == list(expected), name
        status, answer = post(f"{server.url}/invocations",
                              split_payload(held.drop(columns=["zone"]).head(5)))
        assert status == 400 and "zone" in answer["message"]
    finally:
        server.stop()
    assert server.proc.returncode is not None
