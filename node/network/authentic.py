"""Is a document that a followed node or relay passed on really its author's?

SECURITY.md ("Identity and origin", CVE-2024-23832): an embedded third-party document
is trusted only with a valid FEP-8b32 proof by its author (the key listed in the
author's actor document, :func:`node.activitypub.proofs.verify_proof` binding it to
every ``actor``/``attributedTo``); otherwise it is refetched from its origin. A proof
that is there and does not verify is a tampered copy: it is refused, never refetched
around.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from node.activitypub.actors import LookupFailed
from node.activitypub.dispatch import Retry
from node.activitypub.handling import HandlerContext
from node.activitypub.proofs import ProofVerified, proof_method, verify_proof


@dataclass(frozen=True)
class Tampered:
    """A proof that does not verify (or names no usable key): why."""

    reason: str


PROVEN = "proven"
UNPROVEN = "unproven"


async def check_proof(ctx: HandlerContext, document: Mapping[str, Any]) -> str | Tampered:
    """``PROVEN``, ``UNPROVEN`` (no proof: refetch it) or :class:`Tampered`."""
    if "proof" not in document:
        return UNPROVEN
    method = proof_method(document)
    if method is None:
        return Tampered("the proof is malformed")
    key = await ctx.actors.proof_key(method)
    if isinstance(key, LookupFailed):
        if key.retryable:
            raise Retry(f"proof key {method}: {key.reason}")
        return Tampered(f"proof key {method}: {key.reason}")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not isinstance(key.public_key, Ed25519PublicKey):
        return Tampered(f"proof key {method} is not an Ed25519 key")
    verified = verify_proof(document, key.public_key, now=ctx.clock())
    if isinstance(verified, ProofVerified):
        return PROVEN
    return Tampered(f"invalid proof by {method}: {verified.reason}")
