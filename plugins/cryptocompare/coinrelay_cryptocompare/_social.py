"""``social`` from min-api's ``/data/social/coin/latest?coinId=<n>`` (extract and transform).

The endpoint needs an API key today: without one it answers (HTTP 200) ``{"Response": "Error",
"Message": "You need a valid auth key or api key to access this endpoint", "Type": 1, ...}``
(a recorded reply, see tests/fixtures/SOURCES.md). So without ``providers.cryptocompare.api_key``
``fetch_social`` raises ``NotConfigured`` before sending anything (the relay skips the provider,
no penalty), like every keyed provider.

It takes CryptoCompare's numeric coin id, not a ticker: :data:`COIN_IDS` for the two ids seen
in public sources, else ``/data/all/coinlist?fsym=<ticker>`` (``Data.<ticker>.Id``), cached a day.

The answer's ``Data`` has ``General`` (``Name`` ticker, ``CoinName``, ``Points``),
``CryptoCompare`` (followers and page views on cryptocompare.com), ``Twitter``
(``followers``, ``statuses``, ...), ``Reddit`` (``subscribers``, ``active_users``,
``posts_per_day``, ``comments_per_day``, numbers sometimes as strings), ``Facebook``
(``likes``) and ``CodeRepository.List`` (one entry per repository: ``stars``, ``forks``,
``subscribers``, ...).
"""

from __future__ import annotations

from typing import Any

from coinrelay.plugin import (
    NotConfigured,
    NotSupported,
    ProviderContext,
    Social,
    Source,
    bad,
    dec,
    field,
    integer,
)

from . import _client

PROVIDER = _client.PROVIDER
PATH = "/data/social/coin/latest"
#: Canonical ticker -> CryptoCompare coin id: BTC 1182 and ETH 7605 are the ids public clients
#: and probes of this endpoint use. Others are looked up (``/data/all/coinlist?fsym=``).
COIN_IDS: dict[str, int] = {"BTC": 1182, "ETH": 7605}
#: Seconds a looked-up coin id is reused.
COIN_ID_TTL = 24 * 3600.0


async def coin_id(ctx: ProviderContext, fsym: str) -> int:
    """CryptoCompare's numeric id of ``fsym``: the table, else the cached coinlist lookup.

    :raises NotSupported: the coinlist does not know ``fsym`` (its "fsym param seems invalid" error).
    """
    known = COIN_IDS.get(fsym)
    if known is not None:
        return known

    async def lookup() -> int:
        body = await _client.get_json(ctx, "/data/all/coinlist", {"fsym": fsym})
        return parse_coin_id(body, fsym, PROVIDER)

    found: int = await ctx.memo(f"coin-id:{fsym}", COIN_ID_TTL, lookup)
    return found


def parse_coin_id(body: Any, fsym: str, provider: str) -> int:
    """``Data.<fsym>.Id`` of a ``/data/all/coinlist?fsym=`` answer."""
    data = field(body, "Data", dict, provider)
    coin = data.get(fsym)
    if coin is None:
        raise NotSupported(f"/data/all/coinlist has no coin {fsym}", provider=provider)
    if not isinstance(coin, dict):
        raise bad(provider, f"field 'Data.{fsym}' is {type(coin).__name__}, expected an object")
    return integer(coin.get("Id"), f"Data.{fsym}.Id", provider)


def _part(data: dict[str, Any], name: str, provider: str) -> dict[str, Any]:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad(provider, f"field 'Data.{name}' is {type(value).__name__}, expected an object")
    return value


def _count(part: dict[str, Any], key: str, where: str, provider: str) -> int | None:
    value = part.get(key)
    if value is None or value == "":
        return None
    number = dec(value, f"Data.{where}.{key}", provider)
    assert number is not None
    return int(number)


def _main_repository(data: dict[str, Any], provider: str) -> dict[str, Any]:
    """The tracked repository with the most stars (``CodeRepository.List``), or ``{}``."""
    repos = _part(data, "CodeRepository", provider).get("List") or []
    if not isinstance(repos, list):
        raise bad(provider, "field 'Data.CodeRepository.List' is not an array")
    best: dict[str, Any] = {}
    best_stars = -1
    for i, repo in enumerate(repos):
        if not isinstance(repo, dict):
            raise bad(provider, f"Data.CodeRepository.List[{i}] is {type(repo).__name__}, expected an object")
        stars = _count(repo, "stars", f"CodeRepository.List[{i}]", provider) or 0
        if stars > best_stars:
            best, best_stars = repo, stars
    return best


def social(body: Any, *, symbol: str, fsym: str, coin: int, source: Source) -> Social:
    """:class:`Social` from a ``/data/social/coin/latest`` success body (errors were raised by the client).

    :raises InvalidResponse: no ``Data`` object, an empty one, a figure of the wrong type, or an
        answer about another coin (``General.Name`` is not ``fsym``).
    """
    provider = source.provider
    data = field(body, "Data", dict, provider)
    if not data:
        raise bad(provider, f"{PATH} answered an empty Data object for coinId {coin}")
    general = _part(data, "General", provider)
    name = general.get("Name")
    if isinstance(name, str) and name and name.upper() != fsym.upper():
        raise bad(provider, f"asked for coinId {coin} ({fsym}), the answer is about {name!r}")
    twitter = _part(data, "Twitter", provider)
    reddit = _part(data, "Reddit", provider)
    repo = _main_repository(data, provider)
    cc = _part(data, "CryptoCompare", provider)
    extra: dict[str, Any] = {"cryptocompare_coin_id": coin}
    for label, part, key, where in (
        ("points", general, "Points", "General"),
        ("cryptocompare_followers", cc, "Followers", "CryptoCompare"),
        ("cryptocompare_page_views", cc, "PageViews", "CryptoCompare"),
        ("twitter_statuses", twitter, "statuses", "Twitter"),
    ):
        value = _count(part, key, where, provider)
        if value is not None:
            extra[label] = value
    if isinstance(repo.get("url"), str):
        extra["repository"] = repo["url"]
    followers = _count(twitter, "followers", "Twitter", provider)
    return Social(
        symbol=symbol,
        followers=followers,
        twitter_followers=followers,
        reddit_subscribers=_count(reddit, "subscribers", "Reddit", provider),
        reddit_active_users=_count(reddit, "active_users", "Reddit", provider),
        reddit_posts_per_day=dec(reddit.get("posts_per_day"), "Data.Reddit.posts_per_day", provider, allow_none=True),
        reddit_comments_per_day=dec(
            reddit.get("comments_per_day"), "Data.Reddit.comments_per_day", provider, allow_none=True
        ),
        facebook_likes=_count(_part(data, "Facebook", provider), "likes", "Facebook", provider),
        github_stars=_count(repo, "stars", "CodeRepository.List[]", provider),
        github_forks=_count(repo, "forks", "CodeRepository.List[]", provider),
        github_subscribers=_count(repo, "subscribers", "CodeRepository.List[]", provider),
        extra=extra,
        source=source,
    )


async def fetch(ctx: ProviderContext, symbol: str, fsym: str) -> Social:
    """The whole call: key check, coin id, request, parse.

    :raises NotConfigured: no ``api_key`` (the endpoint refuses keyless calls), or the key was refused.
    """
    if not ctx.secret("api_key"):
        raise NotConfigured(
            f"social needs providers.{PROVIDER}.api_key: {PATH} refuses calls without a key", provider=PROVIDER
        )
    coin = await coin_id(ctx, fsym)
    body = await _client.get_json(ctx, PATH, {"coinId": str(coin)})
    return social(body, symbol=symbol, fsym=fsym, coin=coin, source=ctx.source())
