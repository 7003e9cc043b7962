"""The capture scale of one Chromium's render pages: their frames at the full size of the
customer's screen while Chromium keeps up, smaller while it is behind (see :class:`CaptureLoad`).
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from collections.abc import Callable

BEHIND_S = 0.1  # Frames this late (the median): Chromium is behind (as mirror/render/pacing.py).
CAUGHT_UP_S = 0.04  # Frames this early, captured small: it has caught up.
RECENT = 9  # Frames the lag is the median of: quick to follow, deaf to a few late ones.
LATE_PAGES = 3  # Late frames from fewer pages than this are those pages' own (a join's rebuild).
HOLD_S = 3.0  # The shortest stay at the smaller scale (a burst of changes costs no more)...
MAX_HOLD_S = 160.0  # ...doubled, up to this, each time Chromium falls behind again soon after.
SOON_S = 60.0  # "Soon": within this of going back to the full scale.
QUIET_S = 2.0  # No frame of any page for this long: Chromium has nothing left to draw.

Listener = Callable[[], None]


class CaptureLoad:
    """Whether one Chromium keeps up with its render pages' screencasts, from how late their
    frames arrive, and the scale they are captured at.

    Chromium's browser process encodes every frame at the size it is captured, and the server
    decodes and compares it: both cost in proportion to the pixels. Once most of the last few
    frames, of whichever pages, arrive late (more sessions change than the machine can draw,
    encode and send), every page is captured at ``behind_scale`` (the agent's page stretches the
    picture to the customer's screen), so that each session keeps getting frames, less sharp,
    rather than some getting none. Reacting within a few frames matters: every frame taken at
    the full size meanwhile deepens Chromium's queue. The full scale comes back once frames
    arrive early again and ``hold`` has passed, or once no frame has come for QUIET_S
    (:meth:`check`); falling behind again soon after doubles the hold, so that a machine just at
    its limit does not switch scale back and forth.
    """

    def __init__(
        self,
        scale: float = 1.0,
        behind_scale: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.full_scale, self.behind_scale = scale, min(scale, behind_scale)
        self.scale = scale
        self.lag = 0.0  # The median lateness of the last RECENT frames, in seconds.
        self._recent: deque[tuple[float, object]] = deque(maxlen=RECENT)
        self.hold = HOLD_S
        self._clock = clock
        self._changed_at = -SOON_S * 2  # When the scale last changed.
        self._last_frame = self._clock()
        self._listeners: list[Listener] = []

    def on_change(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` when the scale changes; returns what stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def frame(self, lag: float, page: object) -> None:
        """A frame of ``page`` arrived ``lag`` seconds after Chromium took it."""
        self._recent.append((lag, page))
        self.lag = statistics.median(late for late, _ in self._recent)
        now = self._last_frame = self._clock()
        if self.scale == self.full_scale:
            if self.lag > BEHIND_S and self.behind_scale < self.full_scale and self._widely():
                back_soon = now - self._changed_at < SOON_S
                self.hold = min(MAX_HOLD_S, self.hold * 2) if back_soon else HOLD_S
                self._set(self.behind_scale, now)
        elif self.lag < CAUGHT_UP_S and now - self._changed_at >= self.hold:
            self._set(self.full_scale, now)

    def check(self) -> None:
        """Now and then (mirror/render/supervisor.py): the full scale again once no frame has
        come for QUIET_S, hold or not: nothing waits to be drawn. Frames alone cannot tell, as
        pages at rest send none, and their agents would keep the small pictures of the last busy
        moment."""
        now = self._clock()
        if self.scale != self.full_scale and now - self._last_frame >= QUIET_S:
            self._recent.clear()  # The late frames were of that moment, not of the next.
            self.lag = 0.0
            self._set(self.full_scale, now)

    def _widely(self) -> bool:
        """Whether the late frames come from several pages: Chromium is behind for all of them,
        not busy with one page's rebuild."""
        return len({page for late, page in self._recent if late > BEHIND_S}) >= LATE_PAGES

    def _set(self, scale: float, now: float) -> None:
        self.scale, self._changed_at = scale, now
        for listener in list(self._listeners):
            listener()
