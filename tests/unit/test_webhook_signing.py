"""The webhooks' signature: what the server sends, what a receiver checks, and the receiver's
check as docs/integration.md prints it."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from pathlib import Path
from typing import Any

from mirror.webhooks.sender import event_body
from mirror.webhooks.signing import signature, verify

DOCS = Path(__file__).resolve().parents[2] / "docs" / "integration.md"
BODY = b'{"id":"e1","type":"session.ended"}'


def test_the_signature_is_the_hmac_of_the_time_and_the_body() -> None:
    expected = hmac.new(b"k", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signature("k", BODY, 1_700_000_000) == f"t=1700000000,v1={expected}"


def test_a_receiver_refuses_another_body_secret_or_an_old_time() -> None:
    header = signature("k", BODY, 1_700_000_000)
    assert verify("k", header, BODY, now=1_700_000_100)
    assert not verify("k", header, BODY + b" ", now=1_700_000_100)
    assert not verify("other", header, BODY, now=1_700_000_100)
    assert not verify("k", header, BODY, now=1_700_000_400)  # Played again too late.
    assert not verify("k", "v1=abc", BODY, now=1_700_000_100)


def test_the_receivers_check_in_the_guide_works_as_printed() -> None:
    code = re.search(r"```python\n(.*?)```", DOCS.read_text(), re.S)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(code.group(1), namespace)  # noqa: S102 - the guide's own example, run as printed.
    _, body = event_body("session.created", session="u")
    now = int(time.time())
    assert namespace["verified"]("k", signature("k", body, now), body)
    assert not namespace["verified"]("k", signature("k", body, now - 1000), body)


def test_an_event_carries_what_it_is_given_and_no_empty_fields() -> None:
    event_id, body = event_body("session.ended", session="u", reason=None)
    assert b'"reason"' not in body and event_id.encode() in body and b'"at"' in body
