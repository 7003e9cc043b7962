"""The agent's pointing tools (a laser pointer, a highlighter): relayed to the customer's page,
which draws them over the page in its widget, and to the render page, so the agent's view shows
them where the customer does. Nothing of them enters the page's content. The customer may turn
them off, and either side clears them."""

from __future__ import annotations

import contextlib

from mirror.session.live import LiveSession
from mirror.session.messages import Draw, Erase, Notice


async def agent_draws(live: LiveSession, draw: Draw) -> None:
    if not live.drawings_on:
        if not live.told_drawings_off:  # Said once, not at every piece of a stroke.
            live.told_drawings_off = True
            await _tell_agent(live, Notice(reason="drawings-off"))
        return
    if live.customer is not None:
        await live.customer.send_message(draw)
    if live.page is not None:
        with contextlib.suppress(Exception):  # A page being rebuilt draws nothing: no harm.
            await live.page.draw(draw.tool, [list(point) for point in draw.points])


async def erase(live: LiveSession) -> None:
    """Either side cleared the drawings: gone from both pages and the view."""
    if live.customer is not None:
        await live.customer.send_message(Erase())
    await _tell_agent(live, Erase())
    if live.page is not None:
        with contextlib.suppress(Exception):
            await live.page.erase()


async def customer_wants(live: LiveSession, on: bool) -> None:
    """The customer turned the agent's drawings off (they are cleared) or on again."""
    if on == live.drawings_on:
        return
    live.drawings_on, live.told_drawings_off = on, False
    if not on:
        await erase(live)
    await _tell_agent(live, Notice(reason="drawings-on" if on else "drawings-off"))


async def _tell_agent(live: LiveSession, message: Notice | Erase) -> None:
    if live.agent is not None:
        await live.agent.send_message(message)
