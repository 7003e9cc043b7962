"""What lies under a point of the view, or at the agent's focus: measured in the render page,
decoded here once."""

from __future__ import annotations

import msgspec


class Hit(msgspec.Struct, kw_only=True):
    """The render page's answer for one point (see ``hitTest`` in mirror/web/render/hittest.js),
    or its description of the node the agent's keys go to (``describeNode``)."""

    inside: bool  # The point lies within the customer's viewport.
    node: int | None = None  # rrweb node id of the element there (None: nothing mirrored).
    tag: str = ""
    # Activating it submits its form: a submit button, or a label of one.
    submit: bool = False
    enter_submits: bool = False  # A field of a form: Enter in it submits the form.
    href: str | None = None  # Absolute URL of the link the point is in.
    focusable: bool = False  # A field, button, link or contenteditable: takes the agent's keys.
    widget: bool = False  # The co-browse widget's own placeholder.
    # Under the masking policy: "masked" (hidden), "readonly" or "blocked"; None when free.
    # A label is as protected as the control it activates.
    protected: str | None = None
    select: int | None = None  # A select whose option list (drawn by the render page) was hit...
    option: str | None = None  # ...and the value of the option picked.


class Anchor(msgspec.Struct, kw_only=True):
    """The element under a point of the view and where in its box the point is, as fractions
    of its width and height (``anchorAt`` in mirror/web/render/hittest.js)."""

    node: int
    fx: float
    fy: float


hit_decoder = msgspec.json.Decoder(Hit)
anchor_decoder = msgspec.json.Decoder(Anchor | None)
