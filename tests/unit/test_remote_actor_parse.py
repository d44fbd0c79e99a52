"""parse_actor: recorded Mastodon, GoToSocial and Fedify actors, and the origin rules
(Mastodon CVE-2024-23832, Misskey CVE-2024-52590, Fedify GHSA-q9f8-5hc7-898f)."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from node.activitypub.remote_actor import (
    MAX_NAME,
    RemoteActorInfo,
    find_key,
    key_owner_hint,
    parse_actor,
)
from tests.fixtures.remote.fakes import load

ANA = "https://mastodon.social/users/ana"
BOB = "https://gts.example/users/bob"
CY = "https://fedify.example/users/cy"


def parsed(document: dict[str, Any], url: str) -> RemoteActorInfo:
    info = parse_actor(document, url)
    assert isinstance(info, RemoteActorInfo), info
    return info


def refused(document: dict[str, Any], url: str) -> str:
    reason = parse_actor(document, url)
    assert isinstance(reason, str), reason
    return reason


def test_mastodon_actor() -> None:
    info = parsed(load("mastodon.social/users-ana.json"), ANA)
    assert (info.uri, info.host, info.kind) == (ANA, "mastodon.social", "Person")
    assert info.preferred_username == "ana"
    assert info.name == "Ana Organizer \u270a"
    assert info.inbox == f"{ANA}/inbox"
    assert info.shared_inbox == "https://mastodon.social/inbox"
    assert info.followers == f"{ANA}/followers"
    assert info.key_id == f"{ANA}#main-key"
    assert info.public_key_pem and info.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert info.multikeys == {}
    assert info.document["url"] == "https://mastodon.social/@ana"
    key = find_key(info, f"{ANA}#main-key", proof=False)
    assert key is not None and isinstance(key.public_key, rsa.RSAPublicKey)
    assert key.owner == ANA
    assert find_key(info, f"{ANA}#main-key", proof=True) is None


def test_gotosocial_actor_without_shared_inbox() -> None:
    info = parsed(load("gts.example/users-bob.json"), BOB)
    assert info.key_id == f"{BOB}/main-key"
    assert info.shared_inbox is None
    assert find_key(info, f"{BOB}/main-key", proof=False) is not None


def test_fedify_actor_with_key_list_and_multikey() -> None:
    info = parsed(load("fedify.example/users-cy.json"), CY)
    assert info.kind == "Service"
    assert info.key_id == f"{CY}#main-key"
    assert list(info.multikeys) == [f"{CY}#ed25519-key"]
    proof = find_key(info, f"{CY}#ed25519-key", proof=True)
    assert proof is not None and isinstance(proof.public_key, ed25519.Ed25519PublicKey)
    assert info.document["url"]["href"] == "https://fedify.example/@cy"


def test_host_is_compared_canonically() -> None:
    document = load("mastodon.social/users-ana.json")
    info = parsed(document, "https://Mastodon.Social./users/ana")
    assert info.host == "mastodon.social"


@pytest.mark.parametrize("kind", ["Application", "Group", "Organization", "Service"])
def test_actor_types(kind: str) -> None:
    document = load("mastodon.social/users-ana.json")
    document["type"] = kind
    assert parsed(document, ANA).kind == kind


def test_type_list_with_an_actor_type() -> None:
    document = load("mastodon.social/users-ana.json")
    document["type"] = ["Person", "schema:Person"]
    assert parsed(document, ANA).kind == "Person"


@pytest.mark.parametrize("kind", ["Note", "Tombstone", None, ["Note"], 7])
def test_non_actor_types_refused(kind: Any) -> None:
    document = load("mastodon.social/users-ana.json")
    document["type"] = kind
    assert "actor type" in refused(document, ANA)


@pytest.mark.parametrize(
    "fetched",
    [
        "https://mastodon.social/users/ana2",
        "https://evil.example/users/ana",
        "http://mastodon.social/users/ana",
        "https://mastodon.social/users/ana#main-key",
    ],
)
def test_id_must_equal_fetched_url(fetched: str) -> None:
    assert "is not the URL fetched" in refused(load("mastodon.social/users-ana.json"), fetched)


@pytest.mark.parametrize("field", ["inbox", "outbox", "followers"])
def test_endpoints_on_another_host_refused(field: str) -> None:
    document = load("mastodon.social/users-ana.json")
    document[field] = f"https://evil.example/users/ana/{field}"
    assert field in refused(document, ANA)


def test_shared_inbox_on_another_host_refused() -> None:
    document = load("mastodon.social/users-ana.json")
    document["endpoints"] = {"sharedInbox": "https://evil.example/inbox"}
    assert "sharedInbox" in refused(document, ANA)


def test_missing_inbox_refused() -> None:
    document = load("mastodon.social/users-ana.json")
    del document["inbox"]
    assert "inbox" in refused(document, ANA)


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/@ana",
        {"type": "Link", "href": "https://evil.example/@ana"},
        ["https://mastodon.social/@ana", "https://evil.example/@ana"],
    ],
)
def test_url_on_another_host_dropped_not_fatal(url: Any) -> None:
    document = load("mastodon.social/users-ana.json")
    document["url"] = url
    assert "url" not in parsed(document, ANA).document


def test_public_key_on_another_host_refused() -> None:
    document = load("mastodon.social/users-ana.json")
    document["publicKey"]["id"] = "https://evil.example/users/ana#main-key"
    assert "not on the host" in refused(document, ANA)


def test_public_key_owned_by_someone_else_refused() -> None:
    document = load("mastodon.social/users-ana.json")
    document["publicKey"]["owner"] = "https://mastodon.social/users/admin"
    assert "owned by" in refused(document, ANA)


def test_acct_key_id_refused() -> None:
    document = load("mastodon.social/users-ana.json")
    document["publicKey"]["id"] = "acct:ana@mastodon.social"
    assert "acct:" in refused(document, ANA)


def test_unreadable_pem_refused() -> None:
    document = load("mastodon.social/users-ana.json")
    bad = "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"
    document["publicKey"]["publicKeyPem"] = bad
    assert "publicKeyPem" in refused(document, ANA)


def test_multikey_controlled_by_someone_else_refused() -> None:
    document = load("fedify.example/users-cy.json")
    document["assertionMethod"][0]["controller"] = "https://fedify.example/users/mallory"
    assert "controlled by" in refused(document, CY)


def test_non_ed25519_multikeys_are_skipped() -> None:
    document = load("fedify.example/users-cy.json")
    document["assertionMethod"].append(
        {"id": f"{CY}#rsa", "type": "Multikey", "controller": CY, "publicKeyMultibase": "zQ3s"}
    )
    assert list(parsed(document, CY).multikeys) == [f"{CY}#ed25519-key"]


def test_missing_preferred_username_refused() -> None:
    document = load("mastodon.social/users-ana.json")
    del document["preferredUsername"]
    assert "preferredUsername" in refused(document, ANA)


def test_long_strings_capped_and_stored_raw() -> None:
    document = load("mastodon.social/users-ana.json")
    document["name"] = "<b>" + "x" * 5000
    document["summary"] = "<script>alert(1)</script>" * 2000
    info = parsed(document, ANA)
    assert len(info.name) == MAX_NAME and info.name.startswith("<b>")
    assert info.document["summary"].startswith("<script>")  # renderers sanitise
    assert len(info.document["summary"]) <= 20_000


def test_non_string_fields_do_not_crash() -> None:
    document = load("mastodon.social/users-ana.json")
    document["name"] = {"en": "Ana"}
    document["endpoints"] = "https://mastodon.social/inbox"
    info = parsed(document, ANA)
    assert info.name == "" and info.shared_inbox is None
    document["inbox"] = ["https://mastodon.social/users/ana/inbox"]
    assert "inbox" in refused(document, ANA)


def test_key_owner_hint_of_gotosocial_stub_and_key_document() -> None:
    stub = load("gts.example/users-bob-main-key.json")
    assert key_owner_hint(stub, f"{BOB}/main-key") == BOB
    key_document = load("gts.example/users-eve-main-key.json")
    assert key_owner_hint(key_document, "https://gts.example/users/eve/main-key") == BOB
    assert key_owner_hint({"id": "x"}, "x") is None
