"""Every error coinrelay raises, drawn once::

    CoinRelayError
    ├── ConfigError                 bad TOML, unknown key, wrong type, unknown provider in a chain
    ├── PluginLoadError             a plugin failed to import (raised only under strict loading)
    ├── InvalidRequest              a bad parameter (names it): unknown interval, bad symbol, limit range
    ├── SymbolNotFound              no provider in the chain serves the symbol            (HTTP 404)
    ├── AllProvidersFailed          every provider failed; carries every attempt          (HTTP 503)
    ├── RelayClosed                 the relay was closed (``aclose()``) and cannot serve any more
    └── ProviderError               one provider's failure; the relay catches these and moves on
        ├── NotSupported            the provider does not serve this category/pair/parameter: no penalty
        │   └── NotFound            the provider does not know the symbol or quote asked for: no penalty
        ├── NotConfigured           the provider lacks what it needs (endpoints, key): skipped, no penalty
        ├── RateLimited             429/418 or local budget spent: provider paused until ``retry_after``
        ├── Forbidden               403/451 (geo-blocked, WAF): provider paused for long, with the reason
        └── TransientError          counts as a breaker failure
            ├── UpstreamTimeout         no answer within the timeout
            ├── UpstreamConnectionError refused, reset, DNS
            ├── UpstreamServerError     HTTP 5xx (and unexpected 4xx)
            └── InvalidResponse         malformed, truncated or wrong-shape body, HTTP-200 error bodies
                └── BadData             a well-formed answer that fails a data-quality check

Messages name the provider, the endpoint and what to do. Foreign exceptions are mapped
once, in :mod:`coinrelay._http`, with ``raise X(...) from exc``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._outcome import Outcome
from ._redact import mask_urls

if TYPE_CHECKING:
    from ._models import Attempt


class CoinRelayError(Exception):
    """Base of every coinrelay error."""


class ConfigError(CoinRelayError):
    """A configuration problem: names where (the file or the environment variable), the key and what is allowed.

    ``str()`` reads ``<where>, key '<key>': <message>; did you mean '<x>'? (allowed: ...)``,
    one line per problem when ``more`` holds further ones. URL passwords never appear in it.

    :param file: the config file the key came from (``None``: the shipped defaults).
    :param key: the dotted key path (``providers.binance.timeout``, ``chains.price[1]``).
    :param allowed: what the key accepts.
    :param env: the environment variable the value came from (named instead of the file).
    :param suggestion: the near miss the user probably meant (``did you mean``).
    :param more: further problems found in the same config.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        key: str | None = None,
        allowed: str | None = None,
        env: str | None = None,
        suggestion: str | None = None,
        more: Sequence[ConfigError] = (),
    ) -> None:
        self.message = message
        self.file = file
        self.key = key
        self.allowed = allowed
        self.env = env
        self.suggestion = suggestion
        self.more = list(more)
        where = f"environment variable {env}" if env else f"{file or '<defaults>'}"
        parts = [where]
        if key:
            parts.append(f"key {key!r}")
        text = ": ".join([", ".join(parts), message])
        if suggestion:
            text += f"; did you mean {suggestion!r}?"
        if allowed:
            text += f" (allowed: {allowed})"
        self.line = mask_urls(text)
        lines = [self.line, *(f"  also {other.line}" for other in self.more)]
        super().__init__("\n".join(lines))


class PluginLoadError(CoinRelayError):
    """A plugin could not be imported or registered."""


class InvalidRequest(CoinRelayError):
    """A request parameter is invalid. ``param`` names it."""

    def __init__(self, param: str, message: str) -> None:
        self.param = param
        super().__init__(f"invalid {param!r}: {message}")


class SymbolNotFound(CoinRelayError):
    """No provider in the chain serves the requested symbol."""

    def __init__(self, category: str, what: str, attempts: Sequence[Attempt] = ()) -> None:
        self.category = category
        self.what = what
        self.attempts = list(attempts)
        tried = ", ".join(a.provider for a in self.attempts) or "no provider"
        super().__init__(f"{category}: no provider serves {what} (tried {tried})")


class AllProvidersFailed(CoinRelayError):
    """Every provider in the chain failed. ``attempts`` is the whole trail."""

    def __init__(self, category: str, attempts: Sequence[Attempt], *, reason: str | None = None) -> None:
        self.category = category
        self.attempts = list(attempts)
        self.reason = reason
        trail = "; ".join(
            f"{a.provider}{'@' + a.endpoint if a.endpoint else ''}: {a.outcome}" + (f" ({a.error})" if a.error else "")
            for a in self.attempts
        )
        head = f"{category}: every provider failed"
        if reason:
            head += f" ({reason})"
        super().__init__(f"{head}: {trail or 'no provider available'}")


class RelayClosed(CoinRelayError, RuntimeError):
    """The relay was closed (:meth:`~coinrelay.Relay.aclose`): build a new one."""


class ProviderError(CoinRelayError):
    """A failure of one provider (and possibly one of its endpoints)."""

    #: The outcome recorded in the failover trail.
    outcome: Outcome = Outcome.FAILED

    def __init__(self, message: str, *, provider: str | None = None, endpoint: str | None = None) -> None:
        self.message = message
        self.provider = provider
        self.endpoint = endpoint
        super().__init__(message)

    def __str__(self) -> str:
        where = self.provider or "provider"
        if self.endpoint:
            where += f" @ {self.endpoint}"
        return f"{where}: {self.message}"


class NotSupported(ProviderError):
    """The provider does not serve this symbol, pair or parameter. Not a failure."""

    outcome = Outcome.UNSUPPORTED


class NotFound(NotSupported):
    """The provider does not know the symbol or quote asked for (its "unknown symbol" answer).

    Raise it rather than :class:`InvalidResponse` when the body is well-formed but lacks the
    requested coin or quote: that is the caller's question, not the endpoint's fault. When
    every provider says so, the call raises :class:`SymbolNotFound` (HTTP 404).
    """

    outcome = Outcome.NOT_FOUND


class NotConfigured(ProviderError):
    """The provider is missing what it needs (endpoints, an API key). Skipped, not a failure."""

    outcome = Outcome.SKIPPED


class RateLimited(ProviderError):
    """The provider refused (429), banned us (418), or our own budget for it is spent.

    ``retry_after`` is in seconds; ``banned`` is true for an IP ban (Binance 418);
    ``local`` is true when coinrelay refused the call itself before sending it.
    """

    outcome = Outcome.RATE_LIMITED

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        endpoint: str | None = None,
        retry_after: float | None = None,
        banned: bool = False,
        local: bool = False,
    ) -> None:
        super().__init__(message, provider=provider, endpoint=endpoint)
        self.retry_after = retry_after
        self.banned = banned
        self.local = local


class Forbidden(ProviderError):
    """HTTP 403/451: blocked by location or firewall. The provider is paused for long."""

    outcome = Outcome.FORBIDDEN

    def __init__(
        self, message: str, *, provider: str | None = None, endpoint: str | None = None, status: int = 403
    ) -> None:
        super().__init__(message, provider=provider, endpoint=endpoint)
        self.status = status


class TransientError(ProviderError):
    """A failure that counts against the provider's breaker."""


class UpstreamTimeout(TransientError):
    outcome = Outcome.FAILED


class UpstreamConnectionError(TransientError):
    pass


class UpstreamServerError(TransientError):
    def __init__(
        self, message: str, *, provider: str | None = None, endpoint: str | None = None, status: int = 500
    ) -> None:
        super().__init__(message, provider=provider, endpoint=endpoint)
        self.status = status


class InvalidResponse(TransientError):
    """The body is not what the provider's API returns: malformed, truncated, wrong shape, an error in a 200."""

    outcome = Outcome.INVALID


class BadData(InvalidResponse):
    """A well-formed answer that fails a data-quality check (stale, empty, off the consensus)."""
