"""Hook specifications: the whole contract between the core and a provider plugin.

A plugin is a module registered under the ``coinrelay.plugins`` entry-point group whose
functions are marked with :data:`hookimpl` (``from coinrelay.plugin import hookimpl``).
The core never calls a fetch hook 1:N: the router calls one provider's implementation at a
time, so ordering, failover and isolation belong to the relay, not to pluggy.

Three groups, each spec's docstring stating its contract in a fixed order (when it is
called; what to return and what ``None`` means; what to raise; each parameter):

* description: :func:`provider_info`;
* fetching: one async ``fetch_<category>`` per category. They are generated from the
  category declarations (:mod:`coinrelay._categories`), each with the shared rules of
  :data:`FETCH_CONTRACT` in its docstring: ``help(coinrelay.hookspecs.fetch_price)``;
* events: ``on_breaker_state_change``, ``on_request_finished``, ``on_call_finished``,
  ``on_failover``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

from ._catalog import CATEGORIES, CategorySpec
from ._methods import compile_function, param_doc, wrap

if TYPE_CHECKING:
    from ._events import BreakerStateChanged, CallFinished, FailoverHappened, RequestFinished
    from ._fakes import SandboxUpstream
    from ._provider import ProviderInfo
    from .sandbox import Sandbox

PROJECT_NAME = "coinrelay"
ENTRY_POINT_GROUP = "coinrelay.plugins"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# ---------------------------------------------------------------------------
# Description
# ---------------------------------------------------------------------------


@hookspec
def provider_info() -> ProviderInfo:
    """Describe the provider this plugin implements.

    Called once each time a relay is built, and by ``coinrelay plugins`` (which builds no
    relay). Must not do I/O, and must be cheap: it runs at start-up.

    Return the provider's :class:`~coinrelay.plugin.ProviderInfo`: its name (equal to the
    entry-point name), the categories it serves (each needs its ``fetch_<category>`` hook),
    its default endpoints (mirrors, in order), priority, credentials and rate budget. A
    plugin that only listens to events does not implement this hook.

    Raise nothing: an exception here marks the plugin ``failed`` in ``coinrelay plugins``
    and the relay runs without it.
    """


# ---------------------------------------------------------------------------
# Sandbox: a plugin's own fake API for ``coinrelay serve --sandbox`` (issue 12).
# Self-contained: nothing here depends on the fetch specs below.
# ---------------------------------------------------------------------------


@hookspec
def sandbox_upstream(sandbox: Sandbox) -> SandboxUpstream | None:
    """Offer this provider's fake API to coinrelay's sandbox.

    Called once per :class:`~coinrelay.sandbox.Sandbox`, when it is created (``coinrelay
    serve --sandbox``, the CLI's ``--sandbox``, tests), for every plugin that implements
    it; the sandbox files the answer under the plugin's (entry-point) name, which is the
    provider's name. Must not do I/O or start anything: the sandbox starts the loopback
    servers when it starts and stops them when it closes. Import the fake lazily, inside
    the hook, so it costs nothing outside sandbox mode.

    Return a :class:`~coinrelay.plugin.SandboxUpstream`: the handler answering in the
    provider's real format from its recorded bodies, the number of mirrors, the path prefix of
    the real base URL, the dummy credentials the provider needs and the body of its HTTP 429.
    Return ``None`` (like not implementing the hook) for no sandbox upstream: the provider is
    then blocked in sandbox mode, so it never reaches the network. Raise nothing: an exception
    is logged and treated as ``None``.

    :param sandbox: the sandbox asking. Most plugins leave this parameter out. A provider
        that serves from other providers (``render``) keeps it and, once requests arrive
        (the sandbox is started by then), answers from ``sandbox.relay(exclude=(name,))``.
    """


# ---------------------------------------------------------------------------
# Fetching: one async hook per category, generated from its declaration
# (coinrelay/_categories.py) with the shared contract below in every docstring.
# ---------------------------------------------------------------------------

#: The contract every fetch hook's docstring states, after its own description.
FETCH_CONTRACT = """\
Return a :class:`~coinrelay.plugin.{model}` built with ``source=ctx.source()``. Return
``None`` when this provider does not serve the request: the relay moves on to the next
provider with no penalty, as for :class:`~coinrelay.plugin.NotSupported`.

Raise a :class:`~coinrelay.plugin.ProviderError` for anything else, never ``KeyError``,
``ValueError`` or ``TypeError`` (a plugin bug, blamed on the provider's breaker):

* :class:`~coinrelay.plugin.NotSupported`: this provider does not serve the pair, interval
  or parameter. No penalty. Raise it before sending anything when you know it already.
* :class:`~coinrelay.plugin.NotFound`: the answer is well-formed but lacks the requested
  coin or quote, including an HTTP-200 error body that says the pair or coin is unknown
  (Kraken's ``{{"error": ["EQuery:Unknown asset pair"]}}``). No penalty: it is the
  caller's question, not the endpoint's fault. Never ``InvalidResponse`` for it.
* :class:`~coinrelay.plugin.InvalidResponse` (``resp.error(...)``, ``bad(...)``): a
  malformed, truncated or wrong-shape body, or an HTTP-200 error body that says anything
  else (``{{"error": ["EGeneral:Internal error"]}}``). Blamed on the endpoint: it counts
  against that endpoint's breaker and the core tries the provider's next mirror.
* :class:`~coinrelay.plugin.RateLimited`: a quota answer the core cannot see, such as an
  in-band rate-limit error in an HTTP 200; pass ``retry_after`` when the body gives it.
* :class:`~coinrelay.plugin.NotConfigured`: something the user must set is missing (an API
  key, an option). The provider is skipped with no penalty.

HTTP 429 and 418 (rate limited), 403 and 451 (forbidden), 5xx, timeouts and connection
errors are mapped by the core inside ``ctx.http.get``: let them propagate."""

_FETCH_SPEC = '''\
async def {hook}({args}) -> {model} | None:
    """Serve ``{name}`` from this provider: {summary}

    Called by the router for one provider at a time, when a request for ``{name}`` that the
    cache could not answer reaches this provider in its chain (and by ``coinrelay health``'s
    probe); never while the provider's breaker is open, while it is paused or when it is not
    configured. The arguments arrive validated and normalised; an implementation may take
    only the ones it needs.

{description}

{contract}

    :param ctx: this provider's context for this call: ``ctx.http``, ``ctx.settings``,
        ``ctx.symbols``, ``ctx.source()``, ``ctx.memo(...)``, ``ctx.fetch(...)``.
{params}
    """
'''


def _indent(text: str) -> str:
    return textwrap.indent(text, "    ", lambda line: bool(line.strip()))


def fetch_spec_source(spec: CategorySpec) -> str:
    """The source of the hook spec ``fetch_<category>`` (see :func:`fetch_spec`)."""
    params = "\n".join("    " + line for p in spec.params for line in wrap(f":param {p.name}: {param_doc(p)}"))
    return _FETCH_SPEC.format(
        hook=spec.hook,
        name=spec.name,
        model=spec.result.__name__,
        args=", ".join(["ctx: ProviderContext", *(f"{p.name}: {p.annotation}" for p in spec.params)]),
        summary=spec.help[0].lower() + spec.help[1:],
        description=_indent(spec.description),
        contract=_indent(FETCH_CONTRACT.format(model=spec.result.__name__)),
        params=params,
    )


_SPECS: dict[CategorySpec, Callable[..., Any]] = {}


def fetch_spec(spec: CategorySpec) -> Callable[..., Any]:
    """The hook spec of ``spec``'s category: a real (body-less) function pluggy reads, with the contract."""
    fn = _SPECS.get(spec)
    if fn is None:
        fn = hookspec(compile_function(fetch_spec_source(spec), spec.hook, {}, f"<coinrelay hookspec {spec.hook}>"))
        fn.__module__ = __name__
        _SPECS[spec] = fn
    return fn


for _spec in CATEGORIES.values():
    globals()[_spec.hook] = fetch_spec(_spec)
del _spec


def __getattr__(name: str) -> Callable[..., Any]:
    """The spec of a category registered after this module was imported (``fetch_<category>``)."""
    spec = CATEGORIES.get(name[len("fetch_") :]) if name.startswith("fetch_") else None
    if spec is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return fetch_spec(spec)


def __dir__() -> list[str]:
    return sorted({*globals(), *(spec.hook for spec in CATEGORIES.values())})


# ---------------------------------------------------------------------------
# Events: each takes one frozen dataclass, and runs on the request path (keep it
# quick). Every listener is called (1:N); one that raises is logged and skipped,
# never failing the data call.
# ---------------------------------------------------------------------------


@hookspec
def on_breaker_state_change(event: BreakerStateChanged) -> None:
    """A circuit breaker (a provider's, or one endpoint's) changed state.

    Called synchronously, on the request path, each time a breaker moves between
    ``closed``, ``open`` and ``half_open``: keep it quick. Return nothing; an exception is
    logged and ignored.

    :param event: :class:`~coinrelay.BreakerStateChanged`: ``provider``, ``endpoint``
        (``None`` for the provider's own breaker), ``old``, ``new``, ``reason``, ``until``.
    """


@hookspec
def on_request_finished(event: RequestFinished) -> None:
    """One attempt of the failover trail finished: a provider asked on one endpoint, or skipped.

    Called synchronously once per attempt (a failed mirror followed by a good one is two
    calls). Return nothing; an exception is logged and ignored.

    :param event: :class:`~coinrelay.RequestFinished`: ``provider``, ``endpoint``,
        ``category``, ``outcome``, ``latency`` (seconds), ``error``, ``blame``.
    """


@hookspec
def on_call_finished(event: CallFinished) -> None:
    """One relay call finished, however it was served, or failed.

    Called synchronously once per relay call (``relay.price(...)``, one HTTP data request),
    cache hits included. Return nothing; an exception is logged and ignored.

    :param event: :class:`~coinrelay.CallFinished`: ``category``, ``served`` (``provider``,
        ``coalesced``, ``cache``, ``stale`` or ``none``), ``provider``, ``outcome``,
        ``latency`` (seconds).
    """


@hookspec
def on_failover(event: FailoverHappened) -> None:
    """The relay moved on from one provider to the next within a call.

    Called synchronously each time a provider did not answer and the next one in the chain
    is tried. Return nothing; an exception is logged and ignored.

    :param event: :class:`~coinrelay.FailoverHappened`: ``category``, ``from_provider``,
        ``to_provider``, ``why``.
    """
