"""Test helpers for coinrelay and for third-party provider plugins.

* :class:`ProviderHarness` — call one plugin's hooks directly, with a real context;
* :func:`check_provider` / :func:`check_garbage_bodies` / :func:`check_error_bodies` — the
  provider contract (the description, garbage bodies, the provider's own in-band error bodies);
* :func:`check_invariants` — what the core refuses in a result, given the request;
* :func:`check_mutations` — zero wrong values: real bodies mutated field by field and as a
  whole (:mod:`coinrelay.testing.mutations`), served over loopback HTTP to a relay;
* :class:`FakeUpstream` — a real HTTP server on 127.0.0.1 with injectable faults;
* :func:`check_sandbox_upstream` — a plugin's own sandbox upstream serves what the plugin parses;
* :func:`read_json` / :func:`cassette_filters` — fixture bodies as the core decodes them, and
  a ``vcr_config`` that keeps credentials out of cassettes;
* :class:`~coinrelay._clock.FakeClock` — time the tests drive.

The pytest plugin (:mod:`coinrelay.testing.pytest_plugin`, auto-registered) adds the
fixtures ``fake_clock`` and ``upstream``.
"""

from __future__ import annotations

from .._clock import FakeClock
from .contract import (
    GARBAGE_BODIES,
    SAMPLE_PARAMS,
    check_error_bodies,
    check_garbage_bodies,
    check_invariants,
    check_provider,
)
from .files import cassette_filters, read_json
from .harness import ProviderHarness
from .oracle import check_mutations
from .sandbox import check_sandbox_upstream
from .upstream import FakeUpstream, Fault, Reply, Request

__all__ = [
    "GARBAGE_BODIES",
    "SAMPLE_PARAMS",
    "FakeClock",
    "FakeUpstream",
    "Fault",
    "ProviderHarness",
    "Reply",
    "Request",
    "cassette_filters",
    "check_error_bodies",
    "check_garbage_bodies",
    "check_invariants",
    "check_mutations",
    "check_provider",
    "check_sandbox_upstream",
    "read_json",
]
