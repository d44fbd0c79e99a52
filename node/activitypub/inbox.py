"""The inbox request: parse, authenticate, check origin, store; or say why not.

ActivityPub section 7 (server-to-server delivery). Nothing but authentication and
storage happens here (ARCHITECTURE.md section 6); handlers run later in workers.
Every refusal is a 4xx with a reason; a temporary failure to get the sender's key or
to store the activity is a 503 so the sender retries (INTEROP.md, "HTTP signatures").
The HTTP side (routing, reading the capped body, answering) is in ``inbox_front``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from node.activitypub.authenticate import authenticate_request, request_url
from node.activitypub.dispatch import object_type_of
from node.activitypub.inbox_store import DuplicateActivityId, ReceivedActivity
from node.activitypub.json_budget import budget_problem
from node.activitypub.origin import check_origin
from node.activitypub.policy_gate import FORBIDDEN, signer_refusal
from node.activitypub.remote_actor import ActorKey
from node.activitypub.signatures import Rejected
from node.activitypub.vocab import ref
from node.runtime import Node

MAX_BODY = 1_000_000
MAX_ID = 1024
#: What an inbox POST may be (ActivityPub section 7: ``application/ld+json;
#: profile="https://www.w3.org/ns/activitystreams"``, and ``application/activity+json``,
#: which servers send more often). ``application/ld+json`` is taken with any profile or
#: none, and ``application/json``, which some servers send; parameters (charset) are fine.
INBOX_MEDIA_TYPES = frozenset({"application/activity+json", "application/ld+json",
                               "application/json"})


class InboxRefusal(Exception):
    """The activity is not accepted: ``status`` and ``reason`` are the answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def check_media_type(headers: Sequence[tuple[str, str]]) -> None:
    """A 415 unless the body is declared as ActivityStreams or JSON (issue 7, 2.5).

    A form, a multipart upload or ``text/plain`` is what a browser can send across
    origins without a preflight; whatever its body says, it is not a delivery.
    """
    declared = [value for name, value in headers if name == "content-type"]
    if len(declared) != 1:
        raise InboxRefusal(415, "send the activity as application/activity+json")
    kind = declared[0].partition(";")[0].strip().lower()
    if kind not in INBOX_MEDIA_TYPES:
        raise InboxRefusal(415, f"media type {kind!r} refused: send the activity as "
                                "application/activity+json")


def parse_activity(body: bytes) -> dict[str, Any]:
    """A JSON object within the budget, with string ``id``, ``type`` and ``actor``, or a 400.

    The budget (:mod:`json_budget`) makes sure that what is accepted can be stored.
    """
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:  # also raised for nesting deeper than 1024
        raise InboxRefusal(400, f"body is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise InboxRefusal(400, "activity must be a JSON object")
    problem = budget_problem(document, body)
    if problem is not None:
        raise InboxRefusal(400, f"activity refused: {problem}")
    for key in ("id", "type"):
        value = document.get(key)
        if not isinstance(value, str) or not value or len(value) > MAX_ID:
            raise InboxRefusal(400, f"activity {key} must be a non-empty string")
    actor = ref(document.get("actor"))
    if actor is None or len(actor) > MAX_ID:
        raise InboxRefusal(400, "activity actor must be a URI or an object with an id")
    return document


async def authenticate(node: Node, raw_target: tuple[bytes, bytes],
                       headers: Sequence[tuple[str, str]], body: bytes) -> ActorKey:
    """Verify the HTTP signature (one key refetch on failure) or refuse.

    ``raw_target`` is the raw path and query: the sender signed them undecoded.
    """
    url = request_url(node.settings.url, *raw_target)
    key = await authenticate_request(node.services.actors, "POST", url, headers, body,
                                     node.clock())
    if isinstance(key, Rejected):
        raise InboxRefusal(key.status, key.reason)
    return key


async def accept_activity(node: Node, path: str, raw_target: tuple[bytes, bytes],
                          headers: Sequence[tuple[str, str]], body: bytes) -> None:
    """Store the activity POSTed to inbox ``path`` once it is durable, or refuse it.

    The federation policy refuses a blocked signer or actor with a 403 before the key
    is fetched and the signature checked, and a blocked key owner right after.
    """
    check_media_type(headers)
    rules = await node.services.policy.current()
    refused = signer_refusal(rules, headers)
    if refused is not None:
        raise InboxRefusal(FORBIDDEN, refused)
    activity = parse_activity(body)
    refused = rules.refusal(ref(activity.get("actor")))
    if refused is not None:
        raise InboxRefusal(FORBIDDEN, refused)
    key = await authenticate(node, raw_target, headers, body)
    problem = check_origin(activity, key.owner)
    if problem is not None:
        raise InboxRefusal(401, problem)
    refused = rules.refusal(key.owner)
    if refused is not None:
        raise InboxRefusal(FORBIDDEN, refused)
    item = ReceivedActivity(
        activity_id=activity["id"],
        actor=key.owner,
        type=activity["type"][:64],
        object_type=object_type_of(activity)[:64],
        recipient=recipient(node, path),
        body=body,
        received_at=node.clock(),
    )
    try:
        await node.services.writer.store(item)
    except DuplicateActivityId as exc:  # not a retry: an id already taken by another actor
        raise InboxRefusal(409, str(exc)) from exc
    except Exception as exc:  # the database is unavailable: the sender should retry
        raise InboxRefusal(503, "could not store the activity, retry later") from exc


def recipient(node: Node, path: str) -> str | None:
    """The local actor whose personal inbox was used; None for the shared inbox."""
    if path == "/inbox":
        return None
    return f"{node.settings.url}{path.removesuffix('/inbox')}"
