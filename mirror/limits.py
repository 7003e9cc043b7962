"""Per-client limits: how many co-browse sessions (or chats) one client may start within a window
and hold live at once, so one address cannot take the whole server's capacity. Pure logic with an
injectable clock; the hubs count each start and end, the sockets name the client.
"""

from __future__ import annotations

import ipaddress
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


def client_key(address: str | None) -> str:
    """The client an address belongs to: the IPv4 address itself (also when written as an
    IPv4-mapped IPv6 address), the /64 of an IPv6 address (a home or an office gets a /64 or more,
    so single IPv6 addresses would let one client pose as billions), or the text as given."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]  # Not an IP (a Unix socket): one client.
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


def is_loopback(address: str | None) -> bool:
    """Whether ``address`` is this host itself: the server's own tests and tools, or a reverse
    proxy on this host that is not listed in ``trusted_proxies`` (then every client would share
    its address, and per-client limits would turn every customer away together)."""
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


@dataclass
class _Client:
    starts: deque[float] = field(default_factory=deque)
    live: int = 0


@dataclass
class ClientLimits:
    """Starts and live things (sessions, or chats) per client; loopback is not limited."""

    max_live: int
    max_starts: int  # ...within window_s.
    window_s: float = 3600.0
    clock: Callable[[], float] = time.monotonic
    _clients: dict[str, _Client] = field(default_factory=dict)
    _holders: dict[str, str] = field(default_factory=dict)  # What was started -> its client.
    _swept_at: float = float("-inf")

    def allows(self, address: str | None) -> bool:
        """Whether the client at ``address`` may start one more now."""
        if is_loopback(address):
            return True
        now = self.clock()
        self._sweep(now)
        record = self._clients.get(client_key(address))
        if record is None:
            return True
        _expire(record.starts, now - self.window_s)
        return record.live < self.max_live and len(record.starts) < self.max_starts

    def started(self, address: str | None, holder: str) -> None:
        """The client at ``address`` started ``holder`` (a session's or chat's UUID)."""
        if is_loopback(address):
            return
        key = client_key(address)
        record = self._clients.setdefault(key, _Client())
        record.starts.append(self.clock())
        record.live += 1
        self._holders[holder] = key

    def ended(self, holder: str) -> None:
        """``holder`` ended: its client holds one fewer."""
        key = self._holders.pop(holder, None)
        record = self._clients.get(key) if key is not None else None
        if record is not None:
            record.live -= 1

    def live(self, address: str | None) -> int:
        record = self._clients.get(client_key(address))
        return record.live if record is not None else 0

    def __len__(self) -> int:
        """Clients remembered (live things, or starts within the window)."""
        return len(self._clients)

    def _sweep(self, now: float) -> None:
        """Forget clients with nothing live and no start within the window, once a window, so
        the table holds only clients seen lately."""
        if now - self._swept_at < self.window_s:
            return
        self._swept_at = now
        for key, record in list(self._clients.items()):
            _expire(record.starts, now - self.window_s)
            if not record.live and not record.starts:
                del self._clients[key]


def _expire(times: deque[float], before: float) -> None:
    while times and times[0] <= before:
        times.popleft()
