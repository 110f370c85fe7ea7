"""Mutations of real response bodies: what a broken, hostile or confused upstream sends.

A :class:`Mutation` is a label and the bytes to serve. :func:`field_mutations` changes one
place of a decoded body at a time — drop it, null it, give it the wrong type, ``""``,
``"NaN"``, ``"-1"``, ``"0"``, ``1e400``, ``"Infinity"``, a 400-digit integer, a time moved by
a week, a huge list, another coin's or quote's identity (a swapped ``symbol``, ``id`` or key)
— and :func:`whole_mutations` replaces the body — empty, HTML with status 200, truncated,
nested 100,000 deep, in-band error bodies. Both are deterministic (the contract kit's
:func:`~coinrelay.testing.check_mutations` walks them in order); the fuzz suite draws from the
same pieces with hypothesis.

Bodies are decoded as the core does (JSON floats as ``Decimal``) and encoded back with
:func:`encode`, which keeps every number's exact text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .._response import decode_json

Path = tuple[str | int, ...]


class Raw(str):
    """A JSON token written as it is (``1e400``, ``NaN``, a 400-digit integer)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Mutation:
    """One body to serve: ``label`` says what was changed (``"[0][2] -> '-1'"``)."""

    label: str
    body: bytes


#: What one place of a body is replaced with: label -> value (``Raw`` values are raw JSON).
REPLACEMENTS: dict[str, Any] = {
    "null": None,
    "{}": {},
    "[]": [],
    "true": True,
    '""': "",
    '"NaN"': "NaN",
    '"-1"': "-1",
    '"0"': "0",
    '"Infinity"': "Infinity",
    "-1": -1,
    "0": 0,
    "1e400": Raw("1e400"),
    "-1e400": Raw("-1e400"),
    "NaN": Raw("NaN"),
    "400 digits": Raw("9" * 400),
    "1e-400": Raw("1e-400"),
}

#: Identity swaps: a value (or key) naming the asked coin or quote -> another coin's or quote's.
SWAPS: dict[str, str] = {
    "BTC": "ETH",
    "btc": "eth",
    "bitcoin": "ethereum",
    "Bitcoin": "Ethereum",
    "btc-bitcoin": "eth-ethereum",
    "BTCUSDT": "ETHUSDT",
    "USDT": "EUR",
    "USD": "EUR",
    "usd": "eur",
    "1d": "1w",
    "1h": "1d",
    "4h": "1d",
}
#: Huge lists are this long.
HUGE = 3000
_WEEK_S = 7 * 86400
#: Epoch seconds between 2001 and 2100 (and the same in milliseconds) look like times.
_EPOCH_S = (1_000_000_000, 4_102_444_800)


def decode(content: bytes) -> Any:
    """A body decoded as ``Response.json`` does (floats as ``Decimal``)."""
    return decode_json(content)


def encode(value: Any) -> bytes:
    """JSON bytes of ``value``, numbers exactly as decoded (``Decimal`` by its text, :class:`Raw` raw)."""
    return _encode(value).encode()


def _encode(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if value is None or isinstance(value, bool | str | int):
        return json.dumps(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    raise TypeError(f"cannot encode {type(value).__name__}")


def paths(doc: Any, *, max_depth: int = 8) -> list[Path]:
    """Every place of ``doc`` worth changing, breadth first: every key of an object, and of an
    array its first two and last element (the others are alike)."""
    out: list[Path] = []
    todo: list[tuple[Path, Any]] = [((), doc)]
    while todo:
        path, node = todo.pop(0)
        if len(path) >= max_depth:
            continue
        if isinstance(node, dict):
            children: Sequence[str | int] = list(node)
        elif isinstance(node, list):
            n = len(node)
            children = sorted({i for i in (0, 1, n - 1) if 0 <= i < n})
        else:
            continue
        for key in children:
            child = (*path, key)
            out.append(child)
            todo.append((child, node[key]))
    return out


def get(doc: Any, path: Path) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def label(path: Path) -> str:
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path).lstrip(".") or "<body>"


def replaced(doc: Any, path: Path, value: Any) -> Any:
    """A copy of ``doc`` with the place at ``path`` set to ``value``."""
    if not path:
        return value
    out = _copy(doc)
    parent = get(out, path[:-1])
    parent[path[-1]] = value
    return out


def dropped(doc: Any, path: Path) -> Any:
    """A copy of ``doc`` without the place at ``path``."""
    out = _copy(doc)
    parent = get(out, path[:-1])
    del parent[path[-1]]
    return out


def renamed(doc: Any, path: Path, key: str) -> Any:
    """A copy of ``doc`` whose object key at ``path`` is ``key`` instead (order kept)."""
    out = _copy(doc)
    parent = get(out, path[:-1])
    items = [(key if k == path[-1] else k, v) for k, v in parent.items()]
    parent.clear()
    parent.update(items)
    return out


def _shifted(value: Any) -> Any | None:
    """``value`` moved a week later if it looks like an epoch time (seconds or ms), else ``None``."""
    number = value
    if isinstance(value, str):
        if not value.isdigit():
            return None
        number = int(value)
    if isinstance(number, bool) or not isinstance(number, int):
        return None
    lo, hi = _EPOCH_S
    if lo <= number < hi:
        moved = number + _WEEK_S
    elif lo * 1000 <= number < hi * 1000:
        moved = number + _WEEK_S * 1000
    else:
        return None
    return str(moved) if isinstance(value, str) else moved


#: Every way :func:`apply` changes one place, in the order :func:`field_mutations` tries them.
KINDS: tuple[str, ...] = (
    "dropped",
    *REPLACEMENTS,
    "a week later",
    "swapped",
    "key swapped",
    f"{HUGE} copies",
    "reversed",
    "first twice",
)


def apply(doc: Any, path: Path, kind: str) -> Any | None:
    """``doc`` with the place at ``path`` changed by ``kind`` (one of :data:`KINDS`); ``None`` when
    ``kind`` does not apply there (a swap of a value that names no coin, a week added to a non-time,
    the same value again)."""
    current = get(doc, path)
    if kind == "dropped":
        return dropped(doc, path)
    if kind in REPLACEMENTS:
        value = REPLACEMENTS[kind]
        if value == current and type(value) is type(current):
            return None
        return replaced(doc, path, value)
    if kind == "a week later":
        moved = _shifted(current)
        return None if moved is None else replaced(doc, path, moved)
    if kind == "swapped":
        return replaced(doc, path, SWAPS[current]) if isinstance(current, str) and current in SWAPS else None
    key = path[-1] if path else None
    if kind == "key swapped":
        return renamed(doc, path, SWAPS[key]) if isinstance(key, str) and key in SWAPS else None
    if not isinstance(current, list) or not current:
        return None
    if kind == f"{HUGE} copies":
        return replaced(doc, path, [current[0]] * HUGE)
    if kind == "reversed":
        return None if len(current) < 2 else replaced(doc, path, current[::-1])
    if kind == "first twice":
        return replaced(doc, path, [current[0], *current])
    raise ValueError(f"unknown mutation kind {kind!r}")


def field_mutations(doc: Any) -> Iterator[Mutation]:
    """Every single-place mutation of ``doc`` (deterministic order: place by place, kind by kind)."""
    for path in paths(doc):
        for kind in KINDS:
            changed = apply(doc, path, kind)
            if changed is not None:
                yield Mutation(f"{label(path)}: {kind}", encode(changed))


#: In-band error bodies many APIs send with HTTP 200 (besides a plugin's own, given to the kit).
ERROR_BODIES: tuple[bytes, ...] = (
    b'{"error": "Internal error, please retry"}',
    b'{"code": -1003, "msg": "Too much request weight used."}',
    b'{"status": {"error_code": 429, "error_message": "You\'ve exceeded the Rate Limit."}}',
    b'{"Response": "Error", "Message": "You are over your rate limit", "Type": 99, "Data": {}}',
    b'{"data": [], "metadata": {"error": "Service unavailable"}}',
    b'{"status": "error", "message": "maintenance"}',
    b'{"success": false, "error": {"message": "invalid api key"}}',
)


def whole_mutations(content: bytes, errors: Sequence[bytes] = ()) -> Iterator[Mutation]:
    """The body replaced: empty, HTML, truncated, deeply nested, non-JSON, in-band errors."""
    yield Mutation("empty body", b"")
    yield Mutation("HTML 200", b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>")
    yield Mutation("truncated in half", content[: len(content) // 2])
    yield Mutation("truncated by one byte", content.rstrip()[:-1])
    yield Mutation("100,000 deep", b"[" * 100_000 + b"]" * 100_000)
    yield Mutation("wrapped 500 deep", b"[" * 500 + content + b"]" * 500)
    yield Mutation("bad UTF-8", b'{"a": "\xff\xfe"}')
    yield Mutation("lone surrogate", b'{"a": "\\ud800"}')
    for literal in (b"null", b"[]", b"{}", b'"ok"', b"0", b"NaN"):
        yield Mutation(f"body {literal.decode()}", literal)
    for i, body in enumerate((*errors, *ERROR_BODIES)):
        yield Mutation(f"in-band error #{i}: {body[:60].decode(errors='replace')}", body)


def mutations(content: bytes, errors: Sequence[bytes] = ()) -> Iterator[Mutation]:
    """:func:`whole_mutations`, then :func:`field_mutations` of the decoded body."""
    yield from whole_mutations(content, errors)
    yield from field_mutations(decode(content))
