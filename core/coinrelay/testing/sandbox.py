"""The sandbox check: a plugin's own sandbox upstream serves what the plugin itself parses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._config import CacheSettings, Settings
from .._errors import AllProvidersFailed, SymbolNotFound
from .._models import Result
from .._outcome import Outcome
from .._relay import Relay
from .contract import SAMPLE_PARAMS, check_provider


async def check_sandbox_upstream(
    plugin: Any,
    name: str,
    *,
    categories: Iterable[str] | None = None,
    others: Iterable[tuple[str, object]] = (),
    params: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Result]:
    """Run ``plugin``'s sandbox upstream and fetch through ``plugin``, as ``coinrelay serve --sandbox`` does.

    Starts a :class:`~coinrelay.sandbox.Sandbox` of ``plugin`` (registered as ``name``)
    and ``others``, points a relay at it with ``name`` alone in each chain, and checks
    that every category ends in a result served by ``name`` on a sandbox endpoint and
    labelled ``sandbox``; then that a ``429`` fault on its upstream (with its declared
    body) comes out as a ``rate_limited`` attempt, not a result or a crash.

    :param plugin: the plugin module (or object with hookimpls).
    :param name: its entry-point name.
    :param categories: the categories to fetch (default: all its ``provider_info`` declares).
    :param others: plugins it serves from (render's inner relay needs some provider).
    :param params: per-category parameters (default: :data:`~coinrelay.testing.SAMPLE_PARAMS`).
    :return: the results, by category.
    :raises AssertionError: naming the category and what went wrong.
    """
    from ..sandbox import Sandbox  # here: coinrelay.sandbox imports coinrelay.testing's FakeUpstream

    info = check_provider(plugin, name)
    wanted = tuple(categories) if categories is not None else info.categories
    chosen = {**SAMPLE_PARAMS, **(params or {})}
    plugins = [(name, plugin), *others]
    results: dict[str, Result] = {}
    with Sandbox(plugins=plugins, load_entry_points=False) as box:
        assert name in box.providers, f"{name}: sandbox_upstream offers no upstream (returned None or is missing)"
        endpoints = box.endpoints(name)
        base = Settings(chains={c: [name] for c in wanted}, cache=CacheSettings(enabled=False))
        settings = box.apply(base)
        async with Relay(settings, plugins=plugins, load_entry_points=False, sandbox=True) as relay:
            for category in wanted:
                try:
                    result = await relay.fetch(category, **chosen[category])
                except (AllProvidersFailed, SymbolNotFound) as exc:
                    raise AssertionError(f"{name}: {category} failed against its own sandbox upstream: {exc}") from exc
                src = result.source
                assert src.provider == name, f"{name}: {category} served by {src.provider!r}"
                assert src.endpoint in endpoints, f"{name}: {category} from {src.endpoint!r}, not a sandbox endpoint"
                assert src.sandbox, f"{name}: {category} is not labelled sandbox"
                results[category] = result
        box.inject(name, "429", retry_after=1)
        first = wanted[0]
        async with Relay(settings, plugins=plugins, load_entry_points=False, sandbox=True) as relay:
            try:
                await relay.fetch(first, **chosen[first])
            except AllProvidersFailed as exc:
                outcomes = [a.outcome for a in exc.attempts if a.provider == name]
                assert Outcome.RATE_LIMITED in outcomes, f"{name}: a 429 from its upstream gave {outcomes}"
            else:
                raise AssertionError(f"{name}: {first} succeeded while its sandbox upstream answered 429")
    return results
