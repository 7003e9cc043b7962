"""Who acts on the customer's page ([session] agent_control, mirror/session/control.py), with
in-memory sockets and render pages and a real SQLite history: the customer asked on the agent's
first action, Allow and Deny, "Stop agent control", asking again, and pointer-only."""

from __future__ import annotations

from pathlib import Path

from mirror.session.control import ASK_AGAIN_S
from mirror.session.front import CustomerLink
from mirror.session.live import LiveSession
from mirror.session.messages import AskControl, Control, Notice
from replay.hit import Hit
from replay.messages import ClickInput, PointerAction, PointerInput, Refused, Script
from tests.aio import in_thread
from tests.unit.inmemory import (
    Hubs,
    MemoryPeer,
    make_config,
    open_hubs,
    page_of,
    session_with_agent,
)

BUTTON = Hit(inside=True, node=7, tag="button", focusable=True)


async def click(hubs: Hubs, live: LiveSession) -> None:
    page_of(live).hits[(10, 20)] = BUTTON
    await hubs.hub.actions.agent_input(live, ClickInput(x=10, y=20))


async def answer(hubs: Hubs, live: LiveSession, customer: MemoryPeer, granted: bool) -> None:
    await CustomerLink(hubs.hub, live, customer).send(Control(granted=granted))


async def events(hubs: Hubs, live: LiveSession) -> list[str]:
    return [event["kind"] for event in (await hubs.record(live.uuid))["events"]]


@in_thread
async def test_ask_the_first_action_asks_and_allow_grants(tmp_path: Path) -> None:
    async with open_hubs(tmp_path, make_config(agent_control="ask")) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await click(hubs, live)
        assert (await agent.next(Refused)).reason == "not_allowed"
        assert (await agent.next(Notice)).reason == "control-asked"
        await customer.next(AskControl)
        assert customer.of(Script) == []
        await click(hubs, live)  # Asked already: not asked twice.
        assert len(customer.of(AskControl)) == 1
        await answer(hubs, live, customer, True)
        assert (await agent.next(Control, lambda c: c.granted)).granted
        assert (await customer.next(Control)).granted is True
        await click(hubs, live)
        assert (await customer.next(Script)).seq == 1
        assert await events(hubs, live) == ["control_granted"]


@in_thread
async def test_stop_agent_control_takes_it_back_at_once(tmp_path: Path) -> None:
    async with open_hubs(tmp_path, make_config(agent_control="ask")) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await click(hubs, live)
        await answer(hubs, live, customer, True)
        await answer(hubs, live, customer, False)  # "Stop agent control".
        assert (await agent.next(Notice, lambda n: n.reason == "control-revoked")).reason
        await click(hubs, live)
        assert [r.reason for r in agent.of(Refused)] == ["not_allowed", "not_allowed"]
        assert customer.of(Script) == []
        assert await events(hubs, live) == ["control_granted", "control_revoked"]


@in_thread
async def test_a_denied_agent_asks_again_only_after_ten_seconds(tmp_path: Path) -> None:
    async with open_hubs(tmp_path, make_config(agent_control="ask")) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await click(hubs, live)
        await answer(hubs, live, customer, False)  # Deny.
        assert (await agent.next(Notice, lambda n: n.reason == "control-denied")).reason
        await click(hubs, live)
        assert len(customer.of(AskControl)) == 1  # Not yet.
        assert live.control_asked_at is not None
        live.control_asked_at -= ASK_AGAIN_S  # Ten seconds pass.
        await click(hubs, live)
        assert len(customer.of(AskControl)) == 2
        assert await events(hubs, live) == ["control_denied"]


@in_thread
async def test_an_answer_nobody_asked_for_grants_nothing(tmp_path: Path) -> None:
    async with open_hubs(tmp_path, make_config(agent_control="ask")) as hubs:
        customer, live, _ = await session_with_agent(hubs)
        await answer(hubs, live, customer, True)  # A forged Allow, before any ask.
        await click(hubs, live)
        assert customer.of(Script) == [] and live.control == "asked"


@in_thread
async def test_pointer_only_points(tmp_path: Path) -> None:
    async with open_hubs(tmp_path, make_config(agent_control="pointer")) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await hubs.hub.actions.agent_input(live, PointerInput(x=5, y=5))
        assert isinstance((await customer.next(Script)).action, PointerAction)
        await click(hubs, live)
        assert (await agent.next(Refused)).reason == "not_allowed"
        assert customer.of(AskControl) == [] and len(customer.of(Script)) == 1


@in_thread
async def test_write_acts_from_the_start(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await click(hubs, live)
        assert (await customer.next(Script)).seq == 1
        assert agent.of(Control) == []  # Nothing of control is said.
