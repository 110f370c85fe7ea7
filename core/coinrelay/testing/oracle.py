"""Serve bodies to one provider over loopback HTTP, through a real :class:`~coinrelay.Relay`, and judge.

The oracle of issue 11: whatever the upstream sends, the relay either returns a value the
core's invariants accept (:func:`coinrelay._invariants.check`, and the result models'
own validation) or refuses with the core's errors — never a wrong value as success, never a
foreign exception out of a plugin (a trail entry ``plugin error ...``).

:func:`check_mutations` is the contract kit's one call for a third-party plugin: its real
bodies, then every mutation of :mod:`coinrelay.testing.mutations`, per category.
"""

from __future__ import annotations

import functools
import itertools
import time
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._config import BreakerSettings, ProviderSettings, RateLimitSettings, Settings
from .._errors import AllProvidersFailed, InvalidResponse, SymbolNotFound
from .._invariants import check
from .._models import Result
from .._relay import Relay
from .._requests import validate
from .mutations import Mutation, decode, field_mutations, whole_mutations
from .upstream import FakeUpstream, Reply, Request

#: The relay itself runs ``check()`` on every result before returning it (the request path
#: of issue 10), so the oracle judges the relay's own answers. ``False`` runs ``check()``
#: inside each fetch hook instead (for a core without that step).
RELAY_CHECKS_RESULTS = True
#: Bodies: one for every request of the category, or request path (prefix) -> body.
Bodies = bytes | Mapping[str, bytes]


def enforcing(plugin: object) -> object:
    """``plugin`` with each ``fetch_*`` hook running :func:`~coinrelay._invariants.check` on its result."""
    proxy = types.ModuleType(getattr(plugin, "__name__", "plugin"))
    for attr in dir(plugin):
        value = getattr(plugin, attr)
        if attr.startswith("fetch_") and callable(value):
            value = _checked(attr.removeprefix("fetch_"), value)
        if not attr.startswith("__"):
            setattr(proxy, attr, value)
    return proxy


def _checked(category: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    async def hook(**kwargs: Any) -> Any:
        result = await fn(**kwargs)
        if isinstance(result, Result):
            ctx = kwargs.get("ctx")
            params = {k: v for k, v in kwargs.items() if k != "ctx"}
            problem = check(category, params, result, time.time())
            if problem is not None:
                endpoint = getattr(ctx, "last_endpoint", None)
                raise InvalidResponse(problem, provider=result.source.provider, endpoint=endpoint)
        return result

    return hook


@dataclass
class Verdict:
    """What the relay made of one body: ``ok`` (a plausible value) or the outcomes of its refusal."""

    outcome: str
    result: Result | None = None
    errors: list[str] = field(default_factory=list)


class Bench:
    """One provider behind one :class:`FakeUpstream`, called through one relay per category.

    The relay has no cache, a breaker that never opens and no request budget, so every call
    reaches the upstream; after a call that paused the provider (``rate_limited``,
    ``forbidden``) the category gets a fresh relay. Use as an async context manager.

    :param plugins: ``(name, module)`` pairs; the first is the provider under test (the
        built-in ``technical`` plugin is always there and fetches from it).
    """

    def __init__(self, plugins: list[tuple[str, object]], provider_settings: Mapping[str, Any] | None = None) -> None:
        self.name = plugins[0][0]
        self.plugins = [(n, p if RELAY_CHECKS_RESULTS else enforcing(p)) for n, p in plugins]
        self.provider_settings = dict(provider_settings or {})
        self.upstream = FakeUpstream().start()
        self._bodies: Bodies = b""
        self.upstream.default = self._answer
        self._relays: dict[str, Relay] = {}

    async def aclose(self) -> None:
        for relay in self._relays.values():
            await relay.aclose()
        self._relays.clear()
        self.upstream.close()

    async def __aenter__(self) -> Bench:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _relay(self, category: str) -> Relay:
        relay = self._relays.get(category)
        if relay is None:
            relay = Relay(self.settings(category), plugins=self.plugins, load_entry_points=False)
            await relay.__aenter__()
            self._relays[category] = relay
        return relay

    def _answer(self, req: Request) -> Reply:
        bodies = self._bodies
        if isinstance(bodies, bytes):
            return Reply.raw(bodies)
        best = max((p for p in bodies if req.path.startswith(p)), key=len, default=None)
        if best is None:
            return Reply.json({"error": f"no body for {req.path}"}, status=404)
        return Reply.raw(bodies[best])

    def settings(self, category: str) -> Settings:
        provider = ProviderSettings(
            endpoints=[self.upstream.url],
            timeout=10.0,
            rate_limit=RateLimitSettings(limit=1_000_000, period=1.0),
            **self.provider_settings,
        )
        chains = {category: [self.name]} if category != "technical" else {"technical": ["technical"]}
        if category == "technical":
            chains["ohlcv"] = [self.name]
        never_open = BreakerSettings(failure_threshold=1_000_000, min_calls=1_000_000)
        s = Settings(providers={self.name: provider}, chains=chains, breaker=never_open)
        s.cache.enabled = False
        return s

    async def serve(self, category: str, params: Mapping[str, Any], bodies: Bodies) -> Verdict:
        """Serve ``bodies`` and call ``category`` with ``params``; raise ``AssertionError`` on a violation."""
        self._bodies = bodies
        verdict = await judge(await self._relay(category), category, params)
        if "rate_limited" in verdict.outcome or "forbidden" in verdict.outcome:
            await self._relays.pop(category).aclose()  # paused: the next call needs a fresh relay
        return verdict


async def judge(relay: Relay, category: str, params: Mapping[str, Any]) -> Verdict:
    """Call ``relay`` and judge the answer (see the module docstring)."""
    clean = validate(category, params)
    try:
        result = await relay.fetch(category, **params)
    except (AllProvidersFailed, SymbolNotFound) as exc:
        _no_foreign(exc.attempts)
        if all(a.outcome == "skipped" for a in exc.attempts):
            raise AssertionError(f"{category}: the provider was not called: {exc}") from None
        return Verdict(",".join(str(a.outcome) for a in exc.attempts), errors=[a.error or "" for a in exc.attempts])
    _no_foreign(result.source.attempts)
    problem = check(category, clean, result, time.time())
    if problem is not None:
        raise AssertionError(f"{category}: a wrong value was returned as success: {problem}")
    type(result).model_validate(result.model_dump())  # nothing built around the models' validation
    return Verdict("ok", result)


def _no_foreign(attempts: Iterable[Any]) -> None:
    for a in attempts:
        if a.error and "plugin error" in a.error:
            raise AssertionError(f"a foreign exception left {a.provider}: {a.error}")


async def check_mutations(
    plugin: object,
    name: str,
    *,
    bodies: Mapping[str, Bodies],
    params: Mapping[str, Mapping[str, Any]],
    errors: Iterable[bytes] = (),
    provider_settings: Mapping[str, Any] | None = None,
    limit: int | None = None,
) -> dict[str, dict[str, int]]:
    """The zero-wrong-values contract for ``plugin``, category by category, in one call.

    For each category of ``bodies`` (a real body, or request path -> real body when the
    category makes several requests): the real bodies must give a plausible value, then
    every mutation of each body (:mod:`coinrelay.testing.mutations`, up to ``limit`` per
    body) is served over loopback HTTP to a :class:`~coinrelay.Relay` holding only this
    provider, called with ``params[category]``. Each must give a value the core's invariants
    accept or a refusal through the core's errors; ``errors`` are the provider's own in-band
    error bodies (served with HTTP 200). Raises ``AssertionError`` naming the mutation.

    :return: per category, how many mutations ended how (``ok``, ``invalid``, ...).
    """
    tally: dict[str, dict[str, int]] = {}
    error_bodies = tuple(errors)
    async with Bench([(name, plugin)], provider_settings) as bench:
        for category, real in bodies.items():
            asked = params[category]
            verdict = await bench.serve(category, asked, real)
            if verdict.outcome != "ok":
                raise AssertionError(f"{name}.{category}: the real body is refused: {verdict.errors}")
            counts = tally.setdefault(category, {})
            for path, mutation in _each(real, error_bodies, limit):
                served = {**real, path: mutation.body} if isinstance(real, Mapping) else mutation.body
                try:
                    verdict = await bench.serve(category, asked, served)
                except AssertionError as exc:
                    where = f" (body of {path})" if path else ""
                    raise AssertionError(f"{name}.{category}, mutation {mutation.label!r}{where}: {exc}") from None
                key = "ok" if verdict.outcome == "ok" else verdict.outcome.rsplit(",", 1)[-1]
                counts[key] = counts.get(key, 0) + 1
    return tally


def _each(real: Bodies, errors: tuple[bytes, ...], limit: int | None) -> Iterable[tuple[str, Mutation]]:
    items = real.items() if isinstance(real, Mapping) else [("", real)]
    for path, content in items:
        found = itertools.chain(whole_mutations(content, errors), field_mutations(decode(content)))
        for mutation in itertools.islice(found, limit):  # lazily: a big body has tens of thousands
            yield path, mutation
