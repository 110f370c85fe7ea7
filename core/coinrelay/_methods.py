"""``relay.<category>(...)`` and ``sync.<category>(...)``, generated from the category declarations.

Each category's method is rendered as Python source from its :class:`~coinrelay._catalog.CategorySpec`
(real signature, type annotations, a docstring with every parameter), so IDEs and mypy see
what a hand-written method would give them:

* the built-in categories' methods are written to ``_generated_relay.py`` and
  ``_generated_sync.py`` (the mixins :class:`~coinrelay._generated_relay.RelayMethods` and
  :class:`~coinrelay._generated_sync.SyncRelayMethods` that ``Relay`` and ``SyncRelay``
  inherit) by ``make generate`` (``python scripts/generate.py``); ``tests/test_categories.py``
  fails, naming that command, when a file is stale;
* a category registered at run time (:func:`~coinrelay._catalog.register_category`) gets the
  same method, compiled from the same source on first use, through ``__getattr__`` (with its
  ``__signature__`` and ``__doc__``).

:func:`compile_function` is also how :mod:`coinrelay.hookspecs` builds its fetch hook specs.
"""

from __future__ import annotations

import json
import linecache
import textwrap
from pathlib import Path
from types import FunctionType
from typing import TYPE_CHECKING, Any

from ._catalog import _BUILTIN, _REGISTRY, CategorySpec
from ._params import Param

#: The built-in categories' methods, as ``make generate`` writes them.
GENERATED_RELAY = Path(__file__).with_name("_generated_relay.py")
GENERATED_SYNC = Path(__file__).with_name("_generated_sync.py")
GENERATE_COMMAND = "make generate  (or: python scripts/generate.py)"

_RAISES = """\
:raises InvalidRequest: a bad parameter (named).
:raises SymbolNotFound: no provider in the chain serves it.
:raises AllProvidersFailed: every provider failed and no stale value may be served."""


def wrap(text: str, width: int = 96) -> list[str]:
    """``text`` in lines of at most ``width`` characters, continuation lines indented by four spaces."""
    lines = textwrap.wrap(text, width=width, break_on_hyphens=False, break_long_words=False)
    return lines[:1] + ["    " + line for line in lines[1:]]


def param_doc(p: Param) -> str:
    """``number of candles (an integer from 1 to 1000; default 100).``: a parameter in one sentence."""
    what = p.describe() + (", upper-cased" if p.symbol else "")
    if p.required:
        when = "required"
    elif p.default is not None:
        when = f"default ``{p.default}``"
    else:
        when = "``None`` when not given"
    return f"{p.help} ({what}; {when})."


def _literal(value: object) -> str:
    return json.dumps(value) if isinstance(value, str) else repr(value)


def method_source(spec: CategorySpec, *, sync: bool) -> str:
    """The source of ``Relay.<name>`` (``sync=False``) or ``SyncRelay.<name>``, indented for a class body."""
    name, model = spec.name, spec.result.__name__
    args = [f"self: {'_SyncFetch' if sync else '_AsyncFetch'}"]
    for p in spec.params:
        default = "" if p.required else f" = {_literal(p.default)}"
        args.append(f"{p.name}: {p.annotation}{default}")
    args.append("**kw: Any")
    head = "def" if sync else "async def"
    what = "Blocking: the" if sync else "The"
    doc = [spec.help, "", f'{what} ``{name}`` category through its failover chain, like ``fetch("{name}", ...)``.', ""]
    for p in spec.params:
        doc += wrap(f":param {p.name}: {param_doc(p)}")
    doc += [":param kw: options of :meth:`fetch`: ``deadline``, ``hops``, ``consensus``.", *_RAISES.splitlines()]
    body = ["        " + line if line else "" for line in doc]
    call = [f'"{name}"', *(f"{p.name}={p.name}" for p in spec.params), "**kw"]
    awaited = "self.fetch(" if sync else "await self.fetch("
    lines = [
        f"    {head} {name}(",
        *(f"        {a}," for a in args),
        f"    ) -> {model}:",
        f'        """{body[0].strip()}',
        *body[1:],
        '        """',
        "        result = " + awaited,
        *(f"            {c}," for c in call),
        "        )",
        "        return result  # type: ignore[return-value]",
    ]
    return "\n".join(lines) + "\n"


def compile_function(source: str, name: str, namespace: dict[str, Any], filename: str) -> FunctionType:
    """Compile ``source`` (one ``def``, annotations kept as strings) and return the function ``name``.

    The source is registered with :mod:`linecache`, so tracebacks and :func:`inspect.getsource`
    show it.
    """
    flags = annotations.compiler_flag  # the __future__ feature imported above: annotations stay strings
    code = compile(source, filename, "exec", flags=flags, dont_inherit=True)
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    exec(code, namespace)  # our own source, rendered from a category declaration
    fn = namespace[name]
    assert isinstance(fn, FunctionType)
    return fn


_COMPILED: dict[tuple[bool, CategorySpec], FunctionType] = {}


def dynamic_method(spec: CategorySpec, *, sync: bool) -> FunctionType:
    """The method of a category that the generated modules do not hold, compiled once per spec."""
    fn = _COMPILED.get((sync, spec))
    if fn is None:
        source = textwrap.dedent(method_source(spec, sync=sync))
        namespace: dict[str, Any] = {"Any": Any, spec.result.__name__: spec.result}
        namespace |= {"_AsyncFetch": object, "_SyncFetch": object}
        kind = "SyncRelay" if sync else "Relay"
        fn = compile_function(source, spec.name, namespace, f"<coinrelay {kind}.{spec.name}>")
        fn.__qualname__ = f"{kind}.{spec.name}"
        fn.__module__ = "coinrelay"
        _COMPILED[(sync, spec)] = fn
    return fn


class _CategoryFallback:
    """Serves ``obj.<category>`` for a registered category that has no generated method."""

    __slots__ = ()
    _sync: bool = False

    if not TYPE_CHECKING:  # keep mypy checking attribute names on Relay and SyncRelay

        def __getattr__(self, name: str) -> Any:
            spec = _REGISTRY.get(name)
            if spec is None:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            return dynamic_method(spec, sync=self._sync).__get__(self, type(self))

        def __dir__(self) -> list[str]:
            return sorted({*super().__dir__(), *_REGISTRY})


class RelayFallback(_CategoryFallback):
    """Base of :class:`~coinrelay._generated_relay.RelayMethods`."""

    __slots__ = ()


class SyncRelayFallback(_CategoryFallback):
    """Base of :class:`~coinrelay._generated_sync.SyncRelayMethods`."""

    __slots__ = ()
    _sync = True


_HEADER = '''\
"""{what}: GENERATED, do not edit.

Written by ``make generate`` (``python scripts/generate.py``) from the category
declarations in ``coinrelay/_categories.py``; ``tests/test_categories.py`` checks it is
current. A category registered at run time gets the same method on first use.
"""

from __future__ import annotations

from typing import Any, Protocol

from ._methods import {base}
from ._models import (
{models}
)


class {protocol}(Protocol):
    {fetch}


class {cls}({base}):
    """{doc}"""

    __slots__ = ()

'''

_ASYNC = {
    "what": "The per-category methods of ``Relay``",
    "base": "RelayFallback",
    "protocol": "_AsyncFetch",
    "fetch": "async def fetch(self, category: str, **params: Any) -> Result: ...",
    "cls": "RelayMethods",
    "doc": "``relay.<category>(...)``: one coroutine method per category.",
}
_SYNC = {
    "what": "The per-category methods of ``SyncRelay``",
    "base": "SyncRelayFallback",
    "protocol": "_SyncFetch",
    "fetch": "def fetch(self, category: str, **params: Any) -> Result: ...",
    "cls": "SyncRelayMethods",
    "doc": "``sync.<category>(...)``: one blocking method per category.",
}


def render_modules(specs: list[CategorySpec] | None = None) -> dict[Path, str]:
    """The text of :data:`GENERATED_RELAY` and :data:`GENERATED_SYNC` for ``specs`` (default: the
    built-in categories)."""
    specs = [s for s in _REGISTRY.values() if s.name in _BUILTIN] if specs is None else specs
    names = {s.result.__name__ for s in specs} | {"Result"}
    models = "\n".join(f"    {n}," for n in sorted(names, key=lambda n: (not n.isupper(), n)))
    out = {}
    for path, kind, sync in ((GENERATED_RELAY, _ASYNC, False), (GENERATED_SYNC, _SYNC, True)):
        out[path] = _HEADER.format(models=models, **kind) + "\n".join(method_source(s, sync=sync) for s in specs)
    return out


__all__ = [
    "GENERATED_RELAY",
    "GENERATED_SYNC",
    "RelayFallback",
    "SyncRelayFallback",
    "compile_function",
    "dynamic_method",
    "method_source",
    "param_doc",
    "render_modules",
]
