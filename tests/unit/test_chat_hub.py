"""The chat hub with in-memory sockets and a real co-browse hub (fake render pages): the chat's
lifecycle on the customer's panel and the agents' desks, and its tie to co-browse sessions."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import pytest

from mirror.chat.messages import ChatHello, ChatInfo, ChatUpdate, Desk, NewLine, Waiting
from mirror.chat.peers import DeskConnection
from mirror.chat.state import MAX_TEXT, Chat, ChatEndReason, ChatState
from mirror.chat.texts import TEXT
from mirror.config import LimitsConfig
from mirror.errors import ChatError, ChatNotFound
from mirror.session.live import LiveSession
from mirror.session.messages import ChatRef, Hello, SessionInfo
from mirror.session.state import EndReason, SessionState
from mirror.wire import CLOSE_ENDED, Error
from tests.aio import in_thread
from tests.unit.inmemory import (
    ORIGIN,
    VIEWPORT,
    Hubs,
    MemoryPeer,
    agent_join,
    customer_hello,
    from_chat,
    make_config,
    open_hubs,
)

# Every grace period and timeout: short, as tests wait them out (on a message, never a sleep).
# A page that comes back within one does so with no I/O between leaving and returning.
GRACE_S = 0.02


async def start_chat(hubs: Hubs, label: str = "Checkout") -> tuple[MemoryPeer, Chat]:
    peer = MemoryPeer(f"chat panel ({label})")
    chat = await hubs.chats.customer_hello(peer, ChatHello(label=label), ORIGIN)
    return peer, chat


async def open_desk(
    hubs: Hubs, resume: str | None = None, name: str = "desk"
) -> tuple[MemoryPeer, DeskConnection]:
    peer = MemoryPeer(name)
    return peer, await hubs.chats.desk_hello(peer, resume)


async def accepted_chat(
    hubs: Hubs, label: str = "Checkout"
) -> tuple[MemoryPeer, Chat, MemoryPeer, DeskConnection]:
    customer, chat = await start_chat(hubs, label)
    desk_peer, desk = await open_desk(hubs, name=f"desk of {label}")
    await hubs.chats.desk_accept(desk, chat.uuid)
    await desk_peer.next(ChatUpdate, in_state("active"))
    return customer, chat, desk_peer, desk


def listing(chat: Chat) -> Callable[[Waiting], bool]:
    return lambda waiting: chat.uuid in [c.id for c in waiting.chats]


def not_listing(chat: Chat) -> Callable[[Waiting], bool]:
    return lambda waiting: chat.uuid not in [c.id for c in waiting.chats]


def in_state(state: str) -> Callable[[ChatUpdate], bool]:
    return lambda update: update.chat.state == state


def saying(text: str) -> Callable[[NewLine], bool]:
    return lambda new: new.line.text == text


async def cobrowse_from(hubs: Hubs, chat: Chat) -> tuple[MemoryPeer, LiveSession, SessionInfo]:
    return await customer_hello(hubs, from_chat(chat), "customer's page")


@in_thread
async def test_a_chat_starts_waiting_and_is_listed_on_every_desk(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        early, _ = await open_desk(hubs, name="desk open before")
        customer, chat = await start_chat(hubs)
        info = await customer.next(ChatInfo)
        assert info.chat.id == chat.uuid
        assert (info.chat.state, info.chat.label) == ("waiting", "Checkout")
        assert info.token == chat.token and info.send_session_id == "auto"
        await early.next(Waiting, listing(chat))
        await hubs.chats.customer_say(chat, customer, "Where is my parcel?")
        listed = await early.next(Waiting, lambda w: bool(w.chats and w.chats[0].preview))
        assert listed.chats[0].preview == "Where is my parcel?"
        late, _ = await open_desk(hubs, name="desk open after")
        assert [c.id for c in (await late.next(Waiting)).chats] == [chat.uuid]
        record = await hubs.history.get_chat(chat.uuid)
        assert record is not None and record["state"] == "waiting"


@in_thread
async def test_one_desk_accepts_a_chat_and_a_second_accept_is_refused_as_taken(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, chat = await start_chat(hubs)
        (first, first_desk), (second, second_desk) = [await open_desk(hubs) for _ in range(2)]
        await hubs.chats.desk_accept(first_desk, chat.uuid)
        assert (await first.next(ChatUpdate)).chat.state == "active"
        assert (await customer.next(ChatUpdate)).chat.state == "active"
        await customer.next(NewLine, saying(TEXT["accepted"]))
        await second.next(Waiting, not_listing(chat))
        await hubs.chats.desk_accept(second_desk, chat.uuid)
        assert (await second.next(Error)).error == "taken"
        await hubs.chats.desk_say(second_desk, chat.uuid, "hello")  # Not its chat.
        assert (await second.next(Error)).error == "unknown_chat"
        assert chat.desk == first_desk.token
        record = await hubs.history.get_chat(chat.uuid)
        assert record is not None and record["state"] == "active" and record["accepted_at"]


@in_thread
async def test_lines_reach_both_sides_and_history_keeps_them_without_the_session_id(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, chat, desk_peer, desk = await accepted_chat(hubs)
        _, _, session = await cobrowse_from(hubs, chat)
        typed = f"My ID is {session.id[:3]} {session.id[3:6]} {session.id[6:]}"
        await hubs.chats.customer_say(chat, customer, typed)
        await hubs.chats.desk_say(desk, chat.uuid, "Thanks, joining now")
        for peer in (customer, desk_peer):
            await peer.next(NewLine, saying(typed))  # Live, as typed: the agent may need it.
            assert (await peer.next(NewLine, saying("Thanks, joining now"))).line.sender == "agent"
        record = await hubs.history.get_chat(chat.uuid)
        assert record is not None
        kept = {line["sender"]: line["text"] for line in record["transcript"]}
        assert kept["customer"] == "My ID is [co-browse session ID]"
        assert kept["agent"] == "Thanks, joining now"
        assert not any(re.search(r"\d", line["text"]) for line in record["transcript"])


@in_thread
async def test_no_live_session_id_is_kept_even_from_a_session_not_started_from_the_chat(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path, make_config(send_session_id="manual")) as hubs:
        customer, chat, desk_peer, desk = await accepted_chat(hubs)
        # "Co-browse" pressed outside the chat panel: a session the chat knows nothing of.
        _, live, session = await customer_hello(hubs)
        assert live.session.interaction_id is None
        _, _, other = await customer_hello(hubs, name="another customer")
        spaced = "-".join((session.id[:3], session.id[3:6], session.id[6:]))
        await hubs.chats.customer_say(chat, customer, f"It says {spaced}, or {other.id}?")
        await hubs.chats.desk_say(desk, chat.uuid, f"Joining {session.id} now")
        await desk_peer.next(NewLine, saying(f"Joining {session.id} now"))
        await hubs.chats.customer_say(chat, customer, "My order is 1234567890")
        await desk_peer.next(NewLine, saying("My order is 1234567890"))
        record = await hubs.history.get_chat(chat.uuid)
        assert record is not None
        kept = [line["text"] for line in record["transcript"]]
        assert "It says [co-browse session ID], or [co-browse session ID]?" in kept
        assert "Joining [co-browse session ID] now" in kept
        assert "My order is 1234567890" in kept  # Not an ID: kept as typed.
        assert not any(
            re.search(rf"{i[:3]}\D?{i[3:6]}\D?{i[6:]}", text)
            for text in kept
            for i in (session.id, other.id)
        )


@in_thread
async def test_a_message_too_long_is_refused_and_the_chat_goes_on(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, chat, desk_peer, _ = await accepted_chat(hubs)
        await hubs.chats.customer_say(chat, customer, "x" * (MAX_TEXT + 1))
        refused = await customer.next(Error)
        assert refused.error == "too_long" and str(MAX_TEXT) in refused.detail
        await hubs.chats.customer_say(chat, customer, "still here")
        await desk_peer.next(NewLine, saying("still here"))
        assert desk_peer.of(Error) == [] and customer.closed is None
        assert [line.text for line in chat.lines if line.sender == "customer"] == ["still here"]


@in_thread
async def test_a_desk_gone_past_the_grace_releases_its_chats_to_waiting(tmp_path: Path) -> None:
    async with open_hubs(tmp_path, make_config(agent_grace_s=GRACE_S)) as hubs:
        customer, chat, _, desk = await accepted_chat(hubs)
        other, other_desk = await open_desk(hubs, name="another desk")
        await hubs.chats.desk_left(desk)
        await other.next(Waiting, listing(chat))
        await customer.next(ChatUpdate, in_state("waiting"))
        await customer.next(NewLine, saying(TEXT["released"]))
        assert chat.state is ChatState.WAITING and chat.desk is None
        record = await hubs.history.get_chat(chat.uuid)
        assert record is not None and record["state"] == "waiting"
        await hubs.chats.desk_accept(other_desk, chat.uuid)  # The next agent takes it.
        await other.next(ChatUpdate, in_state("active"))


@in_thread
async def test_a_desk_back_with_its_token_within_the_grace_keeps_its_chats(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path, make_config(agent_grace_s=GRACE_S)) as hubs:
        customer, chat, _, desk = await accepted_chat(hubs)
        await hubs.chats.customer_say(chat, customer, "before the agent reloads")
        await hubs.chats.desk_left(desk)
        back, _ = await open_desk(hubs, resume=desk.token, name="desk back")
        assert await back.next(Desk) == Desk(token=desk.token)
        update = await back.next(ChatUpdate)
        assert (update.chat.id, update.chat.state) == (chat.uuid, "active")
        assert update.chat.lines[-1].text == "before the agent reloads"
        # Another desk leaves now, with the same grace: its chat is released first.
        witness, _, _, witness_desk = await accepted_chat(hubs, "witness")
        await hubs.chats.desk_left(witness_desk)
        await witness.next(ChatUpdate, in_state("waiting"))
        assert chat.state is ChatState.ACTIVE and chat.desk == desk.token
        stranger, _ = await open_desk(hubs, resume="made-up", name="stranger")
        assert (await stranger.next(Desk)).token != "made-up"
        assert stranger.of(ChatUpdate) == []


@in_thread
async def test_the_customer_gone_past_the_grace_ends_the_chat_as_customer_left(
    tmp_path: Path,
) -> None:
    async with open_hubs(tmp_path, make_config(customer_grace_s=GRACE_S)) as hubs:
        customer, chat, desk_peer, _ = await accepted_chat(hubs)
        await hubs.chats.customer_left(chat, customer)
        await desk_peer.next(NewLine, saying("The customer left the chat."))
        await desk_peer.next(ChatUpdate, in_state("ended"))
        record = await hubs.history.get_chat(chat.uuid)
        assert record is not None and record["end_reason"] == "customer_left"
        assert desk_peer.closed is None  # The desk goes on with its other chats.


@in_thread
async def test_a_customer_on_a_new_page_continues_the_chat(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        old, chat, desk_peer, _ = await accepted_chat(hubs)
        new = MemoryPeer("chat panel, next page")
        resume = ChatHello(resume_id=chat.uuid, resume_token=chat.token)
        assert await hubs.chats.customer_hello(new, resume, ORIGIN) is chat
        assert (await new.next(ChatInfo)).chat.state == "active"
        assert (await old.wait_closed())[0] == CLOSE_ENDED
        await hubs.chats.customer_left(chat, old)  # The old socket's end changes nothing now.
        await hubs.chats.customer_say(chat, new, "from the next page")
        await desk_peer.next(NewLine, saying("from the next page"))
        with pytest.raises(ChatNotFound):
            await hubs.chats.customer_hello(
                MemoryPeer(), ChatHello(resume_id=chat.uuid, resume_token="guess"), ORIGIN
            )


# -- co-browse from the chat -----------------------------------------------------------------


@pytest.mark.parametrize("mode", ["auto", "manual"])
@in_thread
async def test_cobrowse_from_the_chat_is_offered_on_the_desk(
    tmp_path: Path, mode: Literal["auto", "manual"]
) -> None:
    async with open_hubs(tmp_path, make_config(send_session_id=mode)) as hubs:
        customer, chat, desk_peer, _ = await accepted_chat(hubs)
        _, live, session = await cobrowse_from(hubs, chat)
        assert live.session.interaction_id == chat.uuid
        offer = await desk_peer.next(ChatUpdate)
        # "auto": the desk shows "Join co-browse" with the ID; "manual": the customer types it.
        assert offer.chat.cobrowse_id == (session.id if mode == "auto" else None)
        await customer.next(NewLine, saying(TEXT[f"cobrowse_{mode}"]))
        assert all(update.chat.cobrowse_id is None for update in customer.of(ChatUpdate))
        assert (await hubs.record(session.uuid))["interaction_id"] == chat.uuid


@in_thread
async def test_cobrowse_from_a_chat_the_page_does_not_own_is_refused(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        _, chat = await start_chat(hubs)
        for ref in (ChatRef(id=chat.uuid, token="guess"), ChatRef(id="nope", token=chat.token)):
            with pytest.raises(ChatNotFound):
                await customer_hello(hubs, Hello(viewport=VIEWPORT, chat=ref))
        assert len(hubs.hub.registry) == 0


@pytest.mark.parametrize("ended_by", ["desk", "customer", "api"])
@in_thread
async def test_ending_the_chat_ends_its_cobrowse_session_as_interaction_ended(
    tmp_path: Path, ended_by: str
) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, chat, desk_peer, desk = await accepted_chat(hubs)
        page, live, _ = await cobrowse_from(hubs, chat)
        agent = await agent_join(hubs, live)
        _, unrelated, _ = await customer_hello(hubs)
        if ended_by == "desk":
            await hubs.chats.desk_end(desk, chat.uuid)
        elif ended_by == "customer":
            await hubs.chats.end(chat, ChatEndReason.CUSTOMER_ENDED)
        else:  # POST /api/interactions/{id}/end: the chat answers for its sessions.
            assert await hubs.chats.end_interaction(chat.uuid) == [live.uuid]
            assert await hubs.chats.end_interaction(chat.uuid) is None  # Ended: not a chat now.
        for peer in (page, agent):
            assert (await peer.status("ended")).reason == "interaction_ended"
        assert (await hubs.record(live.uuid))["end_reason"] == "interaction_ended"
        await desk_peer.next(ChatUpdate, in_state("ended"))
        assert (await customer.wait_closed())[0] == CLOSE_ENDED
        assert unrelated.session.state is SessionState.IDLE
        record = await hubs.history.get_chat(chat.uuid)
        assert record is not None and record["sessions"] == [live.uuid]


@in_thread
async def test_ending_the_cobrowse_session_leaves_the_chat_open(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        customer, chat, desk_peer, _ = await accepted_chat(hubs)
        _, live, session = await cobrowse_from(hubs, chat)
        await desk_peer.next(ChatUpdate, lambda u: u.chat.cobrowse_id == session.id)
        await hubs.hub.end(live, EndReason.CUSTOMER_EXIT)
        await desk_peer.next(NewLine, saying(TEXT["cobrowse_ended"]))
        withdrawn = await desk_peer.next(ChatUpdate)
        assert withdrawn.chat.cobrowse_id is None and withdrawn.chat.state == "active"
        assert chat.state is ChatState.ACTIVE and customer.closed is None
        await hubs.chats.customer_say(chat, customer, "thanks, that helped")
        await desk_peer.next(NewLine, saying("thanks, that helped"))


# -- what a forged client cannot make unbounded ----------------------------------------------


@in_thread
async def test_desks_are_sent_the_changes_of_the_waiting_list_not_the_list(tmp_path: Path) -> None:
    async with open_hubs(tmp_path) as hubs:
        desk, _ = await open_desk(hubs, name="watching desk")
        assert (await desk.next(Waiting)).chats == []
        chats = [await start_chat(hubs, f"page {n}") for n in range(3)]
        for _, chat in chats:
            added = await desk.next(Waiting)
            assert [c.id for c in added.chats] == [chat.uuid] and added.gone == []
        customer, first = chats[0]
        for n in range(5):
            await hubs.chats.customer_say(first, customer, f"line {n}")
        listed = await desk.next(Waiting)  # The first words list it: one change, that chat.
        assert [(c.id, c.preview) for c in listed.chats] == [(first.uuid, "line 0")]
        _, other_desk = await open_desk(hubs, name="accepting desk")
        await hubs.chats.desk_accept(other_desk, chats[1][1].uuid)
        assert (await desk.next(Waiting)).gone == [chats[1][1].uuid]
        await hubs.chats.end(chats[2][1], ChatEndReason.CUSTOMER_ENDED)
        assert (await desk.next(Waiting)).gone == [chats[2][1].uuid]
        assert len(desk.of(Waiting)) == 1 + 3 + 1 + 2  # Nothing for the other four lines.
        assert all(len(change.chats) <= 1 for change in desk.of(Waiting)[1:])


@in_thread
async def test_a_client_past_its_chat_limits_is_refused_busy_and_others_still_start(
    tmp_path: Path,
) -> None:
    config = make_config(limits=LimitsConfig(live_per_client=2))
    async with open_hubs(tmp_path, config) as hubs:

        async def start_from(client: str) -> Chat:
            return await hubs.chats.customer_hello(MemoryPeer(), ChatHello(), ORIGIN, client)

        first = await start_from("203.0.113.7")
        await start_from("203.0.113.7")
        with pytest.raises(ChatError) as refused:
            await start_from("203.0.113.7")
        assert refused.value.code == "busy" and len(hubs.chats.registry.live()) == 2
        assert hubs.count("starts_refused", kind="chat") == 1
        await start_from("198.51.100.1")
        await hubs.chats.end(first, ChatEndReason.CUSTOMER_ENDED)
        await start_from("203.0.113.7")


@in_thread
async def test_chats_handed_over_are_forgotten_here_and_their_pages_sent_on(
    tmp_path: Path,
) -> None:
    """Another node carries the chats on: nothing ends, this hub keeps no stale copy (the
    fresher one from Redis is taken if the chats come back), and the sockets close so that
    their pages come back through the node that holds them."""
    async with open_hubs(tmp_path, make_config()) as hubs:
        customer, chat, desk_peer, _ = await accepted_chat(hubs)
        await hubs.chats.hand_over()
        assert hubs.chats.registry.live() == []
        assert customer.closed is not None and desk_peer.closed is not None
        assert chat.state is ChatState.ACTIVE  # Not ended: another node carries it on.
        hubs.chats.adopt([chat], set())
        assert hubs.chats.registry.live() == [chat]
