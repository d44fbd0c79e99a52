"""The actor document of each kind carries every field remote servers read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from node.activitypub.actor_document import actor_document, iso8601, tombstone
from node.activitypub.context import (
    AS,
    EXTENSION_TERMS,
    MULTIKEY_V1,
    SECURITY_V1,
    actor_context,
)
from node.activitypub.keys import decode_ed25519_multikey, generate_actor_keys, load_public_pem
from node.activitypub.local_actors import actor_uri
from node.activitypub.models import LocalActor

BASE = "https://philly.example"
CREATED = datetime(2026, 11, 21, 12, 0, 0, 123456, tzinfo=UTC)
KEYS = generate_actor_keys()
TYPES = {"node": "Application", "person": "Person", "group": "Group", "service": "Service"}


def make_actor(kind: str, username: str = "nate", **extra: Any) -> LocalActor:
    values: dict[str, Any] = {
        "id": 1,
        "username": username,
        "kind": kind,
        "uri": actor_uri(BASE, kind, username),
        "display_name": "Nate",
        "summary": "<p>Organizer</p>",
        "profile_fields": [],
        "rsa_private_pem": KEYS.rsa_private_pem,
        "rsa_public_pem": KEYS.rsa_public_pem,
        "ed25519_private": KEYS.ed25519_private,
        "ed25519_public_multibase": KEYS.ed25519_public_multibase,
        "created_at": CREATED,
        "updated_at": CREATED,
        "discoverable": True,
        "manually_approves_followers": False,
    }
    values.update(extra)
    return LocalActor(**values)


@pytest.mark.parametrize("kind", ["node", "person", "group", "service"])
def test_every_field_for_every_kind(kind: str) -> None:
    actor = make_actor(kind, "ionode" if kind == "node" else "nate")
    doc = actor_document(actor, base_url=BASE)
    uri = actor.uri
    assert doc["@context"][:3] == [AS, SECURITY_V1, MULTIKEY_V1]
    assert doc["@context"][3] == EXTENSION_TERMS
    assert doc["id"] == uri
    assert doc["type"] == TYPES[kind]
    assert doc["preferredUsername"] == actor.username
    assert doc["name"] == "Nate"
    assert doc["summary"] == "<p>Organizer</p>"
    assert doc["url"] == uri
    assert doc["inbox"] == f"{uri}/inbox"
    assert doc["outbox"] == f"{uri}/outbox"
    assert doc["followers"] == f"{uri}/followers"
    assert doc["following"] == f"{uri}/following"
    assert doc["featured"] == f"{uri}/collections/featured"
    assert doc["endpoints"] == {"sharedInbox": f"{BASE}/inbox"}
    assert doc["manuallyApprovesFollowers"] is False
    assert doc["discoverable"] is True
    assert doc["indexable"] is True
    assert doc["published"] == "2026-11-21T12:00:00Z"
    assert doc["attachment"] == []
    assert doc["publicKey"] == {
        "id": f"{uri}#main-key",
        "owner": uri,
        "publicKeyPem": KEYS.rsa_public_pem,
    }
    assert doc["assertionMethod"] == [
        {
            "id": f"{uri}#ed25519-key",
            "type": "Multikey",
            "controller": uri,
            "publicKeyMultibase": KEYS.ed25519_public_multibase,
        }
    ]
    assert "icon" not in doc


def test_paths_per_kind() -> None:
    assert make_actor("node", "ionode").uri == f"{BASE}/actor"
    assert make_actor("person").uri == f"{BASE}/users/nate"
    assert make_actor("group").uri == f"{BASE}/hubs/nate"
    assert make_actor("service").uri == f"{BASE}/services/nate"


def test_keys_decode_to_the_stored_keys() -> None:
    doc = actor_document(make_actor("person"), base_url=BASE)
    rsa_public = load_public_pem(doc["publicKey"]["publicKeyPem"])
    assert rsa_public.public_numbers() == (  # type: ignore[union-attr]
        load_public_pem(KEYS.rsa_public_pem).public_numbers()  # type: ignore[union-attr]
    )
    multikey = decode_ed25519_multikey(doc["assertionMethod"][0]["publicKeyMultibase"])
    private = ed25519.Ed25519PrivateKey.from_private_bytes(KEYS.ed25519_private)
    assert multikey.public_bytes_raw() == private.public_key().public_bytes_raw()


def test_icon_profile_fields_and_flags() -> None:
    actor = make_actor(
        "group",
        icon_url="https://philly.example/media/hub.png",
        profile_fields=[
            {"name": "Meets", "value": "Tuesdays"},
            {"name": "Site", "value": '<a href="https://ga.example">ga.example</a>'},
            {"name": 3, "value": "broken"},
            "not a field",
        ],
        manually_approves_followers=True,
        discoverable=False,
    )
    doc = actor_document(actor, base_url=BASE)
    assert doc["icon"] == {"type": "Image", "url": "https://philly.example/media/hub.png"}
    assert doc["attachment"] == [
        {"type": "PropertyValue", "name": "Meets", "value": "Tuesdays"},
        {
            "type": "PropertyValue",
            "name": "Site",
            "value": '<a href="https://ga.example">ga.example</a>',
        },
    ]
    assert doc["manuallyApprovesFollowers"] is True
    assert doc["discoverable"] is False
    assert doc["indexable"] is False


def test_name_falls_back_to_the_username() -> None:
    doc = actor_document(make_actor("person", display_name=""), base_url=BASE)
    assert doc["name"] == "nate"


def test_extension_terms_declare_what_mastodon_reads() -> None:
    terms = actor_context()[3]
    assert terms["toot"] == "http://joinmastodon.org/ns#"
    assert terms["schema"] == "http://schema.org#"
    assert terms["PropertyValue"] == "schema:PropertyValue"
    assert terms["value"] == "schema:value"
    assert terms["featured"] == {"@id": "toot:featured", "@type": "@id"}
    assert terms["featuredTags"] == {"@id": "toot:featuredTags", "@type": "@id"}
    for term in (
        "manuallyApprovesFollowers",
        "discoverable",
        "indexable",
        "Hashtag",
        "sensitive",
        "votersCount",
        "assertionMethod",
    ):
        assert term in terms


def test_contexts_are_fresh_copies() -> None:
    actor_context()[3]["toot"] = "mutated"
    assert actor_context()[3]["toot"] == "http://joinmastodon.org/ns#"


def test_iso8601() -> None:
    assert iso8601(datetime(2026, 1, 2, 3, 4, 5, 999999, tzinfo=UTC)) == "2026-01-02T03:04:05Z"
    assert iso8601(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05Z"  # naive = UTC
    east = timezone(timedelta(hours=2))
    assert iso8601(datetime(2026, 1, 2, 3, 4, 5, tzinfo=east)) == "2026-01-02T01:04:05Z"


def test_tombstone() -> None:
    doc = tombstone(f"{BASE}/users/nate", "Person", CREATED)
    assert doc == {
        "@context": AS,
        "id": f"{BASE}/users/nate",
        "type": "Tombstone",
        "formerType": "Person",
        "deleted": "2026-11-21T12:00:00Z",
    }
