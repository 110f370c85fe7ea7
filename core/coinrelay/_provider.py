"""What a provider plugin declares about itself (returned by its ``provider_info`` hook)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._categories import ALL


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A provider's request budget (a *quota domain*), shared by all its endpoints.

    :param limit: units (requests, or weight) allowed per ``period``.
    :param period: window length in seconds.
    :param aligned: the provider counts in clock-aligned windows (Binance's minute):
        the budget resets at each multiple of ``period`` since the epoch. Otherwise the
        window slides.
    :param unit: ``"requests"`` or ``"weight"`` (a call passes its weight to the HTTP helper).
    :param usage_header: a response header that reports the units used in the current
        window (Binance: ``x-mbx-used-weight-1m``); read to correct the local count.
    :param headroom: fraction of ``limit`` kept unused for safety (0.0–0.5).
    """

    limit: int
    period: float
    aligned: bool = False
    unit: str = "requests"
    usage_header: str | None = None
    headroom: float = 0.0

    def __post_init__(self) -> None:
        if self.limit <= 0 or self.period <= 0:
            raise ValueError("rate limit needs a positive limit and period")
        if not 0.0 <= self.headroom <= 0.5:
            raise ValueError("headroom must be between 0.0 and 0.5")

    @property
    def effective_limit(self) -> int:
        """The limit less the headroom: what coinrelay lets itself spend per window."""
        return max(1, int(self.limit * (1.0 - self.headroom)))


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """A provider's description.

    :param name: the provider's name, equal to its entry-point name (``binance``).
    :param categories: the categories it serves (each needs a ``fetch_<category>`` hookimpl).
    :param endpoints: default base URLs (mirrors), tried in order; config ``endpoints`` overrides.
    :param priority: default priority; lower is tried first when no chain is configured.
    :param credentials: config keys that hold secrets (``api_key``); masked everywhere.
    :param requires_credentials: the provider cannot work without them (skipped when absent).
    :param rate_limit: its request budget, or ``None`` when it publishes none.
    :param description: one line for ``coinrelay plugins`` and the dashboard.
    :param homepage: the API's documentation URL.
    :param relays: the provider is another coinrelay deployment (like ``render``): the core
        skips it once a request has passed through ``[relay] max_hops`` deployments, and the
        plugin forwards ``ctx.next_hops`` in the ``x-coinrelay-hops`` header.
    :param symbol_ids: canonical ticker -> this provider's id for it (``{"BTC": "bitcoin"}``),
        the plugin's own curated table. The core's name resolver (``relay.resolve``) reads
        it, so ``resolve("bitcoin")`` and ``resolve("btc-bitcoin")`` find ``BTC``; config
        ``providers.<name>.symbols`` adds to it. Leave empty when ids are tickers or pairs.
    """

    name: str
    categories: tuple[str, ...]
    endpoints: tuple[str, ...] = ()
    priority: int = 100
    credentials: tuple[str, ...] = ()
    requires_credentials: bool = False
    rate_limit: RateLimit | None = None
    description: str = ""
    homepage: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
    relays: bool = False
    symbol_ids: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = [c for c in self.categories if c not in ALL]
        if unknown:
            raise ValueError(f"provider {self.name!r} declares unknown categories {unknown}; allowed: {list(ALL)}")
        for url in self.endpoints:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"provider {self.name!r}: endpoint {url!r} is not an http(s) URL")
