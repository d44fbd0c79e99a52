"""The ActivityPub document of a local actor, and tombstones (pure).

Fields follow ActivityPub §4.1 (inbox, outbox, followers, following, endpoints) and what
Mastodon reads from an actor (INTEROP.md "Actor documents", Mastodon
``app/serializers/activitypub/actor_serializer.rb``): ``preferredUsername``, ``name``,
``summary`` (HTML), ``url``, ``icon``, ``manuallyApprovesFollowers``, ``discoverable``,
``indexable``, ``published``, ``featured``, ``attachment`` of ``PropertyValue`` and
``publicKey`` (``<actor>#main-key``, which Lemmy needs to carry a ``#``). The Ed25519
proof key is published as a FEP-521a ``Multikey`` in ``assertionMethod``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from node.activitypub.context import actor_context, collection_context
from node.activitypub.models import LocalActor

ACTOR_TYPES: Final = {
    "node": "Application",
    "person": "Person",
    "group": "Group",
    "service": "Service",
    "newswire": "Service",
}


def iso8601(moment: datetime) -> str:
    """UTC, seconds precision, ``Z`` suffix (``2026-11-21T12:00:00Z``); naive means UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def actor_type(actor: LocalActor) -> str:
    return ACTOR_TYPES[actor.kind]


def _profile_fields(fields: object) -> list[dict[str, str]]:
    """Profile fields as ``PropertyValue``; malformed stored entries are left out."""
    if not isinstance(fields, list):
        return []
    return [
        {"type": "PropertyValue", "name": f["name"], "value": f["value"]}
        for f in fields
        if isinstance(f, dict)
        and isinstance(f.get("name"), str)
        and isinstance(f.get("value"), str)
    ]


def public_key(actor: LocalActor) -> dict[str, str]:
    """The draft-cavage signature key, ``publicKey`` of the security v1 vocabulary."""
    return {
        "id": f"{actor.uri}#main-key",
        "owner": actor.uri,
        "publicKeyPem": actor.rsa_public_pem,
    }


def assertion_method(actor: LocalActor) -> list[dict[str, str]]:
    """FEP-521a: the Ed25519 key that signs FEP-8b32 proofs, as a ``Multikey``."""
    return [
        {
            "id": f"{actor.uri}#ed25519-key",
            "type": "Multikey",
            "controller": actor.uri,
            "publicKeyMultibase": actor.ed25519_public_multibase,
        }
    ]


def actor_document(actor: LocalActor, *, base_url: str) -> dict[str, Any]:
    """The JSON-LD document served at ``actor.uri`` (its HTML page has the same URL)."""
    uri = actor.uri
    doc: dict[str, Any] = {
        "@context": actor_context(),
        "id": uri,
        "type": actor_type(actor),
        "preferredUsername": actor.username,
        "name": actor.display_name or actor.username,
        "summary": actor.summary or "",
        "url": uri,
        "inbox": f"{uri}/inbox",
        "outbox": f"{uri}/outbox",
        "followers": f"{uri}/followers",
        "following": f"{uri}/following",
        "featured": f"{uri}/collections/featured",
        "endpoints": {"sharedInbox": f"{base_url}/inbox"},
        "manuallyApprovesFollowers": bool(actor.manually_approves_followers),
        "discoverable": bool(actor.discoverable),
        "indexable": bool(actor.discoverable),
        "published": iso8601(actor.created_at),
        "attachment": _profile_fields(actor.profile_fields),
        "publicKey": public_key(actor),
        "assertionMethod": assertion_method(actor),
    }
    if actor.icon_url:
        doc["icon"] = {"type": "Image", "url": actor.icon_url}
    return doc


def tombstone(uri: str, former_type: str, deleted: datetime) -> dict[str, Any]:
    """What a deleted actor or object answers with its 410 (AS2 Vocabulary "Tombstone")."""
    return {
        "@context": collection_context(),
        "id": uri,
        "type": "Tombstone",
        "formerType": former_type,
        "deleted": iso8601(deleted),
    }
