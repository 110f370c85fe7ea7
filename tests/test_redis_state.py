"""The Redis state backend against a real redis-server on loopback.

Unit level (in process): the Lua budget scripts (window alignment, parity with the
in-memory windows, atomicity under concurrency), pauses, cache, breaker records, probes,
expiry of every key, and the local fallback when Redis is unreachable.

Cluster level: several relay PROCESSES (tests/replica_worker.py) sharing one Redis and
one FakeUpstream show breakers, probes, budgets, bans and stale values shared, and Redis
killed mid-run (local fallback, then sharing again after it restarts).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError

from coinrelay import AllProvidersFailed, Relay
from coinrelay._breaker import CLOSED, HALF_OPEN, OPEN, BreakerPolicy
from coinrelay._clock import FakeClock
from coinrelay._config import BreakerSettings, ProviderSettings, Settings, StateSettings
from coinrelay._models import Price, Source
from coinrelay._provider import RateLimit
from coinrelay._ratelimit import slack
from coinrelay._state import CacheEntry, MemoryState, Pause
from coinrelay._state.redis import RedisState
from coinrelay.testing import FakeUpstream, Fault, Reply

from . import redis_support
from .chaos._kit import PATIENCE, Gate
from .redis_support import RedisServer, Replica, all_ask, free_port
from .support import price_provider

#: the session-scoped redis-server fixture, registered for this module
redis_server = redis_support.redis_server

pytestmark = pytest.mark.redis

_prefixes = itertools.count()
T0 = 1_700_000_000.0  # 20 s into a 60 s window (1_700_000_000 % 60 == 20)
#: Redis timeout (seconds) of every test state and replica: the tests are about what is shared, and a
#: loaded 2-core machine must not make a command time out into the local fallback (a flake).
LOADED = 5.0


def new_prefix() -> str:
    return f"t{time.monotonic_ns()}-{next(_prefixes)}"


@pytest.fixture
async def make_state(redis_server: RedisServer) -> AsyncIterator[Callable[..., RedisState]]:
    """States on the session's Redis; each test gets its own prefix.

    Commands may take :data:`LOADED` seconds before a state falls back to local state: these
    tests are about what is shared, and a loaded machine must not turn them into fallback tests
    (the outage tests reach a dead port or a stopped server, which fails at once).
    """
    made: list[RedisState] = []
    prefix = new_prefix()

    def make(clock: FakeClock, *, url: str | None = None, **kw: Any) -> RedisState:
        st = RedisState(
            StateSettings(backend="redis", url=url or redis_server.url, prefix=prefix),
            clock,
            max_cache_entries=100,
            **{"socket_timeout": LOADED, **kw},
        )
        made.append(st)
        return st

    yield make
    for st in made:
        await st.close()


async def all_keys(url: str, prefix: str) -> dict[str, int]:
    """Every key under ``prefix`` and its PTTL."""
    r = aioredis.Redis.from_url(url, decode_responses=True)
    try:
        keys = [k async for k in r.scan_iter(match=f"{prefix}:*")]
        return {k: await r.pttl(k) for k in keys}
    finally:
        await r.aclose()


# -- budgets: the Lua scripts -----------------------------------------------------------------------


async def test_aligned_budget_resets_exactly_at_the_clock_aligned_window_end(make_state) -> None:
    clock = FakeClock(T0)
    st = make_state(clock)
    rl = RateLimit(limit=10, period=60.0, aligned=True)
    assert [await st.spend("d", 1, rl) for _ in range(10)] == [0.0] * 10
    assert await st.spend("d", 1, rl) == pytest.approx(40.0)  # the window ends at T0 + 40
    assert await st.remaining("d", rl) == 0
    clock.advance(39.5)
    assert await st.spend("d", 1, rl) == pytest.approx(0.5)
    clock.advance(0.5)  # exactly the boundary: a new window
    assert await st.spend("d", 1, rl) == 0.0
    assert await st.remaining("d", rl) == 9
    keys = await all_keys(st.url, st.prefix)
    windows = {k: t for k, t in keys.items() if ":quota:d:w:" in k}
    assert sorted(windows) == [f"{st.prefix}:quota:d:w:{int(T0 // 60)}", f"{st.prefix}:quota:d:w:{int(T0 // 60) + 1}"]
    assert all(0 < t <= 120_000 for t in windows.values())


@pytest.mark.parametrize("aligned", [True, False])
async def test_redis_budget_matches_the_in_memory_window_step_by_step(make_state, aligned: bool) -> None:
    """The same script of spends, usage reports and clock moves gives the same answers."""
    clock = FakeClock(T0)
    st = make_state(clock)
    mem = MemoryState(clock)
    rl = RateLimit(limit=5, period=10.0, aligned=aligned)
    steps: list[tuple[str, float, float]] = [
        ("spend", 1, 0),
        ("spend", 2, 1),
        ("spend", 1, 2.5),
        ("spend", 2, 0),
        ("remaining", 0, 0),
        ("spend", 1, 3),
        ("observe", 3, 0),
        ("observe", 5, 1),
        ("spend", 1, 0),
        ("remaining", 0, 4),
        ("spend", 1, 0),
        ("spend", 5, 6),
        ("spend", 6, 0),
        ("observe", 2, 0.5),
        ("remaining", 0, 20),
        ("spend", 5, 0),
    ]
    for op, amount, advance in steps:
        clock.advance(advance)
        if op == "spend":
            got, want = await st.spend("d", amount, rl), await mem.spend("d", amount, rl)
        elif op == "observe":
            await st.observe_usage("d", amount, rl)
            await mem.observe_usage("d", amount, rl)
            got, want = await st.remaining("d", rl), await mem.remaining("d", rl)
        else:
            got, want = await st.remaining("d", rl), await mem.remaining("d", rl)
        assert got == pytest.approx(want, abs=1e-6), (op, amount, clock.time() - T0)


async def test_usage_header_raises_the_shared_count_and_never_lowers_it(make_state) -> None:
    clock = FakeClock(T0)
    a, b = make_state(clock), make_state(clock)
    rl = RateLimit(limit=100, period=60.0, aligned=True)
    await a.spend("d", 2, rl)
    await b.observe_usage("d", 70, rl)
    assert await a.remaining("d", rl) == 30
    await a.observe_usage("d", 10, rl)
    assert await b.remaining("d", rl) == 30


@pytest.mark.parametrize("aligned", [True, False])
async def test_concurrent_spends_from_two_replicas_never_exceed_the_budget(make_state, aligned: bool) -> None:
    clock = FakeClock(T0)
    a, b = make_state(clock), make_state(clock)
    rl = RateLimit(limit=25, period=60.0, aligned=aligned)
    waits = await asyncio.gather(*(s.spend("d", 1, rl) for s in [a, b] * 30))
    assert sum(1 for w in waits if w == 0.0) == 25
    assert all(w > 0 for w in waits if w != 0.0)
    assert await a.remaining("d", rl) == 0


async def test_sliding_budget_frees_units_as_old_spends_leave_the_window(make_state) -> None:
    clock = FakeClock(T0)
    st = make_state(clock)
    rl = RateLimit(limit=3, period=10.0)
    keep = 10.0 + slack(10.0)  # a spend counts for the period plus the delivery-jitter slack, as in memory
    for _ in range(3):
        assert await st.spend("d", 1, rl) == 0.0
        clock.advance(2)
    assert await st.spend("d", 1, rl) == pytest.approx(keep - 6)  # the first spend (T0) leaves at T0 + keep
    clock.advance(keep - 6)
    assert await st.spend("d", 1, rl) == 0.0
    assert await st.spend("d", 1, rl) == pytest.approx(2.0)  # the next (T0 + 2) leaves 2 s later


# -- pauses, cache, breakers, probes -------------------------------------------------------------------


async def test_pause_is_shared_the_longer_one_kept_and_it_ends_with_its_time(make_state) -> None:
    clock = FakeClock(T0)
    a, b = make_state(clock), make_state(clock)
    await a.set_pause("p", Pause(T0 + 30, "HTTP 429", "rate_limited"))
    await b.set_pause("p", Pause(T0 + 10, "shorter", "rate_limited"))
    got = await b.get_pause("p")
    assert got == Pause(T0 + 30, "HTTP 429", "rate_limited")
    keys = await all_keys(a.url, a.prefix)
    assert 0 < keys[f"{a.prefix}:pause:p"] <= 30_000
    clock.advance(30)
    assert await b.get_pause("p") is None
    await a.set_pause("p", Pause(T0 + 60, "ban", "banned"))
    await b.clear_pause("p")
    assert await a.get_pause("p") is None


def _price(value: str) -> Price:
    return Price(symbol="BTC", quote="USD", price=Decimal(value), source=Source(provider="x", endpoint="http://e"))


async def test_cached_value_is_rebuilt_exactly_by_another_replica_until_its_ttl(make_state) -> None:
    clock = FakeClock(T0)
    a, b = make_state(clock), make_state(clock)
    value = _price("64123.10000000000000000001")
    await a.cache_set("price|BTC|USD", CacheEntry(value, T0 - 1), 302.0)
    got = await b.cache_get("price|BTC|USD")
    assert got is not None
    assert type(got.value) is Price
    assert got.value == value
    assert got.value.price == Decimal("64123.10000000000000000001")
    assert got.stored_at == T0 - 1
    keys = await all_keys(a.url, a.prefix)
    assert 0 < keys[f"{a.prefix}:cache:price|BTC|USD"] <= 302_000
    clock.advance(302)
    assert await b.cache_get("price|BTC|USD") is None


async def test_unreadable_cached_value_is_a_miss_with_a_warning(make_state, caplog) -> None:
    clock = FakeClock(T0)
    st = make_state(clock)
    await st._redis.set(st.key("cache", "k"), '{"type": "Price", "value": "{}"}', px=10_000)
    with caplog.at_level(logging.WARNING, logger="coinrelay.state.redis"):
        assert await st.cache_get("k") is None
    assert "unreadable cached value" in caplog.text
    assert st.connected  # garbage in a key is not an outage


async def test_breaker_record_newer_version_wins_and_listeners_hear_adoption(make_state) -> None:
    clock = FakeClock(T0)
    a, b = make_state(clock), make_state(clock)
    policy = BreakerPolicy(failure_threshold=2, recovery_timeout=5.0, jitter=0.0)
    heard: list[tuple[str, str]] = []
    br_a = a.breaker("p", policy)
    br_b = b.breaker("p", policy, lambda old, new, rec: heard.append((old, new)))
    br_a.record_failure("boom")
    br_a.record_failure("boom")
    assert br_a.record.state == OPEN
    await a.flush()
    await b.sync_breaker(br_b)
    assert (br_b.record.state, br_b.record.open_until, br_b.record.version) == (OPEN, T0 + 5.0, 1)
    assert "2 consecutive failures" in br_b.record.reason
    assert heard == [(CLOSED, OPEN)]
    # an older record published late never overwrites the newer one
    br_b.record.version = 0
    await b.publish_breaker(br_b)
    await a.sync_breaker(br_a)
    assert br_a.record.version == 1
    keys = await all_keys(a.url, a.prefix)
    assert 0 < keys[f"{a.prefix}:breaker:p"] <= (5 + 86_400) * 1000


async def test_endpoint_breakers_are_synced_with_their_provider(make_state) -> None:
    clock = FakeClock(T0)
    a, b = make_state(clock), make_state(clock)
    policy = BreakerPolicy(failure_threshold=1, jitter=0.0)
    a.breaker("p", policy)
    ep_a = a.breaker("p@http://m1", policy)
    prov_b, ep_b = b.breaker("p", policy), b.breaker("p@http://m1", policy)
    ep_a.record_failure("HTTP 503")
    await a.flush()
    await b.sync_breaker(prov_b)
    assert ep_b.record.state == OPEN
    assert prov_b.record.state == CLOSED


async def test_one_replica_at_a_time_holds_the_probe_and_frees_it_on_the_verdict(make_state) -> None:
    clock = FakeClock(T0)
    a, b = make_state(clock), make_state(clock)
    policy = BreakerPolicy(failure_threshold=1, recovery_timeout=5.0, jitter=0.0)
    br = a.breaker("p", policy)
    br.record_failure("x")
    clock.advance(5)
    assert br.allow() and br.state == HALF_OPEN
    assert await a.acquire_probe("p", 30) is True
    assert await b.acquire_probe("p", 30) is False
    assert await a.acquire_probe("p", 30) is True  # still ours (a released call may try again)
    br.record_success()
    await a.flush()
    assert await b.acquire_probe("p", 30) is True


async def test_health_counts_are_added_up_across_replicas(make_state) -> None:
    clock = FakeClock(T0)
    a, b = make_state(clock), make_state(clock)
    a.health("p").record_success(0.01)
    a.health("p").record_failure("x")
    b.health("p").record_success(0.02)
    await a.flush(force=True)
    await b.flush(force=True)
    assert b.status()["cluster_health"]["p"] == {"requests": 3, "successes": 2, "failures": 1}
    assert b.status()["replicas"] == 2
    a.health("p").record_success(0.01)
    await a.flush(force=True)  # only the growth is added
    assert a.status()["cluster_health"]["p"]["requests"] == 4


async def test_every_key_written_expires(make_state) -> None:
    clock = FakeClock(T0)
    st = make_state(clock)
    policy = BreakerPolicy(failure_threshold=1, jitter=0.0)
    br = st.breaker("p", policy)
    br.record_failure("x")
    clock.advance(5)
    br.allow()
    await st.acquire_probe("p", 30)
    await st.set_pause("p", Pause(T0 + 100, "x", "banned"))
    await st.spend("a", 1, RateLimit(limit=5, period=60, aligned=True))
    await st.spend("s", 1, RateLimit(limit=5, period=60))
    await st.cache_set("k", CacheEntry(_price("1"), T0), 10)
    st.health("p").record_success(0.1)
    await st.flush(force=True)
    keys = await all_keys(st.url, st.prefix)
    kinds = {k.split(":")[1] for k in keys}
    assert kinds == {"breaker", "probe", "pause", "quota", "cache", "health", "replicas"}
    assert all(ttl > 0 for ttl in keys.values()), keys


# -- Redis unreachable: local fallback ---------------------------------------------------------------


async def test_unreachable_redis_falls_back_to_local_state_quickly_and_logs_once(make_state, caplog) -> None:
    clock = FakeClock(T0)
    # (no retry within the test, however long a loaded machine makes it)
    st = make_state(clock, url=f"redis://127.0.0.1:{free_port()}/0", retry_interval=3600.0)
    rl = RateLimit(limit=3, period=60.0, aligned=True)
    with caplog.at_level(logging.WARNING, logger="coinrelay.state.redis"):
        assert [await st.spend("d", 1, rl) for _ in range(4)][:3] == [0.0, 0.0, 0.0]
        assert await st.spend("d", 1, rl) > 0  # the local budget still holds
        await st.set_pause("p", Pause(T0 + 10, "HTTP 429", "rate_limited"))
        assert await st.get_pause("p") is not None
        await st.cache_set("k", CacheEntry(_price("2"), T0), 10)
        assert (await st.cache_get("k")) is not None
        assert await st.acquire_probe("p", 30) is True
    status = st.status()
    assert status["backend"] == "redis" and status["shared"] is True
    assert status["connected"] is False
    assert status["fallback_since"] is not None
    assert status["errors"] >= 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()
    # quickly: the dead port refused the first command at once (no timeout waited out) and every
    # later one was served locally without trying Redis again
    assert "TimeoutError" not in warnings[0].getMessage()
    assert status["errors"] == 1


async def test_during_an_outage_each_replica_keeps_to_its_share_of_the_budget(make_state) -> None:
    server = RedisServer().start()
    try:
        clock = FakeClock(T0)
        a, b = make_state(clock, url=server.url), make_state(clock, url=server.url)
        await a.flush(force=True)  # heartbeats: two replicas alive
        await b.flush(force=True)
        await a.flush(force=True)
        assert a.status()["replicas"] == 2
        server.stop()
        rl = RateLimit(limit=10, period=60.0, aligned=True)
        waits = [await a.spend("d", 1, rl) for _ in range(8)]
        assert a.status()["connected"] is False
        assert sum(1 for w in waits if w == 0.0) == 5  # 10 / 2 replicas
    finally:
        server.close()


async def test_a_command_stuck_across_the_return_belongs_to_the_outage_already_counted(make_state) -> None:
    """Redis goes away and comes back while a command is still stuck on it: one outage, not two."""
    server = RedisServer().start()
    try:
        st = make_state(FakeClock(T0), url=server.url, retry_interval=0.0, socket_timeout=5.0)
        await st.flush(force=True)
        started, release = asyncio.Event(), asyncio.Event()

        async def stuck() -> None:  # a command on a connection that dies with the old server
            started.set()
            await release.wait()
            raise RedisConnectionError("Connection closed by server.")

        async def local() -> None:
            return None

        task = asyncio.create_task(st._shared(stuck, local))
        await started.wait()
        server.stop()
        await st.flush(force=True)
        assert (st.status()["connected"], st.status()["outages"]) == (False, 1)
        server.start()
        await st.flush(force=True)  # retry_interval 0: back at once
        assert st.status()["connected"] is True
        release.set()
        await task
        status = st.status()
        assert (status["connected"], status["outages"]) == (True, 1)
        assert status["errors"] >= 2  # the stuck command's failure still counts as an error
    finally:
        server.close()


async def test_a_report_refreshes_every_breaker_from_redis(make_state) -> None:
    """A replica that served no call since another opened a breaker reports it open."""
    clock = FakeClock(T0)
    a, b = make_state(clock), make_state(clock)
    policy = BreakerPolicy(failure_threshold=1, recovery_timeout=30.0, jitter=0.0)
    heard: list[tuple[str, str]] = []
    br_a, ep_a = a.breaker("p", policy), a.breaker("p@http://m1", policy)
    br_b = b.breaker("p", policy, lambda old, new, rec: heard.append((old, new)))
    ep_b = b.breaker("p@http://m1", policy)
    ep_a.record_failure("HTTP 503")
    br_a.record_failure("HTTP 503")
    await a.flush()
    await b.flush(force=True)  # what relay.health() does; no sync_breaker, no call
    assert (br_b.state, ep_b.state) == (OPEN, OPEN)
    assert heard == [(CLOSED, OPEN)]
    clock.advance(30)  # a's probe succeeds: a closes it again
    assert br_a.allow()
    br_a.record_success()
    await a.flush()
    await b.flush(force=True)
    assert br_b.state == CLOSED


async def test_relay_health_on_an_idle_replica_shows_a_breaker_another_opened(
    redis_server: RedisServer, upstream_factory: Callable[[], FakeUpstream]
) -> None:
    up = upstream_factory()
    up.route("/price", Reply.json({"error": "down"}, status=503))
    prefix = new_prefix()
    clock = FakeClock(T0)

    def replica() -> Relay:
        settings = Settings(
            providers={"fake": ProviderSettings(endpoints=[up.url], timeout=2.0)},
            chains={"price": ["fake"]},
            breaker=BreakerSettings(failure_threshold=1, recovery_timeout=60.0, jitter=0.0),
            state=StateSettings(backend="redis", url=redis_server.url, prefix=prefix),
        )
        settings.cache.enabled = False
        return Relay(settings, plugins=[("fake", price_provider("fake"))], load_entry_points=False, clock=clock)

    async with replica() as a, replica() as b:
        assert (await b.health())["providers"]["fake"]["breaker"]["state"] == CLOSED
        with pytest.raises(AllProvidersFailed):
            await a.price("BTC")
        assert (await a.health())["providers"]["fake"]["breaker"]["state"] == OPEN
        seen = (await b.health())["providers"]["fake"]
        assert seen["breaker"]["state"] == OPEN
        assert seen["available"] is False
        assert up.count("/price") == 1  # b learnt it from Redis, not from the upstream


def test_password_in_the_url_never_reaches_status() -> None:
    st = RedisState(
        StateSettings(backend="redis", url="redis://user:s3cret@127.0.0.1:1/0"), FakeClock(), max_cache_entries=10
    )
    assert "s3cret" not in str(st.status())
    assert st.status()["url"] == "redis://user:***@127.0.0.1:1/0"


def test_the_urls_socket_timeout_bounds_the_whole_guard() -> None:
    url = "redis://127.0.0.1:1/0?socket_timeout=2.5"
    assert RedisState(StateSettings(backend="redis", url=url), FakeClock(), max_cache_entries=1).socket_timeout == 2.5
    plain = RedisState(StateSettings(backend="redis", url="redis://127.0.0.1:1/0"), FakeClock(), max_cache_entries=1)
    assert plain.socket_timeout == 0.25


# -- several relay processes ----------------------------------------------------------------------------


@pytest.fixture
def price_upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream() as up:
        up.route("/price", Reply.json({"price": "1.5"}))
        yield up


@pytest.fixture
def cluster(redis_server: RedisServer, price_upstream: FakeUpstream) -> Iterator[Callable[..., list[Replica]]]:
    """Start ``n`` replica processes sharing one Redis prefix and ``price_upstream``."""
    started: list[Replica] = []

    def start(n: int, *, url: str | None = None, **config: Any) -> list[Replica]:
        base = {
            "redis": url or f"{redis_server.url}?socket_timeout={LOADED}",
            "prefix": new_prefix(),
            "upstream": price_upstream.url,
            "clock": T0,
            **config,
        }
        replicas = [Replica(chr(ord("A") + i), base) for i in range(n)]
        started.extend(replicas)
        for r in replicas:
            assert r.ask("status")["backend"] == "redis"  # up and running
        return replicas

    yield start
    for r in started:
        r.close()


def outcomes(answer: dict[str, Any]) -> list[tuple[str, str]]:
    return [(a["outcome"], a.get("error") or "") for a in answer["attempts"]]


def test_breaker_opened_by_one_replica_keeps_the_others_off_the_upstream(cluster, price_upstream) -> None:
    a, b, c = cluster(3)
    price_upstream.fault = Fault("status", status=503)
    for _ in range(3):
        assert a.ask("price", symbol="BTC")["ok"] is False
    assert price_upstream.count("/price") == 3
    price_upstream.reset_counts()
    for r in (b, c):
        answer = r.ask("price", symbol="BTC")
        assert answer["ok"] is False
        assert outcomes(answer)[0][0] == "skipped" and "breaker open" in outcomes(answer)[0][1]
    assert price_upstream.count("/price") == 0
    assert b.ask("health")["providers"]["fake"]["breaker"]["state"] == "open"


def test_half_open_probe_is_taken_by_one_replica_only(cluster, price_upstream) -> None:
    replicas = cluster(4)
    price_upstream.fault = Fault("status", status=503)
    for _ in range(3):
        replicas[0].ask("price", symbol="BTC")
    all_ask(replicas, "advance", seconds=6)  # past the 5 s recovery timeout (no jitter)
    price_upstream.fault = None
    gate = Gate(lambda req: Reply.json({"price": "2.5"}))
    price_upstream.route("/price", gate)  # the probe stays in flight until the others have answered
    price_upstream.reset_counts()
    for r in replicas:
        r.send("price", symbol="BTC")
    with concurrent.futures.ThreadPoolExecutor(len(replicas)) as pool:
        pending = [pool.submit(r.recv) for r in replicas]
        try:
            gate.first.result(timeout=PATIENCE)
            done: set[concurrent.futures.Future[Any]] = set()
            while len(done) < len(replicas) - 1:
                new, _ = concurrent.futures.wait(
                    set(pending) - done, timeout=PATIENCE, return_when=concurrent.futures.FIRST_COMPLETED
                )
                if not new:
                    break
                done |= new
            assert price_upstream.count("/price") == 1  # the probe; the three others answered without a request
            assert len(done) == len(replicas) - 1
        finally:
            gate.open()
        answers = [f.result(timeout=PATIENCE) for f in pending]
    assert price_upstream.count("/price") == 1
    assert sum(1 for x in answers if x["ok"]) == 1
    for x in answers:
        if not x["ok"]:
            ((outcome, error),) = outcomes(x)
            assert outcome == "skipped" and ("another replica is probing" in error or "half_open" in error), error
    # the probe succeeded: every replica's breaker is closed again and calls go through
    price_upstream.route("/price", Reply.json({"price": "2.5"}))
    price_upstream.reset_counts()
    assert all(x["ok"] for x in all_ask(replicas, "price", symbol="BTC"))
    assert price_upstream.count("/price") == 4


@pytest.mark.parametrize("aligned", [True, False])
def test_budget_is_one_budget_across_four_replicas_under_a_burst(cluster, price_upstream, aligned: bool) -> None:
    replicas = cluster(4, rate_limit={"limit": 10, "period": 60.0, "aligned": aligned})
    symbols = ["BTC", "ETH", "SOL", "ADA", "XRP", "DOT", "LTC", "BNB"]
    answers = all_ask(replicas, "burst", symbols=symbols)
    granted = sum(1 for a in answers for x in a["results"] if x["ok"])
    assert price_upstream.count("/price") == 10
    assert granted == 10
    refused = [x for a in answers for x in a["results"] if not x["ok"]]
    assert len(refused) == 22
    assert all("own rate budget spent" in (x["attempts"][-1].get("error") or "") for x in refused)
    all_ask(replicas, "advance", seconds=60 + slack(60))  # the next window (or every spend slid out)
    answers = all_ask(replicas, "burst", symbols=symbols)
    assert price_upstream.count("/price") == 20


def test_ban_seen_by_one_replica_stops_all(cluster, price_upstream) -> None:
    a, b, c, d = cluster(4)
    price_upstream.fault = Fault("rate_limit", status=429, retry_after="30")
    assert a.ask("price", symbol="BTC")["ok"] is False
    price_upstream.fault = None
    price_upstream.reset_counts()
    for r in (a, b, c, d):
        answer = r.ask("price", symbol="BTC")
        assert answer["ok"] is False
        assert outcomes(answer)[0][0] == "skipped" and "paused until" in outcomes(answer)[0][1]
    assert price_upstream.count("/price") == 0
    all_ask([a, b, c, d], "advance", seconds=31)
    assert b.ask("price", symbol="BTC")["ok"] is True
    assert price_upstream.count("/price") == 1


def test_value_cached_by_one_replica_is_served_stale_by_another(cluster, price_upstream) -> None:
    a, b, c = cluster(3, cache=True)
    first = a.ask("price", symbol="BTC")
    assert first["ok"] and not first["stale"]
    price_upstream.reset_counts()
    fresh = b.ask("price", symbol="BTC")  # within the 2 s TTL: A's value, no request
    assert fresh["ok"] and fresh["price"] == "1.5" and not fresh["stale"]
    assert price_upstream.count("/price") == 0
    price_upstream.down()
    all_ask([a, b, c], "advance", seconds=10)  # past the TTL, within max_stale
    stale = c.ask("price", symbol="BTC")
    assert stale["ok"] is True
    assert stale["stale"] is True
    assert stale["price"] == "1.5"
    assert stale["provider"] == "fake"
    assert any(x["outcome"] == "failed" for x in stale["attempts"])  # C did try the (down) upstream first


def test_redis_killed_mid_run_replicas_answer_locally_then_share_again(cluster, price_upstream) -> None:
    server = RedisServer().start()
    try:
        a, b = cluster(2, url=f"{server.url}?socket_timeout={LOADED}")  # killed: it fails at once
        assert a.ask("price", symbol="BTC")["ok"]
        server.stop()
        answers = [a.ask("price", symbol="BTC"), b.ask("price", symbol="BTC")]
        assert all(x["ok"] for x in answers)  # served, from local state
        # at once: the killed server's connections failed, no command waited out its timeout
        for r in (a, b):
            assert "unreachable" in r.log() and "TimeoutError" not in r.log(), r.log()
        status = a.ask("status")
        assert status["connected"] is False
        assert status["fallback_since"] is not None
        assert status["errors"] >= 1
        assert a.ask("health")["state_backend"]["connected"] is False
        # while Redis is away A is banned; only A knows
        price_upstream.fault = Fault("rate_limit", status=429, retry_after="120")
        assert a.ask("price", symbol="BTC")["ok"] is False
        price_upstream.fault = None
        server.start()  # same port
        deadline = time.monotonic() + 60  # each replica retries every second: a bound, not a wait
        while time.monotonic() < deadline:
            if all(r.ask("health")["state_backend"]["connected"] for r in (a, b)):
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"replicas did not reconnect: {a.ask('status')} {b.ask('status')}")
        # A pushed its ban on reconnection: B stops too, without a request
        price_upstream.reset_counts()
        answer = b.ask("price", symbol="BTC")
        assert answer["ok"] is False and "paused until" in outcomes(answer)[0][1]
        assert price_upstream.count("/price") == 0
        assert [r.ask("status")["outages"] for r in (a, b)] == [1, 1]  # one outage per outage
        logs = a.log()
        assert logs.count("unreachable") == 1, logs
        assert "reachable again" in logs
    finally:
        server.close()
