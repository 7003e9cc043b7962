"""History writes that fail are tried again until one succeeds, with the record's latest state."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from mirror.history.writes import RetriedWrites
from tests.aio import in_thread
from tests.waiting import async_wait_for


@dataclass
class Row:
    uuid: str
    state: str


class Database:
    """Stores each row's state as written; fails while ``down``."""

    def __init__(self) -> None:
        self.down = False
        self.rows: dict[str, str] = {}
        self.failures = 0

    async def write(self, row: Row) -> None:
        state = row.state  # Read before the await, as an INSERT's values are.
        await asyncio.sleep(0)  # ok-sleep: yields, as a real write does
        if self.down:
            raise OSError("database is locked")
        self.rows[row.uuid] = state

    def inc(self) -> None:
        self.failures += 1


@in_thread
async def test_a_failed_write_is_retried_with_the_latest_state_once_the_database_is_back() -> None:
    db = Database()
    writes = RetriedWrites(db.write, db, retry_s=0.01)
    row = Row("a", "active")
    db.down = True
    await writes.write(row)  # Does not raise: the session goes on.
    assert writes.pending == 1 and db.failures >= 1
    row.state = "ended"
    await writes.write(row)
    db.down = False
    await async_wait_for(lambda: writes.pending == 0, "the retry")
    assert db.rows == {"a": "ended"}
    await writes.close()


@in_thread
async def test_close_tries_once_more_and_keeps_nothing_running() -> None:
    db = Database()
    writes = RetriedWrites(db.write, db, retry_s=3600)
    db.down = True
    await writes.write(Row("b", "ended"))
    db.down = False
    await writes.close()
    assert db.rows == {"b": "ended"} and writes.pending == 0
