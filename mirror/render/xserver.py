"""The X server the render pages' windows are drawn on (``[frames] capture = "windows"``): an
Xvfb of the server's own, on a free display number, reachable only with a cookie of its own,
with every top-level window redirected off-screen (the Composite extension) so that each keeps
all its pixels whatever overlaps it. The connection that asked for the redirection stays open as
long as the X server runs: the redirection ends with it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import socket
import struct
import subprocess
import tempfile
from pathlib import Path

from Xlib import display
from Xlib.error import ConnectionClosedError, DisplayError
from Xlib.ext import composite

from mirror.errors import BrowserUnavailable

# One screen, large enough that a window the size of the largest viewport fits on it; the
# windows are redirected, so many of them overlap without losing pixels.
SCREEN = "4096x4096x24"
# Extensions the X server leaves out. Over MIT-SHM, Chromium keeps two shared images a window to
# draw through, twice the memory of the one picture it keeps to send over the socket; GLX loads
# Mesa's LLVM into the X server, which draws nothing in 3D here (docs/benchmark.md). Any other
# X server this process reads must leave out the same: python-xlib keeps the extensions' event
# numbers for the whole process, and they shift with the extensions an X server has.
WITHOUT = ("-extension", "MIT-SHM", "-extension", "GLX")
START_S = 10.0
FAMILY_LOCAL = 256  # X authority entries: a local connection, told by the host's name.
COOKIE = b"MIT-MAGIC-COOKIE-1"


def authority_entry(cookie: bytes, host: str | None = None) -> bytes:
    """An X authority file's entry for ``cookie`` on any display of this host (libXau's format:
    family, then address, display number, scheme and data, each with its length)."""
    address = (host or socket.gethostname()).encode()
    fields = (address, b"", COOKIE, cookie)  # b"": every display number.
    return struct.pack(">H", FAMILY_LOCAL) + b"".join(
        struct.pack(">H", len(field)) + field for field in fields
    )


class XServer:
    """A running Xvfb; :attr:`env` is what a client needs to reach it."""

    def __init__(self, process: asyncio.subprocess.Process, name: str, folder: Path) -> None:
        self._process, self.name, self._folder = process, name, folder
        self.env = {"DISPLAY": name, "XAUTHORITY": str(folder / "authority")}
        self._redirecting: display.Display | None = None

    @classmethod
    async def start(cls) -> XServer:
        """Raises BrowserUnavailable when Xvfb is missing or does not start."""
        program = shutil.which("Xvfb")
        if program is None:
            raise BrowserUnavailable("Xvfb is missing (Debian's xvfb): run 'make setup'")
        folder = Path(tempfile.mkdtemp(prefix="cobrowse-x-"))
        authority = folder / "authority"
        authority.write_bytes(authority_entry(secrets.token_bytes(16)))
        authority.chmod(0o600)
        read, write = os.pipe()
        process = await asyncio.create_subprocess_exec(
            *(program, "-displayfd", str(write), "-screen", "0", SCREEN),
            *("-auth", str(authority), "-nolisten", "tcp", "-terminate", *WITHOUT),
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        try:
            async with asyncio.timeout(START_S):
                number = await asyncio.to_thread(_first_line, read)
        except TimeoutError:
            number = ""
        server = cls(process, f":{number}", folder)
        if not number:
            await server.close()
            raise BrowserUnavailable("Xvfb did not start")
        try:
            server._redirect()
        except (DisplayError, OSError) as exc:
            await server.close()
            raise BrowserUnavailable(f"Xvfb started but cannot be used: {exc}") from exc
        return server

    def _redirect(self) -> None:
        os.environ["XAUTHORITY"] = self.env["XAUTHORITY"]  # How python-xlib finds the cookie.
        x = display.Display(self.name)
        x.screen().root.composite_redirect_subwindows(composite.RedirectAutomatic)
        x.sync()
        self._redirecting = x

    def connect(self) -> display.Display:
        """A new connection to this X server."""
        os.environ["XAUTHORITY"] = self.env["XAUTHORITY"]
        return display.Display(self.name)

    def window_at(self, left: int, top: int, width: int) -> int | None:
        """The top-level window ``width`` wide whose top-left corner is (left, top), if any."""
        assert self._redirecting is not None
        for child in self._redirecting.screen().root.query_tree().children:
            geometry = child.get_geometry()
            if (geometry.x, geometry.y, geometry.width) == (left, top, width):
                return int(child.id)
        return None

    @property
    def running(self) -> bool:
        return self._process.returncode is None

    async def close(self) -> None:
        if self._redirecting is not None:
            with contextlib.suppress(ConnectionClosedError, OSError):  # Xvfb went first.
                self._redirecting.close()
            self._redirecting = None
        if self._process.returncode is None:
            self._process.terminate()
            await self._process.wait()
        shutil.rmtree(self._folder, ignore_errors=True)


def _first_line(fd: int) -> str:
    with os.fdopen(fd) as lines:
        return lines.readline().strip()
