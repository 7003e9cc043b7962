"""Live chat across the nodes of a cluster: the customer's panel, the agent's desk and the node
holding the chats on different nodes; co-browse started from the chat; the holder killed."""

from __future__ import annotations

import json
import re
import urllib.request

import redis
from playwright.sync_api import Browser, Page, expect

from mirror.cluster.chats import HOLDER_KEY
from tests.cluster.conftest import Cluster, get_json
from tests.e2e.test_chat import (
    agent_says,
    chat_panel,
    chat_with_agent,
    current_chat_id,
    open_desk,
)
from tests.waiting import wait_for

TIMEOUT_MS = 30_000


def holder(cluster: Cluster) -> str:
    client = redis.Redis.from_url(cluster.redis_url)
    try:
        name = client.get(HOLDER_KEY)
    finally:
        client.close()
    return name.decode() if isinstance(name, bytes) else ""


def test_a_chat_and_its_cobrowse_across_nodes(
    cluster: Cluster, page: Page, browser: Browser
) -> None:
    """The panel on node-1, the desk on node-2, history read on node-3."""
    agent = open_desk(browser, cluster.server("node-2"))
    chat_with_agent(page, agent, f"{cluster.direct_site}/support/meter.html", "Where is it?")
    agent_says(agent, "Under the stairs, usually.")
    expect(chat_panel(page).get_by_role("log")).to_contain_text("Under the stairs")

    chat_panel(page).get_by_role("button", name="Co-browse").click()
    expect(page.locator("[data-cobrowse-session-id]")).to_have_attribute(
        "data-cobrowse-session-id", re.compile(r"^\d{9}$")
    )
    agent.get_by_role("button", name="Join co-browse").click()
    expect(agent.locator("[data-cobrowse-view][data-frames]")).to_be_visible(timeout=TIMEOUT_MS)
    chat_id = current_chat_id(page)

    agent.get_by_role("button", name="End chat").click()
    expect(chat_panel(page)).to_contain_text("Chat ended.", timeout=TIMEOUT_MS)
    chat = get_json(f"{cluster.url('node-3')}/api/chats/{chat_id}")
    assert chat["end_reason"] == "agent_ended"
    [session_uuid] = chat["sessions"]
    # The session ends on the node that owns it once that node hears of the chat's end.
    session_url = f"{cluster.url('node-3')}/api/sessions/{session_uuid}"
    wait_for(
        lambda: get_json(session_url)["end_reason"] is not None, "end of the co-browse session"
    )
    assert get_json(session_url)["end_reason"] == "interaction_ended"
    agent.context.close()


def test_the_chats_survive_their_holder(cluster: Cluster, page: Page, browser: Browser) -> None:
    """SIGKILL of the node holding the chats: another node carries them on from Redis, and the
    panel and the desk come back through the balancer to the same chat."""
    agent = open_desk(browser, cluster.server())
    chat_with_agent(page, agent, f"{cluster.site}/support/meter.html", "Is my bill late?")
    victim = holder(cluster)
    cluster.kill(victim)
    try:
        # A line sent in the instant a node dies may be lost (pub/sub has no acknowledgement);
        # once another node holds the chats, nothing is.
        wait_for(lambda: holder(cluster) != victim, "another node to hold the chats")
        agent_says(agent, "No, it is on time.")
        expect(chat_panel(page).get_by_role("log")).to_contain_text("on time", timeout=TIMEOUT_MS)
        panel = chat_panel(page)
        panel.get_by_role("textbox", name="Message").fill("Thank you")
        panel.get_by_role("button", name="Send").click()
        expect(agent.get_by_role("log")).to_contain_text("Thank you", timeout=TIMEOUT_MS)
        agent.get_by_role("button", name="End chat").click()
        expect(chat_panel(page)).to_contain_text("Chat ended.", timeout=TIMEOUT_MS)
    finally:
        cluster.start(victim)
        agent.context.close()


def test_the_end_of_a_chat_sent_to_any_node(cluster: Cluster, page: Page, browser: Browser) -> None:
    """POST /api/interactions/{chat}/end to a node that does not hold the chats ends the chat."""
    agent = open_desk(browser, cluster.server("node-2"))
    chat_with_agent(page, agent, f"{cluster.direct_site}/support/meter.html", "Can you call me?")
    chat_id = current_chat_id(page)
    other = next(name for name in cluster.nodes if name != holder(cluster))
    request = urllib.request.Request(
        f"{cluster.url(other)}/api/interactions/{chat_id}/end", method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response)["chat_ended"] is True
    expect(chat_panel(page)).to_contain_text("Chat ended.", timeout=TIMEOUT_MS)
    wait_for(
        lambda: (
            get_json(f"{cluster.url(other)}/api/chats/{chat_id}")["end_reason"]
            == "interaction_ended"
        ),
        "the chat's end in history",
    )
    agent.context.close()
