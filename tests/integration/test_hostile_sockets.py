"""Hostile sockets: generated messages of every wire type, valid and not, in any order (events
before hello, join twice, accept a chat that is not there...), thrown at the customer, agent,
chat and desk sockets of one real server with its Chromium (the input: tests/integration/
hostile.py; the server and its bystander: tests/integration/arena.py). Each socket is refused
(an error, then a close with one of the wire's codes) or served; nothing reaches the server's
log as an error; a bystander session and chat opened before the barrage still work after each
scenario; and what the hostile sockets leave behind (sessions, chats, metric series) goes away
or stays bounded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings

from mirror.server.keys import CHAT_HUB, HUB
from mirror.wire import CLOSE_ENDED
from tests.integration.arena import MAX_SERIES_PER_METRIC, Arena, hello, of_type
from tests.integration.hostile import (
    NESTED,
    SEVERAL_SOCKETS,
    Hostile,
    Kind,
    Payload,
    Ref,
    Scenario,
    message,
    one_socket,
)
from tests.wsclient import page_snapshot

# No shrinking: it could take minutes over a failure, and the input and failure printed are
# readable as they are (long strings are cut, tests/integration/hostile.py).
BARRAGE = settings(
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Arena]:
    arena = Arena(tmp_path_factory.mktemp("hostile"))
    logging.getLogger().addHandler(arena.errors)
    try:
        arena.run(arena.start())
        yield arena
        arena.run(arena.stop())
    finally:
        logging.getLogger().removeHandler(arena.errors)
        arena.close()


def on(kind: Kind, *payloads: Payload) -> Scenario:
    """A one-socket scenario written out: the out-of-order cases worth trying every run."""
    return Scenario((Hostile(kind, "refuse"),), tuple((0, p) for p in payloads))


HELLO = hello()
JOIN_BYSTANDER = message("join", id=Ref.BYSTANDER_SESSION)
NESTED_OBJECT = '{"a":' * NESTED + "1" + "}" * NESTED


@settings(BARRAGE, max_examples=60)
@given(scenario=one_socket("customer"))
@example(scenario=on("customer", message("events", events=page_snapshot()), HELLO))
@example(scenario=on("customer", HELLO, HELLO, message("exit"), message("exit")))
@example(
    scenario=on(
        "customer",
        HELLO,
        *(message("refused", reason=f"made up {i}") for i in range(MAX_SERIES_PER_METRIC + 1)),
    )
)
@example(scenario=on("customer", NESTED_OBJECT))
@example(scenario=on("customer", hello(resume_id=Ref.BYSTANDER_SESSION, resume_token="é")))
def test_the_customer_socket_refuses_or_serves_what_it_is_sent(
    arena: Arena, scenario: Scenario
) -> None:
    arena.run(arena.play(scenario))


@settings(BARRAGE, max_examples=50)
@given(scenario=one_socket("agent"))
@example(scenario=on("agent", message("click", x=1, y=1), message("join", id="123456789")))
@example(scenario=on("agent", JOIN_BYSTANDER, message("exit")))
@example(scenario=on("agent", NESTED_OBJECT))
@example(scenario=on("agent", message("join", id=Ref.BYSTANDER_SESSION, rejoin="\x80")))
@example(scenario=Scenario((Hostile("agent", "refuse", cookie="é"),), ((0, JOIN_BYSTANDER),)))
def test_the_agent_socket_refuses_or_serves_what_it_is_sent(
    arena: Arena, scenario: Scenario
) -> None:
    arena.run(arena.play(scenario))


@settings(BARRAGE, max_examples=60)
@given(scenario=one_socket("chat"))
@example(scenario=on("chat", message("say", text="before hello"), message("chat_hello")))
@example(scenario=on("chat", NESTED_OBJECT))
@example(
    scenario=on("chat", message("chat_hello"), message("chat_hello"), message("say", text="x"))
)
@example(
    scenario=on("chat", message("chat_hello", resume_id=Ref.BYSTANDER_CHAT, resume_token="guess"))
)
@example(scenario=on("chat", message("chat_hello", resume_id=Ref.BYSTANDER_CHAT, resume_token="é")))
def test_the_chat_socket_refuses_or_serves_what_it_is_sent(
    arena: Arena, scenario: Scenario
) -> None:
    arena.run(arena.play(scenario))


@settings(BARRAGE, max_examples=50)
@given(scenario=one_socket("desk"))
@example(scenario=on("desk", message("accept", chat=Ref.BYSTANDER_CHAT), message("desk_hello")))
@example(scenario=on("desk", message("desk_hello"), NESTED_OBJECT))
@example(
    scenario=on(
        "desk",
        message("desk_hello"),
        message("accept", chat="no such chat"),
        message("accept", chat=Ref.BYSTANDER_CHAT),
        message("say", chat=Ref.BYSTANDER_CHAT, text="not mine"),
        message("end_chat", chat=Ref.BYSTANDER_CHAT),
        message("desk_hello"),
    )
)
def test_the_desk_socket_refuses_or_serves_what_it_is_sent(
    arena: Arena, scenario: Scenario
) -> None:
    arena.run(arena.play(scenario))


def several(*steps: tuple[int, Payload], kinds: tuple[Kind, ...]) -> Scenario:
    return Scenario(tuple(Hostile(kind, "refuse") for kind in kinds), steps)


@settings(BARRAGE, max_examples=100)
@given(scenario=SEVERAL_SOCKETS)
@example(
    # A session joined twice, fed events, acted on; resumed on a second customer socket.
    scenario=several(
        (0, HELLO),
        (1, message("join", id=Ref.SESSION_ID)),
        (0, message("events", events=page_snapshot())),
        (1, message("click", x=20, y=20)),
        (1, message("join", id=Ref.SESSION_ID)),
        (2, hello(resume_id=Ref.SESSION_ID, resume_token=Ref.SESSION_TOKEN)),
        (2, message("events", events=[{"type": 3, "data": {"source": 0}, "timestamp": 1}])),
        kinds=("customer", "agent", "customer"),
    )
)
@example(
    # A chat accepted, a co-browse session tied to it, the chat ended from the desk.
    scenario=several(
        (0, message("chat_hello", label="Hostile")),
        (1, message("desk_hello")),
        (1, message("accept", chat=Ref.CHAT_ID)),
        (2, hello(chat={"id": Ref.CHAT_ID, "token": Ref.CHAT_TOKEN})),
        (0, message("say", text="the ID is 123 456 789")),
        (1, message("accept", chat=Ref.CHAT_ID)),
        (1, message("end_chat", chat=Ref.CHAT_ID)),
        kinds=("chat", "desk", "customer"),
    )
)
def test_sockets_that_know_each_other_refuse_or_serve_what_they_are_sent(
    arena: Arena, scenario: Scenario
) -> None:
    arena.run(arena.play(scenario))


def test_the_bystander_ends_as_usual_after_the_barrage(arena: Arena) -> None:
    async def exit_both() -> None:
        arena.errors.seen.clear()
        await arena.bystander_works()
        await arena.agent.send(message("exit"))
        ended = await arena.customer.next(of_type("status", state="ended"))
        assert ended["reason"] == "agent_exit"
        await arena.chat.send(message("end_chat"))
        await arena.desk.next(
            lambda m: m["type"] == "chat_update" and m["chat"]["state"] == "ended"
        )
        for reader in (arena.customer, arena.agent, arena.chat):
            assert await reader.closed() == CLOSE_ENDED
        assert len(arena.app[HUB].registry) == 0 and arena.app[CHAT_HUB].registry.live() == []
        assert not arena.errors.seen, "\n".join(arena.errors.seen)

    arena.run(exit_both())
