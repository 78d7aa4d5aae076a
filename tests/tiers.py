"""The test tiers (applied by conftest.py). Imported as ``tiers``."""
from __future__ import annotations

import os

# Tiers, here and nowhere else. Markers follow from fixtures: a test that uses Spark is `spark`,
# one that starts a notebook kernel is `notebooks`; AutoML runs over ~10 s are marked `slow` in
# their module, and `once` (CI runs it in the pool profile only; see setup.cfg) likewise.
# SYNHELPERS_TEST_TIER=fast (`make test-fast`) runs the rest, and there any Spark
# session or kernel a test starts is an error (so a missing marker shows at once).
MARKERS_BY_FIXTURE = {"spark": "spark", "kernel": "notebooks"}
FAST_TIER = "not spark and not notebooks and not slow"
FAST_TIER_ERROR = ("The fast tier starts no Spark session and no notebook kernel: give this test "
                   "the `spark` or `kernel` fixture (or mark it slow).")


def fast_tier() -> bool:
    return os.environ.get("SYNHELPERS_TEST_TIER", "").lower() == "fast"


def forbid_spark_and_kernels() -> None:
    import pyspark.context
    from jupyter_client.manager import KernelManager

    def no_gateway(*args, **kwargs):
        raise RuntimeError(FAST_TIER_ERROR)

    async def no_kernel(self, *args, **kwargs):
        raise RuntimeError(FAST_TIER_ERROR)

    pyspark.context.launch_gateway = no_gateway
    KernelManager._async_launch_kernel = no_kernel
    os.environ["SPARK_HOME"] = "/nonexistent/the-fast-tier-starts-no-spark"   # child processes
