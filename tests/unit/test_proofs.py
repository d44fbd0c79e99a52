"""FEP-8b32 / eddsa-jcs-2022 object integrity proofs (node.activitypub.proofs).

Published vectors live in fixtures/proofs/, copied verbatim by script from
w3c/vc-di-eddsa TestVectors/ (W3C vc-di-eddsa, "Representation: eddsa-jcs-2022") and from
fep/8b32/fep-8b32.feature (FEP-8b32); each file names its source commit.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import base58
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.activitypub.keys import decode_ed25519_multikey, encode_ed25519_multikey
from node.activitypub.proofs import (
    ProofRejected,
    ProofVerified,
    create_proof,
    proof_method,
    strip_proof,
    verify_proof,
    verify_proof_signature,
)

FIXTURES = Path(__file__).parent / "fixtures" / "proofs"
W3C = json.loads((FIXTURES / "w3c_eddsa_jcs_2022.json").read_text("utf-8"))
FEP = json.loads((FIXTURES / "fep_8b32.json").read_text("utf-8"))

ALICE = "https://a.example/users/alice"
ALICE_KEY_ID = ALICE + "#ed25519-key"
ALICE_KEY = Ed25519PrivateKey.generate()
MALLORY = "https://m.example/users/mallory"
MALLORY_KEY = Ed25519PrivateKey.generate()
NOW = datetime(2025, 5, 1, 12, 0, 0, tzinfo=UTC)
AS_CONTEXT = [
    "https://www.w3.org/ns/activitystreams",
    "https://w3id.org/security/data-integrity/v2",
]


def secret_key(multibase: str) -> Ed25519PrivateKey:
    """Multikey ``secretKeyMultibase``: z + base58btc(0x8026 ed25519-priv || 32-byte seed)."""
    raw = base58.b58decode(multibase[1:])
    assert multibase[0] == "z" and raw[:2] == b"\x80\x26" and len(raw) == 34
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def note(**extra: Any) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": "https://a.example/notes/1",
        "type": "Note",
        "attributedTo": ALICE,
        "content": "<p>Hello, wörld 🌍</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "tag": [{"type": "Mention", "href": "https://b.example/users/bob", "name": "@bob"}],
        **extra,
    }


def signed_note(**extra: Any) -> dict[str, Any]:
    return create_proof(note(**extra), ALICE_KEY, ALICE_KEY_ID, NOW)


def reason(result: ProofVerified | ProofRejected) -> str:
    assert isinstance(result, ProofRejected), result
    return result.reason


# --- published vectors ---------------------------------------------------------------------


class TestW3cVector:
    """W3C vc-di-eddsa, Appendix "Representation: eddsa-jcs-2022"."""

    key = secret_key(W3C["keyPair"]["privateKeyMultibase"])
    method = W3C["proofOptions"]["verificationMethod"]
    created = datetime.fromisoformat(W3C["proofOptions"]["created"])

    def test_key_pair_matches_published_public_key(self) -> None:
        public = encode_ed25519_multikey(self.key.public_key())
        assert public == W3C["keyPair"]["publicKeyMultibase"]

    def test_intermediate_values(self) -> None:
        canonical_doc = rfc8785.dumps(W3C["unsigned"])
        canonical_config = rfc8785.dumps(W3C["proofOptions"])
        assert canonical_doc == W3C["canonicalDocument"].encode("utf-8")
        assert canonical_config == W3C["canonicalProofConfig"].encode("utf-8")
        doc_hash = hashlib.sha256(canonical_doc).digest()
        config_hash = hashlib.sha256(canonical_config).digest()
        assert doc_hash.hex() == W3C["documentHashHex"]
        assert config_hash.hex() == W3C["proofConfigHashHex"]
        assert (config_hash + doc_hash).hex() == W3C["combinedHashHex"]
        assert self.key.sign(config_hash + doc_hash).hex() == W3C["signatureHex"]

    def test_create_proof_reproduces_signed_credential(self) -> None:
        signed = create_proof(W3C["unsigned"], self.key, self.method, self.created)
        assert signed["proof"]["proofValue"] == W3C["proofValue"]
        assert signed == W3C["signed"]

    def test_signed_credential_verifies(self) -> None:
        result = verify_proof_signature(W3C["signed"], self.key.public_key())
        assert result == ProofVerified(self.method, self.method.split("#")[0])

    def test_verify_proof_requires_an_actor_or_attributed_to(self) -> None:
        # The credential's issuer is not an ActivityPub owner: authorship cannot be shown.
        result = verify_proof(W3C["signed"], self.key.public_key())
        assert reason(result) == "proof key is not the author's"


class TestFepVector:
    """FEP-8b32, fep-8b32.feature: "Signing document" and "Verifying a signature"."""

    key = secret_key(FEP["secretKeyMultibase"])

    def test_create_proof_reproduces_signed_document(self) -> None:
        created = datetime.fromisoformat(FEP["currentTime"])
        signed = create_proof(FEP["unsigned"], self.key, FEP["verificationMethod"], created)
        assert signed == FEP["signed"]

    def test_signed_document_verifies_with_actor_assertion_method(self) -> None:
        method = FEP["actor"]["assertionMethod"][0]
        public = decode_ed25519_multikey(method["publicKeyMultibase"])
        assert proof_method(FEP["signed"]) == method["id"]
        result = verify_proof(FEP["signed"], public, now=NOW)
        assert result == ProofVerified(method["id"], FEP["actor"]["id"])
        assert method["controller"] == FEP["actor"]["id"]


# --- round trip and tampering --------------------------------------------------------------


def test_round_trip() -> None:
    signed = signed_note()
    assert signed["proof"] == {
        "@context": AS_CONTEXT,
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "verificationMethod": ALICE_KEY_ID,
        "proofPurpose": "assertionMethod",
        "created": "2025-05-01T12:00:00Z",
        "proofValue": signed["proof"]["proofValue"],
    }
    assert proof_method(signed) == ALICE_KEY_ID
    assert verify_proof(signed, ALICE_KEY.public_key(), now=NOW) == ProofVerified(
        ALICE_KEY_ID, ALICE
    )
    assert strip_proof(signed) == note()


def test_create_proof_does_not_share_or_mutate_input() -> None:
    document = note()
    before = copy.deepcopy(document)
    signed = create_proof(document, ALICE_KEY, ALICE_KEY_ID, NOW)
    assert document == before and "proof" not in document
    document["tag"][0]["name"] = "@eve"
    document["@context"].append("https://evil.example/ctx")
    assert isinstance(verify_proof(signed, ALICE_KEY.public_key()), ProofVerified)


def test_created_is_utc_seconds() -> None:
    when = datetime(2024, 1, 2, 5, 4, 5, 999_999, tzinfo=timezone(timedelta(hours=2)))
    signed = create_proof(note(), ALICE_KEY, ALICE_KEY_ID, when)
    assert signed["proof"]["created"] == "2024-01-02T03:04:05Z"


def test_create_proof_refuses_naive_time_and_existing_proof() -> None:
    with pytest.raises(ValueError, match="timezone"):
        create_proof(note(), ALICE_KEY, ALICE_KEY_ID, datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="already has a proof"):
        create_proof(signed_note(), ALICE_KEY, ALICE_KEY_ID, NOW)


Mutation = Callable[[dict[str, Any]], Any]


def _set(path: tuple[Any, ...], value: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        target: Any = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return mutate


TAMPERINGS: dict[str, Mutation] = {
    "content": _set(("content",), "<p>Hello, world 🌍</p>"),
    "to": _set(("to", 0), "https://b.example/users/bob"),
    "id": _set(("id",), "https://a.example/notes/2"),
    "nested value": _set(("tag", 0, "href"), "https://e.example/users/eve"),
    "added field": _set(("sensitive",), False),
    "removed field": lambda doc: doc.pop("to"),
    "type": _set(("type",), "Article"),
    "bool vs int": _set(("n",), 1),
    "proof created": _set(("proof", "created"), "2025-05-01T12:00:01Z"),
    "proof method, same controller": _set(("proof", "verificationMethod"), ALICE + "#other"),
    "proof @context": _set(("proof", "@context"), AS_CONTEXT[:1]),
    "proof extra option": _set(("proof", "nonce"), "abc"),
}


@pytest.mark.parametrize("mutate", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_tampering_fails(mutate: Mutation) -> None:
    signed = signed_note(n=True)
    assert isinstance(verify_proof(signed, ALICE_KEY.public_key()), ProofVerified)
    mutate(signed)
    assert isinstance(verify_proof(signed, ALICE_KEY.public_key()), ProofRejected)


def test_wrong_key_fails() -> None:
    result = verify_proof(signed_note(), MALLORY_KEY.public_key())
    assert reason(result) == "signature does not verify"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("cryptosuite", "eddsa-rdfc-2022", "unsupported cryptosuite"),
        ("cryptosuite", "jcs-eddsa-2022", "unsupported cryptosuite"),
        ("type", "Ed25519Signature2020", "proof type is not DataIntegrityProof"),
        ("proofPurpose", "authentication", "proof purpose is not assertionMethod"),
        ("verificationMethod", {"id": ALICE_KEY_ID}, "proof has no verificationMethod"),
        ("created", "yesterday", "proof created is not an XML Schema dateTime"),
        ("created", "2025-05-01 12:00:00Z", "proof created is not an XML Schema dateTime"),
        (
            "created",
            "\uff12\uff10\uff12\uff15-05-01T12:00:00Z",
            "proof created is not an XML Schema dateTime",
        ),
        ("created", None, "proof created is not an XML Schema dateTime"),
        ("proofValue", None, "proofValue is not multibase base58-btc"),
        ("proofValue", "uAAAA", "proofValue is not multibase base58-btc"),
        ("proofValue", "z0OIl", "proofValue is not valid base58"),
        ("proofValue", "z" + "1" * 10, "proofValue is not a 64-byte Ed25519 signature"),
    ],
)
def test_bad_proof_fields_are_rejected(field: str, value: Any, expected: str) -> None:
    signed = signed_note()
    signed["proof"][field] = value
    assert reason(verify_proof(signed, ALICE_KEY.public_key(), now=NOW)) == expected


NON_STRING_KEY: dict[Any, Any] = {1: "non-string key"}


def _deep(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "document",
    [
        "not a dict",
        None,
        {},
        {"proof": "z123"},
        {"proof": []},
        {"proof": [1, "x"]},
        {**signed_note(), "big": 2**60},
        {**signed_note(), "nan": float("nan")},
        {**signed_note(), **NON_STRING_KEY},
        {**signed_note(), "deep": _deep(100_000)},
        {**signed_note(), "actor": [{"id": ["x"]}, {}]},
    ],
    ids=[
        "str",
        "none",
        "empty",
        "proof str",
        "empty list",
        "junk list",
        "big int",
        "nan",
        "int key",
        "deep",
        "odd actor",
    ],
)
def test_malformed_input_is_rejected_not_raised(document: Any) -> None:
    assert isinstance(verify_proof(document, ALICE_KEY.public_key()), ProofRejected)
    assert isinstance(verify_proof_signature(document, ALICE_KEY.public_key()), ProofRejected)
    if isinstance(document, dict) and not isinstance(document.get("proof"), dict):
        assert proof_method(document) is None


# --- authorship ----------------------------------------------------------------------------


def test_proof_by_someone_else_than_the_author_is_rejected() -> None:
    forged = create_proof(note(), MALLORY_KEY, MALLORY + "#ed25519-key", NOW)
    assert isinstance(verify_proof_signature(forged, MALLORY_KEY.public_key()), ProofVerified)
    assert reason(verify_proof(forged, MALLORY_KEY.public_key())) == "proof key is not the author's"


@pytest.mark.parametrize(
    ("owners", "ok"),
    [
        ({"attributedTo": {"id": ALICE, "type": "Person"}}, True),
        ({"attributedTo": [ALICE]}, True),
        ({"attributedTo": [ALICE, "https://b.example/users/bob"]}, False),
        ({"attributedTo": "https://b.example/users/bob"}, False),
        ({"attributedTo": None, "actor": ALICE, "type": "Create"}, True),
        ({"attributedTo": None, "actor": "https://a.example/users/alice2"}, False),
        ({"attributedTo": ALICE, "actor": "https://b.example/users/bob"}, False),
        ({"attributedTo": None}, False),
        ({"attributedTo": None, "id": ALICE, "type": "Person"}, True),
        ({"attributedTo": ALICE + "/"}, False),
    ],
)
def test_owner_forms(owners: dict[str, Any], ok: bool) -> None:
    document = {k: v for k, v in note(**owners).items() if v is not None}
    signed = create_proof(document, ALICE_KEY, ALICE_KEY_ID, NOW)
    result = verify_proof(signed, ALICE_KEY.public_key())
    assert isinstance(result, ProofVerified) is ok, result


def test_proof_list_uses_the_authors_entry() -> None:
    mine = signed_note()["proof"]
    theirs = create_proof(note(), MALLORY_KEY, MALLORY + "#k", NOW)["proof"]
    document = {**note(), "proof": [theirs, mine]}
    assert proof_method(document) == ALICE_KEY_ID
    assert verify_proof(document, ALICE_KEY.public_key()) == ProofVerified(ALICE_KEY_ID, ALICE)
    only_theirs = {**note(), "proof": [theirs]}
    assert proof_method(only_theirs) is None
    assert reason(verify_proof(only_theirs, MALLORY_KEY.public_key())) == "no single usable proof"
    twice = {**note(), "proof": [mine, mine]}
    assert proof_method(twice) is None


# --- time ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("created_offset", "ok"),
    [
        (timedelta(minutes=59), True),
        (timedelta(hours=1, seconds=1), False),
        (-timedelta(days=400), True),
    ],
)
def test_created_in_the_future(created_offset: timedelta, ok: bool) -> None:
    signed = create_proof(note(), ALICE_KEY, ALICE_KEY_ID, NOW + created_offset)
    result = verify_proof(signed, ALICE_KEY.public_key(), now=NOW)
    assert isinstance(result, ProofVerified) is ok, result
    assert isinstance(verify_proof(signed, ALICE_KEY.public_key()), ProofVerified)


def test_naive_now_is_taken_as_utc() -> None:
    signed = create_proof(note(), ALICE_KEY, ALICE_KEY_ID, NOW + timedelta(hours=2))
    naive_now = NOW.replace(tzinfo=None)
    assert reason(verify_proof(signed, ALICE_KEY.public_key(), now=naive_now)) == (
        "proof created in the future"
    )


def test_expired_proof_is_rejected() -> None:
    document = note()
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "verificationMethod": ALICE_KEY_ID,
        "proofPurpose": "assertionMethod",
        "created": "2025-04-01T00:00:00Z",
        "expires": "2025-05-01T00:00:00Z",
        "@context": AS_CONTEXT,
    }
    signed = {**document, "proof": {**proof, "proofValue": _sign(document, proof)}}
    assert isinstance(verify_proof(signed, ALICE_KEY.public_key()), ProofVerified)
    assert reason(verify_proof(signed, ALICE_KEY.public_key(), now=NOW)) == "proof has expired"


# --- canonicalisation and @context ---------------------------------------------------------


def _sign(document: dict[str, Any], config: dict[str, Any]) -> str:
    """Independent eddsa-jcs-2022 signing, written out from the spec for cross-checks."""
    digest = hashlib.sha256(rfc8785.dumps(config)).digest()
    digest += hashlib.sha256(rfc8785.dumps(document)).digest()
    return "z" + base58.b58encode(ALICE_KEY.sign(digest)).decode()


def _reorder(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reorder(v) for k, v in reversed(value.items())}
    if isinstance(value, list):
        return [_reorder(v) for v in value]
    return value


def test_key_order_is_irrelevant() -> None:
    signed = signed_note()
    reordered = json.loads(json.dumps(_reorder(signed)))
    assert list(reordered) != list(signed)
    assert list(reordered["proof"]) != list(signed["proof"])
    assert isinstance(verify_proof(reordered, ALICE_KEY.public_key()), ProofVerified)


def test_unicode_escapes_and_number_spellings_are_irrelevant() -> None:
    signed = signed_note(name='é\u2028\U0001f30d"\\', ratio=1.0, count=100, tiny=1e-7)
    wire = json.dumps(signed, ensure_ascii=True)
    assert "\\u00e9" in wire and "1.0" in wire
    wire = wire.replace('"count": 100', '"count": 1e2').replace('"ratio": 1.0', '"ratio": 1')
    assert '"count": 1e2' in wire and '"ratio": 1,' in wire
    assert isinstance(verify_proof(json.loads(wire), ALICE_KEY.public_key()), ProofVerified)


def test_extra_document_context_is_rejected() -> None:
    signed = signed_note()
    signed["@context"] = [*AS_CONTEXT, {"content": "https://evil.example/ns#content"}]
    assert reason(verify_proof(signed, ALICE_KEY.public_key())) == (
        "document @context has entries the proof does not sign"
    )
    signed["@context"] = list(reversed(AS_CONTEXT))
    assert reason(verify_proof(signed, ALICE_KEY.public_key())) == (
        "document @context does not start with the proof's @context"
    )


def test_document_without_context() -> None:
    document = {k: v for k, v in note().items() if k != "@context"}
    signed = create_proof(document, ALICE_KEY, ALICE_KEY_ID, NOW)
    assert "@context" not in signed["proof"]
    assert isinstance(verify_proof(signed, ALICE_KEY.public_key()), ProofVerified)


def test_fedify_form_without_proof_context_verifies() -> None:
    """Fedify hashes the document's @context into the config but omits it from the proof."""
    document = note()
    config = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "verificationMethod": ALICE_KEY_ID,
        "proofPurpose": "assertionMethod",
        "created": "2025-05-01T12:00:00Z",
    }
    value = _sign(document, {**config, "@context": document["@context"]})
    signed = {**document, "proof": {**config, "proofValue": value}}
    assert verify_proof(signed, ALICE_KEY.public_key()) == ProofVerified(ALICE_KEY_ID, ALICE)
    # and the spec form of a proof without @context (config without @context) verifies too
    signed["proof"]["proofValue"] = _sign(document, config)
    assert isinstance(verify_proof(signed, ALICE_KEY.public_key()), ProofVerified)
    signed["content"] = "changed"
    assert reason(verify_proof(signed, ALICE_KEY.public_key())) == "signature does not verify"


def test_strip_proof_copies() -> None:
    signed = signed_note()
    stripped = strip_proof(signed)
    assert "proof" not in stripped and "proof" in signed
    assert stripped == note()


# --- property ------------------------------------------------------------------------------

_RESERVED = {"proof", "actor", "attributedTo", "@context"}
_keys = st.text(max_size=8).filter(lambda k: k not in _RESERVED)
_leaves = (
    st.text(max_size=12) | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1) | st.booleans()
)
_values = _leaves | st.lists(_leaves, min_size=1, max_size=4)
_documents = st.dictionaries(_keys, _values, min_size=1, max_size=8)


def _leaf_paths(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    paths: list[tuple[Any, ...]] = []
    for key, value in document.items():
        if isinstance(value, list):
            paths.extend((key, i) for i in range(len(value)))
        else:
            paths.append((key,))
    return paths


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value - 1 if value > 0 else value + 1
    return value + "x"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_documents, data=st.data())
def test_property_create_verify_and_single_leaf_change(body: dict[str, Any], data: Any) -> None:
    document = {**body, "attributedTo": ALICE}
    signed = create_proof(document, ALICE_KEY, ALICE_KEY_ID, NOW)
    assert verify_proof(signed, ALICE_KEY.public_key(), now=NOW) == ProofVerified(
        ALICE_KEY_ID, ALICE
    )
    path = data.draw(st.sampled_from(_leaf_paths(body)))
    target: Any = signed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = _changed(target[path[-1]])
    assert reason(verify_proof(signed, ALICE_KEY.public_key(), now=NOW)) == (
        "signature does not verify"
    )


def test_context_form_is_taken_from_the_proof() -> None:
    """§3.3.2 step 4: the unsecured document gets the proof's @context before hashing."""
    document = {**note(), "@context": AS_CONTEXT[0]}
    signed = create_proof(document, ALICE_KEY, ALICE_KEY_ID, NOW)
    signed["@context"] = [AS_CONTEXT[0]]  # an intermediary rewrote the string as a list
    assert isinstance(verify_proof(signed, ALICE_KEY.public_key()), ProofVerified)


def test_ld_signature_added_after_the_proof_is_left_out() -> None:
    # Fedify and Mastodon add an RsaSignature2017 over the already-proofed document;
    # the proof still verifies, and tampering elsewhere still fails.
    signed = signed_note()
    signed["signature"] = {"type": "RsaSignature2017", "creator": ALICE + "#main-key",
                           "signatureValue": "Zm9yZ2Vk"}
    assert isinstance(verify_proof(signed, ALICE_KEY.public_key(), now=NOW), ProofVerified)
    signed["content"] = "altered"
    assert isinstance(verify_proof(signed, ALICE_KEY.public_key(), now=NOW), ProofRejected)
