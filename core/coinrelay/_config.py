"""Configuration: ``coinrelay.toml`` plus ``COINRELAY_*`` environment overrides.

Found via an explicit path (``--config``), ``COINRELAY_CONFIG``, or ``./coinrelay.toml``;
the shipped defaults (:data:`DEFAULT_CONFIG_PATH`) apply under whatever the file sets.
Environment variables override both, with ``__`` between levels::

    COINRELAY_PROVIDERS__COINGECKO__API_KEY=...   # providers.coingecko.api_key
    COINRELAY_STATE__BACKEND=redis

Every error names the file, the key and what is allowed (:class:`~coinrelay._errors.ConfigError`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ._breaker import BreakerPolicy
from ._categories import ALL, CATEGORIES
from ._config_check import (
    CONFIG_ENV,
    LOAD_PLUGINS_ENV,
    SECRET_NAME,
    EnvSource,
    bool_fields,
    check_chain,
    check_plugin_names,
    check_secret_length,
    combined,
    config_error,
    did_you_mean,
    disabled_in_chains,
    env_origin,
    extras_are_bools,
    short_secret,
    unknown_env,
)
from ._errors import ConfigError
from ._redact import mask_url, mask_urls

if TYPE_CHECKING:
    from ._provider import ProviderInfo

try:
    import tomllib
except ImportError:  # pragma: no cover - Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]

DEFAULT_CONFIG_PATH = Path(__file__).with_name("default_config.toml")
__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG_PATH",
    "LOAD_PLUGINS_ENV",
    "Settings",
    "check_plugin_names",
    "check_provider_options",
    "load_settings",
]

#: Every table refuses unknown keys and non-finite numbers (``inf``, ``nan``).
_Strict = ConfigDict(extra="forbid", allow_inf_nan=False)
#: What a masked secret reads as.
MASK = "**********"


class _Section(BaseModel):
    """A config table: unknown keys, non-finite numbers and non-boolean flags are refused.

    Booleans are strict: TOML's ``true``/``false`` only (``enabled = "no"`` is an error, not
    ``False``). Environment variables are text, so their ``true``/``false``/``1``/``0``
    (and ``yes``/``no``/``on``/``off``) are turned into booleans before validation
    (:class:`~coinrelay._config_check.EnvSource`).
    """

    model_config = _Strict

    @field_validator("*", mode="before")
    @classmethod
    def _strict_bools(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name in bool_fields(cls) and value is not None and not isinstance(value, bool):
            raise PydanticCustomError("bool_type", "expected true or false, got {got}", {"got": repr(value)})
        return value

    @model_validator(mode="before")
    @classmethod
    def _strict_bool_extras(cls, data: Any) -> Any:
        """Extra keys declared as booleans (``[hedging]``'s per-category switches) are strict too."""
        if isinstance(data, dict) and extras_are_bools(cls):
            for key, value in data.items():
                if key not in cls.model_fields and not isinstance(value, bool):
                    raise PydanticCustomError(
                        "bool_type", "expected true or false, got {got}", {"got": repr(value), "where": str(key)}
                    )
        return data


class BreakerSettings(_Section, BreakerPolicy):
    """``[breaker]``, and ``[providers.<name>.breaker]`` (there only the keys given override).

    The fields, defaults and limits are :class:`~coinrelay._breaker.BreakerPolicy`'s.
    """

    model_config = ConfigDict(frozen=False)


#: A provider's ``[providers.<name>.breaker]``: the keys it sets (``model_fields_set``) override ``[breaker]``.
BreakerOverride = BreakerSettings


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
        for key, seconds in value.items():
            if key not in ALL:
                raise ValueError(f"unknown category {key!r}; allowed: {', '.join(ALL)}")
            if seconds < 0:
                raise ValueError(f"{key}: seconds must be >= 0")
        return value


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
        for key, seconds in value.items():
            if key not in ALL:
                raise ValueError(f"unknown category {key!r}; allowed: {', '.join(ALL)}")
            if seconds <= 0:
                raise ValueError(f"{key}: seconds must be > 0")
        return value


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


Tier = str | list[str]
#: One category's chain; its shape is checked per category, so every bad chain is reported at once.
Chain = Annotated[list[Tier], BeforeValidator(check_chain)]


class Settings(BaseSettings):
    """The whole configuration."""

    model_config = SettingsConfigDict(
        env_prefix="COINRELAY_", env_nested_delimiter="__", extra="forbid", case_sensitive=False, allow_inf_nan=False
    )

    providers: dict[str, ProviderSettings] = Field(default_factory=dict)
    breaker: BreakerSettings = Field(default_factory=BreakerSettings)
    chains: dict[str, Chain] = Field(default_factory=dict)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    relay: RelaySettings = Field(default_factory=RelaySettings)
    hedging: HedgingSettings = Field(default_factory=HedgingSettings)
    quality: QualitySettings = Field(default_factory=QualitySettings)
    consensus: ConsensusSettings = Field(default_factory=ConsensusSettings)
    retry_budget: RetryBudgetSettings = Field(default_factory=RetryBudgetSettings)
    state: StateSettings = Field(default_factory=StateSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    plugins: PluginSettings = Field(default_factory=PluginSettings)

    #: The file the settings came from (``None`` = shipped defaults only).
    source_path: str | None = Field(None, exclude=True)
    _strict_chains: set[str] | None = PrivateAttr(default=None)

    @property
    def strict_chains(self) -> set[str] | None:
        """Chains set by the user (checked strictly); ``None`` = every chain is the user's."""
        return self._strict_chains

    @field_validator("chains")
    @classmethod
    def _chains(cls, value: dict[str, list[Tier]]) -> dict[str, list[Tier]]:
        for category, tiers in value.items():
            if category not in ALL:
                raise ValueError(f"unknown category {category!r}; allowed: {', '.join(ALL)}")
            for tier in tiers:
                if isinstance(tier, list) and not tier:
                    raise ValueError(f"{category}: an empty tier []")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment first: it overrides the file (which arrives as init kwargs).
        return (EnvSource(settings_cls), init_settings)

    def provider(self, name: str) -> ProviderSettings:
        """``[providers.<name>]``, or the defaults when the file has none."""
        found = self.providers.get(name)
        return found if found is not None else ProviderSettings()

    def breaker_for(self, name: str) -> BreakerSettings:
        """The breaker settings of provider ``name``: ``[breaker]`` with its overrides."""
        over = self.provider(name).breaker
        if over is None:
            return self.breaker
        return self.breaker.model_copy(update={k: getattr(over, k) for k in over.model_fields_set})

    def ttl(self, category: str) -> float:
        """Seconds a value of ``category`` is fresh: ``[cache.ttl]``, else the category's declared default."""
        found = self.cache.ttl.get(category)
        if found is not None:
            return found
        spec = CATEGORIES.get(category)
        return spec.ttl if spec is not None else 0.0

    def max_stale(self, category: str) -> float:
        """Seconds a value may be served stale: ``[cache.max_stale]``, else the category's declared default."""
        found = self.cache.max_stale.get(category)
        if found is not None:
            return found
        spec = CATEGORIES.get(category)
        return spec.max_stale if spec is not None else 0.0

    def masked(self, credentials: Mapping[str, Iterable[str]] | None = None) -> dict[str, Any]:
        """The effective config as plain data, secrets masked.

        Masked: ``api_key``, any provider option whose name says it is a secret (key, secret,
        token, password, passphrase), and the keys each plugin declares in ``credentials``
        (``{provider: keys}``, from ``ProviderInfo.credentials``).
        """
        data = self.model_dump(mode="json", exclude={"source_path"})
        declared = credentials or {}
        for name, section in data.get("providers", {}).items():
            secret = set(declared.get(name, ()))
            for key, value in section.items():
                if value is not None and (key in secret or SECRET_NAME.search(key)):
                    section[key] = MASK
        masked: dict[str, Any] = _mask_urls_in(data)
        return masked


def _mask_urls_in(value: Any) -> Any:
    """``value`` (plain data) with the password of every URL in it masked (``redis://:***@host``)."""
    if isinstance(value, str):
        return mask_urls(value) if "://" in value else value
    if isinstance(value, dict):
        return {k: _mask_urls_in(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_urls_in(v) for v in value]
    return value


def find_config(path: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file to use: ``path``, ``$COINRELAY_CONFIG``, ``./coinrelay.toml``, or ``None``."""
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError("config file not found", file=str(p))
        return p
    env = os.environ.get(CONFIG_ENV)
    if env:
        p = Path(env)
        if not p.is_file():
            raise ConfigError(f"config file named by {CONFIG_ENV} not found", file=str(p))
        return p
    local = Path.cwd() / "coinrelay.toml"
    return local if local.is_file() else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", file=str(path)) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} on line {line} (offset {exc.start}); "
            "TOML files are UTF-8 (re-save the file as UTF-8)",
            file=str(path),
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(path)) from exc


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "chains":
            out[key] = _merge(out[key], value)
        elif key == "chains" and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def load_settings(path: str | os.PathLike[str] | None = None, *, use_file: bool = True) -> Settings:
    """Read the defaults, then the config file (if any), then the environment.

    :param path: explicit config file; else ``$COINRELAY_CONFIG``, else ``./coinrelay.toml``.
    :param use_file: ``False`` ignores any config file (defaults and environment only).
    :raises ConfigError: naming the file or the environment variable, the key and what is
        allowed — every problem found, the first in the message's first line.
    """
    data = _read_toml(DEFAULT_CONFIG_PATH)
    found = find_config(path) if use_file else None
    file = str(found) if found else None
    user_chains: set[str] = set()
    if found is not None:
        user = _read_toml(found)
        chains = user.get("chains")
        if isinstance(chains, dict):
            user_chains = set(chains)
        data = _merge(data, user)
    problems = unknown_env(Settings)
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        problems.append(config_error(exc, Settings, file or str(DEFAULT_CONFIG_PATH)))
        raise combined(problems) from exc
    if problems:
        raise combined(problems)
    env_chains = EnvSource(Settings)().get("chains")
    if isinstance(env_chains, dict):
        user_chains |= set(env_chains)
    settings.source_path = file
    settings._strict_chains = user_chains
    disabled = disabled_in_chains(settings, user_chains)
    if disabled:
        raise combined(disabled)
    return settings


def check_provider_options(settings: Settings, name: str, info: ProviderInfo) -> None:
    """``[providers.<name>]`` against what plugin ``name`` declares (``info``).

    Called by the relay for each loaded provider, before its runtime is built. The core keys
    are :class:`ProviderSettings`' fields; the plugin adds its ``credentials`` and its
    ``extra["options"]``.

    :raises ConfigError: every problem found: an unknown key (with "did you mean"), a
        credential shorter than :data:`~coinrelay._redact.MIN_SECRET` characters, a
        ``rate_limit`` without ``limit`` for a plugin that declares no budget.
    """
    options = info.extra.get("options", ())
    secret_keys = set(info.credentials)
    allowed = sorted(secret_keys | set(options if isinstance(options, (list, tuple, set, frozenset)) else ()))
    keys = list(ProviderSettings.model_fields) + allowed
    psettings = settings.provider(name)
    given = psettings.options()

    def problem(key: str, message: str, **kw: Any) -> ConfigError:
        where = ("providers", name, *key.split("."))
        return ConfigError(message, file=settings.source_path, env=env_origin(where), key=".".join(where), **kw)

    problems = [
        problem(key, "unknown key", allowed=", ".join(keys), suggestion=did_you_mean(key, keys))
        for key in sorted(set(given) - set(allowed))
    ]
    for key in sorted(secret_keys & set(given)):
        value = given[key]
        why = short_secret(value) if isinstance(value, str) and value else None
        if why is not None:
            problems.append(problem(key, why))
    over = psettings.rate_limit
    if over is not None and over.limit is None and info.rate_limit is None:
        problems.append(
            problem(
                "rate_limit.limit",
                f"provider {name!r} declares no rate limit: set 'limit' (and 'period') to give it one",
            )
        )
    if problems:
        raise combined(problems)
