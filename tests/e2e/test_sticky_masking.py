"""Hidden is for the life of the page, in real Chromium: a password field that a "show password"
button switches to ``type=text``, and a field moved out of a hidden container, stay hidden in
every byte, in the agent's view and after the agent reloads (a fresh snapshot); hidden checkboxes
and radios never tell whether they are checked."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from mirror.testing import ActionRefused, Cobrowse, CobrowseSession
from mirror.testing.fidelity import Box, block_means, differing_blocks
from tests.e2e.matching import area_of, start
from tests.e2e.test_privacy import assert_nowhere, without_masking

PASSWORD = "eye-Canary-4471!"
SHOWN_TAIL = "typed-while-shown-8812"  # Typed after the field became type=text.
NOTE = "vault-Canary-2290"
MOVED_TAIL = "typed-out-in-the-open-6634"  # Typed after the field left its hidden container.
PLAN = "plan-gold-7302"  # The value of the hidden radio the customer picks.
SHOWN = "#password"
MOVE = "(to) => document.getElementById(to).append(document.getElementById('vault-note'))"


def rejoin(session: CobrowseSession) -> None:
    """The agent reloads /agent: the page comes back with a fresh snapshot of the customer's."""
    agent = session.agent
    assert agent is not None
    agent.reload()
    expect(agent.get_by_role("status")).to_contain_text("active")
    expect(agent.locator("[data-cobrowse-view][data-frames]")).to_be_visible()
    sync(session, "after the reload")


def sync(session: CobrowseSession, text: str) -> None:
    """Everything the customer did so far has reached the agent's view."""
    session.customer.locator("#progress").fill(text)
    session.assert_shown_to_agent("#progress")


def test_a_password_shown_by_its_eye_button_stays_hidden(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/privacy/")
    field = page.locator(SHOWN)
    field.fill(PASSWORD)
    session.agent_click("#show-password")  # A plain button: the agent may press it.
    expect(field).to_have_attribute("type", "text")
    field.press("End")
    field.press_sequentially(SHOWN_TAIL)
    sync(session, "shown")
    session.assert_hidden_from_agent(SHOWN)
    with pytest.raises(ActionRefused, match="masked"):
        session.agent_click(SHOWN)
    rejoin(session)
    session.assert_hidden_from_agent(SHOWN)
    expect(field).to_have_attribute(
        "data-cobrowse-masked", ""
    )  # The customer still sees it marked.
    assert_nowhere(session, PASSWORD, SHOWN_TAIL)


def test_a_password_shown_in_one_session_stays_hidden_in_the_next(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    first = start(page, cobrowse, f"{sample_site}/privacy/")
    page.locator(SHOWN).fill(PASSWORD)
    first.agent_click("#show-password")
    expect(page.locator(SHOWN)).to_have_attribute("type", "text")
    first.end()
    second = cobrowse.start(page)  # The same page: the field is still type=text.
    second.join()
    sync(second, "the next session")
    second.assert_hidden_from_agent(SHOWN)
    assert_nowhere(first, PASSWORD)
    assert_nowhere(second, PASSWORD)


def test_a_field_moved_out_of_a_hidden_container_stays_hidden(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/privacy/")
    note = page.locator("#vault-note")
    note.fill(NOTE)  # Before the session, inside the hidden container.
    session = cobrowse.start(page)
    session.join()
    move_out = (
        "() => document.getElementById('open-area').append(document.getElementById('vault-note'))"
    )
    page.evaluate(move_out)
    note.press("End")
    note.press_sequentially(MOVED_TAIL)
    sync(session, "moved out")
    session.assert_hidden_from_agent("#vault-note")
    # Back into the container and out again: still the same private field.
    page.evaluate(
        "() => document.getElementById('vault').append(document.getElementById('vault-note'))"
    )
    page.evaluate(move_out)
    rejoin(session)
    session.assert_hidden_from_agent("#vault-note")
    assert_nowhere(session, NOTE, MOVED_TAIL)


def preferences_in_view(session: CobrowseSession) -> tuple[int, int, int, int]:
    page = session.customer
    page.locator("#preferences").scroll_into_view_if_needed()
    return area_of(page, "#preferences", margin=0)


def assert_same_view(
    before: Image.Image, after: Image.Image, why: str, ignore: list[Box] | None = None
) -> None:
    """The two pictures of the view agree; if not, the blocks' greys are in the message (a CI
    log keeps them) and both pictures in a folder."""
    blocks, _ = differing_blocks(before, after, ignore)
    if blocks:
        folder = Path(tempfile.mkdtemp(prefix="cobrowse-evidence-"))
        before.save(folder / "before.png")
        after.save(folder / "after.png")
        grey_before, grey_after = block_means(before).load(), block_means(after).load()
        assert grey_before is not None and grey_after is not None
        found = ", ".join(
            f"({x * 8},{y * 8}) grey {grey_before[x, y]} -> {grey_after[x, y]}"
            for x, y in sorted(blocks)
        )
        raise AssertionError(f"{why}: 8x8 blocks at {found}; pictures in {folder}")


def check_hidden_choices(page: Page) -> None:
    """The customer ticks the hidden box and picks a hidden radio, with keys (no pointer on the
    view to tell the pictures apart)."""
    page.locator("#newsletter").focus()
    page.keyboard.press("Space")
    page.locator("#plan-gold").focus()
    page.keyboard.press("Space")
    expect(page.locator("#newsletter")).to_be_checked()
    expect(page.locator("#plan-gold")).to_be_checked()


def test_a_hidden_checkbox_or_radio_does_not_tell_its_state(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/privacy/")
    area = preferences_in_view(session)
    sync(session, "before")
    before = session.view_image().crop(area)
    check_hidden_choices(page)
    sync(session, "after")
    after = session.view_image().crop(area)
    # The site's `:checked + label` style would show in the labels beside the flat boxes.
    assert_same_view(before, after, "the view shows which hidden choice is on")
    rejoin(session)
    assert_same_view(before, session.view_image().crop(area), "the fresh snapshot shows it")
    session.assert_never_sent(PLAN)
    for message in session.wire_log.by_page["customer"]:
        # The page has no checkbox or radio that is not hidden: no state of one may travel.
        assert b'"isChecked":true' not in message
        assert b'"checked":' not in message


def test_a_click_no_pointer_made_draws_no_pointer(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    """Space on a checkbox, or a script's click(), is a click without a pointer (at 0, 0): the
    view draws the customer's pointer nowhere for it. Drawn at the element, it would show which
    hidden radio the customer picked."""
    session = start(page, cobrowse, f"{sample_site}/privacy/")
    sync(session, "before")
    before = session.view_image()
    check_hidden_choices(page)
    # Last, so that a pointer drawn would be in the open beside the heading, not under a box.
    page.evaluate("() => document.querySelector('#preferences h2').click()")
    sync(session, "after")
    progress = area_of(page, "#progress", margin=8)
    assert_same_view(before, session.view_image(), "a pointer drawn", ignore=[progress])


def test_layers_two_and_three_keep_a_shown_password_hidden_without_layer_one(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.route_web_socket("**/ws/customer", without_masking)
    session = start(page, cobrowse, f"{sample_site}/privacy/")
    page.locator(SHOWN).fill(PASSWORD)
    sync(session, "typed")
    session.assert_hidden_from_agent(SHOWN)
    page.locator("#show-password").click()  # The customer's own click this time.
    expect(page.locator(SHOWN)).to_have_attribute("type", "text")
    sync(session, "shown")
    session.assert_hidden_from_agent(SHOWN)
    for message in session.wire_log.by_page["agent"]:
        assert PASSWORD.encode() not in message
