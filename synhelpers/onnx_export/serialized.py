"""A serialized ONNX graph, however it arrives (pure)."""
from __future__ import annotations


def as_bytes(blob) -> bytes:
    """``bytes`` of a serialized graph. Spark's BinaryType and DuckDB's BLOB arrive as
    ``bytearray``/``memoryview``, which protobuf 4 (the Synapse 3.5 pool's) refuses in
    ``onnx.load_from_string`` ("Parameter 'serialized' must be bytes")."""
    return blob if isinstance(blob, bytes) else bytes(blob)


def load_graph(blob):
    """The ``onnx.ModelProto`` of serialized bytes (``bytes``, ``bytearray`` or ``memoryview``)."""
    import onnx
    return onnx.load_from_string(as_bytes(blob))
