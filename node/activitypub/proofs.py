"""FEP-8b32 Object Integrity Proofs with the ``eddsa-jcs-2022`` cryptosuite.

Section numbers refer to W3C "Data Integrity EdDSA Cryptosuites v1.0" (vc-di-eddsa, REC 2025):
§3.3.1 Create Proof, §3.3.2 Verify Proof, §3.3.3 Transformation, §3.3.4 Hashing,
§3.3.5 Proof Configuration, §3.3.6 Proof Serialization, §3.3.7 Proof Verification.

ionode policy on top of the cryptosuite (ARCHITECTURE.md §5, SECURITY.md):

* ``proofPurpose`` must be ``assertionMethod`` (FEP-8b32 "Proof generation") and ``created``
  must be present; ``expires``, when present, is honoured (Data Integrity §2.1).
* :func:`verify_proof` binds the key to the author (FEP-8b32 "Proof verification", FEP-fe34
  ownership): the verificationMethod without its fragment must equal every ``actor`` and
  ``attributedTo`` of the document (its ``id`` when it has neither: an actor signing itself).
  Otherwise it answers ``ProofRejected("proof key is not the author's")``.
* §3.3.2 step 4 lets a document's ``@context`` extend the proof's; the extra entries would be
  unsigned (an LD parse differential), so ionode rejects them.
* Fedify hashes the document's ``@context`` into the proof configuration but publishes the
  proof without ``@context``; such a proof is checked in the spec form first, then that form.
  Both forms bind the same document and options, so accepting either adds no forgery.
* ``proof`` may be a list (a proof set): the single entry made by the author's key is used.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from typing import TYPE_CHECKING, Any

import base58
import rfc8785

if TYPE_CHECKING:  # cryptography loads at first use (issue 7, 1.14)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
ASSERTION_METHOD = "assertionMethod"
MAX_CLOCK_SKEW = timedelta(hours=1)
_XSD_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)
_MALFORMED = (ValueError, TypeError, RecursionError, OverflowError)


@dataclass(frozen=True)
class ProofVerified:
    """A valid proof: the key id that verified and its controller (the key id sans fragment)."""

    verification_method: str
    controller: str


@dataclass(frozen=True)
class ProofRejected:
    """An invalid or unusable proof, with a short reason for logs."""

    reason: str


class _Rejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def create_proof(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    now: datetime,
    *,
    purpose: str = ASSERTION_METHOD,
) -> dict[str, Any]:
    """A copy of ``document`` with an eddsa-jcs-2022 ``proof`` added (§3.3.1).

    ``now`` must be timezone-aware; ``created`` is written in UTC with seconds precision. The
    document must not already carry a proof: strip it first (proof sets are not produced).
    """
    if "proof" in document:
        raise ValueError("document already has a proof")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    unsecured = copy.deepcopy(dict(document))
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "verificationMethod": verification_method,
        "proofPurpose": purpose,
        "created": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if "@context" in unsecured:  # §3.3.1 step 2
        proof["@context"] = copy.deepcopy(unsecured["@context"])
    signature = private_key.sign(_hash_data(unsecured, proof))  # §3.3.6
    proof["proofValue"] = "z" + base58.b58encode(signature).decode("ascii")
    return {**unsecured, "proof": proof}


def strip_proof(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document without its ``proof`` (§3.3.2 step 1)."""
    return {key: value for key, value in document.items() if key != "proof"}


def proof_method(document: Mapping[str, Any]) -> str | None:
    """The verificationMethod of the proof :func:`verify_proof` would check, else ``None``."""
    try:
        proof = _select_proof(document)
    except _MALFORMED:
        return None
    method = proof.get("verificationMethod") if proof is not None else None
    return method if isinstance(method, str) and method else None


def verify_proof(
    document: Mapping[str, Any], public_key: Ed25519PublicKey, *, now: datetime | None = None
) -> ProofVerified | ProofRejected:
    """Verify the document's proof and that its key belongs to the document's author.

    The signature check is :func:`verify_proof_signature`; on top, the controller must own the
    document (see the module docstring). Never raises for bad input.
    """
    result = verify_proof_signature(document, public_key, now=now)
    if isinstance(result, ProofVerified) and not _owned_by(document, result.controller):
        return ProofRejected("proof key is not the author's")
    return result


def verify_proof_signature(
    document: Mapping[str, Any], public_key: Ed25519PublicKey, *, now: datetime | None = None
) -> ProofVerified | ProofRejected:
    """eddsa-jcs-2022 Verify Proof (§3.3.2) plus ionode's option checks, without authorship.

    Use :func:`verify_proof` for ActivityPub documents. Never raises for bad input.
    """
    try:
        return _verify(document, public_key, now)
    except _Rejected as exc:
        return ProofRejected(exc.reason)
    except _MALFORMED as exc:
        return ProofRejected(f"malformed document ({type(exc).__name__})")


def _verify(
    document: Mapping[str, Any], public_key: Ed25519PublicKey, now: datetime | None
) -> ProofVerified:
    from cryptography.exceptions import InvalidSignature

    if not isinstance(document, Mapping):
        raise _Rejected("document is not a JSON object")
    proof = _select_proof(document)
    if proof is None:
        raise _Rejected("no single usable proof")
    options = {key: value for key, value in proof.items() if key != "proofValue"}  # step 2
    method = _check_options(options, now)
    signature = _decode_proof_value(proof.get("proofValue"))  # step 3
    for unsecured in _unsecured_forms(document):
        for config in _proof_configs(unsecured, options):  # steps 4-6
            try:
                public_key.verify(signature, _hash_data(unsecured, config))  # §3.3.7
            except InvalidSignature:
                continue
            return ProofVerified(method, _controller(method))
    raise _Rejected("signature does not verify")


def _unsecured_forms(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The document without its proof; also without ``signature`` when it has one.

    Fedify (like Mastodon) adds an RsaSignature2017 Linked Data Signature over the
    already-proofed document, so the proof never covered ``signature``. ionode never
    trusts that field (SECURITY.md: LD signatures prove nothing), so leaving it out of
    the check costs nothing.
    """
    unsecured = strip_proof(document)
    if "signature" not in unsecured:
        return [unsecured]
    return [unsecured, {k: v for k, v in unsecured.items() if k != "signature"}]


def _hash_data(unsecured: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
    """§3.3.3-§3.3.5: SHA-256(JCS(proofConfig)) || SHA-256(JCS(unsecuredDocument))."""
    if proof_config.get("type") != PROOF_TYPE or proof_config.get("cryptosuite") != CRYPTOSUITE:
        raise _Rejected("proof is not a DataIntegrityProof with cryptosuite eddsa-jcs-2022")
    config_hash = sha256(rfc8785.dumps(proof_config)).digest()
    return config_hash + sha256(rfc8785.dumps(unsecured)).digest()


def _proof_configs(unsecured: dict[str, Any], options: dict[str, Any]) -> list[dict[str, Any]]:
    """§3.3.2 step 4 (``@context`` rules), ionode's no-unsigned-context rule, Fedify's form."""
    document_context = unsecured.get("@context")
    if "@context" in options:
        proof_list, document_list = _as_list(options["@context"]), _as_list(document_context)
        if document_list[: len(proof_list)] != proof_list:
            raise _Rejected("document @context does not start with the proof's @context")
        if len(document_list) != len(proof_list):
            raise _Rejected("document @context has entries the proof does not sign")
        unsecured["@context"] = options["@context"]
        return [options]
    if document_context is None:
        return [options]
    return [options, {**options, "@context": document_context}]


def _check_options(options: Mapping[str, Any], now: datetime | None) -> str:
    """The proof option checks (§3.3.5 steps 2-3, FEP-8b32); returns the verificationMethod."""
    if options.get("type") != PROOF_TYPE:
        raise _Rejected("proof type is not DataIntegrityProof")
    if options.get("cryptosuite") != CRYPTOSUITE:
        raise _Rejected("unsupported cryptosuite")
    if options.get("proofPurpose") != ASSERTION_METHOD:
        raise _Rejected("proof purpose is not assertionMethod")
    method = options.get("verificationMethod")
    if not isinstance(method, str) or not method:
        raise _Rejected("proof has no verificationMethod")
    created = _parse_datetime(options.get("created"), "created")
    if now is not None and created - MAX_CLOCK_SKEW > _utc(now):
        raise _Rejected("proof created in the future")
    if "expires" in options:
        expires = _parse_datetime(options["expires"], "expires")
        if now is not None and expires < _utc(now):
            raise _Rejected("proof has expired")
    return method


def _decode_proof_value(value: object) -> bytes:
    """Multibase base58-btc (``z`` prefix) of a 64-byte Ed25519 signature (§2.2.1)."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise _Rejected("proofValue is not multibase base58-btc")
    try:
        signature = base58.b58decode(value[1:])
    except ValueError as exc:
        raise _Rejected("proofValue is not valid base58") from exc
    if len(signature) != 64:
        raise _Rejected("proofValue is not a 64-byte Ed25519 signature")
    return signature


def _parse_datetime(value: object, name: str) -> datetime:
    """An XML Schema dateTime (§3.3.5 step 3); one without a zone is taken as UTC."""
    if not isinstance(value, str) or not _XSD_DATETIME.fullmatch(value):
        raise _Rejected(f"proof {name} is not an XML Schema dateTime")
    return _utc(datetime.fromisoformat(value))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _select_proof(document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The proof to check: the object itself, or the one list entry made by the author."""
    proof = document.get("proof")
    if isinstance(proof, Mapping):
        return proof
    if not isinstance(proof, list):
        return None
    mine = [
        entry
        for entry in proof
        if isinstance(entry, Mapping)
        and isinstance(entry.get("verificationMethod"), str)
        and _owned_by(document, _controller(entry["verificationMethod"]))
    ]
    return mine[0] if len(mine) == 1 else None


def _controller(method: str) -> str:
    return method.split("#", 1)[0]


def _owned_by(document: Mapping[str, Any], controller: str) -> bool:
    """Is ``controller`` every actor/attributedTo of the document (else its id)?"""
    owners = [*_as_list(document.get("actor")), *_as_list(document.get("attributedTo"))]
    if not owners:
        owners = [document.get("id")]
    return bool(controller) and {_owner_id(owner) for owner in owners} == {controller}


def _owner_id(owner: object) -> str | None:
    """An owner given as a URI or as an object with an ``id``; ``None`` when neither."""
    if isinstance(owner, Mapping):
        owner = owner.get("id")
    return owner if isinstance(owner, str) else None


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
