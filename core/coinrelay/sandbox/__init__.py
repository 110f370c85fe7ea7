"""Sandbox mode: the installed plugins' fake APIs on loopback, each in its provider's real format.

:class:`Sandbox` asks every plugin for its sandbox upstream (hook ``sandbox_upstream``, a
:class:`~coinrelay.plugin.SandboxUpstream`: a handler modelled on the provider's recorded
bodies, its mirrors, path prefix, dummy credentials and 429 body) and starts one
:class:`~coinrelay.testing.FakeUpstream` per mirror. Faults (down, slow, 500, 429, garbage)
are injected per provider or per mirror; providers offering no upstream are blocked. Data
served through a sandbox relay is labelled (``source.sandbox``). The core knows no provider:
a plugin joins ``coinrelay serve --sandbox`` by implementing the hook.
"""

from __future__ import annotations

import warnings
from typing import Any

from .box import Sandbox, SandboxError

__all__ = ["Sandbox", "SandboxError"]


def __getattr__(name: str) -> Any:
    """``UPSTREAMS`` / ``MIRRORS`` (deprecated): what the installed plugins offer, by provider."""
    if name in ("UPSTREAMS", "MIRRORS"):
        warnings.warn(
            f"coinrelay.sandbox.{name} is deprecated: the upstreams come from the installed plugins "
            "(hook sandbox_upstream); use Sandbox().offers",
            DeprecationWarning,
            stacklevel=2,
        )
        offers = Sandbox().offers
        return dict(offers) if name == "UPSTREAMS" else {n: o.mirrors for n, o in offers.items()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
