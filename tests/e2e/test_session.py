"""A whole session in real Chromium: consent, ID, join, live view, exit, history."""

from __future__ import annotations

import re
import urllib.request

from playwright.sync_api import Page, expect

from mirror.testing import Cobrowse, CobrowseServer
from mirror.testing.fidelity import is_blank

TWO_IDLE_PERIODS_JS = (
    "() => new Promise((done) => requestIdleCallback(() => requestIdleCallback(done)))"
)


def open_agent(page: Page, server_url: str) -> Page:
    agent = page.context.browser.new_context().new_page()  # type: ignore[union-attr]
    agent.goto(f"{server_url}/agent")
    return agent


def test_no_answers_with_advice_to_call_or_chat_first(page: Page, sample_site: str) -> None:
    page.goto(f"{sample_site}/shop/")
    page.get_by_role("button", name="Co-browse").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("voice call")
    dialog.get_by_role("button", name="No").click()
    expect(dialog).to_contain_text(re.compile(r"call.*chat|chat.*call"))
    expect(page.locator("[data-cobrowse-session-id]")).to_have_count(0)


def test_agent_sees_the_customers_page_and_follows_typing(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/shop/checkout.html")
    session = cobrowse.start(page)
    assert re.fullmatch(r"\d{9}", session.id)
    expect(session.customer_status).to_contain_text("Waiting")
    agent = session.join()
    expect(session.customer_status).to_contain_text("established")
    expect(agent.get_by_role("status")).to_contain_text("active")
    assert not is_blank(session.view_image())
    # One view pixel per CSS pixel of the customer's viewport.
    box = session.view.bounding_box()
    assert box is not None and (round(box["width"]), round(box["height"])) == (1280, 800)
    session.assert_shown_to_agent("h1")
    page.locator("#firstName").fill("Alice Example")
    page.locator("#firstName").blur()
    session.assert_shown_to_agent("#firstName")
    record = session.end(by="customer")
    assert record["end_reason"] == "customer_exit"


def metric(server: CobrowseServer, name: str) -> float:
    with urllib.request.urlopen(f"{server.url}/metrics") as response:
        text = response.read().decode()
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " "))


def test_metrics_give_the_frames_age_and_the_rebuilds_unreported(
    page: Page, sample_site: str, cobrowse: Cobrowse, cobrowse_server: CobrowseServer
) -> None:
    lag, unreported = "cobrowse_frame_lag_seconds_count", "cobrowse_rebuilds_unreported_total"
    before = {name: metric(cobrowse_server, name) for name in (lag, unreported)}
    page.goto(f"{sample_site}/shop/")
    session = cobrowse.start(page)
    session.join()
    session.assert_shown_to_agent("h1")
    assert metric(cobrowse_server, lag) > before[lag]
    assert metric(cobrowse_server, "cobrowse_frame_lag_seconds_sum") >= 0
    # The agent's first frame waits for Chromium's report that the rebuilt page's frame is on
    # the screen (mirror/web/render/presented.js): a Chromium that stopped reporting it would
    # hold every join back by the wait, and show in this counter.
    assert metric(cobrowse_server, unreported) == before[unreported]


def test_agent_exit_ends_the_session_for_both(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/form/")
    session = cobrowse.start(page)
    session.join()
    record = session.end(by="agent")
    assert record["state"] == "ended"
    assert record["end_reason"] == "agent_exit"
    assert record["started_at"] and record["ended_at"]
    expect(page.get_by_role("button", name="Exit co-browse session")).to_have_count(0)


TEAL = (20, 150, 140)
SQUARE_JS = """([r, g, b]) => {
  const square = document.createElement("div");
  square.style.cssText = `position:fixed;left:600px;top:300px;width:40px;height:40px;` +
    `z-index:2147483646;background:rgb(${r}, ${g}, ${b})`;
  document.body.append(square);
}"""
# The pixel at the square's centre in the first frame the agent's view draws.
FIRST_FRAME_JS = """() => {
  const view = document.querySelector("[data-cobrowse-view]");
  new MutationObserver((_, observer) => {
    const d = view.getContext("2d").getImageData(620, 320, 1, 1).data;
    window.firstFramePixel = [d[0], d[1], d[2]];
    observer.disconnect();
  }).observe(view, { attributes: true, attributeFilter: ["data-frames"] });
}"""


def test_the_agents_first_frame_is_the_customers_page(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    # The render page rebuilds a warm-up page of its own before any session: the agent must
    # never be shown it, nor a blank page, only the customer's.
    page.goto(f"{sample_site}/form/")
    page.evaluate(SQUARE_JS, list(TEAL))
    session = cobrowse.start(page)
    agent = open_agent(page, cobrowse.server.url)
    agent.evaluate(FIRST_FRAME_JS)
    agent.get_by_label("Session ID").fill(session.id)
    agent.get_by_role("button", name="Join").click()
    first = agent.wait_for_function("() => window.firstFramePixel").json_value()
    assert all(abs(int(v) - c) <= 24 for v, c in zip(first, TEAL, strict=True)), first


def test_unknown_id_gives_an_alert_and_nothing_else(page: Page, cobrowse: Cobrowse) -> None:
    agent = open_agent(page, cobrowse.server.url)
    agent.get_by_label("Session ID").fill("000000001")
    agent.get_by_role("button", name="Join").click()
    expect(agent.get_by_role("alert")).to_be_visible()
    expect(agent.get_by_role("status")).not_to_contain_text("active")
    expect(agent.locator("[data-cobrowse-view][data-frames]")).to_have_count(0)


def test_an_ended_session_cannot_be_joined_again(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/site/")
    session = cobrowse.start(page)
    session.join()
    session.end(by="customer")
    again = open_agent(page, cobrowse.server.url)
    again.get_by_label("Session ID").fill(session.id)
    again.get_by_role("button", name="Join").click()
    expect(again.get_by_role("alert")).to_be_visible()
    assert session.server.record(session.uuid)["state"] == "ended"


def test_session_follows_the_customer_to_another_page(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/site/")
    session = cobrowse.start(page)
    agent = session.join()
    page.get_by_role("link", name="About").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("About us")
    expect(session.customer_status).to_contain_text("established")
    session.assert_shown_to_agent("h1")
    expect(agent.get_by_role("status")).to_contain_text("active")
    assert session.end()["end_reason"] == "customer_exit"


def test_history_records_each_step(page: Page, sample_site: str, cobrowse: Cobrowse) -> None:
    page.goto(f"{sample_site}/shop/")
    session = cobrowse.start(page)
    idle = session.server.record(session.uuid)
    assert idle["state"] == "idle" and idle["started_at"] is None
    session.join()
    assert session.server.record(session.uuid)["state"] == "active"
    ended = session.end()
    assert ended["created_at"] <= ended["started_at"] <= ended["ended_at"]
    listed = session.server.history()
    assert listed[0]["uuid"] == session.uuid
    assert all(session.id not in str(r) for r in listed)


def test_the_view_follows_the_customers_viewport_size(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/form/")
    session = cobrowse.start(page)
    session.join()
    page.set_viewport_size({"width": 1000, "height": 700})
    expect(session.view).to_have_attribute("width", "1000")
    expect(session.view).to_have_attribute("height", "700")
    page.locator("#text").fill("narrower")
    session.assert_shown_to_agent("#text")


def test_nothing_of_the_page_leaves_before_the_agent_joins(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/shop/checkout.html")
    session = cobrowse.start(page)
    # The capture warms up in idle time while the session waits (see Capture.warmUp).
    page.evaluate(TWO_IDLE_PERIODS_JS)
    heading = page.locator("h1").inner_text().encode()
    assert not any(b'"events"' in m or heading in m for m in session.wire())
    session.join()
    session.assert_shown_to_agent("h1")
    assert any(b'"events"' in m for m in session.wire())
