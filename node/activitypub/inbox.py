"""The inbox request: cap, parse, authenticate, check origin, store, answer 202.

ActivityPub section 7 (server-to-server delivery). Nothing but authentication and
storage happens here (ARCHITECTURE.md section 6); handlers run later in workers.
Every refusal is a 4xx with a JSON reason; a temporary failure to get the sender's
key is a 503 so the sender retries (INTEROP.md, "HTTP signatures").
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from node.activitypub.authenticate import authenticate_request, request_url
from node.activitypub.dispatch import object_type_of
from node.activitypub.inbox_store import ReceivedActivity
from node.activitypub.origin import check_origin
from node.activitypub.remote_actor import ActorKey
from node.activitypub.signatures import Rejected
from node.activitypub.vocab import ref
from node.runtime import node_of

MAX_BODY = 1_000_000
MAX_ID = 1024


class InboxRefusal(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def refusal(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)


async def read_capped_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The body, refused with 413 before buffering more than ``limit`` bytes.

    Starlette does not cap request bodies (SECURITY.md, "Fetching"), so a declared
    Content-Length over the cap is refused unread and a streamed body is cut off.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise InboxRefusal(400, "malformed Content-Length")
        if int(declared) > limit:
            raise InboxRefusal(413, f"body over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise InboxRefusal(413, f"body over {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect as exc:
        raise InboxRefusal(400, "client disconnected") from exc
    return b"".join(chunks)


def parse_activity(body: bytes) -> dict[str, Any]:
    """A JSON object with string ``id``, ``type`` and ``actor``, or a 400."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:  # also raised for nesting deeper than 1024
        raise InboxRefusal(400, f"body is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise InboxRefusal(400, "activity must be a JSON object")
    for key in ("id", "type"):
        value = document.get(key)
        if not isinstance(value, str) or not value or len(value) > MAX_ID:
            raise InboxRefusal(400, f"activity {key} must be a non-empty string")
    actor = ref(document.get("actor"))
    if actor is None or len(actor) > MAX_ID:
        raise InboxRefusal(400, "activity actor must be a URI or an object with an id")
    return document


async def authenticate(request: Request, body: bytes) -> ActorKey:
    """Verify the HTTP signature (one key refetch on failure) or refuse."""
    node = node_of(request)
    # The raw path: Starlette's url.path is percent-decoded, the signature is not.
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    url = request_url(node.settings.url, raw_path, request.scope.get("query_string", b""))
    key = await authenticate_request(node.services.actors, request.method, url,
                                     request.headers.items(), body, node.clock())
    if isinstance(key, Rejected):
        raise InboxRefusal(key.status, key.reason)
    return key


async def inbox(request: Request) -> Response:
    """POST /inbox, /users/{name}/inbox, /hubs/{name}/inbox, /actor/inbox."""
    node = node_of(request)
    try:
        body = await read_capped_body(request)
        activity = parse_activity(body)
        key = await authenticate(request, body)
        problem = check_origin(activity, key.owner)
        if problem is not None:
            raise InboxRefusal(401, problem)
    except InboxRefusal as exc:
        return refusal(exc.status, exc.reason)
    item = ReceivedActivity(
        activity_id=activity["id"],
        actor=key.owner,
        type=activity["type"][:64],
        object_type=object_type_of(activity)[:64],
        recipient=_recipient(request),
        body=body,
        received_at=node.clock(),
    )
    try:
        await node.services.writer.store(item)
    except Exception:  # the database is unavailable: the sender should retry
        return refusal(503, "could not store the activity, retry later")
    return Response(status_code=202)


def _recipient(request: Request) -> str | None:
    """The local actor whose personal inbox was used; None for the shared inbox."""
    path = request.url.path
    if path == "/inbox":
        return None
    return f"{node_of(request).settings.url}{path.removesuffix('/inbox')}"


def routes() -> list[BaseRoute]:
    return [
        Route("/inbox", inbox, methods=["POST"]),
        Route("/actor/inbox", inbox, methods=["POST"]),
        Route("/users/{name}/inbox", inbox, methods=["POST"]),
        Route("/hubs/{name}/inbox", inbox, methods=["POST"]),
        Route("/services/{name}/inbox", inbox, methods=["POST"]),
    ]
