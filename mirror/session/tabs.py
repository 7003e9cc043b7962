"""The customer's tabs: one session across the tabs and pages of the site in one browser. The tab
the customer looks at holds the session (it resumes it, and the page it took it from waits);
the agent is told when the customer switches tabs, and while the customer is on a page that is
not shared (another tab or window in front)."""

from __future__ import annotations

import logging

from mirror.session.live import LiveSession, Peer, tell
from mirror.session.messages import Away, Notice
from mirror.wire import CLOSE_ELSEWHERE

log = logging.getLogger("cobrowse.session")


async def resumed(live: LiveSession, peer: Peer, tab: str | None) -> None:
    """A page of the customer's resumed the session: the next page of a tab, or another tab the
    customer looks at. The page it comes from waits (it takes the session back when looked at)."""
    old, live.customer = live.customer, peer
    if old is not None and old is not peer:
        await old.close(CLOSE_ELSEWHERE, "the session went on in another tab or page")
    switched = tab is not None and live.customer_tab not in (None, tab)
    live.customer_tab = tab or live.customer_tab
    if switched:
        log.info("session %s: the customer switched tabs", live.uuid)
        live.track.event("tab_switched")
        await tell(live.viewers(), Notice(reason="tab-switched"))
    await looking(live, True)


async def looking(live: LiveSession, on: bool) -> None:
    """The customer can see the page's tab (``on``), or another tab or window is in front."""
    if live.customer_away is not on:
        return
    live.customer_away = not on
    live.track.event("customer_away" if live.customer_away else "customer_back")
    await tell(live.viewers(), Away(away=live.customer_away))
