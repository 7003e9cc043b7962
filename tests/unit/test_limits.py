"""What a forged client cannot make unbounded: per-client starts and live sessions or chats, a
render page's byte and size budget (pure logic, an injectable clock), and the bounds of what the
wire's decoders accept."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest

from mirror.chat.messages import desk_decoder
from mirror.limits import ClientLimits, client_key
from mirror.session.budget import Feed, PageBudget
from mirror.session.messages import Hello, Join, agent_decoder, customer_decoder
from mirror.wire import MAX_VIEWPORT_AREA, MAX_VIEWPORT_SIDE, Viewport
from replay.messages import REFUSAL_REASONS, Refused, known_reason

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- who a client is -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "client"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("2001:db8:a:b:1:2:3:4", "2001:db8:a:b::/64"),
        ("2001:db8:a:b::ffff", "2001:db8:a:b::/64"),
        (None, "unknown"),
        ("", "unknown"),
        ("/run/cobrowse.sock", "/run/cobrowse.sock"),
    ],
)
def test_a_client_is_an_ipv4_address_or_an_ipv6_64(address: str | None, client: str) -> None:
    assert client_key(address) == client


# -- starts and live things per client ---------------------------------------------------------


def start(limits: ClientLimits, address: str, holder: str) -> bool:
    """What a hub does for a new session or chat: ask, then count it if allowed."""
    if not limits.allows(address):
        return False
    limits.started(address, holder)
    return True


def test_a_client_holds_at_most_its_live_limit_and_others_are_not_affected() -> None:
    limits = ClientLimits(max_live=2, max_starts=100, clock=Clock())
    assert start(limits, "203.0.113.7", "a") and start(limits, "203.0.113.7", "b")
    assert not start(limits, "203.0.113.7", "c")
    assert start(limits, "198.51.100.1", "d")
    limits.ended("a")
    limits.ended("a")  # Told twice: counted once.
    assert start(limits, "203.0.113.7", "e")
    assert not start(limits, "203.0.113.7", "f")
    assert limits.live("203.0.113.7") == 2


def test_a_client_starts_at_most_its_limit_within_the_window() -> None:
    clock = Clock()
    limits = ClientLimits(max_live=100, max_starts=3, window_s=3600, clock=clock)
    for n in range(3):
        assert start(limits, "2001:db8::1", f"s{n}")
        limits.ended(f"s{n}")
    assert not start(limits, "2001:db8::99", "s3")  # The same /64.
    assert limits.live("2001:db8::1") == 0  # A refused start counts nothing.
    clock.now += 3600
    assert start(limits, "2001:db8::1", "s4")


def test_loopback_is_not_limited() -> None:
    limits = ClientLimits(max_live=1, max_starts=1, clock=Clock())
    assert all(start(limits, "127.0.0.1", f"v4-{n}") for n in range(10))
    assert all(start(limits, "::1", f"v6-{n}") for n in range(10))
    assert len(limits) == 0


def test_clients_with_nothing_live_and_no_recent_start_are_forgotten() -> None:
    clock = Clock()
    limits = ClientLimits(max_live=5, max_starts=5, window_s=60, clock=clock)
    for n in range(300):
        start(limits, f"10.0.{n // 256}.{n % 256}", f"c{n}")
        limits.ended(f"c{n}")
    start(limits, "192.0.2.1", "held")  # Still live a window later: kept.
    assert len(limits) == 301
    clock.now += 61
    start(limits, "192.0.2.2", "new")
    assert len(limits) == 2


# -- a render page's budget ---------------------------------------------------------------------


def event(kind: int, payload: Any = None) -> bytes:
    return json.dumps({"type": kind, "data": payload or {}, "timestamp": 1}).encode()


def snapshot(nodes: int) -> bytes:
    """A full snapshot of a page of ``nodes`` text nodes (plus the document)."""
    children = [{"type": 3, "textContent": "x", "id": n + 2} for n in range(nodes)]
    return event(2, {"node": {"type": 0, "childNodes": children, "id": 1}})


def mutation(nodes: int) -> bytes:
    adds = [
        {"parentId": 1, "node": {"type": 3, "textContent": "y", "id": 1000 + n}}
        for n in range(nodes)
    ]
    return event(3, {"source": 0, "adds": adds, "removes": [], "texts": [], "attributes": []})


def test_a_page_within_its_budget_passes() -> None:
    budget = PageBudget(bytes_per_s=10_000, max_nodes=1000, burst_bytes=100_000, clock=Clock())
    assert budget.admit([event(4), snapshot(100)]) is Feed.PASS
    assert budget.admit([mutation(10)]) is Feed.PASS
    assert budget.nodes > 100


def test_more_bytes_than_the_budget_are_dropped_until_a_fresh_snapshot() -> None:
    clock = Clock()
    budget = PageBudget(bytes_per_s=1000, max_nodes=10_000, burst_bytes=5000, clock=clock)
    big = mutation(100)
    assert len(big) > 5000
    assert budget.admit([big]) is Feed.OVER_RATE
    assert budget.refill_s() == 0  # Nothing was spent: the snapshot may come at once.
    assert budget.admit([mutation(1)]) is Feed.HELD  # The page missed a change: only a
    assert budget.admit([event(4), snapshot(10)]) is Feed.PASS  # snapshot makes it whole.
    assert budget.admit([mutation(1)]) is Feed.PASS
    for _ in range(20):  # A steady flood drains the budget, which refills at its rate.
        if budget.admit([mutation(5)]) is not Feed.PASS:
            break
    else:
        pytest.fail("the byte budget never ran out")
    assert budget.refill_s() > 0
    clock.now += budget.refill_s()
    assert budget.admit([snapshot(10)]) is Feed.PASS


def test_a_snapshot_larger_than_a_render_page_may_hold_is_too_large() -> None:
    budget = PageBudget(bytes_per_s=1e9, max_nodes=500, clock=Clock())
    assert budget.admit([event(4), snapshot(1000)]) is Feed.TOO_LARGE


def test_a_page_grown_past_the_budget_by_changes_is_checked_with_a_fresh_snapshot() -> None:
    budget = PageBudget(bytes_per_s=1e9, max_nodes=500, clock=Clock())
    assert budget.admit([snapshot(300)]) is Feed.PASS
    assert budget.admit([mutation(50)]) is Feed.PASS
    assert budget.admit([mutation(50)]) is Feed.RESYNC  # Never applied: the page stays small.
    assert budget.admit([mutation(1)]) is Feed.HELD
    assert budget.admit([snapshot(350)]) is Feed.PASS  # The page as it is now.
    assert budget.admit([mutation(50)]) is Feed.PASS


def test_the_size_of_a_page_cannot_be_hidden_by_how_its_json_is_written() -> None:
    plain = snapshot(400)
    disguised = plain.replace(b'"id":', b'"\\u0069d" :  ').replace(b",", b" , ")
    assert json.loads(disguised) == json.loads(plain)
    for batch in ([plain], [disguised]):
        assert PageBudget(1e9, max_nodes=300, clock=Clock()).admit(batch) is Feed.TOO_LARGE


# -- bounds of what the decoders accept ---------------------------------------------------------


def hello(**fields: Any) -> bytes:
    viewport = {"width": 800, "height": 600}
    return msgspec.json.encode({"v": 1, "type": "hello", "viewport": viewport, **fields})


@pytest.mark.parametrize(
    "viewport",
    [
        {"width": MAX_VIEWPORT_SIDE + 1, "height": 100},
        {"width": 100, "height": 0},
        {"width": MAX_VIEWPORT_SIDE, "height": MAX_VIEWPORT_SIDE},  # Each side fits, not the area.
        {"width": 5000, "height": 4000},
        {"width": 1e9, "height": 1},
    ],
)
def test_a_hello_with_a_viewport_out_of_bounds_does_not_decode(viewport: dict[str, Any]) -> None:
    with pytest.raises(msgspec.ValidationError, match="viewport"):
        customer_decoder.decode(hello(viewport=viewport))


@pytest.mark.parametrize(
    ("width", "height"), [(MAX_VIEWPORT_SIDE, MAX_VIEWPORT_AREA // MAX_VIEWPORT_SIDE), (1, 1)]
)
def test_a_hello_with_a_viewport_within_bounds_decodes(width: int, height: int) -> None:
    decoded = customer_decoder.decode(hello(viewport={"width": width, "height": height}))
    assert isinstance(decoded, Hello) and decoded.viewport == Viewport(width, height)


@pytest.mark.parametrize(
    ("width", "height", "fitted"),
    [
        (1280, 800, Viewport(1280, 800)),
        (100_000, 600, Viewport(MAX_VIEWPORT_SIDE, 600)),
        (8192, 8192, Viewport(4096, 4096)),
        (-3, float("nan"), Viewport(1, 1)),
        ("800", None, Viewport(1, 1)),
        (float("inf"), 2, Viewport(MAX_VIEWPORT_SIDE, 2)),
    ],
)
def test_a_resize_from_the_page_is_fitted_into_the_same_bounds(
    width: object, height: object, fitted: Viewport
) -> None:
    assert Viewport.clamped(width, height) == fitted


def test_a_viewport_beyond_the_bounds_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="at most"):
        Viewport(MAX_VIEWPORT_SIDE, MAX_VIEWPORT_SIDE)


@pytest.mark.parametrize(
    ("message", "decodes"),
    [
        ({"type": "join", "id": "123456789", "interaction": "i" * 200}, True),
        ({"type": "join", "id": "123456789", "interaction": "i" * 201}, False),
        ({"type": "join", "id": "1" * 33}, False),
        ({"type": "join", "id": "123456789", "rejoin": "t" * 65}, False),
    ],
)
def test_what_an_agent_names_is_bounded(message: dict[str, Any], decodes: bool) -> None:
    raw = msgspec.json.encode({"v": 1, **message})
    if decodes:
        assert isinstance(agent_decoder.decode(raw), Join)
    else:
        with pytest.raises(msgspec.ValidationError, match="length"):
            agent_decoder.decode(raw)


@pytest.mark.parametrize(
    "message",
    [
        hello(resume_id="1" * 33, resume_token="t"),
        hello(resume_id="123456789", resume_token="t" * 65),
        hello(chat={"id": "c" * 65, "token": "t"}),
    ],
)
def test_what_a_customers_page_names_is_bounded(message: bytes) -> None:
    with pytest.raises(msgspec.ValidationError, match="length"):
        customer_decoder.decode(message)


@pytest.mark.parametrize("kind", ["accept", "end_chat"])
def test_what_a_desk_names_is_bounded(kind: str) -> None:
    with pytest.raises(msgspec.ValidationError, match="length"):
        desk_decoder.decode(msgspec.json.encode({"v": 1, "type": kind, "chat": "c" * 65}))


def test_a_refusal_reason_from_a_page_is_one_of_a_fixed_set() -> None:
    unknown = customer_decoder.decode(b'{"v":1,"type":"refused","reason":"made-up-1"}')
    assert isinstance(unknown, Refused)  # A newer page may know more reasons: not malformed...
    assert known_reason(unknown.reason) == "other"  # ...but it is only ever "other".
    assert known_reason("masked") == "masked"


def python_reasons(path: str) -> set[str]:
    """Words in ``Refusal("...")``, ``Refused(reason="...")`` and the returns of functions
    named for refusals."""
    found: set[str] = set()
    for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("Refusal", "Refused"):
            values = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "reason")]
            found |= {v.value for v in values if isinstance(v, ast.Constant)}
        elif isinstance(node, ast.FunctionDef) and "refusal" in node.name:
            returns = [n.value for n in ast.walk(node) if isinstance(n, ast.Return)]
            found |= {r.value for r in returns if isinstance(r, ast.Constant) and r.value}
    return found


def js_reasons(path: str) -> set[str]:
    """Words in ``refuse("...")`` and ``refused(seq, "...")``, and returned by methods named
    for refusals."""
    text = (ROOT / path).read_text(encoding="utf-8")
    found = set(re.findall(r'refuse\("(\w+)"\)|refused\(\w+, "(\w+)"\)', text))
    methods = re.findall(r"^  \w*[rR]efusal\(.*?^  \}$", text, re.M | re.S)
    for method in methods:
        found |= set(re.findall(r'return "(\w+)"|\? null : "(\w+)"|\? "(\w+)" :', method))
    return {word for words in found for word in (words if isinstance(words, tuple) else [words])}


def test_every_reason_the_code_gives_is_a_known_one() -> None:
    """A reason added without listing it in replay/messages.py would reach the agent as
    "other": this gathers those the server and the customer's page give."""
    given = (
        python_reasons("replay/translate.py")
        | python_reasons("replay/policy.py")
        | python_reasons("mirror/server/socket.py")
        | js_reasons("replay/web/player.js")
        | js_reasons("mirror/web/embed/policy.js")
        | {"masked", "readonly", "blocked"}  # Hit.protected: the render page's words for these.
    ) - {""}
    assert {"submit", "cross_origin_link", "unknown_node", "masked", "outside_view"} <= given
    assert given <= REFUSAL_REASONS
