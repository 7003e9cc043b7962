"""A live session whose render page is lost (it crashed, stopped answering, went with its
browser, or never started) gets a new one from a fresh snapshot of the customer's page; only a
session whose pages are lost again and again ends, with ``mirror_error``."""

from __future__ import annotations

from pathlib import Path

import msgspec

from mirror.session.live import LiveSession
from mirror.session.messages import Notice, Snapshot
from mirror.session.state import SessionState
from tests.aio import in_thread
from tests.unit.inmemory import (
    FakePage,
    Hubs,
    MemoryPeer,
    ended,
    open_hubs,
    page_of,
    session_with_agent,
)

SNAPSHOT = [msgspec.Raw(b'{"type":2,"data":{},"timestamp":1}')]


async def rebuilt(
    hubs: Hubs, customer: MemoryPeer, live: LiveSession, agent: MemoryPeer, old: FakePage
) -> FakePage:
    """Follow a rebuild through: the agent is told, the customer asked for a snapshot that
    reaches a new page, and the agent is told the view is back."""
    await agent.next(Notice, lambda n: n.reason == "view-restarting")
    await customer.next(Snapshot)
    await hubs.hub.customer_events(live, SNAPSHOT)
    await agent.next(Notice, lambda n: n.reason == "view-restored")
    page = page_of(live)
    assert page is not old and old.closed and page.batches == [[bytes(SNAPSHOT[0])]]
    return page


@in_thread
async def test_a_crashed_render_page_is_rebuilt_and_the_session_goes_on(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await customer.next(Snapshot)  # The join's.
        old = page_of(live)
        old.crash()
        page = await rebuilt(hubs, customer, live, agent, old)
        page.show()
        assert await agent.next_frame()  # Frames flow from the new page.
        assert live.session.state is SessionState.ACTIVE and agent.closed is None
        assert (await hubs.record(live.uuid))["state"] == "active"
        assert hubs.metrics.mirror_rebuilds.labels("crashed")._value.get() == 1


@in_thread
async def test_a_page_that_stops_answering_is_rebuilt(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await customer.next(Snapshot)
        old = page_of(live)
        old.hang()
        await rebuilt(hubs, customer, live, agent, old)
        assert live.session.state is SessionState.ACTIVE


@in_thread
async def test_pages_lost_again_and_again_end_only_their_session(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        other_customer, other, other_agent = await session_with_agent(hubs)
        await customer.next(Snapshot)
        for _ in range(2):
            old = page_of(live)
            old.crash()
            await rebuilt(hubs, customer, live, agent, old)
        page_of(live).crash()  # The third within a minute.
        for peer in (customer, agent):
            assert await ended(peer) == "mirror_error"
        record = await hubs.record(live.uuid)
        assert record["state"] == "ended" and record["end_reason"] == "mirror_error"
        assert other.session.state is SessionState.ACTIVE and other_agent.closed is None
        assert other_customer.closed is None


@in_thread
async def test_a_page_that_never_starts_ends_its_session_not_the_others(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        working_customer, working, _ = await session_with_agent(hubs)
        hubs.pages.fail_starts(RuntimeError("Chromium is gone"))
        customer, live, agent = await session_with_agent(hubs)
        for peer in (customer, agent):
            assert await ended(peer) == "mirror_error"
        record = await hubs.record(live.uuid)
        assert record["state"] == "ended" and record["end_reason"] == "mirror_error"
        assert working.session.state is SessionState.ACTIVE and working_customer.closed is None
        assert (await hubs.record(working.uuid))["state"] == "active"


@in_thread
async def test_a_new_browser_rebuilds_every_page_without_counting_against_them(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path) as hubs:
        sessions = [await session_with_agent(hubs) for _ in range(2)]
        spare = hubs.pages.made[-1]
        for _ in range(3):  # More than a session's own pages may be lost: not counted.
            olds = [page_of(live) for _, live, _ in sessions]
            await hubs.hub.pages.browser_restarted(hubs.hub.sessions())
            for (customer, live, agent), old in zip(sessions, olds, strict=True):
                await rebuilt(hubs, customer, live, agent, old)
        assert spare.closed and not hubs.pages.made[-1].closed  # A spare from the new browser.
        assert all(live.session.state is SessionState.ACTIVE for _, live, _ in sessions)
