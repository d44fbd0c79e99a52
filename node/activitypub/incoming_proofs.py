"""Verifying FEP-8b32 proofs on received activities and their embedded objects.

A proof is optional for senders (Mastodon sends none), but a proof that is present
must verify with a key its author's actor document lists under ``assertionMethod``;
a document carrying a broken or foreign proof is refused, never half-trusted.

One exception: an embedded document whose id is this node's own (our ``Follow`` inside
the ``Accept`` that answers it) is an echo, not a claim. Fedify embeds the Follow it
parsed and serialises it again (``new Accept({object: follow})``), which changes the
bytes our proof covered, so the echoed proof no longer verifies. The echo's content is
never trusted: the handlers read our stored copy by its id (``_answer_to_our_follow``)
and the network refuses our own objects relayed back; so its proof is not checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from node.activitypub.actors import ActorCache, LookupFailed
from node.activitypub.dispatch import Retry
from node.activitypub.proofs import ProofRejected, proof_method, verify_proof
from node.activitypub.vocab import ref


def _signed_parts(activity: Mapping[str, Any],
                  is_local: Callable[[str], bool]) -> list[Mapping[str, Any]]:
    parts: list[Mapping[str, Any]] = [activity]
    obj = activity.get("object")
    if isinstance(obj, Mapping) and not is_local(ref(obj) or ""):
        parts.append(obj)
    return [part for part in parts if "proof" in part]


async def proof_problem(actors: ActorCache, activity: Mapping[str, Any], now: datetime,
                        is_local: Callable[[str], bool] = lambda uri: False) -> str | None:
    """A reason to refuse ``activity`` for its proofs, or None (also when it has none);
    ``is_local`` tells this node's own ids (their echoes are not checked)."""
    for document in _signed_parts(activity, is_local):
        method = proof_method(document)
        if method is None:
            return "document carries no usable proof"
        key = await actors.proof_key(method)
        if isinstance(key, LookupFailed):
            if key.retryable:
                raise Retry(f"proof key {method}: {key.reason}")
            return f"proof key {method}: {key.reason}"
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        if not isinstance(key.public_key, Ed25519PublicKey):
            return f"proof key {method} is not an Ed25519 key"
        result = verify_proof(document, key.public_key, now=now)
        if isinstance(result, ProofRejected):
            return f"invalid proof: {result.reason}"
    return None
