"""Generated pages in real Chromium: Hypothesis builds pages of hidden fields holding canary values
(inputs of several types, textareas, selects, checkboxes, radios and contenteditable areas, in the
document, in an open shadow root and in a same-origin frame), the page then changes them (a
password shown as text, a field moved into or out of a hidden container, the page's own hiding
attributes taken off, values typed, boxes ticked) and the agent reloads, for a fresh snapshot. No
canary may appear in any byte between the customer's page, the server and the agent, nor in
history. A handful of examples, derandomised: the same pages on every run."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st
from playwright.sync_api import Browser, FrameLocator, Page, expect

from mirror.testing import Cobrowse, CobrowseServer, CobrowseSession

KINDS = ("password", "cc", "text", "email", "tel", "search", "textarea", "select", "editable")
CHECKABLE = ("checkbox", "radio")
ROOTS = ("document", "shadow", "frame")
OPS = ("type", "toggle", "move", "unmark", "unmark-box", "rejoin")
# Fields hidden by a policy selector of the test server's (tests/conftest.py): the rest are
# hidden by a data-cobrowse-hidden of their own or of their container.
BY_POLICY = ("password", "cc")

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Generated</title><style>
body { font: 15px system-ui, sans-serif; margin: 12px; }
.hidden-box, .open-box { display: inline-block; vertical-align: top; min-width: 260px;
  min-height: 40px; margin: 4px; padding: 6px; border: 1px dashed #99a; }
input, select, textarea, [contenteditable] { display: block; margin: 4px 0; min-width: 200px; }
#frame-root { width: 620px; height: 240px; border: 1px solid #99a; display: block; }
</style></head><body></body></html>"""

# Builds the generated page from its description: a hidden and an open container in each root
# (the document, an open shadow root, a same-origin frame), and the fields in them.
BUILD_JS = """async ({ fields, canaries }) => {
  const boxes = (doc, parent) => {
    const hidden = doc.createElement("div");
    hidden.className = "hidden-box";
    hidden.setAttribute("data-cobrowse-hidden", "");
    const open = doc.createElement("div");
    open.className = "open-box";
    parent.append(hidden, open);
    return { doc, hidden, open };
  };
  const progress = Object.assign(document.createElement("input"), { id: "progress" });
  document.body.append(progress);
  const roots = { document: boxes(document, document.body) };
  const host = Object.assign(document.createElement("div"), { id: "shadow-host" });
  document.body.append(host);
  roots.shadow = boxes(document, host.attachShadow({ mode: "open" }));
  const frame = Object.assign(document.createElement("iframe"), { id: "frame-root" });
  const loaded = new Promise((resolve) => frame.addEventListener("load", resolve, { once: true }));
  frame.srcdoc = "<!doctype html><body style='font: 15px system-ui'></body>";
  document.body.append(frame);
  await loaded;
  roots.frame = boxes(frame.contentDocument, frame.contentDocument.body);
  fields.forEach((field, index) => {
    const { doc, hidden, open } = roots[field.root];
    const [first, second] = canaries[index];
    const input = (type, id, value) => {
      const element = doc.createElement("input");
      Object.assign(element, { type, id });
      if (value !== undefined) element.value = value;
      return element;
    };
    let made = [];
    if (field.kind === "password") made = [input("password", field.id, first)];
    else if (field.kind === "cc") {
      made = [input("text", field.id, first)];
      made[0].setAttribute("autocomplete", "cc-number");
    } else if (["text", "email", "tel", "search"].includes(field.kind)) {
      made = [input(field.kind, field.id, first)];
    } else if (field.kind === "textarea") {
      made = [Object.assign(doc.createElement("textarea"), { id: field.id, value: first })];
    } else if (field.kind === "select") {
      const select = Object.assign(doc.createElement("select"), { id: field.id });
      for (const text of ["Choose", first, second]) select.append(new Option(text, text));
      select.value = first;
      made = [select];
    } else if (field.kind === "editable") {
      const area = Object.assign(doc.createElement("div"), { id: field.id });
      area.contentEditable = "true";
      area.textContent = first;
      made = [area];
    } else if (field.kind === "checkbox") {
      made = [input("checkbox", field.id, first)];
    } else if (field.kind === "radio") {
      made = [input("radio", field.id, first), input("radio", `${field.id}-b`, second)];
      made.forEach((radio) => { radio.name = `group-${field.id}`; });
      made[0].checked = true;
    }
    for (const element of made) {
      if (field.own) element.setAttribute("data-cobrowse-hidden", "");
      (field.box === "hidden" ? hidden : open).append(element);
    }
  });
}"""

# The page's own script changing a field, or a container (op, the field's id or a root's name).
CHANGE_JS = """([op, id, root]) => {
  const shadow = document.getElementById("shadow-host").shadowRoot;
  const frameDoc = document.getElementById("frame-root").contentDocument;
  const scope = { document, shadow, frame: frameDoc }[root];
  if (op === "unmark-box") {
    scope.querySelector(".hidden-box").removeAttribute("data-cobrowse-hidden");
    return;
  }
  const elements = [scope.getElementById(id), scope.getElementById(`${id}-b`)].filter(Boolean);
  for (const element of elements) {
    const typed = element.tagName === "INPUT" && !["checkbox", "radio"].includes(element.type);
    if (op === "toggle" && typed) {
      element.type = element.type === "password" ? "text" : "password";
    } else if (op === "move") {
      const inHidden = element.parentNode.classList.contains("hidden-box");
      scope.querySelector(inHidden ? ".open-box" : ".hidden-box").append(element);
    } else if (op === "unmark") {
      element.removeAttribute("data-cobrowse-hidden");
      element.removeAttribute("autocomplete");
      if (element.type === "password") element.type = "text";
    }
  }
}"""

canary_numbers = itertools.count()


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(min_value=1, max_value=4))
    fields = []
    for index in range(count):
        kind = draw(st.sampled_from(KINDS + CHECKABLE))
        box = draw(st.sampled_from(("hidden", "open")))
        # In the open container a field needs a hiding rule of its own; a contenteditable
        # area is hidden by the site's attribute.
        needs_own = kind == "editable" or (box == "open" and kind not in BY_POLICY)
        own = needs_own or draw(st.booleans())
        root = draw(st.sampled_from(ROOTS))
        fields.append({"id": f"f{index}", "kind": kind, "root": root, "box": box, "own": own})
    ops = draw(
        st.lists(
            st.tuples(st.sampled_from(OPS), st.integers(min_value=0, max_value=count - 1)),
            min_size=1,
            max_size=6,
        )
    )
    return {"fields": fields, "ops": ops}


def field_locator(page: Page, field: dict[str, Any], suffix: str = "") -> Any:
    scope: Page | FrameLocator = page
    if field["root"] == "frame":
        scope = page.frame_locator("#frame-root")
    return scope.locator(f"#{field['id']}{suffix}")  # CSS reaches into open shadow roots.


def customer_types(page: Page, field: dict[str, Any], text: str) -> None:
    """The customer's own input: typed, chosen or ticked."""
    kind = field["kind"]
    if kind == "select":
        field_locator(page, field).select_option(text)
    elif kind == "checkbox":
        field_locator(page, field).click()
    elif kind == "radio":
        field_locator(page, field, "-b").check()
    else:
        field_locator(page, field).fill(text)


def rejoin(session: CobrowseSession) -> None:
    agent = session.agent
    assert agent is not None
    agent.reload()
    expect(agent.get_by_role("status")).to_contain_text("active")
    expect(agent.locator("[data-cobrowse-view][data-frames]")).to_be_visible()


def history_files(server: CobrowseServer) -> Iterator[Path]:
    db = server.db_path
    assert db is not None
    yield from Path(db).parent.glob(Path(db).name + "*")  # The database and its WAL.


def play(page: Page, manager: Cobrowse, site: str, scenario: dict[str, Any]) -> None:
    number = next(canary_numbers)
    fields = scenario["fields"]
    canaries = [
        [f"Canary{number:03d}x{index}first", f"Canary{number:03d}x{index}second"]
        for index in range(len(fields))
    ]
    # A path the sample site does not have: a document of its origin and its loopback address
    # (a document Playwright answered itself may not load the script from a loopback server).
    page.goto(f"{site}/generated.html")
    page.set_content(PAGE)
    page.evaluate(BUILD_JS, {"fields": fields, "canaries": canaries})
    session = manager.start(page)
    session.join()
    for op, index in scenario["ops"]:
        field = fields[index]
        if op == "type":
            customer_types(page, field, canaries[index][1])
        elif op == "rejoin":
            rejoin(session)
        else:
            page.evaluate(CHANGE_JS, [op, field["id"], field["root"]])
    rejoin(session)  # A fresh snapshot of the page as it is now.
    page.locator("#progress").fill("all done")
    session.assert_shown_to_agent("#progress")  # Everything above has gone over the wire.
    for canary in (value for pair in canaries for value in pair):
        session.assert_never_sent(canary)
        for path in history_files(session.server):
            assert canary.encode() not in path.read_bytes(), f"{canary!r} is in {path.name}"


@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    # A failing example is reported as drawn: shrinking would replay many whole sessions.
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=(HealthCheck.too_slow,),
)
@given(scenario=scenarios())
@example(  # A "show password" button, then the agent reloads.
    scenario={
        "fields": [
            {"id": "f0", "kind": "password", "root": "document", "box": "open", "own": False}
        ],
        "ops": [("toggle", 0), ("type", 0)],
    }
)
@example(  # Out of a hidden container and its hiding taken off, in a shadow root and a frame.
    scenario={
        "fields": [
            {"id": "f0", "kind": "text", "root": "shadow", "box": "hidden", "own": False},
            {"id": "f1", "kind": "radio", "root": "frame", "box": "hidden", "own": False},
            {"id": "f2", "kind": "editable", "root": "frame", "box": "hidden", "own": True},
        ],
        "ops": [
            ("move", 0),
            ("type", 0),
            ("unmark-box", 1),
            ("type", 1),
            ("move", 2),
            ("unmark", 2),
        ],
    }
)
def test_no_canary_of_a_generated_page_leaves_the_customers_browser(
    browser: Browser, sample_site: str, cobrowse_server: CobrowseServer, scenario: dict[str, Any]
) -> None:
    note(f"scenario: {scenario}")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    manager = Cobrowse(cobrowse_server)
    try:
        play(context.new_page(), manager, sample_site, scenario)
    finally:
        manager.close()
        context.close()
