"""A contact centre's desktop, as small as it gets: it hears the co-browse server's webhooks
(checking each signature) and shows the agent the customer's screen in <cobrowse-view>, joined
with a one-time token its back end asks for with the agent key. Run it beside a server whose
[server] agent_origins lists this page's origin and whose [webhooks] url is this page's /hooks:

    AGENT_KEY=... WEBHOOK_SECRET=... python desktop.py --cobrowse https://cobrowse.example
"""

import argparse
import hashlib
import hmac
import json
import os
import time

import aiohttp
from aiohttp import web

PAGE = """<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Desktop</title>
<script src="COBROWSE/agent-view.js"></script>
<h1>Customer case</h1>
<form id="ask"><label>Session ID <input id="session-id" required></label>
  <button>Show the customer's screen</button></form>
<ul id="view-log" aria-label="View events"></ul>
<cobrowse-view></cobrowse-view>
<ul id="hooks" aria-label="Webhook events"></ul>
<script>
  const view = document.querySelector("cobrowse-view");
  const note = (list, text) => document.getElementById(list).append(
    Object.assign(document.createElement("li"), { textContent: text }));
  for (const type of ["joined", "refused", "ended"]) {
    view.addEventListener(type, (e) => note("view-log", `${type} ${JSON.stringify(e.detail)}`));
  }
  document.getElementById("ask").addEventListener("submit", async (e) => {
    e.preventDefault();
    const answer = await fetch("/token", { method: "POST",
      body: JSON.stringify({ session_id: document.getElementById("session-id").value }) });
    const body = await answer.json();
    if (answer.ok) view.join(body.token); else note("view-log", `no token: ${body.detail}`);
  });
  let shown = 0;
  setInterval(async () => {
    const events = await (await fetch("/events")).json();
    for (const event of events.slice(shown)) note("hooks", `${event.type} ${event.reason || ""}`);
    shown = events.length;
  }, 500);
</script>"""


def verified(secret: str, header: str, body: bytes, tolerance_s: int = 300) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    t = int(parts.get("t", "0")) if parts.get("t", "").isdigit() else 0
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return abs(time.time() - t) <= tolerance_s and hmac.compare_digest(digest, parts.get("v1", ""))


def desktop(cobrowse: str, agent_key: str, secret: str) -> web.Application:
    events: dict[str, dict[str, object]] = {}  # By event id: a retried event is kept once.

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE.replace("COBROWSE", cobrowse), content_type="text/html")

    async def token(request: web.Request) -> web.Response:
        wanted = {"session_id": (await request.json()).get("session_id", "")}
        headers = {"Authorization": f"Bearer {agent_key}"}
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{cobrowse}/api/joins", json=wanted, headers=headers) as answer,
        ):
            return web.json_response(await answer.json(), status=answer.status)

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        if not verified(secret, request.headers.get("X-Cobrowse-Signature", ""), body):
            return web.Response(status=401)
        event = json.loads(body)
        events.setdefault(event["id"], event)
        return web.Response(status=204)

    async def listed(request: web.Request) -> web.Response:
        return web.json_response(list(events.values()))

    app = web.Application()
    app.add_routes([web.get("/", page), web.post("/token", token)])
    app.add_routes([web.post("/hooks", hook), web.get("/events", listed)])
    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cobrowse", required=True, help="the co-browse server's address")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    app = desktop(args.cobrowse.rstrip("/"), os.environ["AGENT_KEY"], os.environ["WEBHOOK_SECRET"])
    web.run_app(app, host="127.0.0.1", port=args.port)
