"""CoinGecko ``/coins/{id}`` community and developer data -> :class:`Social` (transform). Pure.

Asked with ``community_data=true&developer_data=true`` (the other sections off). Every figure
may be ``null``. ``community_data`` has ``facebook_likes``, ``twitter_followers``,
``reddit_average_posts_48h``, ``reddit_average_comments_48h``, ``reddit_subscribers``,
``reddit_accounts_active_48h`` and ``telegram_channel_user_count``; CoinGecko stopped
collecting Reddit figures in 2024 and reports them as ``0`` (they are passed on as given).
``developer_data`` describes the main repository (``stars``, ``forks``, ``subscribers``,
``commit_count_4_weeks``, ...). ``sentiment_votes_up_percentage`` is the share of CoinGecko
users' votes on the coin page that are positive.
"""

from __future__ import annotations

from typing import Any

from coinrelay.plugin import Social, Source, bad, dec, field, integer


def _section(body: dict[str, Any], name: str, provider: str) -> dict[str, Any]:
    value = body.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad(provider, f"field {name!r} is {type(value).__name__}, expected an object")
    return value


def _count(section: dict[str, Any], key: str, where: str, provider: str) -> int | None:
    value = section.get(key)
    if value is None:
        return None
    number = dec(value, f"{where}.{key}", provider)
    assert number is not None
    return integer(number.to_integral_value(), f"{where}.{key}", provider)


def social(body: Any, *, symbol: str, source: Source, coin_id: str | None = None) -> Social:
    """:class:`Social` from ``/coins/{id}?community_data=true&developer_data=true``.

    :param coin_id: the coin id asked for: a body about another coin is refused.
    :raises InvalidResponse: not an object, no ``id``, another coin than asked, or a
        section/figure of the wrong type.
    """
    provider = source.provider
    if not isinstance(body, dict):
        raise bad(provider, f"/coins/{{id}} body is {type(body).__name__}, expected an object")
    got = field(body, "id", str, provider)
    if coin_id is not None and got != coin_id:
        raise bad(provider, f"/coins/{coin_id} answered for coin {got[:40]!r}")
    coin_id = got
    if "community_data" not in body and "developer_data" not in body:
        raise bad(provider, f"/coins/{coin_id} has neither community_data nor developer_data")
    community = _section(body, "community_data", provider)
    developer = _section(body, "developer_data", provider)
    c, d = "community_data", "developer_data"
    extra: dict[str, Any] = {"coingecko_id": coin_id}
    for key in ("reddit_average_posts_48h", "reddit_average_comments_48h", "reddit_accounts_active_48h"):
        value = dec(community.get(key), f"{c}.{key}", provider, allow_none=True)
        if value is not None:
            extra[key] = str(value)
    for key in ("total_issues", "closed_issues", "pull_requests_merged", "pull_request_contributors"):
        value = _count(developer, key, d, provider)
        if value is not None:
            extra[key] = value
    twitter = _count(community, "twitter_followers", c, provider)
    return Social(
        symbol=symbol,
        followers=twitter,
        twitter_followers=twitter,
        reddit_subscribers=_count(community, "reddit_subscribers", c, provider),
        telegram_users=_count(community, "telegram_channel_user_count", c, provider),
        facebook_likes=_count(community, "facebook_likes", c, provider),
        sentiment_score=dec(
            body.get("sentiment_votes_up_percentage"), "sentiment_votes_up_percentage", provider, allow_none=True
        ),
        github_stars=_count(developer, "stars", d, provider),
        github_forks=_count(developer, "forks", d, provider),
        github_subscribers=_count(developer, "subscribers", d, provider),
        commits_4_weeks=_count(developer, "commit_count_4_weeks", d, provider),
        extra=extra,
        source=source,
    )
