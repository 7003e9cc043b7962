"""The server's own account of a part, read from its ``/metrics``: how old the render pages'
screencast frames were when they reached it, which is how far behind its Chromium was (see
mirror/render/pacing.py). Each part has a server of its own, so the histogram covers that part's
joins and changes."""

from __future__ import annotations

import aiohttp

LAG = "cobrowse_frame_lag_seconds"
REPEATED = "cobrowse_frames_repeated_total"
SENT = "cobrowse_frames_sent_total"
SCALED = "cobrowse_frames_scaled_total"
BEHIND_LE = "0.1"  # The bucket edge where the render pages start pacing their changes.


async def frame_lag(server: str) -> dict[str, float] | None:
    """See :func:`frame_lag_from`; None when the server does not answer."""
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{server}/metrics") as response:
            return frame_lag_from(await response.text())
    except aiohttp.ClientError:
        return None


def frame_lag_from(text: str) -> dict[str, float] | None:
    """The frames counted, their mean age in ms, the share older than 100 ms, the share that
    repeated the last frame and the share of those sent that were captured small, from
    Prometheus text; None when no frame was counted."""
    values: dict[str, float] = {}
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        if name in (
            f"{LAG}_count",
            f"{LAG}_sum",
            f'{LAG}_bucket{{le="{BEHIND_LE}"}}',
            REPEATED,
            SENT,
            SCALED,
        ):
            values[name] = float(value)
    count = values.get(f"{LAG}_count", 0.0)
    if not count:
        return None
    within = values.get(f'{LAG}_bucket{{le="{BEHIND_LE}"}}', count)
    return {
        "frames": count,
        "mean_ms": round(values.get(f"{LAG}_sum", 0.0) / count * 1000, 1),
        "over_100ms_share": round(1 - within / count, 3),
        # Of the frames Chromium took, those that showed nothing new and were dropped.
        "repeated_share": round(values.get(REPEATED, 0.0) / count, 3),
        # Of the frames sent to agents, those captured small while Chromium was behind.
        "scaled_share": round(values.get(SCALED, 0.0) / max(1.0, values.get(SENT, 0.0)), 3),
    }
