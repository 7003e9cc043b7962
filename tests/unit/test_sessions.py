"""The session state machine and the nine-digit identifiers (pure logic, no I/O)."""

from __future__ import annotations

import re

import pytest

from mirror.errors import InvalidTransition, SessionNotFound
from mirror.session.state import EndReason, SessionRegistry, SessionState, new_access_id


def test_a_new_session_is_idle_with_nine_digits_and_a_uuid() -> None:
    session = SessionRegistry().create()
    assert session.state is SessionState.IDLE
    assert re.fullmatch(r"\d{9}", session.access_id)
    assert re.fullmatch(r"[0-9a-f-]{36}", session.uuid)
    assert session.started_at is None and session.ended_at is None


def test_join_makes_it_active_and_records_the_interaction() -> None:
    session = SessionRegistry().create()
    transition = session.join("CALL-1")
    assert (transition.old, transition.new) == (SessionState.IDLE, SessionState.ACTIVE)
    assert session.interaction_id == "CALL-1" and session.started_at is not None


def test_one_agent_per_session() -> None:
    session = SessionRegistry().create()
    session.join()
    with pytest.raises(InvalidTransition):
        session.join()


@pytest.mark.parametrize("joined", [False, True])
def test_nothing_leaves_ended(joined: bool) -> None:
    session = SessionRegistry().create()
    if joined:
        session.join()
    transition = session.end(EndReason.CUSTOMER_EXIT)
    assert transition is not None and transition.new is SessionState.ENDED
    assert session.end(EndReason.AGENT_EXIT) is None  # The first reason stays.
    assert session.end_reason is EndReason.CUSTOMER_EXIT
    with pytest.raises(InvalidTransition):
        session.join()


def test_an_ended_identifier_is_unknown_to_the_registry() -> None:
    registry = SessionRegistry()
    session = registry.create()
    assert registry.get(session.access_id) is session
    session.end(EndReason.AGENT_EXIT)
    registry.discard(session)
    with pytest.raises(SessionNotFound):
        registry.get(session.access_id)


def test_resume_needs_the_token() -> None:
    registry = SessionRegistry()
    session = registry.create()
    assert registry.resume(session.access_id, session.resume_token) is session
    with pytest.raises(SessionNotFound):
        registry.resume(session.access_id, "not-the-token")


def test_identifiers_are_unique_among_live_sessions() -> None:
    registry = SessionRegistry()
    ids = {registry.create().access_id for _ in range(2000)}
    assert len(ids) == 2000 == len(registry)


def test_new_access_id_skips_taken_ones() -> None:
    taken = {f"{n:09d}" for n in range(10)}
    for _ in range(100):
        assert new_access_id(taken) not in taken


def test_identifiers_keep_leading_zeros() -> None:
    # 10% of identifiers start with 0; all must still be nine characters.
    assert all(len(new_access_id(())) == 9 for _ in range(500))
