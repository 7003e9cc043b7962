"""A co-browse server for a test suite: its URL, its script and its history API."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mirror.processes import ChildProcess


@dataclass
class CobrowseServer:
    """A co-browse server: ``url``, ``script_url`` and its history API."""

    url: str
    process: ChildProcess | None = None
    db_path: Path | None = None  # The SQLite history file of a server the plugin started.

    @property
    def script_url(self) -> str:
        return f"{self.url}/cobrowse.js"

    def api(self, path: str) -> Any:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as response:
            return json.load(response)

    def history(self) -> list[dict[str, Any]]:
        """Every session record, newest first (``GET /api/sessions``)."""
        return list(self.api("/api/sessions"))

    def record(self, session_uuid: str) -> dict[str, Any]:
        return dict(self.api(f"/api/sessions/{session_uuid}"))
