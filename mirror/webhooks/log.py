"""The delivery log in the history database (table ``webhook_deliveries``): every event is
written before it is sent, so a restart loses none, and a node claims a row (a lease) before
sending it, so the nodes of a cluster sharing the database never send one row at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from mirror.history.records import WebhookDelivery as Row

LEASE_S = 60  # A claimed row is another node's again after this (its sender died mid-send).


@dataclass(frozen=True)
class Due:
    id: str
    payload: bytes
    created_at: datetime
    attempts: int


def utc(moment: datetime) -> datetime:
    """SQLite gives times back without their zone: they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def add(engine: AsyncEngine, event_id: str, kind: str, payload: bytes, now: datetime) -> None:
    values = {
        "id": event_id,
        "type": kind,
        "payload": payload.decode(),
        "created_at": now,
        "state": "pending",
        "attempts": 0,
        "next_at": now,
    }
    async with engine.begin() as conn:
        await conn.execute(insert(Row).values(**values))


async def claim_due(engine: AsyncEngine, now: datetime, limit: int = 20) -> list[Due]:
    """Pending rows whose time has come, each claimed by one conditional UPDATE."""
    free = or_(Row.claimed_until.is_(None), Row.claimed_until < now)
    wanted = (Row.state == "pending") & (Row.next_at <= now) & free
    claimed = []
    async with engine.begin() as conn:
        rows = (await conn.execute(select(Row.__table__).where(wanted).limit(limit))).all()
        for row in rows:
            lease = now + timedelta(seconds=LEASE_S)
            taken = update(Row).where((Row.id == row.id) & wanted)
            if (await conn.execute(taken.values(claimed_until=lease))).rowcount == 1:
                claimed.append(Due(row.id, row.payload.encode(), utc(row.created_at), row.attempts))
    return claimed


async def settle(engine: AsyncEngine, row_id: str, **values: Any) -> None:
    """A try's outcome: ``state``, ``attempts``, ``next_at``, ``last_status``..."""
    async with engine.begin() as conn:
        statement = update(Row).where(Row.id == row_id)
        await conn.execute(statement.values(claimed_until=None, **values))


async def next_due(engine: AsyncEngine) -> datetime | None:
    query = select(Row.next_at).where(Row.state == "pending").order_by(Row.next_at)
    async with engine.connect() as conn:
        found = (await conn.execute(query.limit(1))).scalar()
    return utc(found) if found is not None else None


async def recent(engine: AsyncEngine, limit: int) -> list[dict[str, Any]]:
    """The newest deliveries first (GET /api/webhooks/deliveries)."""
    query = select(Row).order_by(Row.created_at.desc()).limit(limit)
    async with AsyncSession(engine) as db:
        return [row.to_json() for row in (await db.execute(query)).scalars()]
