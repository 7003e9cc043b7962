"""``cobrowse recordings list | verify UUID | export UUID --out FILE``: the recordings of the
store that ``[recording] store`` names, found through the history database's index."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from mirror.config import load_config
from mirror.history import HistoryStore
from mirror.recording.reader import read_recording
from mirror.recording.recordings import Recordings


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], db: str) -> None:
    recordings = sub.add_parser("recordings", help="list, verify and export recordings")
    actions = recordings.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the recordings, newest first (JSON)")
    verify = actions.add_parser("verify", help="check a recording's chunks and hash chain")
    verify.add_argument("uuid")
    export = actions.add_parser("export", help="the recording as a video (.mp4 or .webm)")
    export.add_argument("uuid")
    export.add_argument("--out", type=Path, required=True)
    for action in (listing, verify, export):
        action.add_argument("--config", type=Path, help="TOML configuration file")
        action.add_argument("--db", default=db)


@asynccontextmanager
async def _recordings(args: argparse.Namespace) -> AsyncIterator[Recordings]:
    config = load_config(args.config)
    history = HistoryStore(args.db)
    try:
        await history.create_tables()
        yield Recordings.open(config.recording, args.db, history, "cli")
    finally:
        await history.close()


async def _list(args: argparse.Namespace) -> int:
    async with _recordings(args) as recordings:
        print(json.dumps(await recordings.history.list_recordings(), indent=2))
    return 0


async def _verify(args: argparse.Namespace) -> int:
    """0 when every chunk is intact and the chain is whole; 1 naming each damaged chunk."""
    async with _recordings(args) as recordings:
        indexed = await recordings.history.get_recording(args.uuid)
        head = indexed["head"] if indexed else None
        reading = await read_recording(recordings.store, args.uuid, head)
    for damage in reading.damaged:
        print(f"chunk {damage.n}: {damage.why}")
    chunks = len(reading.manifest.chunks)
    if reading.damaged:
        print(f"recording {args.uuid}: {len(reading.damaged)} damaged of {chunks} chunks")
        return 1
    print(f"recording {args.uuid}: intact ({chunks} chunks, {reading.manifest.duration:.1f} s)")
    return 0


async def _export(args: argparse.Namespace) -> int:
    from mirror.recording.export import export_video  # PyAV loads only for this.

    async with _recordings(args) as recordings:
        reading = await read_recording(recordings.store, args.uuid)
    for damage in reading.damaged:
        print(f"chunk {damage.n} left out: {damage.why}")
    duration = reading.manifest.duration
    figures = await asyncio.to_thread(export_video, reading.chunks, args.out, duration)
    print(f"{args.out}: {figures}")
    return 0


def run(args: argparse.Namespace) -> int:
    action = {"list": _list, "verify": _verify, "export": _export}[args.action]
    return asyncio.run(action(args))
