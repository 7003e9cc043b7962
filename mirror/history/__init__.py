"""History: what happened to each session and chat, kept in SQLite or PostgreSQL."""

from mirror.history.store import HistoryStore, engine_url

__all__ = ["HistoryStore", "engine_url"]
