"""The test tiers themselves: the fast tier really starts no Spark session and no kernel."""
from __future__ import annotations

import pytest

from tiers import FAST_TIER_ERROR, fast_tier


def test_the_fast_tier_refuses_to_start_spark_or_a_kernel():
    if not fast_tier():
        pytest.skip("checks the guards of `make test-fast` (SYNHELPERS_TEST_TIER=fast)")
    from synhelpers.runtime import get_spark
    with pytest.raises(RuntimeError, match="starts no Spark session"):
        get_spark()
    from jupyter_client.manager import KernelManager
    with pytest.raises(RuntimeError) as err:
        KernelManager(kernel_name="python3").start_kernel()
    assert str(err.value) == FAST_TIER_ERROR
