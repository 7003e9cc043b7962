"""The chat's system lines: what the customer's panel and the agent's desk show of the chat's
turns (mirror/chat/hub.py)."""

from __future__ import annotations

from mirror.chat.state import ChatEndReason

TEXT = {
    "accepted": "An agent has joined the chat.",
    "released": "The agent has left the chat. Waiting for another agent.",
    "cobrowse_auto": "The customer started a co-browse session.",
    "cobrowse_manual": "The customer started a co-browse session and will type its ID here.",
    "cobrowse_ended": "The co-browse session has ended.",
}


ENDED = {
    ChatEndReason.CUSTOMER_ENDED: "The customer ended the chat.",
    ChatEndReason.AGENT_ENDED: "The agent ended the chat.",
    ChatEndReason.CUSTOMER_LEFT: "The customer left the chat.",
    ChatEndReason.INTERACTION_ENDED: "The chat was closed by the contact centre.",
    ChatEndReason.SERVER_SHUTDOWN: "The chat service is restarting: the chat has ended.",
}
