"""The server process itself: guessing IDs is locked out, SIGTERM ends live sessions for both
sides, and a crash leaves no history row open after the next start."""

from __future__ import annotations

import json
import signal
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp

from mirror.testing.processes import ChildProcess
from tests.aio import in_thread
from tests.wsclient import closed_with, open_customer, receive_json, receive_status, ws_url


def serve(folder: Path) -> ChildProcess:
    return ChildProcess(["serve", "--port", "0", "--db", f"sqlite:///{folder / 'h.db'}"])


def history(url: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{url}/api/sessions", timeout=10) as response:
        return list(json.load(response))


async def try_join(http: aiohttp.ClientSession, url: str, access_id: str) -> dict[str, Any]:
    agent = await http.ws_connect(ws_url(url, "agent"))
    await agent.send_json({"v": 1, "type": "join", "id": access_id})
    answer = await receive_json(agent)
    await agent.close()
    return answer


@in_thread
async def test_a_burst_of_wrong_ids_is_locked_out(tmp_path: Path) -> None:
    with serve(tmp_path) as server:
        async with aiohttp.ClientSession() as http:
            _, info = await open_customer(http, server.url)
            wrong = f"{(int(info['id']) + 1) % 10**9:09d}"
            answers = [await try_join(http, server.url, wrong) for _ in range(5)]
            assert all(a["error"] == "unknown_session" for a in answers)
            # Locked out now: even the right ID gets exactly the same answer.
            locked = await try_join(http, server.url, info["id"])
            assert locked == answers[0]


@in_thread
async def test_sigterm_ends_live_sessions_for_both_sides(tmp_path: Path) -> None:
    server = serve(tmp_path).start()
    try:
        async with aiohttp.ClientSession() as http:
            customer, info = await open_customer(http, server.url)
            agent = await http.ws_connect(ws_url(server.url, "agent"))
            await agent.send_json({"v": 1, "type": "join", "id": info["id"]})
            await receive_status(agent, "active")
            assert server.process is not None
            server.process.send_signal(signal.SIGTERM)
            for ws in (customer, agent):
                status = await receive_status(ws, "ended")
                assert status["reason"] == "server_shutdown"
    finally:
        assert server.stop() == 0
    with serve(tmp_path) as again:
        records = history(again.url)
    assert [(r["state"], r["end_reason"]) for r in records] == [("ended", "server_shutdown")]


@in_thread
async def test_a_crash_leaves_no_row_open_after_the_next_start(tmp_path: Path) -> None:
    server = serve(tmp_path).start()
    async with aiohttp.ClientSession() as http:
        await open_customer(http, server.url)
        await open_customer(http, server.url)
        assert [r["state"] for r in history(server.url)] == ["idle", "idle"]
        assert server.process is not None
        server.process.kill()  # No chance to close anything.
        server.stop()
    with serve(tmp_path) as again:
        records = history(again.url)
    assert len(records) == 2
    assert all(r["state"] == "ended" and r["end_reason"] == "server_shutdown" for r in records)
    assert all(r["ended_at"] for r in records)


@in_thread
async def test_allowed_origins_guard_the_customer_socket_and_the_script(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('[server]\nallowed_origins = ["http://shop.test"]\n')
    args = ["serve", "--port", "0", "--config", str(tmp_path / "c.toml")]
    with ChildProcess([*args, "--db", f"sqlite:///{tmp_path / 'h.db'}"]) as server:
        async with aiohttp.ClientSession() as http:
            _, info = await open_customer(http, server.url, origin="http://shop.test")
            assert info["type"] == "session"
            ws = await http.ws_connect(ws_url(server.url, "customer"), origin="http://evil.test")
            assert (await receive_json(ws))["error"] == "forbidden_origin"
            assert (await closed_with(ws))[0] == 4403
            script = f"{server.url}/cobrowse.js"
            async with http.get(script, headers={"Origin": "http://shop.test"}) as response:
                assert response.headers["Access-Control-Allow-Origin"] == "http://shop.test"
            async with http.get(script, headers={"Origin": "http://evil.test"}) as response:
                assert "Access-Control-Allow-Origin" not in response.headers


@in_thread
async def test_a_frame_shares_only_when_both_origins_are_allowed(tmp_path: Path) -> None:
    config = '[server]\nallowed_origins = ["http://shop.test", "http://courier.test"]\n'
    config += '[masking]\nhidden = ["#pin"]\n'
    (tmp_path / "c.toml").write_text(config)
    args = ["serve", "--port", "0", "--config", str(tmp_path / "c.toml")]
    with ChildProcess([*args, "--db", f"sqlite:///{tmp_path / 'h.db'}"]) as server:
        async with aiohttp.ClientSession() as http:

            async def ask(parent: str, frame: str) -> tuple[int, dict[str, Any], str | None]:
                url = f"{server.url}/frame-policy"
                headers = {"Origin": frame}
                async with http.get(url, params={"parent": parent}, headers=headers) as response:
                    cors = response.headers.get("Access-Control-Allow-Origin")
                    return response.status, await response.json(), cors

            status, rules, cors = await ask("http://shop.test", "http://courier.test")
            assert (status, rules["share"], cors) == (200, True, "http://courier.test")
            assert rules["policy"]["hidden"] == ["#pin"]  # The server's policy, for the frame.
            _, rules, cors = await ask("http://evil.test", "http://courier.test")
            assert rules == {"share": False} and cors == "http://courier.test"
            # A frame from an origin not allowed cannot even read the answer.
            _, rules, cors = await ask("http://shop.test", "http://ads.test")
            assert rules == {"share": False} and cors is None
            status, rules, _ = await ask("javascript:alert(1)", "http://courier.test")
            assert (status, rules["error"]) == (400, "bad_parent")
