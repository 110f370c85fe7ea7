"""The OpenAPI document: every constraint the server enforces, every status and body it answers.

* each data parameter's JSON Schema (pattern, enum, bounds, default) is its declaration's
  (:meth:`coinrelay._params.Param.json_schema`), the same object validation runs;
* :func:`responses` documents error statuses with the bodies of :mod:`.errors`;
* :func:`install` makes the app's ``openapi()`` add the result and error models to the
  components, and the statuses any request can meet (405, 414, 431, 500) to every operation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .._models import RESULT_TYPES
from .edges import MAX_HEADERS, MAX_TARGET
from .errors import ERROR_MODELS, MAX_ECHO, HttpErrorBody, InternalErrorBody, InvalidRequestBody

if TYPE_CHECKING:
    from fastapi import FastAPI


JSON = "application/json"
REF = "#/components/schemas/{model}"

#: The ``x-coinrelay-hops`` request header.
HOPS_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": 0, "default": 0}


def ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def response(model: type[BaseModel], description: str, media_type: str = JSON) -> dict[str, Any]:
    """One documented response whose body is ``model``."""
    return {"description": description, "content": {media_type: {"schema": ref(model)}}}


def responses(*documented: tuple[int, type[BaseModel], str]) -> dict[int | str, dict[str, Any]]:
    """``(status, model, description)`` triples as FastAPI's ``responses=``."""
    return {status: response(model, description) for status, model, description in documented}


#: Statuses any request can meet, added to every operation.
COMMON: dict[str, dict[str, Any]] = {
    "405": response(HttpErrorBody, "the path does not take this method; `Allow` lists those it takes"),
    "414": response(HttpErrorBody, f"the request target (path and query string) is over {MAX_TARGET} bytes"),
    "431": response(HttpErrorBody, f"the request headers are over {MAX_HEADERS} bytes"),
    "500": response(InternalErrorBody, "a bug; the details are only in the server log"),
}
#: How a request body that FastAPI cannot read (not UTF-8, not JSON) is answered.
UNREADABLE_BODY = response(HttpErrorBody, "the body could not be read (not UTF-8)")

DESCRIPTION = f"""\
Every `GET` path also answers `HEAD` (same status and headers, no body). A request target
(path and query string) over {MAX_TARGET} bytes is answered 414, headers over {MAX_HEADERS}
bytes 431. Every error is a JSON body with a stable `error` code and a `message`; a value
echoed in a message is cut to at most {MAX_ECHO} characters, saying so.
"""


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` document the result and error bodies, and :data:`COMMON` everywhere."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=DESCRIPTION,
            routes=app.routes,
        )
        from .batch import BATCH_MODELS

        every = [*RESULT_TYPES.values(), *ERROR_MODELS, *BATCH_MODELS]
        _, defs = models_json_schema([(m, "serialization") for m in every], ref_template=REF)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(defs.get("$defs", {}))
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                _complete(operation)
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _complete(operation: dict[str, Any]) -> None:
    found = operation.setdefault("responses", {})
    for status, documented in COMMON.items():
        found.setdefault(status, documented)
    if "requestBody" in operation:
        found.setdefault("400", UNREADABLE_BODY)
    # FastAPI documents its own validation body; coinrelay's handler answers with its own, and
    # only where a value can fail validation at all (not a free-form path segment).
    if "422" in found and "HTTPValidationError" in str(found["422"]):
        if _validated(operation):
            found["422"] = response(InvalidRequestBody, "an invalid parameter or body field (named in `param`)")
        else:
            del found["422"]


def _validated(operation: dict[str, Any]) -> bool:
    """Whether a request to ``operation`` can fail validation (a body, or a constrained parameter)."""
    if "requestBody" in operation:
        return True
    for param in operation.get("parameters", []):
        schema = param.get("schema", {})
        if schema.get("type") != "string" or set(schema) - {"type", "title"}:
            return True
    return False
