"""``/api/sandbox/*``: inject and clear faults in the sandbox's upstreams (sandbox mode only).

Every field of a fault is strictly typed (``"mirror": false`` is not mirror 0, ``"delay": "1"``
is not a number) and checked against the sandbox before anything is injected: an unknown
provider is a 404 ``unknown_provider``, a mirror index out of range a 422 naming ``mirror``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .errors import InvalidRequestBody, UnknownProviderBody, invalid, json_response, unknown_provider
from .openapi import responses

if TYPE_CHECKING:
    from ..sandbox import Sandbox

#: The fault kinds (``Sandbox.KINDS``; a test checks they agree).
FaultKind = Literal["down", "slow", "500", "429", "garbage"]


def _json_integer(value: object) -> object:
    """A JSON integer: ``3`` or ``3.0`` (JSON has one number type), never ``false`` or ``"3"``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: Integer fields: strict, but for a JSON number with no fraction (then checked strictly).
Mirror = Annotated[int, Field(ge=0), BeforeValidator(_json_integer)]
RetryAfter = Annotated[int, Field(ge=0, le=3600), BeforeValidator(_json_integer)]
Status = Annotated[int, Field(ge=500, le=599), BeforeValidator(_json_integer)]


class FaultRequest(BaseModel):
    """A fault to inject. Options a kind does not use are ignored."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    kind: FaultKind = Field(description="down, slow, 500, 429 or garbage")
    delay: float | None = Field(None, gt=0, le=60, description="slow: seconds before each answer")
    retry_after: RetryAfter | None = Field(None, description="429: the Retry-After header, seconds")
    status: Status | None = Field(None, description="500: the status to answer with")
    mirror: Mirror | None = Field(
        None, description="only this endpoint (mirror) of the provider, by index; default all"
    )


class FaultInForce(BaseModel):
    """One fault in force."""

    endpoint: str
    mirror: int
    kind: FaultKind
    delay: float | None = None
    retry_after: int | None = None
    status: int | None = None


class FaultsBody(BaseModel):
    """The fault kinds, the sandboxed providers and the faults in force (per provider)."""

    kinds: list[str]
    providers: list[str]
    faults: dict[str, list[FaultInForce]]


class ProviderFaultsBody(BaseModel):
    """The faults in force after a change to ``provider``'s."""

    provider: str
    faults: dict[str, list[FaultInForce]]


class AllFaultsBody(BaseModel):
    """The faults in force after clearing them all (none)."""

    faults: dict[str, list[FaultInForce]]


_UNKNOWN = (404, UnknownProviderBody, "the sandbox has no upstream for this provider")
_INVALID = (422, InvalidRequestBody, "an invalid fault field (named in `param`)")


def sandbox_router(sandbox: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/api/sandbox", tags=["sandbox"])

    def _unknown(provider: str) -> Response:
        have = ", ".join(sandbox.providers)
        return unknown_provider(provider, f"the sandbox has no upstream {provider!r} (it has: {have})")

    @router.get("/faults", summary="The faults in force, per provider", response_model=FaultsBody)
    async def faults() -> Response:
        return json_response(
            {"kinds": list(sandbox.KINDS), "providers": list(sandbox.providers), "faults": sandbox.faults()}
        )

    @router.post(
        "/faults/{provider}",
        summary="Inject a fault into one provider's upstream",
        responses=responses(_UNKNOWN, _INVALID),
        response_model=ProviderFaultsBody,
    )
    async def inject(provider: str, fault: FaultRequest) -> Response:
        if provider not in sandbox.providers:
            return _unknown(provider)
        mirrors = len(sandbox.endpoints(provider))
        if fault.mirror is not None and fault.mirror >= mirrors:
            return invalid("mirror", f"{provider} has mirrors 0..{mirrors - 1}, not {fault.mirror}")
        opts = fault.model_dump(exclude={"kind"}, exclude_none=True)
        await asyncio.to_thread(sandbox.inject, provider, fault.kind, **opts)
        return json_response({"provider": provider, "faults": sandbox.faults()})

    @router.delete(
        "/faults/{provider}",
        summary="Clear one provider's faults",
        responses=responses(_UNKNOWN),
        response_model=ProviderFaultsBody,
    )
    async def clear(provider: str) -> Response:
        if provider not in sandbox.providers:
            return _unknown(provider)
        await asyncio.to_thread(sandbox.clear, provider)
        return json_response({"provider": provider, "faults": sandbox.faults()})

    @router.delete("/faults", summary="Clear every fault", response_model=AllFaultsBody)
    async def clear_all() -> Response:
        await asyncio.to_thread(sandbox.clear)
        return json_response({"faults": sandbox.faults()})

    return router
