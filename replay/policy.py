"""The agent's rights: which actions the server refuses before anything reaches the customer.

The customer's page checks again before it dispatches (replay/web/player.js).
"""

from __future__ import annotations

from dataclasses import dataclass

from yarl import URL

from replay.hit import Hit


@dataclass(frozen=True)
class Rules:
    agent_can_submit: bool = False
    page_origin: str | None = None  # Links to any other origin are refused.


def click_refusal(hit: Hit, rules: Rules) -> str | None:
    """Why the agent may not click there, or None."""
    if hit.widget:
        return "widget"
    if hit.protected is not None:
        return hit.protected
    if hit.submit and not rules.agent_can_submit:
        return "submit"
    if hit.href is not None and not same_origin(hit.href, rules.page_origin):
        return "cross_origin_link"
    return None


# Keys that press what they are on (a button, link, checkbox or radio), or submit from a field.
PRESSING_KEYS = frozenset({"Enter", " "})


def key_refusal(key: str, target: Hit, rules: Rules) -> str | None:
    """Why the agent may not press ``key`` on the node ``target`` describes (its focus), or None.
    Enter and Space are judged as a click there, before the page sees any keydown."""
    if target.widget:
        return "widget"
    if target.protected is not None:
        return target.protected
    if key not in PRESSING_KEYS:
        return None
    if key == "Enter" and target.enter_submits and not rules.agent_can_submit:
        return "submit"
    return click_refusal(target, rules)


def same_origin(url: str, origin: str | None) -> bool:
    """Whether following ``url`` from a page of ``origin`` stays on that origin."""
    try:
        parsed = URL(url)
    except ValueError:
        return False
    if not parsed.host:  # A path relative to the page itself.
        return parsed.scheme == ""
    if parsed.scheme not in ("http", "https") or origin is None:
        return False  # Scheme-relative, javascript:, data:, file: ... or no known origin.
    default_port = {"http": 80, "https": 443}[parsed.scheme]
    port = "" if parsed.port in (None, default_port) else f":{parsed.port}"
    return f"{parsed.scheme}://{parsed.host.lower()}{port}" == origin
