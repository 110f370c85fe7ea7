"""Failover chains: each category's ordered tiers of providers.

A tier with several members is balanced by smooth weighted round-robin on health
(success rate and latency EWMA); a chain comes from ``[chains]``, or, without one, from
the providers' priorities.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ._categories import ALL
from ._config import Settings
from ._errors import ConfigError
from ._health import DEFAULT_LATENCY
from ._plugins import PluginStatus
from ._runtime import ProviderRuntime


class Tier:
    """One tier of a chain, balanced by smooth weighted round-robin on health."""

    __slots__ = ("current", "members")

    def __init__(self, members: list[ProviderRuntime]) -> None:
        self.members = members
        self.current = [0.0] * len(members)

    def order(self) -> list[ProviderRuntime]:
        members = self.members
        if len(members) == 1:
            return members
        known = [m.health.ewma for m in members if m.health.ewma is not None]
        default = sum(known) / len(known) if known else DEFAULT_LATENCY  # a cold member gets its share
        weights = [m.health.weight(default) if m.breaker.is_available() else 0.0 for m in members]
        total = sum(weights)
        if total <= 0:
            return members
        cur = self.current
        best = 0
        for i, w in enumerate(weights):
            cur[i] += w
            if cur[i] > cur[best]:
                best = i
        cur[best] -= total
        rest = sorted((i for i in range(len(members)) if i != best), key=lambda i: -weights[i])
        return [members[best]] + [members[i] for i in rest]


def build_chains(
    settings: Settings, providers: Mapping[str, ProviderRuntime], statuses: Iterable[PluginStatus]
) -> dict[str, list[Tier]]:
    """Each category's tiers. A provider in a user's chain that is not installed, or that does
    not serve the category, is a :class:`ConfigError`; in the shipped defaults it is left out.
    """
    statuses = list(statuses)
    strict = settings.strict_chains
    chains: dict[str, list[Tier]] = {}
    strict = settings.strict_chains
    for category in ALL:
        configured = settings.chains.get(category)
        tiers: list[Tier] = []
        if configured:
            is_strict = strict is None or category in strict
            for entry in configured:
                names = entry if isinstance(entry, list) else [entry]
                members = []
                for pname in names:
                    rt = providers.get(pname)
                    if rt is None:
                        known = {s.name for s in statuses}
                        if pname in known or not settings.provider(pname).enabled:
                            continue  # installed but disabled or failed: skip it
                        if is_strict:
                            installed = ", ".join(sorted(providers)) or "none"
                            raise ConfigError(
                                f"unknown provider {pname!r} in the chain",
                                file=settings.source_path,
                                key=f"chains.{category}",
                                allowed=installed,
                            )
                        continue
                    if category not in rt.impls:
                        if is_strict:
                            raise ConfigError(
                                f"provider {pname!r} does not serve {category!r} "
                                f"(it serves {', '.join(rt.impls) or 'nothing'})",
                                file=settings.source_path,
                                key=f"chains.{category}",
                                allowed=", ".join(n for n, r in providers.items() if category in r.impls),
                            )
                        continue
                    members.append(rt)
                if members:
                    tiers.append(Tier(members))
        else:
            by_priority: dict[int, list[ProviderRuntime]] = {}
            for rt in providers.values():
                if category in rt.impls:
                    by_priority.setdefault(rt.priority, []).append(rt)
            tiers = [Tier(by_priority[p]) for p in sorted(by_priority)]
        chains[category] = tiers
    return chains
