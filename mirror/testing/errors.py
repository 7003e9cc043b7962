"""What the plugin raises, besides a test's own assertion errors."""

from __future__ import annotations

from mirror.errors import CobrowseError


class ActionRefused(CobrowseError):
    """The server or the customer's page refused an agent action; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CobrowseUsageError(CobrowseError):
    """The test asked for something the page cannot give (no widget, no such element, ...)."""


class CobrowseServerError(CobrowseError):
    """The co-browse server did not start, or nothing answers at the URL given."""
