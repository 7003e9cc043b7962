"""A colleague or supervisor watching a session, and the hand-over that gives them write mode
(mirror/session/colleagues.py), with in-memory sockets and render pages: one agent in write mode
at any time, watchers view only, the customer told who is watching."""

from __future__ import annotations

from pathlib import Path

from mirror.errors import SessionNotFound
from mirror.frames.frame import Frame
from mirror.frames.patches import PATCH, is_whole
from mirror.render.screen import Screen
from mirror.session.colleagues import MAX_WATCHERS
from mirror.session.front import AgentLink
from mirror.session.handover import adopt
from mirror.session.live import LiveSession
from mirror.session.messages import (
    Colleagues,
    Company,
    Exit,
    HandOver,
    Hello,
    Invite,
    Invited,
    Joined,
    Notice,
    Redraw,
    SessionInfo,
    ViewSize,
)
from mirror.session.state import EndReason, SessionState
from mirror.wire import CLOSE_ENDED
from replay.hit import Hit
from replay.messages import ClickInput, Refused, Script
from tests.aio import in_thread
from tests.unit.inmemory import (
    VIEWPORT,
    Hubs,
    MemoryPeer,
    blank_frame,
    customer_hello,
    ended,
    make_config,
    open_hubs,
    page_of,
    session_with_agent,
)

BUTTON = Hit(inside=True, node=7, tag="button", focusable=True)
GRACE_S = 0.02


async def invite(hubs: Hubs, live: LiveSession, agent: MemoryPeer, name: str) -> Invited:
    await AgentLink(hubs.hub, live, agent).send(Invite(name=name))
    return await agent.next(Invited, lambda m: m.name == name)


async def watcher_joins(hubs: Hubs, invited: Invited, name: str = "watcher") -> MemoryPeer:
    """The colleague's page opens the invitation, as /ws/agent?join_token= does."""
    grant = await hubs.hub.tokens.redeem(invited.token)
    assert grant is not None and grant.rejoin is not None
    peer = MemoryPeer(name)
    await hubs.hub.agent_rejoin(peer, grant.access_id, grant.rejoin)
    return peer


async def click(hubs: Hubs, live: LiveSession, peer: MemoryPeer) -> None:
    page_of(live).hits[(10, 20)] = BUTTON
    await AgentLink(hubs.hub, live, peer).send(ClickInput(x=10, y=20))


@in_thread
async def test_an_invited_colleague_watches_and_the_customer_is_told_who(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        invited = await invite(hubs, live, agent, "Dana, supervisor")
        assert invited.expires_in == 600
        assert (await agent.next(Colleagues)).watchers[0].watching is False  # Invited only.
        watcher = await watcher_joins(hubs, invited)
        assert (await watcher.status("active")).state == "active"
        joined = await watcher.next(Joined)
        assert joined.role == "watcher" and joined.id == live.session.access_id
        assert joined.token != live.agent_token
        await watcher.next(ViewSize)
        page_of(live).show()
        assert (await watcher.next_frame())[:2] == b"\xff\xd8"
        assert (await agent.next_frame())[:2] == b"\xff\xd8"  # Both views get the frames.
        company = await customer.next(Company, lambda m: bool(m.watchers))
        assert company.watchers == ["Dana, supervisor"] and company.agent == ""
        seats = await agent.next(Colleagues, lambda m: m.watchers[0].watching)
        assert [w.name for w in seats.watchers] == ["Dana, supervisor"]


def marked(frame: Frame, at: int) -> Frame:
    """``frame`` with a small square changed at ``at`` squares from the left: a patch's worth,
    and no JPEG of its own (no whole frame follows once the page rests)."""
    pixels = frame.pixels.copy()
    pixels[8:24, 8 + 32 * at : 24 + 32 * at, :3] = (200, 30, 30)
    return Frame(pixels, jpeg=None)


@in_thread
async def test_a_view_that_could_not_draw_gets_the_whole_picture_and_no_other_view_does(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path) as hubs:
        _, live, agent = await session_with_agent(hubs)
        watcher = await watcher_joins(hubs, await invite(hubs, live, agent, "Dana"))
        await watcher.next(ViewSize)
        page, first = page_of(live), blank_frame()
        page.show(first)
        for view in (agent, watcher):
            assert is_whole(await view.next_frame())
        page.show(marked(first, 0))
        for view in (agent, watcher):
            assert (await view.next_frame())[:1] == PATCH
        await AgentLink(hubs.hub, live, watcher).send(Redraw())  # It failed to draw one.
        assert is_whole(await watcher.next_frame())
        page.show(marked(first, 1))
        assert (await agent.next_frame())[:1] == PATCH  # Nothing whole came before it.
        assert (await watcher.next_frame())[:1] == PATCH


@in_thread
async def test_an_invitation_works_once(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        _, live, agent = await session_with_agent(hubs)
        invited = await invite(hubs, live, agent, "Dana")
        await watcher_joins(hubs, invited)
        assert await hubs.hub.tokens.redeem(invited.token) is None


@in_thread
async def test_a_watcher_is_view_only_and_its_exit_ends_nothing(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        watcher = await watcher_joins(hubs, await invite(hubs, live, agent, "Dana"))
        await click(hubs, live, watcher)
        assert (await watcher.next(Refused)).reason == "view_only"
        assert customer.of(Script) == []  # Nothing of the watcher's reaches the customer.
        await AgentLink(hubs.hub, live, watcher).send(Exit())
        assert (await watcher.wait_closed())[0] == CLOSE_ENDED
        assert (await customer.next(Company, lambda m: not m.watchers)).watchers == []
        assert live.session.state is SessionState.ACTIVE and agent.closed is None
        await click(hubs, live, agent)  # The agent still acts.
        assert (await customer.next(Script)).seq == 1


@in_thread
async def test_the_hand_over_gives_the_colleague_write_mode_and_ends_the_agents_view(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        old_token = live.agent_token
        watcher = await watcher_joins(hubs, await invite(hubs, live, agent, "Dana"))
        seat = (await agent.next(Colleagues, lambda m: m.watchers[0].watching)).watchers[0].seat
        await AgentLink(hubs.hub, live, agent).send(HandOver(seat=seat))
        assert await ended(agent) == "handed_over"
        assert (await agent.wait_closed())[0] == CLOSE_ENDED
        assert (await watcher.next(Joined, lambda m: m.role == "agent")).token == live.agent_token
        assert (await customer.next(Company, lambda m: m.agent == "Dana")).watchers == []
        await hubs.hub.agent_left(live, agent)  # The old view's socket closing changes nothing.
        assert live.session.state is SessionState.ACTIVE and live.agent is watcher
        await click(hubs, live, watcher)
        assert (await customer.next(Script)).seq == 1  # The colleague now acts.
        try:
            await hubs.hub.agent_rejoin(MemoryPeer(), live.session.access_id, old_token)
        except SessionNotFound:
            pass
        else:
            raise AssertionError("the old agent's token still joins")
        await AgentLink(hubs.hub, live, watcher).send(Exit())  # As the agent: it ends.
        assert live.session.end_reason is EndReason.AGENT_EXIT


@in_thread
async def test_a_hand_over_to_an_invitation_not_yet_taken_is_refused(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        _, live, agent = await session_with_agent(hubs)
        await invite(hubs, live, agent, "Dana")
        seat = (await agent.next(Colleagues)).watchers[0].seat
        await AgentLink(hubs.hub, live, agent).send(HandOver(seat=seat))
        assert (await agent.next(Notice)).reason == "colleague-away"
        assert live.agent is agent


@in_thread
async def test_a_colleague_away_a_moment_is_the_agent_when_back(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        _, live, agent = await session_with_agent(hubs)
        watcher = await watcher_joins(hubs, await invite(hubs, live, agent, "Dana"))
        (seat,) = live.watchers
        (token,) = [w.token for w in live.watchers.values()]
        await hubs.hub.agent_left(live, watcher)  # The colleague's network blinks.
        await AgentLink(hubs.hub, live, agent).send(HandOver(seat=seat))
        assert await ended(agent) == "handed_over"
        back = MemoryPeer("colleague back")
        await hubs.hub.agent_rejoin(back, live.session.access_id, token)
        assert (await back.next(Joined)).role == "agent"
        assert live.agent is back and live.session.state is SessionState.ACTIVE


@in_thread
async def test_a_watcher_gone_past_the_grace_frees_its_seat(tmp_path: Path) -> None:
    async with open_hubs(tmp_path, make_config(agent_grace_s=GRACE_S)) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        watcher = await watcher_joins(hubs, await invite(hubs, live, agent, "Dana"))
        await customer.next(Company, lambda m: bool(m.watchers))
        await hubs.hub.agent_left(live, watcher)
        await customer.next(Company, lambda m: not m.watchers)
        assert live.watchers == {} and live.session.state is SessionState.ACTIVE


@in_thread
async def test_there_are_a_few_watchers_at_most(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        _, live, agent = await session_with_agent(hubs)
        for n in range(MAX_WATCHERS):
            await invite(hubs, live, agent, f"colleague {n}")
        await AgentLink(hubs.hub, live, agent).send(Invite(name="one more"))
        assert (await agent.next(Notice)).reason == "watchers-full"
        assert len(live.watchers) == MAX_WATCHERS


@in_thread
async def test_a_watchers_view_in_sight_keeps_capture_on(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        _, live, agent = await session_with_agent(hubs)
        watcher = await watcher_joins(hubs, await invite(hubs, live, agent, "Dana"))
        page = page_of(live)
        await hubs.hub.agent_watching(live, agent, False)
        assert page.watched[-1] is True  # The watcher still looks.
        await hubs.hub.agent_watching(live, watcher, False)
        assert page.watched[-1] is False


@in_thread
async def test_the_end_of_the_session_ends_every_watchers_view(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        _, live, agent = await session_with_agent(hubs)
        watcher = await watcher_joins(hubs, await invite(hubs, live, agent, "Dana"))
        await AgentLink(hubs.hub, live, agent).send(Exit())
        assert await ended(watcher) == "agent_exit"
        assert (await watcher.wait_closed())[0] == CLOSE_ENDED


@in_thread
async def test_a_customer_on_a_new_page_is_told_again_who_is_watching(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await watcher_joins(hubs, await invite(hubs, live, agent, "Dana"))
        (info,) = customer.of(SessionInfo)
        hello = Hello(viewport=VIEWPORT, resume_id=info.id, resume_token=info.token)
        next_page, _, _ = await customer_hello(hubs, hello, "next page")
        assert (await next_page.next(Company)).watchers == ["Dana"]


@in_thread
async def test_the_node_that_takes_a_session_over_keeps_its_watchers_seats(
    tmp_path: Path,
) -> None:
    """A cluster's takeover: the seats travel in the directory; the watcher's page comes back
    to the new owner with its own token and still watches."""
    (tmp_path / "next").mkdir()
    async with open_hubs(tmp_path) as hubs, open_hubs(tmp_path / "next") as next_node:
        _, live, agent = await session_with_agent(hubs)
        await watcher_joins(hubs, await invite(hubs, live, agent, "Dana"))
        seats = live.seats()
        taken = await adopt(next_node.hub, live.session, Screen(VIEWPORT), seats)
        back = MemoryPeer("watcher back")
        (watcher,) = seats.watchers
        await next_node.hub.agent_rejoin(back, live.session.access_id, watcher.token)
        assert (await back.next(Joined)).role == "watcher"
        assert taken.watchers[watcher.seat].peer is back
