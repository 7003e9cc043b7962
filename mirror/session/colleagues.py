"""Colleagues the agent invites to watch a session: a supervisor or a second agent, view only,
and the hand-over that gives one of them write mode. There is one agent in write mode at any
time (the contract's one agent per session); watchers see the frames and the status, and the
customer is told their names.

An invitation is a one-time join token (:mod:`mirror.session.jointokens`) that stands for a
watcher's seat: the colleague's page joins with it and comes back with the seat's own rejoin
token, as the agent's page does, on any node of a cluster."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable

from mirror.config import Config
from mirror.session.directory import Directory
from mirror.session.jointokens import INVITE_S, Grant, JoinTokens
from mirror.session.live import LiveSession, Peer, Watcher, tell
from mirror.session.messages import (
    Colleague,
    Colleagues,
    Company,
    Exit,
    Invited,
    Notice,
    Status,
)
from mirror.session.pages import RenderPages
from mirror.wire import CLOSE_ENDED
from replay.messages import Refused

log = logging.getLogger("cobrowse.session")
MAX_WATCHERS = 3  # Each watcher's frames are encoded for it: a few, not an audience.


class Crew:
    """Invitations, watchers and hand-overs of the hub's sessions."""

    def __init__(
        self,
        config: Config,
        tokens: JoinTokens,
        directory: Directory,
        pages: RenderPages,
        agent_away: Callable[[LiveSession], None],
    ) -> None:
        self._config, self._tokens = config, tokens
        self._directory, self._pages = directory, pages
        self._agent_away = agent_away  # Starts the wait for the agent's page (the hub's).

    async def invite(self, live: LiveSession, name: str) -> None:
        """The agent invites a colleague named ``name``: it gets the invitation's token."""
        agent = live.agent
        if agent is None:
            return
        if len(live.watchers) >= MAX_WATCHERS:
            await agent.send_message(Notice(reason="watchers-full"))
            return
        watcher = Watcher(name.strip() or "A colleague")
        live.watchers[watcher.seat] = watcher
        await self._directory.saved(live)  # Before any node can redeem the invitation.
        token = await self._tokens.issue(Grant(live.session.access_id, watcher.token), INVITE_S)
        self.expect(live, watcher, INVITE_S)
        log.info("session %s: a colleague invited", live.uuid)
        await agent.send_message(Invited(name=watcher.name, token=token, expires_in=INVITE_S))
        await self.tell(live)

    def expect(self, live: LiveSession, watcher: Watcher, seconds: float) -> None:
        """Keep the seat ``seconds`` for the watcher's page to come (an invitation) or back."""
        live.tasks.start(f"invite:{watcher.seat}", self._expire(live, watcher, seconds))

    async def _expire(self, live: LiveSession, watcher: Watcher, seconds: float) -> None:
        await asyncio.sleep(seconds)
        if watcher.peer is None:
            await self.leave(live, watcher)

    def seat_of(self, live: LiveSession, token: str) -> Watcher | None:
        given = token.encode()
        return next(
            (w for w in live.watchers.values() if secrets.compare_digest(w.token.encode(), given)),
            None,
        )

    async def attach(self, live: LiveSession, watcher: Watcher, peer: Peer) -> None:
        """A watcher's page joined with its invitation, or came back with its token."""
        old, watcher.peer = watcher.peer, peer
        live.tasks.cancel(f"invite:{watcher.seat}")
        if old is not None:
            await old.close(CLOSE_ENDED, "the session continued in another page")
        first, watcher.joined, watcher.seen = not watcher.joined, True, True
        await peer.send_message(Status(state=live.session.state.value))
        await peer.send_message(live.joined(watcher.token, "watcher"))
        await self._pages.show(live, peer)
        live.tasks.start(f"frames:{watcher.seat}", self._pages.pump_frames(live, peer, False))
        if live.page is not None:
            await live.page.watch(live.in_sight())
        if first:
            await self._directory.saved(live)  # A node that takes over knows it joined.
            log.info("session %s: a colleague is watching", live.uuid)
            live.track.event("watcher_joined", name=watcher.name)
        else:
            log.info("session %s: a colleague's page returned", live.uuid)
        await self.tell(live)

    async def left(self, live: LiveSession, watcher: Watcher) -> None:
        """A watcher's socket closed without Exit: its seat waits for it as the agent's does."""
        watcher.peer = None
        live.tasks.cancel(f"frames:{watcher.seat}")
        if live.page is not None:
            await live.page.watch(live.in_sight())
        self.expect(live, watcher, self._config.session.agent_reconnect_grace_s)
        await self.tell(live)

    async def says(self, live: LiveSession, watcher: Watcher, message: object) -> None:
        """What a watcher's page sends besides pings and sight: Exit leaves, the rest is
        refused (view only)."""
        if isinstance(message, Exit):
            await self.leave(live, watcher)
        elif watcher.peer is not None:
            await watcher.peer.send_message(Refused(reason="view_only"))

    async def leave(self, live: LiveSession, watcher: Watcher) -> None:
        """The watcher's seat goes: it left, its invitation expired, or its page did not return."""
        if live.watchers.pop(watcher.seat, None) is None:
            return
        live.tasks.cancel(f"frames:{watcher.seat}")
        live.tasks.cancel(f"invite:{watcher.seat}")
        peer, watcher.peer = watcher.peer, None
        if peer is not None:
            await tell([peer], Status(state="ended", reason="watcher_left"))
            await peer.close(CLOSE_ENDED, "stopped watching")
        if watcher.joined:
            live.track.event("watcher_left", name=watcher.name)
        if live.page is not None:
            await live.page.watch(live.in_sight())
        await self._directory.saved(live)
        await self.tell(live)

    async def hand_to(self, live: LiveSession, seat: str) -> None:
        """The agent hands the session to the watcher in ``seat``: the watcher becomes the agent
        (write mode, and the agent's rejoin token is now its own) and the agent's view ends. A
        watcher whose page is away a moment (a network break) is the agent when it is back."""
        watcher, old = live.watchers.get(seat), live.agent
        if old is None:
            return
        if watcher is None or not watcher.joined:
            await old.send_message(Notice(reason="colleague-away"))
            return
        del live.watchers[seat]
        for task in (f"frames:{seat}", f"invite:{seat}", "frames"):
            live.tasks.cancel(task)
        live.agent, live.agent_token, live.agent_name = watcher.peer, watcher.token, watcher.name
        live.agent_seen = watcher.seen
        await self._directory.saved(live)
        log.info("session %s: handed over to a colleague", live.uuid)
        live.track.event("handed_over", name=watcher.name)
        await tell([old], Status(state="ended", reason="handed_over"))
        await old.close(CLOSE_ENDED, "handed over to a colleague")
        if watcher.peer is None:
            self._agent_away(live)
        else:
            await watcher.peer.send_message(live.joined(watcher.token, "agent"))
            live.tasks.start("frames", self._pages.pump_frames(live, watcher.peer, True))
        await self.tell(live)

    async def tell(self, live: LiveSession, customer_anew: bool = False) -> None:
        """The customer learns who is watching, when that changed or its page is new; the
        agent, how its invitations stand."""
        watching = [w.name for w in live.watchers.values() if w.joined]
        company = Company(watchers=watching, agent=live.agent_name)
        told = live.company or Company(watchers=[])  # Nobody watching, at first.
        if live.customer is not None and (customer_anew or company != told):
            live.company = company
            await tell([live.customer], company)
        if live.agent is not None:
            seats = [Colleague(w.seat, w.name, w.peer is not None) for w in live.watchers.values()]
            await tell([live.agent], Colleagues(watchers=seats))
