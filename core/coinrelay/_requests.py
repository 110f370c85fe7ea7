"""Request parameters per category: names, defaults, validation, cache keys.

The names here are the Python API's keyword arguments, the HTTP query parameters and
the CLI options alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ._categories import INTERVALS
from ._errors import InvalidRequest
from ._symbols import normalize_symbol


def _int_in(lo: int, hi: int) -> Callable[[str, Any], int]:
    def check(param: str, value: Any) -> int:
        if isinstance(value, bool):
            raise InvalidRequest(param, f"expected an integer from {lo} to {hi}, got {value!r}")
        try:
            n = int(value)
        except (TypeError, ValueError):
            raise InvalidRequest(param, f"expected an integer from {lo} to {hi}, got {value!r}") from None
        if isinstance(value, float) and n != value:
            raise InvalidRequest(param, f"expected an integer from {lo} to {hi}, got {value!r}")
        if not lo <= n <= hi:
            raise InvalidRequest(param, f"must be from {lo} to {hi}, got {n}")
        return n

    return check


def _symbol(param: str, value: Any) -> str:
    return normalize_symbol(value, param)


def _optional_symbol(param: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    return normalize_symbol(value, param)


def _interval(param: str, value: Any) -> str:
    if value not in INTERVALS:
        raise InvalidRequest(param, f"unknown interval {value!r}; allowed: {', '.join(INTERVALS)}")
    return str(value)


def _horizon(param: str, value: Any) -> str:
    allowed = ("1h", "4h", "1d", "7d", "30d")
    if value not in allowed:
        raise InvalidRequest(param, f"unknown horizon {value!r}; allowed: {', '.join(allowed)}")
    return str(value)


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    default: Any
    check: Callable[[str, Any], Any]
    required: bool = False
    help: str = ""


_SYMBOL = Param("symbol", None, _symbol, required=True, help="asset ticker, e.g. BTC")
_QUOTE = Param("quote", "USD", _symbol, help="quote currency, e.g. USD, USDT, EUR, BTC")

#: Parameters of each category, in order (the order of the cache key and the CLI).
PARAMS: dict[str, tuple[Param, ...]] = {
    "price": (_SYMBOL, _QUOTE),
    "ohlcv": (
        _SYMBOL,
        _QUOTE,
        Param("interval", "1h", _interval, help="candle interval: " + " ".join(INTERVALS)),
        Param("limit", 100, _int_in(1, 1000), help="number of candles (1-1000)"),
    ),
    "volume": (_SYMBOL, _QUOTE),
    "orderbook": (_SYMBOL, _QUOTE, Param("depth", 20, _int_in(1, 5000), help="levels per side (1-5000)")),
    "metadata": (_SYMBOL,),
    "news": (
        Param("symbol", None, _optional_symbol, help="only news about this ticker (default: all)"),
        Param("limit", 10, _int_in(1, 100), help="number of articles (1-100)"),
    ),
    "sentiment": (Param("limit", 1, _int_in(1, 1000), help="readings of history (1-1000)"),),
    "technical": (
        _SYMBOL,
        _QUOTE,
        Param("interval", "1d", _interval, help="candle interval: " + " ".join(INTERVALS)),
        Param("limit", 200, _int_in(35, 1000), help="candles to compute from (35-1000)"),
    ),
    "prediction": (_SYMBOL, _QUOTE, Param("horizon", "1d", _horizon, help="1h, 4h, 1d, 7d or 30d")),
    "social": (_SYMBOL,),
    "exchanges": (Param("limit", 100, _int_in(1, 250), help="number of exchanges (1-250)"),),
}


def validate(category: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """Check and normalise ``given`` for ``category``; raises ``InvalidRequest`` naming the parameter."""
    spec = PARAMS[category]
    unknown = set(given) - {p.name for p in spec}
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidRequest(name, f"not a parameter of {category}; allowed: {', '.join(p.name for p in spec)}")
    out: dict[str, Any] = {}
    for p in spec:
        value = given.get(p.name, p.default)
        if value is None and p.required:
            raise InvalidRequest(p.name, "is required")
        out[p.name] = p.check(p.name, value)
    return out


def cache_key(category: str, params: Mapping[str, Any]) -> str:
    """A stable key for ``category`` with normalised ``params``."""
    return category + "|" + "|".join(str(params[p.name]) for p in PARAMS[category])


def describe(category: str, params: Mapping[str, Any]) -> str:
    """``BTC/USD`` style text for error messages."""
    sym = params.get("symbol")
    quote = params.get("quote")
    if sym and quote:
        return f"{sym}/{quote}"
    return str(sym) if sym else category


#: ``(category, *given.items())`` -> ``(clean, key)`` of requests already validated (bounded).
_PREPARED: dict[tuple[Any, ...], tuple[dict[str, Any], str]] = {}
_PREPARED_MAX = 4096
#: Value types a remembered request may hold: exact types, so ``True`` never passes for ``1``.
_PLAIN = frozenset((str, int, type(None)))


def prepare(category: str, given: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """:func:`validate` and :func:`cache_key` in one, remembered for requests seen before.

    Only requests whose values are all exactly ``str``, ``int`` or ``None`` are remembered;
    the returned dict is a fresh copy each time. Raises like :func:`validate`.
    """
    if not _PLAIN.issuperset(map(type, given.values())):
        clean = validate(category, given)
        return clean, cache_key(category, clean)
    memo_key = (category, *given.items())
    hit = _PREPARED.get(memo_key)
    if hit is not None:
        return dict(hit[0]), hit[1]
    clean = validate(category, given)
    key = cache_key(category, clean)
    if len(_PREPARED) >= _PREPARED_MAX:
        _PREPARED.clear()
    _PREPARED[memo_key] = (clean, key)
    return dict(clean), key
