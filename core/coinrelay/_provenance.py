"""Provenance: where an answer came from, and the trail of what was asked on the way.

Every result carries a :class:`Source` (which provider and endpoint answered, when, whether
the value is stale or cached) holding the failover trail, one :class:`Attempt` per provider or
endpoint asked or skipped. The core builds them on every call, so it also has cheap builders
for values it made itself (:func:`trusted_attempt`, :func:`trusted_source`, :func:`stamp`).
The result models are in :mod:`coinrelay._models`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ._outcome import Blame, Outcome


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("datetime must be timezone-aware (UTC)")
    return value.astimezone(UTC)


#: A timezone-aware datetime normalised to UTC.
UTCDateTime = Annotated[datetime, AfterValidator(_to_utc)]


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, ser_json_timedelta="float")


_M = TypeVar("_M", bound=_Model)


class Attempt(_Model):
    """One step of the failover trail: one provider (and endpoint) asked, or skipped.

    ``outcome`` says what happened (:class:`~coinrelay.Outcome`: ``ok``, ``unsupported``,
    ``not_found``, ``invalid``, ``failed``, ``timeout``, ``rate_limited``, ``forbidden``,
    ``skipped``, ``cancelled``); ``blame`` says who answers for it (:class:`~coinrelay.Blame`:
    ``caller``, ``endpoint``, ``provider`` or ``none``), which decides what is charged.
    """

    provider: str
    endpoint: str | None = None
    outcome: Outcome
    blame: Blame = Blame.NONE
    error: str | None = None
    latency_ms: float | None = None


_ATTEMPT_FIELDS = frozenset(("provider", "endpoint", "outcome", "blame", "error", "latency_ms"))
_SOURCE_GIVEN = frozenset(("provider", "endpoint"))
_new = object.__new__
_set = object.__setattr__


def _trusted(cls: type[_M], values: dict[str, Any], given: frozenset[str]) -> _M:
    """The model ``cls(**given values)`` builds, from values the core made itself: no validation.

    ``values`` holds every field, in declaration order, defaults included; ``given`` names
    those passed explicitly (``model_fields_set``). The core builds one or two per call.
    """
    m = _new(cls)
    _set(m, "__dict__", values)
    _set(m, "__pydantic_fields_set__", set(given))
    _set(m, "__pydantic_extra__", None)
    _set(m, "__pydantic_private__", None)
    return m


def trusted_attempt(
    provider: str, endpoint: str | None, outcome: Outcome, blame: Blame, error: str | None, latency_ms: float
) -> Attempt:
    """``Attempt(provider=..., ..., latency_ms=...)`` for the recorder's own values, at two thirds of the cost."""
    values = {
        "provider": provider,
        "endpoint": endpoint,
        "outcome": outcome,
        "blame": blame,
        "error": error,
        "latency_ms": latency_ms,
    }
    return _trusted(Attempt, values, _ATTEMPT_FIELDS)


def trusted_source(provider: str, endpoint: str | None) -> Source:
    """``Source(provider=provider, endpoint=endpoint)`` (``ctx.source()``) for a provider name and an
    endpoint (a ``str`` or ``None``) the core holds, without validating them."""
    values: dict[str, Any] = {
        "provider": provider,
        "endpoint": endpoint,
        "fetched_at": datetime.now(UTC),
        "stale": False,
        "age": None,
        "sandbox": False,
        "attempts": [],
        "cached": False,
    }
    return _trusted(Source, values, _SOURCE_GIVEN)


class Source(_Model):
    """Where a result came from."""

    provider: str
    endpoint: str | None = None
    fetched_at: UTCDateTime = Field(default_factory=utcnow)
    stale: bool = False
    #: Seconds since the value was fetched (set when served from cache).
    age: float | None = None
    sandbox: bool = False
    attempts: list[Attempt] = Field(default_factory=list)
    #: ``True`` when this answer came from coinrelay's cache (a fresh hit, or a stale value
    #: served because every provider failed) rather than from a provider during this call.
    #: ``provider``, ``endpoint`` and ``fetched_at`` still name the original fetch; ``age``
    #: says how old it is.
    cached: bool = False


def stamp(source: Source, provider: str, endpoint: str | None, attempts: list[Attempt]) -> None:
    """Say on ``source`` who answered and the trail: what assigning the three fields does (the
    models do not validate assignments), without pydantic's per-field dispatch."""
    fields = source.__dict__
    fields["provider"] = provider
    fields["endpoint"] = endpoint
    fields["attempts"] = attempts
    source.__pydantic_fields_set__.update(_STAMPED)


_STAMPED = ("provider", "endpoint", "attempts")
