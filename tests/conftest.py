"""The suite runs on the HTTP transport of a plain install, aiohttp.

The dev venv has wreq (``coinrelay[fast]``, for its own tests), so ``[relay] transport =
"auto"`` (the default) would pick it everywhere: here ``"auto"`` means aiohttp, while a
transport named in the settings or by ``COINRELAY_RELAY__TRANSPORT`` is used as given.
``make test-fast`` sets that variable to ``wreq`` and runs the chaos suite (and the failover
and hedging tests) on the fast transport; ``tests/test_transport.py`` runs every transport
explicitly.
"""

from __future__ import annotations

import pytest

import coinrelay._transport


@pytest.fixture(autouse=True)
def _auto_transport_is_aiohttp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coinrelay._transport, "auto_transport", lambda: "aiohttp")
