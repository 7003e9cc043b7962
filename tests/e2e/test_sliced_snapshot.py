"""The snapshot taken in slices (mirror/web/embed/slices.js): a page that changes between the
slices, in parts already sent and parts not sent yet, is shown exactly as it is at the end.

The page is 6,000 tiles of greys far apart (fixtures/site/mosaic.html): a tile lost, doubled or
put out of place moves every tile after it in the view. The changes run right after each slice
leaves the customer's page (its socket's send), so they fall between slices whatever the speed
of the machine.
"""

from __future__ import annotations

from playwright.sync_api import Page

from mirror.testing import Cobrowse, CobrowseSession
from mirror.testing.fidelity import PRIVATE_AREAS_JS, as_rects, differing_blocks
from tests.e2e.matching import (
    AREA_TARGET,
    MATCH_TIMEOUT_S,
    READY_JS,
    area_of,
    screen,
    until_matched,
    wait_for_area,
)
from tests.e2e.test_session import FIRST_FRAME_JS, TEAL, open_agent

# The page's changes (a list of functions) run one after each slice of a snapshot leaves the
# customer's page, until they run out: tiles recoloured, inserted, removed and moved, before and
# after the part sent so far.
CHANGE_BETWEEN_SLICES_JS = """() => {
  window.sliceChanges = [];
  window.slicesChanged = 0;
  let walking = false;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    const result = send.call(this, data);
    const text = typeof data === "string" ? data : "";
    if (text.includes('"cobrowseSlices":true')) walking = true;
    else if (text.includes("cobrowse-whole")) walking = false;
    else if (walking && text.includes('"adds"') && window.sliceChanges.length) {
      window.sliceChanges.shift()();
      window.slicesChanged++;
    }
    return result;
  };
}"""
FIRST_CHANGES_JS = """() => {
  const tile = (n) => document.getElementById(`t${n}`);
  const fresh = () => Object.assign(document.createElement("i"), { className: "changed" });
  const mosaic = document.getElementById("mosaic");
  window.sliceChanges = [
    () => {
      tile(5).className = "changed";
      tile(3990).className = "changed";
      tile(10).before(fresh());
      tile(3500).before(fresh());
      tile(3000).remove();
      for (let i = 0; i < 3; i++) mosaic.append(fresh());
    },
    () => {
      tile(3600).before(tile(1));
      mosaic.prepend(tile(3700));
      tile(2).remove();
    },
    () => {
      tile(3800).className = "changed";
      tile(20).className = "changed";
      tile(3900).before(fresh());
    },
  ];
}"""
# A frame's page loading makes the customer's page take a fresh snapshot (embed/capture.js):
# numbered afresh, sent again in slices, with other changes between them.
SECOND_CHANGES_JS = """() => {
  const tile = (n) => document.getElementById(`t${n}`);
  const fresh = () => Object.assign(document.createElement("i"), { className: "changed" });
  window.slicesChanged = 0;
  window.sliceChanges = [
    () => {
      tile(30).className = "g0";
      tile(3300).className = "g1";
      tile(40).before(fresh());
      tile(3400).before(fresh());
    },
    () => {
      tile(3200).remove();
      tile(50).remove();
      tile(3100).before(tile(60));
    },
  ];
  const frame = document.createElement("iframe");
  frame.srcdoc = "<p>A frame of the page</p>";
  document.body.append(frame);
}"""


def open_changing_mosaic(page: Page, sample_site: str) -> None:
    """The mosaic, loaded, running ``window.sliceChanges`` one after each slice sent."""
    page.add_init_script(script=f"({CHANGE_BETWEEN_SLICES_JS})()")
    page.goto(f"{sample_site}/site/mosaic.html")
    page.wait_for_function(READY_JS)


def test_a_page_changing_while_its_snapshot_is_taken_is_shown_as_it_ends(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    open_changing_mosaic(page, sample_site)
    session = cobrowse.start(page)
    page.evaluate(FIRST_CHANGES_JS)
    session.join()
    # The page took three slices or more: the changes fell between them.
    assert page.evaluate("() => window.slicesChanged") >= 2
    assert_shown_exactly(page, session)
    page.evaluate(SECOND_CHANGES_JS)
    page.wait_for_function("() => window.slicesChanged >= 2")
    assert_shown_exactly(page, session)


def assert_shown_exactly(page: Page, session: CobrowseSession) -> None:
    def differing() -> float:
        private = as_rects(page.evaluate(PRIVATE_AREAS_JS))
        return float(len(differing_blocks(screen(page), session.view_image(), private)[0]))

    # Not one 8x8 block may differ: each tile covers four.
    assert until_matched(session, differing, 1, MATCH_TIMEOUT_S) == 0


# The box's first 200 px white, then black: scrolled 200 px, it shows black.
SCROLLED_BOX_JS = """() => {
  const box = document.querySelector("#scroll-box");
  box.innerHTML = '<div style="height:200px"></div>'
    + '<div style="height:400px;background:#000"></div>';
  box.scrollTop = 200;
  box.scrollIntoView({ block: "center" });
}"""


def test_a_box_scrolled_before_the_join_shows_scrolled(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    # rrweb's player sets an element's scroll offset only when it rebuilds a snapshot whole; the
    # render page sets it once the last slice is in.
    page.goto(f"{sample_site}/form/")
    page.wait_for_function(READY_JS)
    page.evaluate(SCROLLED_BOX_JS)
    session = cobrowse.start(page)
    session.join()
    area = area_of(page, "#scroll-box")
    assert page.viewport_size is not None and area[3] <= page.viewport_size["height"]
    assert wait_for_area(session, area) < AREA_TARGET


# The order in which the customer's page sends its snapshot's parts: "adds" (a slice), "screen"
# (what the customer sees is sent), "whole" (the last slice is sent).
SENT_ORDER_JS = """() => {
  window.sentOrder = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    const text = typeof data === "string" ? data : "";
    for (const [part, mark] of [["screen", "cobrowse-screen"], ["whole", "cobrowse-whole"]]) {
      if (text.includes(mark)) window.sentOrder.push(part);
    }
    if (text.includes('"adds":[{')) window.sentOrder.push("adds");
    return send.call(this, data);
  };
}"""


def mosaic_joined(page: Page, sample_site: str, cobrowse: Cobrowse) -> CobrowseSession:
    """The mosaic shared and joined, its snapshot's last slice sent (the order of its parts in
    ``window.sentOrder``)."""
    page.goto(f"{sample_site}/site/mosaic.html")
    page.wait_for_function(READY_JS)
    session = cobrowse.start(page)
    page.evaluate(SENT_ORDER_JS)
    session.join()
    page.wait_for_function("() => window.sentOrder.includes('whole')")
    return session


def test_the_view_shows_what_the_customer_sees_before_the_rest_of_a_long_page(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    # A page far longer than its window: once the slices have passed the window's bottom, the
    # view is shown (its top, where the customer is) while the rest follows.
    session = mosaic_joined(page, sample_site, cobrowse)
    order = page.evaluate("() => window.sentOrder")
    assert order.count("screen") == 1, order
    screen_at, whole_at = order.index("screen"), order.index("whole")
    assert "adds" in order[:screen_at] and "adds" in order[screen_at:whole_at], order
    assert_shown_exactly(page, session)


LATE_SQUARE_JS = """([r, g, b]) => {
  for (let i = 0; i < 20; i++) {
    document.body.append(Object.assign(document.createElement("p"), { textContent: `note ${i}` }));
  }
  const square = document.createElement("div");
  square.style.cssText = `position:fixed;left:600px;top:300px;width:40px;height:40px;` +
    `z-index:2147483646;background:rgb(${r}, ${g}, ${b})`;
  document.body.append(square);
}"""


def test_the_first_frame_waits_for_what_shows_from_the_end_of_the_page(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    # A fixed square at the very end of a long page (after notes below the window) shows over
    # its top: the view is not shown before it is in, and the first frame is taken once it is
    # painted (a frame the screencast had from before came first otherwise).
    page.goto(f"{sample_site}/site/mosaic.html")
    page.wait_for_function(READY_JS)
    page.evaluate(LATE_SQUARE_JS, list(TEAL))
    session = cobrowse.start(page)
    page.evaluate(SENT_ORDER_JS)
    agent = open_agent(page, cobrowse.server.url)
    agent.evaluate(FIRST_FRAME_JS)
    agent.get_by_label("Session ID").fill(session.id)
    agent.get_by_role("button", name="Join").click()
    first = agent.wait_for_function("() => window.firstFramePixel").json_value()
    page.wait_for_function("() => window.sentOrder.includes('whole')")
    order = page.evaluate("() => window.sentOrder")
    assert all(abs(int(v) - c) <= 24 for v, c in zip(first, TEAL, strict=True)), (first, order)
    agent.context.close()


# While shared, the mosaic is replaced by another of 6,000 tiles (a single-page site's view
# changing at once): rrweb's serialising of the added nodes yields between slices (slices.js,
# setMutationSlices), and the page changes at each yield: in the new mosaic's part already sent
# (its end: rrweb sends siblings last first) and in the part still to come, a password field with
# a value among them. A field is focused in the part sent last.
CANARY = "slice-Canary-4417"
LARGE_CHANGE_JS = """(canary) => {
  const tile = (n) => document.getElementById(`t${n}`);
  const fresh = () => Object.assign(document.createElement("i"), { className: "changed" });
  const changes = [
    () => {
      tile(5).className = "changed";
      tile(5995).className = "changed";
      tile(10).before(fresh());
      tile(5990).before(fresh());
      tile(3000).remove();
    },
    () => {
      tile(5900).before(tile(1));
      document.getElementById("mosaic").append(fresh());
      const field = Object.assign(document.createElement("input"), { type: "password" });
      field.value = canary;
      tile(20).before(field);
    },
  ];
  window.slicesChanged = 0;
  const yieldTask = scheduler.yield.bind(scheduler);
  scheduler.yield = () => {
    if (changes.length) {
      changes.shift()();
      window.slicesChanged++;
    }
    return yieldTask();
  };
  const mosaic = document.createElement("div");
  for (let i = 0; i < 6000; i++) {
    const tile = Object.assign(document.createElement("i"), { id: `t${i}` });
    tile.className = `g${(i + 3) % 7}`;
    mosaic.append(tile);
  }
  // A field first in the new mosaic, which rrweb sends last, focused at once: the view shows
  // its focus ring once it is sent.
  const first = Object.assign(document.createElement("input"), { id: "large-field" });
  first.style.cssText = "grid-column: span 12; height: 16px; box-sizing: border-box";
  mosaic.prepend(first);
  document.getElementById("mosaic").replaceWith(mosaic);
  mosaic.id = "mosaic";
  first.focus();
}"""


def test_a_large_change_is_sent_in_slices_and_shown_as_it_ends(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = mosaic_joined(page, sample_site, cobrowse)
    assert_shown_exactly(page, session)
    page.evaluate(LARGE_CHANGE_JS, CANARY)
    # Both changes fell between slices of the change's own adds: it took three or more.
    page.wait_for_function("() => window.slicesChanged === 2")
    assert_shown_exactly(page, session)
    session.assert_never_sent(CANARY)


# Two sheets of 3,000 rules each, read a part at a time before they are sent (embed/sheets.js):
# the first's last rule colours one box, and a rule put into it right after the first slice (while
# it is being read) another; the second sheet's last rule colours a third.
LARGE_SHEETS_JS = """() => {
  const sheet = (last) => {
    const style = document.createElement("style");
    let text = "";
    for (let i = 0; i < 3000; i++) text += `.unused-${i} > a:hover { color: red }\\n`;
    style.textContent = text + last;
    document.head.append(style);
    return style;
  };
  const first = sheet("#first-box { background: rgb(200, 30, 30) }");
  sheet("#last-box { background: rgb(30, 30, 200) }");
  for (const id of ["first-box", "inserted-box", "last-box"]) {
    const box = Object.assign(document.createElement("div"), { id });
    box.style.cssText = "width: 160px; height: 64px; margin: 8px";
    document.body.prepend(box);
  }
  window.sliceChanges = [() => first.sheet.insertRule(
    "#inserted-box { background: rgb(30, 160, 30) }", first.sheet.cssRules.length)];
}"""


def test_large_style_sheets_arrive_whole_even_changed_while_read(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    open_changing_mosaic(page, sample_site)
    page.evaluate(LARGE_SHEETS_JS)
    session = cobrowse.start(page)
    session.join()
    assert page.evaluate("() => window.slicesChanged") == 1
    for box in ("#first-box", "#inserted-box", "#last-box"):
        session.assert_shown_to_agent(box)
    assert_shown_exactly(page, session)
