"""The X-Cobrowse-Signature header: ``t=UNIX_SECONDS,v1=HEX`` where HEX is the HMAC-SHA256 of
``"{t}.{body}"`` under the configured secret. The time is signed too, so a receiver that refuses
old times (TOLERANCE_S) cannot be sent a captured request again later."""

from __future__ import annotations

import hashlib
import hmac

TOLERANCE_S = 300  # What receivers are told to accept between the time signed and theirs.


def signature(secret: str, body: bytes, t: int) -> str:
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def verify(
    secret: str, header: str, body: bytes, now: float, tolerance_s: int = TOLERANCE_S
) -> bool:
    """What a receiver does: the header's time is recent and its HMAC the body's."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - t) > tolerance_s:
        return False
    return hmac.compare_digest(signature(secret, body, t), f"t={t},v1={parts.get('v1', '')}")
