"""Firefox for tests and the benchmark: Debian's Firefox ESR, headless, driven through WebDriver
BiDi, the protocol Firefox itself serves (no geckodriver); `make setup` installs it. A small
synchronous client of the few BiDi commands a customer's page needs: navigate, run a function,
pointer and key input, the viewport's size."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import websocket

FIREFOXES = ("firefox-esr", "firefox")
START_S = 60.0
LISTENING = re.compile(r"WebDriver BiDi listening on (ws://\S+)")
# Off the network beyond the pages it is sent to, as the tests' Chromium is (Firefox's remote
# agent turns most background services off itself).
PREFERENCES = {
    "app.update.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "services.settings.server": "http://127.0.0.1:9/",
    "messaging-system.rsexperimentloader.enabled": False,
    "toolkit.telemetry.enabled": False,
}


def missing() -> str | None:
    """What this machine lacks to run a Firefox customer (`make setup` installs it), or None."""
    return None if executable() else "Firefox (Debian's firefox-esr)"


def executable() -> str | None:
    return next((path for name in FIREFOXES if (path := shutil.which(name))), None)


class BiDiError(RuntimeError):
    pass


class BiDi:
    """One WebDriver BiDi session with a browser, its first tab as ``context``."""

    def __init__(self, url: str) -> None:
        # Firefox refuses a handshake that names an origin (a web page's).
        self.socket = websocket.create_connection(url, timeout=START_S, suppress_origin=True)
        self.last = 0
        self.call("session.new", {"capabilities": {}})
        tree = self.call("browsingContext.getTree", {})
        self.context: str = tree["contexts"][0]["context"]

    def call(self, method: str, params: dict[str, Any]) -> Any:
        self.last += 1
        self.socket.send(json.dumps({"id": self.last, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") != self.last:
                continue  # An event: none is subscribed to, but a browser may send one.
            if message.get("type") == "error":
                raise BiDiError(f"{method}: {message.get('error')}: {message.get('message')}")
            return message["result"]

    def run(self, body: str, *args: Any) -> Any:
        """The function body ``body`` run in the tab's page with ``args`` (``arguments[i]``)."""
        result = self.call(
            "script.callFunction",
            {
                "functionDeclaration": f"function () {{ {body} }}",
                "arguments": [_local(arg) for arg in args],
                "target": {"context": self.context},
                "awaitPromise": True,
                "resultOwnership": "none",
            },
        )
        if result.get("type") == "exception":
            raise BiDiError(result["exceptionDetails"].get("text", "an exception in the page"))
        return _remote(result["result"])

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("session.end", {})
        self.socket.close()


def _local(value: Any) -> dict[str, Any]:
    """A Python value as a BiDi LocalValue."""
    if value is None:
        return {"type": "null"}
    if isinstance(value, bool):
        return {"type": "boolean", "value": value}
    if isinstance(value, int | float):
        return {"type": "number", "value": value}
    if isinstance(value, str):
        return {"type": "string", "value": value}
    if isinstance(value, list | tuple):
        return {"type": "array", "value": [_local(item) for item in value]}
    if isinstance(value, dict):
        return {"type": "object", "value": [[str(k), _local(v)] for k, v in value.items()]}
    raise TypeError(f"cannot send {type(value).__name__} to the page")


def _remote(value: dict[str, Any]) -> Any:
    """A BiDi RemoteValue as a Python value (nodes and other handles as None)."""
    kind = value.get("type")
    if kind in ("string", "boolean"):
        return value["value"]
    if kind == "number":
        number = value["value"]
        return float(number) if isinstance(number, str) else number  # "NaN", "-0", ...
    if kind == "array":
        return [_remote(item) for item in value.get("value", [])]
    if kind == "object":
        return {
            key if isinstance(key, str) else str(_remote(key)): _remote(item)
            for key, item in value.get("value", [])
        }
    return None


@contextlib.contextmanager
def firefox() -> Iterator[BiDi]:
    """A headless Firefox with a profile of its own, and a BiDi session with it."""
    path = executable()
    if path is None:
        raise RuntimeError("no Firefox: `make setup` installs Debian's firefox-esr")
    with tempfile.TemporaryDirectory(prefix="cobrowse-firefox-") as folder:
        profile = Path(folder) / "profile"
        profile.mkdir()
        prefs = (f"user_pref({json.dumps(k)}, {json.dumps(v)});" for k, v in PREFERENCES.items())
        (profile / "user.js").write_text("\n".join(prefs) + "\n")
        log = Path(folder) / "firefox.log"
        with log.open("wb") as output:
            args = [path, "--headless", "--no-remote", "--profile", str(profile)]
            process = subprocess.Popen(
                [*args, "--remote-debugging-port", "0", "about:blank"],
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            session = BiDi(_listening(log, process))
            try:
                yield session
            finally:
                session.close()
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _listening(log: Path, process: subprocess.Popen[bytes]) -> str:
    """The address of Firefox's BiDi server, once its log names it."""
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        found = LISTENING.search(log.read_text(errors="replace"))
        if found:
            return found.group(1) + "/session"
        if process.poll() is not None:
            raise RuntimeError(f"Firefox exited ({process.returncode}): {log.read_text()[-2000:]}")
        time.sleep(0.05)  # ok-sleep: polling a child's log for a line, not a test's wait
    raise RuntimeError(f"Firefox did not start its BiDi server in {START_S:.0f} s")
