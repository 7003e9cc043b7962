"""The cluster's live sessions in Redis: each identifier reserved atomically, with the session's
state, tokens, viewport and owner node in one hash (``cb:s:{id}``), and the set of live
identifiers (``cb:live``). Each change is one script or one command."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from mirror.cluster.store import LIVE_KEY, session_key
from mirror.errors import SessionError
from mirror.session.live import LiveSession, Seats, Watcher
from mirror.session.state import MAX_LIVE, Session, SessionState
from mirror.wire import Viewport

log = logging.getLogger("cobrowse.cluster")

# KEYS: the session's hash, the live set. ARGV: max live, the identifier, then field, value...
_RESERVE = """
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[1]) then return -1 end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('SADD', KEYS[2], ARGV[2])
return 1
"""
# KEYS: the hash. ARGV: the session's uuid, then field, value... Only the same session's hash.
_SAVE = """
if redis.call('HGET', KEYS[1], 'uuid') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
"""
# KEYS: the hash, the live set. ARGV: the uuid, the identifier.
_RELEASE = """
if redis.call('HGET', KEYS[1], 'uuid') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
return 1
"""
# KEYS: the hash. ARGV: the owner it must still have, the new owner.
_CLAIM = """
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[2])
return 1
"""


@dataclass(frozen=True)
class Record:
    """A live session as Redis holds it."""

    session: Session
    owner: str
    viewport: Viewport
    seats: Seats


class SharedDirectory:
    """The hub's Directory for a node of a cluster (mirror/session/directory.py)."""

    def __init__(self, redis: Redis, node: str) -> None:
        self.redis, self.node = redis, node
        self._reserve = redis.register_script(_RESERVE)
        self._save = redis.register_script(_SAVE)
        self._release = redis.register_script(_RELEASE)
        self._claim = redis.register_script(_CLAIM)
        self._unreleased: list[Session] = []

    async def reserve(self, live: LiveSession) -> bool:
        session = live.session
        fields = _fields(live) + ["owner", self.node, "created_at", _time(session.created_at)]
        fields += ["token", session.resume_token, "origin", session.origin or ""]
        keys = [session_key(session.access_id), LIVE_KEY]
        result = await self._reserve(keys=keys, args=[MAX_LIVE, session.access_id, *fields])
        if result == -1:
            raise SessionError("too many live sessions: try again in a minute")
        return bool(result)

    async def saved(self, live: LiveSession) -> None:
        """Best effort: with Redis away the session goes on, its record a step behind (a
        takeover then starts from the older state, which the pages' hellos bring up to date)."""
        key = session_key(live.session.access_id)
        try:
            await self._save(keys=[key], args=[live.uuid, *_fields(live)])
        except (RedisError, OSError) as exc:
            log.warning("session %s: not saved in Redis (%s)", live.uuid, exc)

    async def released(self, session: Session) -> None:
        """Free the identifier; with Redis away, again at each :meth:`retry` until it is."""
        try:
            await self._release_now(session)
        except (RedisError, OSError) as exc:
            log.warning("session %s: release in Redis postponed (%s)", session.uuid, exc)
            self._unreleased.append(session)

    async def retry(self) -> None:
        """Release what Redis missed while it was away."""
        while self._unreleased:
            await self._release_now(self._unreleased[0])
            self._unreleased.pop(0)

    async def _release_now(self, session: Session) -> None:
        keys = [session_key(session.access_id), LIVE_KEY]
        await self._release(keys=keys, args=[session.uuid, session.access_id])

    async def find(self, access_id: str) -> Record | None:
        """The live session with this identifier, wherever it is owned."""
        raw: dict[bytes, bytes] = await self.redis.hgetall(session_key(access_id))  # type: ignore[assignment]
        return _record(access_id, raw) if raw else None

    async def live_elsewhere(self, access_id: str) -> bool:
        record = await self.find(access_id)
        return record is not None and record.session.live

    async def claim(self, access_id: str, dead: str, owner: str) -> bool:
        """Move the session from a node that is gone (or going) to ``owner``; False if another
        node moved it first, or it ended."""
        return bool(await self._claim(keys=[session_key(access_id)], args=[dead, owner]))

    async def owners(self, access_ids: list[str]) -> list[str | None]:
        """Each session's owner (None: it ended), in one round trip."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for access_id in access_ids:
                pipe.hget(session_key(access_id), "owner")
            found = await pipe.execute()
        return [owner.decode() if owner else None for owner in found]

    async def live_uuids(self) -> set[str]:
        """The history keys of every live session, in one round trip after the set's."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for access_id in await self.live_ids():
                pipe.hget(session_key(access_id), "uuid")
            found = await pipe.execute()
        return {value.decode() for value in found if value}

    async def tied_to(self, interaction_id: str) -> list[str]:
        """The history keys of the live sessions tied to the interaction, wherever owned."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for access_id in await self.live_ids():
                pipe.hmget(session_key(access_id), "interaction", "uuid")
            found = await pipe.execute()
        return [uuid.decode() for tied, uuid in found if uuid and tied == interaction_id.encode()]

    async def live_ids(self) -> list[str]:
        members: set[bytes] = await self.redis.smembers(LIVE_KEY)  # type: ignore[assignment]
        return sorted(member.decode() for member in members)

    async def live_count(self) -> int:
        return int(await self.redis.scard(LIVE_KEY))


def _fields(live: LiveSession) -> list[str | int]:
    session, viewport, seats = live.session, live.screen.viewport, live.seats()
    return [
        "uuid", session.uuid,
        "state", session.state.value,
        "started_at", _time(session.started_at),
        "interaction", session.interaction_id or "",
        "agent_token", seats.agent_token,
        "agent_name", seats.agent_name,
        "watchers", msgspec.json.encode(
            [(w.seat, w.name, w.token, w.joined) for w in seats.watchers]
        ).decode(),
        "vw", viewport.width,
        "vh", viewport.height,
    ]  # fmt: skip


def _time(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _record(access_id: str, raw: dict[bytes, bytes]) -> Record:
    get = {key.decode(): value.decode() for key, value in raw.items()}.get
    session = Session(
        access_id=access_id,
        uuid=get("uuid", ""),
        resume_token=get("token", ""),
        origin=get("origin") or None,
        interaction_id=get("interaction") or None,
        state=SessionState(get("state", "idle")),
        created_at=datetime.fromisoformat(get("created_at", "")),
        started_at=datetime.fromisoformat(get("started_at", "")) if get("started_at") else None,
    )
    viewport = Viewport(int(get("vw") or 1280), int(get("vh") or 720))
    watchers = msgspec.json.decode(get("watchers") or "[]", type=list[tuple[str, str, str, bool]])
    seats = Seats(
        get("agent_token", ""),
        get("agent_name", ""),
        tuple(Watcher(name, seat, token, joined) for seat, name, token, joined in watchers),
    )
    return Record(session, get("owner", ""), viewport, seats)
