"""One onnxruntime session per model per Python worker process, reused across batches and tasks.

Spark reuses its Python workers across tasks (``spark.python.worker.reuse``, on by default, also
in Synapse), so a module-level cache keyed by the SHA-256 of the model bytes lives as long as the
worker: the first batch of the first task creates the session, every later batch and task of the
same model finds it. The model bytes are fetched (``fetch()``, e.g. a broadcast's ``.value``) only
on a miss. :func:`sessions_created` counts the sessions this process ever created per model: the
scorers expose it (with the pid) in debug columns, which is how tests prove the reuse.

Threads: one intra-op thread per session by default. Spark already runs one task per core;
more ORT threads per task would oversubscribe the cores (and change float summation order).
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

MAX_SESSIONS = 64          # distinct models kept per process (many-models: one per group)

_sessions: "OrderedDict[tuple, object]" = OrderedDict()
_created: dict[str, int] = {}
_lock = threading.Lock()


def model_key(model_bytes: bytes) -> str:
    """The cache key of a model: the SHA-256 of its bytes (computed once, on the driver)."""
    return hashlib.sha256(bytes(model_bytes)).hexdigest()


def _options(threads: int):
    import onnxruntime as ort
    options = ort.SessionOptions()
    if threads > 0:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return options


def get_session(key: str, fetch, threads: int = 1):
    """The cached session of model ``key``, created from ``fetch()`` (the model bytes) on a miss."""
    cache_key = (key, int(threads))
    with _lock:
        session = _sessions.get(cache_key)
        if session is not None:
            _sessions.move_to_end(cache_key)
            return session
        import onnxruntime as ort
        session = ort.InferenceSession(bytes(fetch()), _options(int(threads)),
                                       providers=["CPUExecutionProvider"])
        _sessions[cache_key] = session
        _created[key] = _created.get(key, 0) + 1
        while len(_sessions) > MAX_SESSIONS:
            _sessions.popitem(last=False)
        return session


def sessions_created(key: str | None = None) -> int:
    """Sessions this process created for model ``key`` (for every model when None)."""
    return _created.get(key, 0) if key is not None else sum(_created.values())


def clear() -> None:
    """Forget every cached session and counter (tests and benchmarks in the driver process)."""
    with _lock:
        _sessions.clear()
        _created.clear()
