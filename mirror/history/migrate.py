"""Schema migrations (Alembic), run when the store opens: a new database gets every revision, an
old one the revisions it lacks. One node at a time on PostgreSQL (an advisory lock), so nodes of a
cluster starting together do not race."""

from __future__ import annotations

import asyncio
import threading
import weakref
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, inspect, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
FIRST_REVISION = "0001"
_LOCK_KEY = 0x636F62726F777365  # Any constant shared by every node: "cobrowse" in ASCII.
# Alembic's context is one per process: stores migrating in one process take turns, on one event
# loop through an asyncio lock (a thread lock would stop the loop its holder needs), across
# threads through a thread lock.
_ONE_AT_A_TIME = threading.Lock()
_LOOP_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def turn() -> asyncio.Lock:
    """The lock a store holds while it migrates (with :func:`upgrade` inside)."""
    loop = asyncio.get_running_loop()
    return _LOOP_LOCKS.setdefault(loop, asyncio.Lock())


def upgrade(connection: Connection) -> None:
    """Bring the schema on ``connection`` to the newest revision."""
    with _ONE_AT_A_TIME:
        _upgrade(connection)


def _upgrade(connection: Connection) -> None:
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    tables = set(inspect(connection).get_table_names())
    if "sessions" in tables and "alembic_version" not in tables:
        # Made by a release before migrations, with the first revision's tables.
        command.stamp(config, FIRST_REVISION)
    command.upgrade(config, "head")
