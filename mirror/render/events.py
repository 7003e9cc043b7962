"""What a render page reports about its session while it runs, as callbacks its owner gives it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("cobrowse.render")


def _ignore(*_: object) -> None:
    pass


def notice_reason(reported: object) -> str:
    """A notice's reason as the customer's page told it: a short known word, or "partial"."""
    reason = str(reported)[:40]
    return reason if reason.replace("-", "").isalpha() else "partial"


def _log_notice(reason: str) -> None:
    log.info("the agent's view is partial: %s", reason)


@dataclass(frozen=True)
class PageEvents:
    on_resize: Callable[[], None] = _ignore  # The customer's viewport changed (in the Screen).
    on_crash: Callable[[], None] = _ignore
    on_hang: Callable[[], None] = _ignore  # The page stopped answering (its renderer hangs).
    on_notice: Callable[[str], None] = _log_notice  # The view is partial, and why ("large-page").
    on_lag: Callable[[float], None] = _ignore  # A frame's age when it reached the server, in s.
    on_repeat: Callable[[], None] = _ignore  # A frame showed what the last one did: not sent.
    # A rebuilt page's frame was not reported presented (the rebuild was told after a wait).
    on_unreported: Callable[[], None] = _ignore
