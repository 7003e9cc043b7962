"""The chat hub: live chats wired to the customer's chat panel, the agents' desks and history.

A chat is a primary interaction: ending it ends every co-browse session started from it
(``interaction_ended``), and the co-browse hub tells it when such a session starts or ends so the
agent's desk can offer "Join co-browse". Like :mod:`mirror.session.hub` it knows nothing of aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable

import msgspec

from mirror.chat.directory import ChatDirectory, LocalChatDirectory
from mirror.chat.messages import (
    ChatHello,
    ChatInfo,
    ChatUpdate,
    ChatView,
    Desk,
    NewLine,
    Waiting,
    WaitingChat,
    chat_view,
    line_view,
    waiting_view,
)
from mirror.chat.peers import ChatPeer, DeskConnection, Interactions, TiedSession
from mirror.chat.state import (
    Chat,
    ChatEndReason,
    ChatLine,
    ChatRegistry,
    ChatState,
    Sender,
    scrub_session_ids,
)
from mirror.chat.texts import ENDED, TEXT
from mirror.config import Config
from mirror.errors import ChatError, ChatNotFound
from mirror.history import HistoryStore
from mirror.history.writes import RetriedWrites
from mirror.limits import ClientLimits
from mirror.metrics import Metrics
from mirror.tasks import NamedTasks
from mirror.wire import CLOSE_ENDED, CLOSE_GOING_AWAY, CLOSE_MOVED, Error, Message

log = logging.getLogger("cobrowse.chat")


class ChatHub:
    def __init__(
        self,
        config: Config,
        history: HistoryStore,
        metrics: Metrics,
        sessions: Interactions,
        directory: ChatDirectory | None = None,
    ) -> None:
        self.config, self.history, self.metrics = config, history, metrics
        self.sessions = sessions
        self.directory: ChatDirectory = directory or LocalChatDirectory()
        self.registry = ChatRegistry()
        self._customers: dict[str, ChatPeer] = {}  # by chat uuid
        self._desks: dict[str, DeskConnection] = {}  # by desk token
        self._tasks = NamedTasks()  # grace timers, by chat uuid or desk token
        limits = config.limits
        # Chats each client address may start and hold (it is named by the chat socket).
        self.starts = ClientLimits(limits.live_per_client, limits.starts_per_client_per_hour)
        # The nine digits of every live co-browse session, tied to a chat or not: none of them
        # is ever kept in a transcript, whichever button started the session.
        self._live_ids: set[str] = set()
        self.writes = RetriedWrites(history.record_chat, metrics.history_failures)
        # Told "started", "accepted" or "ended" with the chat (the webhooks).
        self.watchers: list[Callable[[str, Chat], None]] = []

    # -- the customer's chat panel -----------------------------------------------------------

    async def customer_hello(
        self, peer: ChatPeer, hello: ChatHello, origin: str | None, client: str | None = None
    ) -> Chat:
        """Start a chat ("Live chat"), or continue one on a later page of the site. A new chat
        counts against the limits of ``client`` (its address); past them, or at capacity,
        raises ChatError ``busy``."""
        created = not (hello.resume_id and hello.resume_token)
        if hello.resume_id and hello.resume_token:
            chat = self.registry.resume(hello.resume_id, hello.resume_token)
            self._tasks.cancel(chat.uuid)
            old = self._customers.get(chat.uuid)
            if old is not None and old is not peer:
                await old.close(CLOSE_ENDED, "the chat continued on another page")
        else:
            chat = self._create(origin, hello.label, client)
            self.metrics.chats_started.inc()
            await self._record(chat)
            log.info("chat %s: started", chat.uuid)
            self._changed("started", chat)
        self._customers[chat.uuid] = peer
        mode = self.config.chat.send_session_id
        await peer.send_message(
            ChatInfo(chat=chat_view(chat), token=chat.token, send_session_id=mode)
        )
        if created:
            await self._announce_waiting(chat)
        return chat

    def _create(self, origin: str | None, label: str, client: str | None) -> Chat:
        if not self.starts.allows(client):
            self.metrics.starts_refused.labels("chat").inc()
            raise ChatError("busy", "too many chats from this address: try again later")
        chat = self.registry.create(origin, label)
        self.starts.started(client, chat.uuid)
        return chat

    async def customer_say(self, chat: Chat, peer: ChatPeer, text: str) -> None:
        await self._say(chat, "customer", text, peer)

    async def customer_left(self, chat: Chat, peer: ChatPeer) -> None:
        """The panel's socket closed without "End chat": a reload or another page of the site."""
        if self._customers.get(chat.uuid) is not peer or not chat.live:
            return
        del self._customers[chat.uuid]
        grace = self.config.session.customer_reconnect_grace_s
        self._tasks.start(chat.uuid, self._end_after(chat, grace))

    # -- the agents' desks -------------------------------------------------------------------

    async def desk_hello(self, peer: ChatPeer, resume: str | None) -> DeskConnection:
        """A desk opens; a page coming back with its earlier token gets its chats back."""
        token = resume if resume and self._reclaimable(resume) else secrets.token_urlsafe(24)
        self._tasks.cancel(token)
        old = self._desks.get(token)
        desk = self._desks[token] = DeskConnection(token, peer)
        if old is not None:
            await old.peer.close(CLOSE_ENDED, "the desk continued in another page")
        await peer.send_message(Desk(token=token))
        await peer.send_message(self._waiting())
        for chat in self.registry.owned_by(token):
            await peer.send_message(ChatUpdate(chat=self._agent_view(chat)))
        return desk

    async def desk_accept(self, desk: DeskConnection, chat_id: str) -> None:
        try:
            chat = self.registry.get(chat_id)
            chat.accept(desk.token)
        except ChatError as exc:
            await desk.peer.send_message(Error(error=exc.code, detail=exc.detail))
            return
        log.info("chat %s: accepted", chat.uuid)
        await self._record(chat)
        self._changed("accepted", chat)
        await desk.peer.send_message(ChatUpdate(chat=self._agent_view(chat)))
        await self._tell_customer(chat, ChatUpdate(chat=chat_view(chat)))
        await self._system(chat, TEXT["accepted"])
        await self._announce_waiting(chat)

    async def desk_say(self, desk: DeskConnection, chat_id: str, text: str) -> None:
        chat = await self._owned(desk, chat_id)
        if chat is not None:
            await self._say(chat, "agent", text, desk.peer)

    async def desk_end(self, desk: DeskConnection, chat_id: str) -> None:
        chat = await self._owned(desk, chat_id)
        if chat is not None:
            await self.end(chat, ChatEndReason.AGENT_ENDED)

    async def desk_left(self, desk: DeskConnection) -> None:
        """The desk's page closed: its chats wait for it for the agent's grace period."""
        if self._desks.get(desk.token) is not desk:
            return
        del self._desks[desk.token]
        if self.registry.owned_by(desk.token):
            grace = self.config.session.agent_reconnect_grace_s
            self._tasks.start(desk.token, self._release_after(desk.token, grace))

    # -- both, and the co-browse side --------------------------------------------------------

    async def end(self, chat: Chat, reason: ChatEndReason) -> list[str]:
        """End the chat for both sides, record why, and end its co-browse sessions (their
        UUIDs are returned)."""
        was_waiting = chat.desk is None
        if not chat.live:
            return []
        await self._system(chat, ENDED[reason])
        chat.end(reason)
        self.registry.discard(chat)
        self.starts.ended(chat.uuid)
        self._tasks.cancel(chat.uuid)
        self.metrics.chats_ended.labels(reason.value).inc()
        log.info("chat %s: ended (%s)", chat.uuid, reason.value)
        await self._record(chat)
        self._changed("ended", chat)
        await self._tell_both(chat, ChatUpdate(chat=chat_view(chat)))
        customer = self._customers.pop(chat.uuid, None)
        if customer is not None:
            await customer.close(CLOSE_ENDED, f"chat ended: {reason.value}")
        if was_waiting:
            await self._announce_waiting(chat)
        return await self.sessions.end_interaction(chat.interaction_id)

    def tie(self, chat_id: str, token: str) -> str:
        """A co-browse session is starting from the customer's chat: its interaction ID.
        Raises :class:`ChatNotFound` unless the page owns that live chat."""
        return self.registry.resume(chat_id, token).interaction_id

    async def session_created(self, session: TiedSession) -> None:
        """A co-browse session started; one tied to a live chat is offered on its desk."""
        self._live_ids.add(session.access_id)
        chat = self._live(session.interaction_id) if session.interaction_id else None
        if chat is None:
            return
        chat.cobrowse_id = session.access_id
        auto = self.config.chat.send_session_id == "auto"
        await self._system(chat, TEXT["cobrowse_auto" if auto else "cobrowse_manual"])
        await self._update_desk(chat)

    async def session_started(self, session: TiedSession) -> None:
        pass  # The desk already offered it when it was created.

    async def session_ended(self, session: TiedSession) -> None:
        self._live_ids.discard(session.access_id)
        chat = self._live(session.interaction_id) if session.interaction_id else None
        if chat is None or chat.cobrowse_id != session.access_id:
            return
        chat.cobrowse_id = None
        await self._system(chat, TEXT["cobrowse_ended"])
        await self._update_desk(chat)

    async def end_interaction(self, interaction_id: str) -> list[str] | None:
        """``POST /api/interactions/{id}/end`` for a chat: the UUIDs of the co-browse sessions
        that ended with it, or None if no live chat has that ID."""
        chat = self._live(interaction_id)
        if chat is None:
            return None
        return await self.end(chat, ChatEndReason.INTERACTION_ENDED)

    def adopt(self, chats: list[Chat], live_ids: set[str]) -> None:
        """Carry on the chats another node held (it died, or stopped): their customers' panels
        and their agents' desks come back within their grace periods, or the chats end (or
        wait for another agent) as if their sockets had closed here."""
        self._live_ids |= live_ids
        desks: set[str] = set()
        for chat in chats:
            if self._live(chat.uuid) is not None:
                continue
            self.registry.add(chat)
            log.info("chat %s: taken over", chat.uuid)
            grace = self.config.session.customer_reconnect_grace_s
            self._tasks.start(chat.uuid, self._end_after(chat, grace))
            if chat.desk is not None:
                desks.add(chat.desk)
        for token in desks - self._desks.keys():
            grace = self.config.session.agent_reconnect_grace_s
            self._tasks.start(token, self._release_after(token, grace))

    async def hand_over(self) -> None:
        """Another node carries the chats on from Redis (this one stops, or lost the hold):
        nothing ends here, the chats are forgotten, and the sockets held here close so that
        their pages come back through the node that holds them."""
        self._tasks.cancel_all()
        for chat in self.registry.live():
            self.registry.discard(chat)
        await self._close_sockets(CLOSE_MOVED, "the chat moved to another server")

    async def shutdown(self) -> None:
        for chat in self.registry.live():
            await self.end(chat, ChatEndReason.SERVER_SHUTDOWN)
        self._tasks.cancel_all()
        # Open desks would hold the server's stop for its whole grace; their pages reconnect.
        await self._close_sockets(CLOSE_GOING_AWAY, "the server is stopping")
        await self.writes.close()

    async def _close_sockets(self, code: int, reason: str) -> None:
        """Close and forget every customer's chat socket and agent's desk held here."""
        peers = list(self._customers.values()) + [desk.peer for desk in self._desks.values()]
        self._customers.clear()
        self._desks.clear()
        for peer in peers:
            await peer.close(code, reason)

    # -- internals ---------------------------------------------------------------------------

    async def _say(self, chat: Chat, sender: Sender, text: str, peer: ChatPeer) -> None:
        try:
            line = chat.post(sender, text)
        except ChatError as exc:  # Refused with a reason; the socket and the chat go on.
            self.metrics.chat_refused.labels(exc.code).inc()
            await peer.send_message(Error(error=exc.code, detail=exc.detail))
            return
        self.metrics.chat_lines.inc()
        await self._line(chat, line)
        if chat.state is ChatState.WAITING and line is chat.first_words:
            await self._announce_waiting(chat)  # The desks list a waiting chat by its first words.

    async def _system(self, chat: Chat, text: str) -> None:
        if chat.live:  # A timer may come to a chat another one has just ended.
            await self._line(chat, chat.post("system", text))

    async def _line(self, chat: Chat, line: ChatLine) -> None:
        await self.directory.saved(chat)
        await self._tell_both(chat, NewLine(chat=chat.uuid, line=line_view(line)))
        kept = scrub_session_ids(line.text, self._live_ids)
        self.sessions.chat_line(chat.uuid, line.sender, kept)  # Into their recordings.
        try:
            await self.history.add_chat_line(chat.uuid, line, kept)
        except Exception:
            log.exception("chat %s: history write failed", chat.uuid)

    async def _tell_both(self, chat: Chat, message: Message) -> None:
        for peer in (self._customers.get(chat.uuid), self._desk_peer(chat)):
            if peer is not None:
                await peer.send_message(message)

    async def _tell_customer(self, chat: Chat, message: Message) -> None:
        peer = self._customers.get(chat.uuid)
        if peer is not None:
            await peer.send_message(message)

    async def _update_desk(self, chat: Chat) -> None:
        peer = self._desk_peer(chat)
        if peer is not None:
            await peer.send_message(ChatUpdate(chat=self._agent_view(chat)))

    def _agent_view(self, chat: Chat) -> ChatView:
        """In "auto" mode the agent's view of a chat carries the co-browse ID to join."""
        return chat_view(chat, offer=self.config.chat.send_session_id == "auto")

    def _desk_peer(self, chat: Chat) -> ChatPeer | None:
        desk = self._desks.get(chat.desk) if chat.desk else None
        return desk.peer if desk else None

    async def _owned(self, desk: DeskConnection, chat_id: str) -> Chat | None:
        chat = self._live(chat_id)
        if chat is None or chat.desk != desk.token:
            detail = "that chat has ended or is not yours"
            await desk.peer.send_message(Error(error="unknown_chat", detail=detail))
            return None
        return chat

    def _live(self, chat_id: str) -> Chat | None:
        with contextlib.suppress(ChatNotFound):
            return self.registry.get(chat_id)
        return None

    def _reclaimable(self, token: str) -> bool:
        return token in self._desks or bool(self.registry.owned_by(token))

    def _waiting(self) -> Waiting:
        """The whole list, for a desk that opens."""
        return Waiting(chats=[self._waiting_view(chat) for chat in self.registry.waiting()])

    def _waiting_view(self, chat: Chat) -> WaitingChat:
        """As every desk lists it: its first words go to every agent, so no live ID in them."""
        view = waiting_view(chat)
        return msgspec.structs.replace(
            view, preview=scrub_session_ids(view.preview, self._live_ids)
        )

    async def _announce_waiting(self, chat: Chat) -> None:
        """Tell every desk of ``chat``'s change on the list: listed (new, or its first words
        came) or gone (accepted or ended). Only the change: the whole list to every desk on every
        change would cost each line of a waiting chat as much as all the waiting chats."""
        if chat.state is ChatState.WAITING:
            change = Waiting(chats=[self._waiting_view(chat)])
        else:
            change = Waiting(chats=[], gone=[chat.uuid])
        for desk in list(self._desks.values()):
            await desk.peer.send_message(change)

    async def _release_after(self, token: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self._tasks.cancel(token)
        for chat in self.registry.owned_by(token):
            if not chat.live:  # Ended while an earlier chat's release was being told.
                continue
            chat.release()
            await self._record(chat)
            await self._tell_customer(chat, ChatUpdate(chat=chat_view(chat)))
            await self._system(chat, TEXT["released"])
            await self._announce_waiting(chat)

    async def _end_after(self, chat: Chat, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self._tasks.cancel(chat.uuid)
        await self.end(chat, ChatEndReason.CUSTOMER_LEFT)

    def _changed(self, kind: str, chat: Chat) -> None:
        for watcher in self.watchers:
            watcher(kind, chat)

    async def _record(self, chat: Chat) -> None:
        if chat.live:
            await self.directory.saved(chat)
        else:
            await self.directory.released(chat)
        await self.writes.write(chat)
