"""A co-browse server for a test suite: started by the plugin (or one already running), its URL,
its script, its history API, and the agent key the plugin signs in with; and a port for the
site under test, known before the server starts so that its configuration can list the site."""

from __future__ import annotations

import json
import random
import socket
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mirror.testing.errors import CobrowseServerError, CobrowseUsageError
from mirror.testing.processes import ChildProcess, ProcessFailed

# Long enough for the server's own Chromium to start on a busy two-core machine.
STARTUP_TIMEOUT_S = 60.0
# Below Linux's ephemeral range (32768-60999): no outgoing connection takes a port from here
# between the moment it is chosen and the moment the site listens on it.
SITE_PORTS = range(20000, 32768)


@dataclass
class CobrowseServer:
    """A co-browse server: ``url``, ``script_url`` and its history API."""

    url: str
    process: ChildProcess | None = None
    db_path: Path | None = None  # The SQLite history file of a server the plugin started.
    # With ``[server] agent_keys`` set, the key the agent signs in with and /api/* needs.
    agent_key: str | None = None

    @property
    def script_url(self) -> str:
        return f"{self.url}/cobrowse.js"

    def api(self, path: str) -> Any:
        """GET a JSON path of the server (``/api/...``), with the agent key if there is one."""
        headers = {"Authorization": f"Bearer {self.agent_key}"} if self.agent_key else {}
        request = urllib.request.Request(f"{self.url}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:300]
            hint = ""
            if exc.code == 401:
                hint = (
                    ": the server needs an agent key; set [server] agent_keys in cobrowse_config, "
                    "or pass --cobrowse-agent-key with --cobrowse-url"
                )
            raise CobrowseUsageError(f"GET {self.url}{path}: {exc.code} {detail}{hint}") from exc
        except OSError as exc:
            raise CobrowseServerError(f"GET {self.url}{path}: no answer ({exc})") from exc

    def history(self) -> list[dict[str, Any]]:
        """Every session record, newest first (``GET /api/sessions``)."""
        return list(self.api("/api/sessions"))

    def record(self, session_uuid: str) -> dict[str, Any]:
        """One session's history record (``GET /api/sessions/{uuid}``)."""
        return dict(self.api(f"/api/sessions/{session_uuid}"))

    def check_alive(self) -> None:
        """Fail with a clear message when nothing answers ``GET /healthz``."""
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=10):
                return
        except (OSError, ValueError) as exc:
            raise CobrowseServerError(
                f"no co-browse server answers at {self.url} (GET /healthz: {exc}); "
                "start one with 'cobrowse serve' or leave out --cobrowse-url"
            ) from exc


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now, for a site whose origin the server's configuration must
    list (``allowed_origins``: the render pages fetch from a local site only when it is listed)
    before the site can start (its pages name the server's script)."""
    for _ in range(100):
        port = random.choice(SITE_PORTS)
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
        return port
    raise CobrowseServerError(f"no free port for a site on {host}")


def agent_key_from(config_text: str) -> str | None:
    """The first of ``[server] agent_keys`` in the TOML text, if any. A config the server will
    reject anyway gives None here: the server's own message names the fault."""
    try:
        keys = tomllib.loads(config_text).get("server", {}).get("agent_keys", [])
    except (tomllib.TOMLDecodeError, AttributeError):
        return None
    return str(keys[0]) if isinstance(keys, list) and keys else None


def sharp_frames(config_text: str) -> str:
    """The config with frames kept at the customer's size on a busy machine too, unless it says
    otherwise: the plugin's checks compare the agent's view with the customer's screen pixel for
    pixel, and a test run with many browsers is just when the server would capture smaller."""
    try:
        says = "frames" in tomllib.loads(config_text)
    except tomllib.TOMLDecodeError:
        return config_text  # The server names the error.
    return config_text if says else config_text + "\n[frames]\nscale_when_behind = 1\n"


@contextmanager
def started_server(config_text: str, folder: Path) -> Iterator[CobrowseServer]:
    """Run ``cobrowse serve`` on a free port with this config and a fresh SQLite file in
    ``folder``; stopped (with its Chromium) when the block ends."""
    config_path = folder / "cobrowse.toml"
    config_path.write_text(sharp_frames(config_text))
    db_path = folder / "cobrowse.db"
    args = ["serve", "--port", "0", "--config", str(config_path), "--db", f"sqlite:///{db_path}"]
    # The log stays with the run's other files, where pytest cleans up old runs.
    process = ChildProcess(args, STARTUP_TIMEOUT_S, log_file=folder / "server.log")
    try:
        process.start()
    except ProcessFailed as exc:
        raise CobrowseServerError(
            f"the co-browse server did not start (config: {config_path}, "
            f"log: {process.log_file}):\n{exc}"
        ) from None
    try:
        yield CobrowseServer(process.url, process, db_path, agent_key_from(config_text))
    finally:
        process.stop()
