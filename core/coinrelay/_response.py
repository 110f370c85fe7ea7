"""What a plugin reads from ``ctx.http.get``: :class:`Response`, and the JSON decoder behind it."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

from ._errors import InvalidResponse
from ._redact import redact

#: One decoder for every body (``json.loads(..., parse_float=Decimal)`` builds a new one per call).
_DECODER = json.JSONDecoder(parse_float=Decimal)


def decode_json(content: bytes) -> Any:
    """JSON bytes to Python, floats as ``Decimal``.

    Raises ``ValueError`` for anything that is not well-formed JSON text in valid Unicode:
    malformed or truncated JSON, undecodable bytes, a lone surrogate (``"\\ud800"``), and
    nesting too deep for the interpreter (instead of ``RecursionError``).
    """
    # what json.loads does with bytes, minus building a decoder; strict: no lone surrogates.
    # An object or array whose second byte is not NUL is UTF-8 to detect_encoding: skip asking it.
    head = content[:2]
    if (head[:1] == b"{" or head[:1] == b"[") and head[1:] != b"\x00":
        text = content.decode("utf-8")
    else:
        text = content.decode(json.detect_encoding(content))
    try:
        value = _DECODER.decode(text)
        if "\\ud" in text or "\\uD" in text:  # escaped surrogates: check they pair up
            _check_strings(value)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    return value


def _check_strings(value: Any) -> None:
    """Raise ``ValueError`` for a string (key or value) that is not valid Unicode."""
    if isinstance(value, str):
        value.encode("utf-8")  # UnicodeEncodeError (a ValueError) on a lone surrogate
    elif isinstance(value, dict):
        for key, item in value.items():
            key.encode("utf-8")
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


class Response:
    """An upstream answer the plugin reads (status < 500, and not 418/429/403/451).

    ``secrets`` are the provider's credentials: every message this response builds
    (:meth:`json` errors, :meth:`error`, :meth:`snippet`) has them masked before it is cut.
    """

    __slots__ = ("content", "endpoint", "headers", "provider", "secrets", "status_code", "url")

    def __init__(
        self,
        *,
        status_code: int,
        headers: Mapping[str, str],
        content: bytes,
        url: str,
        endpoint: str,
        provider: str,
        secrets: Collection[str] = (),
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.url = url
        self.endpoint = endpoint
        self.provider = provider
        self.secrets = secrets

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def json(self) -> Any:
        """The body as JSON (floats as ``Decimal``); a malformed or truncated body raises ``InvalidResponse``."""
        content = self.content
        try:
            return decode_json(content)
        except ValueError as exc:  # UnicodeError is a ValueError
            snippet = self.snippet(80)  # masked, then cut
            raise InvalidResponse(
                redact(
                    f"malformed JSON (HTTP {self.status_code}) from {self.url}: {exc}; body starts {snippet!r}",
                    self.secrets,
                ),
                provider=self.provider,
                endpoint=self.endpoint,
            ) from exc

    def snippet(self, limit: int = 80) -> str:
        """The start of the body as text, at most ``limit`` characters, secrets masked before the cut."""
        # decode a little more than shown: masking needs the whole key to recognise it
        head = self.content[: limit * 4 + 1024].decode("utf-8", errors="replace")
        return redact(head, self.secrets, limit=limit)

    def error(self, message: str) -> InvalidResponse:
        """An ``InvalidResponse`` naming this response, for a plugin to raise (secrets masked)."""
        text = f"{message} (HTTP {self.status_code} from {self.url})"
        return InvalidResponse(redact(text, self.secrets), provider=self.provider, endpoint=self.endpoint)
