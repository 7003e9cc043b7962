"""The customer's widget speaks the page's language: data-lang picks one of those shipped, the
server's [texts] and the tag's data-text-* attributes override any text; and a server at capacity
tells the customer it is busy, in the same words as the rest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from mirror.testing.processes import ChildProcess
from mirror.testing.server import started_server
from tests.conftest import TEST_CONFIG

CONFIG = """
[cluster]
max_mirrors = 1
[texts]
readId = "Please read this number to the person helping you:"
[texts.de]
waiting = "Einen Moment: Ihr Berater kommt gleich."
"""


PAGES = {
    "de": 'data-lang="de-DE" data-text-yes="Ja, bitte"',
    "fr": 'data-lang="fr"',
    "es": 'data-lang="es"',
    "en": "",
}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server, and a site of one page per script tag's attributes (``/{name}.html``)."""
    folder = tmp_path_factory.mktemp("texts")
    pages = folder / "site"
    pages.mkdir()
    for name, attributes in PAGES.items():
        (pages / f"{name}.html").write_text(
            '<!doctype html><html><body><h1>Bestellung</h1><script src="__COBROWSE__/cobrowse.js"'
            f" {attributes} defer></script></body></html>"
        )
    with started_server(CONFIG + TEST_CONFIG, folder) as server:
        site_args = ["site", str(pages), "--port", "0", "--server", server.url]
        with ChildProcess(site_args) as site:
            yield site.url


def test_data_lang_speaks_german_with_the_servers_and_the_tags_words(page: Page, shop: str) -> None:
    page.goto(f"{shop}/de.html")
    page.get_by_role("button", name="Co-Browsing").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Telefonat oder Chat")
    expect(dialog.get_by_role("button", name="Nein")).to_be_visible()
    dialog.get_by_role("button", name="Ja, bitte").click()  # The tag's own word.
    expect(dialog).to_contain_text("Please read this number")  # [texts], every language.
    expect(page.get_by_role("status")).to_have_text("Einen Moment: Ihr Berater kommt gleich.")
    dialog.get_by_role("button", name="Co-Browsing-Sitzung beenden").click()
    expect(page.get_by_role("status")).to_have_text("Co-Browsing-Sitzung beendet.")


@pytest.mark.parametrize(
    ("lang", "button", "question"),
    [("fr", "Co-navigation", "appel ou en chat"), ("es", "Navegación compartida", "llamada")],
)
def test_french_and_spanish_are_shipped(
    page: Page, shop: str, lang: str, button: str, question: str
) -> None:
    page.goto(f"{shop}/{lang}.html")
    page.get_by_role("button", name=button).click()
    expect(page.get_by_role("dialog")).to_contain_text(question)


def test_a_full_server_tells_the_next_customer_it_is_busy(
    page: Page, browser: Browser, shop: str
) -> None:
    first = page
    first.goto(f"{shop}/en.html")
    first.get_by_role("button", name="Co-browse").click()
    first.get_by_role("button", name="Yes").click()
    expect(first.locator("[data-cobrowse-session-id]")).to_be_visible()
    second = browser.new_context().new_page()
    second.goto(f"{shop}/en.html")
    second.get_by_role("button", name="Co-browse").click()
    second.get_by_role("button", name="Yes").click()
    expect(second.get_by_role("status")).to_contain_text("busy")
    expect(second.get_by_role("status")).not_to_contain_text("ended")
    expect(first.get_by_role("status")).to_contain_text("Waiting for the representative")
