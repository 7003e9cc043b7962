"""Pacing a render page's batches to its frames (mirror/render/pacing.py), without a browser:
frames are reported by hand, with the times Chromium would stamp them with."""

from __future__ import annotations

import asyncio

import pytest

from mirror.render.pacing import BEHIND_S, Pacer
from tests.aio import in_thread

T = 1_000_000.0  # Some wall-clock second.


def behind() -> Pacer:
    pacer = Pacer(hold_s=60)
    pacer.frame(taken=T - 0.5, now=T)  # Half a second old on arrival.
    assert pacer.behind
    return pacer


@in_thread
async def test_with_chromium_keeping_up_a_batch_does_not_wait() -> None:
    pacer = Pacer(hold_s=60)
    pacer.frame(taken=T - BEHIND_S / 2, now=T)
    assert not pacer.behind
    await asyncio.wait_for(pacer.shown(T), 5)  # Would wait 60 s if it waited at all.


@in_thread
async def test_behind_a_batch_waits_for_a_frame_taken_after_it_was_sent() -> None:
    pacer = behind()
    shown = pacer.want(T + 1)
    pacer.frame(taken=T + 0.9, now=T + 1.5)  # Taken before the batch: it cannot show it.
    assert not shown.done()
    pacer.frame(taken=T + 1.1, now=T + 1.6)
    assert shown.done()


@in_thread
async def test_a_batch_that_brings_no_frame_waits_no_longer_than_the_hold() -> None:
    pacer = behind()
    pacer.hold_s = 0.05
    await asyncio.wait_for(pacer.shown(T + 1), 5)


@in_thread
async def test_a_frame_without_a_timestamp_releases_the_wait() -> None:
    pacer = behind()
    shown = pacer.want(T + 1)
    pacer.frame(taken=None, now=T + 2)
    assert shown.done()
    assert pacer.behind  # The lag stands until a frame says when it was taken.


def test_the_settle_delay_stretches_with_the_lag_only_when_behind() -> None:
    pacer = Pacer()
    pacer.frame(taken=T - 0.02, now=T)
    assert pacer.settle_delay(0.25) == 0.25
    pacer.frame(taken=T - 0.8, now=T)
    assert pacer.settle_delay(0.25) == pytest.approx(1.6)
