"""Wire messages of the co-browse sockets: the customer's page (``/ws/customer``) and the agent's
page (``/ws/agent``), decoded once at the edge. The shared parts (version, close codes, the
policy) are in :mod:`mirror.wire`; ``mirror/web/messages.js`` is the browser side's image.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from mirror.wire import CaptureBudget, Error, Message, Policy, Viewport
from replay.messages import AgentInput, Applied, Refused, Script

# Bounds of what a page sends, so nothing unbounded reaches the hub, history or a log line.
SessionId = Annotated[str, msgspec.Meta(max_length=32)]  # The nine digits, however typed.
Token = Annotated[str, msgspec.Meta(max_length=64)]  # Resume and rejoin tokens, chat IDs.
# A primary interaction's ID (a call or a chat); history keeps up to 200 characters.
InteractionId = Annotated[str, msgspec.Meta(max_length=200)]

# -- customer's page -> server -------------------------------------------------------------


class ChatRef(msgspec.Struct, forbid_unknown_fields=True):
    """The customer's live chat (its ID and resume token), when co-browse starts from it."""

    id: Token
    token: Token


class Hello(Message, tag="hello"):
    """Co-browse -> Yes opens the socket and creates a session; ``resume_*`` continues one on a
    later page of the same site instead. ``chat`` ties a new session to the customer's chat."""

    viewport: Viewport  # Bounded: see mirror/wire.py.
    resume_id: SessionId | None = None
    resume_token: Token | None = None
    chat: ChatRef | None = None
    # How the customer's screen shows the page, for the render page to match its media queries
    # (prefers-color-scheme, resolution) and srcset choices. Older scripts send neither.
    color_scheme: Literal["light", "dark"] = "light"
    pixel_ratio: Annotated[float, msgspec.Meta(ge=0.25, le=8)] = 1.0
    # The browser tab the page is in (kept across its pages): another tab resuming the session
    # is the customer switching tabs, and the agent is told.
    tab: Token | None = None


class Events(Message, tag="events"):
    """A batch of rrweb events, passed to the render page untouched (kept as raw JSON)."""

    events: list[msgspec.Raw]


class Exit(Message, tag="exit"):
    """The party pressed "Exit co-browse session"."""


class Erase(Message, tag="erase"):
    """Either side clears the agent's drawings; the server tells both."""


class DrawingsShown(Message, tag="drawings"):
    """The customer turns the agent's pointing tools off (or on again); the agent is told."""

    on: bool


class Control(Message, tag="control"):
    """The customer allows the agent's control (Allow) or not (Deny, "Stop agent control"); to
    the customer's page and the agent's view, whether the agent has control now, and under which
    ``[session] agent_control`` mode."""

    granted: bool
    mode: Literal["ask", "pointer"] | None = None


class Looking(Message, tag="looking"):
    """Whether the customer can see the page's tab: not while another tab or window is in front
    (then the agent is told the customer is on a page that is not shared)."""

    on: bool


CustomerMessage = (
    Hello | Events | Exit | Applied | Refused | Erase | DrawingsShown | Control | Looking
)

# -- agent's page -> server ----------------------------------------------------------------


class Join(Message, tag="join"):
    id: SessionId
    interaction: InteractionId | None = None
    # The agent's page came back (reload, or back from another site) to the session it was in.
    rejoin: Token | None = None


class Watching(Message, tag="watching"):
    """Whether the agent can see the view: not while its tab is hidden, its window minimised or
    the view scrolled out of sight. Nothing is captured for a view nobody sees."""

    visible: bool


class Redraw(Message, tag="redraw"):
    """The agent's view could not draw a frame message: its picture is behind in that part, so
    it is sent the whole picture (the server sends one otherwise only when much changes)."""


class Ping(Message, tag="ping"):
    """The agent's view measures its connection: answered at once with a :class:`Pong`."""

    t: Annotated[float, msgspec.Meta(ge=0, le=1e13)]


Coordinate = Annotated[float, msgspec.Meta(ge=0, le=100_000)]


class Draw(Message, tag="draw"):
    """A piece of a stroke of the agent's pointing tools, in the customer's viewport's CSS
    pixels; relayed to the customer's page and the render page, never into the page itself."""

    tool: Literal["laser", "highlight"]
    points: Annotated[
        list[tuple[Coordinate, Coordinate]], msgspec.Meta(min_length=1, max_length=64)
    ]


# A colleague's name as the customer is shown it (one line, no markup is ever made of it).
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=60, pattern=r"^[^\x00-\x1f\x7f]+$")]
Seat = Annotated[str, msgspec.Meta(max_length=16)]


class Invite(Message, tag="invite"):
    """The agent invites a colleague or supervisor, by the name the customer will be told, to
    watch: answered with :class:`Invited`."""

    name: Name


class HandOver(Message, tag="hand_over"):
    """The agent hands the session over to a colleague watching (its seat): the colleague gets
    write mode, the agent's view ends."""

    seat: Seat


AgentMessage = (
    Join | Exit | Watching | Redraw | Ping | Draw | Erase | Invite | HandOver | AgentInput
)

# -- server -> either page -----------------------------------------------------------------


class SessionInfo(Message, tag="session"):
    """To the customer: the identifier to read out, the token that resumes it on later pages, and
    the history UUID (which a site may log to find the session's record later)."""

    id: str
    token: str
    uuid: str
    state: str
    policy: Policy
    capture: CaptureBudget | None = None
    recorded: bool = False  # What the agent is shown is recorded: the customer is told.
    control: str = "write"  # [session] agent_control: the customer's page checks it too.


class FrameRules(msgspec.Struct, kw_only=True, omit_defaults=True):
    """``GET /frame-policy``: whether a frame of another origin may share its content with the
    co-browsed page of a parent origin, and if so under which masking policy and budgets (the
    server's, never the parent page's)."""

    share: bool
    policy: Policy | None = None
    capture: CaptureBudget | None = None


class Status(Message, tag="status"):
    state: str
    reason: str | None = None


class AskControl(Message, tag="ask_control"):
    """To the customer: the agent asks to control the page (``agent_control = "ask"``)."""


class Away(Message, tag="away"):
    """To the agent: the customer is on a page that is not shared (another tab or window in
    front), or back."""

    away: bool


class Snapshot(Message, tag="snapshot"):
    """To the customer: the agent (re)attached, send a full snapshot and start capturing."""


class Joined(Message, tag="joined"):
    """To the agent: the token that lets this agent's page come back within the grace period,
    the session's nine digits (a view joined with a join token has not seen them), and how long
    the session has been active (the agent's clock may differ from the server's)."""

    token: str
    id: str | None = None
    active_s: float = 0.0
    role: Literal["agent", "watcher"] = "agent"  # A watcher's view is view only.


class Invited(Message, tag="invited"):
    """To the agent: the one-time token of its invitation (the colleague opens
    ``/agent?invite=TOKEN``), good for ``expires_in`` seconds."""

    name: str
    token: str
    expires_in: int


class Colleague(msgspec.Struct):
    seat: str
    name: str
    watching: bool  # Its view is open (else invited, or its page is away).


class Colleagues(Message, tag="colleagues"):
    """To the agent: the colleagues it invited, as they come and go."""

    watchers: list[Colleague]


class Company(Message, tag="company"):
    """To the customer: who sees the page besides the agent (view only), and the agent's name
    once a colleague took the session over."""

    watchers: list[str]
    agent: str = ""


class Pong(Message, tag="pong"):
    """To the agent: its :class:`Ping`'s ``t``, back."""

    t: float


class PageShown(Message, tag="page"):
    """To the agent: the page the customer is on, its path (never the query string) and title."""

    path: str
    title: str = ""


class ViewSize(Message, tag="viewport"):
    """To the agent: the customer's screen, the size of the view in CSS pixels, and the scale
    the customer's page is shown at (above 1: zoomed in with two fingers)."""

    width: int
    height: int
    zoom: float = 1.0


class Notice(Message, tag="notice"):
    """To the agent: the view is partial (``large-page``: the page is too large to capture its
    canvases), so what the agent sees may lag behind the customer's screen."""

    reason: str


ServerMessage = (
    SessionInfo
    | Status
    | Snapshot
    | Joined
    | ViewSize
    | Notice
    | PageShown
    | Pong
    | Invited
    | Colleagues
    | AskControl
    | Control
    | Away
    | Company
    | Draw
    | Erase
    | Error
    | Script
    | Refused
)

customer_decoder = msgspec.json.Decoder(CustomerMessage)
agent_decoder = msgspec.json.Decoder(AgentMessage)
