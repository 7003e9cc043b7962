"""Who acts on the customer's page: ``[session] agent_control``. With "write" (the seed's
default) the agent acts from the start; with "pointer" the agent only points; with "ask" the
agent's first action asks the customer, who allows or denies it, and takes control back at once
with "Stop agent control". A denied agent may ask again after ASK_AGAIN_S. Each answer goes into
the session's history and recording. The customer's page checks the mode again before it
replays any script (mirror/web/embed/session.js)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Literal

from mirror.clock import utcnow
from mirror.history import HistoryStore
from mirror.session.live import LiveSession, Peer, tell
from mirror.session.messages import AskControl, Control, Notice
from replay.messages import AgentInput, PointerInput

log = logging.getLogger("cobrowse.session")
ASK_AGAIN_S = 10.0
ControlMode = Literal[
    "write", "ask", "pointer"
]  # A denied agent's next action asks again only after this long.

# The customer's answer, by the control it was asked or had: (new control, history event).
ANSWERS = {
    ("asked", True): ("granted", "control_granted"),
    ("asked", False): ("denied", "control_denied"),
    ("granted", False): ("none", "control_revoked"),
}


class AgentControl:
    def __init__(
        self, mode: ControlMode, history: HistoryStore, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.mode, self._history, self._clock = mode, history, clock

    def allows(self, live: LiveSession, item: AgentInput) -> bool:
        """Whether the agent's ``item`` may act now (a pointer move always may)."""
        if self.mode == "write" or isinstance(item, PointerInput):
            return True
        return self.mode == "ask" and live.control == "granted"

    async def ask(self, live: LiveSession) -> None:
        """An action was refused for want of control: with "ask", the customer is asked, unless
        they are being asked or were asked within ASK_AGAIN_S."""
        now = self._clock()
        asked = live.control_asked_at
        if live.control == "asked" or (asked is not None and now - asked < ASK_AGAIN_S):
            return
        if self.mode != "ask" or live.customer is None:
            return
        live.control, live.control_asked_at = "asked", now
        live.track.event("control_asked")
        await tell([live.customer], AskControl())
        await tell(_agent(live), Notice(reason="control-asked"))

    async def customer_says(self, live: LiveSession, granted: bool) -> None:
        """The customer pressed Allow, Deny or "Stop agent control"; an answer nobody asked
        for changes nothing."""
        answer = ANSWERS.get((live.control, granted)) if self.mode == "ask" else None
        if answer is None:
            return
        live.control, kind = answer
        log.info("session %s: %s", live.uuid, kind)
        live.track.event(kind)
        try:
            await self._history.add_event(live.uuid, kind, utcnow())
        except Exception:  # The session goes on; the recording has it.
            log.exception("session %s: %s could not be written to history", live.uuid, kind)
        state = Control(granted=live.control == "granted", mode="ask")
        customer = [live.customer] if live.customer is not None else []
        await tell(customer + _agent(live), state)  # Not the watchers: control is the agent's.
        await tell(_agent(live), Notice(reason=kind.replace("_", "-")))

    def greet(self, live: LiveSession) -> Control | None:
        """What a page that (re)joins is told of control: nothing with "write"."""
        if self.mode == "write":
            return None
        return Control(granted=live.control == "granted", mode=self.mode)


def _agent(live: LiveSession) -> list[Peer]:
    return [live.agent] if live.agent is not None else []
