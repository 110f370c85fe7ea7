"""The provider contract every plugin's tests run.

``check_provider(plugin, name)`` checks the description and the hooks without I/O;
``await check_garbage_bodies(plugin, name)`` feeds each category garbage, truncated and
wrong-shape bodies and checks the plugin raises the core's errors (or returns ``None``),
never a ``KeyError`` and never a value; ``await check_error_bodies(plugin, name, bodies=...)``
feeds the provider's own in-band error bodies (HTTP 200 by default) and checks each gives
the error it means, an "unknown pair" never being a breaker strike.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from .. import hookspecs
from .._categories import ALL, CATEGORIES, FieldView
from .._errors import NotSupported, ProviderError, TransientError
from .._invariants import check
from .._models import RESULT_TYPES, Result
from .._outcome import Outcome
from .._provider import ProviderInfo
from .harness import ProviderHarness

#: Parameters used when the contract calls a category: each category's declared ``sample`` (a live view).
SAMPLE_PARAMS: Mapping[str, Mapping[str, Any]] = FieldView("sample")

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
                if CATEGORIES[category].computed:
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


async def check_error_bodies(
    plugin: object,
    name: str,
    *,
    bodies: Mapping[bytes | str, type[ProviderError]],
    category: str = "price",
    params: Mapping[str, Any] | None = None,
    status: int = 200,
    provider_settings: dict[str, Any] | None = None,
) -> None:
    """Each of the provider's own error ``bodies``, answered with HTTP ``status``, gives the error it means.

    A provider may say "unknown pair" or "quota exceeded" in a body with HTTP 200 (Kraken:
    ``{"error": ["EQuery:Unknown asset pair"]}``). For each ``body -> error class`` the
    plugin's ``fetch_<category>`` (called with ``params``, default its declared sample) must
    raise an instance of that class; where the class is a :class:`~coinrelay.NotSupported`
    (``NotFound``: the body says the coin or pair is unknown) returning ``None`` is accepted
    too, and the error must not be a breaker strike (its outcome ``not_found`` or
    ``unsupported``, never an :class:`~coinrelay.InvalidResponse`).

    :param bodies: body (bytes, or text sent as UTF-8) -> the error it must give, e.g.
        ``{b'{"error":["EQuery:Unknown asset pair"]}': NotFound,
        b'{"error":["EGeneral:Internal error"]}': InvalidResponse}``.
    :param status: the HTTP status the bodies come with (the core maps 403/418/429/451/5xx itself).
    :raises AssertionError: naming the body, what was expected and what came back.
    """
    check_provider(plugin, name)
    call = dict(params if params is not None else CATEGORIES[category].sample)
    settings = {"endpoints": ["https://contract.invalid"], **(provider_settings or {})}
    for body, expected in bodies.items():
        content = body.encode() if isinstance(body, str) else body

        def handler(request: httpx.Request, content: bytes = content) -> httpx.Response:
            return httpx.Response(status, content=content, headers={"content-type": "application/json"})

        where = f"{name}.fetch_{category} on HTTP {status} body {content[:80]!r}"
        async with ProviderHarness(
            plugin, name, transport=httpx.MockTransport(handler), provider_settings=settings
        ) as harness:
            try:
                result = await harness.call(category, **call)
            except ProviderError as exc:
                got: ProviderError | None = exc
            except Exception as exc:
                wrong = f"{where} raised {type(exc).__name__}: {exc}; expected {expected.__name__}"
                raise AssertionError(wrong) from exc
            else:
                got = None
                assert result is None, f"{where} returned a value: {result!r}; expected {expected.__name__}"
        lenient = issubclass(expected, NotSupported)
        if got is None:
            assert lenient, f"{where} returned None; expected {expected.__name__}"
            continue
        assert isinstance(got, expected), (
            f"{where} raised {type(got).__name__} ({got}); expected {expected.__name__}"
            + (" - an unknown pair is not the endpoint's fault: no breaker strike" if lenient else "")
        )
        if lenient:
            assert got.outcome in (Outcome.NOT_FOUND, Outcome.UNSUPPORTED) and not isinstance(got, TransientError), (
                f"{where}: {type(got).__name__} would strike the breaker"
            )


def check_result(result: object, category: str, name: str) -> None:
    """A result is the category's model and carries the provider's name."""
    expected = RESULT_TYPES[category]
    assert isinstance(result, expected), f"{name}.fetch_{category} returned {type(result).__name__}"
    assert result.source.provider == name, f"source.provider is {result.source.provider!r}, expected {name!r}"


def check_invariants(category: str, params: Mapping[str, Any], result: Result, now: float | None = None) -> str | None:
    """What the core would refuse in ``result`` as the answer to ``category`` with ``params``, else ``None``.

    The same judgement the relay passes on every result (:doc:`resilience`, "Invariants"):
    identity (symbol, quote, interval asked), counts, candle order and width, order-book
    order, plausible times. ``params`` are the call's full parameters (defaults included);
    ``now`` defaults to the wall clock.
    """
    return check(category, params, result, time.time() if now is None else now)
