"""Authenticating a signed request: read the signature, find the key, verify.

Shared by the inbox (POST) and authorized fetch (GET). An unknown key or a failed
check gets one key refetch (the sender may have rotated its key, INTEROP.md); a
temporary failure to fetch the key is a 503 so the sender retries rather than drops.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from node.activitypub.actors import ActorCache, LookupFailed
from node.activitypub.remote_actor import ActorKey
from node.activitypub.signatures import Rejected, SignatureClaim, read_signature


async def authenticate_request(
    actors: ActorCache,
    method: str,
    url: str,
    headers: Sequence[tuple[str, str]],
    body: bytes | None,
    now: datetime,
) -> ActorKey | Rejected:
    """The verified signing key (and its owner), or the reason the request is refused."""
    claim = read_signature(method, url, headers, body, now)
    if isinstance(claim, Rejected):
        return claim
    key = await _verified_key(actors, claim, refresh=False)
    if isinstance(key, Rejected) and key.status != 503:
        key = await _verified_key(actors, claim, refresh=True)
    return key


async def _verified_key(actors: ActorCache, claim: SignatureClaim, *,
                        refresh: bool) -> ActorKey | Rejected:
    key = await actors.key(claim.key_id, refresh=refresh)
    if isinstance(key, LookupFailed):
        return Rejected(f"key {claim.key_id}: {key.reason}", 503 if key.retryable else 401)
    result = claim.verify(key.public_key)
    return result if isinstance(result, Rejected) else key


def request_url(base_url: str, raw_path: bytes, query: bytes) -> str:
    """The URL as the sender signed it: our public origin, the raw (undecoded) path."""
    url = f"{base_url}{raw_path.decode('latin-1')}"
    return f"{url}?{query.decode('latin-1')}" if query else url
