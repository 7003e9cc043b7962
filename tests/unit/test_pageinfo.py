"""The page the agent's status strip names: from the customer's Meta events, the path without
the query string or fragment, and the title, bounded; anything else is not read."""

from __future__ import annotations

import json

from mirror.session.messages import PageShown
from mirror.session.pageinfo import MAX_TITLE, page_shown


def meta(href: str, title: str | None = None) -> bytes:
    data = {"href": href, "width": 1280, "height": 800}
    if title is not None:
        data["title"] = title
    return json.dumps({"type": 4, "data": data, "timestamp": 1}).encode()


def test_the_path_leaves_the_query_and_fragment_behind() -> None:
    shown = page_shown([meta("https://shop.example/pay/card?token=SECRET-1#cvc", "Pay  \n now")])
    assert shown == PageShown(path="/pay/card", title="Pay now")


def test_the_last_page_of_a_batch_wins_and_other_events_are_skipped() -> None:
    mutation = json.dumps({"type": 3, "data": {"source": 0, "href": "https://x.example/no"}})
    batch = [meta("https://shop.example/a"), mutation.encode(), meta("https://shop.example/b")]
    shown = page_shown(batch)
    assert shown is not None and shown.path == "/b" and shown.title == ""


def test_nothing_to_say_without_a_meta_event_or_with_a_broken_one() -> None:
    assert page_shown([b'{"type": 3, "data": {"source": 2}}']) is None
    assert page_shown([b'{"type": 4, "data": {"href": ']) is None
    assert page_shown([meta("https://shop.example/", "T" * 5000)]) is None  # Too large to be one.


def test_a_long_title_is_cut() -> None:
    shown = page_shown([meta("https://shop.example", "t" * 900)])
    assert shown is not None and len(shown.title) == MAX_TITLE and shown.path == "/"
