"""``/api/sandbox/*``: inject and clear faults in the sandbox's upstreams (sandbox mode only)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from .errors import json_response

if TYPE_CHECKING:
    from ..sandbox import Sandbox


class FaultRequest(BaseModel):
    """A fault to inject. Options a kind does not use are ignored."""

    model_config = ConfigDict(extra="forbid")
    kind: str = Field(description="down, slow, 500, 429 or garbage")
    delay: float | None = Field(None, gt=0, le=60, description="slow: seconds before each answer")
    retry_after: int | None = Field(None, ge=0, le=3600, description="429: the Retry-After header, seconds")
    status: int | None = Field(None, ge=500, le=599, description="500: the status to answer with")
    mirror: int | None = Field(None, ge=0, description="only this endpoint (mirror) of the provider, by index")


def sandbox_router(sandbox: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/api/sandbox", tags=["sandbox"])

    def _unknown(provider: str) -> Response:
        return json_response(
            {
                "error": "unknown_provider",
                "provider": provider,
                "message": f"the sandbox has no upstream {provider!r} (it has: {', '.join(sandbox.providers)})",
            },
            404,
        )

    @router.get("/faults", summary="The faults in force, per provider")
    async def faults() -> Response:
        return json_response(
            {"kinds": list(sandbox.KINDS), "providers": list(sandbox.providers), "faults": sandbox.faults()}
        )

    @router.post("/faults/{provider}", summary="Inject a fault into one provider's upstream")
    async def inject(provider: str, fault: FaultRequest) -> Response:
        if provider not in sandbox.providers:
            return _unknown(provider)
        if fault.kind not in sandbox.KINDS:
            return json_response(
                {
                    "error": "invalid_request",
                    "param": "kind",
                    "message": f"invalid 'kind': unknown fault {fault.kind!r}; allowed: {', '.join(sandbox.KINDS)}",
                },
                422,
            )
        opts = fault.model_dump(exclude={"kind"}, exclude_none=True)
        await asyncio.to_thread(sandbox.inject, provider, fault.kind, **opts)
        return json_response({"provider": provider, "faults": sandbox.faults()})

    @router.delete("/faults/{provider}", summary="Clear one provider's faults")
    async def clear(provider: str) -> Response:
        if provider not in sandbox.providers:
            return _unknown(provider)
        await asyncio.to_thread(sandbox.clear, provider)
        return json_response({"provider": provider, "faults": sandbox.faults()})

    @router.delete("/faults", summary="Clear every fault")
    async def clear_all() -> Response:
        await asyncio.to_thread(sandbox.clear)
        return json_response({"faults": sandbox.faults()})

    return router
