"""The category catalog: :class:`CategorySpec`, the declaration of one data category, and the registry.

The built-in categories are declared in :mod:`coinrelay._categories`; an extension (or a
test) adds one with :func:`register_category`. Everything else about a category is derived
from its spec (see :mod:`coinrelay._categories` for where).
"""

from __future__ import annotations

import keyword
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Generic, TypeVar, overload

from . import _models
from ._errors import InvalidRequest
from ._models import Result
from ._params import Param

#: Names a category may not take: the relay's and the sync facade's own attributes, the
#: CLI's other commands, and the keyword options of ``relay.fetch``.
RESERVED: Final = frozenset(
    {
        "aclose", "chains", "clock", "close", "closed", "config", "consensus", "deadline", "fetch", "from_config",
        "health", "hops", "new_provider", "plugin_statuses", "plugins", "pm", "prices", "probe", "providers",
        "register", "relay", "resolve", "sandbox", "serve", "settings", "start", "state", "stats", "transport",
        "wait_background",
    }
)  # fmt: skip
#: Keyword names a parameter may not take (the hook's ``ctx``, ``relay.fetch``'s options).
RESERVED_PARAMS: Final = frozenset({"ctx", "self", "kw", "category", "hops", "deadline", "consensus"})


@dataclass(frozen=True, eq=False)
class CategorySpec:
    """Everything about one data category. Compared by identity.

    :param name: the one name (lowercase identifier): hook ``fetch_<name>``, ``relay.<name>``,
        ``[chains] <name>``, ``/api/v1/<name>``, ``coinrelay <name>``.
    :param result: the result model (a :class:`~coinrelay.Result` subclass) the hook returns.
    :param summary: one plain sentence: the relay method's first line, ``--help``, OpenAPI.
    :param description: more for plugin authors (reStructuredText): what the result must
        hold, ordering, what to raise for what; it goes into the hook's docstring.
    :param params: the request parameters, in order (positional order of the relay method,
        order of the cache key). Required ones first.
    :param ttl: seconds a value is fresh in the cache (``[cache.ttl]`` overrides).
    :param max_stale: seconds a value may be served stale when every provider fails
        (``[cache.max_stale]`` overrides).
    :param sample: parameters the contract kit calls the hook with.
    :param probe: cheap parameters ``coinrelay health`` probes a provider with.
    :param computed: computed locally from other categories (through ``ctx.fetch``).
    :param third_party: no plugin shipped with coinrelay serves it.
    """

    name: str
    result: type[Result]
    summary: str
    description: str
    params: tuple[Param, ...]
    ttl: float
    max_stale: float
    sample: Mapping[str, Any] = field(default_factory=dict)
    probe: Mapping[str, Any] = field(default_factory=dict)
    computed: bool = False
    third_party: bool = False
    #: The parameter names (derived).
    names: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", frozenset(p.name for p in self.params))
        name = self.name
        if not (name.isidentifier() and name.isascii() and name.islower()) or name.startswith("_"):
            raise ValueError(f"category name {name!r}: use a lowercase ASCII identifier")
        if keyword.iskeyword(name) or name in RESERVED:
            raise ValueError(f"category name {name!r} is reserved")
        if not (isinstance(self.result, type) and issubclass(self.result, Result)):
            raise ValueError(f"{name}: result must be a coinrelay Result model, not {self.result!r}")
        if not self.summary.strip() or "\n" in self.summary.strip():
            raise ValueError(f"{name}: summary must be one line")
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"{name}: a parameter is declared twice: {names}")
        bad = sorted(set(names) & RESERVED_PARAMS)
        if bad:
            raise ValueError(f"{name}: reserved parameter names {bad}")
        firsts = [p.required for p in self.params]
        if firsts != sorted(firsts, reverse=True):
            raise ValueError(f"{name}: required parameters come before the others: {names}")
        if self.ttl < 0 or self.max_stale < 0:
            raise ValueError(f"{name}: ttl and max_stale are seconds >= 0")
        for what, given in (("sample", self.sample), ("probe", self.probe)):
            try:
                self.validate(given)
            except InvalidRequest as exc:
                raise ValueError(f"{name}: {what} parameters are not valid: {exc}") from None

    @property
    def hook(self) -> str:
        """The fetch hook's name: ``fetch_<name>``."""
        return f"fetch_{self.name}"

    @property
    def help(self) -> str:
        """:attr:`summary`, saying when no shipped plugin serves the category."""
        return self.summary + (" Needs a third-party provider plugin." if self.third_party else "")

    def validate(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """``given`` checked and normalised, every parameter present; raises ``InvalidRequest`` naming one."""
        if not self.names.issuperset(given):
            key = next(k for k in given if k not in self.names)
            allowed = ", ".join(p.name for p in self.params) or "none"
            raise InvalidRequest(key, f"not a parameter of {self.name}; allowed: {allowed}")
        get = given.get
        return {p.name: p.check(get(p.name)) for p in self.params}


# ---------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------

_REGISTRY: dict[str, CategorySpec] = {}
_BUILTIN: set[str] = set()
#: Every category, by name, in order: a live read-only view of the registry.
CATEGORIES: Final[Mapping[str, CategorySpec]] = MappingProxyType(_REGISTRY)


def register_category(spec: CategorySpec, *, replace: bool = False) -> CategorySpec:
    """Add ``spec`` to the registry (after the built-in categories), for extensions and tests.

    Register before building a :class:`~coinrelay.Relay` (its plugin manager reads the hook
    specs, its config the allowed keys, its server the routes, when they are built). The new
    category then has a hook spec, ``relay.<name>(...)`` / ``sync.<name>(...)``, a route
    ``GET /api/v1/<name>``, a CLI command, cache defaults and config keys.

    :param replace: allow replacing a category registered earlier under the same name.
    :raises ValueError: the name is taken (without ``replace``) or is a built-in's.
    """
    old = _REGISTRY.get(spec.name)
    if old is not None and (not replace or spec.name in _BUILTIN):
        raise ValueError(f"category {spec.name!r} is already registered")
    _REGISTRY[spec.name] = spec
    _models.RESULT_TYPES[spec.name] = spec.result
    return spec


def unregister_category(name: str) -> CategorySpec:
    """Remove a category added by :func:`register_category` (built-in ones stay)."""
    if name in _BUILTIN:
        raise ValueError(f"{name!r} is a built-in category")
    spec = _REGISTRY.pop(name)
    _models.RESULT_TYPES.pop(name, None)
    return spec


def get(category: str) -> CategorySpec:
    """The spec of ``category``; :class:`InvalidRequest` naming the allowed ones otherwise."""
    spec = _REGISTRY.get(category)
    if spec is None:
        raise InvalidRequest("category", f"unknown category {category!r}; allowed: {', '.join(_REGISTRY)}")
    return spec


def register_builtin(spec: CategorySpec) -> None:
    """Register one of coinrelay's own categories (:mod:`coinrelay._categories`); it stays for good."""
    register_category(spec)
    _BUILTIN.add(spec.name)


def hook_name(category: str) -> str:
    """The fetch hook that serves ``category``."""
    return f"fetch_{category}"


class CategoryNames(Sequence[str]):
    """The registered category names in order: a live, read-only, tuple-like sequence.

    ``in``, iteration, ``len``, indexing and ``==`` with a tuple behave as on a tuple of
    the names, and a category registered later is in it.
    """

    __slots__ = ()

    def __contains__(self, name: object) -> bool:
        return name in _REGISTRY

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(_REGISTRY))

    def __len__(self) -> int:
        return len(_REGISTRY)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...
    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        return tuple(_REGISTRY)[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CategoryNames | tuple):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __add__(self, other: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(self) + tuple(other)

    def __repr__(self) -> str:
        return repr(tuple(self))


V = TypeVar("V")


class FieldView(Mapping[str, V], Generic[V]):
    """A live read-only mapping ``category -> spec.<attribute>`` (``PARAMS``, ``SAMPLE_PARAMS``...)."""

    __slots__ = ("_attr",)

    def __init__(self, attr: str) -> None:
        self._attr = attr

    def __getitem__(self, category: str) -> V:
        value: V = getattr(_REGISTRY[category], self._attr)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(_REGISTRY))

    def __len__(self) -> int:
        return len(_REGISTRY)


#: Every category name, in order (live: includes categories registered later).
ALL: Final = CategoryNames()
