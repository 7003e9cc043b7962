"""What lies under a point of the view: measured in the render page, decoded here once."""

from __future__ import annotations

import msgspec


class Hit(msgspec.Struct, kw_only=True):
    """The render page's answer for one point (see ``hitTest`` in mirror/web/render/hittest.js)."""

    inside: bool  # The point lies within the customer's viewport.
    node: int | None = None  # rrweb node id of the element there (None: nothing mirrored).
    tag: str = ""
    submit: bool = False  # A control whose activation submits its form.
    href: str | None = None  # Absolute URL of the link the point is in.
    focusable: bool = False  # A field, button, link or contenteditable: takes the agent's keys.
    widget: bool = False  # The co-browse widget's own placeholder.
    # Under the masking policy: "masked" (hidden), "readonly" or "blocked"; None when free.
    protected: str | None = None
    select: int | None = None  # A select whose option list (drawn by the render page) was hit...
    option: str | None = None  # ...and the value of the option picked.


hit_decoder = msgspec.json.Decoder(Hit)
