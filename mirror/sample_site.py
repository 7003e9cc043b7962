"""Serves a folder of web pages with the co-browse script embedded, on its own origin.

Pages carry ``<script src="__COBROWSE__/cobrowse.js" defer>``; the placeholder becomes the
co-browse server's URL. Used by the demo kiosk, the tests, and anyone trying the script locally.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

PLACEHOLDER = "__COBROWSE__"
TYPES = {
    ".html": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".webm": "video/webm",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".json": "application/json",
    ".woff2": "font/woff2",
}


def build_site_app(root: Path, server_url: str) -> web.Application:
    root = root.resolve()
    server_url = server_url.rstrip("/")

    async def serve(request: web.Request) -> web.StreamResponse:
        path = (root / request.match_info["path"]).resolve()
        if path.is_dir():
            path = path / "index.html"
        if not path.is_relative_to(root) or not path.is_file():
            raise web.HTTPNotFound(text="no such page")
        content_type = TYPES.get(path.suffix, "application/octet-stream")
        if path.suffix == ".html":
            text = path.read_text(encoding="utf-8").replace(PLACEHOLDER, server_url)
            return web.Response(text=text, content_type=content_type)
        return web.Response(body=path.read_bytes(), content_type=content_type)

    async def post_page(request: web.Request) -> web.StreamResponse:
        await request.post()  # Forms post to the next page, as a real site would.
        return await serve(request)

    app = web.Application()
    app.router.add_get("/{path:.*}", serve)
    app.router.add_post("/{path:.*}", post_page)
    return app
