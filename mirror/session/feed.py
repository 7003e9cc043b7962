"""The customer's captured events on their way to the render page: each batch within the
session's page budget (budget.py) is played, and read once for the pointer and the page the
customer is on (for the agent's status strip and the recording); a batch over the budget is
dropped, and the session asks for a fresh snapshot or ends."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import msgspec

from mirror.config import LimitsConfig
from mirror.metrics import Metrics
from mirror.recording.customer import Page, customer_marks
from mirror.session.budget import Feed, PageBudget
from mirror.session.live import LiveSession, tell
from mirror.session.messages import PageShown, Snapshot
from mirror.session.pages import RenderPages
from mirror.session.state import EndReason

log = logging.getLogger("cobrowse.session")
Ender = Callable[[LiveSession, EndReason], Awaitable[None]]


class PageFeed:
    def __init__(
        self, limits: LimitsConfig, metrics: Metrics, pages: RenderPages, end: Ender
    ) -> None:
        self.limits, self.metrics, self.pages, self.end = limits, metrics, pages, end

    async def events(self, live: LiveSession, events: list[msgspec.Raw]) -> None:
        if live.page is None or not events:
            return  # Nothing is captured before the agent joins; stray batches are dropped.
        live.touch()
        batch = [bytes(event) for event in events]
        if live.budget is None:
            live.budget = PageBudget(self.limits.page_bytes_per_s, self.limits.page_nodes)
        budget = live.budget
        feed = budget.admit(batch)
        if feed is Feed.PASS:
            await live.page.add_events(batch)
            marks = list(customer_marks(batch))
            live.track.customer_marks(marks)
            await self._page_shown(live, [mark for mark in marks if isinstance(mark, Page)])
        else:
            await self._over_budget(live, feed, budget)

    async def _page_shown(self, live: LiveSession, pages: list[Page]) -> None:
        """The customer opened another page: the views' status strips name it."""
        shown = PageShown(path=pages[-1].path, title=pages[-1].title) if pages else None
        if shown is not None and shown != live.shown:
            live.shown = shown
            await tell(live.viewers(), shown)

    async def _over_budget(self, live: LiveSession, feed: Feed, budget: PageBudget) -> None:
        """A batch went over the session's page budget and was dropped: end the session, or
        ask the customer's page for a fresh snapshot."""
        self.metrics.page_batches_dropped.labels(feed.value).inc()
        if feed is Feed.TOO_LARGE:
            log.info("session %s: the page is larger than a render page may hold", live.uuid)
            await self.end(live, EndReason.PAGE_TOO_LARGE)
        elif feed is Feed.RESYNC:
            live.tasks.start("resync", self._ask_snapshot(live, 0.0))
        elif feed is Feed.OVER_RATE:  # The agent is told, and it is logged.
            self.pages.notice(live, "large-page")
            live.tasks.start("resync", self._ask_snapshot(live, budget.refill_s()))

    async def _ask_snapshot(self, live: LiveSession, after_s: float) -> None:
        await asyncio.sleep(after_s)
        if live.customer is not None:  # Otherwise its next page sends one (customer_hello).
            await live.customer.send_message(Snapshot())
