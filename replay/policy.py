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
    if hit.submit and not rules.agent_can_submit:
        return "submit"
    if hit.href is not None and not same_origin(hit.href, rules.page_origin):
        return "cross_origin_link"
    return None


def same_origin(url: str, origin: str | None) -> bool:
    try:
        parsed = URL(url)
    except ValueError:
        return False
    if parsed.scheme in ("javascript", "data", "vbscript", "file"):
        return False
    if not parsed.is_absolute() or origin is None:
        return parsed.scheme in ("", "http", "https") and not parsed.is_absolute()
    return str(parsed.origin()) == origin
