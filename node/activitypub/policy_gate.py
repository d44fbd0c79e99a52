"""The federation policy at the door: refuse a blocked signer before any heavy work.

A request signed by a key of a blocked (or, in allowlist mode, unlisted) domain gets a
403 from the inbox and from signed GETs before its key is fetched or its signature
checked: the ``keyId`` (draft-cavage ``Signature``/``Authorization``) or ``keyid``
(RFC 9421 ``Signature-Input``) names the key's host. Only the host is read here; a
forged ``keyId`` can only get its sender refused. Who the key really belongs to is
checked afterwards as always (:mod:`node.activitypub.authenticate`).
"""

from __future__ import annotations

from collections.abc import Sequence

from node.activitypub.federation_policy import Rules

SIGNED_FIELDS = frozenset({"signature", "signature-input", "authorization"})
FORBIDDEN = 403


def claimed_key_ids(headers: Sequence[tuple[str, str]]) -> list[str]:
    """Every key id the request's signature fields name (unverified)."""
    found: list[str] = []
    for name, value in headers:
        if name.lower() not in SIGNED_FIELDS:
            continue
        lowered, start = value.lower(), 0  # keyId (cavage), keyid (RFC 9421)
        while (start := lowered.find('keyid="', start)) >= 0:
            start += len('keyid="')
            end = value.find('"', start)
            if end < 0:
                break
            found.append(value[start:end][:1024])
            start = end
    return found


def signer_refusal(rules: Rules, headers: Sequence[tuple[str, str]]) -> str | None:
    """Why the policy refuses the request's signer; None when it does not (or unsigned)."""
    for key_id in claimed_key_ids(headers):
        refused = rules.refusal(key_id)
        if refused is not None:
            return refused
    return None
