"""What every socket of the server shares on the wire: the protocol version, the close codes,
the tagged message base, the error message and the masking policy sent to browsers.

Text WebSocket messages are JSON objects tagged by ``type`` with a protocol version ``v``; the
agent's frames are binary messages. ``mirror/web/messages.js`` holds the same numbers.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from mirror.config import CaptureConfig, MaskingConfig

PROTOCOL_VERSION = 1

# Close codes (4000-4999 are for applications, RFC 6455 section 7.4.2).
CLOSE_ENDED = 4000
CLOSE_MALFORMED = 4400
CLOSE_FORBIDDEN = 4403
CLOSE_UNKNOWN_SESSION = 4404
CLOSE_TOO_LARGE = 4413
CLOSE_VERSION = 4426  # A page speaking another protocol version (a stale cached script).
CLOSE_BUSY = 4503
# The session went on in another page or tab of the customer's: this one waits, and takes it
# back when the customer looks at it again.
CLOSE_ELSEWHERE = 4409
# The session moved to another node of the cluster: the page comes back through the balancer.
CLOSE_MOVED = 4302
CLOSE_GOING_AWAY = 1001  # The server is stopping: the page may come back when it is up again.


class Message(msgspec.Struct, tag_field="type", forbid_unknown_fields=True, kw_only=True):
    v: int = PROTOCOL_VERSION


# The largest viewport a render page shows, in CSS pixels: each side up to 8192 and at most
# 4096 x 4096 in all (a page's pixels cost memory in Chromium and in every frame), which every
# common screen fits at its usual scaling: 4K and 5K at 100 %, the widest ultra-wide monitors.
MAX_VIEWPORT_SIDE = 8192
MAX_VIEWPORT_AREA = 4096 * 4096
ViewportSide = Annotated[int, msgspec.Meta(ge=1, le=MAX_VIEWPORT_SIDE)]


class Viewport(msgspec.Struct, forbid_unknown_fields=True):
    """A viewport in CSS pixels; one beyond the bounds above does not decode (a hello with one
    is refused as malformed) and cannot be made (:meth:`clamped` fits a size into them)."""

    width: ViewportSide
    height: ViewportSide

    def __post_init__(self) -> None:
        if not (1 <= self.width <= MAX_VIEWPORT_SIDE and 1 <= self.height <= MAX_VIEWPORT_SIDE):
            raise ValueError(f"a viewport's sides are 1 to {MAX_VIEWPORT_SIDE} pixels")
        if self.width * self.height > MAX_VIEWPORT_AREA:
            raise ValueError(f"a viewport is at most {MAX_VIEWPORT_AREA} pixels in all")

    @classmethod
    def clamped(cls, width: object, height: object) -> Viewport:
        """The size fitted into the bounds: each side clamped, then both scaled down alike
        until the area fits. What the customer's page reports may be any JSON value."""
        w, h = _side(width), _side(height)
        if w * h > MAX_VIEWPORT_AREA:
            scale = (MAX_VIEWPORT_AREA / (w * h)) ** 0.5
            w, h = max(1, int(w * scale)), max(1, int(h * scale))
            while w * h > MAX_VIEWPORT_AREA:  # Rounding.
                w, h = (w - 1, h) if w >= h else (w, h - 1)
        return cls(w, h)


def _side(value: object) -> int:
    """One side clamped to 1..MAX_VIEWPORT_SIDE; anything but a number is 1."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 1:
        return 1  # Not a number, NaN or too small.
    return int(min(value, MAX_VIEWPORT_SIDE))


class Policy(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What the agent may see and do: the ``[masking]`` configuration, for the customer's page."""

    hidden: list[str]
    readonly: list[str]
    blocked: list[str]
    agent_can_submit: bool


class CaptureBudget(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``[capture]`` budgets, for the customer's page (mirror/config.py explains each)."""

    canvas_fps: float
    canvas_quality: float
    canvas_bytes_per_s: int
    max_nodes: int
    iframe_load_timeout_s: float


class Error(Message, tag="error"):
    error: str
    detail: str = ""


_encoder = msgspec.json.Encoder()


def encode(message: msgspec.Struct) -> str:
    return _encoder.encode(message).decode()


def policy_for(masking: MaskingConfig) -> Policy:
    """The ``[masking]`` configuration as the browsers receive it."""
    return Policy(
        hidden=masking.hidden,
        readonly=masking.readonly,
        blocked=masking.blocked,
        agent_can_submit=masking.agent_can_submit,
    )


def budget_for(capture: CaptureConfig) -> CaptureBudget:
    """The ``[capture]`` budgets as the customer's page receives them."""
    return CaptureBudget(
        canvas_fps=capture.canvas_fps,
        canvas_quality=capture.canvas_quality,
        canvas_bytes_per_s=capture.canvas_bytes_per_s,
        max_nodes=capture.max_nodes,
        iframe_load_timeout_s=capture.iframe_load_timeout_s,
    )
