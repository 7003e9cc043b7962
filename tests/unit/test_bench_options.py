"""The benchmark's command line: which page the customers open, and what it refuses."""

from __future__ import annotations

import pytest

from bench.__main__ import parse
from bench.options import CUSTOMER_PATH

SITE = "http://127.0.0.1:8000"


def test_the_customers_open_the_checkout_on_the_sample_site_by_default() -> None:
    options = parse(["--quick"])
    assert options.page == CUSTOMER_PATH
    assert options.customer_url(SITE) == SITE + CUSTOMER_PATH


def test_a_path_is_on_the_sample_site_and_a_url_is_taken_as_it_is() -> None:
    assert parse(["--page", "/stores/"]).customer_url(SITE) == SITE + "/stores/"
    url = "https://shop.example/basket?step=2"
    assert parse(["--page", url]).customer_url(SITE) == url


@pytest.mark.parametrize(
    "page", ["shop/", "//shop.example/", "ftp://shop.example/", "https://", "javascript:alert(1)"]
)
def test_a_page_that_is_neither_is_refused(page: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse(["--page", page])
    assert "not a path on the sample site or an http(s) URL" in capsys.readouterr().err


def test_a_mixed_step_has_typing_reading_and_idle_sessions_changing_as_long() -> None:
    options = parse(["--mix", "--changes", "100", "--rate", "5"])
    paces = [options.scale_pace(i) for i in range(10)]
    assert paces.count((100, 200)) == 2  # Typing: 5 a second.
    assert paces.count((20, 1000)) == 4  # Reading: one a second.
    assert paces.count((0, 20000)) == 4  # Idle: as long, nothing changing.
    assert parse([]).scale_pace(7) == (parse([]).changes, parse([]).change_interval_ms)
