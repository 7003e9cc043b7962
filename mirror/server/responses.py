"""Errors as the API's clients see them: JSON ``{"error", "detail"}`` with a 4xx/5xx status,
never a stack trace."""

from __future__ import annotations

import json
import logging

from aiohttp import web
from aiohttp.typedefs import Handler

log = logging.getLogger("cobrowse.server")


def json_error(status: type[web.HTTPException], error: str, detail: str = "") -> web.HTTPException:
    return status(
        text=json.dumps({"error": error, "detail": detail}), content_type="application/json"
    )


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.content_type == "application/json" or exc.status < 400:
            raise
        error = exc.reason.lower().replace(" ", "_")
        raise json_error(type(exc), error, exc.text or exc.reason) from None
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path)
        raise json_error(
            web.HTTPInternalServerError, "internal_error", "see the server log"
        ) from None
