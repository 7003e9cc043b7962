"""Files shipped inside the package: built browser bundles (``static/``) and pages (``web/``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


class AssetMissing(FileNotFoundError):
    """A bundle has not been built: ``make setup`` builds them."""


@cache
def package_file(name: str) -> bytes:
    """The bytes of ``name`` (relative to the package), read once."""
    path = (PACKAGE_DIR / name).resolve()
    if not path.is_relative_to(PACKAGE_DIR) or not path.is_file():
        raise AssetMissing(f"{name} is missing: run 'make setup' to build the browser bundles")
    return path.read_bytes()
