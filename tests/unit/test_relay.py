"""A cluster node's relay of a page's socket (mirror/cluster/peers.py Relay): when the session is
found ended without its owner's word, the socket is closed after what the owner did say."""

from __future__ import annotations

import asyncio
from typing import cast

from mirror.cluster.bus import Bus, Envelope
from mirror.cluster.peers import Relay, learn_joined
from mirror.wire import CLOSE_ENDED
from tests.aio import in_thread

PEER = "node-2/1"
ENDED = b'{"type":"status","state":"ended","reason":"inactivity"}'


class RecordedSocket:
    """A page's socket that keeps what it was told, in order."""

    def __init__(self) -> None:
        self.said: list[tuple[str, object]] = []
        self.closed = asyncio.Event()

    async def send_text(self, text: str) -> None:
        self.said.append(("text", text))

    async def send_frame(self, frame: bytes) -> None:
        self.said.append(("frame", frame))

    async def send_message(self, message: object) -> None:
        self.said.append(("message", message))

    async def close(self, code: int, reason: str) -> None:
        self.said.append(("close", code))
        self.closed.set()


def relay_of(socket: RecordedSocket) -> Relay:
    first = Envelope("open", role="agent", peer=PEER)
    # The bus carries what the page says to the owner: nothing is said here.
    bus = cast(Bus, None)
    return Relay(bus, socket, first, "node-1", learn_joined, lambda _: None, lambda _: None)


@in_thread
async def test_the_owners_last_words_go_before_the_close() -> None:
    socket = RecordedSocket()
    relay = relay_of(socket)
    relay.deliver(Envelope("text", peer=PEER, data=ENDED))
    relay.ended()  # The session's record was found gone before the owner's words were passed on.
    await asyncio.wait_for(socket.closed.wait(), 5)
    assert socket.said == [("text", ENDED.decode()), ("close", CLOSE_ENDED)]


@in_thread
async def test_a_socket_the_owner_closed_is_not_closed_again() -> None:
    socket = RecordedSocket()
    relay = relay_of(socket)
    relay.deliver(Envelope("close", peer=PEER, code=4001, data=b"moved on"))
    relay.ended()
    await asyncio.wait_for(socket.closed.wait(), 5)  # Both jobs run by then: neither waits.
    assert socket.said == [("close", 4001)]
