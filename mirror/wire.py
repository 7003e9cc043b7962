"""What every socket of the server shares on the wire: the protocol version, the close codes,
the tagged message base, the error message and the masking policy sent to browsers.

Text WebSocket messages are JSON objects tagged by ``type`` with a protocol version ``v``; the
agent's frames are binary messages. ``mirror/web/messages.js`` holds the same numbers.
"""

from __future__ import annotations

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


class Message(msgspec.Struct, tag_field="type", forbid_unknown_fields=True, kw_only=True):
    v: int = PROTOCOL_VERSION


class Viewport(msgspec.Struct, forbid_unknown_fields=True):
    width: int
    height: int


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
