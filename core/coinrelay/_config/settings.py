"""The whole configuration (:class:`Settings`): every table, the chains, and what is read from them.

The tables are :mod:`.sections`' models; :class:`Settings` adds ``[chains]`` (each category's
failover order), the lookups the relay makes (a provider's settings and breaker, a
category's cache times) and the dump ``coinrelay config`` prints, secrets masked. Where the
values come from (defaults, file, environment) is :mod:`.load`'s work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PrivateAttr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from .._categories import CATEGORIES
from .._redact import mask_urls
from .env import EnvSource
from .rules import SECRET_NAME, check_category, check_chain
from .sections import (
    BreakerSettings,
    CacheSettings,
    ConsensusSettings,
    HedgingSettings,
    PluginSettings,
    ProviderSettings,
    QualitySettings,
    RelaySettings,
    RetryBudgetSettings,
    ServerSettings,
    StateSettings,
)

#: What a masked secret reads as.
MASK = "**********"

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
        for category in value:  # each chain's shape is checked by ``check_chain``, per category
            check_category(category)
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
        spec = CATEGORIES.get(category)
        return self.cache.ttl.get(category, spec.ttl if spec is not None else 0.0)

    def max_stale(self, category: str) -> float:
        """Seconds a value may be served stale: ``[cache.max_stale]``, else the category's declared default."""
        spec = CATEGORIES.get(category)
        return self.cache.max_stale.get(category, spec.max_stale if spec is not None else 0.0)

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
