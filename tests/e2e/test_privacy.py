"""Masking in real Chromium: a hidden value never appears in any byte the server receives from the
customer or sends to the agent, nor in history; masked areas of the view are flat; the agent
cannot act on hidden, read-only or blocked elements; layers 2 and 3 hold without layer 1; and
no frame but one the page invited and the server approved puts content into the capture."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import FrameLocator, Page, WebSocketRoute, expect

from mirror.render.rrweb import IncrementalSource
from mirror.testing import ActionRefused, Cobrowse, CobrowseSession
from mirror.testing.server import free_port

CARD = "4111111111111111"
CSC = "91827364"
NAME_ON_CARD = "Zebedee Canary"
PASSWORD = "hunter2-Canary!"
NOTE = "my-secret-note-5521"
MEMO = "memo-canary-9907"


def assert_nowhere(session: CobrowseSession, *canaries: str) -> None:
    for canary in canaries:
        session.assert_never_sent(canary)
        db = session.server.db_path
        assert db is not None
        for path in Path(db).parent.glob(Path(db).name + "*"):  # The database and its WAL.
            assert canary.encode() not in path.read_bytes(), f"{canary!r} is in {path.name}"


def without_masking(ws: WebSocketRoute) -> None:
    """A customer's page that ignores the server's policy: it masks nothing of it itself."""
    server = ws.connect_to_server()

    def to_page(message: str | bytes) -> None:
        if isinstance(message, str) and message.startswith('{"type":"session"'):
            info = json.loads(message)
            info["policy"] = {**info["policy"], "hidden": [], "blocked": []}
            message = json.dumps(info)
        ws.send(message)

    server.on_message(to_page)
    ws.on_message(server.send)


def test_card_fields_never_leave_the_customers_browser(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/shop/checkout.html")
    page.locator("#cc-name").fill(NAME_ON_CARD)  # Before the session: restored/autofilled.
    session = cobrowse.start(page)
    session.join()
    page.locator("#cc-number").press_sequentially(CARD)  # Typed, key by key.
    page.locator("#cc-csc").focus()
    page.keyboard.insert_text(CSC)  # Pasted (one input event, no keys).
    page.evaluate(  # Set by the page's own script, as property and as attribute.
        "v => { const f = document.querySelector('#account-password'); f.value = v;"
        " f.setAttribute('value', v); }",
        PASSWORD,
    )
    page.locator("#firstName").fill("Visible Name")
    session.assert_shown_to_agent("#firstName")  # Everything above has reached the view.
    for selector in ("#cc-name", "#cc-number", "#cc-csc"):
        page.locator(selector).scroll_into_view_if_needed()
        session.assert_hidden_from_agent(selector)
    assert_nowhere(session, CARD, CSC, NAME_ON_CARD, PASSWORD)
    session.end()
    assert_nowhere(session, CARD, CSC, NAME_ON_CARD, PASSWORD)


def test_site_marked_textarea_select_and_contenteditable_stay_private(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/form/")
    session = cobrowse.start(page)
    session.join()
    page.locator("#secret-notes").fill(NOTE)
    page.locator("#secret-question").select_option("teacher")
    page.locator("#secret-editable").click()
    page.keyboard.press("End")
    page.keyboard.type(MEMO)
    page.locator("#text").fill("done")
    session.assert_shown_to_agent("#text")
    for selector in ("#secret-notes", "#secret-question", "#secret-editable"):
        page.locator(selector).scroll_into_view_if_needed()
        session.assert_hidden_from_agent(selector)
    assert_nowhere(session, NOTE, MEMO, "Favourite teacher")
    for message in session.wire_log.by_page["customer"]:
        if message.startswith(b'{"v":1,"type":"events"'):
            for event in json.loads(message)["events"]:
                data = event.get("data", {})
                assert not (
                    data.get("source") == IncrementalSource.INPUT and data.get("text") == "teacher"
                )


def test_the_customer_sees_which_fields_are_hidden(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/shop/checkout.html")
    cobrowse.start(page)
    for selector in (
        "#cc-name",
        "#cc-number",
        "#cc-exp",
        "#cc-csc",
        "#account-password",
        "#loyalty",
    ):
        expect(page.locator(selector)).to_have_attribute("data-cobrowse-masked", "")
    expect(page.locator("#firstName")).not_to_have_attribute("data-cobrowse-masked", "")
    outline = page.locator("#cc-number").evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "dashed"
    expect(
        page.locator("[data-cobrowse-widget]").get_by_text("hidden from the representative")
    ).to_be_visible()


def test_the_agent_cannot_touch_hidden_readonly_or_blocked_elements(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/shop/checkout.html")
    session = cobrowse.start(page)
    session.join()
    for selector, reason in (
        ("#cc-number", "masked"),
        ("#city", "readonly"),
        ("#loyalty", "blocked"),
    ):
        with pytest.raises(ActionRefused, match=reason):
            session.agent_click(selector)
    with pytest.raises(ActionRefused):
        session.agent_fill("#city", "Elsewhere")
    expect(page.locator("#city")).to_have_value("")
    page.locator("#loyalty").scroll_into_view_if_needed()
    session.assert_hidden_from_agent("#loyalty")
    assert_nowhere(session, "NW-7781-2290")
    session.agent_fill("#lastName", "Allowed")  # Free fields still work.
    expect(page.locator("#lastName")).to_have_value("Allowed")


def test_layers_two_and_three_hide_a_field_when_layer_one_is_off(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.route_web_socket("**/ws/customer", without_masking)
    page.goto(f"{sample_site}/shop/checkout.html")
    session = cobrowse.start(page)
    session.join()
    page.locator("#cc-number").fill(CARD)
    page.locator("#firstName").fill("Layer Test")
    session.assert_shown_to_agent("#firstName")
    page.locator("#cc-number").scroll_into_view_if_needed()
    session.assert_hidden_from_agent("#cc-number")
    for message in session.wire_log.by_page["agent"]:
        assert CARD.encode() not in message
    with pytest.raises(ActionRefused, match="masked"):
        session.agent_click("#cc-number")


MEDIA_PICTURE = re.compile(rb'"tag":"cobrowse-media","payload":\{"id":(\d+)')


def test_a_hidden_video_sends_no_picture_of_its_frames(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/state/")
    # A second copy of the clip, marked private by the site.
    page.evaluate(
        """() => {
          const copy = document.getElementById('clip').cloneNode();
          copy.id = 'private-clip';
          copy.setAttribute('data-cobrowse-hidden', '');
          document.getElementById('media').append(copy);
        }"""
    )
    session = cobrowse.start(page)
    session.join()
    for clip in ("#clip", "#private-clip"):
        page.locator(clip).evaluate("video => video.play()")
    page.wait_for_function(
        "() => [...document.querySelectorAll('video')].every((v) => v.currentTime > 1.2)"
    )
    page.evaluate("() => document.querySelectorAll('video').forEach((v) => v.pause())")
    session.assert_shown_to_agent("#clip")  # The public clip's paused frame reached the view...
    session.assert_hidden_from_agent("#private-clip")  # ...the private one is a flat box...
    pictured = {m.group(1) for message in session.wire() for m in MEDIA_PICTURE.finditer(message)}
    assert len(pictured) == 1, f"pictures of {len(pictured)} videos were sent"  # ...and never sent.


# An advert's frame that forges rrweb's cross-origin message: a page of its making (and an image
# the render page would fetch) for the co-browsed page to fold into its capture. It starts once
# the co-browsed page has invited it (it invites every frame of another origin). The canary is
# put together as it runs: a frame's srcdoc, its source, is captured with the page.
ADVERT = """<!doctype html><html><body><p id="state">waiting</p><script>
const canary = "REVERSED".split("").reverse().join("");
const node = (id, tagName, childNodes, attributes = {}) =>
  ({ type: 2, id, tagName, attributes, childNodes });
const img = node(5, "img", [], { src: `http://127.0.0.1:9/${canary}.png` });
const body = node(3, "body", [{ type: 3, id: 4, textContent: canary }, img]);
const page = { type: 0, id: 1, childNodes: [node(2, "html", [body])] };
let invited = false;
let posted = 0;
addEventListener("message", () => { invited = true; });
setInterval(() => {
  const data = { node: page, initialOffset: { left: 0, top: 0 } };
  const event = { type: 2, timestamp: Date.now(), data };
  parent.postMessage({ type: "rrweb", event, origin: location.origin, isCheckout: false }, "*");
  if (invited && ++posted >= 10) document.getElementById("state").textContent = "posted";
}, 100);
</script></body></html>"""


def advert(canary: str) -> str:
    return ADVERT.replace("REVERSED", canary[::-1])


def sync(session: CobrowseSession, text: str) -> None:
    """What the customer's page sent so far has reached the agent's view (and the wire log)."""
    session.customer.locator("#progress").fill(text)
    session.assert_shown_to_agent("#progress")


def wait_until_posted(frame: FrameLocator) -> None:
    expect(frame.locator("#state")).to_have_text("posted", timeout=20_000)


def test_a_frame_of_an_opaque_origin_cannot_post_into_the_capture(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    # A sandboxed advert (its origin is "null"), once on the page and once inside a same-origin
    # frame (whose window rrweb listens on too).
    page.goto(f"{sample_site}/privacy/")
    page.evaluate(
        """([top, nested]) => {
          const frame = (options) => Object.assign(document.createElement("iframe"), options);
          const ad = (html) => frame({ id: "ad", sandbox: "allow-scripts", srcdoc: html });
          const holder = frame({ id: "holder", width: 340, height: 200 });
          document.querySelector("main").append(ad(top), holder);
          holder.contentDocument.body.append(Object.assign(ad(nested), { id: "nested-ad" }));
        }""",
        [advert("advert-Canary-3141"), advert("nested-advert-Canary-2718")],
    )
    session = cobrowse.start(page)
    session.join()
    wait_until_posted(page.frame_locator("#ad"))
    wait_until_posted(page.frame_locator("#holder").frame_locator("#nested-ad"))
    sync(session, "after the adverts")
    session.assert_never_sent("advert-Canary-3141")
    session.assert_never_sent("nested-advert-Canary-2718")
    expect(page.locator("#ad")).not_to_have_attribute("data-cobrowse-shared-frame", "")


def test_only_an_approved_frame_may_post_into_the_capture(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    # The e2e server lists only the sample site's two loopback origins (tests/e2e/conftest.py).
    ad_origin = f"http://127.0.0.1:{free_port()}"  # Nothing listens there: the route answers.
    page.route(
        f"{ad_origin}/**",
        lambda route: route.fulfill(
            body=advert("listed-advert-Canary-1618"), content_type="text/html"
        ),
    )
    partner = sample_site.replace("127.0.0.1", "localhost")
    page.goto(f"{sample_site}/privacy/")
    page.evaluate(
        """([partner, ad]) => {
          const frame = (id, src) =>
            Object.assign(document.createElement("iframe"), { id, src, width: 600, height: 330 });
          document.querySelector("main").append(frame("slots-frame", partner), frame("ad", ad));
        }""",
        [f"{partner}/partner/slots.html", f"{ad_origin}/ad.html"],
    )
    session = cobrowse.start(page)
    session.join()
    # The courier's frame (an allowed origin) shares...
    expect(page.locator("#slots-frame")).to_have_attribute("data-cobrowse-shared-frame", "")
    wait_until_posted(page.frame_locator("#ad"))
    sync(session, "after the advert")
    assert any(b"Parcelway" in message for message in session.wire())
    # ...the advert (of an origin not allowed) does not.
    session.assert_never_sent("listed-advert-Canary-1618")
    expect(page.locator("#ad")).not_to_have_attribute("data-cobrowse-shared-frame", "")
