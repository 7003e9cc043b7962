"""cobrowse-mirror: customer-initiated co-browsing where the agent sees pixels, never the DOM.

The customer's page is captured in the customer's browser (``mirror/web/embed``), rebuilt in a
server-side Chromium (``mirror.render.page``) and streamed to the agent as frames
(``mirror.frames.frame``).
"""

__version__ = "0.1.0"
