"""Prometheus metrics, one registry per application (so several servers can share a process)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.sessions_created = Counter("cobrowse_sessions_created", "Sessions created", registry=r)
        self.sessions_ended = Counter(
            "cobrowse_sessions_ended", "Sessions ended, by reason", ["reason"], registry=r
        )
        self.live_sessions = Gauge("cobrowse_live_sessions", "Sessions idle or active", registry=r)
        self.frames_sent = Counter("cobrowse_frames_sent", "Frames sent to agents", registry=r)
        self.frame_bytes = Counter("cobrowse_frame_bytes", "Frame bytes sent to agents", registry=r)
        self.frames_scaled = Counter(
            "cobrowse_frames_scaled",
            "Frames sent to agents captured smaller than the customer's screen ([frames])",
            registry=r,
        )
        # Chromium's work wasted: a settle frame or repaint that changed nothing, dropped.
        self.frames_repeated = Counter(
            "cobrowse_frames_repeated",
            "Screencast frames that showed what the last one did, dropped unsent",
            registry=r,
        )
        # Chromium's queue: past 0.1 s the machine carries more sessions than it can capture, and
        # the render pages pace their changes (mirror/render/pacing.py).
        self.frame_lag = Histogram(
            "cobrowse_frame_lag_seconds",
            "Age of the render pages' screencast frames when they reach the server",
            buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=r,
        )
        # Below 1 while Chromium is behind: frames captured smaller (mirror/render/load.py).
        self.capture_scale = Gauge(
            "cobrowse_capture_scale",
            "Size of the frames captured, as a share of the customer's screen's sides",
            registry=r,
        )
        # Self-healing (mirror/render/supervisor.py, mirror/session/pages.py).
        self.browser_restarts = Counter(
            "cobrowse_browser_restarts", "Render browsers replaced after one was lost", registry=r
        )
        self.mirror_rebuilds = Counter(
            "cobrowse_mirror_rebuilds",
            "Render pages built again after one was lost, by how it was lost",
            ["how"],
            registry=r,
        )
        self.mirror_rebuild_seconds = Histogram(
            "cobrowse_mirror_rebuild_seconds",
            "From a render page's loss to the customer's page rebuilt in a new one",
            buckets=(0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0),
            registry=r,
        )
        # The render page says a page is rebuilt once Chromium reports its frame presented
        # (mirror/web/render/presented.js): past a wait without that report, the agent's first
        # frame was late by the wait. A Chromium that stopped reporting shows here.
        self.rebuilds_unreported = Counter(
            "cobrowse_rebuilds_unreported",
            "Customer pages rebuilt whose frame Chromium did not report presented in time",
            registry=r,
        )
        self.history_failures = Counter(
            "cobrowse_history_failures", "History writes that failed (retried)", registry=r
        )
        self.socket_errors = Counter(
            "cobrowse_socket_errors",
            "WebSockets closed for bad input, by reason",
            ["reason"],
            registry=r,
        )
        self.actions_refused = Counter(
            "cobrowse_actions_refused", "Agent actions refused, by reason", ["reason"], registry=r
        )
        self.join_refused = Counter("cobrowse_join_refused", "Join attempts refused", registry=r)
        self.starts_refused = Counter(
            "cobrowse_starts_refused",
            "Sessions or chats refused to a client past its limits ([limits]), by kind",
            ["kind"],
            registry=r,
        )
        self.page_batches_dropped = Counter(
            "cobrowse_page_batches_dropped",
            "Batches of captured events kept from a render page over its budget, by verdict",
            ["verdict"],
            registry=r,
        )
        self.chats_started = Counter("cobrowse_chats_started", "Live chats started", registry=r)
        self.chats_ended = Counter(
            "cobrowse_chats_ended", "Live chats ended, by reason", ["reason"], registry=r
        )
        self.chat_lines = Counter("cobrowse_chat_lines", "Chat messages relayed", registry=r)
        self.chat_refused = Counter(
            "cobrowse_chat_refused", "Chat messages refused, by reason", ["reason"], registry=r
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
