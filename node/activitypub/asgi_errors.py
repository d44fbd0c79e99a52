"""A JSON error answer sent from plain ASGI code (the middlewares that answer before
Starlette's routing: the inbox door and authorized fetch)."""

from __future__ import annotations

import orjson
from starlette.types import Send


async def send_json_error(send: Send, status: int, reason: str,
                          headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """``{"error": reason}`` with ``status``, plus ``headers``."""
    body = orjson.dumps({"error": reason})
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        *(headers or [])]})
    await send({"type": "http.response.body", "body": body})
