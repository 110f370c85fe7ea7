"""The provider contract every plugin's tests run.

``check_provider(plugin, name)`` checks the description and the hooks without I/O;
``await check_garbage_bodies(plugin, name)`` feeds each category garbage, truncated and
wrong-shape bodies and checks the plugin raises the core's errors (or returns ``None``),
never a ``KeyError`` and never a value.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

import httpx

from .. import hookspecs
from .._categories import ALL
from .._errors import ProviderError
from .._models import RESULT_TYPES
from .._provider import ProviderInfo
from .harness import ProviderHarness

#: Parameters used when the contract calls a category.
SAMPLE_PARAMS: dict[str, dict[str, Any]] = {
    "price": {"symbol": "BTC", "quote": "USD"},
    "ohlcv": {"symbol": "BTC", "quote": "USD", "interval": "1d", "limit": 5},
    "volume": {"symbol": "BTC", "quote": "USD"},
    "orderbook": {"symbol": "BTC", "quote": "USD", "depth": 5},
    "metadata": {"symbol": "BTC"},
    "news": {"symbol": "BTC", "limit": 5},
    "sentiment": {"limit": 2},
    "technical": {"symbol": "BTC", "quote": "USD", "interval": "1d", "limit": 50},
    "prediction": {"symbol": "BTC", "quote": "USD", "horizon": "1d"},
    "social": {"symbol": "BTC"},
    "exchanges": {"limit": 5},
}

#: Bodies no provider's API returns with HTTP 200 as data.
GARBAGE_BODIES: tuple[bytes, ...] = (
    b"",
    b"<html><body>Bad gateway</body></html>",
    b"{",
    b'{"data": [1, 2',
    b"null",
    b"[]",
    b"{}",
    b'"hello"',
    b"42",
    b'{"data": null}',
    b'{"data": {"unexpected": true}}',
    b"[[1, 2], [3]]",
    b'[{"x": 1}]',
)


def check_provider(plugin: object, name: str) -> ProviderInfo:
    """Check ``plugin``'s ``provider_info`` and fetch hooks. Returns the info."""
    info_fn = getattr(plugin, "provider_info", None)
    assert info_fn is not None, f"{name}: no provider_info hook"
    info = info_fn()
    assert isinstance(info, ProviderInfo), f"{name}: provider_info returned {type(info).__name__}"
    assert info.name == name, f"{name}: provider_info names itself {info.name!r}"
    assert info.categories, f"{name}: serves no category"
    for category in info.categories:
        assert category in ALL, f"{name}: unknown category {category!r}"
        hook = f"fetch_{category}"
        fn = getattr(plugin, hook, None)
        assert fn is not None, f"{name}: declares {category!r} but has no {hook}"
        assert inspect.iscoroutinefunction(fn), f"{name}: {hook} must be async"
        spec_args = set(inspect.signature(getattr(hookspecs, hook)).parameters)
        impl_args = set(inspect.signature(fn).parameters)
        extra = impl_args - spec_args
        assert not extra, f"{name}: {hook} takes {sorted(extra)}, not in the spec {sorted(spec_args)}"
    for url in info.endpoints:
        assert url.startswith(("http://", "https://")), f"{name}: endpoint {url!r}"
        assert not url.endswith("/"), f"{name}: endpoint {url!r} must not end with '/'"
    assert info.priority >= 0, f"{name}: negative priority"
    if info.requires_credentials:
        assert info.credentials, f"{name}: requires credentials but names none in `credentials`"
    return info


async def check_garbage_bodies(
    plugin: object,
    name: str,
    *,
    categories: Iterable[str] | None = None,
    provider_settings: dict[str, Any] | None = None,
    bodies: Iterable[bytes] = GARBAGE_BODIES,
) -> None:
    """Every garbage body must raise a ``ProviderError`` or give ``None``, for every category."""
    info = check_provider(plugin, name)
    settings = {"endpoints": ["https://contract.invalid"], **(provider_settings or {})}
    for body in bodies:

        def handler(request: httpx.Request, body: bytes = body) -> httpx.Response:
            return httpx.Response(200, content=body, headers={"content-type": "application/json"})

        async with ProviderHarness(
            plugin, name, transport=httpx.MockTransport(handler), provider_settings=settings
        ) as harness:
            for category in categories or info.categories:
                if category == "technical":
                    continue
                try:
                    result = await harness.call(category, **SAMPLE_PARAMS[category])
                except ProviderError:
                    continue
                except Exception as exc:
                    raise AssertionError(
                        f"{name}.fetch_{category} raised {type(exc).__name__}: {exc} on body {body[:40]!r}; "
                        "garbage must raise a coinrelay ProviderError"
                    ) from exc
                assert result is None, (
                    f"{name}.fetch_{category} returned a value from garbage body {body[:40]!r}: {result!r}"
                )


def check_result(result: object, category: str, name: str) -> None:
    """A result is the category's model and carries the provider's name."""
    expected = RESULT_TYPES[category]
    assert isinstance(result, expected), f"{name}.fetch_{category} returned {type(result).__name__}"
    assert result.source.provider == name, f"source.provider is {result.source.provider!r}, expected {name!r}"
