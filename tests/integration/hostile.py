"""Hostile input for the server's four sockets, as Hypothesis strategies: messages of every wire
type, valid and not (a field of the wrong type, a missing or unknown field, another version, an
unknown kind, huge strings, broken JSON, binary frames), in any order, on sockets that may know
each other's identifiers. ``tests/integration/test_hostile_sockets.py`` throws them at a server.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any, Literal, get_args

from hypothesis import strategies as st

from mirror.chat.messages import ChatServerMessage, CustomerChatMessage, DeskMessage
from mirror.chat.state import MAX_TEXT as MAX_CHAT_TEXT
from mirror.server.agent_socket import MAX_AGENT_MESSAGE
from mirror.server.chat_sockets import MAX_CHAT_MESSAGE
from mirror.session.messages import AgentMessage, CustomerMessage, ServerMessage
from replay.messages import MAX_TEXT as MAX_ACTION_TEXT
from tests.wsclient import page_snapshot

Kind = Literal["customer", "agent", "chat", "desk"]
AGENTS = ("agent", "desk")  # The sockets behind the agent's sign-in cookie.
Payload = dict[str, Any] | str | bytes  # A JSON object (may hold Refs), a text frame, a binary one


class Ref(enum.Enum):
    """An identifier known only once the scenario runs: its own sockets' (learnt from the
    server's answers) or the bystander's (an ID or chat UUID an attacker may have seen)."""

    SESSION_ID = "session_id"
    SESSION_TOKEN = "session_token"
    CHAT_ID = "chat_id"
    CHAT_TOKEN = "chat_token"
    DESK_TOKEN = "desk_token"
    BYSTANDER_SESSION = "bystander_session"
    BYSTANDER_CHAT = "bystander_chat"


@dataclass(frozen=True)
class Hostile:
    """One hostile socket: its kind, and how it ends once its steps are sent ("refuse": a binary
    frame, which the server must refuse, so that every answer before it is read; "close": the
    client closes, as a page that goes away does). An agent's or desk's socket presents the
    signed-in agent's cookie, or ``cookie`` when it forges one."""

    kind: Kind
    ending: Literal["refuse", "close"]
    cookie: str | None = None


@dataclass(frozen=True)
class Scenario:
    sockets: tuple[Hostile, ...]
    steps: tuple[tuple[int, Payload], ...]  # (index in sockets, what it sends), in order

    def __repr__(self) -> str:
        steps = ", ".join(f"({i}, {_short(payload)})" for i, payload in self.steps)
        return f"Scenario(sockets={self.sockets!r}, steps=({steps},))"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis prints with it.
        printer.text(repr(self))


def _short(payload: Payload, most: int = 300) -> str:
    """A payload as a failing example shows it: a huge string by its head and its length."""
    text = repr(payload)
    return text if len(text) <= most else f"{text[:most]}...<{len(text)} characters>"


def tags(*unions: Any) -> list[str]:
    return [str(kind.__struct_config__.tag) for union in unions for kind in get_args(union)]


# Every kind of message of every socket, either way: sent to the wrong socket, an unknown kind.
ALL_TAGS = sorted(
    set(
        tags(CustomerMessage, AgentMessage, CustomerChatMessage, DeskMessage)
        + tags(ServerMessage, ChatServerMessage)
    )
)
LIMITS: dict[Kind, int] = {
    "customer": 1_000_000,  # Its socket takes 32 MiB; a megabyte says as much, faster.
    "agent": MAX_AGENT_MESSAGE,
    "chat": MAX_CHAT_MESSAGE,
    "desk": MAX_CHAT_MESSAGE,
}


def message(kind: str, **fields: Any) -> dict[str, Any]:
    return {"v": 1, "type": kind, **{k: v for k, v in fields.items() if v is not None}}


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def big_text(limit: int) -> st.SearchStrategy[str]:
    """A long string around the sizes that matter (a chat line's limit, an action's, a third of
    the socket's frame limit, just under it) in characters that take several bytes as JSON, cut
    so that the message stays within the socket's limit."""
    sizes = [MAX_CHAT_TEXT, MAX_CHAT_TEXT + 1, MAX_ACTION_TEXT + 1, limit // 3, limit - 256]
    chars = st.sampled_from(["x", "é", "\u2028", '"', "\\", "<b>", "\x00", "🙂"])

    def long(size: int, c: str) -> str:
        escaped = len(json.dumps(c, ensure_ascii=False).encode()) - 2
        return (c * size)[: size * len(c) // escaped]

    return st.builds(long, st.sampled_from(sizes), chars)


def text(limit: int) -> st.SearchStrategy[str]:
    return st.text(max_size=30) | big_text(limit)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def seldom(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """None three times in four: a field that, set, mostly leads to a refusal."""
    return st.one_of(st.none(), st.none(), st.none(), strategy)


NINE_DIGITS = st.from_regex(r"[0-9]{9}", fullmatch=True)
# A token guessed or forged: any text, "\x80" and "é" as much as letters.
FORGED = st.text(max_size=40)
# A cookie value forged: what a header can carry (Latin-1, no separators or controls).
FORGED_COOKIE = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0xFF, exclude_characters=';,"\\\x7f'),
    max_size=40,
)
COORDINATE = st.floats(-2e6, 2e6, allow_nan=False) | st.integers(-10, 2000)
RRWEB_EVENT = st.fixed_dictionaries(
    {"type": st.integers(-1, 7), "data": JSON, "timestamp": st.integers(0, 2**53)}
)
EVENTS = st.lists(st.sampled_from(page_snapshot()) | RRWEB_EVENT | JSON, max_size=4)


@dataclass(frozen=True)
class Side:
    """One socket's messages: ``opener``, the first message it expects (hello, join...), and
    ``others``, everything it takes after that (or, out of order, before it)."""

    opener: st.SearchStrategy[dict[str, Any]]
    others: st.SearchStrategy[dict[str, Any]]

    @property
    def any(self) -> st.SearchStrategy[dict[str, Any]]:
        return self.opener | self.others


def customer_side(limit: int) -> Side:
    viewport = st.fixed_dictionaries(
        {"width": st.integers(1, 1600), "height": st.integers(1, 1200)}
    )
    resume = st.tuples(st.just(Ref.SESSION_ID), st.just(Ref.SESSION_TOKEN)) | st.tuples(
        st.sampled_from([Ref.SESSION_ID, Ref.BYSTANDER_SESSION, "1"]), FORGED
    )
    chat = st.just({"id": Ref.CHAT_ID, "token": Ref.CHAT_TOKEN}) | st.fixed_dictionaries(
        {"id": st.sampled_from([Ref.CHAT_ID, Ref.BYSTANDER_CHAT]), "token": FORGED}
    )

    def hello(viewport: Any, resume: Any, chat: Any, scheme: Any, ratio: Any) -> dict[str, Any]:
        resume_id, resume_token = resume or (None, None)
        return message(
            "hello",
            viewport=viewport,
            resume_id=resume_id,
            resume_token=resume_token,
            chat=chat,
            color_scheme=scheme,
            pixel_ratio=ratio,
        )

    opener = st.builds(
        hello,
        viewport,
        seldom(resume),
        seldom(chat),
        maybe(st.sampled_from(["light", "dark"])),
        maybe(st.floats(0.25, 8)),
    )
    others = st.one_of(
        st.builds(lambda events: message("events", events=events), EVENTS),
        st.builds(lambda s: message("events", events=[{"type": 3, "data": s}]), big_text(limit)),
        st.just(message("exit")),
        st.builds(lambda seq: message("applied", seq=seq), st.integers(-(2**40), 2**40)),
        st.builds(
            lambda seq, reason: message("refused", seq=seq, reason=reason),
            maybe(st.integers(0, 10)),
            st.text(max_size=70),
        ),
    )
    return Side(opener, others)


def agent_side(limit: int) -> Side:
    session = st.sampled_from([Ref.SESSION_ID, Ref.SESSION_ID, Ref.BYSTANDER_SESSION])
    key = st.sampled_from(["Enter", "Tab", " ", "a", "Backspace", "ArrowDown"]) | st.text(
        max_size=40
    )
    join = st.builds(
        lambda id, interaction, rejoin: message(
            "join", id=id, interaction=interaction, rejoin=rejoin
        ),
        session | NINE_DIGITS | st.text(max_size=12),
        maybe(text(limit)),
        seldom(FORGED),
    )
    # Mostly the session a customer socket of the scenario started, as an agent would.
    opener = st.one_of(st.just(message("join", id=Ref.SESSION_ID)), join)
    others = st.one_of(
        st.just(message("exit")),
        st.builds(lambda x, y: message("pointer", x=x, y=y), COORDINATE, COORDINATE),
        st.builds(
            lambda x, y, button, count: message("click", x=x, y=y, button=button, count=count),
            COORDINATE,
            COORDINATE,
            st.integers(-1, 3),
            st.integers(0, 4),
        ),
        st.builds(
            lambda x, y, d: message("wheel", x=x, y=y, dx=d, dy=-d),
            COORDINATE,
            COORDINATE,
            COORDINATE,
        ),
        st.builds(
            lambda k, shift, ctrl: message("key", key=k, shift=shift, ctrl=ctrl),
            key,
            st.booleans(),
            st.booleans(),
        ),
        st.builds(lambda t: message("text", text=t), text(limit)),
    )
    return Side(opener, others)


def chat_side(limit: int) -> Side:
    resume = st.tuples(st.just(Ref.CHAT_ID), st.just(Ref.CHAT_TOKEN)) | st.tuples(
        st.sampled_from([Ref.CHAT_ID, Ref.BYSTANDER_CHAT, "nope"]), FORGED
    )

    def hello(label: str, resume: Any) -> dict[str, Any]:
        resume_id, resume_token = resume or (None, None)
        return message("chat_hello", label=label, resume_id=resume_id, resume_token=resume_token)

    opener = st.builds(hello, text(limit), seldom(resume))
    others = st.one_of(
        st.builds(lambda t: message("say", text=t), text(limit)),
        st.builds(lambda t: message("say", text=t), st.sampled_from(["123 456 789", "Hi"])),
        st.just(message("end_chat")),
    )
    return Side(opener, others)


def desk_side(limit: int) -> Side:
    chat = st.sampled_from([Ref.CHAT_ID, Ref.CHAT_ID, Ref.BYSTANDER_CHAT]) | st.text(max_size=40)
    opener = st.builds(
        lambda resume: message("desk_hello", resume=resume),
        maybe(st.just(Ref.DESK_TOKEN) | FORGED),
    )
    others = st.one_of(
        st.builds(lambda c: message("accept", chat=c), chat),
        st.builds(lambda c, t: message("say", chat=c, text=t), chat, text(limit)),
        st.builds(lambda c: message("end_chat", chat=c), chat),
    )
    return Side(opener, others)


SIDES = {
    "customer": customer_side,
    "agent": agent_side,
    "chat": chat_side,
    "desk": desk_side,
}


@st.composite
def mutated(draw: st.DrawFn, valid: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """A valid message with one thing wrong."""
    m = dict(draw(valid))
    how = draw(st.sampled_from(["version", "drop", "retype", "extra", "untyped"]))
    fields = sorted(k for k in m if k != "type")
    if how == "version":
        m["v"] = draw(st.sampled_from([0, 2, -1, 2**40, "1", None, 1.5, True, [1]]))
    elif how == "drop" and fields:
        del m[draw(st.sampled_from(fields))]
    elif how == "retype" and fields:
        m[draw(st.sampled_from(fields))] = draw(JSON)
    elif how == "extra":
        m[draw(st.text(min_size=1, max_size=8))] = draw(JSON)
    else:
        m["type"] = draw(st.none() | st.integers() | st.lists(st.just("hello"), max_size=1))
    return m


UNKNOWN_KIND = st.builds(
    lambda tag, fields: {**fields, "v": 1, "type": tag},
    st.sampled_from(ALL_TAGS) | st.text(max_size=12),
    st.dictionaries(st.text(max_size=8), JSON, max_size=3),
)
NESTED = 2000  # Deeper than a decoder recurses; 12 kB at most, within every socket's limit.


def raw(kind: Kind, valid: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Payload]:
    """Frames that are no message: binary, broken or nested JSON, oversize text."""
    broken = st.builds(lambda m, cut: json.dumps(m, default=str)[:cut], valid, st.integers(0, 60))
    odd = st.sampled_from(
        [
            "",
            " ",
            "null",
            "1",
            "[]",
            "{}",
            '"hello"',
            '{"type": 1}',
            '{"v": 1, "type": "say", "type": "exit"}',
            '{"v": 1, "type": "hello"',
            "\ufeff{}",
            '{"a":' * NESTED + "1" + "}" * NESTED,
            '{"v": 1, "type": "events", "events": [' + "[" * NESTED + "]" * NESTED + "]}",
        ]
    )
    frames: list[st.SearchStrategy[Payload]] = [
        st.binary(max_size=64),
        st.text(max_size=40),
        broken,
        odd,
    ]
    if kind != "customer":  # Over the frame limit (32 MiB for the customer: not worth it).
        over = {"agent": MAX_AGENT_MESSAGE, "chat": MAX_CHAT_MESSAGE, "desk": MAX_CHAT_MESSAGE}
        frames.append(st.just("x" * (over[kind] + 1)))
    return st.one_of(frames)


def side(kind: Kind) -> Side:
    return SIDES[kind](LIMITS[kind])


def payloads(kind: Kind) -> st.SearchStrategy[Payload]:
    valid = side(kind).any
    # Valid messages three times over: they reach the states behind the first message.
    return st.one_of(valid, valid, valid, mutated(valid), UNKNOWN_KIND, raw(kind, valid))


ENDINGS = st.sampled_from(["refuse", "refuse", "close"])
POLITE = st.sampled_from([True, True, True, False])  # Most pages open with the expected message.


@st.composite
def scenarios(draw: st.DrawFn, casts: st.SearchStrategy[tuple[Kind, ...]], most: int) -> Scenario:
    """Sockets of a cast, each (mostly) opening as a page does (hello, join...) in the cast's
    order, so that later steps reach the states behind: a join finds the session a customer
    socket started, an accept the chat a chat socket started. Then up to ``most`` steps of
    any socket, in any order."""
    sockets = tuple(
        Hostile(kind, draw(ENDINGS), draw(seldom(FORGED_COOKIE)) if kind in AGENTS else None)
        for kind in draw(casts)
    )
    steps = [(i, draw(side(h.kind).opener)) for i, h in enumerate(sockets) if draw(POLITE)]
    for _ in range(draw(st.integers(1, most))):
        i = draw(st.integers(0, len(sockets) - 1))
        steps.append((i, draw(payloads(sockets[i].kind))))
    return Scenario(sockets, tuple(steps))


def one_socket(kind: Kind) -> st.SearchStrategy[Scenario]:
    return scenarios(st.just((kind,)), most=5)


# Who may meet: a session and its agents, a chat and its desks, a session tied to a chat.
CASTS: list[tuple[Kind, ...]] = [
    ("customer", "agent"),
    ("customer", "agent", "agent"),
    ("customer", "agent", "customer"),
    ("chat", "desk"),
    ("chat", "desk", "desk"),
    ("chat", "desk", "customer"),
    ("chat", "customer", "agent", "desk"),
]
SEVERAL_SOCKETS = scenarios(st.sampled_from(CASTS), most=8)
