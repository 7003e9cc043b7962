"""The chat state machine and transcript rules, without a socket."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mirror.chat.state import (
    MAX_TEXT,
    SCRUBBED,
    Chat,
    ChatEndReason,
    ChatRegistry,
    ChatState,
    scrub_session_ids,
)
from mirror.errors import ChatError, ChatNotFound


def test_a_chat_waits_is_accepted_once_and_goes_back_to_waiting_when_released() -> None:
    chat = ChatRegistry().create("http://shop.test", "Checkout")
    assert chat.state is ChatState.WAITING
    chat.accept("desk-a")
    with pytest.raises(ChatError) as taken:
        chat.accept("desk-b")
    assert taken.value.code == "taken"
    chat.release()
    assert chat.state is ChatState.WAITING and chat.desk is None
    chat.accept("desk-b")
    assert chat.desk == "desk-b"


def test_lines_are_trimmed_numbered_and_limited() -> None:
    chat = Chat()
    assert chat.post("customer", "  hello \n").text == "hello"
    assert chat.post("agent", "hi").seq == 2
    for text, code in (("", "empty"), (" \t", "empty"), ("x" * (MAX_TEXT + 1), "too_long")):
        with pytest.raises(ChatError) as refused:
            chat.post("customer", text)
        assert refused.value.code == code
    assert len(chat.lines) == 2


def test_an_ended_chat_takes_nothing_and_leaves_the_registry() -> None:
    registry = ChatRegistry()
    chat = registry.create(None, "x")
    assert chat.end(ChatEndReason.AGENT_ENDED)
    assert not chat.end(ChatEndReason.CUSTOMER_ENDED)
    assert chat.end_reason is ChatEndReason.AGENT_ENDED
    with pytest.raises(ChatError):
        chat.post("customer", "late")
    registry.discard(chat)
    with pytest.raises(ChatNotFound):
        registry.get(chat.uuid)


def test_resume_needs_the_chats_own_token() -> None:
    registry = ChatRegistry()
    chat = registry.create(None, "x")
    assert registry.resume(chat.uuid, chat.token) is chat
    with pytest.raises(ChatNotFound):
        registry.resume(chat.uuid, "guess")


LIVE = {"123456789", "555000111"}


@pytest.mark.parametrize(
    "typed",
    [
        "123456789",
        "123 456 789",
        "123-456-789",
        "id:123.456.789!",
        "1 2 3 4 5 6 7 8 9",
        "123 - 456 - 789",
        "(123) 456/789",
        "123\n456\n789",
        "１２３４５６７８９",  # Full-width digits, as some keyboards type them.
    ],
)
def test_a_live_session_id_is_scrubbed_however_it_is_grouped(typed: str) -> None:
    scrubbed = scrub_session_ids(f"The ID is {typed} thanks", LIVE)
    assert SCRUBBED in scrubbed
    assert not any(c.isdecimal() for c in scrubbed)


def test_every_live_session_id_is_scrubbed_not_only_one() -> None:
    text = "Mine is 555 000 111, my wife's is 123456789."
    assert scrub_session_ids(text, LIVE) == f"Mine is {SCRUBBED}, my wife's is {SCRUBBED}."


def test_an_id_inside_a_longer_run_of_spaced_digits_is_found() -> None:
    # "0 1 2 ... 9" holds "012345678" (not live) and, one digit on, "123456789".
    assert scrub_session_ids("0 1 2 3 4 5 6 7 8 9", LIVE) == f"0 {SCRUBBED}"
    assert scrub_session_ids("1 2 3 4 5 6 7 8 9 0", LIVE) == f"{SCRUBBED} 0"


def test_other_numbers_are_kept() -> None:
    text = "Order 1234567890, 12345678, 0123456789, 1234567891 and 987654321"
    assert scrub_session_ids(text, LIVE) == text
    assert scrub_session_ids(text, set()) == text


NO_DIGITS = st.text(st.characters(exclude_categories=("Nd",)), max_size=200)
NINE_DIGITS = st.from_regex(r"[0-9]{9}", fullmatch=True)


@given(NO_DIGITS, NO_DIGITS, NINE_DIGITS, st.sets(NINE_DIGITS, max_size=5))
def test_scrubbing_never_leaves_a_live_id(
    before: str, after: str, access_id: str, others: set[str]
) -> None:
    scrubbed = scrub_session_ids(before + access_id + after, others | {access_id})
    assert access_id not in scrubbed
    assert scrubbed == f"{before}{SCRUBBED}{after}"


@given(st.lists(st.sampled_from(["1", "2", "3", " ", "-", "x", "."]), max_size=60))
def test_a_text_without_a_live_id_is_kept_as_it_is(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert scrub_session_ids(text, {"456456456"}) == text
