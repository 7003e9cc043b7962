"""The agent's pointer and keys on their way to the customer's page: aimed in the render page,
checked against the policy, sent as event scripts; each refusal is told to the agent, and every
action other than a pointer move goes into the session's recording with its result."""

from __future__ import annotations

import msgspec

from mirror.config import Config
from mirror.metrics import Metrics
from mirror.session.control import AgentControl
from mirror.session.live import LiveSession, ServerPage
from replay.hit import Hit
from replay.messages import (
    AgentInput,
    Applied,
    ClickInput,
    KeyInput,
    PointerAction,
    PointerInput,
    Refused,
    Script,
    WheelInput,
    known_reason,
)
from replay.policy import Rules
from replay.translate import Refusal, is_tab, new_focus, presses, translate

MAX_UNANSWERED = 64  # Scripts whose answer is awaited for the recording; older ones are dropped.


class AgentActions:
    def __init__(self, config: Config, metrics: Metrics, control: AgentControl) -> None:
        self.config, self.metrics, self.control = config, metrics, control

    async def agent_input(self, live: LiveSession, item: AgentInput) -> None:
        """The agent's pointer or keys: hit-test in the render page, check, send the script."""
        page = live.page
        if page is None or not live.session.live:
            return
        live.touch()
        if not self.control.allows(live, item):
            await self._refuse(live, "not_allowed", _kind(item))
            await self.control.ask(live)
            return
        if isinstance(item, PointerInput | ClickInput | WheelInput):
            live.track.pointer("agent", item.x, item.y)  # Where it was on the agent's view.
            if live.screen.visual is not None:  # A phone's or a zoomed page: the layout's point.
                x, y = live.screen.to_layout(item.x, item.y)
                item = msgspec.structs.replace(item, x=x, y=y)
        hit, tab_to, target = await self._aim(live, page, item)
        result = translate(item, hit, live.agent_focus, self._rules(live), tab_to, target)
        if isinstance(result, PointerAction):  # Drawn on the same spot of the same element.
            anchor = await page.anchor(result.x, result.y)
            if anchor is not None:
                result = msgspec.structs.replace(
                    result, node=anchor.node, fx=anchor.fx, fy=anchor.fy
                )
        if isinstance(result, Refusal):
            await self._refuse(live, result.reason, _kind(item))
            return
        live.agent_focus = new_focus(result, hit, live.agent_focus)
        live.script_seq += 1
        kind = _kind(item)
        if kind is not None:
            live.actions[live.script_seq] = kind
            if len(live.actions) > MAX_UNANSWERED:
                del live.actions[next(iter(live.actions))]
        if live.customer is not None:
            await live.customer.send_message(Script(seq=live.script_seq, action=result))

    async def _aim(
        self, live: LiveSession, page: ServerPage, item: AgentInput
    ) -> tuple[Hit | None, int | None, Hit | None]:
        """What the input lands on, asked of the render page: the element under a pointer, the
        node Tab moves to, or what a key that activates (Enter, Space) would press."""
        if isinstance(item, ClickInput | WheelInput):
            return await page.hit_test(item.x, item.y), None, None
        if isinstance(item, KeyInput) and is_tab(item):
            return None, await page.next_focus(live.agent_focus, item.shift), None
        if presses(item) and live.agent_focus is not None:
            return None, None, await page.describe(live.agent_focus)
        return None, None, None

    async def customer_answer(self, live: LiveSession, answer: Applied | Refused) -> None:
        """The customer's page dispatched a script, or refused it (the agent is told why)."""
        kind = live.actions.pop(answer.seq, None) if answer.seq is not None else None
        if isinstance(answer, Refused):
            await self._refuse(live, answer.reason, kind)
        elif kind is not None:
            live.track.event("action", action=kind, result="applied")

    async def _refuse(self, live: LiveSession, reason: str, kind: str | None) -> None:
        reason = known_reason(reason)  # One of a fixed set: the page's own words go no further.
        self.metrics.actions_refused.labels(reason).inc()
        if kind is not None:
            live.track.event("action", action=kind, result="refused", reason=reason)
        if live.agent is not None:
            await live.agent.send_message(Refused(reason=reason))

    def _rules(self, live: LiveSession) -> Rules:
        masking = self.config.masking
        return Rules(agent_can_submit=masking.agent_can_submit, page_origin=live.session.origin)


def _kind(item: AgentInput) -> str | None:
    """What the agent did, in a word (never the text typed nor the key pressed); None for a
    pointer move, which the recording keeps as a position."""
    if isinstance(item, ClickInput):
        return "double-click" if item.count > 1 else "click"
    if isinstance(item, WheelInput):
        return "scroll"
    if isinstance(item, KeyInput):
        return "key"
    return None if isinstance(item, PointerInput) else "type"
