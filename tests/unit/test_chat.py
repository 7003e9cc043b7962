"""The chat state machine and transcript rules, without a socket."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mirror.chat.state import (
    MAX_TEXT,
    Chat,
    ChatEndReason,
    ChatRegistry,
    ChatState,
    scrub_session_id,
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


@pytest.mark.parametrize(
    "typed", ["123456789", "123 456 789", "123-456-789", "id:123.456.789!", "1 2 3 4 5 6 7 8 9"]
)
def test_the_session_id_is_scrubbed_however_it_is_grouped(typed: str) -> None:
    scrubbed = scrub_session_id(f"The ID is {typed} thanks", "123456789")
    assert "[co-browse session ID]" in scrubbed
    assert "123" not in scrubbed


def test_other_numbers_are_kept() -> None:
    text = "Order 1234567890 and 12345678"
    assert scrub_session_id(text, "123456789") == text
    assert scrub_session_id(text, None) == text


NO_DIGITS = st.text(st.characters(exclude_categories=("Nd",)), max_size=200)


@given(NO_DIGITS, NO_DIGITS, st.from_regex(r"\d{9}", fullmatch=True))
def test_scrubbing_never_leaves_the_id(before: str, after: str, access_id: str) -> None:
    scrubbed = scrub_session_id(before + access_id + after, access_id)
    assert access_id not in scrubbed
    assert scrubbed == f"{before}[co-browse session ID]{after}"
