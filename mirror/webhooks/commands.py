"""``cobrowse webhooks test``: one signed ``webhook.test`` event to the configured URL now, to
check the receiver and its signature check before a session depends on them."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import aiohttp

from mirror.config import load_config
from mirror.errors import CobrowseError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    webhooks = sub.add_parser("webhooks", help="check the webhook receiver")
    actions = webhooks.add_subparsers(dest="action", required=True)
    test = actions.add_parser("test", help="send one signed webhook.test event now")
    test.add_argument("--config", type=Path, help="TOML configuration file")


def run(args: argparse.Namespace) -> int:
    from mirror.webhooks.sender import send_test  # The database layer only when it runs.

    config = load_config(args.config).webhooks
    if not config.url:
        raise CobrowseError("no [webhooks] url in the configuration: nothing to test")
    try:
        status = asyncio.run(send_test(config))
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        print(f"{config.url}: no answer ({type(exc).__name__}: {exc})")
        return 1
    print(f"{config.url}: HTTP {status}")
    return 0 if 200 <= status < 300 else 1
