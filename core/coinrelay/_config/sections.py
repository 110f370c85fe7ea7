"""The settings of each table of ``coinrelay.toml``: ``[breaker]``, ``[providers.<name>]``, ``[cache]``...

One model per table, with its keys, defaults and limits; :class:`~coinrelay._config.settings.Settings`
holds them all. Every table refuses unknown keys, non-finite numbers and non-boolean flags
(:class:`_Section`); what a refusal reads as is :mod:`.messages`' work.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .._breaker import BreakerPolicy
from .._categories import ALL
from .._redact import mask_url
from .rules import bool_fields, check_secret_length, extras_are_bools, not_a_bool, seconds_by_category

#: Every table refuses unknown keys and non-finite numbers (``inf``, ``nan``).
_Strict = ConfigDict(extra="forbid", allow_inf_nan=False)


class _Section(BaseModel):
    """A config table: unknown keys, non-finite numbers and non-boolean flags are refused.

    Booleans are strict: TOML's ``true``/``false`` only (``enabled = "no"`` is an error, not
    ``False``). Environment variables are text, so their ``true``/``false``/``1``/``0``
    (and ``yes``/``no``/``on``/``off``) are turned into booleans before validation
    (:class:`~coinrelay._config.env.EnvSource`).
    """

    model_config = _Strict

    @field_validator("*", mode="before")
    @classmethod
    def _strict_bools(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name in bool_fields(cls) and value is not None and not isinstance(value, bool):
            raise not_a_bool(value)
        return value

    @model_validator(mode="before")
    @classmethod
    def _strict_bool_extras(cls, data: Any) -> Any:
        """Extra keys declared as booleans (``[hedging]``'s per-category switches) are strict too."""
        if isinstance(data, dict) and extras_are_bools(cls):
            for key, value in data.items():
                if key not in cls.model_fields and not isinstance(value, bool):
                    raise not_a_bool(value, where=str(key))
        return data


class BreakerSettings(_Section, BreakerPolicy):
    """``[breaker]``, and ``[providers.<name>.breaker]`` (there only the keys given override).

    The fields, defaults and limits are :class:`~coinrelay._breaker.BreakerPolicy`'s.
    """

    model_config = ConfigDict(frozen=False)


class RateLimitSettings(_Section):
    """``[providers.<name>.rate_limit]``: overrides keys of the plugin's declared budget.

    A key left out keeps the plugin's value (so overriding ``limit`` alone keeps Binance's
    clock-aligned minute); a provider that declares no budget needs ``limit`` here.
    """

    model_config = _Strict
    limit: int | None = Field(None, gt=0)
    period: float | None = Field(None, gt=0)
    aligned: bool | None = None
    headroom: float | None = Field(None, ge=0.0, le=0.5)


class ProviderSettings(_Section):
    """``[providers.<name>]``. Keys beyond these are the plugin's own options."""

    model_config = ConfigDict(extra="allow")
    enabled: bool = True
    priority: int | None = None
    endpoints: list[str] | None = None
    timeout: float = Field(5.0, gt=0)
    api_key: SecretStr | None = None
    breaker: BreakerSettings | None = None
    rate_limit: RateLimitSettings | None = None
    #: canonical symbol -> provider id
    symbols: dict[str, str] = Field(default_factory=dict)
    #: canonical quote -> provider quote (``USD = "USDT"``)
    quotes: dict[str, str] = Field(default_factory=dict)

    @field_serializer("breaker")
    def _overrides_only(self, over: BreakerSettings | None) -> dict[str, Any] | None:
        """Only the keys this provider overrides (the rest come from ``[breaker]``), so a dump round-trips."""
        return None if over is None else over.model_dump(include=over.model_fields_set)

    @field_validator("api_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            check_secret_length(value.get_secret_value())
        return value

    @field_validator("endpoints")
    @classmethod
    def _urls(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        out = []
        for url in value:
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise ValueError(f"{mask_url(str(url))!r} is not an http(s) URL")
            out.append(url.rstrip("/"))
        return out

    def options(self) -> dict[str, Any]:
        """The plugin-specific keys."""
        return dict(self.model_extra or {})


class CacheSettings(_Section):
    """``[cache]``: fresh TTL and stale-if-error maximum age, per category (seconds)."""

    model_config = _Strict
    enabled: bool = True
    ttl: dict[str, float] = Field(default_factory=dict)
    max_stale: dict[str, float] = Field(default_factory=dict)
    stale_while_revalidate: bool = False
    max_entries: int = Field(10_000, ge=1)

    @field_validator("ttl", "max_stale")
    @classmethod
    def _categories(cls, value: dict[str, float]) -> dict[str, float]:
        return seconds_by_category(value, zero=True)


class HedgingSettings(_Section):
    """``[hedging]``: hedged requests, opt-in per category (``price = true``).

    When the provider asked first has not answered after ``delay`` (seconds, or ``"p95"``:
    its observed p95 latency for the category), the next candidate is asked in parallel;
    the first good answer wins and the other is cancelled. ``budget`` hedges are earned
    per call (token-style, at most ``burst`` saved up), so hedges stay under that share.

    The per-category switches are one key per registered category (``false`` when not set;
    ``settings.hedging.price`` reads one), checked against the category registry.
    """

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, bool] = Field(init=False)  # the per-category switches
    delay: float | Literal["p95"] = "p95"
    #: Delay used with ``delay = "p95"`` until 5 latencies are known (seconds).
    fallback_delay: float = Field(0.5, gt=0)
    #: Lower bound of a p95 delay (seconds): never hedge faster than this.
    min_delay: float = Field(0.01, ge=0)
    budget: float = Field(0.1, ge=0.0, le=1.0)
    burst: int = Field(10, ge=1)

    @field_validator("delay")
    @classmethod
    def _delay(cls, value: float | str) -> float | str:
        if not isinstance(value, str) and value <= 0:
            raise ValueError('delay must be > 0 seconds or "p95"')
        return value

    @model_validator(mode="before")
    @classmethod
    def _switches(cls, data: Any) -> Any:
        """Every registered category gets its switch (``False`` unless set); any other key is refused."""
        if not isinstance(data, dict):
            return data
        unknown = sorted(k for k in data if k not in cls.model_fields and k not in ALL)
        if unknown:
            allowed = ", ".join([*ALL, *cls.model_fields])
            raise ValueError(f"unknown key {unknown[0]!r}; allowed: {allowed}")
        return {**dict.fromkeys(ALL, False), **data}

    def categories(self) -> frozenset[str]:
        """The categories with hedging on."""
        extra = self.__pydantic_extra__ or {}
        return frozenset(c for c in ALL if extra.get(c))


class QualitySettings(_Section):
    """``[quality]``: well-formed but wrong answers count as the provider's failure (``BadData``)."""

    model_config = _Strict
    #: Reject empty answers (no candles, no order-book levels, price <= 0).
    enabled: bool = True
    #: Per category: the provider's own timestamp may be at most this old (seconds).
    max_age: dict[str, float] = Field(default_factory=dict)
    #: Compare each price with the median of other providers' recent prices.
    consensus_check: bool = False
    #: Largest deviation from the median, in percent, before a price is rejected.
    max_deviation_pct: float = Field(5.0, gt=0)
    #: Seconds a provider's good price stays a reference for the consensus check.
    reference_age: float = Field(30.0, gt=0)
    #: Quotes of one equivalence group (USD, USDT, USDC, ...: :mod:`coinrelay._quotes`) compare
    #: as one currency within this deviation, in percent; ``0`` compares only identical quotes.
    quote_tolerance_pct: float = Field(1.0, ge=0.0, le=50.0)

    @field_validator("max_age")
    @classmethod
    def _categories(cls, value: dict[str, float]) -> dict[str, float]:
        return seconds_by_category(value, zero=False)


class ConsensusSettings(_Section):
    """``[consensus]``: price from several providers at once, the median returned."""

    model_config = _Strict
    #: Every ``relay.price`` call is a consensus call (else only ``consensus=True`` calls).
    enabled: bool = False
    #: Agreeing answers needed; fewer is a failure (stale-if-error applies).
    min_providers: int = Field(2, ge=2)


class RetryBudgetSettings(_Section):
    """``[retry_budget]``: failovers and hedges per first attempt, over a sliding window."""

    model_config = _Strict
    enabled: bool = True
    #: Extra attempts allowed per first attempt in the window.
    ratio: float = Field(0.2, ge=0.0)
    #: Extra attempts always allowed per second, whatever the traffic.
    min_per_second: float = Field(10.0, ge=0.0)
    #: Window length in seconds.
    window: float = Field(10.0, gt=0)


class RelaySettings(_Section):
    """``[relay]``: call-wide behaviour."""

    model_config = _Strict
    #: Seconds a whole call (every provider tried) may take.
    deadline: float = Field(15.0, gt=0)
    #: Max coinrelay deployments a request may pass through (render loop guard).
    max_hops: int = Field(2, ge=1)
    #: HTTP client under ``ctx.http``: ``wreq`` (``pip install 'coinrelay[fast]'``, the fastest),
    #: ``aiohttp`` or ``httpx``; ``auto`` is ``wreq`` when it is installed, else ``aiohttp``.
    transport: Literal["auto", "aiohttp", "httpx", "wreq"] = "auto"


class StateSettings(_Section):
    """``[state]``: where breaker, health, budget and cache state lives."""

    model_config = _Strict
    backend: Literal["memory", "redis"] = "memory"
    url: str | None = None
    prefix: str = "coinrelay"

    @model_validator(mode="after")
    def _redis_needs_url(self) -> Self:
        if self.backend == "redis" and not self.url:
            raise PydanticCustomError(
                "missing_url",
                'backend = "redis" needs url (e.g. "redis://127.0.0.1:6379/0"): '
                "a shared state backend is never guessed",
                {"where": "url", "because": "backend"},
            )
        return self


class ServerSettings(_Section):
    """``[server]``: what ``coinrelay serve`` binds, and how it logs."""

    model_config = _Strict
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    #: The lowest level logged (breaker transitions and failovers are ``info``; openings, pauses
    #: and state-backend outages ``warning``).
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    #: ``text`` (time, level, logger, message) or ``json`` (one object per line, for log shippers).
    log_format: Literal["text", "json"] = "text"


class PluginSettings(_Section):
    """``[plugins]``: ``strict`` makes a plugin that fails to import fatal."""

    model_config = _Strict
    strict: bool = False
    #: Only these plugins load (like ``COINRELAY_LOAD_PLUGINS``); ``None`` = all.
    load: list[str] | None = None
