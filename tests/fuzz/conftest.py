"""Hypothesis for the fuzz suite: derandomized (the same examples every run: CI never flakes), no
example database, no per-example deadline (the machine is shared), bounded per case.

``COINRELAY_FUZZ_EXAMPLES`` raises the bound for a longer local run (e.g. 2000).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "coinrelay-fuzz",
    max_examples=int(os.environ.get("COINRELAY_FUZZ_EXAMPLES", "60")),
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
