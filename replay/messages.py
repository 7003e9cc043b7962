"""Wire types of agent actions: what the agent's page sends (inputs) and what the customer's page
replays (event scripts). Event scripts address an rrweb node id, never a selector or code.
``replay/web/script.js`` is the browser side's mirror image.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

import msgspec

SCRIPT_VERSION = 1
MAX_TEXT = 1000  # Characters in one text action: typing and pasting come in small pieces.

Coordinate = Annotated[float, msgspec.Meta(ge=-1e6, le=1e6)]
Delta = Annotated[float, msgspec.Meta(ge=-1e5, le=1e5)]
KeyName = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
NodeId = int


class Input(msgspec.Struct, tag_field="type", forbid_unknown_fields=True, kw_only=True):
    v: int = SCRIPT_VERSION


# -- the agent's page -> server: pointer and keys on the view, in customer CSS pixels ---------


class PointerInput(Input, tag="pointer"):
    x: Coordinate
    y: Coordinate


class ClickInput(Input, tag="click"):
    x: Coordinate
    y: Coordinate
    button: Annotated[int, msgspec.Meta(ge=0, le=2)] = 0
    count: Annotated[int, msgspec.Meta(ge=1, le=3)] = 1  # 2: a double click


class WheelInput(Input, tag="wheel"):
    x: Coordinate
    y: Coordinate
    dx: Delta = 0.0
    dy: Delta = 0.0


class KeyInput(Input, tag="key"):
    key: KeyName
    code: Annotated[str, msgspec.Meta(max_length=32)] = ""
    ctrl: bool = False
    shift: bool = False
    alt: bool = False
    meta: bool = False


class TextInput(Input, tag="text"):
    # Not limited here: oversize text is refused and counted, not a protocol error.
    text: str


AgentInput = PointerInput | ClickInput | WheelInput | KeyInput | TextInput

# -- server -> the customer's page: event scripts ---------------------------------------------


class Action(msgspec.Struct, tag_field="kind", forbid_unknown_fields=True, kw_only=True):
    pass


class PointerAction(Action, tag="pointer"):
    """Where the agent's pointer is: drawn on the customer's page, nothing dispatched. With
    ``node``, at the same spot of that element's box (``fx``, ``fy``: fractions of its width and
    height), which holds where the customer's layout differs from the view's; at (x, y)
    otherwise."""

    x: float
    y: float
    node: NodeId | None = None
    fx: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.0
    fy: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.0


class ClickAction(Action, tag="click"):
    node: NodeId
    x: float
    y: float
    button: int = 0
    count: int = 1


class WheelAction(Action, tag="wheel"):
    node: NodeId
    x: float
    y: float
    dx: float
    dy: float


class KeyAction(Action, tag="key"):
    node: NodeId | None  # None: the page itself (nothing focused by the agent)
    key: str
    code: str = ""
    ctrl: bool = False
    shift: bool = False
    alt: bool = False
    meta: bool = False


class FocusAction(Action, tag="focus"):
    """Move the agent's focus (Tab and Shift+Tab, computed in the render page's tab order)."""

    node: NodeId


class TextAction(Action, tag="text"):
    node: NodeId
    text: str


class SelectAction(Action, tag="select"):
    node: NodeId
    value: str


EventAction = (
    PointerAction | ClickAction | WheelAction | KeyAction | FocusAction | TextAction | SelectAction
)


class Script(msgspec.Struct, tag="script", tag_field="type", kw_only=True):
    """One event script for the customer's page to replay; ``seq`` pairs it with the answer."""

    v: int = SCRIPT_VERSION
    seq: int
    action: EventAction


# -- answers ----------------------------------------------------------------------------------


class Applied(
    msgspec.Struct, tag="applied", tag_field="type", forbid_unknown_fields=True, kw_only=True
):
    """The customer's page dispatched script ``seq``."""

    v: int = SCRIPT_VERSION
    seq: int


# Why an action is refused: the server's reasons (replay/translate.py, replay/policy.py, the
# sockets) and the customer's page's (replay/web/player.js, mirror/web/embed/policy.js).
RefusalReason = Literal[
    "blocked", "masked", "readonly", "submit", "cross_origin_link", "widget", "outside_view",
    "no_element", "no_focus", "nothing_to_focus", "text_too_long", "not_allowed", "unknown_kind",
    "unknown_node", "detached", "not_a_select", "no_such_option", "not_editable", "other",
]  # fmt: skip
REFUSAL_REASONS: frozenset[str] = frozenset(get_args(RefusalReason))


def known_reason(reason: str) -> str:
    """``reason`` if it is one of the known ones, else ``"other"``: what a page sends is counted
    and shown to the agent only as one of a fixed set of words."""
    return reason if reason in REFUSAL_REASONS else "other"


class Refused(
    msgspec.Struct, tag="refused", tag_field="type", forbid_unknown_fields=True, kw_only=True
):
    """An action was refused (by the server or the customer's page), and why. A page's reason
    that is not a known one decodes (a newer page may know more) and is passed on as "other"
    (:func:`known_reason`)."""

    v: int = SCRIPT_VERSION
    seq: int | None = None
    reason: Annotated[str, msgspec.Meta(max_length=64)]
