"""Whether a new co-browse session may start, and its identifier: the limits of the client's
address, the server's capacity, and nine digits unique here and, in a cluster, everywhere
(mirror/session/hub.py creates the session with them)."""

from __future__ import annotations

from mirror.config import Config
from mirror.errors import SessionError
from mirror.limits import ClientLimits
from mirror.metrics import Metrics
from mirror.render.screen import Screen
from mirror.session.directory import Directory
from mirror.session.live import LiveSession
from mirror.session.state import SessionRegistry

BUSY = "busy: co-browse is busy right now, please try again in a few minutes"
RESERVE_TRIES = 5  # Identifiers drawn before giving up: a clash is one in 100,000 each.


class SessionStarts:
    def __init__(
        self, config: Config, metrics: Metrics, registry: SessionRegistry, directory: Directory
    ) -> None:
        self.metrics, self.registry, self.directory = metrics, registry, directory
        self.capacity = config.cluster.capacity()
        limits = config.limits
        # Sessions each client address may start and hold (it is named by the customer's socket).
        self.clients = ClientLimits(limits.live_per_client, limits.starts_per_client_per_hour)

    async def start(
        self, origin: str | None, interaction_id: str | None, screen: Screen, client: str | None
    ) -> LiveSession:
        """A new session for ``client``; past its limits, or at capacity, raises SessionError."""
        if not self.clients.allows(client):
            self.metrics.starts_refused.labels("session").inc()
            raise SessionError("busy: too many co-browse sessions from this address, try later")
        if len(self.registry) >= self.capacity:
            self.metrics.starts_refused.labels("capacity").inc()
            raise SessionError(BUSY)
        live = await self._reserve(origin, interaction_id, screen)
        self.clients.started(client, live.uuid)
        self.metrics.sessions_created.inc()
        return live

    def ended(self, session_uuid: str) -> None:
        """The session ended or left this server: its client may start another."""
        self.clients.ended(session_uuid)

    async def _reserve(
        self, origin: str | None, interaction_id: str | None, screen: Screen
    ) -> LiveSession:
        for _ in range(RESERVE_TRIES):
            session = self.registry.create(origin=origin, interaction_id=interaction_id)
            live = LiveSession(session, screen)
            try:
                reserved = await self.directory.reserve(live)
            except Exception:  # The directory is unreachable: nothing is left reserved here.
                self.registry.discard(session)
                raise
            if reserved:
                return live
            self.registry.discard(session)
        raise SessionError(BUSY)
