"""Names, provider ids and tickers -> one canonical ticker: ``relay.resolve("bitcoin") == "BTC"``.

Where the answers come from:

1. :data:`ASSETS`, a curated table shipped with the core: ticker, name and common aliases of
   the most traded assets (names are not ids: they are what people type);
2. every loaded provider's own id table, :attr:`ProviderInfo.symbol_ids
   <coinrelay._provider.ProviderInfo.symbol_ids>` (CoinGecko ``bitcoin``, CoinPaprika
   ``btc-bitcoin``, CoinCap ``binance-coin``), plus the config's ``providers.<name>.symbols``.

Text is compared on a key: lowercase, runs of spaces, ``_`` and ``-`` made one ``-``
(``"Bitcoin Cash"``, ``"bitcoin-cash"`` and ``"bitcoin_cash"`` are the same). The rules:

* a ticker some table knows answers itself (``"eth"`` -> ``ETH``);
* else a name, alias or provider id that points at exactly one ticker answers that ticker;
* one that points at several is **ambiguous**: :class:`AmbiguousSymbol` lists the
  candidates and how each matched (``"polygon"``: ``MATIC`` by name, ``POL`` by alias) —
  coinrelay never guesses;
* else a well-formed ticker nobody knows is passed on uppercased (``"pepe"`` -> ``PEPE``: the
  providers decide whether they serve it);
* anything else is :class:`UnknownSymbol`, with close matches suggested.

No I/O: an index is built once per relay from what is loaded, and a lookup is a dict access.
"""

from __future__ import annotations

import difflib
import re
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._errors import InvalidRequest
from ._symbols import normalize_symbol

if TYPE_CHECKING:
    from ._relay import Relay


@dataclass(frozen=True, slots=True)
class Asset:
    """One curated asset: its ticker, its name, and other names people use for it."""

    ticker: str
    name: str
    aliases: tuple[str, ...] = ()


#: The curated table: the most traded assets by market cap (2024-2025), with the names and
#: aliases people type. Ambiguity is kept where it is real: ``polygon`` is MATIC's name and
#: POL's common alias; ``terra`` is LUNA and LUNC.
ASSETS: tuple[Asset, ...] = (
    Asset("BTC", "Bitcoin", ("xbt",)),
    Asset("ETH", "Ethereum", ("ether",)),
    Asset("USDT", "Tether", ("tether usd",)),
    Asset("BNB", "BNB", ("binance coin",)),
    Asset("SOL", "Solana"),
    Asset("USDC", "USD Coin", ("usdc coin",)),
    Asset("XRP", "XRP", ("ripple",)),
    Asset("DOGE", "Dogecoin"),
    Asset("ADA", "Cardano"),
    Asset("TRX", "TRON", ("tron",)),
    Asset("TON", "Toncoin", ("the open network",)),
    Asset("AVAX", "Avalanche"),
    Asset("DOT", "Polkadot"),
    Asset("LINK", "Chainlink"),
    Asset("MATIC", "Polygon"),
    Asset("POL", "Polygon Ecosystem Token", ("polygon",)),
    Asset("SHIB", "Shiba Inu"),
    Asset("LTC", "Litecoin"),
    Asset("BCH", "Bitcoin Cash"),
    Asset("XLM", "Stellar", ("stellar lumens",)),
    Asset("ATOM", "Cosmos", ("cosmos hub",)),
    Asset("ETC", "Ethereum Classic"),
    Asset("XMR", "Monero"),
    Asset("UNI", "Uniswap"),
    Asset("NEAR", "NEAR Protocol", ("near",)),
    Asset("APT", "Aptos"),
    Asset("ARB", "Arbitrum"),
    Asset("OP", "Optimism"),
    Asset("FIL", "Filecoin"),
    Asset("ICP", "Internet Computer"),
    Asset("DAI", "Dai"),
    Asset("WBTC", "Wrapped Bitcoin"),
    Asset("SUI", "Sui"),
    Asset("PEPE", "Pepe"),
    Asset("LUNA", "Terra", ("terra 2",)),
    Asset("LUNC", "Terra Classic", ("terra",)),
)

_SEP = re.compile(r"[\s_\-]+")


def key(text: str) -> str:
    """The comparison key of ``text``: lowercase, separators collapsed to one ``-``."""
    return _SEP.sub("-", text.strip().lower()).strip("-")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One ticker a text may mean, and how it matched (``name``, ``alias``, ``id:<provider>``)."""

    ticker: str
    name: str | None
    matched_by: str

    def describe(self) -> str:
        return f"{self.ticker} ({self.name + ', ' if self.name else ''}{self.matched_by})"


class AmbiguousSymbol(InvalidRequest):
    """A name or id that means several assets. ``candidates`` lists them; nothing is guessed."""

    def __init__(self, param: str, text: str, candidates: list[Candidate]) -> None:
        self.text = text
        self.candidates = candidates
        listed = ", ".join(c.describe() for c in candidates)
        super().__init__(param, f"{text!r} is ambiguous: it may mean {listed}; give the ticker")


class UnknownSymbol(InvalidRequest):
    """Neither a ticker nor a known name or id. ``suggestions`` holds close matches, if any."""

    def __init__(self, param: str, text: str, suggestions: list[str]) -> None:
        self.text = text
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(
            param, f"{text!r} is not a ticker, and no asset has this name or provider id (e.g. BTC, 'bitcoin'){hint}"
        )


@dataclass(frozen=True, slots=True)
class Match:
    """What :meth:`NameIndex.lookup` found: the ticker, its name, how it matched, its ids."""

    query: str
    ticker: str
    name: str | None
    matched_by: str
    #: provider -> that provider's id for the ticker (from the loaded plugins' tables).
    ids: dict[str, str] = field(default_factory=dict)
    #: For an unknown ticker passed through: known names or ids close to the text, if any.
    suggestions: tuple[str, ...] = ()


class NameIndex:
    """Tickers, names, aliases and provider ids, indexed by :func:`key`.

    :param assets: the curated table (default :data:`ASSETS`).
    :param provider_ids: provider -> (ticker -> that provider's id).
    """

    def __init__(
        self, assets: Iterable[Asset] = ASSETS, provider_ids: Mapping[str, Mapping[str, str]] | None = None
    ) -> None:
        self.names: dict[str, str] = {}
        self.ids: dict[str, dict[str, str]] = {}
        self._by_key: dict[str, dict[str, str]] = {}  # key -> ticker -> how it matched
        for a in assets:
            ticker = a.ticker.upper()
            self.names[ticker] = a.name
            self._add(a.name, ticker, "name")
            for alias in a.aliases:
                self._add(alias, ticker, "alias")
        for provider, table in sorted((provider_ids or {}).items()):
            for raw_ticker, pid in table.items():
                ticker = raw_ticker.upper()
                self.ids.setdefault(ticker, {})[provider] = pid
                self._add(pid, ticker, f"id:{provider}")
        self.tickers = frozenset(self.names) | frozenset(self.ids)

    def _add(self, text: str, ticker: str, how: str) -> None:
        found = self._by_key.setdefault(key(text), {})
        found.setdefault(ticker, how)  # the first way found is the strongest (name, alias, then ids)

    def candidates(self, text: str) -> list[Candidate]:
        """Every ticker ``text`` may name (not counting ``text`` as a ticker itself)."""
        found = self._by_key.get(key(text), {})
        return [Candidate(t, self.names.get(t), how) for t, how in sorted(found.items())]

    def lookup(self, text: str, param: str = "symbol", *, suggest: bool = True) -> Match:
        """What ``text`` names: see the module docstring for the rules.

        :param suggest: look for close names of an unknown ticker passed through (``suggestions``;
            a ``difflib`` scan of every name and id: :meth:`resolve`, which needs only the ticker,
            skips it).
        :raises InvalidRequest: ``text`` is not a string, or empty.
        :raises AmbiguousSymbol: it names several assets.
        :raises UnknownSymbol: it is neither a well-formed ticker nor a known name or id.
        """
        if not isinstance(text, str) or not text.strip():
            raise InvalidRequest(param, f"expected a ticker, a name or a provider id, got {text!r}")
        if not text.isascii():  # before any case folding: "ſol" must not become "sol"
            raise InvalidRequest(param, f"{text[:40]!r} is not ASCII (a ticker, a name or a provider id is)")
        upper = text.strip().upper()
        if upper in self.tickers:
            return self._match(text, upper, "ticker")
        found = self.candidates(text)
        if len(found) == 1:
            return self._match(text, found[0].ticker, found[0].matched_by)
        if found:
            raise AmbiguousSymbol(param, text, found)
        try:
            ticker = normalize_symbol(text, param)
        except InvalidRequest:
            raise UnknownSymbol(param, text, self.suggest(text)) from None
        close = tuple(self.suggest(text)) if suggest else ()
        return Match(text, ticker, None, "unknown ticker", dict(self.ids.get(ticker, {})), close)

    def suggest(self, text: str) -> list[str]:
        """Known names or ids close to ``text`` (``'bitcoin' (BTC)``), best first, at most three."""
        close = difflib.get_close_matches(key(text), list(self._by_key), n=3, cutoff=0.75)
        return [f"{k!r} ({', '.join(sorted(self._by_key[k]))})" for k in close]

    def resolve(self, text: str, param: str = "symbol") -> str:
        """The canonical ticker for ``text`` (raises like :meth:`lookup`)."""
        return self.lookup(text, param, suggest=False).ticker

    def _match(self, query: str, ticker: str, how: str) -> Match:
        return Match(query, ticker, self.names.get(ticker), how, dict(self.ids.get(ticker, {})))


#: The index of the curated table alone (no provider ids), for code with no relay at hand.
CORE_INDEX = NameIndex()
_INDEXES: weakref.WeakKeyDictionary[Relay, NameIndex] = weakref.WeakKeyDictionary()


def provider_ids(relay: Relay) -> dict[str, dict[str, str]]:
    """provider -> (ticker -> id) from each loaded provider's ``symbol_ids`` and config ``symbols``."""
    out: dict[str, dict[str, str]] = {}
    for name, rt in relay.providers.items():
        table = {k.upper(): v for k, v in rt.info.symbol_ids.items()}
        table.update(rt.symbols.overrides)  # the user's config wins
        if table:
            out[name] = table
    return out


def index_for(relay: Relay) -> NameIndex:
    """The index for ``relay``'s loaded providers, built on first use and kept with the relay."""
    index = _INDEXES.get(relay)
    if index is None:
        index = _INDEXES[relay] = NameIndex(ASSETS, provider_ids(relay))
    return index


def resolve_symbol(text: str, param: str = "symbol", index: NameIndex | None = None) -> str:
    """The ticker for ``text`` — a ticker, a name or a provider id — from ``index`` (default: the core's table).

    Safe to call on every symbol parameter: a known ticker answers itself, a well-formed
    unknown one passes through uppercased, so only names and ids change.

    :raises AmbiguousSymbol: ``text`` names several assets (an :class:`InvalidRequest`, HTTP 422).
    :raises UnknownSymbol: ``text`` is neither a ticker nor a known name or id (also 422).
    """
    return (index or CORE_INDEX).resolve(text, param)
