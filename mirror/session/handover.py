"""A cluster's sessions changing hands: this server takes over a live session another node held
(it died, or is stopping), or lets another node have one without ending it (mirror/cluster)."""

from __future__ import annotations

import logging

from mirror.render.screen import Screen
from mirror.session.hub import Hub
from mirror.session.live import LiveSession, Seats
from mirror.session.state import Session, SessionState

log = logging.getLogger("cobrowse.session")


async def adopt(hub: Hub, session: Session, screen: Screen, seats: Seats) -> LiveSession:
    """Take over a live session another node held: its sockets will come back (their grace
    timers start now), and an active one gets a render page that the customer's next snapshot
    fills."""
    live = LiveSession(session, screen, agent_token=seats.agent_token)
    live.agent_name = seats.agent_name
    hub.own(live)
    for watcher in seats.watchers:
        live.watchers[watcher.seat] = watcher
        hub.crew.expect(live, watcher, hub.config.session.agent_reconnect_grace_s)
    log.info("session %s: taken over (%s)", session.uuid, session.state.value)
    hub.customer_away(live)
    if session.state is SessionState.ACTIVE:
        hub.agent_away(live)
        live.tasks.start("open", hub.pages.open(live))
        hub.record_track(live, "taken_over")
    return live


async def hand_over(hub: Hub, live: LiveSession, code: int, reason: str) -> None:
    """Let another node have the session, without ending it: its sockets here close with
    ``code`` (they come back through the balancer) and its render page is freed."""
    hub.forget(live)
    await live.track.finish("handed_over")  # The next node records in a recording of its own.
    peers = live.sockets()
    live.customer = live.agent = None
    for watcher in live.watchers.values():
        watcher.peer = None
    await hub.let_go(live, peers, code, reason)
    log.info("session %s: handed over", live.uuid)
