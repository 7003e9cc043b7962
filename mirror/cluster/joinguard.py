"""The join guard of a cluster: :class:`~mirror.session.joinguard.JoinGuard`'s limits and
lock-outs kept in Redis, so wrong IDs spread over several nodes lock a client out as on one
(:class:`SharedJoinGuard`). Each call is one Lua script, run atomically on Redis's clock.
"""

from __future__ import annotations

from typing import ClassVar

from redis.asyncio import Redis

from mirror.limits import client_key

# Times are whole microseconds, exact in Lua's doubles until the year 2255; Lua's own tostring
# would round them, hence string.format. Every key gets an expiry that marks when nothing is held
# against it any more, so Redis forgets it then, as JoinGuard's sweep does.
REDIS_CLOCK = """
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
"""

# KEYS: the client's record (a hash), the overall lock (a string). Returns 1 if allowed.
_ALLOWED = """
if now < tonumber(redis.call('GET', KEYS[2]) or 0) then return 0 end
if now < tonumber(redis.call('HGET', KEYS[1], 'locked_until') or 0) then return 0 end
return 1
"""

# KEYS: the client's record (a hash), the overall failures (a sorted set), the overall lock.
# ARGV: per_client, overall, window, base lock-out, longest lock-out, forgive (microseconds).
# Returns 1 if the failure was counted, 0 if locked out (counted nowhere).
_FAILED = """
local function int(n) return string.format('%.0f', n) end
local function expire_at(key, at) redis.call('PEXPIREAT', key, int(math.ceil(at / 1000))) end
local per_client, overall = tonumber(ARGV[1]), tonumber(ARGV[2])
local window, base, longest = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local forgive = tonumber(ARGV[6])

local record = redis.call('HMGET', KEYS[1], 'locked_until', 'lockouts', 'calm_since', 'failures')
local locked_until = tonumber(record[1] or 0)
if now < locked_until or now < tonumber(redis.call('GET', KEYS[3]) or 0) then return 0 end

local lockouts, calm_since = tonumber(record[2] or 0), tonumber(record[3] or now)
if lockouts > 0 then
  lockouts = math.max(0, lockouts - math.floor((now - calm_since) / forgive))
end
local failures = {}
for at in string.gmatch(record[4] or '', '%d+') do
  if tonumber(at) > now - window then failures[#failures + 1] = at end
end
failures[#failures + 1] = int(now)
calm_since = now
local failures_held_until = now + window
if #failures >= per_client then
  local lockout = math.min(base * 2 ^ lockouts, longest)
  locked_until, calm_since = now + lockout, now + lockout
  if lockout < longest then lockouts = lockouts + 1 end
  failures, failures_held_until = {}, 0
end
redis.call('HSET', KEYS[1], 'locked_until', int(locked_until), 'lockouts', int(lockouts),
  'calm_since', int(calm_since), 'failures', table.concat(failures, ' '))
expire_at(KEYS[1], math.max(failures_held_until, locked_until, calm_since + lockouts * forgive))

redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', int(now - window))
local before = redis.call('ZCARD', KEYS[2])
if before + 1 >= overall then
  redis.call('SET', KEYS[3], int(now + base), 'PXAT', int(math.ceil((now + base) / 1000)))
  redis.call('DEL', KEYS[2])
else
  -- Failures at one time each find one more before them: members stay distinct.
  redis.call('ZADD', KEYS[2], int(now), int(now) .. ':' .. before)
  expire_at(KEYS[2], now + window)
end
return 1
"""


def _us(seconds: float) -> int:
    return round(seconds * 1_000_000)


class SharedJoinGuard:
    """A :class:`~mirror.session.joinguard.Guard` with exactly JoinGuard's rules, its state in
    Redis under ``prefix``: ``guard:c:<client>`` (a hash per client: lock-out end, lock-outs not
    yet forgiven, when it last went calm, its failures in the window), ``guard:all`` (a sorted set
    of everyone's failures in the window) and ``guard:all:locked`` (the end of a lock-out of
    everyone). Times are Redis's, so nodes whose own clocks disagree still agree."""

    # Lua setting `now` in microseconds for both scripts; a test may swap in a clock it drives,
    # as JoinGuard's clock is injected.
    clock_lua: ClassVar[str] = REDIS_CLOCK

    def __init__(
        self,
        redis: Redis,
        prefix: str = "cb:",
        per_client: int = 5,
        overall: int = 100,
        window_s: float = 60.0,
        base_lockout_s: float = 30.0,
        max_lockout_s: float = 3600.0,
        forgive_s: float = 900.0,
    ) -> None:
        self._client_prefix = f"{prefix}guard:c:"
        self._all = f"{prefix}guard:all"
        self._all_locked = f"{prefix}guard:all:locked"
        self._limits = (
            per_client,
            overall,
            _us(window_s),
            _us(base_lockout_s),
            _us(max_lockout_s),
            _us(forgive_s),
        )
        self._allowed = redis.register_script(self.clock_lua + _ALLOWED)
        self._failed = redis.register_script(self.clock_lua + _FAILED)

    async def allowed(self, client: str) -> bool:
        """Whether ``client`` may try a join now, on any node."""
        keys = [self._client_prefix + client_key(client), self._all_locked]
        return bool(await self._allowed(keys=keys))

    async def failed(self, client: str) -> None:
        """``client`` tried an ID that is not live (or tried while locked out: not counted)."""
        keys = [self._client_prefix + client_key(client), self._all, self._all_locked]
        await self._failed(keys=keys, args=self._limits)
