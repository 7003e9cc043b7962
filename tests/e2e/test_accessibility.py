"""Accessible to everyone: axe-core (the npm package) finds no serious or critical violation in the
customer's widget at each step (the button, the question, the session ID, the live session, the
chat panel) nor on the agent's page with a session and the chat desk; and the widget is used from
the keyboard alone."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from mirror.testing import Cobrowse
from tests.e2e.matching import agent_of, start

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDGET = "[data-cobrowse-widget]"
# The violations that keep someone from using the page, each with the elements it names.
SERIOUS_JS = """async (include) => {
  const context = include ? { include: [[include]] } : document;
  const result = await axe.run(context, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}"""


def serious(page: Page, include: str | None = None) -> list[str]:
    if not page.evaluate("() => typeof axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    return list(page.evaluate(SERIOUS_JS, include))


def test_the_widget_at_each_step_and_the_agents_page(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/support/index.html")
    assert serious(page, WIDGET) == []  # The buttons.
    page.get_by_role("button", name="Live chat").click()
    expect(page.get_by_role("textbox", name="Message")).to_be_visible()
    assert serious(page, WIDGET) == []  # The chat panel.
    page.get_by_role("button", name="Minimise chat").click()
    page.get_by_role("button", name="Co-browse").first.click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert serious(page, WIDGET) == []  # The question.
    page.get_by_role("button", name="Yes").click()
    expect(page.locator("[data-cobrowse-session-id]")).to_be_visible()
    assert serious(page, WIDGET) == []  # The session ID.
    page.get_by_role("button", name="Exit co-browse session").click()
    expect(page.locator(WIDGET).get_by_role("status")).to_contain_text("ended")

    session = start(page, cobrowse, f"{sample_site}/shop/checkout.html")
    agent = agent_of(session)
    expect(agent.get_by_role("status")).to_contain_text("active")
    assert serious(agent) == []  # The agent's page: the view, its toolbar and strip, the desk.
    assert serious(page, WIDGET) == []  # The live session, with its masked fields' legend.
    colleague = session.invite("Dana")
    expect(agent.get_by_role("button", name="Hand over to Dana")).to_be_visible()
    assert serious(agent) == []  # The invite link, the colleagues watching.
    assert serious(colleague) == []  # A watcher's view.
    assert serious(page, WIDGET) == []  # Told who is watching.


def test_the_widget_works_from_the_keyboard_alone(page: Page, sample_site: str) -> None:
    page.goto(f"{sample_site}/shop/index.html")
    launcher = page.get_by_role("button", name="Co-browse")
    launcher.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_focused()  # The keyboard moves into what it opened.
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Yes")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("[data-cobrowse-session-id]")).to_be_visible()
    expect(dialog).to_be_focused()  # Still in the panel, whose content changed.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")  # Back to the session: its ID, its status and Exit.
    expect(dialog).to_be_focused()
    exit_button = dialog.get_by_role("button", name="Exit co-browse session")
    while not exit_button.evaluate("(b) => b.getRootNode().activeElement === b"):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(WIDGET).get_by_role("status")).to_contain_text("ended")


def test_a_dark_page_gets_a_dark_widget_that_axe_still_passes(page: Page, sample_site: str) -> None:
    page.emulate_media(color_scheme="dark")
    page.goto(f"{sample_site}/support/index.html")
    page.get_by_role("button", name="Co-browse").first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_have_css("background-color", "rgb(22, 31, 51)")
    assert serious(page, WIDGET) == []
    page.get_by_role("button", name="Live chat").click()
    expect(page.get_by_role("textbox", name="Message")).to_be_visible()
    assert serious(page, WIDGET) == []
