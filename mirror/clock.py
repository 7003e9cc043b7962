"""The one clock of recorded times: timezone-aware UTC, as history stores them."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
