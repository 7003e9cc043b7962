"""The hub's session rules (CONTRACT.md "Session rules", the lifecycle and its end reasons) with
in-memory sockets and render pages, a real history store and real timers kept tiny."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import msgspec
import pytest

from mirror.config import LimitsConfig
from mirror.errors import SessionError, SessionNotFound
from mirror.session.budget import MAX_BATCH_BYTES
from mirror.session.hub import Hub
from mirror.session.live import LiveSession
from mirror.session.messages import (
    Hello,
    Joined,
    Notice,
    Snapshot,
    Status,
    ViewSize,
)
from mirror.session.state import EndReason, SessionState
from mirror.wire import CLOSE_ELSEWHERE, CLOSE_ENDED, Viewport
from replay.hit import Anchor, Hit
from replay.messages import (
    ClickAction,
    ClickInput,
    FocusAction,
    KeyInput,
    PointerAction,
    PointerInput,
    Refused,
    Script,
    TextAction,
    TextInput,
)
from tests.aio import in_thread
from tests.unit.inmemory import (
    ORIGIN,
    VIEWPORT,
    Hubs,
    MemoryPeer,
    agent_join,
    customer_hello,
    ended,
    make_config,
    open_hubs,
    page_of,
    session_with_agent,
    watching_inactivity,
)

# Every grace period and timeout: short, as tests wait them out (on a message, never a sleep).
# A page that comes back within one does so with no I/O between leaving and returning.
GRACE_S = 0.02
SNAPSHOT = [msgspec.Raw(b'{"type":2,"data":{},"timestamp":1}')]


# -- creation and join -----------------------------------------------------------------------


@in_thread
async def test_a_customer_hello_creates_an_idle_session_with_nine_digits_in_history(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path) as hubs:
        _, live, info = await customer_hello(hubs)
        assert re.fullmatch(r"\d{9}", info.id) and info.state == "idle"
        assert info.uuid == live.uuid and info.token == live.session.resume_token
        assert hubs.hub.lookup(info.uuid) is live
        record = await hubs.record(info.uuid)
        assert record["state"] == "idle" and record["created_at"]
        assert record["started_at"] is None and record["end_reason"] is None
        assert info.id not in str(record)


@in_thread
async def test_the_agent_joining_makes_it_active_and_tells_both_sides(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, info = await customer_hello(hubs)
        agent = await agent_join(hubs, live, interaction="CALL-1")
        for peer in (customer, agent):
            assert await peer.next(Status) == Status(state="active")
        assert (await agent.next(Joined)).token == live.agent_token
        assert await agent.next(ViewSize) == ViewSize(width=VIEWPORT.width, height=VIEWPORT.height)
        await customer.next(Snapshot)  # The customer's page starts capturing.
        page = page_of(live)
        assert page.started and page.screen is live.screen and page.origin == ORIGIN
        assert page.log_extra == {"session": live.uuid}
        record = await hubs.record(info.uuid)
        assert (record["state"], record["interaction_id"]) == ("active", "CALL-1")
        assert record["started_at"] and record["ended_at"] is None


@in_thread
async def test_a_wrong_or_unknown_id_is_refused_and_the_session_is_untouched(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, info = await customer_hello(hubs)
        other = f"{(int(info.id) + 1) % 10**9:09d}"
        for wrong in (other, "", "abc", info.id + "0"):
            agent = MemoryPeer()
            with pytest.raises(SessionNotFound):
                await hubs.hub.agent_join(agent, wrong, None)
            assert agent.messages == [] and agent.closed is None  # The socket answers it.
        assert hubs.count("join_refused") == 4
        assert live.session.state is SessionState.IDLE and customer.of(Status) == []


@in_thread
async def test_one_agent_per_session(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, first = await session_with_agent(hubs)
        second = MemoryPeer("second agent")
        with pytest.raises(SessionNotFound):
            await hubs.hub.agent_join(second, live.session.access_id, None)
        assert second.messages == []
        assert live.agent is first and first.closed is None
        assert len(customer.of(Status)) == 1  # Only the first join was announced.


@in_thread
async def test_ended_is_final_and_its_id_is_never_joinable_again(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        access_id, session = live.session.access_id, live.session
        await hubs.hub.end(live, EndReason.CUSTOMER_EXIT)
        await hubs.hub.end(live, EndReason.AGENT_EXIT)  # Nothing leaves ended.
        assert session.end_reason is EndReason.CUSTOMER_EXIT
        assert [s.reason for s in customer.of(Status)] == [None, "customer_exit"]
        with pytest.raises(SessionNotFound):
            await hubs.hub.agent_join(MemoryPeer(), access_id, None)
        with pytest.raises(SessionNotFound):
            await hubs.hub.agent_rejoin(MemoryPeer(), access_id, live.agent_token)
        resume = Hello(viewport=VIEWPORT, resume_id=access_id, resume_token=session.resume_token)
        with pytest.raises(SessionNotFound):
            await hubs.hub.customer_hello(MemoryPeer(), resume, ORIGIN)
        assert hubs.hub.lookup(live.uuid) is None and len(hubs.hub.registry) == 0
        assert (await hubs.record(live.uuid))["end_reason"] == "customer_exit"


@in_thread
async def test_live_ids_are_never_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The draws behind new identifiers (mirror.session.state.new_access_id): the second
    # repeats the first, still live.
    drawn = iter([123_456_789, 123_456_789, 5])
    monkeypatch.setattr(secrets, "randbelow", lambda _: next(drawn))
    async with open_hubs(tmp_path) as hubs:
        (_, _, first), (_, _, second) = [await customer_hello(hubs) for _ in range(2)]
    assert (first.id, second.id) == ("123456789", "000000005")


# -- the ends --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason", [EndReason.CUSTOMER_EXIT, EndReason.AGENT_EXIT], ids=lambda r: r.value
)
@in_thread
async def test_exit_ends_the_session_for_both_and_closes_both(
    tmp_path: Path, reason: EndReason
) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await hubs.hub.end(live, reason)  # What either socket does on Exit.
        for peer in (customer, agent):
            assert await ended(peer) == reason.value
            code, why = await peer.wait_closed()
            assert code == CLOSE_ENDED and reason.value in why
        assert page_of(live).closed
        record = await hubs.record(live.uuid)
        assert (record["state"], record["end_reason"]) == ("ended", reason.value)
        assert record["ended_at"]
        assert hubs.count("sessions_ended", reason=reason.value) == 1


@in_thread
async def test_the_agent_gone_past_the_grace_ends_it_with_agent_timeout(tmp_path: Path) -> None:
    async with open_hubs(tmp_path, make_config(agent_grace_s=GRACE_S)) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await hubs.hub.agent_left(live, agent)
        assert await ended(customer) == "agent_timeout"
        assert await customer.wait_closed() == (CLOSE_ENDED, "session ended: agent_timeout")
        assert (await hubs.record(live.uuid))["end_reason"] == "agent_timeout"


async def witness_agent_timeout(hubs: Hubs) -> None:
    """Another session whose agent leaves now, with the same grace, and times out: a grace
    timer started earlier would have fired before its end is announced."""
    customer, live, agent = await session_with_agent(hubs)
    await hubs.hub.agent_left(live, agent)
    assert await ended(customer) == "agent_timeout"


@in_thread
async def test_an_agent_back_with_its_token_within_the_grace_keeps_the_session(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path, make_config(agent_grace_s=GRACE_S)) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        page_of(live).show()
        await agent.next_frame()
        await hubs.hub.agent_left(live, agent)
        access_id = live.session.access_id
        with pytest.raises(SessionNotFound):
            await hubs.hub.agent_rejoin(MemoryPeer(), access_id, "not-the-token")
        back = MemoryPeer("agent back")
        await hubs.hub.agent_rejoin(back, access_id, live.agent_token)
        assert await back.next(Status) == Status(state="active")
        assert (await back.next(Joined)).token == live.agent_token
        await back.next(ViewSize)
        assert (await back.next_frame())[:2] == b"\xff\xd8"  # The last frame, whole, at once.
        assert len(customer.of(Snapshot)) == 2  # A fresh snapshot for the returning view.
        await witness_agent_timeout(hubs)
        assert live.session.state is SessionState.ACTIVE and customer.closed is None


@in_thread
async def test_nothing_is_captured_while_the_agent_does_not_see_the_view(tmp_path: Path) -> None:
    """Its view out of sight, or its page gone: the render page stops capturing; seen again,
    or back, it captures again."""
    async with open_hubs(tmp_path, make_config(agent_grace_s=60)) as hubs:
        _, live, agent = await session_with_agent(hubs)
        page = page_of(live)
        await hubs.hub.agent_watching(live, agent, False)
        await hubs.hub.agent_watching(live, agent, True)
        await hubs.hub.agent_left(live, agent)
        await hubs.hub.agent_rejoin(MemoryPeer("back"), live.session.access_id, live.agent_token)
        assert page.watched == [False, True, False, True]


@in_thread
async def test_an_agent_page_reopened_elsewhere_takes_over_from_the_old_one(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path) as hubs:
        _, live, old = await session_with_agent(hubs)
        new = MemoryPeer("new agent page")
        await hubs.hub.agent_rejoin(new, live.session.access_id, live.agent_token)
        assert (await old.wait_closed())[0] == CLOSE_ENDED
        await hubs.hub.agent_left(live, old)  # The old socket's end changes nothing now.
        assert live.agent is new and live.session.state is SessionState.ACTIVE


@in_thread
async def test_the_customer_gone_past_the_grace_ends_it_with_customer_timeout(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path, make_config(customer_grace_s=GRACE_S)) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await hubs.hub.customer_left(live, customer)
        assert await ended(agent) == "customer_timeout"
        assert (await agent.wait_closed())[0] == CLOSE_ENDED
        assert (await hubs.record(live.uuid))["end_reason"] == "customer_timeout"


@in_thread
async def test_a_customer_on_a_new_page_of_the_site_resumes_with_id_and_token(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path, make_config(customer_grace_s=GRACE_S)) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        session = live.session
        await hubs.hub.customer_left(live, customer)
        wrong = Hello(viewport=VIEWPORT, resume_id=session.access_id, resume_token="guess")
        with pytest.raises(SessionNotFound):
            await hubs.hub.customer_hello(MemoryPeer(), wrong, ORIGIN)
        next_page = Hello(
            viewport=Viewport(1024, 700),
            resume_id=session.access_id,
            resume_token=session.resume_token,
            color_scheme="dark",
        )
        new, resumed, info = await customer_hello(hubs, next_page, "customer, next page")
        assert resumed is live and (info.id, info.uuid) == (session.access_id, live.uuid)
        assert info.state == "active"
        await new.next(Snapshot)  # The next page is rebuilt for the agent.
        assert live.screen.viewport == Viewport(1024, 700)
        assert live.screen.display.color_scheme == "dark" and page_of(live).emulated == 1
        # Another session's customer leaves now, with the same grace, and times out first.
        other, other_live, other_agent = await session_with_agent(hubs)
        await hubs.hub.customer_left(other_live, other)
        assert await ended(other_agent) == "customer_timeout"
        assert session.state is SessionState.ACTIVE and agent.closed is None


@in_thread
async def test_a_new_page_that_opens_before_the_old_one_closes_takes_over(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path) as hubs:
        old, live, _ = await customer_hello(hubs)
        session = live.session
        hello = Hello(
            viewport=VIEWPORT, resume_id=session.access_id, resume_token=session.resume_token
        )
        new, _, _ = await customer_hello(hubs, hello, "customer, next page")
        assert (await old.wait_closed())[0] == CLOSE_ELSEWHERE  # It waits: not ended.
        await hubs.hub.customer_left(live, old)  # The old socket's end changes nothing now.
        assert live.customer is new and session.live


@in_thread
async def test_no_input_and_no_page_change_ends_it_with_inactivity(tmp_path: Path) -> None:
    async with open_hubs(tmp_path, make_config(inactivity_s=GRACE_S)) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        async with watching_inactivity(hubs.hub):
            for peer in (customer, agent):
                assert await ended(peer) == "inactivity"
        assert (await hubs.record(live.uuid))["end_reason"] == "inactivity"


@in_thread
async def test_input_from_either_side_keeps_a_session_from_inactivity(tmp_path: Path) -> None:
    async with open_hubs(tmp_path, make_config(inactivity_s=0.3)) as hubs:
        _, typing, _ = await session_with_agent(hubs)
        _, pointing, _ = await session_with_agent(hubs)
        # Checked in this order: were the others inactive, they would end before this one.
        quiet_customer, quiet, _ = await session_with_agent(hubs)
        for live in (quiet, typing, pointing):
            live.last_activity -= 1.0  # Each last heard from longer ago than the timeout.
        await hubs.hub.customer_events(typing, SNAPSHOT)
        await hubs.hub.actions.agent_input(pointing, PointerInput(x=1, y=1))
        async with watching_inactivity(hubs.hub):
            assert await ended(quiet_customer) == "inactivity"
        assert typing.session.live and pointing.session.live


@in_thread
async def test_the_end_of_an_interaction_ends_only_the_sessions_tied_to_it(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path) as hubs:
        lives = {}
        for name, tie, join_for in (
            ("joined for the call", None, "CALL-1"),
            ("started from the call", "CALL-1", None),
            ("another call", None, "CALL-2"),
            ("tied to nothing", None, None),
        ):
            peer = MemoryPeer(name)
            lives[name] = (
                peer,
                await hubs.hub.customer_hello(peer, Hello(viewport=VIEWPORT), ORIGIN, tie),
            )
            if join_for is not None:
                await agent_join(hubs, lives[name][1], interaction=join_for)
        ended_uuids = await hubs.hub.end_interaction("CALL-1")
        tied = [lives["joined for the call"], lives["started from the call"]]
        assert sorted(ended_uuids) == sorted(live.uuid for _, live in tied)
        for peer, live in tied:
            assert await ended(peer) == "interaction_ended"
            assert (await hubs.record(live.uuid))["end_reason"] == "interaction_ended"
        for name in ("another call", "tied to nothing"):
            peer, live = lives[name]
            assert live.session.live and peer.closed is None
        assert await hubs.hub.end_interaction("CALL-1") == []


@in_thread
async def test_shutdown_ends_every_live_session_with_server_shutdown(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        idle_customer, idle, _ = await customer_hello(hubs)
        customer, active, agent = await session_with_agent(hubs)
        await hubs.hub.shutdown()
        for peer in (idle_customer, customer, agent):
            assert await ended(peer) == "server_shutdown"
            assert (await peer.wait_closed())[0] == CLOSE_ENDED
        for live in (idle, active):
            assert (await hubs.record(live.uuid))["end_reason"] == "server_shutdown"
        assert len(hubs.hub.registry) == 0
        assert all(page.closed for page in hubs.pages.made)  # The spare page too.


# -- the render page -------------------------------------------------------------------------


@in_thread
async def test_customer_events_reach_the_render_page_only_after_the_agent_joined(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path) as hubs:
        _, live, _ = await customer_hello(hubs)
        await hubs.hub.customer_events(live, SNAPSHOT)
        assert live.page is None and all(page.batches == [] for page in hubs.pages.made)
        await agent_join(hubs, live)
        await hubs.hub.customer_events(live, SNAPSHOT)
        assert page_of(live).batches == [[bytes(SNAPSHOT[0])]]


@in_thread
async def test_the_agent_sees_frames_resizes_and_notices_of_the_render_page(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path) as hubs:
        _, live, agent = await session_with_agent(hubs)
        page = page_of(live)
        page.show()
        assert (await agent.next_frame())[:2] == b"\xff\xd8"  # The first frame goes whole.
        await agent.next(ViewSize)
        page.resize(1024, 700)
        assert await agent.next(ViewSize) == ViewSize(width=1024, height=700)
        page.notice("large-page")
        assert await agent.next(Notice) == Notice(reason="large-page")


# -- the agent's actions ---------------------------------------------------------------------

SUBMIT = Hit(inside=True, node=7, tag="button", submit=True, focusable=True)
FIELD = Hit(inside=True, node=5, tag="input", focusable=True)


async def click(hub: Hub, live: LiveSession, hit: Hit) -> None:
    page_of(live).hits[(10, 20)] = hit
    await hub.actions.agent_input(live, ClickInput(x=10, y=20))


@in_thread
async def test_the_agents_pointer_is_anchored_to_the_element_under_it(tmp_path: Path) -> None:
    """Drawn on the customer's page at the same spot of the same element, whose place there
    may differ from the view's."""
    async with open_hubs(tmp_path) as hubs:
        customer, live, _ = await session_with_agent(hubs)
        page_of(live).anchors[(30, 40)] = Anchor(node=9, fx=0.25, fy=0.5)
        await hubs.hub.actions.agent_input(live, PointerInput(x=30, y=40))
        await hubs.hub.actions.agent_input(live, PointerInput(x=500, y=400))  # Over nothing.
        first, second = [m.action for m in customer.of(Script)]
        assert first == PointerAction(x=30, y=40, node=9, fx=0.25, fy=0.5)
        assert second == PointerAction(x=500, y=400)


@in_thread
async def test_a_click_on_a_submit_button_is_refused_and_never_reaches_the_customer(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await click(hubs.hub, live, SUBMIT)
        assert (await agent.next(Refused)).reason == "submit"
        assert customer.of(Script) == []
        assert hubs.count("actions_refused", reason="submit") == 1


@in_thread
async def test_a_click_on_a_submit_button_reaches_the_customer_when_the_policy_allows(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path, make_config(agent_can_submit=True)) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await click(hubs.hub, live, SUBMIT)
        script = await customer.next(Script)
        assert script == Script(seq=1, action=ClickAction(node=7, x=10, y=20))
        assert agent.of(Refused) == []


REFUSED_CLICKS = [
    (Hit(inside=True, node=5, tag="input", protected="masked"), "masked"),
    (Hit(inside=True, node=5, tag="input", protected="readonly"), "readonly"),
    (Hit(inside=True, node=5, tag="div", protected="blocked"), "blocked"),
    (Hit(inside=True, node=9, tag="a", href="http://evil.test/"), "cross_origin_link"),
    (Hit(inside=True, node=3, tag="div", widget=True), "widget"),
    (Hit(inside=True), "no_element"),
    (Hit(inside=False), "outside_view"),
]


@in_thread
async def test_a_click_the_policy_refuses_is_told_to_the_agent_only(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        for hit, reason in REFUSED_CLICKS:
            await click(hubs.hub, live, hit)
            assert (await agent.next(Refused)).reason == reason, hit
        assert customer.of(Script) == []


@in_thread
async def test_the_agents_keys_go_to_the_field_it_clicked_or_tabbed_into(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await hubs.hub.actions.agent_input(live, TextInput(text="lost"))
        assert (await agent.next(Refused)).reason == "no_focus"
        await click(hubs.hub, live, FIELD)
        await hubs.hub.actions.agent_input(live, TextInput(text="Alice"))
        page_of(live).tab_order[(5, False)] = 6
        await hubs.hub.actions.agent_input(live, KeyInput(key="Tab", code="Tab"))
        await hubs.hub.actions.agent_input(live, TextInput(text="Smith"))
        actions = [script.action for script in customer.of(Script)]
        assert actions == [
            ClickAction(node=5, x=10, y=20),
            TextAction(node=5, text="Alice"),
            FocusAction(node=6),
            TextAction(node=6, text="Smith"),
        ]
        assert [script.seq for script in customer.of(Script)] == [1, 2, 3, 4]


@in_thread
async def test_a_script_the_customers_page_refuses_is_told_to_the_agent(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        _, live, agent = await session_with_agent(hubs)
        await hubs.hub.actions.customer_answer(live, Refused(seq=1, reason="masked"))
        assert (await agent.next(Refused)).reason == "masked"


@in_thread
async def test_nothing_the_agent_does_reaches_an_ended_session(tmp_path: Path) -> None:
    async with open_hubs(tmp_path, make_config(agent_can_submit=True)) as hubs:
        customer, live, _ = await session_with_agent(hubs)
        await hubs.hub.end(live, EndReason.CUSTOMER_EXIT)
        await click(hubs.hub, live, SUBMIT)
        assert customer.of(Script) == []


# -- what a forged client cannot make unbounded ----------------------------------------------


def hello_from(client: str) -> tuple[MemoryPeer, Hello, str, None, str]:
    """The arguments of ``Hub.customer_hello`` for a new session from the address ``client``."""
    return MemoryPeer(f"customer at {client}"), Hello(viewport=VIEWPORT), ORIGIN, None, client


@in_thread
async def test_a_refusal_reason_the_customers_page_makes_up_is_only_ever_other(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path) as hubs:
        _, live, agent = await session_with_agent(hubs)
        for n in range(50):
            await hubs.hub.actions.customer_answer(live, Refused(seq=n, reason=f"made-up-{n}"))
        await hubs.hub.actions.customer_answer(live, Refused(seq=50, reason="masked"))
        told = {refused.reason for refused in agent.of(Refused)}
        assert told == {"other", "masked"}
        series = {
            sample.labels["reason"]
            for metric in hubs.metrics.registry.collect()
            if metric.name == "cobrowse_actions_refused"
            for sample in metric.samples
            if sample.name.endswith("_total")
        }
        assert series == {"other", "masked"}
        assert hubs.count("actions_refused", reason="other") == 50


@in_thread
async def test_a_client_past_its_live_limit_is_refused_busy_and_others_still_start(
    tmp_path: Path,
) -> None:
    config = make_config(limits=LimitsConfig(live_per_client=2))
    async with open_hubs(tmp_path, config) as hubs:
        first = await hubs.hub.customer_hello(*hello_from("203.0.113.7"))
        await hubs.hub.customer_hello(*hello_from("203.0.113.7"))
        with pytest.raises(SessionError, match="busy"):
            await hubs.hub.customer_hello(*hello_from("203.0.113.7"))
        assert len(hubs.hub.registry) == 2 and hubs.count("starts_refused", kind="session") == 1
        await hubs.hub.customer_hello(*hello_from("198.51.100.1"))
        await hubs.hub.end(first, EndReason.CUSTOMER_EXIT)
        await hubs.hub.customer_hello(*hello_from("203.0.113.7"))  # One ended: room again.


@in_thread
async def test_a_client_past_its_starts_within_the_hour_is_refused_busy(tmp_path: Path) -> None:
    config = make_config(limits=LimitsConfig(starts_per_client_per_hour=3))
    async with open_hubs(tmp_path, config) as hubs:
        for _ in range(3):
            live = await hubs.hub.customer_hello(*hello_from("2001:db8::1"))
            await hubs.hub.end(live, EndReason.CUSTOMER_EXIT)
        with pytest.raises(SessionError, match="busy"):
            await hubs.hub.customer_hello(*hello_from("2001:db8::2"))  # The same /64.
        await hubs.hub.customer_hello(*hello_from("2001:db8:0:1::1"))


@in_thread
async def test_a_session_refused_at_capacity_does_not_count_against_its_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mirror.session.state.MAX_LIVE", 1)
    async with open_hubs(tmp_path) as hubs:
        await hubs.hub.customer_hello(*hello_from("198.51.100.1"))
        with pytest.raises(SessionError, match="too many live sessions"):
            await hubs.hub.customer_hello(*hello_from("203.0.113.7"))
        assert hubs.hub.starts.clients.live("203.0.113.7") == 0


def page_events(objects: int, kind: int = 3) -> list[msgspec.Raw]:
    """One event holding ``objects`` JSON objects in all (a snapshot when ``kind`` is 2)."""
    nodes = [{"id": n} for n in range(objects - 2)]
    return [msgspec.Raw(msgspec.json.encode({"type": kind, "data": {"nodes": nodes}}))]


@in_thread
async def test_a_page_larger_than_a_render_page_may_hold_ends_the_session(tmp_path: Path) -> None:
    async with open_hubs(tmp_path, make_config(limits=LimitsConfig(page_nodes=100))) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await hubs.hub.customer_events(live, page_events(101, kind=2))
        assert await ended(agent) == "page_too_large" and await ended(customer) == "page_too_large"
        assert page_of(live).batches == [] and page_of(live).closed
        assert (await hubs.record(live.uuid))["end_reason"] == "page_too_large"


@in_thread
async def test_a_page_grown_past_its_budget_is_held_until_a_fresh_snapshot(tmp_path: Path) -> None:
    async with open_hubs(tmp_path, make_config(limits=LimitsConfig(page_nodes=100))) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await customer.next(Snapshot)  # The join's.
        await hubs.hub.customer_events(live, page_events(60, kind=2))
        await hubs.hub.customer_events(live, page_events(30))
        await hubs.hub.customer_events(live, page_events(30))  # Past the budget: held back...
        await customer.next(Snapshot)  # ...and the page asked for a snapshot...
        await hubs.hub.customer_events(live, page_events(5))  # ...until which nothing goes.
        assert len(page_of(live).batches) == 2
        await hubs.hub.customer_events(live, page_events(70, kind=2))
        await hubs.hub.customer_events(live, page_events(5))
        assert len(page_of(live).batches) == 4 and live.session.live
        assert agent.of(Notice) == []  # The view lost nothing the agent needs to know of.


@in_thread
async def test_more_bytes_than_the_budget_are_dropped_and_the_agent_is_told(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path, make_config(limits=LimitsConfig(page_bytes_per_s=1))) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await customer.next(Snapshot)
        flood = [msgspec.Raw(b'{"type":3,"data":{"x":"' + b"x" * MAX_BATCH_BYTES + b'"}}')]
        await hubs.hub.customer_events(live, flood)
        assert await agent.next(Notice) == Notice(reason="large-page")
        await customer.next(Snapshot)  # Asked for once the budget allows (at once: none spent).
        await hubs.hub.customer_events(live, page_events(5))
        await hubs.hub.customer_events(live, page_events(5, kind=2))
        assert page_of(live).batches == [[bytes(page_events(5, kind=2)[0])]]
        assert hubs.count("page_batches_dropped", verdict="over_rate") == 1


@in_thread
async def test_enter_on_a_link_to_another_origin_the_agent_tabbed_to_is_refused(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, live, agent = await session_with_agent(hubs)
        await click(hubs.hub, live, FIELD)
        page_of(live).tab_order[(5, False)] = 6
        page_of(live).nodes[6] = Hit(inside=True, node=6, tag="a", href="https://evil.example/")
        await hubs.hub.actions.agent_input(live, KeyInput(key="Tab", code="Tab"))
        await hubs.hub.actions.agent_input(live, KeyInput(key="Enter", code="Enter"))
        assert (await agent.next(Refused)).reason == "cross_origin_link"
        assert [script.action for script in customer.of(Script)][-1] == FocusAction(node=6)
