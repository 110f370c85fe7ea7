"""Helpers for a plugin's test files: fixture bodies and cassette filtering."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .._response import decode_json

#: Headers and query parameters that carry credentials for most providers.
DEFAULT_SECRET_HEADERS: tuple[str, ...] = ("authorization", "x-api-key")
DEFAULT_SECRET_PARAMS: tuple[str, ...] = ("api_key", "apiKey")


def read_json(path: str | Path) -> Any:
    """A JSON fixture decoded exactly as ``ctx.http`` responses are (floats as ``Decimal``)."""
    return decode_json(Path(path).read_bytes())


def cassette_filters(*, headers: Iterable[str] = (), params: Iterable[str] = ()) -> dict[str, Any]:
    """A ``vcr_config`` that writes ``REDACTED`` for every credential a cassette could catch.

    :param headers: the provider's own credential headers (``x-cg-pro-api-key``), on top of
        :data:`DEFAULT_SECRET_HEADERS`.
    :param params: its credential query parameters, on top of :data:`DEFAULT_SECRET_PARAMS`.
    """
    return {
        "filter_headers": [(h, "REDACTED") for h in dict.fromkeys((*DEFAULT_SECRET_HEADERS, *headers))],
        "filter_query_parameters": [(p, "REDACTED") for p in dict.fromkeys((*DEFAULT_SECRET_PARAMS, *params))],
        "decode_compressed_response": True,
    }
