"""What coinrelay keeps in Redis: every key, how long it lives, and the Lua scripts that change keys.

Every key starts with ``<prefix>:`` (``[state] prefix``) and expires (:data:`KEYS_DOC`). A change
that reads before it writes (spend from a budget, keep the later pause or the newer breaker
record, take the probe slot) is one Lua script, so replicas never race; :class:`Scripts`
registers them on a client once, :class:`Keys` names the keys.
"""

from __future__ import annotations

import redis.asyncio as aioredis

#: Key layout (``<p>`` is ``[state] prefix``) and how each key expires.
KEYS_DOC = {
    "<p>:breaker:<key>": "JSON BreakerRecord; PX = open time left + 24 h, renewed at each transition",
    "<p>:probe:<key>": "replica id holding the half-open probe; PX = probe_timeout",
    "<p>:pause:<provider>": "JSON Pause; PX = until the pause ends",
    "<p>:quota:<domain>:w:<index>": "aligned window counter; PX = window left + one period",
    "<p>:quota:<domain>:log": "sliding window spends (zset); PX = period + slack + 1 s after the last write",
    "<p>:quota:<domain>:total": "sliding window running total; same PX as its log",
    "<p>:cache:<key>": "JSON result + type + stored_at; PX = ttl + max_stale",
    "<p>:health": "hash <key>|requests/successes/failures; PX = 24 h, renewed at each publish",
    "<p>:replicas": "zset of live replica ids (score = heartbeat expiry); PX = 60 s, renewed",
}

#: Seconds a breaker record outlives its open period (a closed record only carries its version).
BREAKER_KEEP = 86_400.0
HEALTH_KEEP = 86_400.0
#: Seconds between health-counter publications and replica heartbeats.
HEALTH_INTERVAL = 1.0
#: A replica counts as alive this long after its last heartbeat.
REPLICA_TTL = 10.0


def ms(seconds: float) -> int:
    """A positive PX value in milliseconds."""
    return max(1, int(seconds * 1000))


class Keys:
    """The names of the keys under one ``prefix`` (the layout of :data:`KEYS_DOC`)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.health = f"{prefix}:health"
        self.replicas = f"{prefix}:replicas"

    def of(self, kind: str, name: str) -> str:
        """The key of ``name`` of ``kind`` (``breaker``, ``probe``, ``pause``, ``cache``)."""
        return f"{self.prefix}:{kind}:{name}"

    def window(self, domain: str, index: int) -> str:
        """An aligned budget's counter for window ``index`` (``now // period``)."""
        return f"{self.prefix}:quota:{domain}:w:{index}"

    def sliding(self, domain: str) -> list[str]:
        """A sliding budget's spends (zset) and running total."""
        return [f"{self.prefix}:quota:{domain}:log", f"{self.prefix}:quota:{domain}:total"]


# -- Lua scripts ------------------------------------------------------------------------------------

#: KEYS[1] window counter. ARGV: cost, cap, ttl_ms. Returns {granted, used}.
SPEND_ALIGNED = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used + tonumber(ARGV[1]) > tonumber(ARGV[2]) then
  return {0, tostring(used)}
end
used = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, used}
"""

#: KEYS[1] window counter. ARGV: used, ttl_ms. Raises the count to ``used`` (never lowers it).
OBSERVE_ALIGNED = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > used then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

#: KEYS[1] log (zset: score = time, member = "<cost>|<id>"), KEYS[2] running total.
#: ARGV: mode (spend|observe|remaining), now, period (kept, slack included), amount, cap, member id, ttl_ms.
#: Returns {granted, total, wait}.
SLIDING = """
local mode = ARGV[1]
local now = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local amount = tonumber(ARGV[4])
local cap = tonumber(ARGV[5])
local horizon = now - period
local total = tonumber(redis.call('GET', KEYS[2]) or '0')
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', horizon)
if #old > 0 then
  for _, m in ipairs(old) do
    total = total - tonumber(string.match(m, '^[^|]+'))
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', horizon)
end
if redis.call('ZCARD', KEYS[1]) == 0 then
  total = 0
end
local granted = 1
local wait = 0
if mode == 'spend' then
  if total + amount > cap then
    granted = 0
    local need = total + amount - cap
    local freed = 0
    wait = period
    local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
    for i = 1, #entries, 2 do
      freed = freed + tonumber(string.match(entries[i], '^[^|]+'))
      if freed >= need then
        wait = math.max(tonumber(entries[i + 1]) + period - now, 0.001)
        break
      end
    end
  else
    redis.call('ZADD', KEYS[1], now, string.format('%.17g', amount) .. '|' .. ARGV[6])
    total = total + amount
  end
elseif mode == 'observe' then
  if amount > total then
    redis.call('ZADD', KEYS[1], now, string.format('%.17g', amount - total) .. '|' .. ARGV[6])
    total = amount
  end
end
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  total = 0
else
  redis.call('SET', KEYS[2], string.format('%.17g', total), 'PX', ARGV[7])
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
end
return {granted, string.format('%.17g', total), string.format('%.17g', wait)}
"""

#: KEYS[1] a JSON record. ARGV: field, value, payload, ttl_ms. Stores the payload only over a
#: record whose ``field`` is smaller: pauses keep the later ``until``, breaker records the
#: newer ``version``.
SET_IF_GREATER = """
local cur = redis.call('GET', KEYS[1])
if cur and tonumber(cjson.decode(cur)[ARGV[1]]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
return 1
"""

#: KEYS[1] probe slot. ARGV: replica id, ttl_ms. Free or already ours -> take it.
ACQUIRE_PROBE = """
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

#: KEYS[1] probe slot. ARGV: replica id. Frees it if this replica holds it.
RELEASE_PROBE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class Scripts:
    """The scripts registered on one client (redis-py's ``Script``: ``EVALSHA``, loaded on first use)."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.spend_aligned = client.register_script(SPEND_ALIGNED)
        self.observe_aligned = client.register_script(OBSERVE_ALIGNED)
        self.sliding = client.register_script(SLIDING)
        self.set_if_greater = client.register_script(SET_IF_GREATER)
        self.acquire_probe = client.register_script(ACQUIRE_PROBE)
        self.release_probe = client.register_script(RELEASE_PROBE)
