"""What the hub puts in a session's recording (mirror/recording/ is tested on its own): the join,
the agent's actions with their results (never the text typed), the frames as the agent was sent
them, chat lines of the session's chat, and the end with its reason."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec

from mirror.frames.frame import Frame
from mirror.recording.customer import Page
from mirror.session.live import Track
from mirror.session.messages import Refused as RefusedMessage
from mirror.session.state import EndReason
from replay.hit import Hit
from replay.messages import Applied, ClickInput, Refused, TextInput
from tests.aio import in_thread
from tests.unit.inmemory import agent_join, customer_hello, open_hubs, page_of

FIELD = Hit(inside=True, node=5, tag="input", focusable=True)
MASKED = Hit(inside=True, node=6, tag="input", focusable=True, protected="masked")


class FakeTrack:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.frames: list[bytes] = []
        self.finished: str | None = None

    def frame(self, message: bytes, picture: Frame) -> None:
        self.frames.append(message)

    def event(self, kind: str, **fields: Any) -> None:
        self.events.append({"type": kind, **fields})

    def pointer(self, side: str, x: float, y: float) -> None:
        self.event("pointer", side=side, x=x, y=y)

    def customer_marks(self, marks: list[tuple[float, float] | Page]) -> None:
        self.event("customer_marks", count=len(marks))

    async def finish(self, reason: str) -> None:
        self.finished = reason


class Tracks:
    def __init__(self) -> None:
        self.started: dict[str, FakeTrack] = {}

    def __call__(self, session_uuid: str, on_writing: Callable[[bool], Awaitable[None]]) -> Track:
        track = self.started[session_uuid] = FakeTrack()
        return track


@in_thread
async def test_a_recorded_session_tells_the_customer_and_records_actions_and_the_end(
    tmp_path: Path,
) -> None:
    tracks = Tracks()
    async with open_hubs(tmp_path, tracks=tracks) as hubs:
        customer, live, info = await customer_hello(hubs)
        assert info.recorded
        agent = await agent_join(hubs, live)
        track = tracks.started[live.uuid]
        page_of(live).hits[(10, 20)] = MASKED
        await hubs.hub.actions.agent_input(live, ClickInput(x=10, y=20))
        assert (await agent.next(RefusedMessage)).reason == "masked"
        page_of(live).hits[(30, 40)] = FIELD
        await hubs.hub.actions.agent_input(live, ClickInput(x=30, y=40))
        await hubs.hub.actions.agent_input(live, TextInput(text="secret words"))
        await hubs.hub.actions.customer_answer(live, Applied(seq=1))
        await hubs.hub.actions.customer_answer(live, Refused(seq=2, reason="readonly"))
        hubs.hub.chat_line(live.session.interaction_id or "none", "agent", "not this session's")
        await hubs.hub.end(live, EndReason.CUSTOMER_EXIT)
    kept = [e for e in track.events if e["type"] != "pointer"]
    assert kept[:2] == [
        {"type": "joined"},
        {
            "type": "view",
            "width": live.screen.viewport.width,
            "height": live.screen.viewport.height,
        },
    ]
    assert kept[2:] == [
        {"type": "action", "action": "click", "result": "refused", "reason": "masked"},
        {"type": "action", "action": "click", "result": "applied"},
        {"type": "action", "action": "type", "result": "refused", "reason": "readonly"},
        {"type": "ended", "reason": "customer_exit"},
    ]
    pointers = [(e["x"], e["y"]) for e in track.events if e["type"] == "pointer"]
    assert pointers == [(10, 20), (30, 40)]
    assert b"secret words" not in msgspec.json.encode(track.events)
    assert track.finished == "customer_exit" and customer is not None
