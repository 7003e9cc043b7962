"""The customer's side of starting a session, as a person does it: the page has cobrowse.js (the
plugin embeds it if not), the customer presses Co-browse, says Yes, and reads the nine digits.
``Cobrowse`` is the object the ``cobrowse`` fixture gives a test."""

from __future__ import annotations

import contextlib
import json
import re

from playwright.sync_api import ConsoleMessage, Page, expect
from playwright.sync_api import Error as PlaywrightError

from mirror.testing.actions import DEFAULT_TIMEOUT_S
from mirror.testing.errors import CobrowseUsageError
from mirror.testing.server import CobrowseServer
from mirror.testing.session import STATUS_TIMEOUT_MS, CobrowseSession
from mirror.testing.wire import Wire

NINE_DIGITS = re.compile(r"^\d{9}$")
# Enough of the browser console to say why a script or socket was blocked (CSP, private network).
CONSOLE_LINES = 5


EMBED_ON_EACH_PAGE_JS = """(url) => {
  if (window.top !== window) return;
  document.addEventListener("DOMContentLoaded", () => {
    if (window.__cobrowse) return;  // The page embeds it itself.
    const script = document.createElement("script");
    script.src = url;
    (document.head || document.documentElement).appendChild(script);
  }, { once: true });
}"""


class _Console:
    """The page's console errors while the session starts: they explain most failures."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.lines: list[str] = []
        page.on("console", self._add)

    def _add(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.lines.append(message.text)

    def hint(self) -> str:
        if not self.lines:
            return ""
        return "\nthe page's console said:\n  " + "\n  ".join(self.lines[-CONSOLE_LINES:])

    def close(self) -> None:
        self.page.remove_listener("console", self._add)


class Cobrowse:
    """The ``cobrowse`` fixture: starts sessions and ends those still live at teardown."""

    def __init__(self, server: CobrowseServer, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.server = server
        self.timeout_s = timeout_s
        self.sessions: list[CobrowseSession] = []

    def start(self, page: Page) -> CobrowseSession:
        """Embed cobrowse.js if the page lacks it, press Co-browse -> Yes, read the ID."""
        wire = Wire()
        wire.watch(page, "customer")
        console = _Console(page)
        try:
            self._embed(page, console)
            self._consent(page, console)
            session_id = self._read_id(page, console)
        finally:
            console.close()
        session = CobrowseSession(self.server, page, session_id, wire, timeout_s=self.timeout_s)
        self.sessions.append(session)
        return session

    def _embed(self, page: Page, console: _Console) -> None:
        if page.evaluate("() => Boolean(window.__cobrowse)"):
            return
        # Every later page of this tab gets the script too, as on a site that embeds it on each
        # page: the session then follows the customer from page to page.
        page.add_init_script(
            script=f"({EMBED_ON_EACH_PAGE_JS})({json.dumps(self.server.script_url)})"
        )
        try:
            page.add_script_tag(url=self.server.script_url)
        except PlaywrightError as exc:
            raise CobrowseUsageError(
                f"cobrowse.js from {self.server.script_url} could not be loaded into "
                f"{page.url}: {exc.message.splitlines()[0]}{console.hint()}"
            ) from None

    def _consent(self, page: Page, console: _Console) -> None:
        widget = page.locator("[data-cobrowse-widget]")
        launcher = widget.get_by_role("button", name="Co-browse", exact=True)
        try:
            launcher.click(timeout=STATUS_TIMEOUT_MS)
        except PlaywrightError:
            embedded = page.evaluate("() => Boolean(window.__cobrowse)")
            why = "the widget did not appear" if embedded else "cobrowse.js did not run"
            raise CobrowseUsageError(
                f"the page {page.url} shows no 'Co-browse' button ({why} within "
                f"{STATUS_TIMEOUT_MS // 1000} s): is cobrowse.js from {self.server.script_url} "
                f"embedded, and allowed for this origin?{console.hint()}"
            ) from None
        widget.get_by_role("button", name="Yes").click(timeout=STATUS_TIMEOUT_MS)

    def _read_id(self, page: Page, console: _Console) -> str:
        """Wait for the nine digits, or for the widget to say the server turned it away."""
        widget = page.locator("[data-cobrowse-widget]")
        id_element = widget.locator("[data-cobrowse-session-id]")
        status = widget.get_by_role("status")
        with contextlib.suppress(AssertionError):
            expect(id_element.or_(status.filter(has_text="ended")).first).to_be_attached(
                timeout=STATUS_TIMEOUT_MS
            )
        if id_element.count():
            session_id = id_element.first.get_attribute("data-cobrowse-session-id") or ""
            if NINE_DIGITS.match(session_id):
                return session_id
        said = status.first.text_content() if status.count() else None
        raise CobrowseUsageError(
            f"no session started on {page.url}: the widget says {said!r}. The server at "
            f"{self.server.url} refused the page or could not be reached; if [server] "
            f"allowed_origins is set, it must list this page's origin{console.hint()}"
        )

    def close(self) -> None:
        for session in self.sessions:
            if not session.ended and not session.customer.is_closed():
                # Teardown must not mask the test's own failure.
                with contextlib.suppress(Exception):
                    session.end("customer")
            session.close_agent()
