"""The recordings for supervisors: the playback page ``/recordings/{uuid}``, its sign-in, and
``/api/recordings`` (list, index and chunks for playback, video export, erasure). Every path
needs a supervisor's key (``[server] supervisor_keys``) as a bearer token or the sign-in's
cookie; an agent's key opens none of them."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

import msgspec
from aiohttp import web

from mirror.recording.chunks import ChunkError, chunk_key
from mirror.recording.reader import check_chunk, prev_of, read_index, read_manifest, read_recording
from mirror.recording.recordings import Recordings
from mirror.recording.store import StoreError, StoreMissing
from mirror.server.api import UUID_RE
from mirror.server.auth import AgentAuth, valid_supervisor
from mirror.server.origins import agent_origin_allowed, own_origin
from mirror.server.pages import package_html
from mirror.server.responses import json_error

SUPERVISORS = web.AppKey("supervisor_auth", AgentAuth)
RECORDINGS = web.AppKey("recordings", Recordings)
VIDEO_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}


def _supervisor(request: web.Request) -> Recordings:
    """The recordings, for a supervisor; 401 (403 with no supervisor keys configured) else."""
    auth = request.app[SUPERVISORS]
    if not auth.required:
        raise json_error(
            web.HTTPForbidden, "no_supervisors", "recordings need [server] supervisor_keys"
        )
    if not valid_supervisor(auth, request):
        raise json_error(web.HTTPUnauthorized, "unauthorized", "send Authorization: Bearer KEY")
    return request.app[RECORDINGS]


def _uuid(request: web.Request) -> str:
    recording_uuid = request.match_info["uuid"].lower()
    if not UUID_RE.match(recording_uuid):
        raise json_error(web.HTTPNotFound, "unknown_recording", "no recording has that UUID")
    return recording_uuid


def _store_failed(exc: StoreError) -> web.HTTPException:
    if isinstance(exc, StoreMissing):
        return json_error(web.HTTPNotFound, "unknown_recording", "no recording has that UUID")
    return json_error(web.HTTPServiceUnavailable, "store_unavailable", str(exc))


async def player_page(request: web.Request) -> web.Response:
    auth = request.app[SUPERVISORS]
    signed_in = auth.required and auth.valid_cookie(request.cookies.get(auth.cookie))
    return package_html("web/recordings/player.html", needs_key=not signed_in)


async def sign_in(request: web.Request) -> web.Response:
    """The playback page trades a supervisor's key for an HttpOnly cookie (this server's own
    pages only: another site must not sign a supervisor in)."""
    if not agent_origin_allowed([], request.headers.get("Origin"), own_origin(request)):
        raise json_error(web.HTTPForbidden, "forbidden_origin", "only this server's pages")
    auth = request.app[SUPERVISORS]
    try:
        key = str((await request.json())["key"])
    except (ValueError, KeyError, TypeError):
        raise json_error(web.HTTPBadRequest, "bad_request", 'send {"key": "..."}') from None
    if not auth.required or not auth.valid_key(key):
        raise json_error(web.HTTPUnauthorized, "unauthorized", "that supervisor key is not valid")
    response = web.json_response({"signed_in": True})
    response.set_cookie(
        auth.cookie, auth.cookie_for(key), httponly=True, samesite="Strict", path="/",
        secure=request.secure,
    )  # fmt: skip
    return response


async def list_recordings(request: web.Request) -> web.Response:
    recordings = _supervisor(request)
    session, since = request.query.get("session"), request.query.get("since")
    if session is not None and not UUID_RE.match(session.lower()):
        raise json_error(web.HTTPBadRequest, "bad_session", "session must be a session's UUID")
    try:
        after = datetime.fromisoformat(since) if since else None
    except ValueError:
        raise json_error(
            web.HTTPBadRequest, "bad_since", "since must be an ISO 8601 time"
        ) from None
    found = await recordings.history.list_recordings(session and session.lower(), after)
    return web.json_response(found)


async def get_recording(request: web.Request) -> web.Response:
    """The recording's index for playback: its manifest, with any chunks written after it."""
    recordings, recording_uuid = _supervisor(request), _uuid(request)
    try:
        reading = await read_index(recordings.store, recording_uuid)
    except StoreError as exc:
        raise _store_failed(exc) from None
    except ValueError as exc:
        raise json_error(web.HTTPUnprocessableEntity, "damaged_recording", str(exc)) from None
    body = msgspec.to_builtins(reading.manifest)
    body["damaged"] = [{"n": d.n, "why": d.why} for d in reading.damaged]
    body["gaps"] = [{"from": a, "to": b} for a, b in reading.manifest.gaps]
    return web.json_response(body)


async def get_chunk(request: web.Request) -> web.Response:
    """One chunk's bytes, once checked against the manifest (a damaged one is refused: the
    player skips it)."""
    recordings, recording_uuid = _supervisor(request), _uuid(request)
    try:
        n = int(request.match_info["n"])
        manifest = await read_manifest(recordings.store, recording_uuid)
        data = await recordings.store.get(chunk_key(recording_uuid, n))
        entry = next((e for e in manifest.chunks if e.n == n), None)
        check_chunk(recording_uuid, n, data, entry, prev_of(manifest, n))
    except ChunkError as exc:
        raise json_error(web.HTTPUnprocessableEntity, "damaged_chunk", str(exc)) from None
    except ValueError:
        raise json_error(
            web.HTTPNotFound, "unknown_chunk", "the recording has no such chunk"
        ) from None
    except StoreError as exc:
        raise _store_failed(exc) from None
    return web.Response(body=data, content_type="application/octet-stream")


async def get_video(request: web.Request) -> web.StreamResponse:
    """The recording as a video (MP4, or WebM with ``?format=webm``), its events as subtitles;
    damaged chunks are left out."""
    recordings, recording_uuid = _supervisor(request), _uuid(request)
    kind = request.query.get("format", "mp4")
    if kind not in VIDEO_TYPES:
        raise json_error(web.HTTPBadRequest, "bad_format", "format must be mp4 or webm")
    try:
        reading = await read_recording(recordings.store, recording_uuid)
    except StoreError as exc:
        raise _store_failed(exc) from None
    except ValueError as exc:
        raise json_error(web.HTTPUnprocessableEntity, "damaged_recording", str(exc)) from None
    from mirror.recording.export import export_video  # PyAV loads only for this.

    folder = Path(tempfile.mkdtemp(prefix="cobrowse-export-"))
    out = folder / f"{recording_uuid}.{kind}"
    try:
        await asyncio.to_thread(export_video, reading.chunks, out, reading.manifest.duration)
        response = web.StreamResponse(headers={"Content-Type": VIDEO_TYPES[kind]})
        response.content_length = (await asyncio.to_thread(out.stat)).st_size
        await response.prepare(request)
        with out.open("rb") as file:
            while block := await asyncio.to_thread(file.read, 1 << 20):
                await response.write(block)
        await response.write_eof()
        return response
    finally:
        await asyncio.to_thread(shutil.rmtree, folder, True)


async def delete_recording(request: web.Request) -> web.Response:
    """Erasure: the recording's objects and its index row."""
    recordings, recording_uuid = _supervisor(request), _uuid(request)
    if await recordings.history.get_recording(recording_uuid) is None:
        raise json_error(web.HTTPNotFound, "unknown_recording", "no recording has that UUID")
    try:
        objects = await recordings.delete(recording_uuid)
    except StoreError as exc:
        raise _store_failed(exc) from None
    return web.json_response({"uuid": recording_uuid, "deleted": True, "objects": objects})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/recordings/{uuid}", player_page)
    app.router.add_post("/api/supervisor/sign-in", sign_in)
    app.router.add_get("/api/recordings", list_recordings)
    app.router.add_get("/api/recordings/{uuid}", get_recording)
    app.router.add_get("/api/recordings/{uuid}/chunks/{n}", get_chunk)
    app.router.add_get("/api/recordings/{uuid}/video", get_video)
    app.router.add_delete("/api/recordings/{uuid}", delete_recording)
