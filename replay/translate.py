"""Agent input -> event script action, or the reason it is refused. Pure: no I/O.

Pointer actions need what lies under the point (a :class:`~replay.hit.Hit` from the render
page); keys and text go to the element the agent last clicked into or tabbed to (``focus``), and
Enter and Space are checked against the render page's description of it (``target``).
"""

from __future__ import annotations

from dataclasses import dataclass

from replay.hit import Hit
from replay.messages import (
    MAX_TEXT,
    AgentInput,
    ClickAction,
    EventAction,
    FocusAction,
    KeyAction,
    KeyInput,
    PointerAction,
    PointerInput,
    SelectAction,
    TextAction,
    TextInput,
    WheelAction,
    WheelInput,
)
from replay.policy import PRESSING_KEYS, Rules, click_refusal, key_refusal


@dataclass(frozen=True)
class Refusal:
    reason: str


def is_tab(item: AgentInput) -> bool:
    """Tab moves the agent's focus: the server works out where, in the render page's tab order."""
    return (
        isinstance(item, KeyInput)
        and item.key == "Tab"
        and not (item.ctrl or item.alt or item.meta)
    )


def presses(item: AgentInput) -> bool:
    """Enter or Space: checked against what the agent's focus is (``target``), as a click."""
    return isinstance(item, KeyInput) and item.key in PRESSING_KEYS


def translate(
    item: AgentInput,
    hit: Hit | None,
    focus: int | None,
    rules: Rules,
    tab_to: int | None = None,
    target: Hit | None = None,
) -> EventAction | Refusal:
    """``target``: the render page's description of ``focus``, asked for keys that press. Without
    one the key goes on, and the customer's page judges it before dispatching anything."""
    if isinstance(item, PointerInput):
        return PointerAction(x=item.x, y=item.y)
    if is_tab(item):
        return FocusAction(node=tab_to) if tab_to is not None else Refusal("nothing_to_focus")
    if isinstance(item, KeyInput):
        refusal = None if target is None else key_refusal(item.key, target, rules)
        if refusal is not None:
            return Refusal(refusal)
        return KeyAction(
            node=focus, key=item.key, code=item.code,
            ctrl=item.ctrl, shift=item.shift, alt=item.alt, meta=item.meta,
        )  # fmt: skip
    if isinstance(item, TextInput):
        if len(item.text) > MAX_TEXT:
            return Refusal("text_too_long")
        if focus is None:
            return Refusal("no_focus")
        return TextAction(node=focus, text=item.text)
    if hit is None or not hit.inside:
        return Refusal("outside_view")
    if hit.select is not None and hit.option is not None:
        if hit.protected is not None:
            return Refusal(hit.protected)
        return SelectAction(node=hit.select, value=hit.option)
    if hit.node is None:
        return Refusal("no_element")
    if isinstance(item, WheelInput):
        return WheelAction(node=hit.node, x=item.x, y=item.y, dx=item.dx, dy=item.dy)
    refusal = click_refusal(hit, rules)
    if refusal is not None:
        return Refusal(refusal)
    return ClickAction(node=hit.node, x=item.x, y=item.y, button=item.button, count=item.count)


def new_focus(action: EventAction, hit: Hit | None, focus: int | None) -> int | None:
    """Where the agent's keys go after ``action``: a click on a focusable element moves them
    there, a click elsewhere gives them to the page, Tab moves them along. The customer's own
    focus is theirs: it does not move the agent's."""
    if isinstance(action, ClickAction):
        return action.node if hit is not None and hit.focusable else None
    if isinstance(action, SelectAction | FocusAction):
        return action.node
    return focus
