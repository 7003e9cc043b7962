"""The command line: ``cobrowse serve | cluster | demo | site | history | recordings`` (also
``python -m mirror``)."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from mirror.config import Config, load_config
from mirror.errors import CobrowseError
from mirror.history import HistoryStore
from mirror.recording import commands as recording_commands
from mirror.recording.store import StoreError
from mirror.sample_site import build_site_app
from mirror.server.app import build_app
from mirror.server.keys import Settings
from mirror.server.memory import freeze_start_up
from mirror.webhooks import commands as webhook_commands

DEFAULT_DB = "sqlite:///cobrowse.db"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cobrowse", description="Co-browsing for contact centres.")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the co-browse server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--config", type=Path, help="TOML configuration file")
    serve.add_argument("--db", default=DEFAULT_DB, help="sqlite:///path or postgresql://...")
    serve.add_argument("--redis", help="redis://... shared by the nodes of a cluster")
    serve.add_argument("--node", help="this node's name in the cluster (default: host-pid)")
    cluster = sub.add_parser(
        "cluster", help="a cluster on this machine: Redis, PostgreSQL, nodes, HAProxy"
    )
    cluster.add_argument("--nodes", type=int, default=3)
    cluster.add_argument(
        "--port", type=int, default=8080, help="the balancer's; the sample site takes the next"
    )
    cluster.add_argument("--db", help="postgresql://... (default: a PostgreSQL started for it)")
    demo = sub.add_parser("demo", help="the demo kiosk: server, sample shop and both views")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--db", default=DEFAULT_DB)
    site = sub.add_parser("site", help="serve a folder of pages with cobrowse.js embedded")
    site.add_argument("root", type=Path, nargs="?", default=FIXTURES)
    site.add_argument("--host", default="127.0.0.1")
    site.add_argument("--port", type=int, default=8081)
    site.add_argument("--server", default="http://127.0.0.1:8080", help="co-browse server URL")
    history = sub.add_parser("history", help="the recorded sessions, newest first")
    history.add_argument("--db", default=DEFAULT_DB)
    history.add_argument("--json", action="store_true", help="one JSON array")
    recording_commands.add_parser(sub, DEFAULT_DB)
    webhook_commands.add_parser(sub)
    return p


async def run_until_signal(*apps: tuple[web.Application, str, int, str]) -> None:
    """Start each (app, host, port, label), print its URL, and run until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runners: list[web.AppRunner] = []
    try:
        for app, host, port, label in apps:
            runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=5)
            await runner.setup()
            runners.append(runner)
            await web.TCPSite(runner, host, port).start()
            bound_host, bound_port = runner.addresses[0][:2]
            print(f"{label} on http://{bound_host}:{bound_port}", flush=True)
        # The process is this command's, so its collector is too (an app embedded in another
        # process leaves that process's alone): see mirror/server/memory.py.
        freeze_start_up()
        await stop.wait()
    finally:
        for runner in reversed(runners):
            await runner.cleanup()


def serve(*apps: tuple[web.Application, str, int, str]) -> None:
    """:func:`run_until_signal` on uvloop's event loop where it is installed (a dependency
    except on Windows): the server's own share of each frame is smaller on it."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(run_until_signal(*apps))
        return
    uvloop.run(run_until_signal(*apps))


def settings_for(config: Config, db: str, kiosk_site: str | None = None) -> Settings:
    return Settings(
        config=config, db=db, chromium=os.environ.get("CHROMIUM"), kiosk_site=kiosk_site
    )


def cmd_serve(args: argparse.Namespace) -> None:
    config = load_config(args.config)
    if args.redis:
        config.cluster.redis_url = args.redis
    settings = settings_for(config, args.db)
    app = build_app(dataclasses.replace(settings, node=args.node))
    serve((app, args.host, args.port, "cobrowse serving"))


def cmd_cluster(args: argparse.Namespace) -> None:
    from mirror.cluster import launch  # Only this command needs the servers it starts.

    launch.main(args.nodes, args.port, args.db)


def cmd_demo(args: argparse.Namespace) -> None:
    server = f"http://127.0.0.1:{args.port}"
    site = f"http://127.0.0.1:{args.port + 1}"
    config = Config()
    # The render page may fetch the sample shop's assets; its partner page frames the courier's
    # page from the other loopback name, as a site of another origin.
    config.server.allowed_origins = [site, f"http://localhost:{args.port + 1}"]
    app = build_app(settings_for(config, args.db, kiosk_site=f"{site}/shop/"))
    serve(
        (app, "127.0.0.1", args.port, "cobrowse demo kiosk"),
        (build_site_app(FIXTURES, server), "127.0.0.1", args.port + 1, "sample site"),
    )


def cmd_site(args: argparse.Namespace) -> None:
    app = build_site_app(args.root, args.server)
    serve((app, args.host, args.port, "sample site"))


async def _history(db: str) -> list[dict[str, object]]:
    store = HistoryStore(db)
    try:
        await store.create_tables()
        return await store.list()
    finally:
        await store.close()


def cmd_history(args: argparse.Namespace) -> None:
    records = asyncio.run(_history(args.db))
    if args.json:
        print(json.dumps(records, indent=2))
        return
    columns = ("uuid", "state", "created_at", "ended_at", "end_reason", "interaction_id")
    print("  ".join(f"{c:<36}" if c == "uuid" else c for c in columns))
    for r in records:
        print("  ".join(str(r[c] if r[c] is not None else "-") for c in columns))


def cmd_recordings(args: argparse.Namespace) -> int:
    try:
        return recording_commands.run(args)
    except (StoreError, ValueError) as exc:  # An unknown UUID, a store that cannot be read.
        raise CobrowseError(str(exc)) from None


COMMANDS: dict[str, Callable[[argparse.Namespace], int | None]] = {
    "serve": cmd_serve,
    "cluster": cmd_cluster,
    "demo": cmd_demo,
    "site": cmd_site,
    "history": cmd_history,
    "recordings": cmd_recordings,
    "webhooks": webhook_commands.run,
}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    try:
        return COMMANDS[args.command](args) or 0
    except CobrowseError as exc:
        print(f"cobrowse: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
