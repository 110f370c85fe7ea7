"""Sandbox mode: fake providers on loopback that answer in each provider's real format.

:class:`Sandbox` starts one :class:`~coinrelay.testing.FakeUpstream` per provider (three
for Binance, to show mirrors), modelled on recorded bodies shipped in ``bodies/``, with
values that vary per symbol and unknown symbols answered with the provider's real error.
Faults (down, slow, 500, 429, garbage) are injected per provider or per mirror. Data
served through a sandbox relay is labelled (``source.sandbox``).
"""

from __future__ import annotations

from .box import MIRRORS, UPSTREAMS, Sandbox, SandboxError

__all__ = ["MIRRORS", "UPSTREAMS", "Sandbox", "SandboxError"]
