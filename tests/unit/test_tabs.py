"""The customer's tabs (mirror/session/tabs.py), with in-memory sockets: another tab resuming
the session takes it and the agent is told; the tab it left waits; a tab out of sight is told
to the agent as a page that is not shared."""

from __future__ import annotations

from pathlib import Path

from mirror.session.front import CustomerLink
from mirror.session.messages import Away, Hello, Looking, Notice, Snapshot
from mirror.wire import CLOSE_ELSEWHERE
from tests.aio import in_thread
from tests.unit.inmemory import VIEWPORT, customer_hello, open_hubs, session_with_agent


@in_thread
async def test_another_tab_takes_the_session_and_the_agent_is_told(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        first, live, agent = await session_with_agent(hubs)
        live.customer_tab = "tab-a"
        session = live.session
        resume = dict(resume_id=session.access_id, resume_token=session.resume_token)
        second, _, _ = await customer_hello(hubs, Hello(viewport=VIEWPORT, tab="tab-b", **resume))
        assert (await first.wait_closed())[0] == CLOSE_ELSEWHERE
        await second.next(Snapshot)  # One mirror: the tab looked at sends its page.
        assert (await agent.next(Notice)).reason == "tab-switched"
        back, _, _ = await customer_hello(hubs, Hello(viewport=VIEWPORT, tab="tab-a", **resume))
        assert (await second.wait_closed())[0] == CLOSE_ELSEWHERE
        assert len([n for n in agent.of(Notice) if n.reason == "tab-switched"]) == 2
        assert live.customer is back and session.live


@in_thread
async def test_the_next_page_of_the_same_tab_is_no_switch(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        _, live, agent = await session_with_agent(hubs)
        live.customer_tab = "tab-a"
        session = live.session
        hello = Hello(
            viewport=VIEWPORT,
            tab="tab-a",
            resume_id=session.access_id,
            resume_token=session.resume_token,
        )
        await customer_hello(hubs, hello)
        assert [n for n in agent.of(Notice) if n.reason == "tab-switched"] == []


@in_thread
async def test_a_tab_out_of_sight_is_a_page_not_shared(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        link = CustomerLink(hubs.hub, live, customer)
        await link.send(Looking(on=False))
        assert (await agent.next(Away)).away is True
        await link.send(Looking(on=True))
        assert (await agent.next(Away)).away is False
        await link.send(Looking(on=True))  # No change: nothing said.
        assert len(agent.of(Away)) == 2
