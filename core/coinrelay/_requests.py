"""Requests: a category's parameters checked against its declaration, and the cache key.

The parameters, their defaults and constraints are declared once per category
(:mod:`coinrelay._categories`, :class:`~coinrelay._params.Param`); the names there are the
Python API's keyword arguments, the HTTP query parameters and the CLI options alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ._catalog import _REGISTRY, FieldView, get
from ._params import Param

#: The parameters of each category, in order (the order of the cache key and the CLI): a live view.
PARAMS: Final[Mapping[str, tuple[Param, ...]]] = FieldView("params")


def validate(category: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """Check and normalise ``given`` for ``category``; raises ``InvalidRequest`` naming the parameter."""
    return get(category).validate(given)


def cache_key(category: str, params: Mapping[str, Any]) -> str:
    """A stable key for ``category`` with normalised ``params``."""
    return category + "|" + "|".join(str(params[p.name]) for p in _REGISTRY[category].params)


def describe(category: str, params: Mapping[str, Any]) -> str:
    """``BTC/USD`` style text for error messages."""
    sym = params.get("symbol")
    quote = params.get("quote")
    if sym and quote:
        return f"{sym}/{quote}"
    return str(sym) if sym else category


#: ``(spec, *given.items())`` -> ``(clean, key)`` of requests already validated (bounded).
_PREPARED: dict[tuple[Any, ...], tuple[dict[str, Any], str]] = {}
_PREPARED_MAX = 4096
#: Value types a remembered request may hold: exact types, so ``True`` never passes for ``1``.
_PLAIN = frozenset((str, int, type(None)))


def prepare(category: str, given: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """:func:`validate` and :func:`cache_key` in one, remembered for requests seen before.

    Only requests whose values are all exactly ``str``, ``int`` or ``None`` are remembered
    (keyed by the category's spec, so a re-registered category is validated afresh); the
    returned dict is a fresh copy each time. Raises like :func:`validate`.
    """
    spec = _REGISTRY.get(category) or get(category)  # get() raises naming the categories
    if not _PLAIN.issuperset(map(type, given.values())):
        clean = spec.validate(given)
        return clean, cache_key(category, clean)
    memo_key = (spec, *given.items())
    hit = _PREPARED.get(memo_key)
    if hit is not None:
        return dict(hit[0]), hit[1]
    clean = spec.validate(given)
    key = cache_key(category, clean)
    if len(_PREPARED) >= _PREPARED_MAX:
        _PREPARED.clear()
    _PREPARED[memo_key] = (clean, key)
    return dict(clean), key
