"""HTTP signatures on requests: one entry point for reading, one for signing.

Two schemes are in use on the fediverse (see shared/INTEROP.md, "HTTP signatures"):
draft-cavage-http-signatures-12 (:mod:`node.activitypub.httpsig`), which every server
speaks, and RFC 9421 HTTP Message Signatures (:mod:`node.activitypub.rfc9421`), which
Mastodon accepts from 4.5 and Fedify sends first. :func:`read_signature` picks the
scheme the request used; :func:`sign_request` signs in the scheme asked for.

Reading is pure and never raises on bad input: it returns a :class:`SignatureClaim`
(what was signed, by which key id) or a :class:`Rejected` with a reason for the 401
body. The caller fetches the key for ``claim.key_id`` and calls ``claim.verify(key)``,
which returns :class:`Verified` or :class:`Rejected`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from node.activitypub import httpsig, rfc9421
from node.activitypub.sigtypes import (
    HeaderInput,
    PrivateKey,
    Rejected,
    Scheme,
    SignatureClaim,
    Verified,
    header_fields,
)

__all__ = [
    "DEFAULT_MAX_SKEW",
    "Rejected",
    "SignatureClaim",
    "Verified",
    "read_signature",
    "sign_request",
]

#: Mastodon's clock skew margin (app/lib/signed_request.rb ``CLOCK_SKEW_MARGIN``).
DEFAULT_MAX_SKEW = timedelta(hours=1)


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")


def read_signature(
    method: str,
    url: str,
    headers: HeaderInput,
    body: bytes | None,
    now: datetime,
    *,
    max_skew: timedelta = DEFAULT_MAX_SKEW,
) -> SignatureClaim | Rejected:
    """Read and check the request's signature, short of the key check.

    RFC 9421 when a ``Signature-Input`` field is present, else draft-cavage from
    ``Signature`` (or ``Authorization: Signature ...``). ``url`` is the full URL the
    request was made to as this server sees it; header names are case-insensitive and
    repeated fields are combined (RFC 9110 §5.3). ``now`` must be timezone-aware (a
    naive ``now`` is a programming error and raises ValueError).
    """
    _require_aware(now)
    fields = header_fields(headers)
    if "signature-input" in fields:
        return rfc9421.read(method, url, fields, body, now, max_skew)
    if httpsig.signature_field(fields) is not None:
        return httpsig.read(method, url, fields, body, now, max_skew)
    return Rejected("no signature")


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    key_id: str,
    private_key: PrivateKey,
    now: datetime,
    scheme: Scheme = "cavage",
) -> dict[str, str]:
    """Sign an outgoing request; returns the full header dict to send.

    That is ``headers`` plus Host (unless given), Date, Digest (cavage) or
    Content-Digest (RFC 9421) when there is a body or the method is POST, and Signature
    (plus Signature-Input for RFC 9421). Send ``body`` byte for byte as given. Raises
    ValueError (or its subclass BadURL) for a URL or header that cannot be signed.
    """
    _require_aware(now)
    signer = rfc9421.sign if scheme == "rfc9421" else httpsig.sign
    return signer(method, url, headers, body, key_id=key_id, private_key=private_key, now=now)
