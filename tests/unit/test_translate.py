"""Agent input -> event script, as properties: random and hostile input is refused or harmless."""

from __future__ import annotations

import contextlib

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mirror.session.messages import AgentMessage, CustomerMessage, agent_decoder, customer_decoder
from replay.hit import Hit
from replay.messages import (
    MAX_TEXT,
    ClickAction,
    ClickInput,
    KeyAction,
    KeyInput,
    PointerInput,
    SelectAction,
    TextAction,
    TextInput,
    WheelInput,
)
from replay.policy import Rules, same_origin
from replay.translate import Refusal, presses, translate

SHOP = "https://shop.example"
coordinates = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
urls = st.one_of(
    st.none(),
    st.sampled_from(
        [
            f"{SHOP}/next",
            "https://evil.example/",
            "javascript:alert(1)",
            "data:text/html,x",
            "//evil.example/x",
            "/relative",
            "HTTPS://SHOP.EXAMPLE/x",
            "file:///etc/passwd",
        ]
    ),
    st.text(max_size=40),
)
hits = st.builds(
    Hit,
    inside=st.booleans(),
    node=st.one_of(st.none(), st.integers(-5, 10**6)),
    tag=st.text(max_size=8),
    submit=st.booleans(),
    enter_submits=st.booleans(),
    href=urls,
    focusable=st.booleans(),
    widget=st.booleans(),
    protected=st.sampled_from([None, "masked", "readonly", "blocked"]),
    select=st.one_of(st.none(), st.integers(1, 99)),
    option=st.one_of(st.none(), st.text(max_size=20)),
)
inputs = st.one_of(
    st.builds(PointerInput, x=coordinates, y=coordinates),
    st.builds(
        ClickInput, x=coordinates, y=coordinates, button=st.integers(0, 2), count=st.integers(1, 3)
    ),
    st.builds(
        WheelInput, x=coordinates, y=coordinates, dx=st.floats(-1e5, 1e5), dy=st.floats(-1e5, 1e5)
    ),
    st.builds(KeyInput, key=st.text(min_size=1, max_size=32), code=st.text(max_size=32)),
    st.builds(TextInput, text=st.text(max_size=MAX_TEXT + 50)),
)
rules = st.builds(Rules, agent_can_submit=st.booleans(), page_origin=st.sampled_from([SHOP, None]))


@given(
    inputs,
    st.one_of(st.none(), hits),
    st.one_of(st.none(), st.integers(1, 10**6)),
    rules,
    st.one_of(st.none(), hits),
)
def test_every_input_becomes_an_action_or_a_refusal(item, hit, focus, rule, target) -> None:  # type: ignore[no-untyped-def]
    result = translate(item, hit, focus, rule, target=target)
    if isinstance(result, Refusal):
        assert result.reason
        return
    # An action is data addressed to a node id: it encodes to plain JSON of numbers and strings.
    encoded = msgspec.json.decode(msgspec.json.encode(result))
    assert set(encoded) <= {
        "kind",
        "node",
        "x",
        "y",
        "fx",
        "fy",
        "button",
        "count",
        "dx",
        "dy",
        "key",
        "code",
        "ctrl",
        "shift",
        "alt",
        "meta",
        "text",
        "value",
    }


@given(st.builds(ClickInput, x=coordinates, y=coordinates), hits)
def test_the_agent_never_clicks_submit_or_leaves_the_site(click: ClickInput, hit: Hit) -> None:
    result = translate(click, hit, None, Rules(agent_can_submit=False, page_origin=SHOP))
    if isinstance(result, ClickAction):
        assert hit.inside and not hit.submit and not hit.widget
        assert hit.href is None or same_origin(hit.href, SHOP)


ON_SHOP = Rules(agent_can_submit=False, page_origin=SHOP)
pressing_keys = st.builds(
    KeyInput,
    key=st.sampled_from(["Enter", " "]),
    ctrl=st.booleans(),
    shift=st.booleans(),
    alt=st.booleans(),
    meta=st.booleans(),
)


@given(pressing_keys, hits)
def test_enter_and_space_never_submit_or_leave_the_site(key: KeyInput, target: Hit) -> None:
    assert presses(key)
    result = translate(key, None, 7, ON_SHOP, target=target)
    if isinstance(result, KeyAction):
        assert not target.submit and not target.widget and target.protected is None
        assert not (key.key == "Enter" and target.enter_submits)
        assert target.href is None or same_origin(target.href, SHOP)


ENTER = KeyInput(key="Enter", code="Enter")
SPACE = KeyInput(key=" ", code="Space")


@pytest.mark.parametrize(
    ("key", "target", "reason"),
    [
        (
            ENTER,
            Hit(inside=True, node=7, tag="a", href="https://evil.example/"),
            "cross_origin_link",
        ),
        (SPACE, Hit(inside=True, node=7, tag="a", href="//evil.example/x"), "cross_origin_link"),
        (ENTER, Hit(inside=True, node=7, tag="input", enter_submits=True), "submit"),
        (ENTER, Hit(inside=True, node=7, tag="button", submit=True), "submit"),
        (SPACE, Hit(inside=True, node=7, tag="label", submit=True), "submit"),
        (SPACE, Hit(inside=True, node=7, tag="input", protected="readonly"), "readonly"),
        (KeyInput(key="ArrowDown"), Hit(inside=True, node=7, protected="masked"), "masked"),
    ],
)
def test_keys_on_the_agents_focus_are_judged_as_clicks(
    key: KeyInput, target: Hit, reason: str
) -> None:
    assert translate(key, None, 7, ON_SHOP, target=target) == Refusal(reason)


@pytest.mark.parametrize(
    ("key", "target", "rule"),
    [
        (ENTER, Hit(inside=True, node=7, tag="a", href=f"{SHOP}/next"), ON_SHOP),
        (ENTER, Hit(inside=True, node=7, tag="textarea"), ON_SHOP),
        (SPACE, Hit(inside=True, node=7, tag="input", enter_submits=True), ON_SHOP),
        (
            KeyInput(key="ArrowDown"),
            Hit(inside=True, node=7, href="https://evil.example/"),
            ON_SHOP,
        ),
        (ENTER, Hit(inside=True, node=7, tag="input", enter_submits=True), Rules(True, SHOP)),
        (ENTER, None, ON_SHOP),  # Not described: the customer's page judges it.
    ],
)
def test_keys_that_press_nothing_forbidden_go_on(
    key: KeyInput, target: Hit | None, rule: Rules
) -> None:
    assert isinstance(translate(key, None, 7, rule, target=target), KeyAction)


@given(st.text(min_size=MAX_TEXT + 1, max_size=MAX_TEXT + 100))
def test_oversize_text_is_refused(text: str) -> None:
    assert translate(TextInput(text=text), None, 7, Rules()) == Refusal("text_too_long")


@given(st.text(max_size=MAX_TEXT))
def test_text_goes_to_the_focused_node_only(text: str) -> None:
    assert translate(TextInput(text=text), None, None, Rules()) == Refusal("no_focus")
    assert translate(TextInput(text=text), None, 42, Rules()) == TextAction(node=42, text=text)


def test_a_picked_option_becomes_a_select_action() -> None:
    hit = Hit(inside=True, select=12, option="c")
    assert translate(ClickInput(x=1, y=1), hit, None, Rules()) == SelectAction(node=12, value="c")


@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_decoders_answer_garbage_with_a_decode_error_only(data: bytes) -> None:
    for decoder in (agent_decoder, customer_decoder):
        with contextlib.suppress(msgspec.DecodeError):  # Any other exception fails the test.
            decoder.decode(data)


@given(
    st.dictionaries(
        st.sampled_from(["type", "v", "x", "y", "text", "key", "id", "events", "seq"]),
        st.one_of(
            st.integers(),
            st.floats(),
            st.text(max_size=20),
            st.none(),
            st.sampled_from(["click", "text", "key", "join", "hello", "events"]),
        ),
    )
)
def test_decoders_validate_every_field(message: dict[str, object]) -> None:
    data = msgspec.json.encode(message)
    for decoder, side in ((agent_decoder, AgentMessage), (customer_decoder, CustomerMessage)):
        try:
            decoded = decoder.decode(data)
        except msgspec.DecodeError:
            continue
        assert isinstance(decoded, side)  # One of that side's message types, never a dict.


@pytest.mark.parametrize(
    ("url", "same"),
    [
        (f"{SHOP}/checkout", True),
        ("HTTPS://Shop.Example:443/x", True),
        ("/relative/path", True),
        ("next.html", True),
        ("//evil.example/x", False),
        ("https://evil.example/", False),
        ("http://shop.example/", False),
        ("javascript:alert(1)", False),
        ("data:text/html,x", False),
    ],
)
def test_same_origin(url: str, same: bool) -> None:
    assert same_origin(url, SHOP) is same
